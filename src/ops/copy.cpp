// copy_, to, clone, contiguous, fill_, item, resize_, with their autograd
// nodes (CopyBackwards, ToCopyBackward0, CloneBackward0, FillBackward2/3,
// ZeroBackward0). detach lives in autograd/tensor_autograd.cpp.
#include <cstring>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/convert.h"
#include "kernels/cpu/copy.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

enum class Overlap { No, Full, Partial, TooHard };

// PyTorch's get_overlap_status, refined: two non-dense tensors whose byte ranges do not
// intersect do not overlap.
Overlap overlap_status(const Tensor& a, const Tensor& b) {
  if (a.is_same(b)) return Overlap::Full;
  if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return Overlap::No;
  auto [alo, ahi] = ops::byte_span(a);
  auto [blo, bhi] = ops::byte_span(b);
  if (!(alo < bhi && blo < ahi)) return Overlap::No;
  if (!a.is_non_overlapping_and_dense() || !b.is_non_overlapping_and_dense())
    return Overlap::TooHard;
  if (alo == blo && ahi == bhi)
    return a.strides() == b.strides() ? Overlap::Full : Overlap::Partial;
  return Overlap::Partial;
}

using autograd::FormulaNodeBase;
using autograd::variable_list;

// The data movement of copy_: no autograd, no version bump.
void copy_data(const Tensor& self, const Tensor& src) {
  DimVector bshape = ops::broadcast_shapes(self.sizes(), src.sizes());
  EMBER_CHECK(bshape == DimVector(self.sizes()), RuntimeError, "output with shape ", self.sizes(),
              " doesn't match the broadcast shape ", bshape);
  check_device_available(src.device());
  if (self.is_meta()) return;  // copying into meta is shape-only
  EMBER_CHECK(!src.is_meta(), NotImplementedError, "Cannot copy out of meta tensor; no data!");
  EMBER_CHECK(!ops::has_internal_overlap(self), RuntimeError,
              "unsupported operation: more than one element of the written-to tensor refers to a "
              "single memory location. Please clone() the tensor before performing the operation.");
  if (self.numel() == 0 || self.is_same(src)) return;
  Tensor s = src;
  switch (overlap_status(self, src)) {
    case Overlap::No:
      break;
    case Overlap::Full:
      // The same elements in the same order: nothing to do unless converting.
      if (self.dtype() == src.dtype() && self.sizes() == src.sizes()) return;
      s = src.clone(MemoryFormat::Contiguous);
      break;
    case Overlap::Partial:
      // PyTorch refuses (e.g. x[1:].copy_(x[:-1])) rather than pick a direction.
      throw RuntimeError(
          "unsupported operation: some elements of the input tensor and the written-to tensor "
          "refer to a single memory location. Please clone() the tensor before performing the "
          "operation.");
    case Overlap::TooHard:
      // PyTorch copies element by element with an unspecified result; copying from a
      // snapshot gives the result of a copy from distinct memory.
      s = src.clone(MemoryFormat::Contiguous);
      break;
  }
  s = ops::expand_to(s, self.sizes());
  kernels::copy_kernel(self, s);
}

void fill_data(const Tensor& self, const Scalar& value) {
  if (self.is_meta()) return;
  EMBER_CHECK(!ops::has_internal_overlap(self), RuntimeError,
              "unsupported operation: more than one element of the written-to tensor refers to a "
              "single memory location. Please clone() the tensor before performing the operation.");
  kernels::fill_kernel(self, value);
}

