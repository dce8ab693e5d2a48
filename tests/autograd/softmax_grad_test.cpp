// Gradients of softmax, log_softmax and cumsum (ops/softmax.cpp): gradcheck
// and gradgradcheck in float64, PyTorch's node names, the dtype argument.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

Tensor leaf(IntArrayRef shape, uint64_t seed) { return ember::testing::dinput(shape, seed); }

using DimOp = Tensor (*)(const Tensor&, int64_t, std::optional<DType>);

struct DimCase {
  const char* op;
  DimOp fn;
  const char* node;
};
const std::vector<DimCase>& dim_cases() {
  static const std::vector<DimCase> cases = {
      {"softmax", softmax, "SoftmaxBackward0"},
      {"log_softmax", log_softmax, "LogSoftmaxBackward0"},
      {"cumsum", cumsum, "CumsumBackward0"},
  };
  return cases;
}

}  // namespace

TEST(SoftmaxGrad, NodeNames) {
  Tensor x = leaf({2, 3}, 1);
  for (const auto& c : dim_cases()) {
    EXPECT_EQ(c.fn(x, 0, std::nullopt).grad_fn()->name(), c.node) << c.op;
    EXPECT_EQ(c.fn(x, -1, std::nullopt).grad_fn()->name(), c.node) << c.op;
    // The dtype argument equal to the input's: no cast.
    EXPECT_EQ(c.fn(x, 1, kFloat64).grad_fn()->name(), c.node) << c.op;
  }
  EXPECT_EQ(x.softmax(0).grad_fn()->name(), "SoftmaxBackward0");
  EXPECT_EQ(x.log_softmax(0).grad_fn()->name(), "LogSoftmaxBackward0");
  EXPECT_EQ(x.cumsum(0).grad_fn()->name(), "CumsumBackward0");
  // cumsum casts inside its own node, as PyTorch (no ToCopyBackward0).
  Tensor f = x.detach().to(kFloat32).requires_grad_();
  Tensor y = cumsum(f, 0, kFloat64);
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_EQ(y.grad_fn()->name(), "CumsumBackward0");
  EXPECT_TRUE(y.grad_fn()->next_functions()[0].first);
  EXPECT_EQ(y.grad_fn()->next_functions()[0].first->name(), "AccumulateGrad");
}

TEST(SoftmaxGrad, Gradcheck) {
  for (const auto& c : dim_cases()) {
    for (int64_t dim : {0, 1, -1}) {
      auto f = [&](const std::vector<Tensor>& in) { return c.fn(in[0], dim, std::nullopt); };
      EXPECT_TRUE(gradcheck(f, {leaf({3, 4}, 10)})) << c.op << " dim " << dim;
      EXPECT_TRUE(gradcheck(f, {transposed_leaf(3, 4, 11)})) << c.op << " dim " << dim;
    }
    auto f3 = [&](const std::vector<Tensor>& in) { return c.fn(in[0], 1, std::nullopt); };
    EXPECT_TRUE(gradcheck(f3, {leaf({2, 3, 2}, 12)})) << c.op;
    // A size-1 dim and a 0-dim input.
    EXPECT_TRUE(gradcheck(f3, {leaf({2, 1, 3}, 13)})) << c.op;
    EXPECT_TRUE(
        gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0], 0, std::nullopt); },
                  {leaf({}, 14)}))
        << c.op;
  }
}

TEST(SoftmaxGrad, KnownValues) {
  // cumsum's gradient is the reversed cumulative sum of the incoming one.
  Tensor x = d({1, 2, 3, 4}).requires_grad_();
  auto g = autograd::grad({cumsum(x, 0)}, {x}, {d({1, 10, 100, 1000})})[0];
  EXPECT_TRUE(g.equal(d({1111, 1110, 1100, 1000})));
  // softmax: y (g - sum(g y)); log_softmax: g - exp(y) sum(g).
  Tensor z = d({0, std::log(3.0)}).requires_grad_();  // softmax = [0.25, 0.75]
  auto gs = autograd::grad({softmax(z, 0)}, {z}, {d({1, 0})})[0];
  EXPECT_TRUE(gs.allclose(d({0.25 * 0.75, -0.25 * 0.75})));
  auto gl = autograd::grad({log_softmax(z, 0)}, {z}, {d({1, 1})})[0];
  EXPECT_TRUE(gl.allclose(d({1 - 2 * 0.25, 1 - 2 * 0.75})));
}

