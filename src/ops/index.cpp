// index_select, gather, scatter, scatter_add, index_add, one_hot: argument
// checks with PyTorch's messages, then the loops in kernels/cpu/index.cpp.
// In-place ops check every argument and every index before writing anything.
// Autograd: IndexSelectBackward0, GatherBackward0, ScatterBackward0/1,
// ScatterAddBackward0, IndexAddBackward0 (out of place and in place).
#include "ember/ops/index.h"

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/index.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

// ensure_nonempty_dim / ensure_nonempty_size: a 0-dim tensor counts as [1].
int64_t ne_dim(const Tensor& t) { return t.dim() == 0 ? 1 : t.dim(); }
int64_t ne_size(const Tensor& t, int64_t d) { return t.dim() == 0 ? 1 : t.size(d); }
// A 0-dim tensor seen as [1] (same storage), for the loops.
Tensor as_1d(const Tensor& t) { return t.dim() == 0 ? t.as_strided({1}, {1}) : t; }

// PyTorch's assert_no_internal_overlap for the written-to tensor.
void check_no_internal_overlap(const Tensor& t) {
  EMBER_CHECK(!ops::has_internal_overlap(t), RuntimeError,
              "unsupported operation: more than one element of the written-to tensor refers to a "
              "single memory location. Please clone() the tensor before performing the operation.");
}

// PyTorch's assert_no_overlap: only decidable (and so only rejected) for dense tensors.
void check_no_overlap(const Tensor& out, const Tensor& in) {
  bool overlap = out.is_same(in);
  if (!overlap && out.is_non_overlapping_and_dense() && in.is_non_overlapping_and_dense())
    overlap = ops::may_overlap(out, in);
  EMBER_CHECK(!overlap, RuntimeError,
              "unsupported operation: some elements of the input tensor and the written-to tensor "
              "refer to a single memory location. Please clone() the tensor before performing the "
              "operation.");
}

// Sizes of t with dimension d set to 1: the walk shape of the indexed loops.
DimVector squashed(IntArrayRef sizes, int64_t d) {
  DimVector s(sizes);
  s[d] = 1;
  return s;
}

// Throws unless every index is in [0, size) (gather / scatter wording).
void check_gather_bounds(const Tensor& index, int64_t dim, int64_t size) {
  auto [mn, mx] = kernels::index_min_max(index);
  const int64_t bad = mx >= size ? mx : mn;
  EMBER_CHECK(mn >= 0 && mx < size, RuntimeError, "index ", bad, " is out of bounds for dimension ",
              dim, " with size ", size);
}

void gather_shape_check(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t self_dims = ne_dim(self);
  EMBER_CHECK(self_dims == ne_dim(index), RuntimeError,
              "Index tensor must have the same number of dimensions as input tensor");
  for (int64_t i = 0; i < self_dims; ++i) {
    if (i == dim) continue;
    EMBER_CHECK(ne_size(index, i) <= ne_size(self, i), RuntimeError,
                "Size does not match at dimension ", i, " expected index ", index.sizes(),
                " to be smaller than self ", self.sizes(), " apart from dimension ", dim);
  }
}

void scatter_shape_check(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  if (index.numel() == 0) return;
  EMBER_CHECK(ne_dim(self) == ne_dim(index), RuntimeError,
              "Index tensor must have the same number of dimensions as self tensor");
  const int64_t self_dims = ne_dim(self);
  bool wrong = false;
  for (int64_t d = 0; d < self_dims && !wrong; ++d)
    if (d != dim && ne_size(index, d) > ne_size(self, d)) wrong = true;
  if (!wrong && src)
    for (int64_t d = 0; d < self_dims && !wrong; ++d)
      if (ne_size(index, d) > ne_size(*src, d)) wrong = true;
  if (src) {
    EMBER_CHECK(!wrong, RuntimeError, "Expected index ", index.sizes(), " to be smaller than self ",
                self.sizes(), " apart from dimension ", dim, " and to be smaller size than src ",
                src->sizes());
  } else {
    EMBER_CHECK(!wrong, RuntimeError, "Expected index ", index.sizes(), " to be smaller than self ",
                self.sizes(), " apart from dimension ", dim);
  }
}

enum class ScatterMode { Copy, Fill, Add };

