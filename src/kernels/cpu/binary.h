#pragma once
// Elementwise binary kernels (arithmetic, division family, pow, min/max,
// bitwise, lerp) and the plumbing the elementwise ops share: overlap tests,
// PyTorch's dtype names for messages, and wrapping integer arithmetic.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>
#endif

#include "ember/core/tensor.h"
#include "kernels/cpu/convert.h"
#include "kernels/cpu/tensor_iter.h"

namespace ember::kernels {

enum class BinaryOp : int8_t {
  Add,
  Sub,
  AddAlpha,  // a + alpha * b
  Mul,
  Div,       // true division (floating dtypes)
  DivTrunc,  // integral: the caller has checked for zero divisors
  DivFloor,
  Remainder,  // Python's %: the sign of the divisor
  Fmod,       // C's fmod: the sign of the dividend
  Pow,
  Atan2,
  Maximum,  // NaN-propagating
  Minimum,
  BitwiseAnd,
  BitwiseOr,
  BitwiseXor,
};

// out = op(a, b) over the operands {out, a, b} of `it`, all of dtype `dtype`.
// Throws TypeError for a dtype the op does not support.
void binary_kernel(BinaryOp op, const TensorIter& it, DType dtype, const Scalar& alpha = 1);

// out = base ** exponent over {out, base}, with PyTorch's fast paths for the
// exponents 0.5, 2, 3, -0.5, -1, -2 on floating dtypes. Integral dtypes use
// exponentiation by squaring (the caller rejects negative exponents).
void pow_scalar_kernel(const TensorIter& it, DType dtype, const Scalar& exponent);

// lerp over {out, start, end} with a scalar weight, or {out, start, end, weight}.
void lerp_scalar_kernel(const TensorIter& it, DType dtype, const Scalar& weight);
void lerp_tensor_kernel(const TensorIter& it, DType dtype);

// Whether the (integral or bool) tensor holds a zero: integer division checks
// its divisor before writing anything.
bool any_zero(const Tensor& t);

// out = op(a, b, c) over {out, a, b, c}: like cpu_kernel, with typed loops for
// all-contiguous operands and for a scalar (stride 0) last operand.
template <typename out_t, typename A, typename B, typename C, typename Op>
void ternary_kernel(const TensorIter& it, const Op& op) {
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    out_t* out = reinterpret_cast<out_t*>(data[0]);
    const A* a = reinterpret_cast<const A*>(data[1]);
    const B* b = reinterpret_cast<const B*>(data[2]);
    const C* c = reinterpret_cast<const C*>(data[3]);
    if (s[0] == sizeof(out_t) && s[1] == sizeof(A) && s[2] == sizeof(B)) {
      if (s[3] == sizeof(C)) {
        for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i], c[i]);
        return;
      }
      if (s[3] == 0) {
        const C cv = c[0];
        for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i], cv);
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<out_t*>(data[0] + i * s[0]) =
          op(*reinterpret_cast<const A*>(data[1] + i * s[1]),
             *reinterpret_cast<const B*>(data[2] + i * s[2]),
             *reinterpret_cast<const C*>(data[3] + i * s[3]));
  });
}

// ---- Half loops: blocks of elements are widened to float (F16C), computed
// there (a loop the compiler vectorises) and rounded once on store, which beats
// converting element by element. (BFloat16 converts with integer ops that
// vectorise inline, so it does not need this.)

namespace reduced {
inline constexpr int64_t kReducedBlock = 256;

// out[0..m) = the m elements of type T at p with byte stride `stride` (0: one value).
template <typename T>
inline void widen(const char* p, int64_t stride, float* out, int64_t m) {
  if (stride == 0) {
    const float v = static_cast<float>(*reinterpret_cast<const T*>(p));
    for (int64_t k = 0; k < m; ++k) out[k] = v;
    return;
  }
  int64_t k = 0;
  if (stride == static_cast<int64_t>(sizeof(T))) {
    const T* in = reinterpret_cast<const T*>(p);
#if defined(__AVX2__) && defined(__F16C__)
    if constexpr (std::is_same_v<T, Half>) {
      for (; k + 8 <= m; k += 8)
        _mm256_storeu_ps(
            out + k, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + k))));
    }
