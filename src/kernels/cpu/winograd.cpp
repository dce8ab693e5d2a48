#include "kernels/cpu/winograd.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstring>
#include <utility>
#include <vector>

#include "ember/core/allocator.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#include "kernels/cpu/transpose16.h"
#endif

namespace ember::kernels {

#if defined(__AVX512F__)

namespace {

// F(4x4, 3x3) on the interpolation points 0, -1, 1, 2, -1/2 and infinity:
//   Y = A^T [(G g G^T) . (B^T d B)] A  for a 6x6 input tile d and 3x3 weight g
// (correlation, as convolution layers compute). Lavin's points 0, +-1, +-2
// have transforms with fewer terms, but float32 results about 1.7x as far from
// exact ones (simulated over 32-channel sums), past the 1e-4 that oneDNN's
// Winograd and direct convolution meet.
constexpr float kBT[6][6] = {{1, 1.5f, -2, -1.5f, 1, 0},  {0, 1, 0.5f, -2.5f, 1, 0},
                             {0, -1, -2.5f, -0.5f, 1, 0}, {0, -0.5f, -1, 0.5f, 1, 0},
                             {0, 2, -1, -2, 1, 0},        {0, 1, 1.5f, -2, -1.5f, 1}};
constexpr float kAT[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, -1, 1, 2, -0.5f, 0}, {0, 1, 1, 4, 0.25f, 0}, {0, -1, 1, 8, -0.125f, 1}};
constexpr float kA[6][4] = {
    {1, 0, 0, 0}, {1, -1, 1, -1}, {1, 1, 1, 1}, {1, 2, 4, 8}, {1, -0.5f, 0.25f, -0.125f},
    {0, 0, 0, 1}};
constexpr float kG[6][3] = {{1, 0, 0},
                            {1.f / 3, -1.f / 3, 1.f / 3},
                            {-1.f / 3, -1.f / 3, -1.f / 3},
                            {1.f / 15, 2.f / 15, 4.f / 15},
                            {-16.f / 15, 8.f / 15, -4.f / 15},
                            {0, 0, 1}};
constexpr int kP = 36;  // points of the transformed 6x6 tile

using V16 = __m512;

inline V16 splat(float x) { return _mm512_set1_ps(x); }

// r = m x for one vector of 16 channels; the constant matrix's zeros and
// ones fold away once inlined.
template <int Rows, int Cols>
inline void apply(const float (&m)[Rows][Cols], const V16 (&x)[Cols], V16 (&r)[Rows]) {
#pragma GCC unroll 8
  for (int i = 0; i < Rows; ++i) {
    V16 acc = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int j = 0; j < Cols; ++j) {
      const float c = m[i][j];
      if (c == 1)
        acc = _mm512_add_ps(acc, x[j]);
      else if (c == -1)
        acc = _mm512_sub_ps(acc, x[j]);
      else if (c != 0)
        acc = _mm512_fmadd_ps(splat(c), x[j], acc);
    }
    r[i] = acc;
  }
}

// r = B x, the transpose of B^T x: the points' gradients back to the
// input tile's.
constexpr float kB[6][6] = {{1, 0, 0, 0, 0, 0},
                            {1.5f, 1, -1, -0.5f, 2, 1},
                            {-2, 0.5f, -2.5f, -1, -1, 1.5f},
                            {-1.5f, -2.5f, -0.5f, 0.5f, -2, -2},
                            {1, 1, 1, 1, 1, -1.5f},
                            {0, 0, 0, 0, 0, 1}};
constexpr bool transposes(const float (&a)[6][6], const float (&b)[6][6]) {
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      if (a[i][j] != b[j][i]) return false;
  return true;
}
static_assert(transposes(kB, kBT));

// ------------------------------------------------------------------ bands
// A band: rows x cols pixels of one image as 16-channel vectors,
// band[cb][row][col][16], zero outside the image (the padding).

// Rows ahead that the band copies prefetch.
constexpr int64_t kAhead = 2;

// Fills band with rows [y0, y0 + rows) and cols [x0, x0 + cols) of image n.
void load_band(const WinogradIn& t, int64_t n, int64_t channels, int64_t h, int64_t w, int64_t y0,
               int64_t rows, int64_t x0, int64_t cols, float* band) {
  const int64_t* st = t.stride;
  const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min(x0 + cols, w);
  // NHWC: pixel by pixel, all channel blocks of each, so that the rows are
  // read in order (1-2% faster than block by block on ResNet's 64 channels).
  if (st[1] == 1) {
    const int64_t blocks = channels / 16, plane = rows * cols * 16;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t y = y0 + r;
      const bool inside = y >= 0 && y < h && xa < xb;
      for (int64_t cb = 0; cb < blocks; ++cb) {
        float* row = band + (cb * rows + r) * cols * 16;
        if (!inside) {
          std::memset(row, 0, static_cast<size_t>(cols * 16) * sizeof(float));
          continue;
        }
        std::memset(row, 0, static_cast<size_t>((xa - x0) * 16) * sizeof(float));
        std::memset(row + (xb - x0) * 16, 0,
                    static_cast<size_t>((x0 + cols - xb) * 16) * sizeof(float));
      }
      if (!inside) continue;
      const float* src = t.data + n * st[0] + y * st[2];
      if (y + kAhead < h && st[3] == channels)  // a dense row, ahead as NCHW
        for (int64_t x = xa * channels; x < xb * channels; x += 16)
          _mm_prefetch(reinterpret_cast<const char*>(src + kAhead * st[2] + x), _MM_HINT_T0);
      float* to = band + (r * cols - x0) * 16;
      for (int64_t x = xa; x < xb; ++x)
        for (int64_t cb = 0; cb < blocks; ++cb)
          _mm512_storeu_ps(to + cb * plane + x * 16, _mm512_loadu_ps(src + x * st[3] + cb * 16));
    }
    return;
  }
  // Else block by block (NCHW: 2-4% faster than row by row).
  for (int64_t cb = 0; cb < channels / 16; ++cb)
    for (int64_t r = 0; r < rows; ++r) {
      float* row = band + (cb * rows + r) * cols * 16;
      const int64_t y = y0 + r;
      if (y < 0 || y >= h || xa >= xb) {
        std::memset(row, 0, static_cast<size_t>(cols * 16) * sizeof(float));
        continue;
      }
      std::memset(row, 0, static_cast<size_t>((xa - x0) * 16) * sizeof(float));
      std::memset(row + (xb - x0) * 16, 0,
                  static_cast<size_t>((x0 + cols - xb) * 16) * sizeof(float));
      const float* src = t.data + n * st[0] + cb * 16 * st[1] + y * st[2];
      float* to = row - x0 * 16;
      if (st[3] == 1) {  // rows contiguous (NCHW): 16 pixels of 16 channels, transposed
        // Sixteen rows of one plane each: the hardware prefetcher does not
        // follow that many streams (8% of a Fashion-MNIST convolution).
        if (y + kAhead < h)
          for (int c = 0; c < 16; ++c)
            for (int64_t x = xa; x < xb; x += 16)
              _mm_prefetch(reinterpret_cast<const char*>(src + c * st[1] + kAhead * st[2] + x),
                           _MM_HINT_T0);
        for (int64_t x = xa; x < xb; x += 16) {
          const int64_t len = std::min<int64_t>(16, xb - x);
          const __mmask16 mask = static_cast<__mmask16>((1u << len) - 1);
          __m512 v[16];
          for (int c = 0; c < 16; ++c) v[c] = _mm512_maskz_loadu_ps(mask, src + c * st[1] + x);
          transpose16(v);
          for (int64_t i = 0; i < len; ++i) _mm512_storeu_ps(to + (x + i) * 16, v[i]);
        }
      } else {
        for (int64_t x = xa; x < xb; ++x)
          for (int c = 0; c < 16; ++c) to[x * 16 + c] = src[c * st[1] + x * st[3]];
      }
    }
}

