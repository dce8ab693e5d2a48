// sort, argsort, topk: argument checks and output layout, then
// kernels/cpu/sort.cpp.
#include "kernels/cpu/sort.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"

namespace ember {

namespace {
Tensor as_1d(const Tensor& t) { return t.dim() == 0 ? t.as_strided({1}, {1}) : t; }
}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending, bool /*stable*/) {
  dim = wrap_dim(dim, self.dim());
  // As PyTorch: the outputs take self's strides when dense, else dense strides in
  // the same order.
  Tensor values = self.is_non_overlapping_and_dense()
                      ? empty_strided(self.sizes(), self.strides(),
                                      {.dtype = self.dtype(), .device = self.device()})
                      : ops::empty_following(self.sizes(), self.dtype(), {self});
  Tensor indices =
      empty_strided(self.sizes(), values.strides(), {.dtype = kInt64, .device = self.device()});
  if (self.is_meta() || self.numel() == 0) return {values, indices};
  kernels::sort_kernel(as_1d(self), as_1d(values), as_1d(indices), self.dim() == 0 ? 0 : dim,
                       descending);
  return {values, indices};
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending, bool stable) {
  return std::get<1>(sort(self, dim, descending, stable));
}

std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                bool sorted) {
  dim = wrap_dim(dim, self.dim());
  const int64_t n = self.dim() > 0 ? self.sizes()[dim] : 1;
  EMBER_CHECK(k >= 0 && k <= n, RuntimeError, "selected index k out of range");
  EMBER_CHECK(self.dtype() != kBool, TypeError, "\"topk_cpu\" not implemented for 'Bool'");
  DimVector shape(self.sizes());
  if (self.dim() > 0) shape[dim] = k;
  Tensor values = empty(shape, {.dtype = self.dtype(), .device = self.device()});
  Tensor indices = empty(shape, {.dtype = kInt64, .device = self.device()});
  if (self.is_meta() || values.numel() == 0) return {values, indices};
  kernels::topk_kernel(as_1d(self), as_1d(values), as_1d(indices), k, self.dim() == 0 ? 0 : dim,
                       largest, sorted);
  return {values, indices};
}

// ---- Tensor methods

std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}
std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending, bool stable) const {
  return ember::sort(*this, dim, descending, stable);
}
Tensor Tensor::argsort(int64_t dim, bool descending, bool stable) const {
  return ember::argsort(*this, dim, descending, stable);
}

}  // namespace ember
