#pragma once
// Element types, PyTorch's promotion rules, and the switch that turns a runtime
// dtype into a template instantiation.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "ember/core/error.h"
#include "ember/core/half.h"

namespace ember {

enum class DType : int8_t {
  Bool,
  UInt8,
  Int8,
  Int16,
  Int32,
  Int64,
  Float16,
  BFloat16,
  Float32,
  Float64,
};
inline constexpr int kNumDTypes = 10;

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt8 = DType::Int8;
inline constexpr DType kInt16 = DType::Int16;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kHalf = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kInt = DType::Int32;

constexpr size_t element_size(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8:
    case DType::Int8:
      return 1;
    case DType::Int16:
    case DType::Float16:
    case DType::BFloat16:
      return 2;
    case DType::Int32:
    case DType::Float32:
      return 4;
    case DType::Int64:
    case DType::Float64:
      return 8;
  }
  return 0;
}

constexpr bool is_floating_point(DType t) {
  return t == DType::Float16 || t == DType::BFloat16 || t == DType::Float32 || t == DType::Float64;
}
// Integral in PyTorch's sense; bool only when include_bool.
constexpr bool is_integral(DType t, bool include_bool = false) {
  return (t >= DType::UInt8 && t <= DType::Int64) || (include_bool && t == DType::Bool);
}
constexpr bool is_signed(DType t) { return t != DType::Bool && t != DType::UInt8; }

// "float32", as in torch.float32.
const char* dtype_name(DType t);
// PyTorch's ScalarType name as its kernel errors print it: "Float", "Long", "Bool".
const char* scalar_type_name(DType t);
// caffe2::TypeMeta's name, as some PyTorch messages print a dtype: "float", "long int".
const char* typemeta_name(DType t);
// "torch.float32".
std::string to_string(DType t);
std::ostream& operator<<(std::ostream& os, DType t);
// Parses "float32", "torch.float", "half", "long" ... ; throws ValueError.
DType parse_dtype(const std::string& name);

// promote_types(a, b): PyTorch's table for two tensors of the same category priority.
DType promote_types(DType a, DType b);

// The default floating dtype (torch.get_default_dtype / set_default_dtype).
DType get_default_dtype();
void set_default_dtype(DType t);

// C++ type <-> DType.
template <typename T>
struct CppToDType;
#define EMBER_CPP_DTYPE(T, D)         \
  template <>                         \
  struct CppToDType<T> {              \
    static constexpr DType value = D; \
  };
EMBER_CPP_DTYPE(bool, DType::Bool)
EMBER_CPP_DTYPE(uint8_t, DType::UInt8)
EMBER_CPP_DTYPE(int8_t, DType::Int8)
EMBER_CPP_DTYPE(int16_t, DType::Int16)
EMBER_CPP_DTYPE(int32_t, DType::Int32)
EMBER_CPP_DTYPE(int64_t, DType::Int64)
EMBER_CPP_DTYPE(Half, DType::Float16)
EMBER_CPP_DTYPE(BFloat16, DType::BFloat16)
EMBER_CPP_DTYPE(float, DType::Float32)
EMBER_CPP_DTYPE(double, DType::Float64)
#undef EMBER_CPP_DTYPE
template <typename T>
inline constexpr DType dtype_of = CppToDType<T>::value;

// Accumulation / compute type: float for the 16-bit floats, double for double,
// int64 for integers (as PyTorch's sum does).
template <typename T>
struct OpMath {
  using type = T;
};
template <>
struct OpMath<Half> {
  using type = float;
};
template <>
struct OpMath<BFloat16> {
  using type = float;
};
template <typename T>
using opmath_t = typename OpMath<T>::type;

}  // namespace ember

// Runs the lambda body with `scalar_t` bound to the C++ type of `dtype`.
// The first form covers every dtype; the others restrict it and throw TypeError
// naming `name` for the rest.
#define EMBER_DTYPE_CASE(D, T, ...) \
  case D: {                         \
    using scalar_t = T;             \
    return __VA_ARGS__();           \
  }

