#pragma once
// Value conversion between element types with PyTorch's rules (floating to
// integral truncates through int64; anything to bool tests != 0).
#include <cstdint>
#include <type_traits>

#include "ember/core/half.h"

namespace ember::kernels {

template <typename T>
inline constexpr bool is_reduced_float_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_reduced_float_v<From>) {
    return convert<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (is_reduced_float_v<To>) {
    return To(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    if constexpr (std::is_same_v<To, int64_t>) {
      return static_cast<int64_t>(v);
    } else {
      return static_cast<To>(static_cast<int64_t>(v));
    }
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace ember::kernels