// Writes band rows [r0, r1) of a band of `rows` x `cols` pixels whose
// pixel (0, 0) is the image's (y0, x0) to image n, inside the image only.
void store_band(const WinogradOut& t, int64_t n, int64_t channels, int64_t h, int64_t w,
                const float* band, int64_t rows, int64_t cols, int64_t y0, int64_t x0, int64_t r0,
                int64_t r1) {
  const int64_t* st = t.stride;
  r0 = std::max(r0, -y0);
  r1 = std::min(r1, h - y0);
  const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min(x0 + cols, w);
  if (r0 >= r1 || xa >= xb) return;
  if (st[1] == 1) {  // NHWC: pixel by pixel, all blocks, as load_band
    const int64_t blocks = channels / 16, plane = rows * cols * 16;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t y = y0 + r;
      float* dst = t.data + n * st[0] + y * st[2];
      if (y + kAhead < h && st[3] == channels)  // for writing, as load_band's rows
        for (int64_t x = xa * channels; x < xb * channels; x += 16)
          __builtin_prefetch(dst + kAhead * st[2] + x, 1, 3);
      const float* from = band + (r * cols - x0) * 16;
      for (int64_t x = xa; x < xb; ++x)
        for (int64_t cb = 0; cb < blocks; ++cb)
          _mm512_storeu_ps(dst + x * st[3] + cb * 16, _mm512_loadu_ps(from + cb * plane + x * 16));
    }
    return;
  }
  for (int64_t cb = 0; cb < channels / 16; ++cb)
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t y = y0 + r;
      const float* from = band + ((cb * rows + r) * cols - x0) * 16;  // indexed by image x
      float* dst = t.data + n * st[0] + cb * 16 * st[1] + y * st[2];
      if (st[3] == 1) {
        if (y + kAhead < h)  // for writing, as load_band's rows
          for (int c = 0; c < 16; ++c)
            for (int64_t x = xa; x < xb; x += 16)
              __builtin_prefetch(dst + c * st[1] + kAhead * st[2] + x, 1, 3);
        for (int64_t x = xa; x < xb; x += 16) {
          const int64_t len = std::min<int64_t>(16, xb - x);
          const __mmask16 mask = static_cast<__mmask16>((1u << len) - 1);
          __m512 v[16];
          for (int64_t k = 0; k < 16; ++k)
            v[k] = k < len ? _mm512_loadu_ps(from + (x + k) * 16) : _mm512_setzero_ps();
          transpose16(v);
          for (int c = 0; c < 16; ++c) _mm512_mask_storeu_ps(dst + c * st[1] + x, mask, v[c]);
        }
      } else {
        for (int64_t x = xa; x < xb; ++x)
          for (int c = 0; c < 16; ++c) dst[c * st[1] + x * st[3]] = from[x * 16 + c];
      }
    }
}

// ------------------------------------------------------------------ tiles

// put(a, b, (M X M^T)[a][b]) for the C x C tile X of 16-channel vectors
// whose element (i, j) x(i, j) returns (each called once): the columns
// transformed, then the rows.
template <int R, int C, typename Load, typename Put>
inline void transform_tile(const float (&m)[R][C], Load x, Put put) {
  alignas(64) float tmp[R][C][16];
  for (int j = 0; j < C; ++j) {
    V16 col[C], r[R];
    for (int i = 0; i < C; ++i) col[i] = x(i, j);
    apply(m, col, r);
    for (int a = 0; a < R; ++a) _mm512_store_ps(tmp[a][j], r[a]);
  }
  for (int a = 0; a < R; ++a) {
    V16 row[C], r[R];
    for (int j = 0; j < C; ++j) row[j] = _mm512_load_ps(tmp[a][j]);
    apply(m, row, r);
    for (int b = 0; b < R; ++b) put(a, b, r[b]);
  }
}

// The 6x6 tile of a band (rows `rs` floats apart) transformed into
// v[p * vstride] for its 36 points.
void input_tile(const float* tile, int64_t rs, float* v, int64_t vstride) {
  transform_tile(
      kBT, [&](int i, int j) { return _mm512_loadu_ps(tile + i * rs + j * 16); },
      [&](int a, int b, V16 r) { _mm512_storeu_ps(v + (a * 6 + b) * vstride, r); });
}

// The 36 points m[p * mstride] of one 16-channel block back to a 4x4 tile of
// a band (rows `rs` floats apart), plus bias.
void output_tile(const float* m, int64_t mstride, V16 bias, float* tile, int64_t rs) {
  transform_tile(
      kAT, [&](int i, int j) { return _mm512_loadu_ps(m + (i * 6 + j) * mstride); },
      [&](int a, int b, V16 y) {
        _mm512_storeu_ps(tile + a * rs + b * 16, _mm512_add_ps(y, bias));
      });
}

// A 4x4 output-gradient tile of a band (rows `rs` floats apart) as its 36
// points dm[p * stride]; its values are added to bias_sum.
void grad_tile(const float* tile, int64_t rs, float* dm, int64_t stride, V16& bias_sum) {
  transform_tile(
      kA,
      [&](int i, int j) {
        const V16 y = _mm512_loadu_ps(tile + i * rs + j * 16);
        bias_sum = _mm512_add_ps(bias_sum, y);
        return y;
      },
      [&](int a, int b, V16 m) { _mm512_storeu_ps(dm + (a * 6 + b) * stride, m); });
}

// The 36 points dv[p * stride] of an input tile's gradient, d = B dv B^T,
// added into a band (rows `rs` floats apart): neighbouring tiles overlap.
void input_grad_tile(const float* dv, int64_t stride, float* tile, int64_t rs) {
  transform_tile(
      kB, [&](int i, int j) { return _mm512_loadu_ps(dv + (i * 6 + j) * stride); },
      [&](int a, int b, V16 d) {
        float* to = tile + a * rs + b * 16;
        _mm512_storeu_ps(to, _mm512_add_ps(_mm512_loadu_ps(to), d));
      });
}

// ------------------------------------------------------------------ GEMM

// c[R x 16 NV] = a[R x K] b[K x 16 NV], or c += that sum (Add); a's element
// (r, k) at a[r * ars + k * aks]. The sum runs in chunks of kChunk terms,
// each summed from zero and then added to the total: one running sum of a
// long product carries most of the rounding error of the whole convolution
// (the transformed values are larger than the inputs), 1.4x as much.
constexpr int64_t kChunk = 8;
template <int R, int NV, bool Add>
void micro(const float* a, int64_t ars, int64_t aks, const float* b, int64_t ldb, float* c,
           int64_t ldc, int64_t k_len) {
  V16 total[R][NV], acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) total[r][j] = _mm512_setzero_ps();
  for (int64_t k0 = 0; k0 < k_len; k0 += kChunk) {
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_setzero_ps();
    const int64_t k1 = std::min(k_len, k0 + kChunk);
    for (int64_t k = k0; k < k1; ++k) {
      V16 bv[NV];
      for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(b + k * ldb + 16 * j);
      const float* ak = a + k * aks;
      for (int r = 0; r < R; ++r) {
        const V16 av = _mm512_set1_ps(ak[r * ars]);
        for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < NV; ++j) total[r][j] = _mm512_add_ps(total[r][j], acc[r][j]);
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) {
      float* to = c + r * ldc + 16 * j;
      _mm512_storeu_ps(to, Add ? _mm512_add_ps(_mm512_loadu_ps(to), total[r][j]) : total[r][j]);
    }
}

