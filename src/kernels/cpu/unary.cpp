#include "kernels/cpu/unary.h"

#include <cmath>
#include <limits>

#include "kernels/cpu/binary.h"
#include "kernels/cpu/convert.h"

namespace ember::kernels {

namespace {

template <typename T>
inline constexpr bool is_float_v = !std::is_integral_v<T>;

// out = f(a) with f evaluated in opmath_t, rounded once on store.
template <typename T, typename F>
void run1(const TensorIter& it, const F& f) {
  if constexpr (is_reduced_float_v<T>) {
    cpu_kernel<T, T>(it, [f](T a) -> T { return T(f(static_cast<float>(a))); });
  } else {
    cpu_kernel<T, T>(it, f);
  }
}

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
      return "neg_cpu";
    case UnaryOp::Abs:
      return "abs_cpu";
    case UnaryOp::Sqrt:
      return "sqrt_vml_cpu";
    case UnaryOp::Rsqrt:
      return "rsqrt_cpu";
    case UnaryOp::Exp:
      return "exp_vml_cpu";
    case UnaryOp::Exp2:
      return "exp2_cpu";
    case UnaryOp::Expm1:
      return "expm1_vml_cpu";
    case UnaryOp::Log:
      return "log_vml_cpu";
    case UnaryOp::Log2:
      return "log2_vml_cpu";
    case UnaryOp::Log10:
      return "log10_vml_cpu";
    case UnaryOp::Log1p:
      return "log1p_vml_cpu";
    case UnaryOp::Sin:
      return "sin_vml_cpu";
    case UnaryOp::Cos:
      return "cos_vml_cpu";
    case UnaryOp::Tan:
      return "tan_vml_cpu";
    case UnaryOp::Asin:
      return "asin_vml_cpu";
    case UnaryOp::Acos:
      return "acos_vml_cpu";
    case UnaryOp::Atan:
      return "atan_vml_cpu";
    case UnaryOp::Sinh:
      return "sinh_cpu";
    case UnaryOp::Cosh:
      return "cosh_cpu";
    case UnaryOp::Tanh:
      return "tanh_vml_cpu";
    case UnaryOp::Asinh:
      return "asinh_cpu";
    case UnaryOp::Acosh:
      return "acosh_cpu";
    case UnaryOp::Atanh:
      return "atanh_cpu";
    case UnaryOp::Sigmoid:
      return "sigmoid_cpu";
    case UnaryOp::Relu:
      return "clamp_min_cpu";
    case UnaryOp::Erf:
      return "erf_vml_cpu";
    case UnaryOp::Erfc:
      return "erfc_vml_cpu";
    case UnaryOp::Erfinv:
      return "erfinv_vml_cpu";
    case UnaryOp::Floor:
      return "floor_vml_cpu";
    case UnaryOp::Ceil:
      return "ceil_vml_cpu";
    case UnaryOp::Round:
      return "round_vml_cpu";
    case UnaryOp::Trunc:
      return "trunc_vml_cpu";
    case UnaryOp::Frac:
      return "frac_cpu";
    case UnaryOp::Sign:
      return "sign_cpu";
    case UnaryOp::Reciprocal:
      return "reciprocal_cpu";
    case UnaryOp::BitwiseNot:
      return "bitwise_not_cpu";
  }
  return "unary";
}

// One case per floating-only op: f(a) on A = opmath_t<T>.
#define EMBER_FLOAT_UNARY(NAME, EXPR)                    \
  case UnaryOp::NAME:                                    \
    if constexpr (fl) {                                  \
      return run1<T>(it, [](A a) -> A { return EXPR; }); \
    }                                                    \
    break;

