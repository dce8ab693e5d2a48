#include "ember/core/dtype.h"

#include <algorithm>
#include <atomic>
#include <cctype>

namespace ember {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool:
      return "bool";
    case DType::UInt8:
      return "uint8";
    case DType::Int8:
      return "int8";
    case DType::Int16:
      return "int16";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::Float16:
      return "float16";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "unknown";
}

const char* scalar_type_name(DType t) {
  switch (t) {
    case DType::Bool:
      return "Bool";
    case DType::UInt8:
      return "Byte";
    case DType::Int8:
      return "Char";
    case DType::Int16:
      return "Short";
    case DType::Int32:
      return "Int";
    case DType::Int64:
      return "Long";
    case DType::Float16:
      return "Half";
    case DType::BFloat16:
      return "BFloat16";
    case DType::Float32:
      return "Float";
    case DType::Float64:
      return "Double";
  }
  return "Undefined";
}

const char* typemeta_name(DType t) {
  switch (t) {
    case DType::Bool:
      return "bool";
    case DType::UInt8:
      return "unsigned char";
    case DType::Int8:
      return "signed char";
    case DType::Int16:
      return "short int";
    case DType::Int32:
      return "int";
    case DType::Int64:
      return "long int";
    case DType::Float16:
      return "c10::Half";
    case DType::BFloat16:
      return "c10::BFloat16";
    case DType::Float32:
      return "float";
    case DType::Float64:
      return "double";
  }
  return "unknown";
}

std::string to_string(DType t) { return std::string("torch.") + dtype_name(t); }
std::ostream& operator<<(std::ostream& os, DType t) { return os << to_string(t); }

DType parse_dtype(const std::string& name_in) {
  std::string name = name_in;
  if (name.rfind("torch.", 0) == 0) name = name.substr(6);
  struct Alias {
    const char* name;
    DType t;
  };
  static const Alias aliases[] = {
      {"bool", DType::Bool},       {"uint8", DType::UInt8},   {"int8", DType::Int8},
      {"int16", DType::Int16},     {"short", DType::Int16},   {"int32", DType::Int32},
      {"int", DType::Int32},       {"int64", DType::Int64},   {"long", DType::Int64},
      {"float16", DType::Float16}, {"half", DType::Float16},  {"bfloat16", DType::BFloat16},
      {"float32", DType::Float32}, {"float", DType::Float32}, {"float64", DType::Float64},
      {"double", DType::Float64},
  };
  for (const auto& a : aliases)
    if (name == a.name) return a.t;
  throw ValueError("unknown dtype '" + name_in + "'");
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  const bool fa = is_floating_point(a), fb = is_floating_point(b);
  if (fa && fb) {
    if ((a == DType::Float16 && b == DType::BFloat16) ||
        (a == DType::BFloat16 && b == DType::Float16))
      return DType::Float32;
    return element_size(a) >= element_size(b) ? a : b;
  }
  if (fa) return a;
  if (fb) return b;
  // both integral, different
  if (a == DType::UInt8 || b == DType::UInt8) {
    DType other = a == DType::UInt8 ? b : a;
    return other == DType::Int8 ? DType::Int16 : other;
  }
  return element_size(a) >= element_size(b) ? a : b;
}

namespace {
std::atomic<DType> g_default_dtype{DType::Float32};
}
DType get_default_dtype() { return g_default_dtype.load(); }
void set_default_dtype(DType t) {
  EMBER_CHECK(
      t == DType::Float32 || t == DType::Float64 || t == DType::Float16 || t == DType::BFloat16,
      TypeError, "only floating-point types are supported as the default type, got ", t);
  g_default_dtype = t;
}

}  // namespace ember