// An in-place op whose result no longer depends on self's old values: its
// self-gradient is zero. `name` is PyTorch's node; a value tensor (fill_'s)
// gets the sum of the gradient, as every element was set to it.
template <typename Write>
Tensor& overwrite(Tensor& self, const char* name, const Write& write,
                  const Tensor* value = nullptr) {
  autograd::check_inplace(self, value ? *value : Tensor());
  const Tensor none;
  const Tensor& v = value ? *value : none;
  if (!autograd::grad_needed(self, v) || !self.is_floating_point()) {
    write();
    autograd::finish_inplace(self);
    return self;
  }
  std::shared_ptr<autograd::Node> node;
  if (value) {
    node = autograd::make_node(
        name,
        [](FormulaNodeBase& n, variable_list& g) {
          return variable_list{n.needs_input_grad(0) ? zeros_like(g[0]) : Tensor(),
                               n.needs_input_grad(1) ? g[0].sum() : Tensor()};
        },
        self, v);
  } else {
    node = autograd::make_node(
        name, [](FormulaNodeBase&, variable_list& g) { return variable_list{zeros_like(g[0])}; },
        self);
  }
  autograd::untracked([&] {
    write();
    return 0;
  });
  autograd::finish_inplace(self, node);
  return self;
}

}  // namespace

Tensor& Tensor::copy_(const Tensor& src, bool /*non_blocking*/) {
  EMBER_CHECK(src.defined(), RuntimeError, "copy_: the source tensor is undefined");
  autograd::check_inplace(*this, src);
  if (!autograd::grad_needed(*this, src) || !is_floating_point()) {
    copy_data(*this, src);
    autograd::finish_inplace(*this);
    return *this;
  }
  // grad_src is g itself: the engine sums it down to src's shape (broadcast
  // copies) and casts it to src's dtype.
  auto node = autograd::make_node(
      "CopyBackwards",
      [](FormulaNodeBase& n, variable_list& g) {
        return variable_list{n.needs_input_grad(0) ? zeros_like(g[0]) : Tensor(),
                             n.needs_input_grad(1) ? g[0] : Tensor()};
      },
      *this, src);
  autograd::untracked([&] {
    copy_data(*this, src);
    return 0;
  });
  autograd::finish_inplace(*this, node);
  return *this;
}

Tensor Tensor::to(DType dt, bool non_blocking, bool copy, MemoryFormat fmt) const {
  return to(device(), dt, non_blocking, copy, fmt);
}

Tensor Tensor::to(const Device& dev, std::optional<DType> dt, bool, bool copy,
                  MemoryFormat fmt) const {
  check_device_available(dev);
  const DType target = dt ? *dt : dtype();
  // PyTorch's to_will_alias: the layout matches when the format is preserve or equals
  // suggest_memory_format() (so x.t().to(contiguous_format) returns x.t() itself).
  const bool same_layout = fmt == MemoryFormat::Preserve || suggest_memory_format() == fmt;
  Device want = dev;
  if (want.is_cpu()) want.index = -1;
  if (!copy && target == dtype() && want == device() && same_layout) return *this;
  Tensor r = empty_like(*this, {.dtype = target, .device = want, .memory_format = fmt});
  if (r.is_meta() || is_meta()) {
    EMBER_CHECK(r.is_meta(), NotImplementedError,
                "Cannot copy out of meta tensor; no data! Please use to_empty() to move a module "
                "off the meta device.");
  } else {
    copy_data(r, *this);
  }
  // Integer results never get history.
  if (!autograd::grad_needed(*this) || !r.is_floating_point()) return r;
  auto node = autograd::make_node(
      "ToCopyBackward0",
      [dt = dtype(), from = device()](FormulaNodeBase&, variable_list& g) {
        return variable_list{g[0].to(from, dt)};
      },
      *this);
  autograd::set_history(r, node);
  return r;
}

Tensor Tensor::to(MemoryFormat fmt) const { return to(device(), dtype(), false, false, fmt); }

Tensor Tensor::to(const Tensor& other, bool non_blocking, bool copy) const {
  return to(other.device(), other.dtype(), non_blocking, copy);
}

Tensor Tensor::clone(MemoryFormat fmt) const {
  Tensor r = empty_like(*this, {.memory_format = fmt});
  if (!is_meta()) copy_data(r, *this);
  if (!autograd::grad_needed(*this)) return r;
  auto node = autograd::make_node(
      "CloneBackward0", [](FormulaNodeBase&, variable_list& g) { return variable_list{g[0]}; },
      *this);
  autograd::set_history(r, node);
  return r;
}

