// Gradients of the binary elementwise ops (ops/binary.cpp): add, sub, rsub,
// mul, div, remainder, fmod, floor_divide, pow, float_power, atan2,
// maximum/minimum, lerp, and their in-place forms. Node names are PyTorch's.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

using Inputs = std::vector<Tensor>;
using Fn = std::function<Tensor(const Inputs&)>;

Tensor leaf(const Tensor& t) { return t.detach().requires_grad_(); }
// Values in [lo, hi).
Tensor uniform_input(IntArrayRef shape, double lo, double hi, uint64_t seed) {
  Generator g(seed);
  Tensor t = empty(shape, {.dtype = kFloat64});
  t.uniform_(lo, hi, &g);
  return t.requires_grad_();
}
// A non-contiguous (transposed) input of logical shape (rows, cols).
Tensor transposed(const Tensor& t) { return leaf(t.detach().t().contiguous().t()); }
Tensor dvec(std::initializer_list<double> v) { return tensor<double>(v).requires_grad_(); }

std::string name_of(const Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : "None"; }

// A non-leaf copy to modify in place: PyTorch's tests use x.clone(); x * 1
// has the same gradient and records here already (clone is another family's).
Tensor copy(const Tensor& x) { return x * 1.0; }

void expect_values(const Tensor& actual, const std::vector<double>& expected) {
  ASSERT_TRUE(actual.defined());
  const auto v = actual.to(kFloat64).contiguous().tolist<double>();
  ASSERT_EQ(v.size(), expected.size());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], expected[i], 1e-12) << "at " << i;
}

// gradcheck of fn over a (3, 4) input and a broadcast (4) one, and over a
// transposed (non-contiguous) first input; gradgradcheck over two (3, 4) inputs
// (broadcast operands under double backward: BroadcastGradgradcheck).
void check_pair(const Fn& fn, const Tensor& a, const Tensor& b, const Tensor& b_full,
                bool second_order = true) {
  EXPECT_TRUE(gradcheck(fn, {a, b}));
  EXPECT_TRUE(gradcheck(fn, {transposed(a), b}));
  EXPECT_TRUE(gradcheck(fn, {a, b_full}));
  if (second_order) {
    EXPECT_TRUE(gradgradcheck(fn, {a, b_full}));
    EXPECT_TRUE(gradgradcheck(fn, {transposed(a), b_full}));
  }
}

// ---------------------------------------------------------------- add / sub / mul

TEST(AddSubMulGrad, Names) {
  Tensor a = dinput({3}, 1), b = dinput({3}, 2);
  EXPECT_EQ(name_of(a + 1), "AddBackward0");
  EXPECT_EQ(name_of(a - 1), "SubBackward0");
  EXPECT_EQ(name_of(1 - a), "RsubBackward1");
  EXPECT_EQ(name_of(a * 2), "MulBackward0");
  EXPECT_EQ(name_of(2 * a), "MulBackward0");
  EXPECT_EQ(name_of(a.add(b, 2)), "AddBackward0");
  EXPECT_EQ(name_of(a.sub(b, 2)), "SubBackward0");
  EXPECT_EQ(name_of(rsub(a, b)), "RsubBackward0");
  EXPECT_EQ(name_of(rsub(a, 2)), "RsubBackward1");
  EXPECT_EQ(name_of(a * b), "MulBackward0");
  EXPECT_EQ(name_of(copy(a).add_(1)), "AddBackward0");
  EXPECT_EQ(name_of(copy(a).sub_(b)), "SubBackward0");
  EXPECT_EQ(name_of(copy(a).mul_(a)), "MulBackward0");
}

