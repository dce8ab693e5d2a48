// Views: every function here returns a tensor sharing storage with its input.
// Each view function is split in two: the geometry (a *_view helper that makes
// the view and records nothing) and the public op, which records PyTorch's
// backward node when its input requires grad. Views are made with grad mode as
// the caller has it (never under untracked), so that their creation meta tells
// check_inplace how they came to be.
#include <algorithm>
#include <numeric>

#include "autograd/record.h"
#include "ember/core/grad_mode.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  TensorImpl* b = base.impl();
  auto impl = std::make_shared<TensorImpl>(b->storage(), b->dtype(), sizes, strides, offset);
  // Views share the version counter and remember the root of their view chain,
  // so autograd sees in-place changes made through any of them.
  impl->set_version_counter(b->version_counter());
  const ViewCreationMeta meta = is_inference_mode_enabled() ? ViewCreationMeta::InferenceMode
                                : !is_grad_enabled()        ? ViewCreationMeta::NoGradMode
                                : b->is_view()              ? b->view_creation_meta()
                                                            : ViewCreationMeta::Default;
  impl->set_view_base(b->is_view() ? b->view_base() : base.impl_ptr(), meta);
  return Tensor(std::move(impl));
}

// Resolves one -1 in `shape` against numel, with PyTorch's messages.
DimVector infer_size(IntArrayRef shape, int64_t numel) {
  DimVector res(shape);
  int64_t newsize = 1;
  std::optional<size_t> infer;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(!infer, RuntimeError, "only one dimension can be inferred");
      infer = i;
    } else {
      EMBER_CHECK(shape[i] >= 0, RuntimeError, "invalid shape dimension ", shape[i]);
      newsize *= shape[i];
    }
  }
  if (numel == newsize || (infer && newsize > 0 && numel % newsize == 0)) {
    if (infer) {
      EMBER_CHECK(newsize != 0, RuntimeError, "cannot reshape tensor of 0 elements into shape ",
                  shape,
                  " because the unspecified dimension size -1 can be any value and is "
                  "ambiguous");
      res[*infer] = numel / newsize;
    }
    return res;
  }
  throw RuntimeError(detail::str_cat("shape '", shape, "' is invalid for input of size ", numel));
}