using MicroFn = void (*)(const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t,
                         int64_t);

// Register tiles of R <= 6 rows by NV <= 2 vectors.
constexpr int kMaxRows = 6;
template <bool Acc, int R, int... NV>
constexpr std::array<MicroFn, 2> micro_row(std::integer_sequence<int, NV...>) {
  return {&micro<R, NV + 1, Acc>...};
}
template <bool Acc, int... R>
constexpr std::array<std::array<MicroFn, 2>, kMaxRows> micro_table(
    std::integer_sequence<int, R...>) {
  return {micro_row<Acc, R + 1>(std::make_integer_sequence<int, 2>{})...};
}

// c[m x n] (+)= a[m x k] b[k x n], n a multiple of 16, in register tiles of
// 6 rows by 32 columns (two sets of 12 accumulators: micro()'s chunk and its
// total). GCC folds the loads of b into the FMAs, which Zen 5 runs at its FMA
// peak (245 GFLOP/s a core, as 24 accumulators without chunks; 3 rows by 64
// columns ran at 150-190).
template <bool Acc>
void gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t aks, const float* b,
          int64_t ldb, float* c, int64_t ldc) {
  static constexpr auto table = micro_table<Acc>(std::make_integer_sequence<int, kMaxRows>{});
  // Rows split evenly into tiles of at most 6: 32 rows as 6, 6, 5, 5, 5, 5.
  const int64_t tiles = (m + kMaxRows - 1) / kMaxRows, base = m / tiles, extra = m % tiles;
  for (int64_t j0 = 0; j0 < n; j0 += 32) {
    const int64_t nv = std::min<int64_t>(2, (n - j0) / 16);
    for (int64_t t = 0, i0 = 0; t < tiles; ++t) {
      const int64_t r = base + (t < extra ? 1 : 0);
      table[r - 1][nv - 1](a + i0 * ars, ars, aks, b + j0, ldb, c + i0 * ldc + j0, ldc, k);
      i0 += r;
    }
  }
}

// The block's 36 products: c[p] (+)= a[p] b[p], each operand's points
// `*_step` floats apart.
template <bool Acc>
void point_products(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t aks,
                    int64_t a_step, const float* b, int64_t ldb, int64_t b_step, float* c,
                    int64_t ldc, int64_t c_step) {
  for (int p = 0; p < kP; ++p)
    gemm<Acc>(m, n, k, a + p * a_step, ars, aks, b + p * b_step, ldb, c + p * c_step, ldc);
}

// f(t, ty, tx, cb) for the block's tiles t in [0, nt) (band tile t0 + t, at
// tile row ty and column tx of a band tw tiles wide) and channel blocks cb.
template <typename F>
void for_each_tile(int64_t t0, int64_t nt, int64_t tw, int64_t blocks, const F& f) {
  for (int64_t t = 0; t < nt; ++t)
    for (int64_t cb = 0; cb < blocks; ++cb) f(t, (t0 + t) / tw, (t0 + t) % tw, cb);
}

// ------------------------------------------------------------ the passes

// Per-thread buffers, kept between calls (the allocator would hand out fresh
// pages for blocks this large).
struct Scratch {
  std::vector<float> band_in, band_out, band_d, v, m, dv, u;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}
void fit(std::vector<float>& v, int64_t n) { v.resize(static_cast<size_t>(n)); }

// One direction of the convolution as the passes see it: `cin` channels of
// (ih, iw) in, `cout` of (oh, ow) out.
struct Geo {
  int64_t n, cin, cout, ih, iw, oh, ow, pt, pl;
  int64_t th() const { return (oh + 3) / 4; }
  int64_t tw() const { return (ow + 3) / 4; }
  // Tile rows per band: the band's input and output copies take at most
  // kBandKiB of the thread's L2 cache (a whole image for the first layers of
  // a conv net, whose NCHW planes are then each read in one sequential run).
  int64_t band_rows(bool with_input_grad = false) const {
    const int64_t in = cin * (4 * tw() + 2) * (with_input_grad ? 2 : 1);
    const int64_t per_row = (in + cout * 4 * tw()) * 4 * 4;
    return std::clamp<int64_t>((kBandKiB << 10) / per_row, 1, th());
  }
  // Tiles per product block: their transformed inputs and outputs take about
  // `kib` KiB of L2 beside the band; a multiple of 6, the rows of gemm()'s
  // register tiles (tiles of 4 rows or fewer leave the FMA units waiting:
  // 157 against 240 GFLOP/s a core).
  int64_t block_tiles(int64_t kib) const {
    return std::max<int64_t>(6, (kib << 10) / (kP * 4 * (cin + cout)) / 6 * 6);
  }
  static constexpr int64_t kBandKiB = 320;
};
constexpr int64_t kConvKiB = 192, kWeightKiB = 320;

// A band of tile rows [ty0, ty0 + rows) of image img.
struct Band {
  int64_t img, ty0, rows;
};
struct Bands {
  int64_t rows, per_image, count, th;
  explicit Bands(const Geo& g, bool with_input_grad = false)
      : rows(g.band_rows(with_input_grad)),
        per_image((g.th() + rows - 1) / rows),
        count(g.n * per_image),
        th(g.th()) {}
  Band operator[](int64_t i) const {
    const int64_t ty0 = i % per_image * rows;
    return {i / per_image, ty0, std::min(rows, th - ty0)};
  }
};

// Calls f(band, slot) for each band in [0, count), each thread of the pool
// taking the next band when it finishes one (a thread that the OS or a
// neighbour delays leaves the rest to the others); slot < get_num_threads()
// names the calling thread.
template <typename F>
void for_each_band(int64_t count, const F& f) {
  std::atomic<int64_t> next{0};
  const int64_t slots = std::min<int64_t>(get_num_threads(), count);
  parallel_for_t(0, slots, 1, [&](int64_t s0, int64_t) {
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) f(i, s0);
  });
}

// Copies the band's input rows (with the padding) into s.band_in.
void load_input_band(const Geo& g, const WinogradIn& src, const Band& b, Scratch& s) {
  const int64_t br = 4 * b.rows + 2, bw = 4 * g.tw() + 2;
  fit(s.band_in, g.cin * br * bw);
  load_band(src, b.img, g.cin, g.ih, g.iw, 4 * b.ty0 - g.pt, br, -g.pl, bw, s.band_in.data());
}

// Transformed inputs of the band's tiles [t0, t0 + nt) (row-major in the
// band) into s.v[p][tile][cin].
void transform_inputs(const Geo& g, const Band& b, int64_t t0, int64_t nt, Scratch& s) {
  const int64_t br = 4 * b.rows + 2, bw = 4 * g.tw() + 2;
  fit(s.v, kP * nt * g.cin);
  for_each_tile(t0, nt, g.tw(), g.cin / 16, [&](int64_t t, int64_t ty, int64_t tx, int64_t cb) {
    input_tile(s.band_in.data() + ((cb * br + 4 * ty) * bw + 4 * tx) * 16, bw * 16,
               s.v.data() + t * g.cin + cb * 16, nt * g.cin);
  });
}