TEST(AddSubMulGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 3), b = dinput({4}, 4), bf = dinput({3, 4}, 45);
  // add / sub / rsub's own gradients are the incoming one (scaled): the
  // gradgradcheck goes through a product, so that no gradient is an input.
  check_pair([](const Inputs& x) { return x[0].add(x[1], 2.5) * x[0]; }, a, b, bf);
  check_pair([](const Inputs& x) { return x[0].sub(x[1], -1.5) * x[1]; }, a, b, bf);
  check_pair([](const Inputs& x) { return rsub(x[0], x[1], 3) * x[0]; }, a, b, bf);
  check_pair([](const Inputs& x) { return x[0] * x[1]; }, a, b, bf);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].add(x[1], 2.5); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return rsub(x[0], x[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return 2.0 - x[0] * 3.0 + 1.5; }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return sub(2.0, x[0], 4); }, {a}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return (2.0 - x[0] * 3.0 + 1.5) * x[0]; }, {a}));
}

TEST(AddSubMulGrad, InPlace) {
  Tensor a = dinput({3, 4}, 5), b = dinput({4}, 6), bf = dinput({3, 4}, 46);
  check_pair([](const Inputs& x) { return copy(x[0]).add_(x[1], 2); }, a, b, bf, false);
  check_pair([](const Inputs& x) { return copy(x[0]).sub_(x[1]); }, a, b, bf, false);
  check_pair([](const Inputs& x) { return copy(x[0]).mul_(x[1]); }, a, b, bf, false);
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return copy(x[0]).mul_(2.5).add_(1).sub_(3, 2); }, {a}));
  EXPECT_TRUE(
      gradgradcheck([](const Inputs& x) { return copy(x[0]).add_(x[1], 2) * x[1]; }, {a, bf}));
}

TEST(AddSubMulGrad,
     InPlaceGradgradcheck) {  // mul_ saves a (recorded) clone of self for the other's gradient
  Tensor a = dinput({3, 4}, 7), b = dinput({3, 4}, 8);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return copy(x[0]).mul_(x[1]); }, {a, b}));
}

// ---------------------------------------------------------------- div

TEST(DivGrad, Names) {
  Tensor a = dinput({3}, 9), b = dinput({3}, 10);
  EXPECT_EQ(name_of(a / 2), "DivBackward0");
  EXPECT_EQ(name_of(a.div(b)), "DivBackward0");
  EXPECT_EQ(name_of(div(2, a)), "DivBackward0");  // torch.div(2, a)
  EXPECT_EQ(name_of(true_divide(a, b)), "DivBackward0");
  EXPECT_EQ(name_of(a.div(2, "floor")), "DivBackward2");
  EXPECT_EQ(name_of(a.div(b, "trunc")), "DivBackward2");
  EXPECT_EQ(name_of(copy(a).div_(2)), "DivBackward0");
  EXPECT_EQ(name_of(copy(a).div_(b, "floor")), "DivBackward2");
}

TEST(DivGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 11), b = uniform_input({4}, 0.5, 2.0, 12);
  Tensor bf = uniform_input({3, 4}, 0.5, 2.0, 47);
  check_pair([](const Inputs& x) { return x[0] / x[1]; }, a, b, bf);
  check_pair([](const Inputs& x) { return x[1] / (x[0] * 0.1 + 3); }, a, b, bf);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0] / 2.5; }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return div(3.0, x[0]); }, {b}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return div(3.0, x[0]); }, {b}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0] / 2.5 * x[0]; }, {a}));
}

TEST(DivGrad, RoundingModesHaveZeroGradient) {
  for (const char* mode : {"floor", "trunc"}) {
    Tensor a = dvec({1.5, -2.5, 3}), b = dvec({2, 2, -1});
    (a.div(b, mode) * 3.0).sum().backward();
    expect_values(a.grad(), {0, 0, 0});
    expect_values(b.grad(), {0, 0, 0});
  }
  Tensor c = dinput({2, 3}, 13), d = dinput({3}, 14);
  copy(c).div_(d, "floor").sum().backward();
  expect_values(c.grad(), {0, 0, 0, 0, 0, 0});
  expect_values(d.grad(), {0, 0, 0});
}