template <typename T>
void unary_typed(UnaryOp op, const TensorIter& it) {
  using A = opmath_t<T>;
  constexpr bool fl = is_float_v<T>;
  constexpr bool is_bool = std::is_same_v<T, bool>;
  constexpr bool integral = std::is_integral_v<T> && !is_bool;
  switch (op) {
    case UnaryOp::Neg:
      if constexpr (!is_bool) return run1<T>(it, [](A a) -> A { return wrapping_neg(a); });
      break;
    case UnaryOp::Abs:
      if constexpr (fl) {
        return run1<T>(it, [](A a) -> A { return std::abs(a); });
      } else if constexpr (integral) {
        if constexpr (std::is_signed_v<T>)
          return run1<T>(it, [](T a) -> T { return a < 0 ? wrapping_neg(a) : a; });
        else
          return run1<T>(it, [](T a) -> T { return a; });
      }
      break;
    case UnaryOp::Relu:
      if constexpr (!is_bool) return run1<T>(it, [](A a) -> A { return a < A(0) ? A(0) : a; });
      break;
    case UnaryOp::Sign:
      if constexpr (is_bool) {
        return run1<T>(it, [](bool a) -> bool { return a; });
      } else {
        return run1<T>(it, [](A a) -> A { return static_cast<A>((A(0) < a) - (a < A(0))); });
      }
    case UnaryOp::BitwiseNot:
      if constexpr (is_bool)
        return run1<T>(it, [](bool a) -> bool { return !a; });
      else if constexpr (integral)
        return run1<T>(it, [](T a) -> T { return static_cast<T>(~a); });
      break;
      EMBER_FLOAT_UNARY(Sqrt, std::sqrt(a))
      EMBER_FLOAT_UNARY(Rsqrt, A(1) / std::sqrt(a))
      EMBER_FLOAT_UNARY(Exp, std::exp(a))
      EMBER_FLOAT_UNARY(Exp2, std::exp2(a))
      EMBER_FLOAT_UNARY(Expm1, std::expm1(a))
      EMBER_FLOAT_UNARY(Log, std::log(a))
      EMBER_FLOAT_UNARY(Log2, std::log2(a))
      EMBER_FLOAT_UNARY(Log10, std::log10(a))
      EMBER_FLOAT_UNARY(Log1p, std::log1p(a))
      EMBER_FLOAT_UNARY(Sin, std::sin(a))
      EMBER_FLOAT_UNARY(Cos, std::cos(a))
      EMBER_FLOAT_UNARY(Tan, std::tan(a))
      EMBER_FLOAT_UNARY(Asin, std::asin(a))
      EMBER_FLOAT_UNARY(Acos, std::acos(a))
      EMBER_FLOAT_UNARY(Atan, std::atan(a))
      EMBER_FLOAT_UNARY(Sinh, std::sinh(a))
      EMBER_FLOAT_UNARY(Cosh, std::cosh(a))
      EMBER_FLOAT_UNARY(Tanh, std::tanh(a))
      EMBER_FLOAT_UNARY(Asinh, std::asinh(a))
      EMBER_FLOAT_UNARY(Acosh, std::acosh(a))
      EMBER_FLOAT_UNARY(Atanh, std::atanh(a))
      EMBER_FLOAT_UNARY(Sigmoid, A(1) / (A(1) + std::exp(-a)))
      EMBER_FLOAT_UNARY(Erf, std::erf(a))
      EMBER_FLOAT_UNARY(Erfc, std::erfc(a))
      EMBER_FLOAT_UNARY(Erfinv, static_cast<A>(erfinv(static_cast<double>(a))))
      EMBER_FLOAT_UNARY(Floor, std::floor(a))
      EMBER_FLOAT_UNARY(Ceil, std::ceil(a))
      EMBER_FLOAT_UNARY(Round, std::nearbyint(a))
      EMBER_FLOAT_UNARY(Trunc, std::trunc(a))
      EMBER_FLOAT_UNARY(Frac, a - std::trunc(a))
      EMBER_FLOAT_UNARY(Reciprocal, A(1) / a)
  }
  throw TypeError(detail::str_cat("\"", unary_op_name(op), "\" not implemented for '",
                                  scalar_type_name(dtype_of<T>), "'"));
}
#undef EMBER_FLOAT_UNARY

template <typename T>
void predicate_typed(UnaryPredicate op, const TensorIter& it) {
  using A = opmath_t<T>;
  switch (op) {
    case UnaryPredicate::LogicalNot:
      return cpu_kernel<bool, T>(it, [](T a) -> bool { return !convert<bool>(a); });
    case UnaryPredicate::IsNan:
      if constexpr (is_float_v<T>) {
        return cpu_kernel<bool, T>(it, [](T a) -> bool { return std::isnan(static_cast<A>(a)); });
      }
      break;
    case UnaryPredicate::IsInf:
      if constexpr (is_float_v<T>) {
        return cpu_kernel<bool, T>(it, [](T a) -> bool { return std::isinf(static_cast<A>(a)); });
      }
      break;
    case UnaryPredicate::IsFinite:
      if constexpr (is_float_v<T>) {
        return cpu_kernel<bool, T>(it,
                                   [](T a) -> bool { return std::isfinite(static_cast<A>(a)); });
      }
      break;
  }
  throw TypeError(
      detail::str_cat("unary predicate not implemented for '", scalar_type_name(dtype_of<T>), "'"));
}

}  // namespace

void unary_kernel(UnaryOp op, const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_ALL(dtype, unary_op_name(op), [&] { unary_typed<scalar_t>(op, it); });
}

void unary_predicate_kernel(UnaryPredicate op, const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_ALL(dtype, "unary predicate", [&] { predicate_typed<scalar_t>(op, it); });
}

// Inverse error function: Giles' single-precision approximation as the start,
// then Newton steps on erf (|y| <= 0.5) or on erfc (where 1 - |y| is exact and
// erfc keeps its relative accuracy as |y| -> 1).
double erfinv(double y) {
  if (std::isnan(y)) return y;
  const double ay = std::abs(y);
  if (ay >= 1)
    return ay == 1 ? std::copysign(std::numeric_limits<double>::infinity(), y)
                   : std::numeric_limits<double>::quiet_NaN();
  if (ay == 0) return y;
  double w = -std::log((1.0 - ay) * (1.0 + ay)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double x = p * ay;
  constexpr double two_over_sqrt_pi = 1.1283791670955126;
  const double q = 1.0 - ay;  // exact for ay >= 0.5
  for (int i = 0; i < 3; ++i) {
    const double d = two_over_sqrt_pi * std::exp(-x * x);
    if (d == 0) break;
    const double step = ay <= 0.5 ? (std::erf(x) - ay) / d : (q - std::erfc(x)) / d;
    x -= step;
    if (std::abs(step) <= 1e-17 * std::abs(x)) break;
  }
  return std::copysign(x, y);
}

}  // namespace ember::kernels
