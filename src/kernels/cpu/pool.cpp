#include "kernels/cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ember/core/parallel.h"

namespace ember::kernels {

namespace {

// One (n, c) plane of a 4-D tensor: base pointer and the H, W strides.
template <typename T>
struct Plane {
  T* p;
  int64_t h, w, sh, sw;
  T& at(int64_t y, int64_t x) const { return p[y * sh + x * sw]; }
};

template <typename T>
Plane<T> plane(const Tensor& t, int64_t n, int64_t c) {
  return {static_cast<T*>(t.data_ptr()) + n * t.stride(0) + c * t.stride(1), t.size(2), t.size(3),
          t.stride(2), t.stride(3)};
}

// Calls f(n, c) for every plane, in parallel.
template <typename F>
void for_planes(const Tensor& t, int64_t work_per_plane, F f) {
  const int64_t c = t.size(1);
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_plane));
  parallel_for_t(0, t.size(0) * c, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i / c, i % c);
  });
}

int64_t start_index(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
int64_t end_index(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

template <typename T>
void max_pool(const Tensor& out, const Tensor& indices, const Tensor& input,
              const Pool2dParams& p) {
  for_planes(out, out.size(2) * out.size(3) * p.kh * p.kw, [&](int64_t n, int64_t c) {
    const Plane<const T> x = plane<const T>(input, n, c);
    const Plane<T> y = plane<T>(out, n, c);
    const Plane<int64_t> ix = plane<int64_t>(indices, n, c);
    for (int64_t oh = 0; oh < y.h; ++oh)
      for (int64_t ow = 0; ow < y.w; ++ow) {
        const int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
        T best = -std::numeric_limits<T>::infinity();
        int64_t arg = -1;
        for (int64_t i = 0; i < p.kh; ++i) {
          const int64_t h = h0 + i * p.dh;
          if (h < 0 || h >= x.h) continue;
          for (int64_t j = 0; j < p.kw; ++j) {
            const int64_t w = w0 + j * p.dw;
            if (w < 0 || w >= x.w) continue;
            const T v = x.at(h, w);
            // NaN wins, as in PyTorch.
            if (arg < 0 || v > best || std::isnan(v)) {
              best = v;
              arg = h * x.w + w;
              if (std::isnan(v)) goto done;
            }
          }
        }
      done:
        y.at(oh, ow) = best;
        ix.at(oh, ow) = arg;
      }
  });
}

template <typename T>
void adaptive_max(const Tensor& out, const Tensor& indices, const Tensor& input) {
  for_planes(out, input.size(2) * input.size(3), [&](int64_t n, int64_t c) {
    const Plane<const T> x = plane<const T>(input, n, c);
    const Plane<T> y = plane<T>(out, n, c);
    const Plane<int64_t> ix = plane<int64_t>(indices, n, c);
    for (int64_t oh = 0; oh < y.h; ++oh) {
      const int64_t hs = start_index(oh, y.h, x.h), he = end_index(oh, y.h, x.h);
      for (int64_t ow = 0; ow < y.w; ++ow) {
        const int64_t ws = start_index(ow, y.w, x.w), we = end_index(ow, y.w, x.w);
        T best = -std::numeric_limits<T>::infinity();
        int64_t arg = hs * x.w + ws;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) {
            const T v = x.at(h, w);
            if (v > best || std::isnan(v)) {
              best = v;
              arg = h * x.w + w;
              if (std::isnan(v)) goto done;
            }
          }
      done:
        y.at(oh, ow) = best;
        ix.at(oh, ow) = arg;
      }
    }
  });
}

template <typename T>
void max_backward(const Tensor& gi, const Tensor& go, const Tensor& indices) {
  for_planes(go, go.size(2) * go.size(3), [&](int64_t n, int64_t c) {
    const Plane<T> x = plane<T>(gi, n, c);
    const Plane<const T> g = plane<const T>(go, n, c);
    const Plane<const int64_t> ix = plane<const int64_t>(indices, n, c);
    for (int64_t h = 0; h < x.h; ++h)
      for (int64_t w = 0; w < x.w; ++w) x.at(h, w) = T(0);
    for (int64_t oh = 0; oh < g.h; ++oh)
      for (int64_t ow = 0; ow < g.w; ++ow) {
        const int64_t i = ix.at(oh, ow);
        if (i >= 0) x.at(i / x.w, i % x.w) += g.at(oh, ow);
      }
  });
}

// The window of output (oh, ow) clipped to the input, and its divisor.
struct AvgWindow {
  int64_t hs, he, ws, we, div;
};
AvgWindow avg_window(int64_t oh, int64_t ow, int64_t ih, int64_t iw, const Pool2dParams& p) {
  int64_t hs = oh * p.sh - p.ph, ws = ow * p.sw - p.pw;
  int64_t he = std::min(hs + p.kh, ih + p.ph), we = std::min(ws + p.kw, iw + p.pw);
  const int64_t pool_size = (he - hs) * (we - ws);
  hs = std::max<int64_t>(hs, 0);
  ws = std::max<int64_t>(ws, 0);
  he = std::min(he, ih);
  we = std::min(we, iw);
  const int64_t div = p.divisor_override    ? *p.divisor_override
                      : p.count_include_pad ? pool_size
                                            : (he - hs) * (we - ws);
  return {hs, he, ws, we, div};
}

template <typename T>
void avg_pool(const Tensor& out, const Tensor& input, const Pool2dParams& p) {
  for_planes(out, out.size(2) * out.size(3) * p.kh * p.kw, [&](int64_t n, int64_t c) {
    const Plane<const T> x = plane<const T>(input, n, c);
    const Plane<T> y = plane<T>(out, n, c);
    for (int64_t oh = 0; oh < y.h; ++oh)
      for (int64_t ow = 0; ow < y.w; ++ow) {
        const AvgWindow win = avg_window(oh, ow, x.h, x.w, p);
        T sum = 0;
        for (int64_t h = win.hs; h < win.he; ++h)
          for (int64_t w = win.ws; w < win.we; ++w) sum += x.at(h, w);
        y.at(oh, ow) = win.he > win.hs && win.we > win.ws ? sum / T(win.div) : T(0);
      }
  });
}

template <typename T>
void avg_backward(const Tensor& gi, const Tensor& go, const Pool2dParams& p) {
  for_planes(go, go.size(2) * go.size(3) * p.kh * p.kw, [&](int64_t n, int64_t c) {
    const Plane<T> x = plane<T>(gi, n, c);
    const Plane<const T> g = plane<const T>(go, n, c);
    for (int64_t h = 0; h < x.h; ++h)
      for (int64_t w = 0; w < x.w; ++w) x.at(h, w) = T(0);
    for (int64_t oh = 0; oh < g.h; ++oh)
      for (int64_t ow = 0; ow < g.w; ++ow) {
        const AvgWindow win = avg_window(oh, ow, x.h, x.w, p);
        const T v = g.at(oh, ow) / T(win.div);
        for (int64_t h = win.hs; h < win.he; ++h)
          for (int64_t w = win.ws; w < win.we; ++w) x.at(h, w) += v;
      }
  });
}

template <typename T>
void adaptive_avg(const Tensor& out, const Tensor& input) {
  for_planes(out, input.size(2) * input.size(3), [&](int64_t n, int64_t c) {
    const Plane<const T> x = plane<const T>(input, n, c);
    const Plane<T> y = plane<T>(out, n, c);
    for (int64_t oh = 0; oh < y.h; ++oh) {
      const int64_t hs = start_index(oh, y.h, x.h), he = end_index(oh, y.h, x.h);
      for (int64_t ow = 0; ow < y.w; ++ow) {
        const int64_t ws = start_index(ow, y.w, x.w), we = end_index(ow, y.w, x.w);
        T sum = 0;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) sum += x.at(h, w);
        y.at(oh, ow) = sum / T((he - hs) * (we - ws));
      }
    }
  });
}

