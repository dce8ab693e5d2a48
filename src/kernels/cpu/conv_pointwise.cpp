#include "kernels/cpu/conv_pointwise.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/gemm.h"

namespace ember::kernels {

namespace {

constexpr int64_t kMinPlane = 256;  // outputs a plane; below, oneDNN's kernels

// The (OC, C) matrix of a 1x1 weight: unit stride along C, rows C apart.
bool matrix_layout(const Tensor& w) {
  const int64_t oc = w.size(0), c = w.size(1);
  return (c == 1 || w.stride(1) == 1) && (oc == 1 || w.stride(0) == c);
}

struct Geo {
  int64_t n, c, h, w;  // image side
  int64_t oc, oh, ow;  // output side
  int64_t sh, sw;
  int64_t plane() const { return oh * ow; }
  int64_t image() const { return c * h * w; }
  bool strided() const { return sh > 1 || sw > 1; }
};

Geo geo_of(const Tensor& x, const Tensor& y, const ConvParams& p) {
  return {x.size(0), x.size(1), x.size(2),   x.size(3),  y.size(1),
          y.size(2), y.size(3), p.stride[0], p.stride[1]};
}

// The pixels the convolution reads: every stride-th one of each plane, as
// (C, OH * OW) rows.
void gather(const Geo& g, const float* x, float* to) {
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t i = 0; i < g.oh; ++i) {
      const float* row = x + (c * g.h + i * g.sh) * g.w;
      float* d = to + (c * g.oh + i) * g.ow;
      for (int64_t j = 0; j < g.ow; ++j) d[j] = row[j * g.sw];
    }
}

// The other way: rows (C, OH * OW) into the planes' every stride-th pixel, zeros
// between (and below and right of the last ones, an output_padding's).
void scatter(const Geo& g, const float* from, float* x) {
  std::memset(x, 0, sizeof(float) * g.image());
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t i = 0; i < g.oh; ++i) {
      float* row = x + (c * g.h + i * g.sh) * g.w;
      const float* s = from + (c * g.oh + i) * g.ow;
      for (int64_t j = 0; j < g.ow; ++j) row[j * g.sw] = s[j];
    }
}

// Sixteen running sums, which the compiler keeps in one vector (a single one
// would wait on each add).
float row_sum(const float* v, int64_t len) {
  float lanes[16] = {};
  int64_t q = 0;
  for (; q + 16 <= len; q += 16)
    for (int j = 0; j < 16; ++j) lanes[j] += v[q + j];
  float t = 0.f;
  for (; q < len; ++q) t += v[q];
  for (float l : lanes) t += l;
  return t;
}

// f(n, scratch) for each image: on one thread each (single-threaded products)
// when there are images for every thread, else one after the other with the
// products threaded. scratch holds one gathered image (strided convolutions).
template <typename F>
void for_each_image(const Geo& g, const F& f) {
  const int64_t scratch = g.strided() ? g.c * g.plane() : 0;
  auto run = [&](int64_t b, int64_t e) {
    Tensor buf = scratch ? empty({scratch}, {.dtype = kFloat32}) : Tensor();
    float* s = scratch ? buf.data_ptr<float>() : nullptr;
    for (int64_t n = b; n < e; ++n) f(n, s);
  };
  if (g.n >= get_num_threads())
    parallel_for_t(0, g.n, 1, run);
  else
    run(0, g.n);
}

}  // namespace

namespace {

bool shape_applies(const Tensor& x, const Tensor& y, const Tensor& weight, const ConvParams& p) {
  if (x.dim() != 4 || y.dim() != 4 || weight.dim() != 4 || p.groups != 1) return false;
  for (const Tensor* t : {&x, &y, &weight})
    if (t->dtype() != DType::Float32 || t->numel() == 0) return false;
  if (weight.size(2) != 1 || weight.size(3) != 1 || !matrix_layout(weight)) return false;
  for (size_t i = 0; i < 2; ++i)
    if (p.padding_l[i] != 0 || p.padding_r[i] != 0) return false;
  return true;
}

// channels_last, stride 1: the tensors are (N * H * W, C) and (N * H * W, OC)
// matrices, and each backward pass is one product.
bool channels_last_applies(const Tensor& x, const Tensor& y, const Tensor& weight,
                           const ConvParams& p) {
  return shape_applies(x, y, weight, p) && p.stride[0] == 1 && p.stride[1] == 1 &&
         x.is_contiguous(MemoryFormat::ChannelsLast) && y.is_contiguous(MemoryFormat::ChannelsLast);
}

// Column sums of a (rows, cols) matrix, rows split over the threads, each
// part summed apart and the parts added in order.
void column_sums(const float* m, int64_t rows, int64_t cols, float* out) {
  const int64_t parts = std::min<int64_t>(get_num_threads(), std::max<int64_t>(1, rows / 64));
  std::vector<float> sums(parts * cols, 0.f);
  parallel_for_t(0, parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      float* acc = sums.data() + k * cols;
      for (int64_t r = rows * k / parts; r < rows * (k + 1) / parts; ++r)
        for (int64_t c = 0; c < cols; ++c) acc[c] += m[r * cols + c];
    }
  });
  for (int64_t c = 0; c < cols; ++c) {
    float t = 0.f;
    for (int64_t k = 0; k < parts; ++k) t += sums[k * cols + c];
    out[c] = t;
  }
}

}  // namespace