#endif
    for (; k < m; ++k) out[k] = static_cast<float>(in[k]);
    return;
  }
  for (; k < m; ++k) out[k] = static_cast<float>(*reinterpret_cast<const T*>(p + k * stride));
}

template <typename T>
inline void narrow(char* p, int64_t stride, const float* in, int64_t m) {
  int64_t k = 0;
  if (stride == static_cast<int64_t>(sizeof(T))) {
    T* out = reinterpret_cast<T*>(p);
#if defined(__AVX2__) && defined(__F16C__)
    if constexpr (std::is_same_v<T, Half>) {
      for (; k + 8 <= m; k += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k),
                         _mm256_cvtps_ph(_mm256_loadu_ps(in + k), _MM_FROUND_TO_NEAREST_INT));
    }
#endif
    for (; k < m; ++k) out[k] = T(in[k]);
    return;
  }
  for (; k < m; ++k) *reinterpret_cast<T*>(p + k * stride) = T(in[k]);
}
}  // namespace reduced

// out = f(a) over {out, a} of the reduced float type T; f works on floats.
template <typename T, typename F>
void reduced_kernel1(const TensorIter& it, const F& f) {
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    constexpr int64_t B = reduced::kReducedBlock;
    alignas(64) float x[B], z[B];
    for (int64_t i = 0; i < n; i += B) {
      const int64_t m = std::min(B, n - i);
      reduced::widen<T>(data[1] + i * s[1], s[1], x, m);
      for (int64_t k = 0; k < m; ++k) z[k] = f(x[k]);
      reduced::narrow<T>(data[0] + i * s[0], s[0], z, m);
    }
  });
}

// out = f(a, b) over {out, a, b} of the reduced float type T; f works on floats.
template <typename T, typename F>
void reduced_kernel2(const TensorIter& it, const F& f) {
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    constexpr int64_t B = reduced::kReducedBlock;
    alignas(64) float x[B], y[B], z[B];
    for (int64_t i = 0; i < n; i += B) {
      const int64_t m = std::min(B, n - i);
      reduced::widen<T>(data[1] + i * s[1], s[1], x, m);
      reduced::widen<T>(data[2] + i * s[2], s[2], y, m);
      for (int64_t k = 0; k < m; ++k) z[k] = f(x[k], y[k]);
      reduced::narrow<T>(data[0] + i * s[0], s[0], z, m);
    }
  });
}

// ---- helpers shared by the elementwise ops

using ::ember::scalar_type_name;  // core/dtype.h
using ::ember::typemeta_name;     // core/dtype.h

// Whether a and b can touch the same memory.
bool may_overlap(const Tensor& a, const Tensor& b);
// Whether a and b are the same elements in the same order (x.add_(x) is safe).
bool same_elements(const Tensor& a, const Tensor& b);
// Throws RuntimeError when t cannot be written elementwise (an expanded view).
void check_no_internal_overlap(const Tensor& t);

// `t` converted to `dtype` (copied only when it differs) and expanded to `shape`.
Tensor as_operand(const Tensor& t, DType dtype, IntArrayRef shape);

// Integer arithmetic that wraps around as PyTorch's (two's complement), without
// the undefined behaviour of signed overflow in C++.
template <typename T>
inline T wrapping_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T>
inline T wrapping_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}
template <typename T>
inline T wrapping_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
template <typename T>
inline T wrapping_neg(T a) {
  if constexpr (std::is_integral_v<T>) {
    return wrapping_sub(T(0), a);
  } else {
    return -a;  // keeps the sign of zero: neg(0.) is -0.
  }
}

}  // namespace ember::kernels
