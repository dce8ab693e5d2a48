#include "kernels/cpu/copy.h"

#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/cpu/convert.h"
#include "kernels/cpu/tensor_iter.h"

namespace ember::kernels {

namespace {

// The most dims TensorIter::serial_for_each can walk (its index array).
constexpr int64_t kIterMaxDims = 16;

bool same_dense_layout(const Tensor& a, const Tensor& b) {
  return a.is_non_overlapping_and_dense() && b.is_non_overlapping_and_dense() &&
         a.strides() == b.strides();
}

#if defined(__AVX2__)
// dst[c * ldd + r] = src[r * lds + c] for an 8x8 block of 32-bit values (strides in
// elements): eight row loads, an in-register transpose, eight row stores.
inline void transpose_8x8_32(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * lds), r1 = _mm256_loadu_ps(src + 1 * lds);
  __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
  __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
  __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(dst + 0 * ldd, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif

// Blocked 2-D transpose for the common "one input dim is the output's inner
// dim" case (NCHW <-> NHWC): reads and writes whole cache lines.
template <typename T>
bool try_transpose_copy(const TensorIter& it) {
  if (it.ndim() < 2) return false;
  const int64_t es = sizeof(T);
  IntArrayRef so = it.strides(0), si = it.strides(1);
  // output contiguous along dim 0, input contiguous along dim 1
  if (so[0] != es || si[1] != es || si[0] == es) return false;
  const int64_t rows = it.shape()[0], cols = it.shape()[1];
  if (rows < 8 || cols < 8) return false;
  if (so[1] != rows * es) return false;
  int64_t outer = 1;
  for (int64_t d = 2; d < it.ndim(); ++d) outer *= it.shape()[d];
  constexpr int64_t B = 32;
  const int64_t nblocks_r = (rows + B - 1) / B, nblocks_c = (cols + B - 1) / B;
  const int64_t total = outer * nblocks_r * nblocks_c;
  parallel_for_t(0, total, 1 + (1 << 14) / (B * B), [&](int64_t b, int64_t e) {
    for (int64_t job = b; job < e; ++job) {
      int64_t rem = job;
      const int64_t bc = rem % nblocks_c;
      rem /= nblocks_c;
      const int64_t br = rem % nblocks_r;
      const int64_t o = rem / nblocks_r;
      // pointers for outer index o
      char* pout = it.data(0);
      const char* pin = it.data(1);
      int64_t r = o;
      for (int64_t d = 2; d < it.ndim(); ++d) {
        const int64_t idx = r % it.shape()[d];
        r /= it.shape()[d];
        pout += idx * so[d];
        pin += idx * si[d];
      }
      const int64_t r0 = br * B, r1 = std::min(rows, r0 + B);
      const int64_t c0 = bc * B, c1 = std::min(cols, c0 + B);
#if defined(__AVX2__)
      if constexpr (sizeof(T) == 4) {
        if (si[0] % 4 == 0 && r1 - r0 == B && c1 - c0 == B) {
          const int64_t lds = si[0] / 4, ldd = so[1] / 4;
          for (int64_t rb = r0; rb < r1; rb += 8)
            for (int64_t cb = c0; cb < c1; cb += 8)
              transpose_8x8_32(reinterpret_cast<const float*>(pin) + rb * lds + cb, lds,
                               reinterpret_cast<float*>(pout) + cb * ldd + rb, ldd);
          continue;
        }
      }
#endif
      for (int64_t c = c0; c < c1; ++c) {
        T* out = reinterpret_cast<T*>(pout + c * so[1]);
        const char* in = pin + c * es;
        for (int64_t rr = r0; rr < r1; ++rr) out[rr] = *reinterpret_cast<const T*>(in + rr * si[0]);
      }
    }
  });
  return true;
}

template <typename To, typename From>
void convert_loop(const TensorIter& it) {
#if defined(__AVX2__) && defined(__F16C__)
  if constexpr (std::is_same_v<To, float> && std::is_same_v<From, Half>) {
    it.for_each([](char** data, const int64_t* s, int64_t n) {
      if (s[0] == 4 && s[1] == 2) {
        float* out = reinterpret_cast<float*>(data[0]);
        const uint16_t* in = reinterpret_cast<const uint16_t*>(data[1]);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
          _mm256_storeu_ps(
              out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
        for (; i < n; ++i) out[i] = detail::half_to_float(in[i]);
      } else {
        for (int64_t i = 0; i < n; ++i)
          *reinterpret_cast<float*>(data[0] + i * s[0]) =
              static_cast<float>(*reinterpret_cast<const Half*>(data[1] + i * s[1]));
      }
    });
    return;
  }
  if constexpr (std::is_same_v<To, Half> && std::is_same_v<From, float>) {
    it.for_each([](char** data, const int64_t* s, int64_t n) {
      if (s[0] == 2 && s[1] == 4) {
        uint16_t* out = reinterpret_cast<uint16_t*>(data[0]);
        const float* in = reinterpret_cast<const float*>(data[1]);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                           _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
        for (; i < n; ++i) out[i] = detail::float_to_half(in[i]);
      } else {
        for (int64_t i = 0; i < n; ++i)
          *reinterpret_cast<Half*>(data[0] + i * s[0]) =
              Half(*reinterpret_cast<const float*>(data[1] + i * s[1]));
      }
    });
    return;
  }
#endif
  if constexpr (std::is_same_v<From, bool>) {
    // bool storage holds 0 or 1: read it as bytes so the loop vectorises.
    cpu_kernel<To, uint8_t>(it, [](uint8_t v) { return convert<To>(v); });
  } else if constexpr (std::is_same_v<To, bool>) {
    cpu_kernel<uint8_t, From>(it, [](From v) { return static_cast<uint8_t>(convert<bool>(v)); });
  } else {
    cpu_kernel<To, From>(it, [](From v) { return convert<To>(v); });
  }
}

}  // namespace

void copy_kernel(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  if (dst.dtype() == src.dtype() && same_dense_layout(dst, src)) {
    char* d = static_cast<char*>(dst.impl()->data());
    const char* s = static_cast<const char*>(src.impl()->data());
    // dense with the same (positive) strides: the same bytes in the same order.
    const int64_t bytes = n * static_cast<int64_t>(dst.element_size());
    if (d == s) return;
    parallel_for_t(0, bytes, 1 << 20,
                   [&](int64_t b, int64_t e) { std::memcpy(d + b, s + b, e - b); });
    return;
  }
  TensorIter it(dst.sizes(), {dst, src});
  // TensorIter::serial_for_each tracks at most kIterMaxDims dims; split higher-rank
  // copies that do not coalesce below that along dim 0.
  if (it.ndim() > kIterMaxDims) {
    for (int64_t i = 0; i < dst.size(0); ++i) copy_kernel(dst.select(0, i), src.select(0, i));
    return;
  }
  if (dst.dtype() == src.dtype()) {
    EMBER_DISPATCH_ALL(dst.dtype(), "copy_", [&] {
      if constexpr (sizeof(scalar_t) == 4) {
        if (try_transpose_copy<uint32_t>(it)) return;
        cpu_kernel<uint32_t, uint32_t>(it, [](uint32_t v) { return v; });
      } else if constexpr (sizeof(scalar_t) == 8) {
        if (try_transpose_copy<uint64_t>(it)) return;
        cpu_kernel<uint64_t, uint64_t>(it, [](uint64_t v) { return v; });
      } else if constexpr (sizeof(scalar_t) == 2) {
        if (try_transpose_copy<uint16_t>(it)) return;
        cpu_kernel<uint16_t, uint16_t>(it, [](uint16_t v) { return v; });
      } else {
        if (try_transpose_copy<uint8_t>(it)) return;
        cpu_kernel<uint8_t, uint8_t>(it, [](uint8_t v) { return v; });
      }
    });
    return;
  }
  EMBER_DISPATCH_ALL(dst.dtype(), "copy_", [&] {
    using To = scalar_t;
    EMBER_DISPATCH_ALL(src.dtype(), "copy_", [&] { convert_loop<To, scalar_t>(it); });
  });
}

void fill_kernel(const Tensor& dst, const Scalar& value) {
  if (dst.numel() == 0) return;
  TensorIter it(dst.sizes(), {dst});
  if (it.ndim() > kIterMaxDims) {
    for (int64_t i = 0; i < dst.size(0); ++i) fill_kernel(dst.select(0, i), value);
    return;
  }
  EMBER_DISPATCH_ALL(dst.dtype(), "fill_", [&] {
    const scalar_t v = value.to_checked<scalar_t>();
    cpu_kernel<scalar_t>(it, [v]() { return v; });
  });
}

}  // namespace ember::kernels
