#include "kernels/cpu/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "ember/core/parallel.h"
#include "kernels/cpu/convert.h"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace ember::kernels {

namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
constexpr double kTwoPi = 6.283185307179586476925286766559;

inline uint64_t join64(uint32_t lo, uint32_t hi) {
  return static_cast<uint64_t>(lo) | (static_cast<uint64_t>(hi) << 32);
}

template <typename T>
inline constexpr bool is_builtin_float_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

// The next representable value below v (finite v).
template <typename T>
T next_down(T v) {
  if constexpr (is_builtin_float_v<T>) {
    return std::nextafter(v, -std::numeric_limits<T>::infinity());
  } else {
    uint16_t b = v.x;
    if (b == 0)
      b = 0x8001;  // +0 -> smallest negative subnormal
    else if (b & 0x8000)
      b = static_cast<uint16_t>(b + 1);  // negative: grow the magnitude
    else
      b = static_cast<uint16_t>(b - 1);
    return T::from_bits(b);
  }
}

// The largest T strictly below `to` (rounding from + u * (to - from) can land on
// `to` itself); T(from) when the range is empty or narrower than one step.
template <typename T>
T largest_below(double from, double to) {
  using acc = opmath_t<T>;
  T h = T(static_cast<acc>(to));
  for (int i = 0; i < 4 && static_cast<double>(static_cast<acc>(h)) >= to; ++i) h = next_down(h);
  if (!(static_cast<double>(static_cast<acc>(h)) >= from)) h = T(static_cast<acc>(from));
  return h;
}

template <typename T>
inline T min_of(T a, T b) {
  if constexpr (is_builtin_float_v<T>) {
    return std::min(a, b);
  } else {
    return static_cast<float>(b) < static_cast<float>(a) ? b : a;
  }
}

template <typename scalar_t>
void uniform_impl(scalar_t* out, int64_t n, double from, double to, Generator& gen) {
  using acc = opmath_t<scalar_t>;
  const acc lo = static_cast<acc>(from);
  const acc span = static_cast<acc>(to - from);
  const scalar_t hi = largest_below<scalar_t>(from, to);
  if constexpr (std::is_same_v<acc, double>) {
    for_each_philox_batch<2>(n, gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      scalar_t* o = out + e0;
      for (int64_t t = 0; t < cnt; ++t) {
        const double u = uint64_to_unit_double(join64(w[2 * t], w[2 * t + 1]));
        o[t] = std::min(u * span + lo, hi);
      }
    });
  } else {
    for_each_philox_batch<4>(n, gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      scalar_t* o = out + e0;
      for (int64_t t = 0; t < cnt; ++t) {
        const float u = uint32_to_unit_float(w[t]);
        o[t] = min_of(scalar_t(u * span + lo), hi);
      }
    });
  }
}

// Float log for x in [2^-24, 1] (Cephes logf, about 1 ulp): branch-free so the
// Box-Muller loop vectorises, which libm calls prevent.
inline float log_unit(float x) {
  const uint32_t bits = detail::float_bits(x);
  float e = static_cast<float>(static_cast<int32_t>((bits >> 23) & 0xff) - 126);
  float m = detail::bits_float((bits & 0x807fffffu) | 0x3f000000u);  // [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1.0f : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += -2.12194440e-4f * e;
  y += -0.5f * z;
  return m + y + 0.693359375f * e;
}

// sin and cos of 2 pi u for u in [0, 1): quadrant from round(4u), Cephes
// polynomials on [-pi/4, pi/4].
inline void sincos_2pi(float u, float& s, float& c) {
  const float q = static_cast<float>(static_cast<int32_t>(u * 4.0f + 0.5f));
  const float a = (u - q * 0.25f) * static_cast<float>(kTwoPi);  // u - q/4 is exact
  const float z = a * a;
  const float sa = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * a + a;
  const float ca =
      ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z -
      0.5f * z + 1.0f;
  const int32_t k = static_cast<int32_t>(q) & 3;
  const float ss = (k & 1) ? ca : sa, cc = (k & 1) ? sa : ca;
  s = (k & 2) ? -ss : ss;
  c = ((k + 1) & 2) ? -cc : cc;
}