// dst = conv(src, u) + bias: u holds the transformed weights u[p][cin][cout].
void conv_bands(const Geo& g, const WinogradIn& src, const float* u, const float* bias,
                const WinogradOut& dst) {
  const Bands bands(g);
  const int64_t block = g.block_tiles(kConvKiB), tw = g.tw();
  for_each_band(bands.count, [&](int64_t i, int64_t) {
    Scratch& s = scratch();
    const Band b = bands[i];
    load_input_band(g, src, b, s);
    const int64_t orow = 4 * b.rows, ocol = 4 * tw, tiles = b.rows * tw;
    fit(s.band_out, g.cout * orow * ocol);
    for (int64_t t0 = 0; t0 < tiles; t0 += block) {
      const int64_t nt = std::min(block, tiles - t0);
      transform_inputs(g, b, t0, nt, s);
      fit(s.m, kP * nt * g.cout);
      point_products<false>(nt, g.cout, g.cin, s.v.data(), g.cin, 1, nt * g.cin, u, g.cout,
                            g.cin * g.cout, s.m.data(), g.cout, nt * g.cout);
      for_each_tile(t0, nt, tw, g.cout / 16, [&](int64_t t, int64_t ty, int64_t tx, int64_t cb) {
        output_tile(s.m.data() + t * g.cout + cb * 16, nt * g.cout,
                    bias ? _mm512_loadu_ps(bias + cb * 16) : _mm512_setzero_ps(),
                    s.band_out.data() + ((cb * orow + 4 * ty) * ocol + 4 * tx) * 16, ocol * 16);
      });
    }
    store_band(dst, b.img, g.cout, g.oh, g.ow, s.band_out.data(), orow, ocol, 4 * b.ty0, 0, 0,
               orow);
  });
}

// Which transformed weights: the forward's u[p][c][oc]; backward-data's
// (the forward of the gradient) u[p][oc][c] of each kernel turned by 180
// degrees; or the forward's transposed, u[p][oc][c].
enum class WeightsFor { Forward, BackwardData, Transposed };

// u[p * u_step] = (G g G^T)[p] for 16 weights at once, their taps at
// g[tap * g_step].
void weight_vector(const float* g, int64_t g_step, float* u, int64_t u_step) {
  V16 k[3][3], t[6][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) k[a][b] = _mm512_loadu_ps(g + (a * 3 + b) * g_step);
  for (int i = 0; i < 6; ++i)
    for (int b = 0; b < 3; ++b)
      t[i][b] = _mm512_fmadd_ps(
          splat(kG[i][0]), k[0][b],
          _mm512_fmadd_ps(splat(kG[i][1]), k[1][b], _mm512_mul_ps(splat(kG[i][2]), k[2][b])));
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      _mm512_storeu_ps(u + (i * 6 + j) * u_step,
                       _mm512_fmadd_ps(t[i][0], splat(kG[j][0]),
                                       _mm512_fmadd_ps(t[i][1], splat(kG[j][1]),
                                                       _mm512_mul_ps(t[i][2], splat(kG[j][2])))));
}

// Weights as (row, col, a, b) at data + row rs + col cs + a as + b bs: the
// forward's (c, oc) or backward-data's (oc, c) of the kernels turned.
struct WeightView {
  const float* data;
  int64_t rs, cs, as, bs;
};

WeightView forward_weights(const WinogradIn& w) {
  const int64_t* ws = w.stride;
  return {w.data, ws[1], ws[0], ws[2], ws[3]};
}
// (oc, c) of the kernels turned by 180 degrees: backward-data's.
WeightView turned_weights(const WinogradIn& w) {
  const int64_t* ws = w.stride;
  return {w.data + 2 * ws[2] + 2 * ws[3], ws[0], ws[1], -ws[2], -ws[3]};
}

// Lane j of tap e's vector is float 9j + e of 144 (16 columns' 9 taps):
// float f lies in register pair q = f / 32 at f % 32.
struct TapPicks {
  __m512i idx[9][5];
  __mmask16 mask[9][5];
  TapPicks() {
    for (int e = 0; e < 9; ++e)
      for (int q = 0; q < 5; ++q) {
        alignas(64) int32_t lanes[16];
        mask[e][q] = 0;
        for (int j = 0; j < 16; ++j) {
          const int f = 9 * j + e;
          lanes[j] = f % 32;
          if (f / 32 == q) mask[e][q] = static_cast<__mmask16>(mask[e][q] | (1u << j));
        }
        idx[e][q] = _mm512_load_si512(lanes);
      }
  }
};
const TapPicks& tap_picks() {
  static const TapPicks t;
  return t;
}

// Pack: g[tap][r][ncols] = the weights (r0 + r, c0 + col, tap) for r < nr
// and col < ncols (multiples of 16), columns contiguous for the transform's
// vectors; else the inverse (a weight gradient's data is written). The
// weights' columns are output channels 9C floats apart in NCHW: those are
// moved along their unit stride and turned by 16x16 register transposes
// (gathers across such strides missed the TLB: 3x the whole convolution).
template <bool Pack>
void move_chunk(const WeightView& w, int64_t r0, int64_t nr, int64_t c0, int64_t ncols, float* g) {
  const auto at = [&](int64_t r, int64_t col, int tap) {
    return const_cast<float*>(w.data) + (r0 + r) * w.rs + (c0 + col) * w.cs + tap / 3 * w.as +
           tap % 3 * w.bs;
  };
  const auto to = [&](int64_t r, int64_t col, int tap) { return g + (tap * nr + r) * ncols + col; };
  // 16 vectors from the weights at wt(l) to g at gt(i), transposed (or back).
  const auto turn = [&](auto wt, auto gt) {
    __m512 v[16];
    for (int i = 0; i < 16; ++i) v[i] = _mm512_loadu_ps(Pack ? wt(i) : gt(i));
    transpose16(v);
    for (int i = 0; i < 16; ++i) _mm512_storeu_ps(Pack ? gt(i) : wt(i), v[i]);
  };
  const auto move = [&](float* wp, float* gp) {
    if (Pack)
      _mm512_storeu_ps(gp, _mm512_loadu_ps(wp));
    else
      _mm512_storeu_ps(wp, _mm512_loadu_ps(gp));
  };
  // The chunk's rows are short pieces (a few lines) far apart, which the
  // hardware prefetchers do not fetch ahead: the two channels_last packs
  // prefetch the pieces they read next (a 512x512 backward-data pass on 4x4
  // planes took 1.6x as long without; the forward 1.05x).
  if (w.cs == 1) {  // columns contiguous
    for (int64_t r = 0; r < nr; ++r)
      for (int tap = 0; tap < 9; ++tap) {
        if (Pack && r + 4 < nr)
          for (int64_t col = 0; col < ncols; col += 16)
            _mm_prefetch(reinterpret_cast<const char*>(at(r + 4, col, tap)), _MM_HINT_T0);
        for (int64_t col = 0; col < ncols; col += 16) move(at(r, col, tap), to(r, col, tap));
      }
  } else if (w.rs == 1) {  // rows contiguous (channels_last forward): 16x16 blocks
    for (int64_t col = 0; col < ncols; col += 16)
      for (int tap = 0; tap < 9; ++tap) {
        if (Pack && tap < 8)
          for (int l = 0; l < 16; ++l)
            for (int64_t r = 0; r < nr; r += 16)
              _mm_prefetch(reinterpret_cast<const char*>(at(r, col + l, tap + 1)), _MM_HINT_T0);
        for (int64_t r = 0; r < nr; r += 16)
          turn([&](int l) { return at(r, col + l, tap); },
               [&](int i) { return to(r + i, col, tap); });
      }
  } else if (w.bs == 1 && w.as == 3 && w.rs == 9) {  // (row, tap) contiguous (NCHW forward)
    for (int64_t col = 0; col < ncols; col += 16)
      for (int64_t k = 0; k < nr * 9; k += 16)  // nr * 9 is a multiple of 16
        turn([&](int l) { return at(0, col + l, 0) + k; },
             [&](int i) { return to((k + i) / 9, col, static_cast<int>((k + i) % 9)); });
  } else if (Pack && w.cs == 9 && (w.as == 3 || w.as == -3) && w.bs * 3 == w.as) {
    // (col, tap) contiguous (NCHW backward-data): 16 columns' 9 taps are 144
    // floats, read as 9 vectors and each tap's picked out by permutes (their
    // gathers, 16 floats 9 apart, took 40% of a 512x512 pass on 4x4 planes).
    const TapPicks& t = tap_picks();
    const bool turned = w.bs < 0;
    for (int64_t r = 0; r < nr; ++r)
      for (int64_t col = 0; col < ncols; col += 16) {
        const float* lo = at(r, col, turned ? 8 : 0);
        __m512 l[10];
        for (int m = 0; m < 9; ++m) l[m] = _mm512_loadu_ps(lo + 16 * m);
        l[9] = l[8];
        for (int tap = 0; tap < 9; ++tap) {
          const int e = turned ? 8 - tap : tap;
          __m512 v = _mm512_permutex2var_ps(l[0], t.idx[e][0], l[1]);
          for (int q = 1; q < 5; ++q)
            v = _mm512_mask_mov_ps(v, t.mask[e][q],
                                   _mm512_permutex2var_ps(l[2 * q], t.idx[e][q], l[2 * q + 1]));
          _mm512_storeu_ps(to(r, col, tap), v);
        }
      }
  } else if (Pack && w.cs > 0 && 15 * w.cs <= INT32_MAX) {
    // Gathered (16 columns cs floats apart).
    const __m512i lanes =
        _mm512_mullo_epi32(_mm512_set1_epi32(static_cast<int>(w.cs)),
                           _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    for (int64_t r = 0; r < nr; ++r)
      for (int tap = 0; tap < 9; ++tap)
        for (int64_t col = 0; col < ncols; col += 16)
          // (The masked form: GCC 12's plain one warns of its undefined source.)
          _mm512_storeu_ps(to(r, col, tap), _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xFFFF,
                                                                     lanes, at(r, col, tap), 4));
  } else {
    for (int64_t r = 0; r < nr; ++r)
      for (int tap = 0; tap < 9; ++tap)
        for (int64_t col = 0; col < ncols; ++col) {
          float* wp = at(r, col, tap);
          float* gp = to(r, col, tap);
          if (Pack)
            *gp = *wp;
          else
            *wp = *gp;
        }
  }
}