TEST(DivGrad, InPlace) {
  Tensor a = dinput({3, 4}, 15), b = uniform_input({4}, 0.5, 2.0, 16);
  Tensor bf = uniform_input({3, 4}, 0.5, 2.0, 48);
  check_pair([](const Inputs& x) { return copy(x[0]).div_(x[1]); }, a, b, bf);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return copy(x[0]).div_(-1.5); }, {a}));
}

TEST(DivGrad, ModifiedSavedTensorIsAnError) {
  Tensor a = dinput({3}, 17), b = uniform_input({3}, 1, 2, 18);
  Tensor d = b * 1.0;
  Tensor y = a / d;
  d.mul_(2);
  EXPECT_THROW_MSG(y.sum().backward(), RuntimeError, "modified by an inplace operation");
  // The saved output, for the divisor's gradient.
  Tensor z = a / b;
  z.add_(1);
  EXPECT_THROW_MSG(z.sum().backward(), RuntimeError, "modified by an inplace operation");
}

// ---------------------------------------------------------------- remainder / fmod / floor_divide

TEST(ModGrad, NamesAndNotImplemented) {
  Tensor a = uniform_input({3}, 0.1, 0.9, 19), b = uniform_input({3}, 1.1, 1.9, 20);
  EXPECT_EQ(name_of(a.remainder(2)), "RemainderBackward0");
  EXPECT_EQ(name_of(a.remainder(b)), "RemainderBackward1");
  EXPECT_EQ(name_of(a % b), "RemainderBackward1");
  EXPECT_EQ(name_of(a.fmod(2)), "FmodBackward0");
  EXPECT_EQ(name_of(a.fmod(b)), "FmodBackward1");
  Tensor r = remainder(2, b);
  EXPECT_EQ(name_of(r), "torch::autograd::NotImplemented");
  EXPECT_THROW_MSG(r.sum().backward(), RuntimeError,
                   "derivative for aten::remainder is not implemented");
  Tensor f = a.floor_divide(b);
  EXPECT_EQ(name_of(f), "torch::autograd::NotImplemented");
  EXPECT_THROW_MSG(f.sum().backward(), RuntimeError,
                   "derivative for aten::floor_divide is not implemented");
  EXPECT_EQ(name_of(a.floor_divide(2)), "torch::autograd::NotImplemented");
}

TEST(ModGrad, Gradcheck) {
  // Away from the jumps: a / b is not near an integer.
  Tensor a = tensor<double>({5.3, -5.3, 2.2, -7.9, 0.4, 3.3}).view({2, 3}).requires_grad_();
  Tensor b = dvec({2.1, -1.7, 1.3});
  Tensor bf = tensor<double>({2.1, -1.7, 1.3, 1.9, 1.1, -1.6}).view({2, 3}).requires_grad_();
  for (bool rem : {true, false}) {
    Fn fn = rem ? Fn([](const Inputs& x) { return x[0].remainder(x[1]); })
                : Fn([](const Inputs& x) { return x[0].fmod(x[1]); });
    EXPECT_TRUE(gradcheck(fn, {a, b}));
    EXPECT_TRUE(gradcheck(fn, {transposed(a), b}));
    EXPECT_TRUE(gradcheck(fn, {a, bf}));
    // (the self-gradient is the incoming one: checked through a product)
    EXPECT_TRUE(gradgradcheck([fn](const Inputs& x) { return fn(x) * x[1]; }, {a, bf}));
  }
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].remainder(-1.5); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].fmod(1.5); }, {a}));
  // grad other = -g * floor(a / b) (remainder), -g * trunc(a / b) (fmod).
  Tensor x = dvec({5.3, -5.3}), y = dvec({2, 2});
  x.remainder(y).sum().backward();
  expect_values(y.grad(), {-2, 3});
  expect_values(x.grad(), {1, 1});
  Tensor u = dvec({5.3, -5.3}), w = dvec({2, 2});
  u.fmod(w).sum().backward();
  expect_values(w.grad(), {-2, 2});
}

