// Gradients of the unary elementwise ops (ops/unary.cpp): gradcheck and
// gradgradcheck in float64 against finite differences, PyTorch's node names,
// the in-place forms (recorded, version bumped, saved tensors checked), and
// the ops that never record.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

// Where an op's inputs are drawn from: inside its domain and away from the
// points where it is not differentiable.
enum class Domain { Real, Positive, Unit, AboveOne, NonZero };

Tensor values(IntArrayRef shape, Domain d, uint64_t seed) {
  Generator g(seed);
  Tensor u = rand(shape, {.dtype = kFloat64}, &g);
  switch (d) {
    case Domain::Positive:
      return u * 2.0 + 0.5;  // (0.5, 2.5)
    case Domain::Unit:
      return u * 1.6 - 0.8;  // (-0.8, 0.8)
    case Domain::AboveOne:
      return u * 2.0 + 1.5;  // (1.5, 3.5)
    case Domain::NonZero: {  // |x| in (0.2, 2.2), either sign
      const Tensor mag = u * 2.0 + 0.2;
      return where(rand(shape, {.dtype = kFloat64}, &g) > 0.5, mag, mag.neg());
    }
    case Domain::Real:
      break;
  }
  return randn(shape, {.dtype = kFloat64}, &g);
}

Tensor leaf(IntArrayRef shape, Domain d, uint64_t seed) {
  return values(shape, d, seed).requires_grad_();
}
// A leaf whose strides are transposed (not contiguous).
Tensor transposed_leaf(int64_t rows, int64_t cols, Domain d, uint64_t seed) {
  return values({cols, rows}, d, seed).t().detach().requires_grad_();
}

using UnaryFn = Tensor (*)(const Tensor&);
using InplaceFn = Tensor& (*)(Tensor&);

struct UnaryCase {
  const char* op;
  UnaryFn fn;
  const char* node;
  Domain domain;
};

const std::vector<UnaryCase>& unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {"neg", neg, "NegBackward0", Domain::Real},
      {"abs", abs, "AbsBackward0", Domain::NonZero},
      {"relu", relu, "ReluBackward0", Domain::NonZero},
      {"frac", frac, "FracBackward0", Domain::Positive},
      {"square", square, "PowBackward0", Domain::Real},
      {"sqrt", sqrt, "SqrtBackward0", Domain::Positive},
      {"rsqrt", rsqrt, "RsqrtBackward0", Domain::Positive},
      {"exp", exp, "ExpBackward0", Domain::Real},
      {"exp2", exp2, "Exp2Backward0", Domain::Real},
      {"expm1", expm1, "Expm1Backward0", Domain::Real},
      {"log", log, "LogBackward0", Domain::Positive},
      {"log2", log2, "Log2Backward0", Domain::Positive},
      {"log10", log10, "Log10Backward0", Domain::Positive},
      {"log1p", log1p, "Log1PBackward0", Domain::Positive},
      {"sin", sin, "SinBackward0", Domain::Real},
      {"cos", cos, "CosBackward0", Domain::Real},
      {"tan", tan, "TanBackward0", Domain::Unit},
      {"asin", asin, "AsinBackward0", Domain::Unit},
      {"acos", acos, "AcosBackward0", Domain::Unit},
      {"atan", atan, "AtanBackward0", Domain::Real},
      {"sinh", sinh, "SinhBackward0", Domain::Real},
      {"cosh", cosh, "CoshBackward0", Domain::Real},
      {"tanh", tanh, "TanhBackward0", Domain::Real},
      {"asinh", asinh, "AsinhBackward0", Domain::Real},
      {"acosh", acosh, "AcoshBackward0", Domain::AboveOne},
      {"atanh", atanh, "AtanhBackward0", Domain::Unit},
      {"sigmoid", sigmoid, "SigmoidBackward0", Domain::Real},
      {"erf", erf, "ErfBackward0", Domain::Real},
      {"erfc", erfc, "ErfcBackward0", Domain::Real},
      {"erfinv", erfinv, "ErfinvBackward0", Domain::Unit},
      {"reciprocal", reciprocal, "ReciprocalBackward0", Domain::Positive},
  };
  return cases;
}