// u[p][rows][cols] = G g G^T for each (row, col) weight: 16 rows at a time
// packed (move_chunk) so that the transform runs on 16 columns at once.
void transform_weights(const WinogradShape& s, const WinogradIn& w, WeightsFor what, float* u) {
  const bool forward = what == WeightsFor::Forward;
  const int64_t rows = forward ? s.c : s.oc, cols = forward ? s.oc : s.c;
  const int64_t* ws = w.stride;
  const WeightView view = forward ? forward_weights(w)
                          : what == WeightsFor::BackwardData
                              ? turned_weights(w)
                              : WeightView{w.data, ws[0], ws[1], ws[2], ws[3]};
  parallel_for_t(0, rows / 16, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float>& g = scratch().u;
    fit(g, 9 * 16 * cols);
    for (int64_t r0 = 16 * b0; r0 < 16 * b1; r0 += 16) {
      move_chunk<true>(view, r0, 16, 0, cols, g.data());
      for (int64_t r = 0; r < 16; ++r)
        for (int64_t col = 0; col < cols; col += 16)
          weight_vector(g.data() + r * cols + col, 16 * cols, u + (r0 + r) * cols + col,
                        rows * cols);
    }
  });
}

// The calling thread's buffer for what a call shares between its threads:
// the transformed weights, or the weight gradient's per-group sums.
std::vector<float>& call_buffer(int which) {
  thread_local std::vector<float> b[2];
  return b[which];
}

// out[a][b] = G^T du G: 16 output channels' weight gradients for one input
// channel from the 36 points du of their transformed ones.
void weight_grad(const V16 (&du)[kP], V16 (&out)[3][3]) {
  V16 t[3][6];
  for (int a = 0; a < 3; ++a)
    for (int j = 0; j < 6; ++j) {
      V16 sum = _mm512_setzero_ps();
      for (int i = 0; i < 6; ++i)
        if (kG[i][a] != 0) sum = _mm512_fmadd_ps(splat(kG[i][a]), du[i * 6 + j], sum);
      t[a][j] = sum;
    }
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      V16 sum = _mm512_setzero_ps();
      for (int j = 0; j < 6; ++j)
        if (kG[j][b] != 0) sum = _mm512_fmadd_ps(t[a][j], splat(kG[j][b]), sum);
      out[a][b] = sum;
    }
}

// dW[co + k][ci] for k < 16 from du (see weight_grad).
void store_weight_grad(const V16 (&du)[kP], const WinogradOut& dw, int64_t ci, int64_t co) {
  V16 r[3][3];
  weight_grad(du, r);
  alignas(64) float out[3][3][16];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) _mm512_store_ps(out[a][b], r[a][b]);
  const int64_t* ws = dw.stride;
  for (int64_t k = 0; k < 16; ++k) {
    float* o = dw.data + (co + k) * ws[0] + ci * ws[1];
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) o[a * ws[2] + b * ws[3]] = out[a][b][k];
  }
}

// ------------------------------------------------------ many channels
// Past 64x64 channels a band's products would read all the transformed
// weights (36 C OC floats: 2.4 MB at 128x128, 38 MB at 512x512) from L3 or
// memory, and the late layers' small planes give a band too few tiles to
// repay that. So the whole batch's tiles are transformed first (v[p][tile]
// [c]); then each work item takes a block of tiles and 32 output channels,
// transforms the weights of a chunk of input channels at a time into its L2
// (or, when three or more blocks would transform the same weights, reads
// them transformed once for the call), sums the 36 points' products over the
// chunks and transforms its outputs back. The weight gradient likewise sums,
// per (32 output, 64 input channels) item, the products over all tiles and
// transforms them back at once.

constexpr int64_t kWideOut = 32;    // output channels per item: gemm()'s register tile
constexpr int64_t kWideChunk = 64;  // input channels per transformed weight chunk
constexpr int64_t kWideTiles = 48;  // tiles per block, about

// A call's buffer from ember's allocator, which caches large blocks: the
// batch's transformed tiles are tens of megabytes for large batches, more than
// a thread should keep between calls.
class Floats {
 public:
  explicit Floats(int64_t n)
      : p_(cpu_allocator()->allocate(static_cast<size_t>(std::max<int64_t>(n, 1)) *
                                     sizeof(float))) {}
  float* data() const { return static_cast<float*>(p_.get()); }

 private:
  DataPtr p_;
};

// Floats between the points of a transformed weight chunk of nr x ncols: a
// line more than the chunk, as its 36 stores a vector fell in one L1 set
// when the chunk is a multiple of 4 KiB (the transform took 70% of a 512x512
// convolution).
int64_t chunk_step(int64_t nr, int64_t ncols) { return nr * ncols + 16; }