// In-place sqrt of non-negative numbers. With errno semantics (the library's
// flags) GCC will not vectorise std::sqrt, so AVX builds say it directly.
inline void sqrt_inplace(float* x, int64_t n) {
  int64_t i = 0;
#if defined(__AVX__)
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
#endif
  for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

// Box-Muller on word pairs (w[2p], w[2p+1]) -> v[2p], v[2p+1], pairs <= 2 * kPhiloxBatch.
void box_muller_float(const uint32_t* w, float* v, int64_t pairs, float mean, float std) {
  float r[kPhiloxBatch * 2];
  for (int64_t p = 0; p < pairs; ++p)
    r[p] = -2.0f * log_unit(1.0f - uint32_to_unit_float(w[2 * p]));  // 1 - u1 in (0, 1]
  sqrt_inplace(r, pairs);
  for (int64_t p = 0; p < pairs; ++p) {
    float sn, cs;
    sincos_2pi(uint32_to_unit_float(w[2 * p + 1]), sn, cs);
    v[2 * p] = r[p] * cs * std + mean;
    v[2 * p + 1] = r[p] * sn * std + mean;
  }
}

template <typename scalar_t>
void normal_impl(scalar_t* out, int64_t n, double mean, double std, Generator& gen) {
  using acc = opmath_t<scalar_t>;
  const acc m = static_cast<acc>(mean), s = static_cast<acc>(std);
  if constexpr (std::is_same_v<acc, double>) {
    // One pair of 53-bit uniforms per counter gives two normals.
    for_each_philox_batch<2>(n, gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      double v[kPhiloxBatch * 2];
      const int64_t pairs = (cnt + 1) / 2;
      for (int64_t p = 0; p < pairs; ++p) {
        const double u1 = uint64_to_unit_double(join64(w[4 * p], w[4 * p + 1]));
        const double u2 = uint64_to_unit_double(join64(w[4 * p + 2], w[4 * p + 3]));
        const double r = std::sqrt(-2.0 * std::log(1.0 - u1));  // 1 - u1 in (0, 1]
        const double th = kTwoPi * u2;
        v[2 * p] = r * std::cos(th) * s + m;
        v[2 * p + 1] = r * std::sin(th) * s + m;
      }
      std::copy(v, v + cnt, out + e0);
    });
  } else {
    // Two pairs of 24-bit uniforms per counter give four normals.
    for_each_philox_batch<4>(n, gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      float v[kPhiloxBatch * 4];
      const int64_t pairs = (cnt + 1) / 2;
      box_muller_float(w, v, pairs, m, s);
      scalar_t* o = out + e0;
      for (int64_t t = 0; t < cnt; ++t) o[t] = scalar_t(v[t]);
    });
  }
}

// A dense tensor's elements start at data() and fill numel() slots.
template <typename T>
T* dense_data(const Tensor& t) {
  return static_cast<T*>(t.impl()->data());
}

}  // namespace

void philox_batch(uint64_t seed, uint64_t counter0, uint32_t* words) {
  // Structure of arrays, one lane per counter; the unroll pragmas stop GCC from
  // fully unrolling the lane loops into scalar code before it vectorises them.
  constexpr int B = kPhiloxBatch;
  alignas(64) uint32_t c0[B], c1[B], c2[B], c3[B];
#pragma GCC unroll 1
  for (int i = 0; i < B; ++i) {
    const uint64_t c = counter0 + static_cast<uint64_t>(i);
    c0[i] = static_cast<uint32_t>(c);
    c1[i] = static_cast<uint32_t>(c >> 32);
    c2[i] = 0;
    c3[i] = 0;
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma GCC unroll 1
  for (int round = 0; round < 10; ++round) {
#pragma GCC unroll 1
    for (int i = 0; i < B; ++i) {
      const uint64_t p0 = static_cast<uint64_t>(kM0) * c0[i];
      const uint64_t p1 = static_cast<uint64_t>(kM1) * c2[i];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[i] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[i] ^ k1;
      c1[i] = static_cast<uint32_t>(p1);
      c3[i] = static_cast<uint32_t>(p0);
      c0[i] = n0;
      c2[i] = n2;
    }
    k0 += kW0;
    k1 += kW1;
  }
#pragma GCC unroll 1
  for (int i = 0; i < B; ++i) {
    words[4 * i] = c0[i];
    words[4 * i + 1] = c1[i];
    words[4 * i + 2] = c2[i];
    words[4 * i + 3] = c3[i];
  }
}

void uniform_kernel(const Tensor& t, double from, double to, Generator& gen) {
  EMBER_DISPATCH_FLOATING(t.dtype(), "uniform_",
                          [&] { uniform_impl(dense_data<scalar_t>(t), t.numel(), from, to, gen); });
}

void normal_kernel(const Tensor& t, double mean, double std, Generator& gen) {
  EMBER_DISPATCH_FLOATING(t.dtype(), "normal_",
                          [&] { normal_impl(dense_data<scalar_t>(t), t.numel(), mean, std, gen); });
}

void bernoulli_scalar_kernel(const Tensor& t, double p, Generator& gen) {
  const uint64_t thr = bernoulli_threshold(p);
  EMBER_DISPATCH_ALL(t.dtype(), "bernoulli_", [&] {
    scalar_t* out = dense_data<scalar_t>(t);
    const scalar_t one = convert<scalar_t>(1), zero = convert<scalar_t>(0);
    for_each_philox_batch<4>(t.numel(), gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      scalar_t* o = out + e0;
      if (thr > 0xffffffffull) {
        for (int64_t i = 0; i < cnt; ++i) o[i] = one;
      } else {
        const uint32_t th = static_cast<uint32_t>(thr);
        for (int64_t i = 0; i < cnt; ++i) o[i] = w[i] < th ? one : zero;
      }
    });
  });
}