// PyTorch's computeStride: strides for viewing (oldshape, oldstride) as newshape
// without a copy, if possible.
std::optional<DimVector> compute_stride(IntArrayRef oldshape, IntArrayRef oldstride,
                                        IntArrayRef newshape) {
  if (oldshape.empty()) return DimVector(newshape.size(), 1);
  int64_t numel = 1;
  for (auto s : oldshape) numel *= s;
  if (numel == 0 && oldshape == newshape) return DimVector(oldstride);
  DimVector newstride(newshape.size());
  if (numel == 0) {
    for (int64_t d = static_cast<int64_t>(newshape.size()) - 1; d >= 0; --d) {
      if (d == static_cast<int64_t>(newshape.size()) - 1)
        newstride[d] = 1;
      else
        newstride[d] = std::max<int64_t>(newshape[d + 1], 1) * newstride[d + 1];
    }
    return newstride;
  }
  int64_t view_d = static_cast<int64_t>(newshape.size()) - 1;
  int64_t chunk_base_stride = oldstride.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(oldshape.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= oldshape[tensor_d];
    if (tensor_d == 0 || (oldshape[tensor_d - 1] != 1 &&
                          oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || newshape[view_d] == 1)) {
        newstride[view_d] = view_numel * chunk_base_stride;
        view_numel *= newshape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = oldstride[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return newstride;
}

using autograd::FormulaNodeBase;
using autograd::variable_list;

// Records `out`, a view of self made by a view function, with a one-input node.
template <typename F>
Tensor record_view(const Tensor& self, Tensor out, const char* name, F fn) {
  if (!autograd::grad_needed(self)) return out;
  auto node = autograd::make_node(name, std::move(fn), self);
  autograd::set_history(out, node);
  return out;
}

// A tensor sharing t's storage and geometry that is not a view (PyTorch's
// _unsafe_view, and stack's result): autograd treats it as a fresh tensor.
Tensor plain_alias(const Tensor& t, IntArrayRef sizes, IntArrayRef strides) {
  TensorImpl* i = t.impl();
  return Tensor(
      std::make_shared<TensorImpl>(i->storage(), i->dtype(), sizes, strides, i->storage_offset()));
}

// ---- the geometry of each view (no autograd)

Tensor view_view(const Tensor& self, IntArrayRef sz) {
  auto st = compute_stride(self.sizes(), self.strides(), sz);
  EMBER_CHECK(st.has_value(), RuntimeError,
              "view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  return make_view(self, sz, *st, self.storage_offset());
}

// Drops the listed (wrapped) dims of size 1.
Tensor squeeze_view(const Tensor& self, const std::vector<bool>& listed) {
  DimVector sz, st;
  for (int64_t i = 0; i < self.dim(); ++i) {
    if (listed[i] && self.sizes()[i] == 1) continue;
    sz.push_back(self.sizes()[i]);
    st.push_back(self.strides()[i]);
  }
  return make_view(self, sz, st, self.storage_offset());
}

Tensor unsqueeze_view(const Tensor& self, int64_t d) {
  DimVector sz(self.sizes()), st(self.strides());
  const int64_t new_stride = d >= self.dim() ? 1 : sz[d] * st[d];
  sz.insert(d, 1);
  st.insert(d, new_stride);
  return make_view(self, sz, st, self.storage_offset());
}

Tensor transpose_view(const Tensor& self, int64_t d0, int64_t d1) {
  DimVector sz(self.sizes()), st(self.strides());
  if (self.dim() > 0) {
    std::swap(sz[d0], sz[d1]);
    std::swap(st[d0], st[d1]);
  }
  return make_view(self, sz, st, self.storage_offset());
}

// d wrapped; start, end already resolved to [0, size].
Tensor slice_view(const Tensor& self, int64_t d, int64_t start, int64_t end, int64_t step) {
  DimVector sz(self.sizes()), st(self.strides());
  sz[d] = (end - start + step - 1) / step;
  st[d] = self.strides()[d] * step;
  return make_view(self, sz, st, self.storage_offset() + start * self.strides()[d]);
}

// d wrapped, index in [0, size).
Tensor select_view(const Tensor& self, int64_t d, int64_t index) {
  DimVector sz(self.sizes()), st(self.strides());
  const int64_t off = self.storage_offset() + index * self.strides()[d];
  sz.erase(d);
  st.erase(d);
  return make_view(self, sz, st, off);
}

// ---- gradients of views, written with public ops so that they are
// themselves differentiable (create_graph).

// zeros of `sizes` whose `part` (a view of it) holds g: the adjoint of taking that view.
template <typename Part>
Tensor scatter_into_zeros(const Tensor& g, IntArrayRef sizes, Part part) {
  Tensor r = zeros(sizes, g.options());
  part(r).copy_(g);
  return r;
}

// Reinserts the size-1 dims that squeeze removed (PyTorch's unsqueeze_to).
Tensor unsqueeze_to(Tensor g, IntArrayRef sizes, const std::vector<bool>& listed) {
  for (int64_t i = 0; i < static_cast<int64_t>(sizes.size()); ++i)
    if (listed[i] && sizes[i] == 1) g = g.unsqueeze(i);
  return g;
}

// PyTorch's _maybe_overlapping_memory: whether a (sizes, strides) geometry may
// map two elements to one memory location.
bool maybe_overlapping(IntArrayRef sizes, IntArrayRef strides) {
  std::vector<size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return strides[a] < strides[b]; });
  int64_t max_index_in_slice = 0;
  for (auto i : order) {
    if (strides[i] <= max_index_in_slice) return true;
    max_index_in_slice += strides[i] * (sizes[i] - 1);
  }
  return false;
}

int64_t min_storage_size(IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  int64_t n = offset + 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return offset;
    n += (sizes[i] - 1) * strides[i];
  }
  return n;
}

// Gradient of self.as_strided(sizes, strides, offset) w.r.t. self (whose
// geometry is `in`): PyTorch's as_strided_backward. The gradient is scattered
// into a tensor standing for the shared storage (summing where the output
// overlaps itself), then read back with the input's geometry (averaging where
// the input overlaps itself).
Tensor as_strided_grad(Tensor g, const autograd::Geometry& in, IntArrayRef sizes,
                       IntArrayRef strides, int64_t offset) {
  DimVector out_sizes, out_strides;
  for (int64_t i = g.dim() - 1; i >= 0; --i) {
    if (sizes[i] == 0) return zeros(in.sizes, g.options());
    if (sizes[i] == 1) {
      g = g.squeeze(i);
    } else if (strides[i] == 0) {
      const int64_t d[1] = {i};
      g = g.sum(IntArrayRef(d, 1));
    } else {
      out_sizes.insert(0, sizes[i]);
      out_strides.insert(0, strides[i]);
    }
  }
  DimVector in_sizes, in_strides;
  for (size_t i = 0; i < in.sizes.size(); ++i) {
    if (in.sizes[i] == 0) return zeros(in.sizes, g.options());
    if (in.sizes[i] != 1) {
      in_sizes.push_back(in.sizes[i]);
      in_strides.push_back(in.strides[i]);
    }
  }
  const bool out_overlap = maybe_overlapping(out_sizes, out_strides);
  const bool in_overlap = maybe_overlapping(in_sizes, in_strides);
  const int64_t shared = std::min(in.offset, offset);
  const int64_t in_off = in.offset - shared, out_off = offset - shared;
  const int64_t n = std::max(min_storage_size(in_sizes, in_strides, in_off),
                             min_storage_size(out_sizes, out_strides, out_off));
  Tensor storage = zeros({n}, g.options());
  Tensor positions;
  if (out_overlap || in_overlap) positions = arange(n, {.dtype = kInt64, .device = g.device()});
  if (out_overlap) {
    Tensor at = positions.as_strided(out_sizes, out_strides, out_off).reshape({-1});
    storage.index_add_(0, at, g.reshape({-1}));
  } else {
    storage.as_strided(out_sizes, out_strides, out_off).copy_(g);
  }
  if (in_overlap) {
    Tensor at = positions.as_strided(in_sizes, in_strides, in_off).reshape({-1});
    Tensor count = zeros({n}, g.options());
    count.index_add_(0, at, ones({1}, g.options()).expand(at.sizes()));
    storage = storage / count;  // NaN where the input never reads
  }
  return storage.as_strided(in.sizes, in.strides, in_off);
}

// One node for the several views a split/unbind returns: the gradient of the
// input is the outputs' gradients (zeros where none flowed) put back together.
// The outputs are marked as such even without history (as PyTorch's creation
// meta): modifying one in place stays an error once the base gets history.
std::vector<Tensor> record_multi(const Tensor& self, std::vector<Tensor> outs, const char* name,
                                 int64_t d, bool stacked) {
  autograd::mark_multiple_views(outs);
  if (!autograd::grad_needed(self) || outs.empty()) return outs;
  std::vector<DimVector> shapes;
  for (const auto& o : outs) shapes.emplace_back(o.sizes());
  auto node = autograd::make_node(
      name,
      [shapes, d, stacked](FormulaNodeBase&, variable_list& g) {
        TensorOptions opt;
        for (const auto& t : g)
          if (t.defined()) opt = t.options();
        std::vector<Tensor> parts;
        for (size_t i = 0; i < shapes.size(); ++i)
          parts.push_back(g[i].defined() ? g[i] : zeros(shapes[i], opt));
        return variable_list{stacked ? stack(parts, d) : cat(parts, d)};
      },
      self);
  for (const auto& o : outs) autograd::set_history(o, node);
  return outs;
}

Tensor alias(const Tensor& self) {
  return record_view(self, make_view(self, self.sizes(), self.strides(), self.storage_offset()),
                     "AliasBackward0",
                     [](FormulaNodeBase&, variable_list& g) { return variable_list{g[0]}; });
}

std::vector<Tensor> split_views(const Tensor& self, IntArrayRef split_sizes, int64_t d) {
  std::vector<Tensor> out;
  int64_t start = 0;
  for (auto s : split_sizes) {
    out.push_back(slice_view(self, d, start, start + s, 1));
    start += s;
  }
  return out;
}

}  // namespace