// u[p * chunk_step][r][ncols] = G g G^T for rows [r0, r0 + nr) and cols
// [c0, c0 + ncols), through g (the chunk packed).
void weight_chunk(const WeightView& w, int64_t r0, int64_t nr, int64_t c0, int64_t ncols, float* g,
                  float* u) {
  const int64_t step = chunk_step(nr, ncols);
  move_chunk<true>(w, r0, nr, c0, ncols, g);
  for (int64_t r = 0; r < nr; ++r)
    for (int64_t col = 0; col < ncols; col += 16)
      weight_vector(g + r * ncols + col, nr * ncols, u + r * ncols + col, step);
}

// The batch's tiles, numbered (image, tile row, tile column), in bands of
// tile rows of one image, and bands in blocks of about kWideTiles tiles:
// several whole images a block when images have few tiles (ResNet's 4x4
// planes have one).
struct WideTiles {
  int64_t n, th, tw, rows, per_image, group, blocks;
  explicit WideTiles(const Geo& g) : n(g.n), th(g.th()), tw(g.tw()) {
    rows = std::clamp<int64_t>(kWideTiles / tw, 1, th);
    per_image = (th + rows - 1) / rows;
    group = per_image == 1 ? std::clamp<int64_t>(kWideTiles / (th * tw), 1, n) : 1;
    blocks = (n * per_image + group - 1) / group;
  }
  int64_t tiles() const { return n * th * tw; }
  int64_t bands() const { return n * per_image; }
  Band band(int64_t j) const {
    const int64_t ty0 = j % per_image * rows;
    return {j / per_image, ty0, std::min(rows, th - ty0)};
  }
  int64_t first_tile(const Band& b) const { return (b.img * th + b.ty0) * tw; }
  // Bands [j0, j1) of block i, and its tiles [t0, t1).
  void block(int64_t i, int64_t& j0, int64_t& j1, int64_t& t0, int64_t& t1) const {
    j0 = i * group;
    j1 = std::min(bands(), j0 + group);
    const Band last = band(j1 - 1);
    t0 = first_tile(band(j0));
    t1 = first_tile(last) + last.rows * tw;
  }
};

// v[p][tile][cin] for every tile of the batch.
void wide_inputs(const Geo& g, const WideTiles& wt, const WinogradIn& src, float* v) {
  const int64_t total = wt.tiles(), bw = 4 * wt.tw + 2;
  for_each_band(wt.bands(), [&](int64_t j, int64_t) {
    Scratch& s = scratch();
    const Band b = wt.band(j);
    load_input_band(g, src, b, s);
    const int64_t br = 4 * b.rows + 2, first = wt.first_tile(b);
    for_each_tile(0, b.rows * wt.tw, wt.tw, g.cin / 16,
                  [&](int64_t t, int64_t ty, int64_t tx, int64_t cb) {
                    input_tile(s.band_in.data() + ((cb * br + 4 * ty) * bw + 4 * tx) * 16, bw * 16,
                               v + (first + t) * g.cin + cb * 16, total * g.cin);
                  });
  });
}

// dst = conv(src, w) + bias for many channels (see above).
void conv_wide(const Geo& g, const WinogradIn& src, const WeightView& w, const float* bias,
               const WinogradOut& dst) {
  const WideTiles wt(g);
  const int64_t total = wt.tiles(), tw = wt.tw;
  const Floats v(kP * total * g.cin);
  wide_inputs(g, wt, src, v.data());
  const int64_t outs = (g.cout + kWideOut - 1) / kWideOut;
  const int64_t chunks = (g.cin + kWideChunk - 1) / kWideChunk;
  // With several blocks of tiles each output slice's items would transform
  // the same weights again: from three blocks on they are transformed once,
  // chunk by chunk, into a buffer the items read (ResNet-18's 128x128 on
  // 16x16 planes has 6 blocks: 2.4 MB, backward-data 1.1x faster). With two
  // (its 256x256 on 8x8) writing and reading back 4x the weights took as
  // long as transforming them twice, and longer after other passes had
  // emptied the caches (a forward 1.78 ms against 1.45).
  const int64_t per_chunk = kP * chunk_step(kWideChunk, kWideOut);
  const bool shared = wt.blocks > 2;
  const Floats u_all(shared ? outs * chunks * per_chunk : 0);
  if (shared)
    for_each_band(outs * chunks, [&](int64_t item, int64_t) {
      Scratch& s = scratch();
      const int64_t oc0 = item / chunks * kWideOut, nw = std::min(kWideOut, g.cout - oc0);
      const int64_t c0 = item % chunks * kWideChunk, cc = std::min(kWideChunk, g.cin - c0);
      fit(s.dv, 9 * kWideChunk * kWideOut);
      weight_chunk(w, c0, cc, oc0, nw, s.dv.data(), u_all.data() + item * per_chunk);
    });
  for_each_band(wt.blocks * outs, [&](int64_t item, int64_t) {
    Scratch& s = scratch();
    int64_t j0, j1, t0, t1;
    wt.block(item / outs, j0, j1, t0, t1);
    const int64_t oc0 = item % outs * kWideOut, nw = std::min(kWideOut, g.cout - oc0);
    const int64_t nt = t1 - t0;
    fit(s.m, kP * nt * nw);
    if (!shared) {
      fit(s.u, kP * chunk_step(kWideChunk, nw));
      fit(s.dv, 9 * kWideChunk * nw);
    }
    for (int64_t c0 = 0; c0 < g.cin; c0 += kWideChunk) {
      const int64_t cc = std::min(kWideChunk, g.cin - c0);
      const float* u = s.u.data();
      if (shared)
        u = u_all.data() + (item % outs * chunks + c0 / kWideChunk) * per_chunk;
      else
        weight_chunk(w, c0, cc, oc0, nw, s.dv.data(), s.u.data());
      for (int p = 0; p < kP; ++p) {
        const float* a = v.data() + (p * total + t0) * g.cin + c0;
        const float* b = u + p * chunk_step(cc, nw);
        float* c = s.m.data() + p * nt * nw;
        if (c0 == 0)
          gemm<false>(nt, nw, cc, a, g.cin, 1, b, nw, c, nw);
        else
          gemm<true>(nt, nw, cc, a, g.cin, 1, b, nw, c, nw);
      }
    }
    const WinogradOut to{dst.data + oc0 * dst.stride[1],
                         {dst.stride[0], dst.stride[1], dst.stride[2], dst.stride[3]}};
    for (int64_t j = j0; j < j1; ++j) {
      const Band b = wt.band(j);
      const int64_t orow = 4 * b.rows, ocol = 4 * tw, first = wt.first_tile(b) - t0;
      fit(s.band_out, nw * orow * ocol);
      for_each_tile(
          0, b.rows * tw, tw, nw / 16, [&](int64_t t, int64_t ty, int64_t tx, int64_t cb) {
            output_tile(s.m.data() + (first + t) * nw + cb * 16, nt * nw,
                        bias ? _mm512_loadu_ps(bias + oc0 + cb * 16) : _mm512_setzero_ps(),
                        s.band_out.data() + ((cb * orow + 4 * ty) * ocol + 4 * tx) * 16, ocol * 16);
          });
      store_band(to, b.img, nw, g.oh, g.ow, s.band_out.data(), orow, ocol, 4 * b.ty0, 0, 0, orow);
    }
  });
}

