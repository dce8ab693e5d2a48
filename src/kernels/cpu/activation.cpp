#include "kernels/cpu/activation.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>

#include "kernels/cpu/binary.h"
#include "kernels/cpu/convert.h"

// glibc's libmvec AVX2 math (as in unary.cpp): the transcendental activations
// run in blocks whose exp / expm1 / log1p / tanh / erf are evaluated 8 (float)
// or 4 (double) lanes at a time.
#if defined(__x86_64__) && defined(__AVX2__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define EMBER_ACT_LIBMVEC 1
#include <immintrin.h>
#define EMBER_MVEC(name)             \
  __m256 _ZGVdN8v_##name##f(__m256); \
  __m256d _ZGVdN4v_##name(__m256d);
extern "C" {
EMBER_MVEC(exp)
EMBER_MVEC(expm1)
EMBER_MVEC(log1p)
EMBER_MVEC(tanh)
EMBER_MVEC(erf)
}
#undef EMBER_MVEC
#endif

namespace ember::kernels {

namespace {

// ---- blocks: elements are gathered into opmath arrays of kBlock, computed
// with vector math calls there, and stored back (rounded once).

constexpr int64_t kBlock = 256;

enum class VFn { Exp, Expm1, Log1p, Tanh, Erf };

template <typename M>
inline M scalar_fn(VFn f, M v) {
  switch (f) {
    case VFn::Exp:
      return std::exp(v);
    case VFn::Expm1:
      return std::expm1(v);
    case VFn::Log1p:
      return std::log1p(v);
    case VFn::Tanh:
      return std::tanh(v);
    default:
      return std::erf(v);
  }
}

// out[0..m) = f(in[0..m)), m <= kBlock. Every element goes through the same
// (vector) code, so a result never depends on where the element sits.
template <typename M>
void vmap(VFn f, const M* in, M* out, int64_t m) {
#if defined(EMBER_ACT_LIBMVEC)
  if constexpr (std::is_same_v<M, float>) {
    using Fn = __m256 (*)(__m256);
    const Fn fn = f == VFn::Exp     ? Fn(&_ZGVdN8v_expf)
                  : f == VFn::Expm1 ? Fn(&_ZGVdN8v_expm1f)
                  : f == VFn::Log1p ? Fn(&_ZGVdN8v_log1pf)
                  : f == VFn::Tanh  ? Fn(&_ZGVdN8v_tanhf)
                                    : Fn(&_ZGVdN8v_erff);
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) _mm256_storeu_ps(out + i, fn(_mm256_loadu_ps(in + i)));
    if (i < m) {
      alignas(32) float buf[8] = {};
      for (int64_t k = 0; k < m - i; ++k) buf[k] = in[i + k];
      _mm256_store_ps(buf, fn(_mm256_load_ps(buf)));
      for (int64_t k = 0; k < m - i; ++k) out[i + k] = buf[k];
    }
    return;
  } else {
    using Fn = __m256d (*)(__m256d);
    const Fn fn = f == VFn::Exp     ? Fn(&_ZGVdN4v_exp)
                  : f == VFn::Expm1 ? Fn(&_ZGVdN4v_expm1)
                  : f == VFn::Log1p ? Fn(&_ZGVdN4v_log1p)
                  : f == VFn::Tanh  ? Fn(&_ZGVdN4v_tanh)
                                    : Fn(&_ZGVdN4v_erf);
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) _mm256_storeu_pd(out + i, fn(_mm256_loadu_pd(in + i)));
    if (i < m) {
      alignas(32) double buf[4] = {};
      for (int64_t k = 0; k < m - i; ++k) buf[k] = in[i + k];
      _mm256_store_pd(buf, fn(_mm256_load_pd(buf)));
      for (int64_t k = 0; k < m - i; ++k) out[i + k] = buf[k];
    }
    return;
  }
#endif
  for (int64_t i = 0; i < m; ++i) out[i] = scalar_fn(f, in[i]);
}

