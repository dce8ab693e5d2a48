// Unary elementwise ops: dtype rules (integer inputs to floating math give the
// default dtype; rounding is the identity on integers), in-place checks and
// output allocation. The loops are in kernels/cpu/unary.cpp.
#include "kernels/cpu/unary.h"

#include <numbers>

#include "autograd/record.h"
#include "ember/ops/activation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/binary.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::scalar_type_name;
using kernels::TensorIter;
using kernels::UnaryOp;
using kernels::UnaryPredicate;

Tensor alloc_like(const Tensor& x, DType dtype) {
  return ops::empty_following(x.sizes(), dtype, {x});
}

// out (dtype) = op(x converted to dtype).
Tensor unary_out(UnaryOp op, const Tensor& x, DType dtype) {
  Tensor out = alloc_like(x, dtype);
  if (out.is_meta() || out.numel() == 0) return out;
  kernels::unary_kernel(op, TensorIter(x.sizes(), {out, kernels::as_operand(x, dtype, x.sizes())}),
                        dtype);
  return out;
}

// x = op(x), computed in `dtype`, which x must be able to hold.
Tensor& unary_inplace(UnaryOp op, Tensor& x, DType dtype) {
  EMBER_CHECK(ops::can_cast(dtype, x.dtype()), RuntimeError, "result type ",
              scalar_type_name(dtype), " can't be cast to the desired output type ",
              scalar_type_name(x.dtype()));
  if (x.is_meta()) return x;
  kernels::check_no_internal_overlap(x);
  if (x.numel() == 0) return x;
  if (dtype != x.dtype()) return ops::write_into(x, unary_out(op, x, dtype));
  kernels::unary_kernel(op, TensorIter(x.sizes(), {x, x}), dtype);
  return x;
}

DType float_dtype(DType t) { return is_floating_point(t) ? t : get_default_dtype(); }

void check_not_bool(const Tensor& x, const char* kernel_name) {
  EMBER_CHECK(x.dtype() != DType::Bool, TypeError, "\"", kernel_name,
              "\" not implemented for 'Bool'");
}

void check_neg(const Tensor& x) {
  EMBER_CHECK(x.dtype() != DType::Bool, RuntimeError,
              "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
              "to invert a mask, use the `~` or `logical_not()` operator instead.");
}

void check_relu(const Tensor& x) {
  EMBER_CHECK(x.dtype() != DType::Bool, RuntimeError, "Boolean inputs not supported for relu");
}

const char* rounding_kernel_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Floor:
      return "floor_vml_cpu";
    case UnaryOp::Ceil:
      return "ceil_vml_cpu";
    case UnaryOp::Round:
      return "round_vml_cpu";
    default:
      return "trunc_vml_cpu";
  }
}

// floor/ceil/round/trunc: the identity (a copy) on integers, an error on bool.
Tensor rounding(UnaryOp op, const Tensor& x) {
  check_not_bool(x, rounding_kernel_name(op));
  if (!x.is_floating_point()) return x.clone();
  return unary_out(op, x, x.dtype());
}
Tensor& rounding_(UnaryOp op, Tensor& x) {
  check_not_bool(x, rounding_kernel_name(op));
  if (!x.is_floating_point()) {
    if (!x.is_meta()) kernels::check_no_internal_overlap(x);
    return x;
  }
  return unary_inplace(op, x, x.dtype());
}

// isnan/isinf/isfinite: constant on integers and bool.
Tensor predicate(UnaryPredicate op, const Tensor& x) {
  Tensor out = alloc_like(x, DType::Bool);
  if (out.is_meta() || out.numel() == 0) return out;
  if (op != UnaryPredicate::LogicalNot && !x.is_floating_point()) {
    out.fill_(op == UnaryPredicate::IsFinite);
    return out;
  }
  kernels::unary_predicate_kernel(op, TensorIter(x.sizes(), {out, x}), x.dtype());
  return out;
}

// ---- autograd: one input, one output; the formula sees the incoming
// gradient and the one tensor it saved (the input or the output, or none).

using autograd::FormulaNodeBase;
using autograd::variable_list;

