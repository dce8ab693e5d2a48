#include "ember/core/tensor.h"

#include <algorithm>

namespace ember {

int64_t wrap_dim(int64_t dim, int64_t ndim, bool wrap_scalar) {
  if (ndim <= 0) {
    EMBER_CHECK(wrap_scalar, IndexError, "Dimension specified as ", dim,
                " but tensor has no dimensions");
    ndim = 1;
  }
  const int64_t lo = -ndim, hi = ndim - 1;
  EMBER_CHECK(dim >= lo && dim <= hi, IndexError,
              "Dimension out of range (expected to be in range of [", lo, ", ", hi, "], but got ",
              dim, ")");
  return dim < 0 ? dim + ndim : dim;
}

int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim(d, dim(), false)]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d, dim(), false)]; }

TensorOptions Tensor::options() const {
  TensorOptions o;
  o.dtype = dtype();
  o.device = device();
  return o;
}

void Tensor::throw_uninitialized(const char* what) const {
  // torch/nn/parameter.py, UninitializedTensorMixin: the `shape` property and
  // __torch_function__ for anything outside its allow-list.
  if (!what)
    throw RuntimeError(
        "Can't access the shape of an uninitialized parameter or buffer. This error usually "
        "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
        "initialized one. Call `forward` to initialize the parameters before accessing their "
        "attributes.");
  const char* cls = impl()->uninitialized() == TensorImpl::Uninitialized::Parameter
                        ? "UninitializedParameter"
                        : "UninitializedBuffer";
  throw ValueError(detail::str_cat(
      "Attempted to use an uninitialized parameter in <method '", what,
      "' of 'torch._C._TensorBase' objects>. This error happens when you are using a "
      "`LazyModule` or explicitly manipulating `torch.nn.parameter.",
      cls,
      "` objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
      "parameters before calling torch functions"));
}

void Tensor::check_dtype_access(DType want) const {
  EMBER_CHECK(dtype() == want, TypeError, "expected scalar type ", scalar_type_name(want),
              " but found ", scalar_type_name(dtype()));
}

namespace {
// PyTorch's is_channels_last_strides_2d/3d: the lenient test behind
// suggest_memory_format.
bool strides_like_channels_last(IntArrayRef sizes, IntArrayRef strides, bool three_d) {
  static const int order2d[] = {1, 3, 2, 0};
  static const int order3d[] = {1, 4, 3, 2, 0};
  const size_t n = three_d ? 5 : 4;
  if (sizes.size() != n) return false;
  const int* order = three_d ? order3d : order2d;
  int64_t min = 0;
  if (strides[1] == 0) return false;
  for (size_t k = 0; k < n; ++k) {
    const int d = order[k];
    if (sizes[d] == 0) return false;
    if (strides[d] < min) return false;
    if (d == 0 && min == strides[1]) return false;
    min = strides[d];
    if (sizes[d] > 1) min *= sizes[d];
  }
  return true;
}
}  // namespace

MemoryFormat Tensor::suggest_memory_format() const {
  if (strides_like_channels_last(sizes(), strides(), false)) return MemoryFormat::ChannelsLast;
  if (strides_like_channels_last(sizes(), strides(), true)) return MemoryFormat::ChannelsLast3d;
  return MemoryFormat::Contiguous;
}

}  // namespace ember