template <typename T>
void adaptive_avg_backward(const Tensor& gi, const Tensor& go) {
  for_planes(gi, gi.size(2) * gi.size(3), [&](int64_t n, int64_t c) {
    const Plane<T> x = plane<T>(gi, n, c);
    const Plane<const T> g = plane<const T>(go, n, c);
    for (int64_t h = 0; h < x.h; ++h)
      for (int64_t w = 0; w < x.w; ++w) x.at(h, w) = T(0);
    for (int64_t oh = 0; oh < g.h; ++oh) {
      const int64_t hs = start_index(oh, g.h, x.h), he = end_index(oh, g.h, x.h);
      for (int64_t ow = 0; ow < g.w; ++ow) {
        const int64_t ws = start_index(ow, g.w, x.w), we = end_index(ow, g.w, x.w);
        const T v = g.at(oh, ow) / T((he - hs) * (we - ws));
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) x.at(h, w) += v;
      }
    }
  });
}

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

void max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool2dParams& p) {
  if (out.numel() == 0) return;
  EMBER_POOL_DISPATCH(out.dtype(), max_pool, out, indices, input, p);
}
void max_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& indices) {
  if (grad_input.numel() == 0) return;
  EMBER_POOL_DISPATCH(grad_input.dtype(), max_backward, grad_input, grad_out, indices);
}
void avg_pool2d_kernel(const Tensor& out, const Tensor& input, const Pool2dParams& p) {
  if (out.numel() == 0) return;
  EMBER_POOL_DISPATCH(out.dtype(), avg_pool, out, input, p);
}
void avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Pool2dParams& p) {
  if (grad_input.numel() == 0) return;
  EMBER_POOL_DISPATCH(grad_input.dtype(), avg_backward, grad_input, grad_out, p);
}
void adaptive_avg_pool2d_kernel(const Tensor& out, const Tensor& input) {
  if (out.numel() == 0) return;
  EMBER_POOL_DISPATCH(out.dtype(), adaptive_avg, out, input);
}
void adaptive_avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out) {
  if (grad_input.numel() == 0) return;
  EMBER_POOL_DISPATCH(grad_input.dtype(), adaptive_avg_backward, grad_input, grad_out);
}
void adaptive_max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input) {
  if (out.numel() == 0) return;
  EMBER_POOL_DISPATCH(out.dtype(), adaptive_max, out, indices, input);
}

}  // namespace ember::kernels