// The in-place core of scatter_, scatter_(value) and scatter_add_.
void scatter_impl(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src,
                  const Scalar& value, ScatterMode mode) {
  if (src)
    ops::check_same_device("scatter", {self, index, *src});
  else
    ops::check_same_device("scatter", {self, index});
  dim = wrap_dim(dim, self.dim());
  if (index.numel() != 0)
    EMBER_CHECK(index.dtype() == kInt64, RuntimeError, "scatter(): Expected dtype int64 for index");
  if (src)
    EMBER_CHECK(self.dtype() == src->dtype(), RuntimeError,
                "scatter(): Expected self.dtype to be equal to src.dtype");
  scatter_shape_check(self, dim, index, src);
  if (self.is_meta()) return;
  check_no_internal_overlap(self);
  check_no_overlap(self, index);
  if (src) check_no_overlap(self, *src);
  if (index.numel() == 0) return;
  check_gather_bounds(index, dim, ne_size(self, dim));

  const Tensor s1 = as_1d(self), i1 = as_1d(index);
  const DimVector shape = squashed(i1.sizes(), dim);
  const int64_t es = static_cast<int64_t>(self.element_size());
  kernels::IndexWalk w{i1.sizes()[dim], {0, i1.strides()[dim] * 8, 0}, s1.strides()[dim] * es};
  Tensor sv = s1.as_strided(shape, s1.strides());
  Tensor iv = i1.as_strided(shape, i1.strides());
  if (mode == ScatterMode::Fill) {
    kernels::scatter_fill_kernel({sv, iv}, w, value);
    return;
  }
  const Tensor r1 = as_1d(*src);
  w.dim_strides[2] = r1.strides()[dim] * es;
  Tensor rv = r1.as_strided(shape, r1.strides());
  if (mode == ScatterMode::Copy)
    kernels::scatter_kernel({sv, iv, rv}, w);
  else
    kernels::scatter_add_kernel({sv, iv, rv}, w, 1);
}

// A contiguous copy of self to scatter into (meta stays meta).
Tensor scatter_target(const Tensor& self) {
  if (self.is_meta()) return empty(self.sizes(), {.dtype = self.dtype(), .device = self.device()});
  return self.clone(MemoryFormat::Contiguous);
}

void index_add_impl(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                    const Scalar& alpha) {
  ops::check_same_device("index_add_()", {self, index, source});
  dim = wrap_dim(dim, self.dim());
  const int64_t numel = index.numel();
  EMBER_CHECK(index.dim() <= 1, IndexError,
              "index_add_(): Index is supposed to be a vector, but got dim: ", index.dim(),
              " with type: ", scalar_type_name(index.dtype()), " and size: ", index.sizes());
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, RuntimeError,
              "index_add_(): Expected dtype int32/int64 for index but got: ",
              scalar_type_name(index.dtype()));
  EMBER_CHECK(self.dtype() == source.dtype(), RuntimeError, "index_add_(): self (",
              scalar_type_name(self.dtype()), ") and source (", scalar_type_name(source.dtype()),
              ") must have the same scalar type");
  EMBER_CHECK(dim == 0 || dim < source.dim(), RuntimeError, "index_add_(): Indexing dim ", dim,
              " is out of bounds of the source tensor with dim ", source.dim());
  const int64_t src_n = source.dim() == 0 ? 1 : source.sizes()[dim];
  EMBER_CHECK(numel == src_n, RuntimeError, "index_add_(): Number of indices (", numel,
              ") should be equal to source.size(dim): (", src_n, "), for dim: ", dim);

  // The source slice (source without dim) must broadcast to the self slice.
  DimVector self_slice(self.sizes()), src_slice, src_slice_strides;
  if (self.dim() > 1) {
    self_slice.erase(dim);
    for (int64_t d = 0; d < source.dim(); ++d) {
      if (d == dim) continue;
      src_slice.push_back(source.sizes()[d]);
      src_slice_strides.push_back(source.strides()[d]);
    }
    DimVector b = ops::broadcast_shapes(self_slice, src_slice);
    EMBER_CHECK(b == self_slice, RuntimeError, "output with shape ", self_slice,
                " doesn't match the broadcast shape ", b);
  } else {
    EMBER_CHECK(source.dim() <= 1, RuntimeError, "source.dim() (", source.dim(),
                ") must one or zero for given self.dim() (", self.dim(), ")");
  }
  if (self.is_meta()) return;
  check_no_internal_overlap(self);
  check_no_overlap(self, index);
  check_no_overlap(self, source);
  if (numel > 0) {
    auto [mn, mx] = kernels::index_min_max(index);
    EMBER_CHECK(mn >= 0 && mx < ne_size(self, dim), IndexError, "index out of range in self");
  }
  if (numel == 0 || self.numel() == 0) return;

  const Tensor s1 = as_1d(self);
  const DimVector shape = squashed(s1.sizes(), dim);
  const int64_t nd = s1.dim();
  // Source strides over the walk shape: the slice expanded to the self slice
  // (stride 0 where it broadcasts), plus its own stride along dim.
  DimVector src_strides(nd, 0);
  const int64_t off =
      static_cast<int64_t>(self_slice.size()) - static_cast<int64_t>(src_slice.size());
  for (int64_t d = 0, j = 0; d < nd; ++d) {
    if (d == dim || self.dim() <= 1) continue;
    const int64_t k = j - off;  // slice position d maps to source slice position k
    if (k >= 0 && src_slice[k] == self_slice[j]) src_strides[d] = src_slice_strides[k];
    ++j;
  }
  const int64_t src_dim_stride = source.dim() == 0 ? 0 : source.strides()[dim];
  const int64_t idx_stride = index.dim() == 0 ? 0 : index.strides()[0];
  const int64_t es = static_cast<int64_t>(self.element_size());
  const kernels::IndexWalk w{
      numel,
      {0, idx_stride * static_cast<int64_t>(index.element_size()), src_dim_stride * es},
      s1.strides()[dim] * es};
  Tensor sv = s1.as_strided(shape, s1.strides());
  Tensor iv = index.as_strided(shape, DimVector(nd, 0));
  Tensor rv = source.as_strided(shape, src_strides);
  kernels::scatter_add_kernel({sv, iv, rv}, w, alpha);
}