// m elements of type T at p (byte stride `stride`, 0: one value) into opmath.
template <typename T, typename M>
inline void load_block(const char* p, int64_t stride, M* out, int64_t m) {
  if constexpr (is_reduced_float_v<T>) {
    reduced::widen<T>(p, stride, out, m);
  } else if (stride == static_cast<int64_t>(sizeof(T))) {
    const T* in = reinterpret_cast<const T*>(p);
    for (int64_t k = 0; k < m; ++k) out[k] = in[k];
  } else {
    for (int64_t k = 0; k < m; ++k) out[k] = *reinterpret_cast<const T*>(p + k * stride);
  }
}
template <typename T, typename M>
inline void store_block(char* p, int64_t stride, const M* in, int64_t m) {
  if constexpr (is_reduced_float_v<T>) {
    reduced::narrow<T>(p, stride, in, m);
  } else if (stride == static_cast<int64_t>(sizeof(T))) {
    T* out = reinterpret_cast<T*>(p);
    for (int64_t k = 0; k < m; ++k) out[k] = in[k];
  } else {
    for (int64_t k = 0; k < m; ++k) *reinterpret_cast<T*>(p + k * stride) = in[k];
  }
}

// out = blk over {out, x}: blk(const M* x, M* z, int64_t m).
template <typename T, typename M, typename Blk>
void block1(const TensorIter& it, const Blk& blk) {
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    alignas(64) M x[kBlock], z[kBlock];
    for (int64_t i = 0; i < n; i += kBlock) {
      const int64_t m = std::min(kBlock, n - i);
      load_block<T>(data[1] + i * s[1], s[1], x, m);
      blk(x, z, m);
      store_block<T>(data[0] + i * s[0], s[0], z, m);
    }
  });
}
// grad_in = blk over {grad_in, g, x}: blk(const M* g, const M* x, M* z, int64_t m).
template <typename T, typename M, typename Blk>
void block2(const TensorIter& it, const Blk& blk) {
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    alignas(64) M g[kBlock], x[kBlock], z[kBlock];
    for (int64_t i = 0; i < n; i += kBlock) {
      const int64_t m = std::min(kBlock, n - i);
      load_block<T>(data[1] + i * s[1], s[1], g, m);
      load_block<T>(data[2] + i * s[2], s[2], x, m);
      blk(g, x, z, m);
      store_block<T>(data[0] + i * s[0], s[0], z, m);
    }
  });
}

template <typename T>
using opmath_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T, typename F>
void run1(const TensorIter& it, const F& f) {
  if constexpr (is_reduced_float_v<T>) {
    reduced_kernel1<T>(it, f);
  } else {
    cpu_kernel<T, T>(it, f);
  }
}
template <typename T, typename F>
void run2(const TensorIter& it, const F& f) {
  if constexpr (is_reduced_float_v<T>) {
    reduced_kernel2<T>(it, f);
  } else {
    cpu_kernel<T, T, T>(it, f);
  }
}

