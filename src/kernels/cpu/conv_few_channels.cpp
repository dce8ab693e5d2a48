#include "kernels/cpu/conv_few_channels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ember/core/allocator.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#include "kernels/cpu/transpose16.h"
#endif

namespace ember::kernels {

namespace {

constexpr int64_t kMaxKernel = 7;

bool shape_applies(const Tensor& x, const Tensor& y, const Tensor& weight, const ConvParams& p) {
#if defined(__AVX512F__)
  if (x.dim() != 4 || y.dim() != 4 || weight.dim() != 4 || p.groups != 1) return false;
  for (const Tensor* t : {&x, &y, &weight})
    if (t->numel() == 0) return false;
  if (weight.size(1) > kFewChannels || weight.size(2) > kMaxKernel || weight.size(3) > kMaxKernel)
    return false;
  for (size_t i = 0; i < 2; ++i)
    if (p.stride[i] != 1 || p.dilation[i] != 1) return false;
  return true;
#else
  (void)x, (void)y, (void)weight, (void)p;
  return false;
#endif
}

}  // namespace

bool few_channel_forward_applies(const Tensor& out, const Tensor& input, const Tensor& weight,
                                 const ConvParams& p) {
  return shape_applies(input, out, weight, p) && out.is_contiguous();
}

bool few_channel_backward_input_applies(const Tensor& grad_input, const Tensor& grad_out,
                                        const Tensor& weight, const ConvParams& p) {
  return shape_applies(grad_input, grad_out, weight, p);
}

#if defined(__AVX512F__)

namespace {

constexpr int64_t kLanes = 16;
constexpr int64_t kCols = 2 * kLanes;  // output columns per step: two vectors
// Output rows are computed in blocks of RB = 12 / CB for CB output channels at
// a time: 24 accumulators, each loaded input vector feeding CB of them.
constexpr int64_t kRowQuantum = 12;
constexpr int64_t kMaxBlock = 4;  // output channels at a time
// A band's padded copy is kept under about half the L2 cache.
constexpr int64_t kBandFloats = 128 * 1024;

// A 4-D tensor's data and strides (elements).
struct View {
  float* data;
  int64_t s[4];
  explicit View(const Tensor& t) : data(t.data_ptr<float>()) {
    for (int d = 0; d < 4; ++d) s[d] = t.stride(d);
  }
};

// A stride-1 correlation: out[co][y][x] = bias[co] + sum over ci, i, j of
// k[co][ci][i][j] * in[ci][y + i - pt][x + j - pl] (zero outside `in`).
struct Plan {
  int64_t n, ci, co, ih, iw, oh, ow, kh, kw, pt, pl;
  int64_t xs;    // the padded copy's row length: whole 2-vector steps plus the taps
  int64_t band;  // output rows per job
  int64_t bands;
  int64_t rows() const { return (band + kRowQuantum - 1) / kRowQuantum * kRowQuantum + kh - 1; }
  int64_t plane() const { return rows() * xs; }

  Plan(int64_t n_, int64_t ci_, int64_t co_, int64_t ih_, int64_t iw_, int64_t oh_, int64_t ow_,
       int64_t kh_, int64_t kw_, int64_t pt_, int64_t pl_)
      : n(n_),
        ci(ci_),
        co(co_),
        ih(ih_),
        iw(iw_),
        oh(oh_),
        ow(ow_),
        kh(kh_),
        kw(kw_),
        pt(pt_),
        pl(pl_) {
    xs = ((ow + kCols - 1) / kCols * kCols + kw - 1 + kLanes - 1) / kLanes * kLanes;
    const int64_t fit = std::max<int64_t>(kRowQuantum, kBandFloats / (ci * xs) - (kh - 1));
    band = std::min(oh, fit / kRowQuantum * kRowQuantum);
    bands = (oh + band - 1) / band;
    // Enough jobs for every thread when the batch is small.
    const int64_t want = 2 * get_num_threads();
    if (n * bands < want && band > kRowQuantum) {
      const int64_t split = std::min((want + n - 1) / n, (oh + kRowQuantum - 1) / kRowQuantum);
      band = std::max<int64_t>(kRowQuantum, (oh + split - 1) / split);
      bands = (oh + band - 1) / band;
    }
  }