Tensor Tensor::view(IntArrayRef shape) const {
  Tensor out = view_view(*this, infer_size(shape, numel()));
  return record_view(*this, out, "ViewBackward0",
                     [sz = DimVector(sizes())](FormulaNodeBase&, variable_list& g) {
                       return variable_list{g[0].reshape(sz)};
                     });
}

Tensor Tensor::view_as(const Tensor& other) const { return view(other.sizes()); }

Tensor Tensor::reshape(IntArrayRef shape) const {
  DimVector sz = infer_size(shape, numel());
  if (auto st = compute_stride(sizes(), strides(), sz)) {
    return record_view(*this, make_view(*this, sz, *st, storage_offset()), "ReshapeAliasBackward0",
                       [in = DimVector(sizes())](FormulaNodeBase&, variable_list& g) {
                         return variable_list{g[0].reshape(in)};
                       });
  }
  // As PyTorch: a contiguous clone (CloneBackward0), then _unsafe_view of it,
  // which is not a view for autograd (UnsafeViewBackward0).
  Tensor c = clone(MemoryFormat::Contiguous);
  Tensor out = plain_alias(c, sz, *compute_stride(c.sizes(), c.strides(), sz));
  if (!autograd::grad_needed(c)) return out;
  auto node = autograd::make_node(
      "UnsafeViewBackward0",
      [in = DimVector(c.sizes())](FormulaNodeBase&, variable_list& g) {
        return variable_list{g[0].reshape(in)};
      },
      c);
  autograd::set_history(out, node);
  return out;
}

