#pragma once
// Tensor factories, as torch.empty / zeros / arange ... Keyword arguments go in
// TensorOptions: ember::zeros({2, 3}, {.dtype = ember::kFloat64}).
#include <cstring>
#include <functional>
#include <initializer_list>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

Tensor empty(IntArrayRef sizes, const TensorOptions& options = {});
Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options = {});
Tensor zeros(IntArrayRef sizes, const TensorOptions& options = {});
Tensor ones(IntArrayRef sizes, const TensorOptions& options = {});
Tensor full(IntArrayRef sizes, const Scalar& value, const TensorOptions& options = {});

// *_like: dtype and device of `t` unless options say otherwise; memory format
// preserved (dense strides of t) by default.
struct LikeOptions {
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
  bool requires_grad = false;
  MemoryFormat memory_format = MemoryFormat::Preserve;
};
Tensor empty_like(const Tensor& t, const LikeOptions& options = {});
Tensor zeros_like(const Tensor& t, const LikeOptions& options = {});
Tensor ones_like(const Tensor& t, const LikeOptions& options = {});
Tensor full_like(const Tensor& t, const Scalar& value, const LikeOptions& options = {});

// arange: int64 when start, end and step are all integers, else the default dtype.
Tensor arange(const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
              const TensorOptions& options = {});
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps,
                const TensorOptions& options = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, const TensorOptions& options = {});
Tensor scalar_tensor(const Scalar& value, const TensorOptions& options = {});

// A new tensor holding a copy of `values` with shape `sizes` (1-D if empty).
// dtype defaults to T's own.
template <typename T>
Tensor from_vector(const std::vector<T>& values, IntArrayRef sizes = {},
                   std::optional<DType> dtype = std::nullopt);
// ember::tensor({1.f, 2.f, 3.f}): a 1-D tensor, dtype from T unless given.
template <typename T>
Tensor tensor(std::initializer_list<T> values, const TensorOptions& options = {}) {
  Tensor t = from_vector(std::vector<T>(values), {}, std::nullopt);
  if (options.dtype && *options.dtype != t.dtype()) t = t.to(*options.dtype);
  if (!(options.device == t.device())) t = t.to(options.device);
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}
// Wraps memory the caller owns (no copy). `deleter` runs when the last view dies.
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                 const TensorOptions& options = {}, std::function<void(void*)> deleter = nullptr);
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});

// ---- definitions
namespace detail {
Tensor from_raw_copy(const void* data, DType dtype, IntArrayRef sizes);
}
template <typename T>
Tensor from_vector(const std::vector<T>& values, IntArrayRef sizes, std::optional<DType> dtype) {
  DimVector shape =
      sizes.empty() ? DimVector{static_cast<int64_t>(values.size())} : DimVector(sizes);
  int64_t n = 1;
  for (auto s : shape) n *= s;
  EMBER_CHECK(n == static_cast<int64_t>(values.size()), RuntimeError, "shape '", shape,
              "' is invalid for input of size ", values.size());
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    Tensor t = detail::from_raw_copy(bytes.data(), DType::Bool, shape);
    return dtype ? t.to(*dtype) : t;
  } else {
    Tensor t = detail::from_raw_copy(values.data(), dtype_of<T>, shape);
    return dtype ? t.to(*dtype) : t;
  }
}

}  // namespace ember
