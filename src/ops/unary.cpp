// Unary elementwise ops: dtype rules (integer inputs to floating math give the
// default dtype; rounding is the identity on integers), in-place checks and
// output allocation. The loops are in kernels/cpu/unary.cpp.
#include "kernels/cpu/unary.h"
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
  if (dtype != x.dtype()) return x.copy_(unary_out(op, x, dtype));
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

}  // namespace

// ---- functions with their own dtype rules

Tensor neg(const Tensor& x) {
  check_neg(x);
  return unary_out(UnaryOp::Neg, x, x.dtype());
}
Tensor negative(const Tensor& x) { return neg(x); }
Tensor& neg_(Tensor& x) {
  check_neg(x);
  return unary_inplace(UnaryOp::Neg, x, x.dtype());
}
Tensor abs(const Tensor& x) {
  check_not_bool(x, "abs_cpu");
  return unary_out(UnaryOp::Abs, x, x.dtype());
}
Tensor& abs_(Tensor& x) {
  check_not_bool(x, "abs_cpu");
  return unary_inplace(UnaryOp::Abs, x, x.dtype());
}
Tensor relu(const Tensor& x) {
  check_relu(x);
  return unary_out(UnaryOp::Relu, x, x.dtype());
}
Tensor& relu_(Tensor& x) {
  check_relu(x);
  return unary_inplace(UnaryOp::Relu, x, x.dtype());
}
Tensor sign(const Tensor& x) { return unary_out(UnaryOp::Sign, x, x.dtype()); }
Tensor frac(const Tensor& x) {
  EMBER_CHECK(x.is_floating_point(), TypeError, "\"frac_cpu\" not implemented for '",
              scalar_type_name(x.dtype()), "'");
  return unary_out(UnaryOp::Frac, x, x.dtype());
}
Tensor bitwise_not(const Tensor& x) {
  EMBER_CHECK(!x.is_floating_point(), TypeError, "\"bitwise_not_cpu\" not implemented for '",
              scalar_type_name(x.dtype()), "'");
  return unary_out(UnaryOp::BitwiseNot, x, x.dtype());
}
Tensor square(const Tensor& x) { return pow(x, 2); }

Tensor floor(const Tensor& x) { return rounding(UnaryOp::Floor, x); }
Tensor ceil(const Tensor& x) { return rounding(UnaryOp::Ceil, x); }
Tensor round(const Tensor& x) { return rounding(UnaryOp::Round, x); }
Tensor trunc(const Tensor& x) { return rounding(UnaryOp::Trunc, x); }
Tensor& floor_(Tensor& x) { return rounding_(UnaryOp::Floor, x); }
Tensor& ceil_(Tensor& x) { return rounding_(UnaryOp::Ceil, x); }
Tensor& round_(Tensor& x) { return rounding_(UnaryOp::Round, x); }
Tensor& trunc_(Tensor& x) { return rounding_(UnaryOp::Trunc, x); }

Tensor isnan(const Tensor& x) { return predicate(UnaryPredicate::IsNan, x); }
Tensor isinf(const Tensor& x) { return predicate(UnaryPredicate::IsInf, x); }
Tensor isfinite(const Tensor& x) { return predicate(UnaryPredicate::IsFinite, x); }
Tensor logical_not(const Tensor& x) { return predicate(UnaryPredicate::LogicalNot, x); }

// ---- floating math: integer and bool inputs give the default floating dtype

#define EMBER_FLOAT_UNARY(NAME, OP)                                                          \
  Tensor NAME(const Tensor& x) { return unary_out(UnaryOp::OP, x, float_dtype(x.dtype())); } \
  Tensor Tensor::NAME() const { return ember::NAME(*this); }
#define EMBER_FLOAT_UNARY_INPLACE(NAME, OP) \
  Tensor& NAME##_(Tensor& x) { return unary_inplace(UnaryOp::OP, x, float_dtype(x.dtype())); }

EMBER_FLOAT_UNARY(sqrt, Sqrt)
EMBER_FLOAT_UNARY(rsqrt, Rsqrt)
EMBER_FLOAT_UNARY(exp, Exp)
EMBER_FLOAT_UNARY(exp2, Exp2)
EMBER_FLOAT_UNARY(expm1, Expm1)
EMBER_FLOAT_UNARY(log, Log)
EMBER_FLOAT_UNARY(log2, Log2)
EMBER_FLOAT_UNARY(log10, Log10)
EMBER_FLOAT_UNARY(log1p, Log1p)
EMBER_FLOAT_UNARY(sin, Sin)
EMBER_FLOAT_UNARY(cos, Cos)
EMBER_FLOAT_UNARY(tan, Tan)
EMBER_FLOAT_UNARY(asin, Asin)
EMBER_FLOAT_UNARY(acos, Acos)
EMBER_FLOAT_UNARY(atan, Atan)
EMBER_FLOAT_UNARY(sinh, Sinh)
EMBER_FLOAT_UNARY(cosh, Cosh)
EMBER_FLOAT_UNARY(tanh, Tanh)
EMBER_FLOAT_UNARY(asinh, Asinh)
EMBER_FLOAT_UNARY(acosh, Acosh)
EMBER_FLOAT_UNARY(atanh, Atanh)
EMBER_FLOAT_UNARY(sigmoid, Sigmoid)
EMBER_FLOAT_UNARY(erf, Erf)
EMBER_FLOAT_UNARY(erfc, Erfc)
EMBER_FLOAT_UNARY(erfinv, Erfinv)
EMBER_FLOAT_UNARY(reciprocal, Reciprocal)

EMBER_FLOAT_UNARY_INPLACE(sqrt, Sqrt)
EMBER_FLOAT_UNARY_INPLACE(rsqrt, Rsqrt)
EMBER_FLOAT_UNARY_INPLACE(exp, Exp)
EMBER_FLOAT_UNARY_INPLACE(log, Log)
EMBER_FLOAT_UNARY_INPLACE(sin, Sin)
EMBER_FLOAT_UNARY_INPLACE(cos, Cos)
EMBER_FLOAT_UNARY_INPLACE(tanh, Tanh)
EMBER_FLOAT_UNARY_INPLACE(sigmoid, Sigmoid)
EMBER_FLOAT_UNARY_INPLACE(reciprocal, Reciprocal)
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
