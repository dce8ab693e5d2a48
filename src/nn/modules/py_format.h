#pragma once
// Python's str() of the numbers modules print in extra_repr.
#include <charconv>
#include <cmath>
#include <string>

namespace ember::nn::detail {

// str(float): shortest round-trip digits, "1.0" for integral values, "1e-05".
inline std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const double a = std::abs(v);
  std::to_chars_result r;
  if (a != 0 && (a >= 1e16 || a < 1e-4))
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  else
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// A number given as an int in torch's defaults (Softplus' beta=1): integral
// values without ".0".
inline std::string py_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e16)
    return std::to_string(static_cast<long long>(v));
  return py_float(v);
}

inline std::string py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace ember::nn::detail