Tensor index_select_impl(const Tensor& self, int64_t dim, const Tensor& index) {
  ops::check_same_device("index_select()", {self, index});
  dim = wrap_dim(dim, self.dim());
  EMBER_CHECK(index.dim() <= 1, IndexError, "index_select(): Index is supposed to be a vector");
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, RuntimeError,
              "index_select(): Expected dtype int32 or int64 for index");
  const int64_t numel = index.numel();
  DimVector shape(self.sizes());
  if (self.dim() > 0) shape[dim] = numel;
  Tensor out = empty(shape, {.dtype = self.dtype(), .device = self.device()});
  if (out.is_meta()) return out;
  if (numel > 0) {
    auto [mn, mx] = kernels::index_min_max(index);
    EMBER_CHECK(mn >= 0 && mx < ne_size(self, dim), IndexError, "index out of range in self");
  }
  if (out.numel() == 0) return out;
  // A 0-dim self with no index: PyTorch leaves the result uninitialised; we give 0.
  if (self.dim() == 0 && numel == 0) return out.zero_();

  const Tensor s1 = as_1d(self), o1 = as_1d(out);
  // A 0-dim self reads its one element for every index; the output stays 0-dim.
  const int64_t K = self.dim() == 0 ? 1 : numel;
  const DimVector wshape = squashed(o1.sizes(), dim);
  const int64_t es = static_cast<int64_t>(self.element_size());
  const int64_t idx_stride = index.dim() == 0 ? 0 : index.strides()[0];
  const kernels::IndexWalk w{
      K,
      {o1.strides()[dim] * es, idx_stride * static_cast<int64_t>(index.element_size()), 0},
      s1.strides()[dim] * es};
  kernels::gather_kernel(
      {o1.as_strided(wshape, o1.strides()), index.as_strided(wshape, DimVector(wshape.size(), 0)),
       s1.as_strided(wshape, s1.strides())},
      w);
  return out;
}

Tensor gather_impl(const Tensor& self, int64_t dim, const Tensor& index) {
  ops::check_same_device("gather()", {self, index});
  dim = wrap_dim(dim, self.dim());
  Tensor out = empty(index.sizes(), {.dtype = self.dtype(), .device = self.device()});
  if (index.numel() == 0) return out;
  EMBER_CHECK(index.dtype() == kInt64, RuntimeError, "gather(): Expected dtype int64 for index");
  gather_shape_check(self, dim, index);
  if (out.is_meta()) return out;
  check_gather_bounds(index, dim, ne_size(self, dim));

  const Tensor s1 = as_1d(self), i1 = as_1d(index), o1 = as_1d(out);
  const DimVector shape = squashed(i1.sizes(), dim);
  const int64_t es = static_cast<int64_t>(self.element_size());
  const kernels::IndexWalk w{
      i1.sizes()[dim], {o1.strides()[dim] * es, i1.strides()[dim] * 8, 0}, s1.strides()[dim] * es};
  kernels::gather_kernel({o1.as_strided(shape, o1.strides()), i1.as_strided(shape, i1.strides()),
                          s1.as_strided(shape, s1.strides())},
                         w);
  return out;
}