enum class Saves { Nothing, Input, Output };

template <typename Grad>
auto unary_node(const char* name, const Tensor& x, Saves saves, Grad grad) {
  return autograd::make_node(
      name,
      [saves, grad](FormulaNodeBase& n, variable_list& g) {
        return variable_list{grad(g[0], saves == Saves::Nothing ? Tensor() : n.saved(0))};
      },
      x);
}

// out = impl(), recorded as `name` with d out / d x applied by grad(g, saved).
template <typename Impl, typename Grad>
Tensor recorded(const char* name, const Tensor& x, Saves saves, const Impl& impl, Grad grad) {
  if (!autograd::grad_needed(x)) return impl();
  Tensor out = autograd::untracked(impl);
  auto node = unary_node(name, x, saves, grad);
  if (saves == Saves::Input) node->save(x);
  autograd::set_history(out, node);
  if (saves == Saves::Output) node->save_output(out);
  return out;
}

// x = impl() in place. The version is bumped whether or not anything is
// recorded; an input the formula needs is saved (cloned) before the write.
template <typename Impl, typename Grad>
Tensor& recorded_(const char* name, Tensor& x, Saves saves, const Impl& impl, Grad grad) {
  autograd::check_inplace(x);
  if (!autograd::grad_needed(x)) {
    impl();
    autograd::finish_inplace(x);
    return x;
  }
  auto node = unary_node(name, x, saves, grad);
  if (saves == Saves::Input) node->save(autograd::untracked([&] { return x.clone(); }));
  autograd::untracked(impl);
  autograd::finish_inplace(x, node);
  if (saves == Saves::Output) node->save_output(x);
  return x;
}

// The formulas (PyTorch's derivatives.yaml); s is the saved input or output.
Tensor zero_grad(const Tensor& g, const Tensor&) { return zeros_like(g); }
Tensor neg_grad(const Tensor& g, const Tensor&) { return g.neg(); }
Tensor abs_grad(const Tensor& g, const Tensor& x) { return g * x.sign(); }
// torch's threshold_backward(grad, result, 0): one fused pass.
Tensor relu_grad(const Tensor& g, const Tensor& y) { return threshold_backward(g, y, 0.0); }
Tensor frac_grad(const Tensor& g, const Tensor&) { return g; }
Tensor square_grad(const Tensor& g, const Tensor& x) { return g * (x * 2.0); }
Tensor sqrt_grad(const Tensor& g, const Tensor& y) { return g / (y * 2.0); }
Tensor rsqrt_grad(const Tensor& g, const Tensor& y) { return g * (y * y * y) * -0.5; }
Tensor exp_grad(const Tensor& g, const Tensor& y) { return g * y; }
Tensor exp2_grad(const Tensor& g, const Tensor& y) { return g * y * std::numbers::ln2; }
Tensor expm1_grad(const Tensor& g, const Tensor& y) { return g * (y + 1); }
Tensor log_grad(const Tensor& g, const Tensor& x) { return g / x; }
Tensor log2_grad(const Tensor& g, const Tensor& x) { return g / (x * std::numbers::ln2); }
Tensor log10_grad(const Tensor& g, const Tensor& x) { return g / (x * std::numbers::ln10); }
Tensor log1p_grad(const Tensor& g, const Tensor& x) { return g / (x + 1); }
Tensor sin_grad(const Tensor& g, const Tensor& x) { return g * x.cos(); }
Tensor cos_grad(const Tensor& g, const Tensor& x) { return g * x.sin().neg(); }
Tensor tan_grad(const Tensor& g, const Tensor& y) { return g * (y * y + 1); }
Tensor asin_grad(const Tensor& g, const Tensor& x) { return g * (1 - x * x).rsqrt(); }
Tensor acos_grad(const Tensor& g, const Tensor& x) { return g * (1 - x * x).rsqrt().neg(); }
Tensor atan_grad(const Tensor& g, const Tensor& x) { return g / (x * x + 1); }
Tensor sinh_grad(const Tensor& g, const Tensor& x) { return g * x.cosh(); }
Tensor cosh_grad(const Tensor& g, const Tensor& x) { return g * x.sinh(); }
Tensor tanh_grad(const Tensor& g, const Tensor& y) { return g * (1 - y * y); }
Tensor asinh_grad(const Tensor& g, const Tensor& x) { return g * (x * x + 1).rsqrt(); }
Tensor acosh_grad(const Tensor& g, const Tensor& x) { return g * (x * x - 1).rsqrt(); }
Tensor atanh_grad(const Tensor& g, const Tensor& x) { return g / (1 - x * x); }
Tensor sigmoid_grad(const Tensor& g, const Tensor& y) { return g * (1 - y) * y; }
Tensor erf_grad(const Tensor& g, const Tensor& x) {
  return g * (x * x).neg().exp() * (2.0 * std::numbers::inv_sqrtpi);
}
Tensor erfc_grad(const Tensor& g, const Tensor& x) {
  return g * (x * x).neg().exp() * (-2.0 * std::numbers::inv_sqrtpi);
}
Tensor erfinv_grad(const Tensor& g, const Tensor& x) {
  const Tensor y = x.erfinv();
  return g * (y * y).exp() * (0.5 / std::numbers::inv_sqrtpi);
}
Tensor reciprocal_grad(const Tensor& g, const Tensor& y) { return g.neg() * (y * y); }

}  // namespace