// diff_weight and diff_bias for many channels: v[p][tile][c] and dm[p][tile]
// [oc] for the whole batch, then per item dU = sum over tiles of v^T dm.
void weights_wide(const WinogradShape& s, const WinogradIn& src, const WinogradIn& diff_dst,
                  const WinogradOut& diff_weight, float* diff_bias) {
  const Geo g{s.n, s.c, s.oc, s.ih, s.iw, s.oh, s.ow, s.pad_t, s.pad_l};
  const WideTiles wt(g);
  const int64_t total = wt.tiles(), tw = wt.tw;
  const Floats v(kP * total * s.c);
  // dm, then each band's bias sums (added up in band order: the same sums
  // whatever thread ran a band).
  const Floats dm(kP * total * s.oc + wt.bands() * s.oc);
  float* bias_sums = dm.data() + kP * total * s.oc;
  wide_inputs(g, wt, src, v.data());
  for_each_band(wt.bands(), [&](int64_t j, int64_t) {
    Scratch& sc = scratch();
    const Band b = wt.band(j);
    const int64_t grow = 4 * b.rows, gcol = 4 * tw, first = wt.first_tile(b);
    fit(sc.band_out, s.oc * grow * gcol);
    load_band(diff_dst, b.img, s.oc, s.oh, s.ow, 4 * b.ty0, grow, 0, gcol, sc.band_out.data());
    for (int64_t cb = 0; cb < s.oc / 16; ++cb) {
      V16 bsum = _mm512_setzero_ps();
      for (int64_t t = 0; t < b.rows * tw; ++t)
        grad_tile(sc.band_out.data() + ((cb * grow + 4 * (t / tw)) * gcol + 4 * (t % tw)) * 16,
                  gcol * 16, dm.data() + (first + t) * s.oc + cb * 16, total * s.oc, bsum);
      _mm512_storeu_ps(bias_sums + j * s.oc + cb * 16, bsum);
    }
  });
  // Items of an input-channel chunk and a group of output blocks, looping
  // over the blocks: the chunk's transformed inputs stay in L2 for them (items
  // of one block each read them from L3 again: 1.9 ms for the products of a
  // 512x512 convolution on 4x4 planes).
  const int64_t outs = (s.oc + kWideOut - 1) / kWideOut;
  const int64_t chunks = (s.c + kWideChunk - 1) / kWideChunk;
  const int64_t groups = std::min(outs, (2 * get_num_threads() + chunks - 1) / chunks);
  const int64_t per_group = (outs + groups - 1) / groups;
  const WeightView dw = forward_weights({diff_weight.data,
                                         {diff_weight.stride[0], diff_weight.stride[1],
                                          diff_weight.stride[2], diff_weight.stride[3]}});
  for_each_band(chunks * groups, [&](int64_t item, int64_t) {
    Scratch& sc = scratch();
    const int64_t c0 = item / groups * kWideChunk, cc = std::min(kWideChunk, s.c - c0);
    const int64_t group = item % groups;
    for (int64_t ob = group * per_group; ob < std::min(outs, (group + 1) * per_group); ++ob) {
      const int64_t oc0 = ob * kWideOut, nw = std::min(kWideOut, s.oc - oc0);
      const int64_t step = chunk_step(cc, nw);
      fit(sc.m, kP * step);
      for (int p = 0; p < kP; ++p)
        gemm<false>(cc, nw, total, v.data() + p * total * s.c + c0, 1, s.c,
                    dm.data() + p * total * s.oc + oc0, s.oc, sc.m.data() + p * step, nw);
      // Transformed back into g[tap][ci][co], then written in the weights' layout.
      fit(sc.dv, 9 * cc * nw);
      for (int64_t ci = 0; ci < cc; ++ci)
        for (int64_t co = 0; co < nw; co += 16) {
          V16 du[kP], out[3][3];
          for (int p = 0; p < kP; ++p)
            du[p] = _mm512_loadu_ps(sc.m.data() + p * step + ci * nw + co);
          weight_grad(du, out);
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b)
              _mm512_storeu_ps(sc.dv.data() + ((a * 3 + b) * cc + ci) * nw + co, out[a][b]);
        }
      move_chunk<false>(dw, c0, cc, oc0, nw, sc.dv.data());
    }
  });
  if (diff_bias)
    for (int64_t co = 0; co < s.oc; ++co) {
      float sum = 0;
      for (int64_t j = 0; j < wt.bands(); ++j) sum += bias_sums[j * s.oc + co];
      diff_bias[co] = sum;
    }
}

// Whether a convolution takes the many-channel passes rather than the bands.
bool wide(const WinogradShape& s) { return s.c * s.oc > kWinogradBandChannels; }

// Whether the fused backward pass (backward_pass with diff_src) beats
// backward-data and backward-weights apart. It transforms each output-
// gradient tile once for both, and where the convolution has no padding it
// sums the input gradient from fewer tiles than backward-data's (Fashion-
// MNIST's 32 -> 64 on 26x26: 1.26x faster). But where an image spans
// several bands they had to run in order on one thread, handing rows on,
// and the passes apart were the faster (ResNet-18's 64 -> 64 on 32x32
// 1.07x, 16 -> 16 on 64x64 1.19x, one image 1.4x): the fused pass runs
// when a band holds a whole image and there are images for every thread.
bool fused_pays(const WinogradShape& s) {
  if (wide(s)) return false;
  const Geo g{s.n, s.c, s.oc, s.ih, s.iw, s.oh, s.ow, s.pad_t, s.pad_l};
  return Bands(g, true).per_image == 1 && s.n >= get_num_threads();
}

}  // namespace

bool winograd_applies(const WinogradShape& s) {
  return s.c > 0 && s.oc > 0 && s.c % 16 == 0 && s.oc % 16 == 0 && s.pad_t >= 0 && s.pad_t <= 2 &&
         s.pad_l >= 0 && s.pad_l <= 2 && s.oh > 0 && s.ow > 0 && s.n > 0;
}

void winograd_forward(const WinogradShape& s, WinogradIn src, WinogradIn weight, const float* bias,
                      WinogradOut dst) {
  const Geo g{s.n, s.c, s.oc, s.ih, s.iw, s.oh, s.ow, s.pad_t, s.pad_l};
  if (wide(s)) return conv_wide(g, src, forward_weights(weight), bias, dst);
  std::vector<float>& u = call_buffer(0);
  fit(u, kP * s.c * s.oc);
  transform_weights(s, weight, WeightsFor::Forward, u.data());
  conv_bands(g, src, u.data(), bias, dst);
}

void winograd_backward_data(const WinogradShape& s, WinogradIn diff_dst, WinogradIn weight,
                            WinogradOut diff_src) {
  // d src = diff_dst correlated with the turned kernels, padded by 2 - pad.
  const Geo g{s.n, s.oc, s.c, s.oh, s.ow, s.ih, s.iw, 2 - s.pad_t, 2 - s.pad_l};
  if (wide(s)) return conv_wide(g, diff_dst, turned_weights(weight), nullptr, diff_src);
  std::vector<float>& u = call_buffer(0);
  fit(u, kP * s.c * s.oc);
  transform_weights(s, weight, WeightsFor::BackwardData, u.data());
  conv_bands(g, diff_dst, u.data(), nullptr, diff_src);
}