void bernoulli_tensor_kernel(const Tensor& out, const Tensor& p, Generator& gen) {
  EMBER_DISPATCH_FLOATING(out.dtype(), "bernoulli", [&] {
    scalar_t* o = dense_data<scalar_t>(out);
    const scalar_t* pp = dense_data<const scalar_t>(p);
    const scalar_t one = scalar_t(1.0f), zero = scalar_t(0.0f);
    for_each_philox_batch<4>(out.numel(), gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      for (int64_t i = 0; i < cnt; ++i) {
        const double u = static_cast<double>(w[i]) * (1.0 / 4294967296.0);
        o[e0 + i] = u < static_cast<double>(pp[e0 + i]) ? one : zero;
      }
    });
  });
}

bool all_probabilities(const Tensor& p) {
  return EMBER_DISPATCH_FLOATING(p.dtype(), "bernoulli", [&] {
    const scalar_t* pp = dense_data<const scalar_t>(p);
    const int64_t n = p.numel();
    bool ok = true;
    for (int64_t i = 0; i < n; ++i) {
      const auto v = static_cast<opmath_t<scalar_t>>(pp[i]);
      ok &= v >= 0 && v <= 1;  // no early exit: the loop vectorises
    }
    return ok;
  });
}

void random_from_to_kernel(const Tensor& t, int64_t from, uint64_t range, Generator& gen) {
  const uint64_t base = static_cast<uint64_t>(from);
  EMBER_DISPATCH_ALL(t.dtype(), "random_", [&] {
    scalar_t* out = dense_data<scalar_t>(t);
    if (range <= (uint64_t{1} << 32)) {
      // multiply-shift maps 32 random bits onto [0, range)
      for_each_philox_batch<4>(t.numel(), gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
        scalar_t* o = out + e0;
        for (int64_t i = 0; i < cnt; ++i) {
          const uint64_t off = (static_cast<uint64_t>(w[i]) * range) >> 32;
          o[i] = convert<scalar_t>(static_cast<int64_t>(base + off));
        }
      });
    } else {
      for_each_philox_batch<2>(t.numel(), gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
        scalar_t* o = out + e0;
        for (int64_t i = 0; i < cnt; ++i) {
          const uint64_t x = join64(w[2 * i], w[2 * i + 1]);
          const uint64_t off =
              static_cast<uint64_t>((static_cast<unsigned __int128>(x) * range) >> 64);
          o[i] = convert<scalar_t>(static_cast<int64_t>(base + off));
        }
      });
    }
  });
}

void randperm_kernel(const Tensor& out, Generator& gen) {
  const int64_t n = out.numel();
  if (n == 0) return;
  EMBER_DISPATCH_NUMERIC(out.dtype(), "randperm", [&] {
    scalar_t* r = dense_data<scalar_t>(out);
    for (int64_t i = 0; i < n; ++i) r[i] = convert<scalar_t>(i);
    // Fisher-Yates: step i swaps r[i] with r[i + j], j uniform in [0, n - i),
    // j drawn from element i's word(s). Serial: each step depends on the last.
    const bool wide = static_cast<uint64_t>(n) > (uint64_t{1} << 32);
    const int K = wide ? 2 : 4;
    const int64_t nctr = (n + K - 1) / K;
    const uint64_t base = gen.reserve(static_cast<uint64_t>(nctr));
    const uint64_t seed = gen.initial_seed();
    alignas(64) uint32_t words[kPhiloxBatch * 4];
    for (int64_t c = 0; c < nctr; c += kPhiloxBatch) {
      philox_batch(seed, base + static_cast<uint64_t>(c), words);
      const int64_t i0 = c * K;
      const int64_t i1 = std::min<int64_t>(n - 1, i0 + kPhiloxBatch * K);
      for (int64_t i = i0; i < i1; ++i) {
        const uint64_t range = static_cast<uint64_t>(n - i);
        const int64_t t = i - i0;
        uint64_t j;
        if (wide)
          j = static_cast<uint64_t>(
              (static_cast<unsigned __int128>(join64(words[2 * t], words[2 * t + 1])) * range) >>
              64);
        else
          j = (static_cast<uint64_t>(words[t]) * range) >> 32;
        std::swap(r[i], r[i + static_cast<int64_t>(j)]);
      }
    }
  });
}

}  // namespace ember::kernels