using autograd::FormulaNodeBase;
using autograd::variable_list;

// The gradients of the indexed ops, for (self, other) with the index saved
// first; a node with only a self edge uses the first.
variable_list scatter_grads(FormulaNodeBase& n, const variable_list& g, int64_t d) {
  Tensor index = n.saved(0);
  return {n.needs_input_grad(0) ? g[0].scatter(d, index, 0) : Tensor(),
          n.needs_input_grad(1) ? g[0].gather(d, index) : Tensor()};
}

variable_list scatter_add_grads(FormulaNodeBase& n, const variable_list& g, int64_t d) {
  return {n.needs_input_grad(0) ? g[0] : Tensor(),
          n.needs_input_grad(1) ? g[0].gather(d, n.saved(0)) : Tensor()};
}

// The source's gradient is its rows of g (summed down to its shape by the
// engine when the source broadcasts), times alpha. A 0-dim source gets the
// one selected element as 0-dim.
variable_list index_add_grads(FormulaNodeBase& n, const variable_list& g, int64_t d,
                              const Scalar& alpha, bool scalar_source) {
  Tensor gs;
  if (n.needs_input_grad(1)) {
    gs = g[0].index_select(d, n.saved(0));
    if (scalar_source) gs = gs.reshape({});
    if (alpha.to_double() != 1.0) gs = gs * alpha;
  }
  return {n.needs_input_grad(0) ? g[0] : Tensor(), gs};
}

// A node named `name` with edges to self (and other, when given), the index
// saved; `grads(n, g)` returns gradients for (self, other).
template <typename Grads>
std::shared_ptr<autograd::Node> index_node(const char* name, const Tensor& self,
                                           const Tensor* other, const Tensor& index, Grads grads) {
  auto fn = [grads](FormulaNodeBase& n, variable_list& g) {
    variable_list r = grads(n, g);
    r.resize(n.num_outputs());
    return r;
  };
  auto node =
      other ? autograd::make_node(name, fn, self, *other) : autograd::make_node(name, fn, self);
  node->save(index);
  return node;
}

// Out of place: out = impl(), recorded when self or other requires grad.
template <typename Impl, typename Grads>
Tensor record(const char* name, const Tensor& self, const Tensor* other, const Tensor& index,
              const Impl& impl, Grads grads) {
  const Tensor none;
  if (!autograd::grad_needed(self, other ? *other : none)) return impl();
  Tensor out = autograd::untracked(impl);
  if (!out.is_floating_point()) return out;
  autograd::set_history(out, index_node(name, self, other, index, std::move(grads)));
  return out;
}