namespace {

// The backward pass over the forward's tiles, band by band: each
// output-gradient tile's transform dM serves the weight gradient (acc +=
// V^T dM, V the input tile's transform) and, with diff_src, the input
// gradient: dv = dM U^T (ut: the transposed transformed weights), then
// B dv B^T added into a band of diff_src: neighbouring tiles share two rows
// and columns of it, so each band then holds a whole image (fused_pays).
void backward_pass(const WinogradShape& s, const WinogradIn& src, const WinogradIn& diff_dst,
                   const float* ut, const WinogradOut* diff_src, const WinogradOut& diff_weight,
                   float* diff_bias) {
  const bool fused = diff_src != nullptr;
  const Geo g{s.n, s.c, s.oc, s.ih, s.iw, s.oh, s.ow, s.pad_t, s.pad_l};
  const Bands bands(g, fused);
  if (fused && bands.per_image != 1) throw RuntimeError("winograd backward_pass: bands of images");
  const int64_t max_block = g.block_tiles(kWeightKiB), tw = g.tw();
  const int64_t cbo_n = s.oc / 16, cbi_n = s.c / 16;
  // Bands are summed in groups of consecutive bands, each into its own
  // transformed weight gradient acc[p][cin][cout] (and bias), reduced below
  // in group order: the same sums whatever thread runs a group, so training
  // repeats exactly; two groups a thread let a delayed thread's share move.
  const int64_t groups = std::min<int64_t>(bands.count, 2 * std::max(1, get_num_threads()));
  const int64_t per_group = (bands.count + groups - 1) / groups;
  const int64_t acc_size = kP * g.cin * g.cout, group_size = acc_size + g.cout;
  std::vector<float>& sums = call_buffer(1);
  fit(sums, groups * group_size);
  for_each_band(groups, [&](int64_t group, int64_t) {
    Scratch& sc = scratch();
    float* acc = sums.data() + group * group_size;
    float* bias = acc + acc_size;
    std::fill(acc, acc + group_size, 0.f);
    const int64_t b_end = std::min(bands.count, (group + 1) * per_group);
    for (int64_t i = group * per_group; i < b_end; ++i) {
      const Band b = bands[i];
      load_input_band(g, src, b, sc);
      const int64_t grow = 4 * b.rows, gcol = 4 * tw, tiles = b.rows * tw;
      const int64_t br = 4 * b.rows + 2, bw = 4 * tw + 2;
      fit(sc.band_out, g.cout * grow * gcol);
      load_band(diff_dst, b.img, g.cout, g.oh, g.ow, 4 * b.ty0, grow, 0, gcol, sc.band_out.data());
      if (fused) {
        fit(sc.band_d, g.cin * br * bw);
        std::fill(sc.band_d.begin(), sc.band_d.end(), 0.f);
      }
      // Blocks of equal size: their tiles are the products' sums (K), which
      // a short last block would spend on loading and storing acc.
      const int64_t nblocks = (tiles + max_block - 1) / max_block;
      const int64_t block = (tiles + nblocks - 1) / nblocks;
      for (int64_t t0 = 0; t0 < tiles; t0 += block) {
        const int64_t nt = std::min(block, tiles - t0);
        transform_inputs(g, b, t0, nt, sc);
        fit(sc.m, kP * nt * g.cout);
        for (int64_t cb = 0; cb < cbo_n; ++cb) {
          V16 bsum = _mm512_loadu_ps(bias + cb * 16);
          for (int64_t t = 0; t < nt; ++t) {
            const int64_t ty = (t0 + t) / tw, tx = (t0 + t) % tw;
            grad_tile(sc.band_out.data() + ((cb * grow + 4 * ty) * gcol + 4 * tx) * 16, gcol * 16,
                      sc.m.data() + t * g.cout + cb * 16, nt * g.cout, bsum);
          }
          _mm512_storeu_ps(bias + cb * 16, bsum);
        }
        point_products<true>(g.cin, g.cout, nt, sc.v.data(), 1, g.cin, nt * g.cin, sc.m.data(),
                             g.cout, nt * g.cout, acc, g.cout, g.cin * g.cout);
        if (!fused) continue;
        fit(sc.dv, kP * nt * g.cin);
        point_products<false>(nt, g.cin, g.cout, sc.m.data(), g.cout, 1, nt * g.cout, ut, g.cin,
                              g.cout * g.cin, sc.dv.data(), g.cin, nt * g.cin);
        for_each_tile(t0, nt, tw, cbi_n, [&](int64_t t, int64_t ty, int64_t tx, int64_t cb) {
          input_grad_tile(sc.dv.data() + t * g.cin + cb * 16, nt * g.cin,
                          sc.band_d.data() + ((cb * br + 4 * ty) * bw + 4 * tx) * 16, bw * 16);
        });
      }
      if (fused)  // the whole image: all br rows of its gradient
        store_band(*diff_src, b.img, g.cin, g.ih, g.iw, sc.band_d.data(), br, bw, -g.pt, -g.pl, 0,
                   br);
    }
  });
  // dW = G^T dU G per (input, output) channel pair, 16 output channels at once.
  parallel_for_t(0, s.c, 4, [&](int64_t c0, int64_t c1) {
    for (int64_t ci = c0; ci < c1; ++ci)
      for (int64_t co = 0; co < s.oc; co += 16) {
        V16 du[kP];
        for (int p = 0; p < kP; ++p) {
          du[p] = _mm512_setzero_ps();
          for (int64_t group = 0; group < groups; ++group)
            du[p] = _mm512_add_ps(du[p], _mm512_loadu_ps(sums.data() + group * group_size +
                                                         (p * s.c + ci) * s.oc + co));
        }
        store_weight_grad(du, diff_weight, ci, co);
      }
  });
  if (diff_bias)
    for (int64_t co = 0; co < s.oc; ++co) {
      float sum = 0;
      for (int64_t group = 0; group < groups; ++group)
        sum += sums[static_cast<size_t>(group * group_size + acc_size + co)];
      diff_bias[co] = sum;
    }
}

}  // namespace

void winograd_backward_weights(const WinogradShape& s, WinogradIn src, WinogradIn diff_dst,
                               WinogradOut diff_weight, float* diff_bias) {
  if (wide(s)) return weights_wide(s, src, diff_dst, diff_weight, diff_bias);
  backward_pass(s, src, diff_dst, nullptr, nullptr, diff_weight, diff_bias);
}

void winograd_backward(const WinogradShape& s, WinogradIn src, WinogradIn diff_dst,
                       WinogradIn weight, WinogradOut diff_src, WinogradOut diff_weight,
                       float* diff_bias) {
  if (!fused_pays(s)) {
    winograd_backward_data(s, diff_dst, weight, diff_src);
    return winograd_backward_weights(s, src, diff_dst, diff_weight, diff_bias);
  }
  std::vector<float>& ut = call_buffer(0);
  fit(ut, kP * s.c * s.oc);
  transform_weights(s, weight, WeightsFor::Transposed, ut.data());
  backward_pass(s, src, diff_dst, ut.data(), &diff_src, diff_weight, diff_bias);
}

#else  // no AVX-512: winograd_applies() is false and oneDNN runs these convolutions

bool winograd_applies(const WinogradShape&) { return false; }
void winograd_forward(const WinogradShape&, WinogradIn, WinogradIn, const float*, WinogradOut) {
  throw RuntimeError("winograd_forward: built without AVX-512");
}
void winograd_backward_data(const WinogradShape&, WinogradIn, WinogradIn, WinogradOut) {
  throw RuntimeError("winograd_backward_data: built without AVX-512");
}
void winograd_backward_weights(const WinogradShape&, WinogradIn, WinogradIn, WinogradOut, float*) {
  throw RuntimeError("winograd_backward_weights: built without AVX-512");
}
void winograd_backward(const WinogradShape&, WinogradIn, WinogradIn, WinogradIn, WinogradOut,
                       WinogradOut, float*) {
  throw RuntimeError("winograd_backward: built without AVX-512");
}

#endif

}  // namespace ember::kernels