bool pointwise_applies(const Tensor& x, const Tensor& y, const Tensor& weight,
                       const ConvParams& p) {
  return shape_applies(x, y, weight, p) && y.size(2) * y.size(3) >= kMinPlane &&
         x.is_contiguous() && y.is_contiguous();
}

bool pointwise_backward_applies(const Tensor& x, const Tensor& y, const Tensor& weight,
                                const ConvParams& p) {
  return pointwise_applies(x, y, weight, p) || channels_last_applies(x, y, weight, p);
}

void pointwise_conv_forward(const Tensor& out, const Tensor& input, const Tensor& weight,
                            const Tensor& bias, const ConvParams& p) {
  const Geo g = geo_of(input, out, p);
  const int64_t pl = g.plane();
  const float* x = input.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  float* y = out.data_ptr<float>();
  std::vector<float> b;
  if (bias.defined()) {
    const Tensor bc = bias.contiguous();
    b.assign(bc.data_ptr<float>(), bc.data_ptr<float>() + g.oc);
  }
  for_each_image(g, [&](int64_t n, float* scratch) {
    const float* src = x + n * g.image();
    if (scratch) {
      gather(g, src, scratch);
      src = scratch;
    }
    float* dst = y + n * g.oc * pl;
    if (!b.empty())
      for (int64_t o = 0; o < g.oc; ++o) std::fill(dst + o * pl, dst + (o + 1) * pl, b[o]);
    blas_gemm(false, false, g.oc, pl, g.c, 1.f, w, g.c, src, pl, b.empty() ? 0.f : 1.f, dst, pl);
  });
}

void pointwise_conv_backward_input(const Tensor& grad_input, const Tensor& grad_out,
                                   const Tensor& weight, const ConvParams& p) {
  const Geo g = geo_of(grad_input, grad_out, p);
  const int64_t pl = g.plane();
  const float* gy = grad_out.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  float* gx = grad_input.data_ptr<float>();
  if (!pointwise_applies(grad_input, grad_out, weight, p))  // channels_last
    return blas_gemm(false, false, g.n * pl, g.c, g.oc, 1.f, gy, g.oc, w, g.c, 0.f, gx, g.c);
  for_each_image(g, [&](int64_t n, float* scratch) {
    float* dst = gx + n * g.image();
    blas_gemm(true, false, g.c, pl, g.oc, 1.f, w, g.c, gy + n * g.oc * pl, pl, 0.f,
              scratch ? scratch : dst, pl);
    if (scratch) scatter(g, scratch, dst);
  });
}

void pointwise_conv_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                                    const Tensor& grad_out, const Tensor& input,
                                    const ConvParams& p) {
  const Geo g = geo_of(input, grad_out, p);
  const int64_t pl = g.plane(), wn = g.oc * g.c;
  const float* gy = grad_out.data_ptr<float>();
  const float* x = input.data_ptr<float>();
  if (!pointwise_applies(input, grad_out, grad_weight, p)) {  // channels_last
    blas_gemm(true, false, g.oc, g.c, g.n * pl, 1.f, gy, g.oc, x, g.c, 0.f,
              grad_weight.data_ptr<float>(), g.c);
    if (grad_bias.defined()) {
      std::vector<float> gb(g.oc);
      column_sums(gy, g.n * pl, g.oc, gb.data());
      for (int64_t o = 0; o < g.oc; ++o)
        grad_bias.data_ptr<float>()[o * grad_bias.stride(0)] = gb[o];
    }
    return;
  }
  // Each part sums a contiguous run of images into its own (OC x C + OC)
  // buffer; the parts are then added in order, whatever thread ran them.
  const int64_t parts = g.n >= get_num_threads() ? get_num_threads() : 1;
  const Tensor sums = empty({parts, wn + g.oc}, {.dtype = kFloat32});
  float* s = sums.data_ptr<float>();
  const int64_t scratch = g.strided() ? g.c * pl : 0;
  auto part = [&](int64_t k) {
    const int64_t b = g.n * k / parts, e = g.n * (k + 1) / parts;
    Tensor buf = scratch ? empty({scratch}, {.dtype = kFloat32}) : Tensor();
    float* acc = s + k * (wn + g.oc);
    float* bacc = acc + wn;
    std::fill(bacc, bacc + g.oc, 0.f);
    for (int64_t n = b; n < e; ++n) {
      const float* src = x + n * g.image();
      if (scratch) {
        gather(g, src, buf.data_ptr<float>());
        src = buf.data_ptr<float>();
      }
      const float* dy = gy + n * g.oc * pl;
      blas_gemm(false, true, g.oc, g.c, pl, 1.f, dy, pl, src, pl, n == b ? 0.f : 1.f, acc, g.c);
      if (grad_bias.defined())
        for (int64_t o = 0; o < g.oc; ++o) bacc[o] += row_sum(dy + o * pl, pl);
    }
  };
  if (parts > 1)
    parallel_for_t(0, parts, 1, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) part(k);
    });
  else
    part(0);
  for (int64_t k = 1; k < parts; ++k)
    for (int64_t i = 0; i < wn + g.oc; ++i) s[i] += s[k * (wn + g.oc) + i];
  if (grad_weight.defined()) std::memcpy(grad_weight.data_ptr<float>(), s, sizeof(float) * wn);
  if (grad_bias.defined()) {
    float* gb = grad_bias.data_ptr<float>();
    for (int64_t o = 0; o < g.oc; ++o) gb[o * grad_bias.stride(0)] = s[wn + o];
  }
}

}  // namespace ember::kernels