// ---- functions with their own dtype rules

Tensor neg(const Tensor& x) {
  check_neg(x);
  return recorded(
      "NegBackward0", x, Saves::Nothing, [&] { return unary_out(UnaryOp::Neg, x, x.dtype()); },
      neg_grad);
}
Tensor negative(const Tensor& x) { return neg(x); }
Tensor& neg_(Tensor& x) {
  check_neg(x);
  return recorded_(
      "NegBackward0", x, Saves::Nothing, [&] { unary_inplace(UnaryOp::Neg, x, x.dtype()); },
      neg_grad);
}
Tensor abs(const Tensor& x) {
  check_not_bool(x, "abs_cpu");
  return recorded(
      "AbsBackward0", x, Saves::Input, [&] { return unary_out(UnaryOp::Abs, x, x.dtype()); },
      abs_grad);
}
Tensor& abs_(Tensor& x) {
  check_not_bool(x, "abs_cpu");
  return recorded_(
      "AbsBackward0", x, Saves::Input, [&] { unary_inplace(UnaryOp::Abs, x, x.dtype()); },
      abs_grad);
}
Tensor relu(const Tensor& x) {
  check_relu(x);
  return recorded(
      "ReluBackward0", x, Saves::Output, [&] { return unary_out(UnaryOp::Relu, x, x.dtype()); },
      relu_grad);
}
Tensor& relu_(Tensor& x) {
  check_relu(x);
  return recorded_(
      "ReluBackward0", x, Saves::Output, [&] { unary_inplace(UnaryOp::Relu, x, x.dtype()); },
      relu_grad);
}
Tensor sign(const Tensor& x) {
  return recorded(
      "SignBackward0", x, Saves::Nothing, [&] { return unary_out(UnaryOp::Sign, x, x.dtype()); },
      zero_grad);
}
Tensor frac(const Tensor& x) {
  EMBER_CHECK(x.is_floating_point(), TypeError, "\"frac_cpu\" not implemented for '",
              scalar_type_name(x.dtype()), "'");
  return recorded(
      "FracBackward0", x, Saves::Nothing, [&] { return unary_out(UnaryOp::Frac, x, x.dtype()); },
      frac_grad);
}
Tensor bitwise_not(const Tensor& x) {
  EMBER_CHECK(!x.is_floating_point(), TypeError, "\"bitwise_not_cpu\" not implemented for '",
              scalar_type_name(x.dtype()), "'");
  return unary_out(UnaryOp::BitwiseNot, x, x.dtype());
}
// pow(x, 2), recorded as PyTorch records it (PowBackward0, 2 x g).
Tensor square(const Tensor& x) {
  return recorded(
      "PowBackward0", x, Saves::Input, [&] { return pow(x, 2); }, square_grad);
}