Tensor Tensor::reshape_as(const Tensor& other) const { return reshape(other.sizes()); }

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  const int64_t nd = dim();
  start_dim = wrap_dim(start_dim, nd);
  end_dim = wrap_dim(end_dim, nd);
  EMBER_CHECK(start_dim <= end_dim, RuntimeError,
              "flatten() has invalid args: start_dim cannot come after end_dim");
  if (nd == 0) return reshape({1});
  if (start_dim == end_dim) return *this;
  DimVector shape;
  for (int64_t i = 0; i < start_dim; ++i) shape.push_back(sizes()[i]);
  int64_t m = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) m *= sizes()[i];
  shape.push_back(m);
  for (int64_t i = end_dim + 1; i < nd; ++i) shape.push_back(sizes()[i]);
  return reshape(shape);
}

Tensor Tensor::unflatten(int64_t d, IntArrayRef new_sizes) const {
  d = wrap_dim(d, dim(), /*wrap_scalar=*/false);
  EMBER_CHECK(!new_sizes.empty(), RuntimeError, "unflatten: sizes must be non-empty");
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < new_sizes.size(); ++i) {
    if (new_sizes[i] == -1) {
      EMBER_CHECK(infer < 0, RuntimeError, "only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else {
      known *= new_sizes[i];
    }
  }
  DimVector ns(new_sizes);
  if (infer >= 0 && known != 0 && sizes()[d] % known == 0) ns[infer] = sizes()[d] / known;
  int64_t prod = 1;
  for (auto s : ns) prod *= s;
  EMBER_CHECK(prod == sizes()[d], RuntimeError, "unflatten: Provided sizes ", new_sizes,
              " don't multiply up to the size of dim ", d, " (", sizes()[d],
              ") in the input tensor");
  DimVector shape;
  for (int64_t i = 0; i < d; ++i) shape.push_back(sizes()[i]);
  for (auto s : ns) shape.push_back(s);
  for (int64_t i = d + 1; i < dim(); ++i) shape.push_back(sizes()[i]);
  return view(shape);
}

