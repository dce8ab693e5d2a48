// nn::Bilinear and nn::functional::bilinear: values by hand, gradcheck,
// leading dims, init bounds, printed form and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/linear.h"
#include "support/expect.h"

using namespace ember;
using autograd::gradcheck;
namespace F = ember::nn::functional;

namespace {

Tensor rnd(IntArrayRef s, uint64_t seed) {
  Generator g(seed);
  return randn(s, {.dtype = kFloat64}, &g).requires_grad_();
}

}  // namespace

TEST(Bilinear, HandValues) {
  // out 0: A0 = [[1, 2], [3, 4], [0, 1]]; out 1: A1 = all ones; x1 (1, 2, 0) . A . x2 (1, -1)
  Tensor w =
      tensor({1.f, 2.f, 3.f, 4.f, 0.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f}).reshape({2, 3, 2});
  Tensor x1 = tensor({1.f, 2.f, 0.f}).reshape({1, 3});
  Tensor x2 = tensor({1.f, -1.f}).reshape({1, 2});
  // A0 x2 = (-1, -1, -1), x1 . = -3; A1 x2 = 0
  EXPECT_EQ(F::bilinear(x1, x2, w).tolist<float>(), (std::vector<float>{-3, 0}));
  EXPECT_EQ(F::bilinear(x1, x2, w, tensor({0.5f, 2.f})).tolist<float>(),
            (std::vector<float>{-2.5f, 2}));
  // 1-D inputs give a 1-D output; leading dims are kept
  EXPECT_EQ(F::bilinear(x1.reshape({3}), x2.reshape({2}), w).sizes(), (IntArrayRef{2}));
  EXPECT_EQ(F::bilinear(ones({4, 5, 3}), ones({4, 5, 2}), w).sizes(), (IntArrayRef{4, 5, 2}));
  EXPECT_EQ(F::bilinear(ones({0, 3}), ones({0, 2}), w).sizes(), (IntArrayRef{0, 2}));
}

TEST(Bilinear, Gradcheck) {
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return F::bilinear(in[0], in[1], in[2], in[3]); },
      {rnd({2, 3, 4}, 1), rnd({2, 3, 5}, 2), rnd({6, 4, 5}, 3), rnd({6}, 4)}));
  // a transposed input
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return F::bilinear(in[0].t(), in[1], in[2]); },
                {rnd({4, 3}, 5), rnd({3, 2}, 6), rnd({2, 4, 2}, 7)}));
}

TEST(Bilinear, Module) {
  auto m = nn::make<nn::Bilinear>(20, 30, 40);
  EXPECT_EQ(m->name(), "Bilinear");
  EXPECT_EQ(m->str(), "Bilinear(in1_features=20, in2_features=30, out_features=40, bias=True)");
  EXPECT_EQ(m->weight.sizes(), (IntArrayRef{40, 20, 30}));
  EXPECT_EQ(m->bias.sizes(), (IntArrayRef{40}));
  const double bound = 1 / std::sqrt(20.0);
  EXPECT_LE(m->weight.abs().max().item<double>(), bound);
  EXPECT_GT(m->weight.abs().max().item<double>(), 0.99 * bound);
  EXPECT_LE(m->bias.abs().max().item<double>(), bound);
  EXPECT_NEAR(m->weight.std().item<double>(), bound / std::sqrt(3.0), 0.02 * bound);
  auto nb = nn::make<nn::Bilinear>(2, 3, 4, false, TensorOptions{.dtype = kFloat64});
  EXPECT_FALSE(nb->bias.defined());
  EXPECT_EQ(nb->weight.dtype(), kFloat64);
  EXPECT_EQ(nb->extra_repr(), "in1_features=2, in2_features=3, out_features=4, bias=False");
  int n = 0;
  for (const auto& [k, v] : nb->named_parameters()) n += k == "weight";
  EXPECT_EQ(n, 1);
  Tensor x1 = rnd({5, 2}, 1), x2 = rnd({5, 3}, 2);
  Tensor y = nb(x1, x2);
  EXPECT_EQ(y.sizes(), (IntArrayRef{5, 4}));
  y.sum().backward();
  EXPECT_EQ(nb->weight.grad().sizes(), (IntArrayRef{4, 2, 3}));
}

TEST(Bilinear, Errors) {
  auto m = nn::make<nn::Bilinear>(3, 4, 5);
  EXPECT_THROW_MSG(m(ones({2, 3}), ones({1, 4})), RuntimeError,
                   "bilinear(): input batch dimensions do not match at dim 0: got 2 and 1");
  EXPECT_THROW_MSG(m(ones({2, 3}), ones({2, 5})), RuntimeError,
                   "bilinear(): input2 size does not match weight size: got 5 but expected 4");
  EXPECT_THROW_MSG(m(ones({2, 2}), ones({2, 4})), RuntimeError,
                   "bilinear(): input1 size does not match weight size: got 2 but expected 3");
  EXPECT_THROW_MSG(m(ones({2, 3}), ones({2, 1, 4})), RuntimeError,
                   "bilinear(): input dimensions do not match: got 2 and 3");
  EXPECT_THROW_MSG(F::bilinear(ones({2, 3}), ones({2, 4}), m->weight, ones({4})), RuntimeError,
                   "bilinear(): bias size does not match weight size: got 4 but expected 5");
  EXPECT_THROW_MSG(m(ones({2, 3}, {.dtype = kFloat64}), ones({2, 4})), RuntimeError,
                   "expected scalar type Double but found Float");
  EXPECT_THROW(nn::Bilinear(-1, 2, 3), RuntimeError);
}
