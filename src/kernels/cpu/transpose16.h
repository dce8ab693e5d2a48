#pragma once
// A 16x16 float32 transpose in AVX-512 registers, shared by the kernels that
// move between channel-planar (NCHW, OIHW) and 16-channel-vector layouts.
#if defined(__AVX512F__)
#include <immintrin.h>

namespace ember::kernels {

// r[i] holds row i on entry and column i on return.
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  // Four rounds of two-register shuffles (permutex2var throughout: GCC 12
  // warns falsely on the unpack intrinsics). Rounds 1-2 work within 128-bit
  // lanes, as unpack{lo,hi}_ps then unpack{lo,hi}_pd would.
  const __m512i ulo = _mm512_setr_epi32(0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
  const __m512i uhi = _mm512_setr_epi32(2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
  const __m512i dlo = _mm512_setr_epi32(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
  const __m512i dhi = _mm512_setr_epi32(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_permutex2var_ps(r[i], ulo, r[i + 1]);
    t[i + 1] = _mm512_permutex2var_ps(r[i], uhi, r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_permutex2var_ps(t[i], dlo, t[i + 2]);
    r[i + 1] = _mm512_permutex2var_ps(t[i], dhi, t[i + 2]);
    r[i + 2] = _mm512_permutex2var_ps(t[i + 1], dlo, t[i + 3]);
    r[i + 3] = _mm512_permutex2var_ps(t[i + 1], dhi, t[i + 3]);
  }
  const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
  const __m512i hi = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < 4; ++j) {
      t[8 * k + j] = _mm512_permutex2var_ps(r[8 * k + j], lo, r[8 * k + 4 + j]);
      t[8 * k + 4 + j] = _mm512_permutex2var_ps(r[8 * k + j], hi, r[8 * k + 4 + j]);
    }
  const __m512i lo2 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const __m512i hi2 =
      _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_permutex2var_ps(t[j], lo2, t[8 + j]);
    r[8 + j] = _mm512_permutex2var_ps(t[j], hi2, t[8 + j]);
  }
}

}  // namespace ember::kernels
#endif