namespace {

// squeeze(), squeeze(dim), squeeze(dims): PyTorch's SqueezeBackward0/1/2.
Tensor squeeze_rec(const Tensor& self, std::vector<bool> listed, const char* name) {
  return record_view(self, squeeze_view(self, listed), name,
                     [in = DimVector(self.sizes()), listed](FormulaNodeBase&, variable_list& g) {
                       return variable_list{unsqueeze_to(g[0], in, listed)};
                     });
}

}  // namespace

Tensor Tensor::squeeze() const {
  return squeeze_rec(*this, std::vector<bool>(dim(), true), "SqueezeBackward0");
}

Tensor Tensor::squeeze(int64_t d) const {
  std::vector<bool> listed(dim(), false);
  const int64_t w = wrap_dim(d, dim());
  if (dim() > 0) listed[w] = true;
  return squeeze_rec(*this, std::move(listed), "SqueezeBackward1");
}

Tensor Tensor::squeeze(IntArrayRef dims) const {
  std::vector<bool> listed(dim(), false);
  for (auto w : ops::wrap_dims(dims, dim(), false))
    if (dim() > 0) listed[w] = true;
  return squeeze_rec(*this, std::move(listed), "SqueezeBackward2");
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1);
  return record_view(
      *this, unsqueeze_view(*this, d), "UnsqueezeBackward0",
      [d](FormulaNodeBase&, variable_list& g) { return variable_list{g[0].squeeze(d)}; });
}

Tensor Tensor::permute(IntArrayRef dims) const {
  const int64_t nd = dim();
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == nd, RuntimeError,
              "permute(sparse_coo): number of dimensions in the tensor input does not match the "
              "length of the desired ordering of dimensions i.e. input.dim() = ",
              nd, " is not equal to len(dims) = ", dims.size());
  DimVector sz(nd), st(nd), inverse(nd);
  std::vector<bool> seen(nd, false);
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t d = wrap_dim(dims[i], nd);
    EMBER_CHECK(!seen[d], RuntimeError, "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sz[i] = sizes()[d];
    st[i] = strides()[d];
    inverse[d] = i;
  }
  return record_view(*this, make_view(*this, sz, st, storage_offset()), "PermuteBackward0",
                     [inverse](FormulaNodeBase&, variable_list& g) {
                       return variable_list{g[0].permute(inverse)};
                     });
}

Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  const int64_t nd = dim();
  source = wrap_dim(source, nd);
  destination = wrap_dim(destination, nd);
  if (nd == 0) return alias(*this);
  DimVector order;
  for (int64_t i = 0; i < nd; ++i)
    if (i != source) order.push_back(i);
  order.insert(destination, source);
  return permute(order);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  const int64_t nd = dim();
  d0 = wrap_dim(d0, nd);
  d1 = wrap_dim(d1, nd);
  return record_view(*this, transpose_view(*this, d0, d1), "TransposeBackward0",
                     [d0, d1](FormulaNodeBase&, variable_list& g) {
                       return variable_list{g[0].transpose(d0, d1)};
                     });
}

Tensor Tensor::t() const {
  EMBER_CHECK(dim() <= 2, RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is ",
              dim(), "D");
  return record_view(*this, transpose_view(*this, 0, dim() < 2 ? 0 : 1), "TBackward0",
                     [](FormulaNodeBase&, variable_list& g) { return variable_list{g[0].t()}; });
}

Tensor Tensor::mT() const {
  EMBER_CHECK(dim() >= 2, RuntimeError,
              "tensor.mT is only supported on matrices or batches of matrices. Got ", dim(),
              "-D tensor.");
  return transpose(-2, -1);
}