#define EMBER_DISPATCH_ALL(dtype, name, ...)                                                   \
  [&] {                                                                                        \
    switch (dtype) {                                                                           \
      EMBER_DTYPE_CASE(::ember::DType::Bool, bool, __VA_ARGS__)                                \
      EMBER_DTYPE_CASE(::ember::DType::UInt8, uint8_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int8, int8_t, __VA_ARGS__)                              \
      EMBER_DTYPE_CASE(::ember::DType::Int16, int16_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int32, int32_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int64, int64_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Float16, ::ember::Half, __VA_ARGS__)                    \
      EMBER_DTYPE_CASE(::ember::DType::BFloat16, ::ember::BFloat16, __VA_ARGS__)               \
      EMBER_DTYPE_CASE(::ember::DType::Float32, float, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Float64, double, __VA_ARGS__)                           \
    }                                                                                          \
    throw ::ember::TypeError(::ember::detail::str_cat("\"", name, "\" got an invalid dtype")); \
  }()

// Every dtype except bool.
#define EMBER_DISPATCH_NUMERIC(dtype, name, ...)                                               \
  [&] {                                                                                        \
    switch (dtype) {                                                                           \
      EMBER_DTYPE_CASE(::ember::DType::UInt8, uint8_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int8, int8_t, __VA_ARGS__)                              \
      EMBER_DTYPE_CASE(::ember::DType::Int16, int16_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int32, int32_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int64, int64_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Float16, ::ember::Half, __VA_ARGS__)                    \
      EMBER_DTYPE_CASE(::ember::DType::BFloat16, ::ember::BFloat16, __VA_ARGS__)               \
      EMBER_DTYPE_CASE(::ember::DType::Float32, float, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Float64, double, __VA_ARGS__)                           \
      default:                                                                                 \
        break;                                                                                 \
    }                                                                                          \
    throw ::ember::TypeError(::ember::detail::str_cat("\"", name, "\" not implemented for '",  \
                                                      ::ember::scalar_type_name(dtype), "'")); \
  }()

// The floating dtypes.
#define EMBER_DISPATCH_FLOATING(dtype, name, ...)                                              \
  [&] {                                                                                        \
    switch (dtype) {                                                                           \
      EMBER_DTYPE_CASE(::ember::DType::Float16, ::ember::Half, __VA_ARGS__)                    \
      EMBER_DTYPE_CASE(::ember::DType::BFloat16, ::ember::BFloat16, __VA_ARGS__)               \
      EMBER_DTYPE_CASE(::ember::DType::Float32, float, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Float64, double, __VA_ARGS__)                           \
      default:                                                                                 \
        break;                                                                                 \
    }                                                                                          \
    throw ::ember::TypeError(::ember::detail::str_cat("\"", name, "\" not implemented for '",  \
                                                      ::ember::scalar_type_name(dtype), "'")); \
  }()

// Integers and bool (bitwise ops).
#define EMBER_DISPATCH_INTEGRAL(dtype, name, ...)                                              \
  [&] {                                                                                        \
    switch (dtype) {                                                                           \
      EMBER_DTYPE_CASE(::ember::DType::Bool, bool, __VA_ARGS__)                                \
      EMBER_DTYPE_CASE(::ember::DType::UInt8, uint8_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int8, int8_t, __VA_ARGS__)                              \
      EMBER_DTYPE_CASE(::ember::DType::Int16, int16_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int32, int32_t, __VA_ARGS__)                            \
      EMBER_DTYPE_CASE(::ember::DType::Int64, int64_t, __VA_ARGS__)                            \
      default:                                                                                 \
        break;                                                                                 \
    }                                                                                          \
    throw ::ember::TypeError(::ember::detail::str_cat("\"", name, "\" not implemented for '",  \
                                                      ::ember::scalar_type_name(dtype), "'")); \
  }()