// Piecewise constant: the gradient is zero (away from the jumps).
const std::vector<UnaryCase>& zero_grad_cases() {
  static const std::vector<UnaryCase> cases = {
      {"sign", sign, "SignBackward0", Domain::NonZero},
      {"floor", floor, "FloorBackward0", Domain::Real},
      {"ceil", ceil, "CeilBackward0", Domain::Real},
      {"round", round, "RoundBackward0", Domain::Real},
      {"trunc", trunc, "TruncBackward0", Domain::Real},
  };
  return cases;
}

struct InplaceCase {
  const char* op;
  InplaceFn fn;
  UnaryFn out_of_place;
  const char* node;
  Domain domain;
};

const std::vector<InplaceCase>& inplace_cases() {
  static const std::vector<InplaceCase> cases = {
      {"neg_", neg_, neg, "NegBackward0", Domain::Real},
      {"abs_", abs_, abs, "AbsBackward0", Domain::NonZero},
      {"relu_", relu_, relu, "ReluBackward0", Domain::NonZero},
      {"sqrt_", sqrt_, sqrt, "SqrtBackward0", Domain::Positive},
      {"rsqrt_", rsqrt_, rsqrt, "RsqrtBackward0", Domain::Positive},
      {"exp_", exp_, exp, "ExpBackward0", Domain::Real},
      {"log_", log_, log, "LogBackward0", Domain::Positive},
      {"sin_", sin_, sin, "SinBackward0", Domain::Real},
      {"cos_", cos_, cos, "CosBackward0", Domain::Real},
      {"tanh_", tanh_, tanh, "TanhBackward0", Domain::Real},
      {"sigmoid_", sigmoid_, sigmoid, "SigmoidBackward0", Domain::Real},
      {"reciprocal_", reciprocal_, reciprocal, "ReciprocalBackward0", Domain::Positive},
      {"floor_", floor_, floor, "FloorBackward0", Domain::Real},
      {"ceil_", ceil_, ceil, "CeilBackward0", Domain::Real},
      {"round_", round_, round, "RoundBackward0", Domain::Real},
      {"trunc_", trunc_, trunc, "TruncBackward0", Domain::Real},
  };
  return cases;
}

// A non-leaf copy of x (recorded through mul), for in-place ops to write into.
Tensor fresh(const Tensor& x) { return x * 1.0; }

void backward_ones(const Tensor& y) { y.backward(ones_like(y)); }

}  // namespace

TEST(UnaryGrad, NodeNames) {
  for (const auto& c : unary_cases()) {
    Tensor x = leaf({3}, c.domain, 1);
    Tensor y = c.fn(x);
    ASSERT_TRUE(y.grad_fn()) << c.op;
    EXPECT_EQ(y.grad_fn()->name(), c.node) << c.op;
    EXPECT_TRUE(y.requires_grad()) << c.op;
  }
  for (const auto& c : zero_grad_cases()) {
    Tensor y = c.fn(leaf({3}, c.domain, 1));
    ASSERT_TRUE(y.grad_fn()) << c.op;
    EXPECT_EQ(y.grad_fn()->name(), c.node) << c.op;
  }
  EXPECT_EQ((-leaf({3}, Domain::Real, 2)).grad_fn()->name(), "NegBackward0");
  EXPECT_EQ(negative(leaf({3}, Domain::Real, 2)).grad_fn()->name(), "NegBackward0");
  EXPECT_EQ(leaf({3}, Domain::Real, 2).sigmoid().grad_fn()->name(), "SigmoidBackward0");
}