Tensor Tensor::expand(IntArrayRef target) const {
  const int64_t nd = dim();
  const int64_t nt = static_cast<int64_t>(target.size());
  EMBER_CHECK(nt >= nd, RuntimeError, "expand(", ops::legacy_type_name(dtype(), device()), "{",
              sizes(), "}, size=", target, "): the number of sizes provided (", nt,
              ") must be greater or equal to the number of dimensions in the tensor (", nd, ")");
  DimVector sz(nt), st(nt);
  for (int64_t i = nt - 1; i >= 0; --i) {
    const int64_t offset = nt - 1 - i;
    const int64_t d = nd - 1 - offset;
    const int64_t size = d >= 0 ? sizes()[d] : 1;
    // A 0-dim tensor expands with all-zero strides (PyTorch's inferExpandGeometry).
    const int64_t stride =
        d >= 0 ? strides()[d] : (nd == 0 ? 0 : (i + 1 < nt ? sz[i + 1] * st[i + 1] : 1));
    int64_t want = target[i];
    if (want == -1) {
      EMBER_CHECK(d >= 0, RuntimeError,
                  "The expanded size of the tensor (-1) isn't allowed in a "
                  "leading, non-existing dimension ",
                  i);
      want = size;
    }
    if (size == want) {
      sz[i] = size;
      st[i] = stride;
    } else {
      EMBER_CHECK(size == 1, RuntimeError, "The expanded size of the tensor (", want,
                  ") must match the existing size (", size, ") at non-singleton dimension ", i,
                  ".  Target sizes: ", target, ".  Tensor sizes: ", sizes());
      EMBER_CHECK(want >= 0, RuntimeError, "The expanded size of the tensor (", want,
                  ") isn't allowed");
      sz[i] = want;
      st[i] = 0;
    }
  }
  return record_view(*this, make_view(*this, sz, st, storage_offset()), "ExpandBackward0",
                     [in = DimVector(sizes())](FormulaNodeBase&, variable_list& g) {
                       return variable_list{autograd::sum_to(g[0], in)};
                     });
}

