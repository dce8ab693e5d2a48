#pragma once
// CPU sort and topk along one dimension. Any strides in and out; NaN orders
// above every number. Ties keep their original order (index tiebreak), so the
// sort is stable and deterministic.
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::kernels {

// values (self's dtype) and indices (int64) have self's sizes; self.dim() >= 1.
void sort_kernel(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim,
                 bool descending);
// values and indices have self's sizes with dim -> k (k >= 1); self.dim() >= 1.
void topk_kernel(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t k,
                 int64_t dim, bool largest, bool sorted);

}  // namespace ember::kernels
