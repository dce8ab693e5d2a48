// sort, argsort, topk: argument checks and output layout, then
// kernels/cpu/sort.cpp. Autograd: SortBackward0, TopkBackward0 (the values
// are differentiable, the indices are not).
#include "kernels/cpu/sort.h"
#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"

namespace ember {

namespace {
Tensor as_1d(const Tensor& t) { return t.dim() == 0 ? t.as_strided({1}, {1}) : t; }

std::tuple<Tensor, Tensor> sort_impl(const Tensor& self, int64_t dim, bool descending) {
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

std::tuple<Tensor, Tensor> topk_impl(const Tensor& self, int64_t k, int64_t dim, bool largest,
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

// Records the values of a value-selecting op: their gradient goes back to the
// positions the indices name (PyTorch's value_selecting_reduction_backward).
std::tuple<Tensor, Tensor> record_selection(const char* name, const Tensor& self, int64_t dim,
                                            std::tuple<Tensor, Tensor> result) {
  auto& [values, indices] = result;
  const int64_t d = wrap_dim(dim, self.dim());
  auto node = autograd::make_node(
      name,
      [in = DimVector(self.sizes()), d](autograd::FormulaNodeBase& n, autograd::variable_list& g) {
        return autograd::variable_list{zeros(in, g[0].options()).scatter(d, n.saved(0), g[0])};
      },
      self);
  node->save(indices);
  autograd::set_history(values, node);
  return result;
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending, bool /*stable*/) {
  if (!autograd::grad_needed(self)) return sort_impl(self, dim, descending);
  return record_selection("SortBackward0", self, dim,
                          autograd::untracked([&] { return sort_impl(self, dim, descending); }));
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending, bool /*stable*/) {
  return std::get<1>(autograd::untracked([&] { return sort_impl(self, dim, descending); }));
}

std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                bool sorted) {
  if (!autograd::grad_needed(self)) return topk_impl(self, k, dim, largest, sorted);
  return record_selection("TopkBackward0", self, dim, autograd::untracked([&] {
                            return topk_impl(self, k, dim, largest, sorted);
                          }));
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
