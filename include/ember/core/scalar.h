#pragma once
// A number of unknown C++ type: bool, integer or floating. Carries its kind so
// type promotion can treat `x + 1` and `x + 1.0` differently, as PyTorch does.
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <type_traits>

#include "ember/core/dtype.h"

namespace ember {

class Scalar {
 public:
  enum class Kind : int8_t { Bool, Int, Float };

  Scalar() : kind_(Kind::Int), i_(0) {}
  Scalar(bool v) : kind_(Kind::Bool), i_(v) {}
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : kind_(Kind::Float), d_(static_cast<double>(v)) {}
  Scalar(Half v) : kind_(Kind::Float), d_(static_cast<float>(v)) {}
  Scalar(BFloat16 v) : kind_(Kind::Float), d_(static_cast<float>(v)) {}

  Kind kind() const { return kind_; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_floating_point() const { return kind_ == Kind::Float; }

  // The dtype a Python number of this kind has: bool, int64 or float64.
  DType natural_dtype() const {
    return kind_ == Kind::Float ? DType::Float64 : kind_ == Kind::Int ? DType::Int64 : DType::Bool;
  }

  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) {
      return kind_ == Kind::Float ? d_ != 0.0 : i_ != 0;
    } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      return T(static_cast<float>(to<double>()));
    } else {
      return kind_ == Kind::Float ? static_cast<T>(d_) : static_cast<T>(i_);
    }
  }
  // to<T>() with PyTorch's overflow check (c10::checked_convert): integers must fit
  // (negative values may wrap into unsigned types, as in PyTorch), finite floating
  // values must not exceed the type's range. Throws RuntimeError.
  template <typename T>
  T to_checked() const;
  double to_double() const { return to<double>(); }
  int64_t to_long() const { return to<int64_t>(); }
  bool to_bool() const { return to<bool>(); }
  Scalar operator-() const {
    if (kind_ == Kind::Float) return Scalar(-d_);
    return Scalar(-i_);
  }
  std::string str() const;

 private:
  Kind kind_;
  union {
    int64_t i_;
    double d_;
  };
};

std::ostream& operator<<(std::ostream& os, const Scalar& s);

namespace detail {
[[noreturn]] void throw_scalar_overflow(const char* type_name);
template <typename T>
constexpr const char* c10_type_name() {
  if constexpr (std::is_same_v<T, uint8_t>)
    return "uint8_t";
  else if constexpr (std::is_same_v<T, int8_t>)
    return "int8_t";
  else if constexpr (std::is_same_v<T, int16_t>)
    return "int16_t";
  else if constexpr (std::is_same_v<T, int32_t>)
    return "int";
  else if constexpr (std::is_same_v<T, int64_t>)
    return "int64_t";
  else if constexpr (std::is_same_v<T, Half>)
    return "at::Half";
  else if constexpr (std::is_same_v<T, BFloat16>)
    return "at::BFloat16";
  else if constexpr (std::is_same_v<T, float>)
    return "float";
  else if constexpr (std::is_same_v<T, double>)
    return "double";
  else
    return "bool";
}
}  // namespace detail

template <typename T>
T Scalar::to_checked() const {
  if constexpr (std::is_same_v<T, bool>) {
    return to<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    // Unsigned types accept negatives down to -max (they wrap), as in c10.
    using L = std::numeric_limits<T>;
    const double lo =
        std::is_signed_v<T> ? static_cast<double>(L::lowest()) : -static_cast<double>(L::max());
    const double hi = static_cast<double>(L::max());
    if (kind_ == Kind::Float) {
      if (!(d_ >= lo && d_ <= hi)) detail::throw_scalar_overflow(detail::c10_type_name<T>());
      return static_cast<T>(static_cast<int64_t>(d_));
    }
    if constexpr (!std::is_same_v<T, int64_t>) {
      if (i_ < static_cast<int64_t>(lo) || i_ > static_cast<int64_t>(hi))
        detail::throw_scalar_overflow(detail::c10_type_name<T>());
    }
    return static_cast<T>(i_);
  } else {
    double hi;
    if constexpr (std::is_same_v<T, Half>) {
      hi = 65504.0;
    } else if constexpr (std::is_same_v<T, BFloat16>) {
      hi = 3.3895313892515355e38;
    } else {
      hi = static_cast<double>(std::numeric_limits<T>::max());
    }
    const double v = to<double>();
    if (std::isfinite(v) && (v > hi || v < -hi))
      detail::throw_scalar_overflow(detail::c10_type_name<T>());
    return to<T>();
  }
}

}  // namespace ember