Tensor floor(const Tensor& x) {
  return recorded(
      "FloorBackward0", x, Saves::Nothing, [&] { return rounding(UnaryOp::Floor, x); }, zero_grad);
}
Tensor ceil(const Tensor& x) {
  return recorded(
      "CeilBackward0", x, Saves::Nothing, [&] { return rounding(UnaryOp::Ceil, x); }, zero_grad);
}
Tensor round(const Tensor& x) {
  return recorded(
      "RoundBackward0", x, Saves::Nothing, [&] { return rounding(UnaryOp::Round, x); }, zero_grad);
}
Tensor trunc(const Tensor& x) {
  return recorded(
      "TruncBackward0", x, Saves::Nothing, [&] { return rounding(UnaryOp::Trunc, x); }, zero_grad);
}
Tensor& floor_(Tensor& x) {
  return recorded_(
      "FloorBackward0", x, Saves::Nothing, [&] { rounding_(UnaryOp::Floor, x); }, zero_grad);
}
Tensor& ceil_(Tensor& x) {
  return recorded_(
      "CeilBackward0", x, Saves::Nothing, [&] { rounding_(UnaryOp::Ceil, x); }, zero_grad);
}
Tensor& round_(Tensor& x) {
  return recorded_(
      "RoundBackward0", x, Saves::Nothing, [&] { rounding_(UnaryOp::Round, x); }, zero_grad);
}
Tensor& trunc_(Tensor& x) {
  return recorded_(
      "TruncBackward0", x, Saves::Nothing, [&] { rounding_(UnaryOp::Trunc, x); }, zero_grad);
}

// Predicates: bool results, never recorded.
Tensor isnan(const Tensor& x) { return predicate(UnaryPredicate::IsNan, x); }
Tensor isinf(const Tensor& x) { return predicate(UnaryPredicate::IsInf, x); }
Tensor isfinite(const Tensor& x) { return predicate(UnaryPredicate::IsFinite, x); }
Tensor logical_not(const Tensor& x) { return predicate(UnaryPredicate::LogicalNot, x); }

// ---- floating math: integer and bool inputs give the default floating dtype

