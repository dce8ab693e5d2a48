#include "kernels/cpu/channel_block_reorder.h"

#include <cstdint>
#include <cstring>

#include "ember/core/parallel.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ember::kernels {

namespace {

constexpr int64_t B = 16;

// The layouts handled: 4-D float32, dims 0 and 1 not padded, and either plain
// with unit stride on dim 1, or blocked by 16 on dim 1 (activations) or on
// dims 0 and 1 (weights).
struct Layout {
  enum Kind { Other, Plain, Block1, BlockIO, BlockOI } kind = Other;
  int64_t dims[4] = {}, strides[4] = {};  // outer strides (in floats)
};

Layout layout_of(const dnnl::memory::desc& md) {
  Layout l;
  const dnnl_memory_desc_t& d = md.data;
  if (d.ndims != 4 || d.data_type != dnnl_f32 || d.format_kind != dnnl_blocked || d.offset0 != 0)
    return l;
  for (int i = 0; i < 4; ++i) {
    if (d.padded_dims[i] != d.dims[i] || d.padded_offsets[i] != 0) return l;
    l.dims[i] = d.dims[i];
    l.strides[i] = d.format_desc.blocking.strides[i];
  }
  const dnnl_blocking_desc_t& b = d.format_desc.blocking;
  if (b.inner_nblks == 0 && l.strides[1] == 1) {
    l.kind = Layout::Plain;
  } else if (b.inner_nblks == 1 && b.inner_idxs[0] == 1 && b.inner_blks[0] == B) {
    l.kind = Layout::Block1;
  } else if (b.inner_nblks == 2 && b.inner_blks[0] == B && b.inner_blks[1] == B) {
    // Blocks are listed outer to inner: 16b16a ends in the output channel.
    if (b.inner_idxs[0] == 1 && b.inner_idxs[1] == 0) l.kind = Layout::BlockIO;
    if (b.inner_idxs[0] == 0 && b.inner_idxs[1] == 1) l.kind = Layout::BlockOI;
  }
  return l;
}

// dst[c][r] = src[r][c] for a 16x16 tile: source rows `ss` floats apart,
// destination rows 16.
void transpose16(float* __restrict dst, const float* __restrict src, int64_t ss) {
#if defined(__AVX512F__)
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * ss);
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
  // r[m] is now column m of the tile.
  for (int m = 0; m < 16; ++m) _mm512_storeu_ps(dst + m * 16, r[m]);
#else
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) dst[j * 16 + i] = src[i * ss + j];
#endif
}

}  // namespace

bool channel_block_reorder(const dnnl::memory& from, const dnnl::memory& to, bool parallel) {
  const Layout p = layout_of(from.get_desc()), q = layout_of(to.get_desc());
  if (p.kind != Layout::Plain || q.kind == Layout::Other || q.kind == Layout::Plain) return false;
  for (int i = 0; i < 4; ++i)
    if (p.dims[i] != q.dims[i]) return false;
  const int64_t* d = p.dims;
  const bool weights = q.kind != Layout::Block1;
  if (d[1] % B != 0 || (weights && d[0] % B != 0)) return false;
  const auto* pp = static_cast<const float*>(from.get_data_handle());
  auto* qp = static_cast<float*>(to.get_data_handle());
  const int64_t n0 = weights ? d[0] / B : d[0], n1 = d[1] / B, hw = d[2] * d[3];
  // One task: all 16-channel blocks of one (dim-0 index or block, h, w).
  parallel_for_t(0, n0 * hw, parallel ? 1 : n0 * hw, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / hw, h = t % hw / d[3], w = t % d[3];
      for (int64_t c = 0; c < n1; ++c) {
        float* qb = qp + o * q.strides[0] + c * q.strides[1] + h * q.strides[2] + w * q.strides[3];
        if (!weights) {  // one row of 16 channels
          std::memcpy(qb, pp + o * p.strides[0] + c * B + h * p.strides[2] + w * p.strides[3],
                      B * sizeof(float));
          continue;
        }
        // 16 output channels x 16 input channels; plain rows are output channels.
        const float* pr = pp + o * B * p.strides[0] + c * B + h * p.strides[2] + w * p.strides[3];
        if (q.kind == Layout::BlockOI) {  // [o16][i16]: the plain rows as they are
          for (int64_t r = 0; r < B; ++r)
            std::memcpy(qb + r * B, pr + r * p.strides[0], B * sizeof(float));
        } else {  // [i16][o16]: transposed
          transpose16(qb, pr, p.strides[0]);
        }
      }
    }
  });
  return true;
}

}  // namespace ember::kernels
