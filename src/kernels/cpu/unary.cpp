#include "kernels/cpu/unary.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/binary.h"
#include "kernels/cpu/convert.h"

// glibc's libmvec (linked through libm's linker script on x86-64) has AVX2
// versions of the math functions, as PyTorch has Sleef's: the loops below use
// them for float and double.
#if defined(__x86_64__) && defined(__AVX2__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define EMBER_HAVE_LIBMVEC 1
#include <immintrin.h>
#define EMBER_MVEC(name)             \
  __m256 _ZGVdN8v_##name##f(__m256); \
  __m256d _ZGVdN4v_##name(__m256d);
extern "C" {
EMBER_MVEC(exp)
EMBER_MVEC(exp2)
EMBER_MVEC(expm1)
EMBER_MVEC(log)
EMBER_MVEC(log2)
EMBER_MVEC(log10)
EMBER_MVEC(log1p)
EMBER_MVEC(sin)
EMBER_MVEC(cos)
EMBER_MVEC(tan)
EMBER_MVEC(asin)
EMBER_MVEC(acos)
EMBER_MVEC(atan)
EMBER_MVEC(sinh)
EMBER_MVEC(cosh)
EMBER_MVEC(tanh)
EMBER_MVEC(asinh)
EMBER_MVEC(acosh)
EMBER_MVEC(atanh)
EMBER_MVEC(erf)
EMBER_MVEC(erfc)
}
#undef EMBER_MVEC
#endif

