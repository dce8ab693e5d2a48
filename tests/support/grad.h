#pragma once
// Inputs for the autograd tests: seeded random float64 tensors, as gradcheck wants.
#include <initializer_list>

#include "ember/ember.h"

namespace ember::testing {

inline Tensor dvalues(IntArrayRef shape, uint64_t seed) {
  Generator g(seed);
  return randn(shape, {.dtype = kFloat64}, &g);
}
// A float64 leaf that requires grad.
inline Tensor dinput(IntArrayRef shape, uint64_t seed) {
  return dvalues(shape, seed).requires_grad_();
}
// A (rows x cols) leaf stored column by column (a non-contiguous input).
inline Tensor transposed_leaf(int64_t rows, int64_t cols, uint64_t seed) {
  return dvalues({cols, rows}, seed).t().detach().requires_grad_();
}
inline Tensor d(std::initializer_list<double> v) { return tensor(v, {.dtype = kFloat64}); }
// A float64 leaf of distinct values in [0, 1) (no ties, so max-pool gradients
// are well defined), stored in memory format `fmt`.
inline Tensor distinct_leaf(IntArrayRef shape, MemoryFormat fmt = kContiguous) {
  int64_t n = 1;
  for (auto v : shape) n *= v;
  Generator g(7);
  Tensor t = (randperm(n, {.dtype = kFloat64}, &g) / double(n)).view(shape);
  if (fmt != kContiguous) t = t.contiguous(fmt);
  return t.requires_grad_();
}

}  // namespace ember::testing