Tensor Tensor::expand_as(const Tensor& other) const { return expand(other.sizes()); }

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  EMBER_CHECK(dim() > 0, RuntimeError, "narrow() cannot be applied to a 0-dim tensor.");
  d = wrap_dim(d, dim());
  const int64_t cur = sizes()[d];
  EMBER_CHECK(length >= 0, RuntimeError, "narrow(): length must be non-negative.");
  EMBER_CHECK(start >= -cur && start <= cur, IndexError,
              "start out of range (expected to be in range of [", -cur, ", ", cur, "], but got ",
              start, ")");
  if (start < 0) start += cur;
  EMBER_CHECK(start <= cur - length, RuntimeError, "start (", start, ") + length (", length,
              ") exceeds dimension size (", cur, ").");
  return slice(d, start, start + length, 1);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  EMBER_CHECK(dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor.");
  d = wrap_dim(d, dim());
  const int64_t size = sizes()[d];
  EMBER_CHECK(index >= -size && index < size, IndexError, "select(): index ", index,
              " out of range for tensor of size ", sizes(), " at dimension ", d);
  if (index < 0) index += size;
  return record_view(*this, select_view(*this, d, index), "SelectBackward0",
                     [in = DimVector(sizes()), d, index](FormulaNodeBase&, variable_list& g) {
                       return variable_list{scatter_into_zeros(
                           g[0], in, [&](const Tensor& r) { return r.select(d, index); })};
                     });
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start_opt, std::optional<int64_t> end_opt,
                     int64_t step) const {
  EMBER_CHECK(dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor.");
  d = wrap_dim(d, dim());
  EMBER_CHECK(step > 0, RuntimeError, "slice step must be positive");
  const int64_t size = sizes()[d];
  int64_t start = start_opt.value_or(0), end = end_opt.value_or(size);
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  return record_view(
      *this, slice_view(*this, d, start, end, step), "SliceBackward0",
      [in = DimVector(sizes()), d, start, end, step](FormulaNodeBase&, variable_list& g) {
        return variable_list{scatter_into_zeros(
            g[0], in, [&](const Tensor& r) { return r.slice(d, start, end, step); })};
      });
}

Tensor Tensor::as_strided(IntArrayRef sz, IntArrayRef st, std::optional<int64_t> off_opt) const {
  EMBER_CHECK(sz.size() == st.size(), RuntimeError, "mismatch in length of strides and shape");
  const int64_t off = off_opt.value_or(storage_offset());
  EMBER_CHECK(off >= 0, RuntimeError, "Tensor: invalid storage offset ", off);
  int64_t max_index = off;
  bool empty_t = false;
  for (size_t i = 0; i < sz.size(); ++i) {
    EMBER_CHECK(sz[i] >= 0, RuntimeError, "Trying to create tensor with negative dimension ",
                sz[i]);
    EMBER_CHECK(st[i] >= 0, RuntimeError,
                "as_strided: Negative strides are not supported at the "
                "moment, got strides: ",
                st);
    if (sz[i] == 0) empty_t = true;
    max_index += (sz[i] - 1) * st[i];
  }
  if (!empty_t) {
    const int64_t need = (max_index + 1) * static_cast<int64_t>(element_size());
    EMBER_CHECK(need <= static_cast<int64_t>(storage()->nbytes()), RuntimeError,
                "setStorage: sizes ", sz, ", strides ", st, ", storage offset ", off,
                ", and itemsize ", element_size(), " requiring a storage size of ", need,
                " are out of bounds for storage of size ", storage()->nbytes());
  }
  return record_view(*this, make_view(*this, sz, st, off), "AsStridedBackward0",
                     [in = autograd::Geometry::of(*this), osz = DimVector(sz), ost = DimVector(st),
                      off](FormulaNodeBase&, variable_list& g) {
                       return variable_list{as_strided_grad(g[0], in, osz, ost, off)};
                     });
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
  EMBER_CHECK(dim() > 0, RuntimeError, "split expects at least a 1-dimensional tensor");
  d = wrap_dim(d, dim());
  EMBER_CHECK(split_size >= 0, RuntimeError,
              "split expects split_size be non-negative, but got split_size=", split_size);
  const int64_t size = sizes()[d];
  EMBER_CHECK(split_size > 0 || size == 0, RuntimeError,
              "split_size can only be 0 if dimension "
              "size is 0, but got dimension size of ",
              size);
  // A size-0 dim splits into one empty piece (PyTorch keeps at least one split).
  DimVector pieces;
  if (size == 0) pieces.push_back(0);
  for (int64_t s = 0; s < size; s += split_size) pieces.push_back(std::min(split_size, size - s));
  return record_multi(*this, split_views(*this, pieces, d), "SplitBackward0", d, false);
}

std::vector<Tensor> Tensor::split(IntArrayRef split_sizes, int64_t d) const {
  return split_with_sizes(split_sizes, d);
}

std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef split_sizes, int64_t d) const {
  EMBER_CHECK(dim() > 0, RuntimeError, "split expects at least a 1-dimensional tensor");
  d = wrap_dim(d, dim());
  const int64_t size = sizes()[d];
  int64_t total = 0;
  for (auto s : split_sizes) {
    EMBER_CHECK(s >= 0, RuntimeError,
                "split_with_sizes expects split_sizes have only non-negative "
                "entries, but got split_sizes=",
                split_sizes);
    total += s;
  }
  EMBER_CHECK(total == size, RuntimeError,
              "split_with_sizes expects split_sizes to sum exactly to ", size,
              " (input tensor's size at dimension ", d, "), but got split_sizes=", split_sizes);
  return record_multi(*this, split_views(*this, split_sizes, d), "SplitWithSizesBackward0", d,
                      false);
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
  EMBER_CHECK(dim() > 0, RuntimeError, "chunk expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, RuntimeError,
              "chunk expects `chunks` to be greater than 0, got: ", chunks);
  d = wrap_dim(d, dim());
  const int64_t size = sizes()[d];
  const int64_t split_size = (size + chunks - 1) / chunks;
  if (split_size == 0 && size == 0) {
    std::vector<int64_t> sizes_list(chunks, 0);
    return split_with_sizes(sizes_list, d);
  }
  return split(split_size, d);
}