template <typename T>
void forward_typed(ActOp op, const ActParams& p, const TensorIter& it) {
  using M = opmath_t<T>;
  const M a = static_cast<M>(p.a), b = static_cast<M>(p.b), c = static_cast<M>(p.c);
  switch (op) {
    case ActOp::Gelu:
      return block1<T, M>(it, [](const M* x, M* z, int64_t m) {
        const M kAlpha = static_cast<M>(std::numbers::sqrt2 / 2);
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = x[k] * kAlpha;
        vmap(VFn::Erf, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = M(0.5) * x[k] * (M(1) + t[k]);
      });
    case ActOp::GeluTanh:
      return block1<T, M>(it, [](const M* x, M* z, int64_t m) {
        const M kBeta = static_cast<M>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
        const M kKappa = M(0.044715);
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = kBeta * (x[k] + kKappa * x[k] * x[k] * x[k]);
        vmap(VFn::Tanh, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = M(0.5) * x[k] * (M(1) + t[k]);
      });
    case ActOp::Silu:
      return block1<T, M>(it, [](const M* x, M* z, int64_t m) {
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = -x[k];
        vmap(VFn::Exp, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = x[k] / (M(1) + t[k]);
      });
    case ActOp::Mish:
      return block1<T, M>(it, [](const M* x, M* z, int64_t m) {
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = -std::abs(x[k]);
        vmap(VFn::Exp, t, t, m);
        vmap(VFn::Log1p, t, t, m);
        for (int64_t k = 0; k < m; ++k) t[k] += std::max(x[k], M(0));  // softplus(x)
        vmap(VFn::Tanh, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = x[k] * t[k];
      });
    case ActOp::Elu:
      return block1<T, M>(it, [a, b, c](const M* x, M* z, int64_t m) {
        // locals: stores through z could otherwise alias the captures
        const M al = a, bl = b, cl = c;
        alignas(64) M t[kBlock];
        // expm1(v) = 2 tanh(v/2) / (1 - tanh(v/2)): accurate near 0 and, for
        // v <= 0, free of cancellation (libmvec's expm1 is much slower than tanh).
        for (int64_t k = 0; k < m; ++k) t[k] = std::min(x[k], M(0)) * cl * M(0.5);
        vmap(VFn::Tanh, t, t, m);
        for (int64_t k = 0; k < m; ++k) {
          const M em1 = M(2) * t[k] / (M(1) - t[k]);
          z[k] = x[k] <= M(0) ? em1 * al * bl : x[k] * bl;
        }
      });
    case ActOp::Softplus:
      return block1<T, M>(it, [a, b](const M* x, M* z, int64_t m) {
        // locals: stores through z could otherwise alias the captures
        const M al = a, bl = b;
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = std::min(x[k] * al, bl);  // no overflow where unused
        vmap(VFn::Exp, t, t, m);
        vmap(VFn::Log1p, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = x[k] * al > bl ? x[k] : t[k] / al;
      });
    case ActOp::LogSigmoid:
      return block1<T, M>(it, [](const M* x, M* z, int64_t m) {
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = -std::abs(x[k]);
        vmap(VFn::Exp, t, t, m);
        vmap(VFn::Log1p, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = std::min(x[k], M(0)) - t[k];
      });
    case ActOp::LeakyRelu:
      return run1<T>(it, [a](M x) { return x > M(0) ? x : x * a; });
    case ActOp::Hardtanh:
      return run1<T>(it, [a, b](M x) {
        // clamp: min(max(x, a), b) (b wins when a > b); NaN propagates.
        return std::isnan(x) ? x : std::min(std::max(x, a), b);
      });
    case ActOp::Hardsigmoid:
      return run1<T>(it, [](M x) { return std::min(std::max(x + M(3), M(0)), M(6)) / M(6); });
    case ActOp::Hardswish:
      return run1<T>(it, [](M x) { return x * std::min(std::max(x + M(3), M(0)), M(6)) / M(6); });
    case ActOp::Threshold:
      return run1<T>(it, [a, b](M x) { return x <= a ? b : x; });
    case ActOp::Softshrink:
      // NaN propagates (as later PyTorch; 1.13 gives 0)
      return run1<T>(
          it, [a](M x) { return std::isnan(x) ? x : (x > a ? x - a : (x < -a ? x + a : M(0))); });
    case ActOp::Hardshrink:
      return run1<T>(it, [a](M x) { return (x >= -a && x <= a) ? M(0) : x; });
  }
}

template <typename T>
void backward_typed(ActOp op, const ActParams& p, bool from_result, const TensorIter& it) {
  using M = opmath_t<T>;
  const M a = static_cast<M>(p.a), b = static_cast<M>(p.b), c = static_cast<M>(p.c);
  switch (op) {
    case ActOp::Gelu:
      return block2<T, M>(it, [](const M* g, const M* x, M* z, int64_t m) {
        const M kAlpha = static_cast<M>(std::numbers::sqrt2 / 2);
        const M kBeta = static_cast<M>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi / 2);
        alignas(64) M e[kBlock], q[kBlock];
        for (int64_t k = 0; k < m; ++k) {
          e[k] = x[k] * kAlpha;
          q[k] = x[k] * x[k] * M(-0.5);
        }
        vmap(VFn::Erf, e, e, m);
        vmap(VFn::Exp, q, q, m);
        for (int64_t k = 0; k < m; ++k)
          z[k] = g[k] * (M(0.5) * (M(1) + e[k]) + x[k] * kBeta * q[k]);
      });
    case ActOp::GeluTanh:
      return block2<T, M>(it, [](const M* g, const M* x, M* z, int64_t m) {
        const M kBeta = static_cast<M>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
        const M kKappa = M(0.044715);
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = kBeta * (x[k] + kKappa * x[k] * x[k] * x[k]);
        vmap(VFn::Tanh, t, t, m);
        for (int64_t k = 0; k < m; ++k) {
          const M x_sq = x[k] * x[k];
          const M left = M(0.5) * x[k], right = M(1) + t[k];
          const M left_d = M(0.5) * right;
          const M right_d = left * (M(1) - t[k] * t[k]) * kBeta * (M(1) + M(3) * kKappa * x_sq);
          z[k] = g[k] * (left_d + right_d);
        }
      });
    case ActOp::Silu:
      return block2<T, M>(it, [](const M* g, const M* x, M* z, int64_t m) {
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = -x[k];
        vmap(VFn::Exp, t, t, m);
        for (int64_t k = 0; k < m; ++k) {
          const M sg = M(1) / (M(1) + t[k]);
          z[k] = g[k] * sg * (M(1) + x[k] * (M(1) - sg));
        }
      });
    case ActOp::Mish:
      return block2<T, M>(it, [](const M* g, const M* x, M* z, int64_t m) {
        alignas(64) M e[kBlock], t[kBlock];
        for (int64_t k = 0; k < m; ++k) {
          e[k] = -x[k];
          t[k] = -std::abs(x[k]);
        }
        vmap(VFn::Exp, e, e, m);
        vmap(VFn::Exp, t, t, m);
        vmap(VFn::Log1p, t, t, m);
        for (int64_t k = 0; k < m; ++k) t[k] += std::max(x[k], M(0));
        vmap(VFn::Tanh, t, t, m);
        for (int64_t k = 0; k < m; ++k) {
          const M sg = M(1) / (M(1) + e[k]);
          z[k] = g[k] * (t[k] + x[k] * sg * (M(1) - t[k] * t[k]));
        }
      });
    case ActOp::Elu:
      // x > 0 picks the positive branch: NaN takes the negative one and gives
      // NaN (as PyTorch's vectorized loop; its scalar tail gives g * scale).
      if (from_result)
        return run2<T>(it, [a, b, c](M g, M y) { return y > M(0) ? g * b : g * c * (y + a * b); });
      return block2<T, M>(it, [a, b, c](const M* g, const M* x, M* z, int64_t m) {
        // locals: stores through z could otherwise alias the captures
        const M al = a, bl = b, cl = c;
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = std::min(x[k], M(0)) * cl;
        vmap(VFn::Exp, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = x[k] > M(0) ? g[k] * bl : g[k] * cl * al * bl * t[k];
      });
    case ActOp::Softplus:
      return block2<T, M>(it, [a, b](const M* g, const M* x, M* z, int64_t m) {
        // locals: stores through z could otherwise alias the captures
        const M al = a, bl = b;
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = std::min(x[k] * al, bl);
        vmap(VFn::Exp, t, t, m);
        for (int64_t k = 0; k < m; ++k) z[k] = x[k] * al > bl ? g[k] : g[k] * t[k] / (t[k] + M(1));
      });
    case ActOp::LogSigmoid:
      return block2<T, M>(it, [](const M* g, const M* x, M* z, int64_t m) {
        alignas(64) M t[kBlock];
        for (int64_t k = 0; k < m; ++k) t[k] = -std::abs(x[k]);
        vmap(VFn::Exp, t, t, m);
        for (int64_t k = 0; k < m; ++k) {
          const bool neg = x[k] < M(0);
          z[k] = g[k] * ((neg ? M(1) : M(0)) - (neg ? M(1) : M(-1)) * (t[k] / (M(1) + t[k])));
        }
      });
    case ActOp::LeakyRelu:
      return run2<T>(it, [a](M g, M x) { return x > M(0) ? g : g * a; });
    case ActOp::Hardtanh:
      // NaN gives 0 (as PyTorch's vectorized loop; its scalar tail passes g)
      return run2<T>(it, [a, b](M g, M x) { return (x > a && x < b) ? g : M(0); });
    case ActOp::Hardsigmoid:
      return run2<T>(it, [](M g, M x) { return (x > M(-3) && x < M(3)) ? g / M(6) : M(0); });
    case ActOp::Hardswish:
      // As PyTorch 1.13's vectorized loop (its scalar tail differs at x = 3
      // and NaN): g at x = 3, NaN for NaN.
      return run2<T>(it, [](M g, M x) {
        return x < M(-3) ? M(0) : (x >= M(3) ? g : g * (x / M(3) + M(0.5)));
      });
    case ActOp::Threshold:
      return run2<T>(it, [a](M g, M x) { return x <= a ? M(0) : g; });
    case ActOp::Softshrink:
    case ActOp::Hardshrink:
      return run2<T>(it, [a](M g, M x) { return (x >= -a && x <= a) ? M(0) : g; });
  }
  (void)c;
}

}  // namespace

void activation_kernel(ActOp op, const ActParams& p, const TensorIter& it, DType dtype,
                       const char* name) {
  EMBER_DISPATCH_FLOATING(dtype, name, [&] { forward_typed<scalar_t>(op, p, it); });
}

void activation_backward_kernel(ActOp op, const ActParams& p, bool from_result,
                                const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_FLOATING(dtype, "activation_backward",
                          [&] { backward_typed<scalar_t>(op, p, from_result, it); });
}

}  // namespace ember::kernels