Tensor Tensor::contiguous(MemoryFormat fmt) const {
  if (is_contiguous(fmt)) return *this;  // preserve reads as contiguous here, as in PyTorch
  EMBER_CHECK(fmt != MemoryFormat::Preserve, RuntimeError,
              "preserve memory format is unsupported by the contiguous operator");
  return clone(fmt);
}

Tensor& Tensor::fill_(const Scalar& value) {
  return overwrite(*this, "FillBackward2", [&] { fill_data(*this, value); });
}

Tensor& Tensor::fill_(const Tensor& value) {
  EMBER_CHECK(value.dim() == 0, RuntimeError,
              "fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
              " dimensions.");
  // The value's gradient is the sum of the filled elements' gradients.
  return overwrite(
      *this, "FillBackward3", [&] { fill_data(*this, value.item()); }, &value);
}

Tensor& Tensor::zero_() {
  return overwrite(*this, "ZeroBackward0", [&] {
    if (!is_meta() && is_non_overlapping_and_dense() && numel())
      std::memset(data_ptr(), 0, nbytes());
    else
      fill_data(*this, 0);
  });
}

Scalar Tensor::item() const {
  EMBER_CHECK(!is_meta(), RuntimeError, "Tensor.item() cannot be called on meta tensors");
  EMBER_CHECK(numel() == 1, RuntimeError, "a Tensor with ", numel(),
              " elements cannot be converted to Scalar");
  const void* p = data_ptr();
  return EMBER_DISPATCH_ALL(dtype(), "item", [&]() -> Scalar {
    const scalar_t v = *static_cast<const scalar_t*>(p);
    if constexpr (std::is_same_v<scalar_t, bool>) {
      return Scalar(v);
    } else if constexpr (std::is_integral_v<scalar_t>) {
      return Scalar(static_cast<int64_t>(v));
    } else {
      return Scalar(static_cast<double>(static_cast<opmath_t<scalar_t>>(v)));
    }
  });
}

Scalar Tensor::at(IntArrayRef index) const {
  EMBER_CHECK(static_cast<int64_t>(index.size()) == dim(), IndexError, "at(): expected ", dim(),
              " indices for a tensor of shape ", sizes(), ", got ", index.size());
  Tensor v = *this;
  for (size_t i = 0; i < index.size(); ++i) v = v.select(0, index[i]);
  return v.item();
}

Tensor& Tensor::resize_(IntArrayRef new_sizes, std::optional<MemoryFormat> fmt) {
  EMBER_CHECK(!requires_grad(), RuntimeError, "cannot resize variables that require grad");
  for (auto s : new_sizes)
    EMBER_CHECK(s >= 0, RuntimeError, "Trying to create tensor with negative dimension ", s, ": ",
                new_sizes);
  const MemoryFormat f = fmt ? *fmt : MemoryFormat::Contiguous;
  EMBER_CHECK(f != MemoryFormat::Preserve, RuntimeError,
              "Unsupported memory format torch.preserve_format for resize_");
  // Same sizes and no format: PyTorch keeps the strides (a transposed tensor stays so).
  if (!fmt && sizes() == new_sizes) return *this;
  DimVector st = strides_for(new_sizes, f);
  int64_t n = 1;
  for (auto s : new_sizes) n *= s;
  const size_t need =
      static_cast<size_t>((storage_offset() + n) * static_cast<int64_t>(element_size()));
  if (n > 0 && need > storage()->nbytes()) {
    EMBER_CHECK(storage()->resizable(), RuntimeError,
                "Trying to resize storage that is not resizable");
    storage()->resize(need);
  }
  impl()->set_sizes_and_strides(new_sizes, st);
  return *this;
}

}  // namespace ember