  // Copies image b's rows for output rows [y0, y0 + band) into buf (ci planes
  // of rows() x xs), zeros where they fall outside the image.
  void fill(float* buf, const View& in, int64_t b, int64_t y0) const {
    std::fill(buf, buf + ci * plane(), 0.f);
    const int64_t x_lo = std::max<int64_t>(0, -pl), x_hi = std::min(iw, xs - pl);
    if (x_hi <= x_lo) return;
    const float* src = in.data + b * in.s[0];
    for (int64_t r = 0; r < rows(); ++r) {
      const int64_t iy = y0 + r - pt;
      if (iy < 0 || iy >= ih) continue;
      const float* row = src + iy * in.s[2];
      float* dst = buf + r * xs + pl;
      if (in.s[3] == 1) {
        for (int64_t c = 0; c < ci; ++c)
          std::memcpy(dst + c * plane() + x_lo, row + c * in.s[1] + x_lo,
                      (x_hi - x_lo) * sizeof(float));
        continue;
      }
      int64_t c0 = 0;
      if (in.s[1] == 1)  // channels last: 16 pixels x 16 channels turned in registers
        for (; c0 + kLanes <= ci; c0 += kLanes)
          for (int64_t x0 = x_lo; x0 < x_hi; x0 += kLanes) {
            const int64_t m = std::min(kLanes, x_hi - x0);
            __m512 v[16];
            for (int64_t q = 0; q < kLanes; ++q)
              v[q] = q < m ? _mm512_loadu_ps(row + (x0 + q) * in.s[3] + c0) : _mm512_setzero_ps();
            transpose16(v);
            const __mmask16 k = static_cast<__mmask16>((1u << m) - 1);
            for (int64_t q = 0; q < kLanes; ++q)
              _mm512_mask_storeu_ps(dst + (c0 + q) * plane() + x0, k, v[q]);
          }
      for (int64_t c = c0; c < ci; ++c)
        for (int64_t x = x_lo; x < x_hi; ++x) dst[c * plane() + x] = row[c * in.s[1] + x * in.s[3]];
    }
  }
};

// Output rows y0 + [0, RB) (below `y_end`) and columns x0 + [0, 32) of
// channels co0 + [0, CB) of image b, from the padded copy `buf` whose row 0
// is output row `band0`'s first input row. wk: this channel block's weights
// as [ci][i][j][CB]. KH, KW: the kernel's size when known at compile time
// (3x3), else 0.
template <int CB, int KH, int KW>
void block(const Plan& g, const float* buf, const float* wk, const float* bias, const View& out,
           int64_t b, int64_t co0, int64_t band0, int64_t y0, int64_t y_end, int64_t x0) {
  constexpr int RB = kRowQuantum / CB;
  const int64_t kh = KH ? KH : g.kh, kw = KW ? KW : g.kw;
  __m512 acc[CB][RB][2];
  for (int q = 0; q < CB; ++q) {
    const __m512 b0 = _mm512_set1_ps(bias ? bias[q] : 0.f);
    for (int r = 0; r < RB; ++r) acc[q][r][0] = acc[q][r][1] = b0;
  }
  const int64_t plane = g.plane(), xs = g.xs;
  const float* base = buf + (y0 - band0) * xs + x0;
  for (int64_t c = 0; c < g.ci; ++c)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j) {
        const float* wp = wk + ((c * kh + i) * kw + j) * CB;
        __m512 w[CB];
        for (int q = 0; q < CB; ++q) w[q] = _mm512_set1_ps(wp[q]);
        const float* src = base + c * plane + i * xs + j;
        for (int r = 0; r < RB; ++r) {
          __m512 v0 = _mm512_loadu_ps(src + r * xs);
          __m512 v1 = _mm512_loadu_ps(src + r * xs + kLanes);
          // Loaded once into registers: folded into each FMA, the (mostly
          // cache-line-splitting) loads were repeated CB times and bound the loop.
          __asm__("" : "+v"(v0), "+v"(v1));
          for (int q = 0; q < CB; ++q) {
            acc[q][r][0] = _mm512_fmadd_ps(w[q], v0, acc[q][r][0]);
            acc[q][r][1] = _mm512_fmadd_ps(w[q], v1, acc[q][r][1]);
          }
        }
      }
  float* dst0 = out.data + b * out.s[0] + co0 * out.s[1] + y0 * out.s[2] + x0 * out.s[3];
  if (out.s[3] == 1 && y0 + RB <= y_end && x0 + kCols <= g.ow) {  // whole rows of NCHW
    for (int q = 0; q < CB; ++q)
      for (int r = 0; r < RB; ++r) {
        float* dst = dst0 + q * out.s[1] + r * out.s[2];
        _mm512_storeu_ps(dst, acc[q][r][0]);
        _mm512_storeu_ps(dst + kLanes, acc[q][r][1]);
      }
    return;
  }
  for (int q = 0; q < CB; ++q)
    for (int r = 0; r < RB && y0 + r < y_end; ++r)
      for (int h = 0; h < 2; ++h) {
        const int64_t m = std::min(kLanes, g.ow - x0 - h * kLanes);
        if (m <= 0) break;
        float* dst = dst0 + q * out.s[1] + r * out.s[2] + h * kLanes * out.s[3];
        if (out.s[3] == 1) {
          _mm512_mask_storeu_ps(dst, static_cast<__mmask16>((1u << m) - 1), acc[q][r][h]);
        } else {
          alignas(64) float t[kLanes];
          _mm512_store_ps(t, acc[q][r][h]);
          for (int64_t k = 0; k < m; ++k) dst[k * out.s[3]] = t[k];
        }
      }
}

template <int KH, int KW>
void blocks(const Plan& g, const float* buf, const float* w, const float* bs, const View& out,
            int64_t b, int64_t co0, int64_t cb, int64_t band0, int64_t y_end) {
  for (int64_t y = band0; y < y_end; y += kRowQuantum / cb)
    for (int64_t x = 0; x < g.ow; x += kCols) switch (cb) {
        case 4:
          block<4, KH, KW>(g, buf, w, bs, out, b, co0, band0, y, y_end, x);
          break;
        case 3:
          block<3, KH, KW>(g, buf, w, bs, out, b, co0, band0, y, y_end, x);
          break;
        case 2:
          block<2, KH, KW>(g, buf, w, bs, out, b, co0, band0, y, y_end, x);
          break;
        default:
          block<1, KH, KW>(g, buf, w, bs, out, b, co0, band0, y, y_end, x);
          break;
      }
}

// Runs plan g: `wk` holds the weights by blocks of kMaxBlock output channels
// (block at co0: [ci][i][j][min(kMaxBlock, co - co0)] from co0 * ci * kh * kw).
void correlate(const Plan& g, const View& in, const std::vector<float>& wk,
               const std::vector<float>& bias, const View& out) {
  const int64_t taps = g.ci * g.kh * g.kw;
  parallel_for_t(0, g.n * g.bands, 1, [&](int64_t begin, int64_t end) {
    const DataPtr mem = cpu_allocator()->allocate(g.ci * g.plane() * sizeof(float));
    float* buf = static_cast<float*>(mem.get());
    for (int64_t job = begin; job < end; ++job) {
      const int64_t b = job / g.bands, y0 = job % g.bands * g.band;
      const int64_t y_end = std::min(g.oh, y0 + g.band);
      g.fill(buf, in, b, y0);
      for (int64_t co0 = 0; co0 < g.co; co0 += kMaxBlock) {
        const int64_t cb = std::min(kMaxBlock, g.co - co0);
        const float* w = wk.data() + co0 * taps;
        const float* bs = bias.empty() ? nullptr : bias.data() + co0;
        if (g.kh == 3 && g.kw == 3)
          blocks<3, 3>(g, buf, w, bs, out, b, co0, cb, y0, y_end);
        else
          blocks<0, 0>(g, buf, w, bs, out, b, co0, cb, y0, y_end);
      }
    }
  });
}

// Lays out k(co, ci, i, j) by channel blocks for block<>().
template <typename K>
std::vector<float> pack(int64_t co, int64_t ci, int64_t kh, int64_t kw, const K& k) {
  std::vector<float> wk(co * ci * kh * kw);
  for (int64_t co0 = 0; co0 < co; co0 += kMaxBlock) {
    const int64_t cb = std::min(kMaxBlock, co - co0);
    float* w = wk.data() + co0 * ci * kh * kw;
    for (int64_t c = 0; c < ci; ++c)
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j)
          for (int64_t q = 0; q < cb; ++q)
            w[((c * kh + i) * kw + j) * cb + q] = k(co0 + q, c, i, j);
  }
  return wk;
}

}  // namespace