#define EMBER_FLOAT_UNARY(NAME, OP, NODE, SAVES)                                                  \
  Tensor NAME(const Tensor& x) {                                                                  \
    return recorded(                                                                              \
        NODE, x, Saves::SAVES, [&] { return unary_out(UnaryOp::OP, x, float_dtype(x.dtype())); }, \
        NAME##_grad);                                                                             \
  }                                                                                               \
  Tensor Tensor::NAME() const { return ember::NAME(*this); }
#define EMBER_FLOAT_UNARY_INPLACE(NAME, OP, NODE, SAVES)                                       \
  Tensor& NAME##_(Tensor& x) {                                                                 \
    return recorded_(                                                                          \
        NODE, x, Saves::SAVES, [&] { unary_inplace(UnaryOp::OP, x, float_dtype(x.dtype())); }, \
        NAME##_grad);                                                                          \
  }

EMBER_FLOAT_UNARY(sqrt, Sqrt, "SqrtBackward0", Output)
EMBER_FLOAT_UNARY(rsqrt, Rsqrt, "RsqrtBackward0", Output)
EMBER_FLOAT_UNARY(exp, Exp, "ExpBackward0", Output)
EMBER_FLOAT_UNARY(exp2, Exp2, "Exp2Backward0", Output)
EMBER_FLOAT_UNARY(expm1, Expm1, "Expm1Backward0", Output)
EMBER_FLOAT_UNARY(log, Log, "LogBackward0", Input)
EMBER_FLOAT_UNARY(log2, Log2, "Log2Backward0", Input)
EMBER_FLOAT_UNARY(log10, Log10, "Log10Backward0", Input)
EMBER_FLOAT_UNARY(log1p, Log1p, "Log1PBackward0", Input)
EMBER_FLOAT_UNARY(sin, Sin, "SinBackward0", Input)
EMBER_FLOAT_UNARY(cos, Cos, "CosBackward0", Input)
EMBER_FLOAT_UNARY(tan, Tan, "TanBackward0", Output)
EMBER_FLOAT_UNARY(asin, Asin, "AsinBackward0", Input)
EMBER_FLOAT_UNARY(acos, Acos, "AcosBackward0", Input)
EMBER_FLOAT_UNARY(atan, Atan, "AtanBackward0", Input)
EMBER_FLOAT_UNARY(sinh, Sinh, "SinhBackward0", Input)
EMBER_FLOAT_UNARY(cosh, Cosh, "CoshBackward0", Input)
EMBER_FLOAT_UNARY(tanh, Tanh, "TanhBackward0", Output)
EMBER_FLOAT_UNARY(asinh, Asinh, "AsinhBackward0", Input)
EMBER_FLOAT_UNARY(acosh, Acosh, "AcoshBackward0", Input)
EMBER_FLOAT_UNARY(atanh, Atanh, "AtanhBackward0", Input)
EMBER_FLOAT_UNARY(sigmoid, Sigmoid, "SigmoidBackward0", Output)
EMBER_FLOAT_UNARY(erf, Erf, "ErfBackward0", Input)
EMBER_FLOAT_UNARY(erfc, Erfc, "ErfcBackward0", Input)
EMBER_FLOAT_UNARY(erfinv, Erfinv, "ErfinvBackward0", Input)
EMBER_FLOAT_UNARY(reciprocal, Reciprocal, "ReciprocalBackward0", Output)

EMBER_FLOAT_UNARY_INPLACE(sqrt, Sqrt, "SqrtBackward0", Output)
EMBER_FLOAT_UNARY_INPLACE(rsqrt, Rsqrt, "RsqrtBackward0", Output)
EMBER_FLOAT_UNARY_INPLACE(exp, Exp, "ExpBackward0", Output)
EMBER_FLOAT_UNARY_INPLACE(log, Log, "LogBackward0", Input)
EMBER_FLOAT_UNARY_INPLACE(sin, Sin, "SinBackward0", Input)
EMBER_FLOAT_UNARY_INPLACE(cos, Cos, "CosBackward0", Input)
EMBER_FLOAT_UNARY_INPLACE(tanh, Tanh, "TanhBackward0", Output)
EMBER_FLOAT_UNARY_INPLACE(sigmoid, Sigmoid, "SigmoidBackward0", Output)
EMBER_FLOAT_UNARY_INPLACE(reciprocal, Reciprocal, "ReciprocalBackward0", Output)
#undef EMBER_FLOAT_UNARY
#undef EMBER_FLOAT_UNARY_INPLACE

// ---- Tensor methods

Tensor Tensor::neg() const { return ember::neg(*this); }
Tensor& Tensor::neg_() { return ember::neg_(*this); }
Tensor Tensor::abs() const { return ember::abs(*this); }
Tensor& Tensor::abs_() { return ember::abs_(*this); }
Tensor& Tensor::sqrt_() { return ember::sqrt_(*this); }
Tensor& Tensor::exp_() { return ember::exp_(*this); }
Tensor& Tensor::log_() { return ember::log_(*this); }
Tensor& Tensor::tanh_() { return ember::tanh_(*this); }
Tensor& Tensor::sigmoid_() { return ember::sigmoid_(*this); }
Tensor Tensor::relu() const { return ember::relu(*this); }
Tensor& Tensor::relu_() { return ember::relu_(*this); }
Tensor Tensor::floor() const { return ember::floor(*this); }
Tensor Tensor::ceil() const { return ember::ceil(*this); }
Tensor Tensor::round() const { return ember::round(*this); }
Tensor Tensor::trunc() const { return ember::trunc(*this); }
Tensor Tensor::frac() const { return ember::frac(*this); }
Tensor Tensor::sign() const { return ember::sign(*this); }
Tensor Tensor::square() const { return ember::square(*this); }
Tensor Tensor::isnan() const { return ember::isnan(*this); }
Tensor Tensor::isinf() const { return ember::isinf(*this); }
Tensor Tensor::isfinite() const { return ember::isfinite(*this); }
Tensor Tensor::bitwise_not() const { return ember::bitwise_not(*this); }
Tensor Tensor::logical_not() const { return ember::logical_not(*this); }

}  // namespace ember
