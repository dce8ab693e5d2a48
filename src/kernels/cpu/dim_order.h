#pragma once
// PyTorch's reorder_dimensions: the permutation of dims, fastest-moving first,
// that the operands' strides imply. Shared by TensorIter (iteration order) and
// by output allocation (so outputs follow their inputs' layout).
#include <cstdint>
#include <utility>

#include "ember/core/array_ref.h"

namespace ember::kernels {

// stride(t, d) gives operand t's stride along dim d (0 for a broadcast dim);
// operands whose strides say nothing about a pair of dims are skipped.
template <typename StrideFn>
DimVector fastest_first_order(IntArrayRef shape, int n_operands, const StrideFn& stride) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  DimVector perm(nd);
  for (int64_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  auto should_swap = [&](int64_t d0, int64_t d1) -> int {
    for (int t = 0; t < n_operands; ++t) {
      const int64_t s0 = stride(t, d0), s1 = stride(t, d1);
      if (s0 == 0 || s1 == 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
  };
  // insertion sort that tolerates "no opinion" comparisons, as PyTorch's
  for (int64_t i = 1; i < nd; ++i) {
    int64_t d1 = i;
    for (int64_t d0 = i - 1; d0 >= 0; --d0) {
      const int c = should_swap(perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  return perm;
}

}  // namespace ember::kernels