void few_channel_conv_forward(const Tensor& out, const Tensor& input, const Tensor& weight,
                              const Tensor& bias, const ConvParams& p) {
  const int64_t oc = weight.size(0), c = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  const Plan g(input.size(0), c, oc, input.size(2), input.size(3), out.size(2), out.size(3), kh, kw,
               p.padding_l[0], p.padding_l[1]);
  const View w(weight);
  const std::vector<float> wk =
      pack(oc, c, kh, kw, [&](int64_t o, int64_t ci, int64_t i, int64_t j) {
        return w.data[o * w.s[0] + ci * w.s[1] + i * w.s[2] + j * w.s[3]];
      });
  std::vector<float> bs;
  if (bias.defined())
    for (int64_t o = 0; o < oc; ++o) bs.push_back(bias.data_ptr<float>()[o * bias.stride(0)]);
  correlate(g, View(input), wk, bs, View(out));
}

void few_channel_conv_backward_input(const Tensor& grad_input, const Tensor& grad_out,
                                     const Tensor& weight, const ConvParams& p) {
  // grad_input[c][y][x] = sum over oc, i, j of w[oc][c][i][j] *
  // grad_out[oc][y + pt - i][x + pl - j]: with i' = kh - 1 - i a correlation
  // of grad_out, padded by kh - 1 - pt, with the turned, flipped weights.
  const int64_t oc = weight.size(0), c = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  const Plan g(grad_out.size(0), oc, c, grad_out.size(2), grad_out.size(3), grad_input.size(2),
               grad_input.size(3), kh, kw, kh - 1 - p.padding_l[0], kw - 1 - p.padding_l[1]);
  const View w(weight);
  const std::vector<float> wk =
      pack(c, oc, kh, kw, [&](int64_t ci, int64_t o, int64_t i, int64_t j) {
        return w.data[o * w.s[0] + ci * w.s[1] + (kh - 1 - i) * w.s[2] + (kw - 1 - j) * w.s[3]];
      });
  correlate(g, View(grad_out), wk, {}, View(grad_input));
}

#else  // no AVX-512: the *_applies() functions are false and oneDNN runs these

void few_channel_conv_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                              const ConvParams&) {
  throw RuntimeError("few_channel_conv_forward: built without AVX-512");
}
void few_channel_conv_backward_input(const Tensor&, const Tensor&, const Tensor&,
                                     const ConvParams&) {
  throw RuntimeError("few_channel_conv_backward_input: built without AVX-512");
}

#endif

}  // namespace ember::kernels
