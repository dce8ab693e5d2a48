// nn::init's eye_, dirac_, trunc_normal_, orthogonal_ and sparse_: exact
// properties (identity, identity convolution, Q^T Q = I), statistics of the
// random ones, and torch's errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ember/ember.h"
#include "ember/ops/conv.h"
#include "support/expect.h"

using namespace ember;
namespace init = ember::nn::init;

TEST(InitExtra, Eye) {
  Tensor t = full({2, 3}, 7.);
  init::eye_(t);
  EXPECT_EQ(t.tolist<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  Tensor p = zeros({3, 2}).requires_grad_();
  init::eye_(p);  // under no-grad: a leaf that requires grad may be filled
  EXPECT_EQ(p.tolist<float>(), (std::vector<float>{1, 0, 0, 1, 0, 0}));
  EXPECT_TRUE(p.requires_grad());
  EXPECT_THROW_MSG(init::eye_(empty({3})), ValueError,
                   "Only tensors with 2 dimensions are supported");
  EXPECT_THROW(init::eye_(empty({2, 2, 2})), ValueError);
}

TEST(InitExtra, DiracIsIdentityConvolution) {
  Generator g(3);
  Tensor x = randn({2, 4, 7, 6}, {}, &g);
  Tensor w = empty({4, 4, 3, 3});
  init::dirac_(w);
  EXPECT_EQ(w.sum().item<double>(), 4);
  EXPECT_EQ(w.select(0, 2).select(0, 2).select(0, 1).select(0, 1).item<double>(), 1);
  EXPECT_TRUE(conv2d(x, w, std::nullopt, 1, 1).allclose(x, 0, 1e-6));
  // 1-D and 3-D kernels
  Tensor x1 = randn({1, 3, 9}, {}, &g);
  Tensor w1 = empty({3, 3, 5});
  init::dirac_(w1);
  EXPECT_TRUE(conv1d(x1, w1, std::nullopt, 1, 2).allclose(x1, 0, 1e-6));
  Tensor w3 = empty({2, 2, 3, 3, 3});
  init::dirac_(w3);
  EXPECT_EQ(w3.select(0, 1).select(0, 1).select(0, 1).select(0, 1).select(0, 1).item<double>(), 1);
  EXPECT_EQ(w3.sum().item<double>(), 2);
  // groups: each group of out channels copies the first in channels
  Tensor wg = empty({6, 2, 3, 3});
  init::dirac_(wg, 3);
  Tensor xg = randn({1, 6, 5, 5}, {}, &g);
  Tensor yg = conv2d(xg, wg, std::nullopt, 1, 1, 1, 3);
  EXPECT_TRUE(yg.allclose(xg, 0, 1e-6));
  // more out than in channels: the extra outputs are zero
  Tensor wz = empty({3, 2, 1});
  init::dirac_(wz);
  EXPECT_EQ(wz.reshape({6}).tolist<float>(), (std::vector<float>{1, 0, 0, 1, 0, 0}));
  EXPECT_THROW_MSG(init::dirac_(empty({2, 2})), ValueError,
                   "Only tensors with 3, 4, or 5 dimensions are supported");
  EXPECT_THROW_MSG(init::dirac_(empty({5, 2, 3}), 2), ValueError,
                   "dim 0 must be divisible by groups");
}

TEST(InitExtra, TruncNormal) {
  Tensor t = empty({200000});
  Generator g(11);
  init::trunc_normal_(t, 1., 2., -1., 2., &g);
  EXPECT_GE(t.min().item<double>(), -1);
  EXPECT_LE(t.max().item<double>(), 2);
  // N(1, 4) truncated to [-1, 2]: alpha = -1, beta = 0.5
  const auto pdf = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); };
  const auto cdf = [](double x) { return (1 + std::erf(x / std::sqrt(2.))) / 2; };
  const double Z = cdf(0.5) - cdf(-1);
  const double mean = 1 + 2 * (pdf(-1) - pdf(0.5)) / Z;
  const double var =
      4 * (1 + (-1 * pdf(-1) - 0.5 * pdf(0.5)) / Z - std::pow((pdf(-1) - pdf(0.5)) / Z, 2));
  EXPECT_NEAR(t.mean().item<double>(), mean, 0.01);
  EXPECT_NEAR(t.std().item<double>(), std::sqrt(var), 0.01);
  // the defaults: N(0, 1) in [-2, 2]
  Tensor d = empty({100000}, {.dtype = kFloat64});
  init::trunc_normal_(d);
  EXPECT_GE(d.min().item<double>(), -2);
  EXPECT_LE(d.max().item<double>(), 2);
  EXPECT_NEAR(d.mean().item<double>(), 0, 0.02);
  EXPECT_NEAR(d.std().item<double>(), 0.8796, 0.01);
}

TEST(InitExtra, Orthogonal) {
  for (auto shape : std::vector<std::vector<int64_t>>{{6, 4}, {4, 6}, {5, 5}, {3, 2, 2, 2}}) {
    Tensor t = ember::empty(shape);
    init::orthogonal_(t, 2.0);
    const Tensor m = t.reshape({shape[0], -1}).to(kFloat64) / 2.0;
    const int64_t r = m.size(0), c = m.size(1);
    // orthonormal columns (rows >= cols) or rows (rows < cols)
    const Tensor gram = r >= c ? m.t().matmul(m) : m.matmul(m.t());
    EXPECT_TRUE(gram.allclose(eye(std::min(r, c), std::nullopt, {.dtype = kFloat64}), 0, 1e-6))
        << gram.str();
  }
  // float64 is exact to rounding
  Tensor q = empty({40, 30}, {.dtype = kFloat64});
  Generator g(5);
  init::orthogonal_(q, 1.0, &g);
  EXPECT_LT(
      (q.t().matmul(q) - eye(30, std::nullopt, {.dtype = kFloat64})).abs().max().item<double>(),
      1e-12);
  // different draws differ; the same seed repeats
  Tensor q2 = empty({40, 30}, {.dtype = kFloat64});
  Generator g2(5);
  init::orthogonal_(q2, 1.0, &g2);
  EXPECT_TRUE(q.equal(q2));
  Tensor e = empty({0, 3});
  init::orthogonal_(e);
  EXPECT_THROW_MSG(init::orthogonal_(empty({3})), ValueError,
                   "Only tensors with 2 or more dimensions are supported");
}

TEST(InitExtra, Sparse) {
  Tensor t = empty({10, 50});
  Generator g(2);
  init::sparse_(t, 0.3, 0.5, &g);
  // ceil(0.3 * 10) = 3 zeros in every column
  const Tensor zeros_per_col = t.eq(0).to(kInt64).sum({0});
  EXPECT_EQ(zeros_per_col.tolist<int64_t>(), std::vector<int64_t>(50, 3));
  // the 350 others: N(0, 0.25)
  EXPECT_NEAR(std::sqrt(t.pow(2).sum().item<double>() / 350), 0.5, 0.05);
  EXPECT_THROW_MSG(init::sparse_(empty({3}), 0.1), ValueError,
                   "Only tensors with 2 dimensions are supported");
}
