#include "ops/op_utils.h"

#include <algorithm>
#include <vector>

#include "ember/ops/factory.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/dim_order.h"

namespace ember::ops {

DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b) {
  const size_t n = std::max(a.size(), b.size());
  DimVector out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1, RuntimeError, "The size of tensor a (", da,
                ") must match the size of tensor b (", db, ") at non-singleton dimension ", i);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

DimVector broadcast_shapes(ArrayRef<Tensor> tensors) {
  DimVector shape;
  bool first = true;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    shape = first ? DimVector(t.sizes()) : broadcast_shapes(shape, t.sizes());
    first = false;
  }
  return shape;
}

namespace {
// PyTorch's combine_categories(higher, lower).
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating_point(*higher)) return higher;
  if (*higher == DType::Bool || is_floating_point(*lower)) return promote_types(*higher, *lower);
  return higher;
}
std::optional<DType> promote_opt(std::optional<DType> a, DType b) {
  return a ? promote_types(*a, b) : b;
}
}  // namespace

DType result_type(ArrayRef<Tensor> tensors, ArrayRef<Scalar> scalars) {
  std::optional<DType> dim_result, zero_result, wrapped_result;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    if (t.dim() > 0)
      dim_result = promote_opt(dim_result, t.dtype());
    else
      zero_result = promote_opt(zero_result, t.dtype());
  }
  for (const auto& s : scalars) {
    DType d = s.is_floating_point() ? get_default_dtype() : s.natural_dtype();
    wrapped_result = promote_opt(wrapped_result, d);
  }
  auto r = combine(dim_result, combine(zero_result, wrapped_result));
  return r ? *r : get_default_dtype();
}

Tensor scalar_to_tensor(const Scalar& s, DType dtype) {
  // Unchecked, as PyTorch wraps a Python scalar operand (uint8 + 300 == uint8 + 44);
  // only fills check for overflow.
  Tensor t = empty({}, {.dtype = dtype});
  EMBER_DISPATCH_ALL(dtype, "scalar_to_tensor",
                     [&] { *t.data_ptr<scalar_t>() = s.to<scalar_t>(); });
  return t;
}

Tensor empty_following(IntArrayRef shape, DType dtype, ArrayRef<Tensor> inputs) {
  Device dev = kCPU;
  for (const auto& t : inputs)
    if (t.defined()) {
      dev = t.device();
      break;
    }
  const int64_t nd = static_cast<int64_t>(shape.size());
  // Fast path: an input of exactly this shape that is contiguous (or channels_last).
  bool all_contig = true;
  for (const auto& t : inputs) {
    if (!t.defined() || t.dim() == 0) continue;
    if (!(t.sizes() == shape) || !t.is_contiguous()) {
      all_contig = false;
      break;
    }
  }
  if (all_contig || nd <= 1) return empty(shape, {.dtype = dtype, .device = dev});
  // Order dims fastest-first by the inputs' strides, as TensorIterator does.
  auto stride_of = [&](const Tensor& t, int64_t d) -> int64_t {
    const int64_t off = nd - t.dim();
    if (d < off) return 0;
    return t.sizes()[d - off] == 1 && shape[d] != 1 ? 0 : t.strides()[d - off];
  };
  std::vector<const Tensor*> shaped;
  for (const auto& t : inputs)
    if (t.defined() && t.dim() > 0) shaped.push_back(&t);
  const DimVector perm =
      kernels::fastest_first_order(shape, static_cast<int>(shaped.size()),
                                   [&](int t, int64_t d) { return stride_of(*shaped[t], d); });
  DimVector strides(nd);
  int64_t acc = 1;
  for (int64_t i = 0; i < nd; ++i) {
    strides[perm[i]] = acc;
    acc *= std::max<int64_t>(shape[perm[i]], 1);
  }
  return empty_strided(shape, strides, {.dtype = dtype, .device = dev});
}

void check_same_device(const char* op, ArrayRef<Tensor> tensors) {
  const Tensor* first = nullptr;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    if (!first) {
      first = &t;
      continue;
    }
    EMBER_CHECK(t.device() == first->device(), DeviceError, op,
                ": Expected all tensors to be on the same device, but found at least two devices, ",
                first->device(), " and ", t.device(), "!");
  }
}

void check_not_meta(const char* op, const Tensor& t) {
  EMBER_CHECK(!t.is_meta(), RuntimeError, op, ": cannot read the data of a meta tensor (shape ",
              t.sizes(), ", dtype ", t.dtype(), ")");
}

bool any_meta(ArrayRef<Tensor> tensors) {
  for (const auto& t : tensors)
    if (t.defined() && t.is_meta()) return true;
  return false;
}

bool can_cast(DType from, DType to) {
  if (is_floating_point(from) && !is_floating_point(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

Tensor expand_to(const Tensor& t, IntArrayRef shape) {
  if (t.sizes() == shape) return t;
  return t.expand(shape);
}

std::pair<int64_t, int64_t> byte_span(const Tensor& t) {
  int64_t lo = t.storage_offset(), hi = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.sizes()[d] == 0) return {0, 0};
    const int64_t ext = (t.sizes()[d] - 1) * t.strides()[d];
    if (ext < 0)
      lo += ext;
    else
      hi += ext;
  }
  const int64_t es = static_cast<int64_t>(t.element_size());
  return {lo * es, (hi + 1) * es};
}

bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
  auto [alo, ahi] = byte_span(a);
  auto [blo, bhi] = byte_span(b);
  return alo < bhi && blo < ahi;
}

bool has_internal_overlap(const Tensor& t) {
  if (t.is_non_overlapping_and_dense()) return false;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.strides()[d] == 0 && t.sizes()[d] > 1) return true;
  return false;  // unknown: PyTorch also only rejects the certain cases
}

DimVector wrap_dims(IntArrayRef dims, int64_t ndim, bool empty_means_all) {
  DimVector out;
  if (dims.empty() && empty_means_all) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (auto d : dims) {
    int64_t w = wrap_dim(d, ndim);
    for (auto o : out)
      EMBER_CHECK(o != w, RuntimeError, "dim ", w, " appears multiple times in the list of dims");
    out.push_back(w);
  }
  return out;
}

// PyTorch's Type::toString(), which expand()'s message prints: "torch.FloatTensor" for the
// dtypes with a legacy tensor type, "CPUBoolType" / "MetaFloatType" otherwise.
std::string legacy_type_name(DType t, const Device& d) {
  const char* scalar = "";
  bool legacy = true;
  switch (t) {
    case DType::Bool:
      scalar = "Bool";
      legacy = false;
      break;
    case DType::UInt8:
      scalar = "Byte";
      break;
    case DType::Int8:
      scalar = "Char";
      break;
    case DType::Int16:
      scalar = "Short";
      break;
    case DType::Int32:
      scalar = "Int";
      break;
    case DType::Int64:
      scalar = "Long";
      break;
    case DType::Float16:
      scalar = "Half";
      break;
    case DType::BFloat16:
      scalar = "BFloat16";
      legacy = false;
      break;
    case DType::Float32:
      scalar = "Float";
      break;
    case DType::Float64:
      scalar = "Double";
      break;
  }
  if (d.is_cpu() && legacy) return detail::str_cat("torch.", scalar, "Tensor");
  return detail::str_cat(d.is_cpu() ? "CPU" : d.is_meta() ? "Meta" : "CUDA", scalar, "Type");
}

Tensor& write_into(Tensor& dst, const Tensor& src) {
  if (!dst.is_meta() && dst.numel() > 0) kernels::copy_kernel(dst, src);
  return dst;
}

}  // namespace ember::ops
