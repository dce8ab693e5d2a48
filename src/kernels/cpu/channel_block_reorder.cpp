#include "kernels/cpu/channel_block_reorder.h"

#include <cstdint>
#include <cstring>

#include "ember/core/parallel.h"
#include "kernels/cpu/transpose16.h"

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
  __m512 r[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * ss);
  kernels::transpose16(r);
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
