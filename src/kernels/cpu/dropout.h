#pragma once
// Dropout in one pass each way, for dense CPU tensors: the forward draws the
// keep mask and scales the kept inputs together (the composed form wrote a
// noise tensor, divided it and multiplied: three passes and a float mask).
#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember::kernels {

// keep (bool) = Bernoulli(1 - p) in memory order, the numbers
// bernoulli_scalar_kernel(noise, 1 - p, gen) would draw for a tensor of this
// layout; out = x * (keep ? scale : 0), with scale = 1 / (1 - p) rounded to
// x's dtype as the composed form's noise is (1 - p rounded to the dtype, then
// divided), multiplied in x's opmath.
// out, keep and x: non-overlapping, dense, the same strides; 0 < p < 1.
void dropout_kernel(const Tensor& out, const Tensor& keep, const Tensor& x, double p,
                    Generator& gen);
// grad_input = grad * (keep ? scale : 0), the same rounding; all four with
// the same strides, dense, grad and grad_input of one floating dtype.
void dropout_backward_kernel(const Tensor& grad_input, const Tensor& grad, const Tensor& keep,
                             double p);

}  // namespace ember::kernels
