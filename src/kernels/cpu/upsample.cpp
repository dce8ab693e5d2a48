#include "kernels/cpu/upsample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "kernels/cpu/channel_blocks.h"

namespace ember::kernels {

namespace {

// The scale PyTorch's compute_scales_value gives: 1 / scale_factor where one
// was given, else input / output, in the kernel's compute type S.
template <typename S>
S scale_value(std::optional<double> s, int64_t in, int64_t out) {
  return s && *s > 0 ? static_cast<S>(1.0 / *s) : static_cast<S>(in) / static_cast<S>(out);
}

// Source index of each output index along one dim (nearest; times the stride).
template <typename S>
std::vector<int64_t> nearest_table(int64_t in, int64_t out, std::optional<double> s, int64_t stride,
                                   bool exact) {
  std::vector<int64_t> r(out);
  const S scale = scale_value<S>(s, in, out);
  const S shift = exact ? S(0.5) : S(0);
  for (int64_t o = 0; o < out; ++o) {
    // No shortcut for out == in: PyTorch's NCHW loop has none (a scale factor
    // of 1.1 on 5 elements reads element 3 for output 4).
    const int64_t i = static_cast<int64_t>(std::floor((static_cast<S>(o) + shift) * scale));
    r[o] = std::min(i, in - 1) * stride;
  }
  return r;
}

std::vector<int64_t> nearest_table(DType dt, int64_t in, int64_t out, std::optional<double> s,
                                   int64_t stride, bool exact) {
  return dt == DType::Float64 ? nearest_table<double>(in, out, s, stride, exact)
                              : nearest_table<float>(in, out, s, stride, exact);
}

// Forward: a gather of U-sized elements (any dtype).
template <typename U>
void nearest_forward(const Tensor& out, const Tensor& in, const std::optional<double>* s,
                     bool exact) {
  std::vector<int64_t> src[3];
  for (int i = 0; i < 3; ++i)
    src[i] =
        nearest_table(in.dtype(), in.size(2 + i), out.size(2 + i), s[i], in.stride(2 + i), exact);
  const int64_t cb = channel_block({&out, &in});
  const int64_t od = out.size(2), oh = out.size(3), ow = out.size(4);
  const int64_t ys2 = out.stride(2), ys3 = out.stride(3), ys4 = out.stride(4);
  for_blocks(out.size(0), out.size(1), cb, od * oh * ow, [&](int64_t n, int64_t c0, auto cnt) {
    const U* x = channel_base<const U>(in, n, c0);
    U* y = channel_base<U>(out, n, c0);
    for (int64_t d = 0; d < od; ++d)
      for (int64_t h = 0; h < oh; ++h) {
        const U* xr = x + src[0][d] + src[1][h];
        U* yr = y + d * ys2 + h * ys3;
        if (cnt == 1) {
          for (int64_t w = 0; w < ow; ++w) yr[w * ys4] = xr[src[2][w]];
        } else {
          for (int64_t w = 0; w < ow; ++w) {
            const U* xp = xr + src[2][w];
            U* yp = yr + w * ys4;
            for (int64_t j = 0; j < cnt; ++j) yp[j] = xp[j];
          }
        }
      }
  });
}

// Zeroes one block of channels of a sample (4-D or 5-D).
template <typename T>
void zero_block(const Tensor& t, T* p, int64_t cnt) {
  const int64_t d = t.dim() == 5 ? t.size(2) : 1, sd = t.dim() == 5 ? t.stride(2) : 0;
  const int64_t nh = t.size(-2), nw = t.size(-1), sh = t.stride(-2), sw = t.stride(-1);
  for (int64_t a = 0; a < d; ++a)
    for (int64_t h = 0; h < nh; ++h)
      for (int64_t w = 0; w < nw; ++w) {
        T* q = p + a * sd + h * sh + w * sw;
        for (int64_t j = 0; j < cnt; ++j) q[j] = T(0);
      }
}

template <typename T>
void nearest_backward(const Tensor& gi, const Tensor& go, const std::optional<double>* s,
                      bool exact) {
  std::vector<int64_t> src[3];
  for (int i = 0; i < 3; ++i)
    src[i] =
        nearest_table(gi.dtype(), gi.size(2 + i), go.size(2 + i), s[i], gi.stride(2 + i), exact);
  const int64_t cb = channel_block({&gi, &go});
  const int64_t od = go.size(2), oh = go.size(3), ow = go.size(4);
  const int64_t ys2 = go.stride(2), ys3 = go.stride(3), ys4 = go.stride(4);
  for_blocks(gi.size(0), gi.size(1), cb, od * oh * ow, [&](int64_t n, int64_t c0, auto cnt) {
    T* g = channel_base<T>(gi, n, c0);
    const T* y = channel_base<const T>(go, n, c0);
    zero_block(gi, g, cnt);
    for (int64_t d = 0; d < od; ++d)
      for (int64_t h = 0; h < oh; ++h) {
        T* gr = g + src[0][d] + src[1][h];
        const T* yr = y + d * ys2 + h * ys3;
        for (int64_t w = 0; w < ow; ++w) {
          T* gp = gr + src[2][w];
          const T* yp = yr + w * ys4;
          for (int64_t j = 0; j < cnt; ++j) gp[j] += yp[j];
        }
      }
  });
}

// Bilinear: the two source indices (times the stride) and weights of each
// output index along one dim, as PyTorch's compute_source_index_and_lambda.
template <typename T>
struct Linear {
  int64_t i0, i1;
  T l0, l1;
};

template <typename T>
std::vector<Linear<T>> linear_table(int64_t in, int64_t out, bool align_corners,
                                    std::optional<double> s, int64_t stride) {
  std::vector<Linear<T>> r(out);
  const T scale = align_corners
                      ? (out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0))
                      : scale_value<T>(s, in, out);
  for (int64_t o = 0; o < out; ++o) {
    if (in == out) {
      r[o] = {o * stride, o * stride, T(1), T(0)};
      continue;
    }
    T src =
        align_corners ? scale * static_cast<T>(o) : scale * (static_cast<T>(o) + T(0.5)) - T(0.5);
    if (!align_corners && src < 0) src = 0;
    const int64_t i0 = static_cast<int64_t>(src);
    const int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const T l1 = src - static_cast<T>(i0);
    r[o] = {i0 * stride, i1 * stride, T(1) - l1, l1};
  }
  return r;
}

template <typename T>
void bilinear_forward(const Tensor& out, const Tensor& in, bool ac,
                      const std::optional<double>* s) {
  const auto th = linear_table<T>(in.size(2), out.size(2), ac, s[0], in.stride(2));
  const auto tw = linear_table<T>(in.size(3), out.size(3), ac, s[1], in.stride(3));
  const int64_t cb = channel_block({&out, &in});
  const int64_t oh = out.size(2), ow = out.size(3), ys2 = out.stride(2), ys3 = out.stride(3);
  for_blocks(out.size(0), out.size(1), cb, oh * ow * 4, [&](int64_t n, int64_t c0, auto cnt) {
    const T* x = channel_base<const T>(in, n, c0);
    T* y = channel_base<T>(out, n, c0);
    for (int64_t h = 0; h < oh; ++h) {
      const Linear<T> a = th[h];
      const T* x0 = x + a.i0;
      const T* x1 = x + a.i1;
      T* yr = y + h * ys2;
      for (int64_t w = 0; w < ow; ++w) {
        const Linear<T> b = tw[w];
        T* yp = yr + w * ys3;
        for (int64_t j = 0; j < cnt; ++j)
          yp[j] = a.l0 * (b.l0 * x0[b.i0 + j] + b.l1 * x0[b.i1 + j]) +
                  a.l1 * (b.l0 * x1[b.i0 + j] + b.l1 * x1[b.i1 + j]);
      }
    }
  });
}

template <typename T>
void bilinear_backward(const Tensor& gi, const Tensor& go, bool ac,
                       const std::optional<double>* s) {
  const auto th = linear_table<T>(gi.size(2), go.size(2), ac, s[0], gi.stride(2));
  const auto tw = linear_table<T>(gi.size(3), go.size(3), ac, s[1], gi.stride(3));
  const int64_t cb = channel_block({&gi, &go});
  const int64_t oh = go.size(2), ow = go.size(3), ys2 = go.stride(2), ys3 = go.stride(3);
  for_blocks(gi.size(0), gi.size(1), cb, oh * ow * 4, [&](int64_t n, int64_t c0, auto cnt) {
    T* g = channel_base<T>(gi, n, c0);
    const T* y = channel_base<const T>(go, n, c0);
    zero_block(gi, g, cnt);
    for (int64_t h = 0; h < oh; ++h) {
      const Linear<T> a = th[h];
      T* g0 = g + a.i0;
      T* g1 = g + a.i1;
      const T* yr = y + h * ys2;
      for (int64_t w = 0; w < ow; ++w) {
        const Linear<T> b = tw[w];
        const T* yp = yr + w * ys3;
        for (int64_t j = 0; j < cnt; ++j) {
          const T v = yp[j];
          g0[b.i0 + j] += a.l0 * b.l0 * v;
          g0[b.i1 + j] += a.l0 * b.l1 * v;
          g1[b.i0 + j] += a.l1 * b.l0 * v;
          g1[b.i1 + j] += a.l1 * b.l1 * v;
        }
      }
    }
  });
}

template <typename T>
void trilinear_forward(const Tensor& out, const Tensor& in, bool ac,
                       const std::optional<double>* s) {
  const auto td = linear_table<T>(in.size(2), out.size(2), ac, s[0], in.stride(2));
  const auto th = linear_table<T>(in.size(3), out.size(3), ac, s[1], in.stride(3));
  const auto tw = linear_table<T>(in.size(4), out.size(4), ac, s[2], in.stride(4));
  const int64_t cb = channel_block({&out, &in});
  const int64_t od = out.size(2), oh = out.size(3), ow = out.size(4);
  const int64_t ys2 = out.stride(2), ys3 = out.stride(3), ys4 = out.stride(4);
  for_blocks(out.size(0), out.size(1), cb, od * oh * ow * 8, [&](int64_t n, int64_t c0, auto cnt) {
    const T* x = channel_base<const T>(in, n, c0);
    T* y = channel_base<T>(out, n, c0);
    for (int64_t d = 0; d < od; ++d) {
      const Linear<T> a = td[d];
      for (int64_t h = 0; h < oh; ++h) {
        const Linear<T> b = th[h];
        const T* x00 = x + a.i0 + b.i0;
        const T* x01 = x + a.i0 + b.i1;
        const T* x10 = x + a.i1 + b.i0;
        const T* x11 = x + a.i1 + b.i1;
        T* yr = y + d * ys2 + h * ys3;
        for (int64_t w = 0; w < ow; ++w) {
          const Linear<T> c = tw[w];
          T* yp = yr + w * ys4;
          for (int64_t j = 0; j < cnt; ++j)
            yp[j] = a.l0 * (b.l0 * (c.l0 * x00[c.i0 + j] + c.l1 * x00[c.i1 + j]) +
                            b.l1 * (c.l0 * x01[c.i0 + j] + c.l1 * x01[c.i1 + j])) +
                    a.l1 * (b.l0 * (c.l0 * x10[c.i0 + j] + c.l1 * x10[c.i1 + j]) +
                            b.l1 * (c.l0 * x11[c.i0 + j] + c.l1 * x11[c.i1 + j]));
        }
      }
    }
  });
}

template <typename T>
void trilinear_backward(const Tensor& gi, const Tensor& go, bool ac,
                        const std::optional<double>* s) {
  const auto td = linear_table<T>(gi.size(2), go.size(2), ac, s[0], gi.stride(2));
  const auto th = linear_table<T>(gi.size(3), go.size(3), ac, s[1], gi.stride(3));
  const auto tw = linear_table<T>(gi.size(4), go.size(4), ac, s[2], gi.stride(4));
  const int64_t cb = channel_block({&gi, &go});
  const int64_t od = go.size(2), oh = go.size(3), ow = go.size(4);
  const int64_t ys2 = go.stride(2), ys3 = go.stride(3), ys4 = go.stride(4);
  for_blocks(gi.size(0), gi.size(1), cb, od * oh * ow * 8, [&](int64_t n, int64_t c0, auto cnt) {
    T* g = channel_base<T>(gi, n, c0);
    const T* y = channel_base<const T>(go, n, c0);
    zero_block(gi, g, cnt);
    for (int64_t d = 0; d < od; ++d) {
      const Linear<T> a = td[d];
      for (int64_t h = 0; h < oh; ++h) {
        const Linear<T> b = th[h];
        T* g00 = g + a.i0 + b.i0;
        T* g01 = g + a.i0 + b.i1;
        T* g10 = g + a.i1 + b.i0;
        T* g11 = g + a.i1 + b.i1;
        const T* yr = y + d * ys2 + h * ys3;
        for (int64_t w = 0; w < ow; ++w) {
          const Linear<T> c = tw[w];
          const T* yp = yr + w * ys4;
          for (int64_t j = 0; j < cnt; ++j) {
            const T v = yp[j];
            g00[c.i0 + j] += a.l0 * b.l0 * c.l0 * v;
            g00[c.i1 + j] += a.l0 * b.l0 * c.l1 * v;
            g01[c.i0 + j] += a.l0 * b.l1 * c.l0 * v;
            g01[c.i1 + j] += a.l0 * b.l1 * c.l1 * v;
            g10[c.i0 + j] += a.l1 * b.l0 * c.l0 * v;
            g10[c.i1 + j] += a.l1 * b.l0 * c.l1 * v;
            g11[c.i0 + j] += a.l1 * b.l1 * c.l0 * v;
            g11[c.i1 + j] += a.l1 * b.l1 * c.l1 * v;
          }
        }
      }
    }
  });
}

// Bicubic: the four source indices (times the stride, clamped to the input)
// and weights of each output index along one dim, as PyTorch's
// compute_indices_weights_cubic (A = -0.75).
template <typename T>
struct Cubic {
  int64_t i[4];
  T w[4];
};

template <typename T>
std::vector<Cubic<T>> cubic_table(int64_t in, int64_t out, bool align_corners,
                                  std::optional<double> s, int64_t stride) {
  std::vector<Cubic<T>> r(out);
  const T scale = align_corners
                      ? (out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0))
                      : scale_value<T>(s, in, out);
  const T A = T(-0.75);
  auto conv1 = [A](T x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto conv2 = [A](T x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  for (int64_t o = 0; o < out; ++o) {
    // No clamp at 0 here (cubic): the taps are clamped instead.
    const T src =
        align_corners ? scale * static_cast<T>(o) : scale * (static_cast<T>(o) + T(0.5)) - T(0.5);
    const int64_t i0 = static_cast<int64_t>(std::floor(src));
    const T t = src - static_cast<T>(i0);
    Cubic<T> c;
    c.w[0] = conv2(t + 1);
    c.w[1] = conv1(t);
    c.w[2] = conv1(1 - t);
    c.w[3] = conv2(2 - t);
    for (int j = 0; j < 4; ++j)
      c.i[j] = std::min(std::max<int64_t>(i0 - 1 + j, 0), in - 1) * stride;
    r[o] = c;
  }
  return r;
}

template <typename T>
void bicubic_forward(const Tensor& out, const Tensor& in, bool ac, const std::optional<double>* s) {
  const auto th = cubic_table<T>(in.size(2), out.size(2), ac, s[0], in.stride(2));
  const auto tw = cubic_table<T>(in.size(3), out.size(3), ac, s[1], in.stride(3));
  const int64_t cb = channel_block({&out, &in});
  const int64_t oh = out.size(2), ow = out.size(3), ys2 = out.stride(2), ys3 = out.stride(3);
  for_blocks(out.size(0), out.size(1), cb, oh * ow * 16, [&](int64_t n, int64_t c0, auto cnt) {
    const T* x = channel_base<const T>(in, n, c0);
    T* y = channel_base<T>(out, n, c0);
    for (int64_t h = 0; h < oh; ++h) {
      const Cubic<T>& a = th[h];
      for (int64_t w = 0; w < ow; ++w) {
        const Cubic<T>& b = tw[w];
        T* yp = y + h * ys2 + w * ys3;
        for (int64_t j = 0; j < cnt; ++j) {
          T acc = 0;
          for (int u = 0; u < 4; ++u) {
            const T* xr = x + a.i[u] + j;
            acc += a.w[u] * (b.w[0] * xr[b.i[0]] + b.w[1] * xr[b.i[1]] + b.w[2] * xr[b.i[2]] +
                             b.w[3] * xr[b.i[3]]);
          }
          yp[j] = acc;
        }
      }
    }
  });
}

template <typename T>
void bicubic_backward(const Tensor& gi, const Tensor& go, bool ac, const std::optional<double>* s) {
  const auto th = cubic_table<T>(gi.size(2), go.size(2), ac, s[0], gi.stride(2));
  const auto tw = cubic_table<T>(gi.size(3), go.size(3), ac, s[1], gi.stride(3));
  const int64_t cb = channel_block({&gi, &go});
  const int64_t oh = go.size(2), ow = go.size(3), ys2 = go.stride(2), ys3 = go.stride(3);
  for_blocks(gi.size(0), gi.size(1), cb, oh * ow * 16, [&](int64_t n, int64_t c0, auto cnt) {
    T* g = channel_base<T>(gi, n, c0);
    const T* y = channel_base<const T>(go, n, c0);
    zero_block(gi, g, cnt);
    for (int64_t h = 0; h < oh; ++h) {
      const Cubic<T>& a = th[h];
      for (int64_t w = 0; w < ow; ++w) {
        const Cubic<T>& b = tw[w];
        const T* yp = y + h * ys2 + w * ys3;
        for (int64_t j = 0; j < cnt; ++j)
          for (int u = 0; u < 4; ++u) {
            T* gr = g + a.i[u] + j;
            const T v = a.w[u] * yp[j];
            for (int k = 0; k < 4; ++k) gr[b.i[k]] += b.w[k] * v;
          }
      }
    }
  });
}

#define EMBER_UPSAMPLE_DISPATCH(dt, name, ...)                                               \
  switch (dt) {                                                                              \
    case DType::Float32:                                                                     \
      return name<float>(__VA_ARGS__);                                                       \
    case DType::Float64:                                                                     \
      return name<double>(__VA_ARGS__);                                                      \
    default:                                                                                 \
      throw NotImplementedError(detail::str_cat("upsample kernel: unsupported dtype ", dt)); \
  }

}  // namespace

void upsample_nearest3d_kernel(const Tensor& out, const Tensor& input,
                               const std::optional<double>* scales, bool exact) {
  if (out.numel() == 0) return;
  switch (input.element_size()) {
    case 1:
      return nearest_forward<uint8_t>(out, input, scales, exact);
    case 2:
      return nearest_forward<uint16_t>(out, input, scales, exact);
    case 4:
      return nearest_forward<uint32_t>(out, input, scales, exact);
    case 8:
      return nearest_forward<uint64_t>(out, input, scales, exact);
    default:
      throw NotImplementedError(
          detail::str_cat("upsample kernel: unsupported dtype ", input.dtype()));
  }
}

void upsample_nearest3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                        const std::optional<double>* scales, bool exact) {
  if (grad_input.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(grad_input.dtype(), nearest_backward, grad_input, grad_out, scales,
                          exact);
}

void upsample_bilinear2d_kernel(const Tensor& out, const Tensor& input, bool align_corners,
                                const std::optional<double>* scales) {
  if (out.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(out.dtype(), bilinear_forward, out, input, align_corners, scales);
}

void upsample_bilinear2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                         bool align_corners, const std::optional<double>* scales) {
  if (grad_input.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(grad_input.dtype(), bilinear_backward, grad_input, grad_out,
                          align_corners, scales);
}

void upsample_trilinear3d_kernel(const Tensor& out, const Tensor& input, bool align_corners,
                                 const std::optional<double>* scales) {
  if (out.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(out.dtype(), trilinear_forward, out, input, align_corners, scales);
}

void upsample_trilinear3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                          bool align_corners, const std::optional<double>* scales) {
  if (grad_input.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(grad_input.dtype(), trilinear_backward, grad_input, grad_out,
                          align_corners, scales);
}

void upsample_bicubic2d_kernel(const Tensor& out, const Tensor& input, bool align_corners,
                               const std::optional<double>* scales) {
  if (out.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(out.dtype(), bicubic_forward, out, input, align_corners, scales);
}

void upsample_bicubic2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                        bool align_corners, const std::optional<double>* scales) {
  if (grad_input.numel() == 0) return;
  EMBER_UPSAMPLE_DISPATCH(grad_input.dtype(), bicubic_backward, grad_input, grad_out, align_corners,
                          scales);
}

}  // namespace ember::kernels
