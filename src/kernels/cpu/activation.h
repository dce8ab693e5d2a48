#pragma once
// Fused activation kernels: one pass forward (out = f(x)) and one pass backward
// (grad_in = f'(grad, x or result)), evaluated in opmath (float for Half,
// BFloat16 and float; double for double) and rounded once on store. The
// transcendental ones run in blocks through libmvec's AVX2 exp/log1p/tanh/erf.
#include <cstdint>

#include "ember/core/tensor.h"
#include "kernels/cpu/tensor_iter.h"

namespace ember::kernels {

enum class ActOp : int8_t {
  Gelu,      // exact (erf)
  GeluTanh,  // approximate='tanh'
  Silu,
  Mish,
  Elu,        // a = alpha, b = scale, c = input_scale
  LeakyRelu,  // a = negative_slope
  Hardtanh,   // a = min_val, b = max_val
  Hardsigmoid,
  Hardswish,
  Softplus,   // a = beta, b = threshold
  Threshold,  // a = threshold, b = value
  LogSigmoid,
  Softshrink,  // a = lambd
  Hardshrink,  // a = lambd
};

struct ActParams {
  double a = 0, b = 0, c = 0;
};

// out = op(x) over {out, x}, both of floating dtype `dtype`; `name` names the
// kernel in the TypeError for other dtypes.
void activation_kernel(ActOp op, const ActParams& p, const TensorIter& it, DType dtype,
                       const char* name);

// grad_in = d op / d x applied to grad, over {grad_in, grad, s}, where s is the
// input x, or the result when `from_result` (the in-place forms of Elu,
// LeakyRelu and Hardtanh save their result).
void activation_backward_kernel(ActOp op, const ActParams& p, bool from_result,
                                const TensorIter& it, DType dtype);

}  // namespace ember::kernels