// ---------------------------------------------------------------- pow

TEST(PowGrad, Names) {
  Tensor a = dinput({3}, 21), b = dinput({3}, 22);
  EXPECT_EQ(name_of(a.pow(2)), "PowBackward0");
  EXPECT_EQ(name_of(a.pow(0)), "PowBackward0");
  EXPECT_EQ(name_of(a.pow(b)), "PowBackward1");
  EXPECT_EQ(name_of(pow(2, a)), "PowBackward2");  // torch.pow(2, a)
  EXPECT_EQ(name_of(copy(a).pow_(2)), "PowBackward0");
  Tensor c = copy(a);
  EXPECT_EQ(name_of(pow_(c, b)), "PowBackward1");
  EXPECT_EQ(name_of(a.square()), "PowBackward0");
}

TEST(PowGrad, TensorScalar) {
  Tensor a = uniform_input({3, 4}, 0.5, 2.0, 23);
  for (double e : {2.0, 3.0, 1.0, -1.5, 0.5}) {
    SCOPED_TRACE(e);
    EXPECT_TRUE(gradcheck([e](const Inputs& x) { return x[0].pow(e); }, {a}));
    EXPECT_TRUE(gradcheck([e](const Inputs& x) { return x[0].pow(e); }, {transposed(a)}));
    EXPECT_TRUE(gradgradcheck([e](const Inputs& x) { return x[0].pow(e); }, {a}));
    EXPECT_TRUE(gradcheck([e](const Inputs& x) { return copy(x[0]).pow_(e); }, {a}));
  }
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].pow(2); }, {dinput({5}, 24)}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].pow(3); }, {dinput({5}, 24)}));
  // x ** 0 has a zero gradient, even at 0.
  Tensor z = dvec({0, 2, -1});
  z.pow(0).sum().backward();
  expect_values(z.grad(), {0, 0, 0});
  Tensor w = dvec({0, 2, -1});
  copy(w).pow_(0).sum().backward();
  expect_values(w.grad(), {0, 0, 0});
}

TEST(PowGrad, InPlaceGradgradcheck) {  // pow_ saves a (recorded) clone of the base
  Tensor a = uniform_input({3, 4}, 0.5, 2.0, 25), e = dinput({3, 4}, 49);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return copy(x[0]).pow_(3); }, {a}));
  EXPECT_TRUE(gradgradcheck(
      [](const Inputs& x) {
        Tensor c = copy(x[0]);
        return pow_(c, x[1]);
      },
      {a, e}));
}

TEST(PowGrad, TensorTensor) {
  Tensor a = uniform_input({3, 4}, 0.5, 2.0, 26), b = dinput({4}, 27);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].pow(x[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].pow(x[1]); }, {transposed(a), b}));
  EXPECT_TRUE(gradcheck(
      [](const Inputs& x) {
        Tensor c = copy(x[0]);
        return pow_(c, x[1]);
      },
      {a, b}));
  // Base 0: the exponent's gradient is 0 where exponent >= 0 (not nan); the
  // base's is 0 where the exponent is 0.
  Tensor x = dvec({0, 0, 0, 2});
  Tensor e = dvec({0, 2, 1, 0});
  x.pow(e).sum().backward();
  expect_values(x.grad(), {0, 0, 1, 0});
  expect_values(e.grad(), {0, 0, 0, std::log(2.0)});
}

TEST(PowGrad, TensorTensorGradgradcheck) {
  Tensor a = uniform_input({3, 4}, 0.5, 2.0, 28), b = dinput({3, 4}, 29);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].pow(x[1]); }, {a, b}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return pow(2.5, x[0]) * x[0]; }, {b}));
}