TEST(UnaryGrad, Gradcheck) {
  for (const auto& c : unary_cases()) {
    auto f = [&](const std::vector<Tensor>& in) { return c.fn(in[0]); };
    EXPECT_TRUE(gradcheck(f, {leaf({2, 3}, c.domain, 10)})) << c.op;
    // Non-contiguous input.
    EXPECT_TRUE(gradcheck(f, {transposed_leaf(3, 2, c.domain, 11)})) << c.op;
    // 0-dim input.
    EXPECT_TRUE(gradcheck(f, {leaf({}, c.domain, 12)})) << c.op;
  }
}

TEST(UnaryGrad, PiecewiseConstantOpsHaveZeroGradient) {
  for (const auto& c : zero_grad_cases()) {
    Tensor x = leaf({2, 3}, c.domain, 20);
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {x})) << c.op;
    backward_ones(c.fn(x));
    ASSERT_TRUE(x.grad().defined()) << c.op;
    EXPECT_TRUE(x.grad().equal(zeros({2, 3}, {.dtype = kFloat64}))) << c.op;
  }
}

// Hand-computed gradients, as a check independent of finite differences.
TEST(UnaryGrad, KnownValues) {
  Tensor x = tensor({-2.0, 0.5, 3.0}, {.dtype = kFloat64}).requires_grad_();
  Tensor go = tensor({1.0, 2.0, 3.0}, {.dtype = kFloat64});
  auto grad_of = [&](UnaryFn f) { return autograd::grad({f(x)}, {x}, {go})[0]; };
  EXPECT_TRUE(grad_of(relu).equal(tensor({0.0, 2.0, 3.0}, {.dtype = kFloat64})));
  EXPECT_TRUE(grad_of(abs).equal(tensor({-1.0, 2.0, 3.0}, {.dtype = kFloat64})));
  EXPECT_TRUE(grad_of(neg).equal(tensor({-1.0, -2.0, -3.0}, {.dtype = kFloat64})));
  EXPECT_TRUE(grad_of(square).equal(tensor({-4.0, 2.0, 18.0}, {.dtype = kFloat64})));
  EXPECT_TRUE(grad_of(exp).allclose(
      go * tensor({std::exp(-2.0), std::exp(0.5), std::exp(3.0)}, {.dtype = kFloat64})));
  const double s = 1.0 / (1.0 + std::exp(-0.5));
  EXPECT_NEAR(grad_of(sigmoid)[1].item<double>(), 2.0 * s * (1 - s), 1e-15);
  EXPECT_NEAR(grad_of(tanh)[2].item<double>(), 3.0 * (1 - std::tanh(3.0) * std::tanh(3.0)), 1e-15);
  // relu at 0 gives 0, as PyTorch's threshold_backward.
  Tensor z = zeros({2}, {.dtype = kFloat64}).requires_grad_();
  backward_ones(relu(z));
  EXPECT_TRUE(z.grad().equal(zeros({2}, {.dtype = kFloat64})));
}

// Double backward through formulas built from recorded ops.
TEST(UnaryGrad, Gradgradcheck) {
  for (const auto& c : unary_cases()) {
    const std::string op = c.op;
    // Formulas dividing by the input go through div (another family's node).
    if (op == "sqrt" || op == "log" || op == "log2" || op == "log10" || op == "log1p" ||
        op == "atan" || op == "atanh")
      continue;
    // frac's gradient is g itself; scaling the output keeps gradcheck's
    // numerical outputs from aliasing its perturbed input.
    EXPECT_TRUE(gradgradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]) * 1.5; },
                              {leaf({2, 3}, c.domain, 30)}))
        << c.op;
  }
}

// The formulas that divide (sqrt, log*, atan, atanh): double backward needs
// div's own formula (binary family).
TEST(UnaryGrad, GradgradcheckThroughDiv) {
  for (const auto& c : unary_cases()) {
    const std::string op = c.op;
    if (!(op == "sqrt" || op == "log" || op == "log2" || op == "log10" || op == "log1p" ||
          op == "atan" || op == "atanh"))
      continue;
    EXPECT_TRUE(gradgradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); },
                              {leaf({2, 3}, c.domain, 31)}))
        << c.op;
  }
}

