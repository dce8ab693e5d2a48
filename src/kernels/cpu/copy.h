#pragma once
// Copy with dtype conversion between two same-shaped strided tensors, and fill.
#include "ember/core/tensor.h"

namespace ember::kernels {

// dst and src have the same sizes (src may be a broadcast view); dtypes may differ.
void copy_kernel(const Tensor& dst, const Tensor& src);
void fill_kernel(const Tensor& dst, const Scalar& value);

}  // namespace ember::kernels