TEST(SoftmaxGrad, Float32AndHalfInputs) {
  Generator gen(20);
  Tensor x = randn({2, 5}, {}, &gen).requires_grad_();
  Tensor go = randn({2, 5}, {}, &gen);
  Tensor y = softmax(x, 1);
  y.backward(go);
  EXPECT_EQ(x.grad().dtype(), kFloat32);
  Tensor yd = y.detach();
  EXPECT_TRUE(x.grad().allclose(yd * (go - (go * yd).sum({1}, true)), 1e-5, 1e-6));
  Tensor h = randn({2, 5}, {}, &gen).to(kFloat16).requires_grad_();
  log_softmax(h, 1).backward(ones({2, 5}, {.dtype = kFloat16}));
  EXPECT_EQ(h.grad().dtype(), kFloat16);
}

TEST(SoftmaxGrad, ModifiedOutputThrows) {
  Tensor x = leaf({2, 3}, 30);
  Tensor y = softmax(x, 1);
  y.mul_(2.0);
  EXPECT_THROW_MSG(y.backward(ones_like(y)), RuntimeError, "modified by an inplace operation");
  Tensor z = log_softmax(x, 1);
  z.add_(1.0);
  EXPECT_THROW_MSG(z.backward(ones_like(z)), RuntimeError, "modified by an inplace operation");
}

TEST(SoftmaxGrad, CumsumWithDtype) {
  Generator gen(40);
  Tensor x = randn({3, 4}, {}, &gen).requires_grad_();
  Tensor go = randn({3, 4}, {.dtype = kFloat64}, &gen);
  cumsum(x, 1, kFloat64).backward(go);
  EXPECT_EQ(x.grad().dtype(), kFloat32);
  Tensor expected = go.sum({1}, true) - go.cumsum(1) + go;
  EXPECT_TRUE(x.grad().allclose(expected.to(kFloat32), 1e-5, 1e-6));
  // Integer inputs never record (and cannot require grad).
  EXPECT_FALSE(cumsum(tensor({1, 2, 3}), 0).requires_grad());
}

// The dtype argument casts the input with `to` first (ToCopyBackward0 under
// the node, as PyTorch): needs to's formula (copy family).
TEST(SoftmaxGrad, DtypeArgumentCastsFirst) {
  Generator gen(50);
  Tensor x = randn({2, 3}, {}, &gen).requires_grad_();
  for (const auto& c : {dim_cases()[0], dim_cases()[1]}) {
    Tensor y = c.fn(x, 1, kFloat64);
    EXPECT_EQ(y.dtype(), kFloat64);
    EXPECT_EQ(y.grad_fn()->name(), c.node);
    ASSERT_TRUE(y.grad_fn()->next_functions()[0].first) << c.op;
    EXPECT_EQ(y.grad_fn()->next_functions()[0].first->name(), "ToCopyBackward0") << c.op;
  }
  Tensor xd = x.detach().to(kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return softmax(in[0].to(kFloat32), 1, kFloat64); }, {xd},
      {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-2}));
}

// The formulas reduce with sum (and cumsum's reverses with index_select):
// double backward needs those families' formulas.
TEST(SoftmaxGrad, Gradgradcheck) {
  for (const auto& c : dim_cases()) {
    EXPECT_TRUE(
        gradgradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0], 1, std::nullopt); },
                      {leaf({2, 3}, 60)}))
        << c.op;
  }
}