TEST(PowGrad, ScalarTensor) {
  Tensor e = dinput({3, 4}, 30);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return pow(2.5, x[0]); }, {e}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return pow(0.5, x[0]); }, {transposed(e)}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return pow(2.5, x[0]); }, {e}));
  // Base 0: 0 where the exponent >= 0, -inf times out (inf) where negative.
  Tensor f = dvec({1, 0, -1});
  pow(0, f).sum().backward();
  const auto g = f.grad().tolist<double>();
  EXPECT_EQ(g[0], 0);
  EXPECT_EQ(g[1], 0);
  EXPECT_TRUE(std::isinf(g[2]) && g[2] < 0);
  // Base 1: the result is 1 and the gradient 0.
  Tensor h = dvec({1, 2});
  pow(1, h).sum().backward();
  expect_values(h.grad(), {0, 0});
}

TEST(PowGrad, FloatPower) {
  Tensor a = uniform_input({3}, 0.5, 2.0, 31), b = dinput({3}, 32);
  EXPECT_EQ(name_of(float_power(a, 2)), "PowBackward0");
  EXPECT_EQ(name_of(float_power(a, b)), "PowBackward1");
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return float_power(x[0], 2.5); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return float_power(x[0], x[1]); }, {a, b}));
}

// ---------------------------------------------------------------- atan2 / maximum / minimum / lerp

TEST(Atan2Grad, Gradcheck) {
  Tensor a = dinput({3, 4}, 33), b = dinput({4}, 34), bf = dinput({3, 4}, 50);
  EXPECT_EQ(name_of(a.atan2(b)), "Atan2Backward0");
  check_pair([](const Inputs& x) { return x[0].atan2(x[1]); }, a, b, bf);
  Tensor y = dvec({1}), x = dvec({1});
  y.atan2(x).backward();
  expect_values(y.grad(), {0.5});
  expect_values(x.grad(), {-0.5});
}

TEST(MaximumMinimumGrad, TiesSplitHalf) {
  Tensor a = dvec({1, 2, 3}), b = dvec({3, 2, 1});
  Tensor m = a.maximum(b);
  EXPECT_EQ(name_of(m), "MaximumBackward0");
  m.sum().backward();
  expect_values(a.grad(), {0, 0.5, 1});
  expect_values(b.grad(), {1, 0.5, 0});
  Tensor c = dvec({1, 2, 3}), d = dvec({3, 2, 1});
  Tensor n = c.minimum(d);
  EXPECT_EQ(name_of(n), "MinimumBackward0");
  n.sum().backward();
  expect_values(c.grad(), {1, 0.5, 0});
  expect_values(d.grad(), {0, 0.5, 1});
}

TEST(MaximumMinimumGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 35), b = dinput({4}, 36);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].maximum(x[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].minimum(x[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].minimum(x[1]); }, {transposed(a), b}));
}

TEST(MaximumMinimumGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 37), b = dinput({3, 4}, 38);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].maximum(x[1]) * x[0]; }, {a, b}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].minimum(x[1]) * x[1]; }, {a, b}));
}

TEST(LerpGrad, ScalarAndTensorWeight) {
  Tensor a = dinput({3, 4}, 39), b = dinput({4}, 40), w = dinput({3, 1}, 41);
  Tensor bf = dinput({3, 4}, 51), wf = dinput({3, 4}, 52);
  EXPECT_EQ(name_of(a.lerp(bf, 0.5)), "LerpBackward0");
  EXPECT_EQ(name_of(lerp(a, b, w)), "LerpBackward1");
  check_pair([](const Inputs& x) { return x[0].lerp(x[1], 0.3) * x[0]; }, a, b, bf);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].lerp(x[1], 0.3); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return lerp(x[0], x[1], x[2]); }, {a, b, w}));
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return lerp(x[0], x[1], x[2]); }, {transposed(a), b, w}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return lerp(x[0], x[1], x[2]); }, {a, bf, wf}));
}

