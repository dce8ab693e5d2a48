#include "kernels/cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "kernels/cpu/channel_blocks.h"

namespace ember::kernels {

namespace {

int64_t start_index(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
int64_t end_index(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

#define EMBER_POOL_DISPATCH(dt, name, ...)                                                  \
  switch (dt) {                                                                             \
    case DType::Float32:                                                                    \
      return name<float>(__VA_ARGS__);                                                      \
    case DType::Float64:                                                                    \
      return name<double>(__VA_ARGS__);                                                     \
    default:                                                                                \
      throw NotImplementedError(detail::str_cat("pooling kernel: unsupported dtype ", dt)); \
  }

}  // namespace

// ---- 3-D pooling

namespace {

// One output index's window along one dim: positions lo, lo + step, ... < hi;
// size: its factor of an average's divisor.
struct Win {
  int64_t lo, hi, size;
};

struct Windows {
  std::vector<Win> w[3];
  int64_t step[3] = {1, 1, 1};
  int64_t divisor = 0;  // divisor_override when > 0
};

// The windows of (dilated) max or average pooling, as PyTorch's loops clip them.
Windows pool_windows(const Tensor& out, const Tensor& in, const Pool3dParams& p, bool avg) {
  Windows r;
  for (int i = 0; i < 3; ++i) {
    const int64_t O = out.size(2 + i), I = in.size(2 + i);
    r.step[i] = avg ? 1 : p.d[i];
    r.w[i].resize(O);
    for (int64_t o = 0; o < O; ++o) {
      const int64_t start = o * p.s[i] - p.p[i];
      if (avg) {
        const int64_t end = std::min(start + p.k[i], I + p.p[i]);
        const int64_t lo = std::max<int64_t>(start, 0), hi = std::min(end, I);
        r.w[i][o] = {lo, hi, p.count_include_pad ? end - start : hi - lo};
      } else {
        int64_t lo = start;
        if (lo < 0) lo += (-lo + p.d[i] - 1) / p.d[i] * p.d[i];
        r.w[i][o] = {lo, std::min(start + (p.k[i] - 1) * p.d[i] + 1, I), 1};
      }
    }
  }
  if (avg && p.divisor_override) r.divisor = *p.divisor_override;
  return r;
}

Windows adaptive_windows(const Tensor& out, const Tensor& in) {
  Windows r;
  for (int i = 0; i < 3; ++i) {
    const int64_t O = out.size(2 + i), I = in.size(2 + i);
    r.w[i].resize(O);
    for (int64_t o = 0; o < O; ++o) {
      const int64_t lo = start_index(o, O, I), hi = end_index(o, O, I);
      r.w[i][o] = {lo, hi, hi - lo};
    }
  }
  return r;
}

// Sizes and strides of a 5-D tensor as plain numbers (the loops must not call
// Tensor's accessors per element).
struct Geom {
  int64_t size[5], stride[5];
  explicit Geom(const Tensor& t) {
    for (int i = 0; i < 5; ++i) {
      size[i] = t.size(i);
      stride[i] = t.stride(i);
    }
  }
  int64_t off(int64_t d, int64_t h, int64_t w) const {
    return d * stride[2] + h * stride[3] + w * stride[4];
  }
};

int64_t window_volume(const Windows& w) {
  int64_t v = 1;
  for (int i = 0; i < 3; ++i)
    if (!w.w[i].empty()) v *= std::max<int64_t>(1, w.w[i][0].hi - w.w[i][0].lo);
  return v;
}

// Zeroes one block of channels of a sample.
template <typename T>
void zero_block(const Geom& t, T* p, int64_t cnt) {
  for (int64_t d = 0; d < t.size[2]; ++d)
    for (int64_t h = 0; h < t.size[3]; ++h)
      for (int64_t w = 0; w < t.size[4]; ++w) {
        T* q = p + t.off(d, h, w);
        for (int64_t j = 0; j < cnt; ++j) q[j] = T(0);
      }
}

// Whether the windows along one dimension all have the same number of taps
// and start evenly spaced (no clipping at the borders).
struct RegularWindows {
  bool ok = false;
  int64_t lo = 0, stride = 0, taps = 0;
};
RegularWindows regular(const std::vector<Win>& ws, int64_t step) {
  RegularWindows r;
  if (ws.empty() || ws[0].lo >= ws[0].hi) return r;
  r.lo = ws[0].lo;
  r.taps = (ws[0].hi - ws[0].lo + step - 1) / step;
  r.stride = ws.size() > 1 ? ws[1].lo - ws[0].lo : 0;
  for (size_t o = 0; o < ws.size(); ++o) {
    const int64_t lo = r.lo + static_cast<int64_t>(o) * r.stride;
    if (ws[o].lo != lo || (ws[o].hi - ws[o].lo + step - 1) / step != r.taps) return r;
  }
  r.ok = r.stride > 0 || ws.size() == 1;
  return r;
}

// One window tap across an output row: y[o] = max(y[o], x[o * xs]) with
// PyTorch's NaN rule, recording the winning input position. Branch-free so
// that it vectorises (XS > 0 makes the input stride a constant).
template <typename T, int64_t XS>
void max_row(T* __restrict y, int64_t* __restrict ix, const T* __restrict x, int64_t n, int64_t xs,
             int64_t pos0, int64_t pos_stride) {
  if constexpr (XS > 0) xs = XS;
  for (int64_t o = 0; o < n; ++o) {
    const T v = x[o * xs], cur = y[o];
    const bool up = (v > cur) | (v != v);
    y[o] = up ? v : cur;
    ix[o] = up ? pos0 + o * pos_stride : ix[o];
  }
}

// max_pool2d(2) on dense rows: each output from the four taps of two input
// rows, in PyTorch's order (row by row) and with its NaN rule.
template <typename T>
void max_2x2_scalar(T* __restrict y, int64_t* __restrict ix, const T* __restrict r0,
                    const T* __restrict r1, int64_t o0, int64_t o1, int64_t pos0, int64_t iw) {
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t p = pos0 + 2 * o;
    T best = r0[2 * o];
    int64_t arg = p;
    const T taps[3] = {r0[2 * o + 1], r1[2 * o], r1[2 * o + 1]};
    const int64_t at[3] = {p + 1, p + iw, p + iw + 1};
    for (int t = 0; t < 3; ++t) {
      const bool up = (taps[t] > best) | (taps[t] != taps[t]);
      best = up ? taps[t] : best;
      arg = up ? at[t] : arg;
    }
    y[o] = best;
    ix[o] = arg;
  }
}

#if defined(__GNUC__) && !defined(__clang__)
// Eight outputs at a time in GCC's vector types (the compiler's own loop
// vectoriser left short rows, 12 outputs in the Fashion-MNIST network, to
// branchy scalar code). A row's last partial block is computed as the
// eight outputs that end the row, overlapping the previous block: each
// output depends only on the input, so writing it twice is harmless.
using F8 = float __attribute__((vector_size(32)));
using I8 = int32_t __attribute__((vector_size(32)));
using L8 = int64_t __attribute__((vector_size(64)));

void max_2x2_row(float* __restrict y, int64_t* __restrict ix, const float* __restrict r0,
                 const float* __restrict r1, int64_t n, int64_t pos0, int64_t iw) {
  if (n < 8) return max_2x2_scalar(y, ix, r0, r1, 0, n, pos0, iw);
  const I8 even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = even + 1;
  const L8 lane = {0, 2, 4, 6, 8, 10, 12, 14};
  for (int64_t o = 0; o < n; o += 8) {
    const int64_t b = std::min(o, n - 8);
    F8 a0, a1, c0, c1;
    std::memcpy(&a0, r0 + 2 * b, sizeof a0);
    std::memcpy(&a1, r0 + 2 * b + 8, sizeof a1);
    std::memcpy(&c0, r1 + 2 * b, sizeof c0);
    std::memcpy(&c1, r1 + 2 * b + 8, sizeof c1);
    const F8 taps[4] = {__builtin_shuffle(a0, a1, even), __builtin_shuffle(a0, a1, odd),
                        __builtin_shuffle(c0, c1, even), __builtin_shuffle(c0, c1, odd)};
    const L8 p = lane + (pos0 + 2 * b);
    const int64_t at[4] = {0, 1, iw, iw + 1};
    F8 best = taps[0];
    L8 arg = p;
    for (int t = 1; t < 4; ++t) {
      const I8 up = (taps[t] > best) | (taps[t] != taps[t]);
      best = up ? taps[t] : best;
      const L8 up64 = __builtin_convertvector(up, L8);
      arg = (up64 & (p + at[t])) | (~up64 & arg);
    }
    std::memcpy(y + b, &best, sizeof best);
    std::memcpy(ix + b, &arg, sizeof arg);
  }
}
#endif

template <typename T>
void max_2x2_row(T* __restrict y, int64_t* __restrict ix, const T* __restrict r0,
                 const T* __restrict r1, int64_t n, int64_t pos0, int64_t iw) {
  max_2x2_scalar(y, ix, r0, r1, 0, n, pos0, iw);
}

template <typename T>
void max3d(const Tensor& out, const Tensor& idx, const Tensor& in, const Windows& w) {
  const Geom X(in);
  const Geom Y(out);
  const Geom IX(idx);
  const int64_t ih = X.size[3], iw = X.size[4];
  const int64_t cb = channel_block({&out, &idx, &in});
  const int64_t work = Y.size[2] * Y.size[3] * Y.size[4] * window_volume(w);
  const RegularWindows rw = regular(w.w[2], w.step[2]);
  for_blocks(Y.size[0], Y.size[1], cb, work, [&](int64_t n, int64_t c0, auto cnt) {
    const T* x = channel_base<const T>(in, n, c0);
    T* y = channel_base<T>(out, n, c0);
    int64_t* ix = channel_base<int64_t>(idx, n, c0);
    if constexpr (std::is_same_v<decltype(cnt), std::integral_constant<int64_t, 1>>) {
      // One (n, c) volume: scalar accumulators, one row of the window at a time.
      const int64_t s2 = X.stride[2], s3 = X.stride[3], s4 = X.stride[4];
      const int64_t sd = w.step[0], sh = w.step[1], sw = w.step[2];
      for (int64_t od = 0; od < Y.size[2]; ++od) {
        const Win a = w.w[0][od];
        for (int64_t oh = 0; oh < Y.size[3]; ++oh) {
          const Win b = w.w[1][oh];
          if (rw.ok && a.lo < a.hi && b.lo < b.hi) {
            // Full, evenly spaced windows along w (max_pool2d(2) and the like):
            // one window offset at a time across the whole output row, so the
            // compare-and-select vectorises instead of branching per element.
            T* yr = y + Y.off(od, oh, 0);
            int64_t* ir = ix + IX.off(od, oh, 0);
            const int64_t ow_n = Y.size[4], ys = Y.stride[4], is = IX.stride[4];
            if (a.hi - a.lo == 1 && b.hi - b.lo == 2 && sh == 1 && rw.taps == 2 && sw == 1 &&
                rw.stride == 2 && s4 == 1 && ys == 1 && is == 1) {
              const T* r0 = x + a.lo * s2 + b.lo * s3 + rw.lo;
              max_2x2_row(yr, ir, r0, r0 + s3, ow_n, (a.lo * ih + b.lo) * iw + rw.lo, iw);
              continue;
            }
            bool first = true;
            for (int64_t d = a.lo; d < a.hi; d += sd)
              for (int64_t h = b.lo; h < b.hi; h += sh)
                for (int64_t k = 0; k < rw.taps; ++k) {
                  const int64_t col0 = rw.lo + k * sw;
                  const T* xr = x + d * s2 + h * s3 + col0 * s4;
                  const int64_t pos0 = (d * ih + h) * iw + col0, xs = rw.stride * s4;
                  if (first) {
                    for (int64_t o = 0; o < ow_n; ++o) {
                      yr[o * ys] = xr[o * xs];
                      ir[o * is] = pos0 + o * rw.stride;
                    }
                    first = false;
                    continue;
                  }
                  // Unit output strides and a constant input stride vectorise.
                  if (ys == 1 && is == 1 && xs == 2)
                    max_row<T, 2>(yr, ir, xr, ow_n, 2, pos0, rw.stride);
                  else if (ys == 1 && is == 1 && xs == 1)
                    max_row<T, 1>(yr, ir, xr, ow_n, 1, pos0, rw.stride);
                  else if (ys == 1 && is == 1)
                    max_row<T, 0>(yr, ir, xr, ow_n, xs, pos0, rw.stride);
                  else
                    for (int64_t o = 0; o < ow_n; ++o) {
                      const T v = xr[o * xs], cur = yr[o * ys];
                      const bool up = (v > cur) | (v != v);
                      yr[o * ys] = up ? v : cur;
                      ir[o * is] = up ? pos0 + o * rw.stride : ir[o * is];
                    }
                }
            continue;
          }
          for (int64_t ow = 0; ow < Y.size[4]; ++ow) {
            const Win c = w.w[2][ow];
            const bool empty = a.lo >= a.hi || b.lo >= b.hi || c.lo >= c.hi;
            T best = -std::numeric_limits<T>::infinity();
            int64_t arg = empty ? -1 : (a.lo * ih + b.lo) * iw + c.lo;
            for (int64_t d = a.lo; d < a.hi; d += sd)
              for (int64_t h = b.lo; h < b.hi; h += sh) {
                const T* row = x + d * s2 + h * s3;
                const int64_t rbase = (d * ih + h) * iw;
                for (int64_t ww = c.lo; ww < c.hi; ww += sw) {
                  const T v = row[ww * s4];
                  const bool up = (v > best) | (v != v);  // no short circuit: cmov, not branches
                  best = up ? v : best;
                  arg = up ? rbase + ww : arg;
                }
              }
            y[Y.off(od, oh, ow)] = best;
            ix[IX.off(od, oh, ow)] = arg;
          }
        }
      }
      return;
    }
    T best[kChannelBlock];
    int64_t arg[kChannelBlock];
    for (int64_t od = 0; od < Y.size[2]; ++od) {
      const Win a = w.w[0][od];
      for (int64_t oh = 0; oh < Y.size[3]; ++oh) {
        const Win b = w.w[1][oh];
        for (int64_t ow = 0; ow < Y.size[4]; ++ow) {
          const Win c = w.w[2][ow];
          const bool empty = a.lo >= a.hi || b.lo >= b.hi || c.lo >= c.hi;
          const int64_t first = empty ? -1 : (a.lo * ih + b.lo) * iw + c.lo;
          for (int64_t j = 0; j < cnt; ++j) {
            best[j] = -std::numeric_limits<T>::infinity();
            arg[j] = first;
          }
          for (int64_t d = a.lo; d < a.hi; d += w.step[0])
            for (int64_t h = b.lo; h < b.hi; h += w.step[1])
              for (int64_t ww = c.lo; ww < c.hi; ww += w.step[2]) {
                const T* xp = x + X.off(d, h, ww);
                const int64_t pos = (d * ih + h) * iw + ww;
                // PyTorch's rule: greater, or NaN (which then propagates).
                for (int64_t j = 0; j < cnt; ++j) {
                  const T v = xp[j];
                  const bool up = (v > best[j]) | (v != v);
                  best[j] = up ? v : best[j];
                  arg[j] = up ? pos : arg[j];
                }
              }
          T* yp = y + Y.off(od, oh, ow);
          int64_t* ip = ix + IX.off(od, oh, ow);
          for (int64_t j = 0; j < cnt; ++j) {
            yp[j] = best[j];
            ip[j] = arg[j];
          }
        }
      }
    }
  });
}

template <typename T>
void max3d_backward(const Tensor& gi, const Tensor& go, const Tensor& idx) {
  const Geom GI(gi);
  const Geom GO(go);
  const Geom IX(idx);
  const int64_t ih = GI.size[3], iw = GI.size[4];
  const int64_t cb = channel_block({&gi, &go, &idx});
  for_blocks(
      GI.size[0], GI.size[1], cb, GI.size[2] * ih * iw, [&](int64_t n, int64_t c0, auto cnt) {
        T* g = channel_base<T>(gi, n, c0);
        const T* y = channel_base<const T>(go, n, c0);
        const int64_t* ix = channel_base<const int64_t>(idx, n, c0);
        zero_block(GI, g, cnt);
        // Flat volume index i at offset i * stride[4] where D, H, W are dense.
        const bool dense = GI.stride[3] == iw * GI.stride[4] && GI.stride[2] == ih * GI.stride[3];
        for (int64_t od = 0; od < GO.size[2]; ++od)
          for (int64_t oh = 0; oh < GO.size[3]; ++oh)
            for (int64_t ow = 0; ow < GO.size[4]; ++ow) {
              const T* yp = y + GO.off(od, oh, ow);
              const int64_t* ip = ix + IX.off(od, oh, ow);
              for (int64_t j = 0; j < cnt; ++j) {
                const int64_t i = ip[j];
                if (i < 0) continue;
                const int64_t o =
                    dense ? i * GI.stride[4] : GI.off(i / (ih * iw), i / iw % ih, i % iw);
                g[o + j] += yp[j];
              }
            }
      });
}

template <typename T>
void avg3d(const Tensor& out, const Tensor& in, const Windows& w) {
  const Geom X(in);
  const Geom Y(out);
  const int64_t cb = channel_block({&out, &in});
  const int64_t work = Y.size[2] * Y.size[3] * Y.size[4] * window_volume(w);
  for_blocks(Y.size[0], Y.size[1], cb, work, [&](int64_t n, int64_t c0, auto cnt) {
    const T* x = channel_base<const T>(in, n, c0);
    T* y = channel_base<T>(out, n, c0);
    if constexpr (std::is_same_v<decltype(cnt), std::integral_constant<int64_t, 1>>) {
      // One (n, c) volume: a scalar sum, one row of the window at a time.
      const int64_t s2 = X.stride[2], s3 = X.stride[3], s4 = X.stride[4];
      for (int64_t od = 0; od < Y.size[2]; ++od) {
        const Win a = w.w[0][od];
        for (int64_t oh = 0; oh < Y.size[3]; ++oh) {
          const Win b = w.w[1][oh];
          for (int64_t ow = 0; ow < Y.size[4]; ++ow) {
            const Win c = w.w[2][ow];
            T sum = 0;
            for (int64_t d = a.lo; d < a.hi; ++d)
              for (int64_t h = b.lo; h < b.hi; ++h) {
                const T* row = x + d * s2 + h * s3;
                if (s4 == 1) {  // the common contiguous row: a loop the compiler unrolls
                  for (int64_t ww = c.lo; ww < c.hi; ++ww) sum += row[ww];
                } else {
                  for (int64_t ww = c.lo; ww < c.hi; ++ww) sum += row[ww * s4];
                }
              }
            const bool empty = a.lo >= a.hi || b.lo >= b.hi || c.lo >= c.hi;
            const T div = T(w.divisor ? w.divisor : a.size * b.size * c.size);
            y[Y.off(od, oh, ow)] = empty ? T(0) : sum / div;
          }
        }
      }
      return;
    }
    T sum[kChannelBlock];
    for (int64_t od = 0; od < Y.size[2]; ++od) {
      const Win a = w.w[0][od];
      for (int64_t oh = 0; oh < Y.size[3]; ++oh) {
        const Win b = w.w[1][oh];
        for (int64_t ow = 0; ow < Y.size[4]; ++ow) {
          const Win c = w.w[2][ow];
          for (int64_t j = 0; j < cnt; ++j) sum[j] = T(0);
          for (int64_t d = a.lo; d < a.hi; ++d)
            for (int64_t h = b.lo; h < b.hi; ++h)
              for (int64_t ww = c.lo; ww < c.hi; ++ww) {
                const T* xp = x + X.off(d, h, ww);
                for (int64_t j = 0; j < cnt; ++j) sum[j] += xp[j];
              }
          const bool empty = a.lo >= a.hi || b.lo >= b.hi || c.lo >= c.hi;
          const T div = T(w.divisor ? w.divisor : a.size * b.size * c.size);
          T* yp = y + Y.off(od, oh, ow);
          for (int64_t j = 0; j < cnt; ++j) yp[j] = empty ? T(0) : sum[j] / div;
        }
      }
    }
  });
}

template <typename T>
void avg3d_backward(const Tensor& gi, const Tensor& go, const Windows& w) {
  const Geom GI(gi);
  const Geom GO(go);
  const int64_t cb = channel_block({&gi, &go});
  const int64_t work = GO.size[2] * GO.size[3] * GO.size[4] * window_volume(w);
  for_blocks(GI.size[0], GI.size[1], cb, work, [&](int64_t n, int64_t c0, auto cnt) {
    T* g = channel_base<T>(gi, n, c0);
    const T* y = channel_base<const T>(go, n, c0);
    zero_block(GI, g, cnt);
    T v[kChannelBlock];
    for (int64_t od = 0; od < GO.size[2]; ++od) {
      const Win a = w.w[0][od];
      for (int64_t oh = 0; oh < GO.size[3]; ++oh) {
        const Win b = w.w[1][oh];
        for (int64_t ow = 0; ow < GO.size[4]; ++ow) {
          const Win c = w.w[2][ow];
          const T div = T(w.divisor ? w.divisor : a.size * b.size * c.size);
          const T* yp = y + GO.off(od, oh, ow);
          for (int64_t j = 0; j < cnt; ++j) v[j] = yp[j] / div;
          for (int64_t d = a.lo; d < a.hi; ++d)
            for (int64_t h = b.lo; h < b.hi; ++h)
              for (int64_t ww = c.lo; ww < c.hi; ++ww) {
                T* gp = g + GI.off(d, h, ww);
                for (int64_t j = 0; j < cnt; ++j) gp[j] += v[j];
              }
        }
      }
    }
  });
}

}  // namespace

void max_pool3d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool3dParams& p) {
  if (out.numel() == 0) return;
  const Windows w = pool_windows(out, input, p, false);
  EMBER_POOL_DISPATCH(out.dtype(), max3d, out, indices, input, w);
}
void max_pool3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& indices) {
  if (grad_input.numel() == 0) return;
  EMBER_POOL_DISPATCH(grad_input.dtype(), max3d_backward, grad_input, grad_out, indices);
}
void avg_pool3d_kernel(const Tensor& out, const Tensor& input, const Pool3dParams& p) {
  if (out.numel() == 0) return;
  const Windows w = pool_windows(out, input, p, true);
  // int64 as PyTorch: an integer sum, truncating division.
  if (out.dtype() == DType::Int64) return avg3d<int64_t>(out, input, w);
  EMBER_POOL_DISPATCH(out.dtype(), avg3d, out, input, w);
}
void avg_pool3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Pool3dParams& p) {
  if (grad_input.numel() == 0) return;
  const Windows w = pool_windows(grad_out, grad_input, p, true);
  EMBER_POOL_DISPATCH(grad_input.dtype(), avg3d_backward, grad_input, grad_out, w);
}
void adaptive_avg_pool3d_kernel(const Tensor& out, const Tensor& input) {
  if (out.numel() == 0) return;
  const Windows w = adaptive_windows(out, input);
  EMBER_POOL_DISPATCH(out.dtype(), avg3d, out, input, w);
}
void adaptive_avg_pool3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out) {
  if (grad_input.numel() == 0) return;
  const Windows w = adaptive_windows(grad_out, grad_input);
  EMBER_POOL_DISPATCH(grad_input.dtype(), avg3d_backward, grad_input, grad_out, w);
}
void adaptive_max_pool3d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input) {
  if (out.numel() == 0) return;
  const Windows w = adaptive_windows(out, input);
  EMBER_POOL_DISPATCH(out.dtype(), max3d, out, indices, input, w);
}