// In place: impl() writes into self.
template <typename Impl, typename Grads>
Tensor& record_(const char* name, Tensor& self, const Tensor* other, const Tensor& index,
                const Impl& impl, Grads grads) {
  autograd::check_inplace(self, other ? *other : Tensor());
  const Tensor none;
  if (!autograd::grad_needed(self, other ? *other : none) || !self.is_floating_point()) {
    impl();
    autograd::finish_inplace(self);
    return self;
  }
  auto node = index_node(name, self, other, index, std::move(grads));
  autograd::untracked([&] {
    impl();
    return 0;
  });
  autograd::finish_inplace(self, node);
  return self;
}

}  // namespace

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  if (!autograd::grad_needed(self)) return index_select_impl(self, dim, index);
  Tensor out = autograd::untracked([&] { return index_select_impl(self, dim, index); });
  const int64_t d = wrap_dim(dim, self.dim());
  auto node = autograd::make_node(
      "IndexSelectBackward0",
      [in = DimVector(self.sizes()), d](FormulaNodeBase& n, variable_list& g) {
        return variable_list{zeros(in, g[0].options()).index_add(d, n.saved(0), g[0])};
      },
      self);
  node->save(index);
  autograd::set_history(out, node);
  return out;
}

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  if (!autograd::grad_needed(self)) return gather_impl(self, dim, index);
  Tensor out = autograd::untracked([&] { return gather_impl(self, dim, index); });
  const int64_t d = wrap_dim(dim, self.dim());
  auto node = autograd::make_node(
      "GatherBackward0",
      [in = DimVector(self.sizes()), d](FormulaNodeBase& n, variable_list& g) {
        return variable_list{zeros(in, g[0].options()).scatter_add(d, n.saved(0), g[0])};
      },
      self);
  node->save(index);
  autograd::set_history(out, node);
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, self.dim());
  return record(
      "ScatterBackward0", self, &src, index,
      [&] {
        ops::check_same_device("scatter", {self, index, src});
        Tensor out = scatter_target(self);
        scatter_impl(out, dim, index, &src, 0, ScatterMode::Copy);
        return out;
      },
      [d](FormulaNodeBase& n, const variable_list& g) { return scatter_grads(n, g, d); });
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  const int64_t d = wrap_dim(dim, self.dim());
  return record(
      "ScatterBackward1", self, nullptr, index,
      [&] {
        ops::check_same_device("scatter", {self, index});
        Tensor out = scatter_target(self);
        scatter_impl(out, dim, index, nullptr, value, ScatterMode::Fill);
        return out;
      },
      [d](FormulaNodeBase& n, const variable_list& g) { return scatter_grads(n, g, d); });
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, self.dim());
  return record(
      "ScatterAddBackward0", self, &src, index,
      [&] {
        ops::check_same_device("scatter_add", {self, index, src});
        Tensor out = scatter_target(self);
        scatter_impl(out, dim, index, &src, 0, ScatterMode::Add);
        return out;
      },
      [d](FormulaNodeBase& n, const variable_list& g) { return scatter_add_grads(n, g, d); });
}

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha) {
  const int64_t d = wrap_dim(dim, self.dim());
  return record(
      "IndexAddBackward0", self, &source, index,
      [&] {
        ops::check_same_device("index_add()", {self, index, source});
        Tensor out = scatter_target(self);
        index_add_impl(out, dim, index, source, alpha);
        return out;
      },
      [d, alpha, scalar = source.dim() == 0](FormulaNodeBase& n, const variable_list& g) {
        return index_add_grads(n, g, d, alpha, scalar);
      });
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  EMBER_CHECK(indices.dtype() == kInt64, RuntimeError,
              "one_hot is only applicable to index tensor.");
  DimVector shape(indices.sizes());
  const TensorOptions opt{.dtype = kInt64, .device = indices.device()};
  if (indices.is_meta()) {
    EMBER_CHECK(num_classes != -1, RuntimeError,
                "Can not infer total number of classes from meta tensor.");
    shape.push_back(num_classes);
    return empty(shape, opt);
  }
  if (indices.numel() == 0) {
    EMBER_CHECK(num_classes > 0, RuntimeError,
                "Can not infer total number of classes from empty tensor.");
    shape.push_back(num_classes);
    return empty(shape, opt);
  }
  auto [mn, mx] = kernels::index_min_max(indices);
  EMBER_CHECK(mn >= 0, RuntimeError, "Class values must be non-negative.");
  if (num_classes == -1)
    num_classes = mx + 1;
  else
    EMBER_CHECK(num_classes > mx, RuntimeError, "Class values must be smaller than num_classes.");
  shape.push_back(num_classes);
  Tensor out = zeros(shape, opt);
  kernels::one_hot_kernel(out, indices.contiguous(), num_classes);
  return out;
}

// ---- Tensor methods

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return ember::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return ember::gather(*this, dim, index);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value) const {
  return ember::scatter(*this, dim, index, value);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, this->dim());
  return record_(
      "ScatterBackward0", *this, &src, index,
      [&] { scatter_impl(*this, dim, index, &src, 0, ScatterMode::Copy); },
      [d](FormulaNodeBase& n, const variable_list& g) { return scatter_grads(n, g, d); });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value) {
  const int64_t d = wrap_dim(dim, this->dim());
  return record_(
      "ScatterBackward1", *this, nullptr, index,
      [&] { scatter_impl(*this, dim, index, nullptr, value, ScatterMode::Fill); },
      [d](FormulaNodeBase& n, const variable_list& g) { return scatter_grads(n, g, d); });
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter_add(*this, dim, index, src);
}
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, this->dim());
  return record_(
      "ScatterAddBackward0", *this, &src, index,
      [&] { scatter_impl(*this, dim, index, &src, 0, ScatterMode::Add); },
      [d](FormulaNodeBase& n, const variable_list& g) { return scatter_add_grads(n, g, d); });
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source,
                         const Scalar& alpha) const {
  return ember::index_add(*this, dim, index, source, alpha);
}
Tensor& Tensor::index_add_(int64_t dim, const Tensor& index, const Tensor& source,
                           const Scalar& alpha) {
  const int64_t d = wrap_dim(dim, this->dim());
  return record_(
      "IndexAddBackward0", *this, &source, index,
      [&] { index_add_impl(*this, dim, index, source, alpha); },
      [d, alpha, scalar = source.dim() == 0](FormulaNodeBase& n, const variable_list& g) {
        return index_add_grads(n, g, d, alpha, scalar);
      });
}

}  // namespace ember