TEST(BinaryGrad, BroadcastGradgradcheck) {
  Tensor a = uniform_input({3, 4}, 0.5, 2.0, 53), b = uniform_input({4}, 0.5, 2.0, 54);
  const std::vector<Fn> fns = {
      [](const Inputs& x) { return x[0] * x[1]; },
      [](const Inputs& x) { return x[0].add(x[1], 2) * x[1]; },
      [](const Inputs& x) { return x[0] / x[1]; },
      [](const Inputs& x) { return x[0].atan2(x[1]); },
      [](const Inputs& x) { return x[0].pow(x[1]); },
      [](const Inputs& x) { return x[0].maximum(x[1]) * x[1]; },
      [](const Inputs& x) { return lerp(x[0], x[1], x[1]); },
      [](const Inputs& x) { return copy(x[0]).div_(x[1]); },
  };
  for (size_t i = 0; i < fns.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(gradgradcheck(fns[i], {a, b}));
  }
}

// ---------------------------------------------------------------- in-place bookkeeping

TEST(BinaryInPlace, VersionBumpsWithoutRecording) {
  Tensor t = zeros({3}, {.dtype = kFloat64});
  Tensor o = ones({3}, {.dtype = kFloat64});
  // A saved tensor is what reads the version: save t (mul keeps it for x's gradient).
  Tensor x = dinput({3}, 55);
  Tensor y = x * t;
  uint32_t v = t._version();
  auto bumped = [&](const char* what) {
    EXPECT_EQ(t._version(), v + 1) << what;
    v = t._version();
  };
  t.add_(1);
  bumped("add_ scalar");
  t.add_(o);
  bumped("add_ tensor");
  t.sub_(o, 2);
  bumped("sub_");
  t.sub_(1);
  bumped("sub_ scalar");
  t.mul_(o);
  bumped("mul_");
  t.mul_(3);
  bumped("mul_ scalar");
  t.div_(o);
  bumped("div_");
  t.div_(2, "floor");
  bumped("div_ floor");
  t.pow_(2);
  bumped("pow_ scalar");
  pow_(t, o);
  bumped("pow_ tensor");
  EXPECT_THROW_MSG(y.sum().backward(), RuntimeError, "modified by an inplace operation");
  {
    NoGradGuard g;  // nothing recorded, the version still moves
    Tensor q = dinput({3}, 56) * 1.0;
    Tensor alias = q.view({3});  // views share (and create) the version counter
    const uint32_t qv = q._version();
    q.mul_(2);
    EXPECT_EQ(q._version(), qv + 1);
    EXPECT_EQ(alias._version(), qv + 1);
  }
}

TEST(BinaryInPlace, LeafRequiringGradIsAnError) {
  Tensor a = dinput({3}, 43);
  EXPECT_THROW_MSG(a.div_(2), RuntimeError, "a leaf Variable that requires grad");
  EXPECT_THROW_MSG(a.pow_(2), RuntimeError, "a leaf Variable that requires grad");
  EXPECT_THROW_MSG(a.mul_(2), RuntimeError, "a leaf Variable that requires grad");
  Tensor b = dinput({3}, 44);
  EXPECT_THROW_MSG(pow_(b, a), RuntimeError, "a leaf Variable that requires grad");
}

TEST(BinaryInPlace, OnAViewGoesThroughCopySlices) {
  Tensor a = dinput({2, 3}, 44);
  Tensor b = a * 1.0;
  b.select(0, 1).div_(2.0).pow_(2);
  b.sum().backward();
  const auto av = a.detach().tolist<double>();
  const auto g = a.grad().tolist<double>();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[i], 1.0, 1e-12);
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(g[i], av[i] / 2.0, 1e-12);
}

TEST(BinaryGrad, BitwiseRecordNothing) {
  Tensor i = tensor<int64_t>({1, 2, 3});
  EXPECT_FALSE(i.bitwise_and(i).requires_grad());
  EXPECT_FALSE((i | i).requires_grad());
}

}  // namespace