// ---- 2-D pooling: the 3-D loops over a unit depth (the same windows,
// indices h * W + w, and the channels-last block loops for NHWC).

namespace {

Pool3dParams as3d(const Pool2dParams& p) {
  Pool3dParams q;
  q.k[0] = 1, q.k[1] = p.kh, q.k[2] = p.kw;
  q.s[0] = 1, q.s[1] = p.sh, q.s[2] = p.sw;
  q.p[0] = 0, q.p[1] = p.ph, q.p[2] = p.pw;
  q.d[0] = 1, q.d[1] = p.dh, q.d[2] = p.dw;
  q.count_include_pad = p.count_include_pad;
  q.divisor_override = p.divisor_override;
  return q;
}

Tensor d3(const Tensor& t) { return t.unsqueeze(2); }

}  // namespace

void max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool2dParams& p) {
  max_pool3d_kernel(d3(out), d3(indices), d3(input), as3d(p));
}
void max_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& indices) {
  max_pool3d_backward_kernel(d3(grad_input), d3(grad_out), d3(indices));
}
void avg_pool2d_kernel(const Tensor& out, const Tensor& input, const Pool2dParams& p) {
  avg_pool3d_kernel(d3(out), d3(input), as3d(p));
}
void avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Pool2dParams& p) {
  avg_pool3d_backward_kernel(d3(grad_input), d3(grad_out), as3d(p));
}
void adaptive_avg_pool2d_kernel(const Tensor& out, const Tensor& input) {
  adaptive_avg_pool3d_kernel(d3(out), d3(input));
}
void adaptive_avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out) {
  adaptive_avg_pool3d_backward_kernel(d3(grad_input), d3(grad_out));
}
void adaptive_max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input) {
  adaptive_max_pool3d_kernel(d3(out), d3(indices), d3(input));
}

}  // namespace ember::kernels
