// Normalisation modules (nn/modules/batchnorm, instancenorm, normalization):
// buffers and momentum (incl. None), train/eval, reset, handles, lazy
// modules, bad inputs leaving the module unchanged. Values against torch:
// tests/parity/nn_norm_test.cpp.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {
std::vector<double> vals(const Tensor& t) { return t.tolist<double>(); }
void expect_near(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  auto x = vals(a), y = vals(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol) << i;
}
}  // namespace

TEST(NormModules, BatchNormBuffersAndMomentum) {
  auto bn = nn::make<nn::BatchNorm2d>(3, 1e-5, std::nullopt);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);
  Tensor x1 = randn({4, 3, 2, 2}), x2 = randn({4, 3, 2, 2}) + 1;
  bn(x1);
  bn(x2);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  // momentum None: the cumulative average of the batch means / unbiased vars.
  Tensor m = (x1.mean({0, 2, 3}) + x2.mean({0, 2, 3})) / 2;
  Tensor v = (x1.var(std::vector<int64_t>{0, 2, 3}) + x2.var(std::vector<int64_t>{0, 2, 3})) / 2;
  expect_near(bn->running_mean, m);
  expect_near(bn->running_var, v);
  // eval: the running stats, no counting.
  bn->eval();
  Tensor y = bn(x1);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  expect_near(y, (x1 - m.view({1, 3, 1, 1})) / (v.view({1, 3, 1, 1}) + 1e-5).sqrt());
}

TEST(NormModules, NotTrackedUsesBatchStatsInEval) {
  auto bn = nn::make<nn::BatchNorm1d>(2, 1e-5, 0.1, false, false);
  EXPECT_FALSE(bn->running_mean.defined());
  EXPECT_EQ(bn->named_parameters().size(), 0u);
  bn->eval();
  Tensor x = randn({5, 2});
  expect_near(bn(x),
              (x - x.mean({0}, true)) / (x.var(std::vector<int64_t>{0}, 0, true) + 1e-5).sqrt());
}

TEST(NormModules, ResetKeepsHandles) {
  auto bn = nn::make<nn::BatchNorm1d>(3);
  Tensor w = bn->weight, rm = bn->running_mean;
  bn(randn({4, 3}) + 3);
  {
    NoGradGuard g;
    w.fill_(2);
  }
  bn->reset_running_stats();
  EXPECT_EQ(vals(rm), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  EXPECT_EQ(vals(w), (std::vector<double>{2, 2, 2}));
  bn->reset_parameters();
  EXPECT_EQ(vals(w), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(w.impl(), bn->weight.impl());
}

TEST(NormModules, BadInputLeavesModuleUnchanged) {
  auto bn = nn::make<nn::BatchNorm1d>(3);
  EXPECT_THROW(bn(ones({1, 3})), ValueError);
  EXPECT_THROW(bn(ones({2, 4})), RuntimeError);
  EXPECT_THROW(bn(ones({2, 3, 4, 5})), ValueError);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  EXPECT_EQ(vals(bn->running_mean), (std::vector<double>{0, 0, 0}));
  EXPECT_THROW(nn::make<nn::GroupNorm>(3, 4), ValueError);
}

TEST(NormModules, ToDoubleKeepsCounter) {
  auto bn = nn::make<nn::BatchNorm2d>(2);
  bn->to(kFloat64);
  EXPECT_EQ(bn->running_mean.dtype(), kFloat64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  Tensor y = bn(randn({2, 2, 3, 3}, {.dtype = kFloat64}));
  EXPECT_EQ(y.dtype(), kFloat64);
}

TEST(NormModules, LazyFromStateDict) {
  auto src = nn::make<nn::BatchNorm2d>(4);
  src(randn({2, 4, 3, 3}));
  auto lazy = nn::make<nn::LazyBatchNorm2d>();
  EXPECT_TRUE(lazy->has_uninitialized_params());
  lazy->load_state_dict(src->state_dict());
  EXPECT_FALSE(lazy->has_uninitialized_params());
  expect_near(lazy->running_mean, src->running_mean, 0);
  Tensor x = randn({2, 4, 3, 3});
  lazy->eval();
  src->eval();
  expect_near(lazy(x), src(x));
  EXPECT_EQ(lazy->num_features, 4);
  EXPECT_EQ(lazy->name(), "BatchNorm2d");
}

TEST(NormModules, LayerGroupInstance) {
  auto ln = nn::make<nn::LayerNorm>(std::vector<int64_t>{3, 2});
  EXPECT_EQ(ln->weight.sizes(), (std::vector<int64_t>{3, 2}));
  Tensor x = randn({4, 3, 2});
  expect_near(ln(x), (x - x.mean({1, 2}, true)) /
                         (x.var(std::vector<int64_t>{1, 2}, 0, true) + 1e-5).sqrt());
  auto gn = nn::make<nn::GroupNorm>(1, 3);
  expect_near(gn(x), ln(x));
  auto in = nn::make<nn::InstanceNorm1d>(3, 1e-5, 0.1, false, true);
  Tensor xi = randn({2, 3, 5});
  Tensor y = in(xi);
  expect_near(in->running_mean, xi.mean({0, 2}) * 0.1);
  expect_near(y,
              (xi - xi.mean({2}, true)) / (xi.var(std::vector<int64_t>{2}, 0, true) + 1e-5).sqrt());
  EXPECT_EQ(in(randn({3, 5})).sizes(), (std::vector<int64_t>{3, 5}));
}

TEST(NormModules, IntShapeAndClone) {
  auto ln = nn::make<nn::LayerNorm>(5);
  EXPECT_EQ(ln->normalized_shape, (DimVector{5}));
  std::ostringstream os;
  os << *ln;
  EXPECT_EQ(os.str(), "LayerNorm((5,), eps=1e-05, elementwise_affine=True)");
  auto bn = nn::make<nn::BatchNorm2d>(3, 1e-3, std::nullopt);
  bn(randn({2, 3, 2, 2}));
  nn::ModulePtr c = bn->clone();
  auto* cb = dynamic_cast<nn::BatchNorm2d*>(c.get());
  ASSERT_NE(cb, nullptr);
  EXPECT_FALSE(cb->momentum.has_value());
  EXPECT_EQ(cb->num_batches_tracked.item<int64_t>(), 1);
  expect_near(cb->running_mean, bn->running_mean, 0);
  EXPECT_NE(cb->running_mean.impl(), bn->running_mean.impl());
}