TEST(UnaryGrad, Inplace) {
  for (const auto& c : inplace_cases()) {
    Tensor x = leaf({2, 3}, c.domain, 40);
    // Name, and the same values and gradient as the out-of-place op.
    Tensor y = fresh(x);
    c.fn(y);
    ASSERT_TRUE(y.grad_fn()) << c.op;
    EXPECT_EQ(y.grad_fn()->name(), c.node) << c.op;
    Tensor ref = c.out_of_place(x);
    EXPECT_TRUE(y.allclose(ref)) << c.op;
    Tensor go = values({2, 3}, Domain::Real, 41);
    Tensor gy = autograd::grad({y}, {x}, {go})[0];
    Tensor gref = autograd::grad({ref}, {x}, {go})[0];
    EXPECT_TRUE(gy.allclose(gref)) << c.op;
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) {
          Tensor t = fresh(in[0]);
          return c.fn(t);
        },
        {x}))
        << c.op;
  }
}

TEST(UnaryGrad, InplaceBumpsTheVersionEvenWithoutGrad) {
  for (const auto& c : inplace_cases()) {
    Tensor x = values({3}, c.domain, 50);
    (void)x.detach();  // ember makes a version counter only once something can observe it
    const auto v = x._version();
    c.fn(x);
    EXPECT_EQ(x._version(), v + 1) << c.op;
    EXPECT_FALSE(x.grad_fn()) << c.op;
    // Under no_grad a recorded tensor is written without history.
    Tensor y = fresh(leaf({3}, c.domain, 51));
    {
      NoGradGuard g;
      c.fn(y);
    }
    EXPECT_EQ(y.grad_fn()->name(), "MulBackward0") << c.op;
  }
}

TEST(UnaryGrad, InplaceOnLeafThatRequiresGradThrows) {
  for (const auto& c : inplace_cases()) {
    Tensor x = leaf({3}, c.domain, 60);
    const auto v0 = x._version();
    EXPECT_THROW_MSG(c.fn(x), RuntimeError,
                     "a leaf Variable that requires grad is being used in "
                     "an in-place operation.")
        << c.op;
    EXPECT_EQ(x._version(), v0) << c.op;
  }
}

// Formulas that read the output (exp, sigmoid, tanh, sqrt, ...) or the input
// (sin, log, abs, ...) notice that it was modified in place afterwards.
TEST(UnaryGrad, ModifiedSavedTensorThrows) {
  const char* msg = "modified by an inplace operation";
  {
    Tensor x = leaf({3}, Domain::Real, 70);
    Tensor y = exp(x);
    y.mul_(2.0);
    EXPECT_THROW_MSG(backward_ones(y), RuntimeError, msg);
  }
  {
    Tensor x = leaf({3}, Domain::Real, 71);
    Tensor y = fresh(x);
    Tensor z = sin(y);
    y.add_(1.0);
    EXPECT_THROW_MSG(backward_ones(z), RuntimeError, msg);
  }
  {
    // sigmoid_ saves its output: modifying it again is caught.
    Tensor x = leaf({3}, Domain::Real, 72);
    Tensor y = fresh(x);
    sigmoid_(y);
    y.mul_(3.0);
    EXPECT_THROW_MSG(backward_ones(y), RuntimeError, msg);
  }
  {
    // neg saves nothing: no error.
    Tensor x = leaf({3}, Domain::Real, 73);
    Tensor y = fresh(x);
    Tensor z = neg(y);
    y.add_(1.0);
    backward_ones(z);
    EXPECT_TRUE(x.grad().equal(full({3}, -1.0, {.dtype = kFloat64})));
  }
  {
    // sin_ saves its input before the write: the in-place write itself is fine.
    Tensor x = leaf({3}, Domain::Real, 74);
    Tensor y = fresh(x);
    sin_(y);
    backward_ones(y);
    EXPECT_TRUE(x.grad().allclose(cos(x.detach())));
  }
}

