#pragma once
// Elementwise kernels that compare or select: comparisons and logical ops
// (bool results), where, clamp, masked_fill and isclose.
#include <cstdint>
#include <optional>

#include "ember/core/tensor.h"
#include "kernels/cpu/tensor_iter.h"

namespace ember::kernels {

enum class CompareOp : int8_t { Eq, Ne, Lt, Le, Gt, Ge };
// out (bool) = a op b over {out, a, b}; a and b of dtype `dtype`.
void compare_kernel(CompareOp op, const TensorIter& it, DType dtype);

enum class LogicalOp : int8_t { And, Or, Xor };
// out (bool) = bool(a) op bool(b) over {out, a, b}; a and b of dtype `dtype`.
void logical_kernel(LogicalOp op, const TensorIter& it, DType dtype);

// out = cond ? a : b over {out, cond (bool), a, b}; out, a, b of dtype `dtype`.
void where_kernel(const TensorIter& it, DType dtype);

// out = clamp(a, lo, hi) over {out, a}; at least one bound given, already
// checked to fit `dtype`. NaN in `a` propagates.
void clamp_scalar_kernel(const TensorIter& it, DType dtype, const std::optional<Scalar>& lo,
                         const std::optional<Scalar>& hi);
// out = clamp(a, lo, hi) over {out, a, lo, hi}; a NaN bound gives NaN.
void clamp_tensor_kernel(const TensorIter& it, DType dtype);

// out = mask ? value : a over {out, a, mask (bool)}; value fits `dtype`.
void masked_fill_kernel(const TensorIter& it, DType dtype, const Scalar& value);

// out (bool) = isclose(a, b) over {out, a, b} with torch.isclose's definition:
// a == b, or both NaN when equal_nan, or |a - b| finite and <= atol + rtol * |b|.
void isclose_kernel(const TensorIter& it, DType dtype, double rtol, double atol, bool equal_nan);

}  // namespace ember::kernels
