#pragma once
// Elementwise unary kernels: math functions (evaluated in opmath_t, so Half and
// BFloat16 go through float and round once), rounding, sign, and the
// predicates that produce bool (isnan, isinf, isfinite, logical_not).
#include <cstdint>

#include "ember/core/tensor.h"
#include "kernels/cpu/tensor_iter.h"

namespace ember::kernels {

enum class UnaryOp : int8_t {
  Neg,
  Abs,
  Sqrt,
  Rsqrt,
  Exp,
  Exp2,
  Expm1,
  Log,
  Log2,
  Log10,
  Log1p,
  Sin,
  Cos,
  Tan,
  Asin,
  Acos,
  Atan,
  Sinh,
  Cosh,
  Tanh,
  Asinh,
  Acosh,
  Atanh,
  Sigmoid,
  Relu,
  Erf,
  Erfc,
  Erfinv,
  Floor,
  Ceil,
  Round,  // half to even
  Trunc,
  Frac,
  Sign,
  Reciprocal,
  BitwiseNot,
};

// out = op(a) over {out, a}, both of dtype `dtype`. Math functions take the
// floating dtypes; Neg, Abs, Relu also integers; Sign and BitwiseNot also bool.
// Throws TypeError for a dtype the op does not support.
void unary_kernel(UnaryOp op, const TensorIter& it, DType dtype);

enum class UnaryPredicate : int8_t { IsNan, IsInf, IsFinite, LogicalNot };

// out (bool) = pred(a) over {out, a}; a of dtype `dtype` (IsNan/IsInf/IsFinite: floating).
void unary_predicate_kernel(UnaryPredicate op, const TensorIter& it, DType dtype);

// erfinv in double (shared with tests of the kernels' accuracy).
double erfinv(double y);

}  // namespace ember::kernels