TEST(UnaryGrad, NotRecorded) {
  Tensor x = leaf({3}, Domain::Real, 80);
  for (const Tensor& t : {isnan(x), isinf(x), isfinite(x), logical_not(x)}) {
    EXPECT_FALSE(t.requires_grad());
    EXPECT_FALSE(t.grad_fn());
  }
  Tensor i = tensor({1, 2, 3});
  EXPECT_FALSE(bitwise_not(i).requires_grad());
  // Nothing is recorded without grad mode or without an input that requires grad.
  {
    NoGradGuard g;
    EXPECT_FALSE(exp(x).requires_grad());
  }
  EXPECT_FALSE(exp(x.detach()).requires_grad());
}

TEST(UnaryGrad, Float32GradientsKeepTheDtype) {
  Generator gen(90);
  Tensor x = randn({4}, {}, &gen).requires_grad_();
  backward_ones(tanh(x));
  EXPECT_EQ(x.grad().dtype(), kFloat32);
  Tensor ref = 1 - tanh(x.detach()) * tanh(x.detach());
  EXPECT_TRUE(x.grad().allclose(ref));
}

// In place on a view of a non-leaf: the base's history becomes CopySlices
// around the op's node. Needs the views' own nodes (view family).
TEST(UnaryGrad, InplaceOnView) {
  for (const auto& c : inplace_cases()) {
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) {
          Tensor y = fresh(in[0]);
          Tensor row = y.select(0, 1);
          c.fn(row);
          return y;
        },
        {leaf({3, 4}, c.domain, 95)}))
        << c.op;
    Tensor y = fresh(leaf({3, 4}, c.domain, 96));
    Tensor col = y.t().select(0, 2);
    c.fn(col);
    ASSERT_TRUE(y.grad_fn()) << c.op;
    EXPECT_EQ(y.grad_fn()->name(), "CopySlices") << c.op;
  }
}

// Activation backward writes over an incoming gradient that nothing else holds;
// gradients that anything else holds (the caller, a hook, a second edge, a
// retained grad) come through intact, and every result stays right.
TEST(UnaryGrad, ActivationBackwardKeepsSharedGradients) {
  const Tensor x = randn({4, 5}).requires_grad_();
  const Tensor mask = (x.detach() > 0).to(kFloat32);

  // The caller's gradient: still the caller's values afterwards.
  const Tensor g = randn({4, 5});
  const Tensor g_before = g.clone();
  relu(x).backward(g);
  EXPECT_TRUE(equal(g, g_before));
  EXPECT_TRUE(allclose(x.grad(), g_before * mask));
  x.set_grad(Tensor());

  // One gradient into two ReLUs (add's backward hands both edges the same
  // buffer), then on through an internal buffer (mul's gradient): right values.
  const Tensor y = randn({4, 5}).requires_grad_();
  Tensor out = (relu(x) + relu(y)) * 3.0;
  out.sum().backward();
  EXPECT_TRUE(allclose(x.grad(), mask * 3.0));
  EXPECT_TRUE(allclose(y.grad(), (y.detach() > 0).to(kFloat32) * 3.0));
  x.set_grad(Tensor());

  // A retained gradient above the ReLU keeps its values.
  Tensor h = x * 2.0;
  h.retain_grad();
  Tensor r = relu(h);
  Tensor m = r * 5.0;
  m.sum().backward();
  EXPECT_TRUE(allclose(h.grad(), (h.detach() > 0).to(kFloat32) * 5.0));
  EXPECT_TRUE(allclose(x.grad(), (h.detach() > 0).to(kFloat32) * 10.0));
  x.set_grad(Tensor());

  // autograd::grad capturing the gradient that enters the ReLU.
  Tensor rr = relu(x);
  Tensor z = rr * 4.0;
  const auto grads = autograd::grad({z.sum()}, {rr, x});
  EXPECT_TRUE(allclose(grads[0], full({4, 5}, 4.0)));
  EXPECT_TRUE(allclose(grads[1], mask * 4.0));
}
