// cat and stack, with PyTorch's checks, type promotion and output layout, and
// their autograd nodes (CatBackward0, StackBackward0).
#include <vector>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/index.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

// PyTorch's legacy rule: 1-D empty tensors take no part in shape checks.
bool cat_skipped(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

// channels_last(3d) only when every input (skipped ones included) suggests it.
MemoryFormat cat_memory_format(TensorList tensors) {
  std::optional<MemoryFormat> fmt;
  for (const auto& t : tensors) {
    const MemoryFormat f = t.suggest_memory_format();
    if (f == MemoryFormat::Contiguous) return f;
    if (fmt && *fmt != f) return MemoryFormat::Contiguous;
    fmt = f;
  }
  return fmt.value_or(MemoryFormat::Contiguous);
}

// The permutation that makes a tensor of this format contiguous.
DimVector format_perm(MemoryFormat fmt, int64_t ndim) {
  DimVector perm;
  if (fmt == MemoryFormat::Contiguous) {
    for (int64_t d = 0; d < ndim; ++d) perm.push_back(d);
  } else {
    perm.push_back(0);
    for (int64_t d = 2; d < ndim; ++d) perm.push_back(d);
    perm.push_back(1);
  }
  return perm;
}

using autograd::FormulaNodeBase;
using autograd::variable_list;

Tensor cat_impl(TensorList tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), RuntimeError, "torch.cat(): expected a non-empty list of Tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), RuntimeError, "torch.cat(): tensor at position ", i,
                " is undefined");
    EMBER_CHECK(tensors[i].dim() > 0, RuntimeError, "zero-dimensional tensor (at position ", i,
                ") cannot be concatenated");
  }
  ops::check_same_device("torch.cat()", tensors);
  const DType dtype = ops::result_type(tensors);
  const Device device = tensors[0].device();

  size_t ref = tensors.size();
  for (size_t i = 0; i < tensors.size() && ref == tensors.size(); ++i)
    if (!cat_skipped(tensors[i])) ref = i;
  if (ref == tensors.size()) return empty({0}, {.dtype = dtype, .device = device});  // all skipped

  const Tensor& first = tensors[ref];
  dim = wrap_dim(dim, first.dim());
  DimVector shape(first.sizes());
  shape[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (cat_skipped(t)) continue;
    EMBER_CHECK(t.dim() == first.dim(), RuntimeError,
                "Tensors must have same number of dimensions: got ", first.dim(), " and ", t.dim());
    for (int64_t d = 0; d < first.dim(); ++d) {
      if (d == dim) continue;
      EMBER_CHECK(t.sizes()[d] == first.sizes()[d], RuntimeError,
                  "Sizes of tensors must match except in dimension ", dim, ". Expected size ",
                  first.sizes()[d], " but got size ", t.sizes()[d], " for tensor number ", i,
                  " in the list.");
    }
    shape[dim] += t.sizes()[dim];
  }

  const MemoryFormat fmt = cat_memory_format(tensors);
  Tensor out = empty(shape, {.dtype = dtype, .device = device, .memory_format = fmt});
  if (out.is_meta() || out.numel() == 0) return out;

  // Fast path: every input laid out as the output and of its dtype, so each
  // is a run of blocks that memcpy moves.
  const DimVector perm = format_perm(fmt, out.dim());
  int64_t pdim = 0;
  while (perm[pdim] != dim) ++pdim;
  std::vector<Tensor> parts;
  bool fast = true;
  for (const auto& t : tensors) {
    if (cat_skipped(t) || t.numel() == 0) continue;
    Tensor p = t.permute(perm);
    fast = fast && t.dtype() == dtype && p.is_contiguous();
    parts.push_back(p);
  }
  if (fast) {
    kernels::cat_contiguous_kernel(out.permute(perm), parts, pdim);
    return out;
  }
  int64_t offset = 0;
  for (const auto& t : tensors) {
    if (cat_skipped(t)) continue;
    const int64_t n = t.sizes()[dim];
    if (n > 0 && t.numel() > 0) kernels::copy_kernel(out.narrow(dim, offset, n), t);
    offset += n;
  }
  return out;
}

Tensor stack_impl(TensorList tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), RuntimeError, "stack expects a non-empty TensorList");
  const int64_t nd = tensors[0].dim();
  dim = wrap_dim(dim, nd + 1);
  for (size_t i = 1; i < tensors.size(); ++i)
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(), RuntimeError,
                "stack expects each tensor to be equal size, but got ", tensors[0].sizes(),
                " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  Tensor c;
  if (dim < nd) {
    // As PyTorch: cat along dim, then split that dim (always possible without a copy).
    c = cat_impl(tensors, dim);
  } else {
    std::vector<Tensor> parts;
    parts.reserve(tensors.size());
    for (const auto& t : tensors) parts.push_back(t.unsqueeze(dim));
    c = cat_impl(parts, dim);
  }
  DimVector sizes(tensors[0].sizes());
  sizes.insert(static_cast<size_t>(dim), static_cast<int64_t>(tensors.size()));
  Tensor v = c.view(sizes);
  // The result owns its storage: not a view of the temporary it was made in.
  return Tensor(std::make_shared<TensorImpl>(c.storage(), c.dtype(), v.sizes(), v.strides(),
                                             v.storage_offset()));
}

}  // namespace

Tensor cat(TensorList tensors, int64_t dim) {
  if (!autograd::grad_needed_list(tensors)) return cat_impl(tensors, dim);
  Tensor out = autograd::untracked([&] { return cat_impl(tensors, dim); });
  if (!out.is_floating_point()) return out;
  // Each input's gradient is its slice of g; a skipped input (1-D empty) gets
  // an empty gradient, as PyTorch's cat_tensors_backward.
  std::vector<int64_t> lengths;  // along dim; -1: skipped
  int64_t d = 0;
  bool found = false;
  for (const auto& t : tensors) {
    if (cat_skipped(t)) {
      lengths.push_back(-1);
      continue;
    }
    if (!found) d = wrap_dim(dim, t.dim());
    found = true;
    lengths.push_back(t.sizes()[d]);
  }
  auto node = autograd::make_node_list(
      "CatBackward0",
      [lengths, d](FormulaNodeBase& n, variable_list& g) {
        variable_list r(lengths.size());
        int64_t offset = 0;
        for (size_t i = 0; i < lengths.size(); ++i) {
          if (lengths[i] < 0) {
            if (n.needs_input_grad(i)) r[i] = zeros({0}, g[0].options());
            continue;
          }
          if (n.needs_input_grad(i)) r[i] = g[0].narrow(d, offset, lengths[i]);
          offset += lengths[i];
        }
        return r;
      },
      tensors);
  autograd::set_history(out, node);
  return out;
}

Tensor stack(TensorList tensors, int64_t dim) {
  if (!autograd::grad_needed_list(tensors)) return stack_impl(tensors, dim);
  Tensor out = autograd::untracked([&] { return stack_impl(tensors, dim); });
  if (!out.is_floating_point()) return out;
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1);
  auto node = autograd::make_node_list(
      "StackBackward0",
      [d](FormulaNodeBase& n, variable_list& g) {
        variable_list r(n.num_outputs());
        for (size_t i = 0; i < r.size(); ++i)
          if (n.needs_input_grad(i)) r[i] = g[0].select(d, static_cast<int64_t>(i));
        return r;
      },
      tensors);
  autograd::set_history(out, node);
  return out;
}

}  // namespace ember