namespace ember::kernels {

namespace {

template <typename T>
inline constexpr bool is_float_v = !std::is_integral_v<T>;

// out = f(a) with f evaluated in opmath_t, rounded once on store.
template <typename T, typename F>
void run1(const TensorIter& it, const F& f) {
  if constexpr (std::is_same_v<T, Half>) {
    reduced_kernel1<T>(it, f);
  } else if constexpr (is_reduced_float_v<T>) {  // BFloat16 widens with integer ops: vectorises
                                                 // inline
    cpu_kernel<T, T>(it, [f](T a) -> T { return T(f(static_cast<float>(a))); });
  } else {
    cpu_kernel<T, T>(it, f);
  }
}

#if defined(EMBER_HAVE_LIBMVEC)
struct VecF32 {
  using T = float;
  using V = __m256;
  static constexpr int W = 8;
  static V load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V sqrt(V v) { return _mm256_sqrt_ps(v); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V neg(V v) { return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)); }
  static V one() { return _mm256_set1_ps(1.0f); }
  template <int Mode>
  static V round(V v) {
    return _mm256_round_ps(v, Mode | _MM_FROUND_NO_EXC);
  }
};
struct VecF64 {
  using T = double;
  using V = __m256d;
  static constexpr int W = 4;
  static V load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V sqrt(V v) { return _mm256_sqrt_pd(v); }
  static V div(V a, V b) { return _mm256_div_pd(a, b); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
  static V neg(V v) { return _mm256_xor_pd(v, _mm256_set1_pd(-0.0)); }
  static V one() { return _mm256_set1_pd(1.0); }
  template <int Mode>
  static V round(V v) {
    return _mm256_round_pd(v, Mode | _MM_FROUND_NO_EXC);
  }
};

// W lanes of VT::T loaded from / stored to W elements of type S: Half and
// BFloat16 are widened to float and rounded once (to nearest even) on store.
template <typename VT, typename S>
struct Lanes {
  static typename VT::V load(const S* p) { return VT::load(p); }
  static void store(S* p, typename VT::V v) { VT::store(p, v); }
};
template <>
struct Lanes<VecF32, Half> {
  static __m256 load(const Half* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void store(Half* p, __m256 v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
};
template <>
struct Lanes<VecF32, BFloat16> {
  static __m256 load(const BFloat16* p) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
  }
  static void store(BFloat16* p, __m256 v) {
    // Round to nearest even on the upper 16 bits; NaN becomes the canonical quiet NaN.
    const __m256i bits = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(
        _mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    r = _mm256_blendv_epi8(r, _mm256_set1_epi32(0x7fc0), nan);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
};

// out = f(a) with f taking W lanes of VT::T, over elements stored as S. Tails
// and strided elements also go through f (gathered into a buffer), so an
// element's result never depends on where it sits in memory.
template <typename VT, typename S, typename F>
void run_vec(const TensorIter& it, const F& f) {
  using L = Lanes<VT, S>;
  constexpr int W = VT::W;
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    int64_t i = 0;
    if (s[0] == sizeof(S) && s[1] == sizeof(S)) {
      S* out = reinterpret_cast<S*>(data[0]);
      const S* in = reinterpret_cast<const S*>(data[1]);
      for (; i + W <= n; i += W) L::store(out + i, f(L::load(in + i)));
    }
    alignas(32) S buf[W];
    for (; i < n; i += W) {
      const int64_t m = std::min<int64_t>(W, n - i);
      for (int64_t k = 0; k < W; ++k)
        buf[k] = k < m ? *reinterpret_cast<const S*>(data[1] + (i + k) * s[1]) : S(0.0f);
      L::store(buf, f(L::load(buf)));
      for (int64_t k = 0; k < m; ++k) *reinterpret_cast<S*>(data[0] + (i + k) * s[0]) = buf[k];
    }
  });
}

// The libmvec function for op, or nullptr.
template <typename VT>
auto mvec_function(UnaryOp op) {
  using V = typename VT::V;
  using Fn = V (*)(V);
#define EMBER_MVEC_CASE(OP, name)     \
  case UnaryOp::OP:                   \
    if constexpr (VT::W == 8)         \
      return Fn(&_ZGVdN8v_##name##f); \
    else                              \
      return Fn(&_ZGVdN4v_##name);
  switch (op) {
    EMBER_MVEC_CASE(Exp, exp)
    EMBER_MVEC_CASE(Exp2, exp2)
    EMBER_MVEC_CASE(Expm1, expm1)
    EMBER_MVEC_CASE(Log, log)
    EMBER_MVEC_CASE(Log2, log2)
    EMBER_MVEC_CASE(Log10, log10)
    EMBER_MVEC_CASE(Log1p, log1p)
    EMBER_MVEC_CASE(Sin, sin)
    EMBER_MVEC_CASE(Cos, cos)
    EMBER_MVEC_CASE(Tan, tan)
    EMBER_MVEC_CASE(Asin, asin)
    EMBER_MVEC_CASE(Acos, acos)
    EMBER_MVEC_CASE(Atan, atan)
    EMBER_MVEC_CASE(Sinh, sinh)
    EMBER_MVEC_CASE(Cosh, cosh)
    EMBER_MVEC_CASE(Tanh, tanh)
    EMBER_MVEC_CASE(Asinh, asinh)
    EMBER_MVEC_CASE(Acosh, acosh)
    EMBER_MVEC_CASE(Atanh, atanh)
    EMBER_MVEC_CASE(Erf, erf)
    EMBER_MVEC_CASE(Erfc, erfc)
    default:
      return Fn(nullptr);
  }
#undef EMBER_MVEC_CASE
}

// Vectorised versions of the math and rounding ops for storage type S; false
// if op has none.
template <typename VT, typename S>
bool try_vectorised(UnaryOp op, const TensorIter& it) {
  using V = typename VT::V;
  switch (op) {
    case UnaryOp::Sqrt:
      run_vec<VT, S>(it, [](V x) { return VT::sqrt(x); });
      return true;
    case UnaryOp::Rsqrt:
      run_vec<VT, S>(it, [](V x) { return VT::div(VT::one(), VT::sqrt(x)); });
      return true;
    case UnaryOp::Sigmoid: {
      auto e = mvec_function<VT>(UnaryOp::Exp);
      run_vec<VT, S>(it,
                     [e](V x) { return VT::div(VT::one(), VT::add(VT::one(), e(VT::neg(x)))); });
      return true;
    }
    case UnaryOp::Floor:
      run_vec<VT, S>(it, [](V x) { return VT::template round<_MM_FROUND_TO_NEG_INF>(x); });
      return true;
    case UnaryOp::Ceil:
      run_vec<VT, S>(it, [](V x) { return VT::template round<_MM_FROUND_TO_POS_INF>(x); });
      return true;
    case UnaryOp::Trunc:
      run_vec<VT, S>(it, [](V x) { return VT::template round<_MM_FROUND_TO_ZERO>(x); });
      return true;
    case UnaryOp::Round:  // half to even, as nearbyint
      run_vec<VT, S>(it, [](V x) { return VT::template round<_MM_FROUND_TO_NEAREST_INT>(x); });
      return true;
    case UnaryOp::Frac:
      run_vec<VT, S>(it, [](V x) { return VT::sub(x, VT::template round<_MM_FROUND_TO_ZERO>(x)); });
      return true;
    default:
      break;
  }
  if (auto f = mvec_function<VT>(op)) {
    run_vec<VT, S>(it, f);
    return true;
  }
  return false;
}
#endif

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
#if defined(EMBER_HAVE_LIBMVEC)
  if constexpr (std::is_same_v<T, double>) {
    if (try_vectorised<VecF64, T>(op, it)) return;
  } else if constexpr (is_float_v<T>) {
    if (try_vectorised<VecF32, T>(op, it)) return;
  }
#endif
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
        return cpu_kernel<uint8_t, uint8_t>(it, [](uint8_t a) -> uint8_t { return a; });
      } else {
        return run1<T>(it, [](A a) -> A { return static_cast<A>((A(0) < a) - (a < A(0))); });
      }
    case UnaryOp::BitwiseNot:
      if constexpr (is_bool)  // bytes holding 0 or 1
        return cpu_kernel<uint8_t, uint8_t>(it, [](uint8_t a) -> uint8_t { return a ^ 1; });
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
      if constexpr (std::is_same_v<T, bool>)  // read as bytes: vectorises
        return cpu_kernel<bool, uint8_t>(it, [](uint8_t a) -> bool { return a == 0; });
      else
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