std::vector<Tensor> Tensor::unbind(int64_t d) const {
  EMBER_CHECK(dim() > 0, IndexError, "Dimension specified as 0 but tensor has no dimensions");
  d = wrap_dim(d, dim());
  std::vector<Tensor> out;
  out.reserve(sizes()[d]);
  for (int64_t i = 0; i < sizes()[d]; ++i) out.push_back(select_view(*this, d, i));
  return record_multi(*this, std::move(out), "UnbindBackward0", d, true);
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1_in, int64_t dim2_in) const {
  const int64_t nd = dim();
  const int64_t dim1 = wrap_dim(dim1_in, nd);
  const int64_t dim2 = wrap_dim(dim2_in, nd);
  EMBER_CHECK(dim1 != dim2, RuntimeError, "diagonal dimensions cannot be identical ", dim1_in, ", ",
              dim2_in);
  int64_t diag_size;
  int64_t off = storage_offset();
  if (offset >= 0) {
    diag_size = std::max<int64_t>(std::min(sizes()[dim1], sizes()[dim2] - offset), 0);
  } else {
    diag_size = std::max<int64_t>(std::min(sizes()[dim1] + offset, sizes()[dim2]), 0);
  }
  if (diag_size > 0) off += offset >= 0 ? offset * strides()[dim2] : -offset * strides()[dim1];
  DimVector sz, st;
  for (int64_t i = 0; i < nd; ++i)
    if (i != dim1 && i != dim2) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  sz.push_back(diag_size);
  st.push_back(strides()[dim1] + strides()[dim2]);
  return record_view(
      *this, make_view(*this, sz, st, off), "DiagonalBackward0",
      [in = DimVector(sizes()), offset, dim1, dim2](FormulaNodeBase&, variable_list& g) {
        return variable_list{scatter_into_zeros(
            g[0], in, [&](const Tensor& r) { return r.diagonal(offset, dim1, dim2); })};
      });
}

Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const {
  return index(ArrayRef<TensorIndex>(indices));
}

// A composite of the recorded select / slice / unsqueeze, as PyTorch's
// indexing; an index that changes nothing (x[...]) gives an alias.
Tensor Tensor::index(ArrayRef<TensorIndex> indices) const {
  int64_t consumed = 0, ellipses = 0;
  for (const auto& ix : indices) {
    if (ix.kind() == TensorIndex::Kind::Int || ix.kind() == TensorIndex::Kind::Slice) ++consumed;
    if (ix.kind() == TensorIndex::Kind::Ellipsis) ++ellipses;
  }
  EMBER_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...')");
  if (dim() == 0 && indices.size() == 1 && indices[0].kind() == TensorIndex::Kind::Int)
    throw IndexError(
        "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
        "C++ to convert a 0-dim tensor to a number");
  EMBER_CHECK(consumed <= dim(), IndexError, "too many indices for tensor of dimension ", dim());
  Tensor r = *this;
  int64_t d = 0;
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    const TensorIndex& ix = indices[pos];
    switch (ix.kind()) {
      case TensorIndex::Kind::Int: {
        // Python indexing words the range error differently from select(), naming the
        // position in the index expression as the dimension.
        const int64_t size = r.sizes()[d], i = ix.integer();
        EMBER_CHECK(i >= -size && i < size, IndexError, "index ", i,
                    " is out of bounds for dimension ", pos, " with size ", size);
        r = r.select(d, i);
        break;
      }
      case TensorIndex::Kind::Slice: {
        const int64_t step = ix.slice().step;
        EMBER_CHECK(step != 0, ValueError, "slice step cannot be zero");
        EMBER_CHECK(step > 0, ValueError, "step must be greater than zero");
        r = r.slice(d, ix.slice().start, ix.slice().stop, step);
        ++d;
        break;
      }
      case TensorIndex::Kind::None:
        r = r.unsqueeze(d);
        ++d;
        break;
      case TensorIndex::Kind::Ellipsis:
        d += dim() - consumed;
        break;
    }
  }
  return r.is_same(*this) ? alias(*this) : r;
}

}  // namespace ember
