#include "kernels/cpu/conv_one_channel.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"

namespace ember::kernels {

namespace {

constexpr int64_t kMaxRow = 1024;
constexpr int kLanes = 16;
// Output rows the forward computes together: independent accumulators hide
// the FMA latency (one accumulator per 16 outputs left the loop waiting on
// each add).
constexpr int kRows = 4;
// 16 floats in one vector register (GCC's and Clang's vector extension; the
// loop vectoriser left these short fixed-size blocks scalar).
using V = float __attribute__((vector_size(kLanes * sizeof(float))));
inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The kw taps of one row at o0: aligned loads from the kw shifted copies of
// the image (copy j holds each row moved j to the left), so no tap needs an
// unaligned load (split across cache lines) or an in-register shuffle (the
// shuffles of the 3x3 taps, redone per output channel, bounded the loops).
template <int KW, typename F>
inline void for_taps(const float* src, int64_t copy_stride, int64_t kw, F f) {
  const int64_t n = KW ? KW : kw;
  for (int64_t j = 0; j < n; ++j) f(j, load(src + j * copy_stride));
}

float sum(const V& v) {
  float s = 0.f;
  for (int q = 0; q < kLanes; ++q) s += v[q];
  return s;
}

// Geometry of one image: its rows copied into a zero-padded buffer, once per
// kernel column j moved j to the left, so that every tap of every output row
// reads a full, aligned, in-bounds run of `wp` values (the row length rounded
// up to whole vectors; the extra outputs are junk the callers drop or multiply
// by zero).
struct Padded {
  int64_t ih, iw, oh, ow, kh, kw, ph, pw;
  int64_t wp, xw, rows;
  Padded(const Tensor& input, const Tensor& weight, IntArrayRef out_sizes, const ConvParams& p)
      : ih(input.size(2)),
        iw(input.size(3)),
        oh(out_sizes[2]),
        ow(out_sizes[3]),
        kh(weight.size(2)),
        kw(weight.size(3)),
        ph(p.padding_l[0]),
        pw(p.padding_l[1]) {
    wp = (ow + kLanes - 1) / kLanes * kLanes;
    xw = wp + kLanes;  // whole vectors, so rows start aligned
    rows = oh + kh - 1;
  }
  // One shifted copy, with zero rows for the forward's last block of kRows
  // output rows.
  int64_t copy_size() const { return (rows + kRows - 1) * xw; }
  int64_t buf_size() const { return kw * copy_size(); }
  // Fills buf (kw copies of rows x xw) from image x (ih x iw, dense).
  void fill(float* buf, const float* x) const {
    std::fill(buf, buf + buf_size(), 0.f);
    for (int64_t j = 0; j < kw; ++j) {
      float* copy = buf + j * copy_size();
      // Input column c lands at pw + c - j; columns left of the copy's start drop out.
      const int64_t c0 = std::max<int64_t>(0, j - pw), at = pw + c0 - j;
      const int64_t n = std::min(iw - c0, xw - at);
      if (n <= 0) continue;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = r - ph;
        if (i < 0 || i >= ih) continue;
        std::memcpy(copy + r * xw + at, x + i * iw + c0, n * sizeof(float));
      }
    }
  }
  // Where the vector of outputs [o0, o0 + kLanes) is computed: rows of at
  // least a vector end in a whole vector that overlaps the one before it
  // (stores stay full, unmasked vectors).
  int64_t vector_at(int64_t o0) const {
    return o0 + kLanes > ow && ow >= kLanes ? ow - kLanes : o0;
  }
};

}  // namespace

bool one_channel_conv_applies(const Tensor& out, const Tensor& input, const Tensor& weight,
                              const ConvParams& p) {
  if (input.dim() != 4 || input.dtype() != DType::Float32 || p.groups != 1) return false;
  if (input.size(1) != 1 || !input.is_contiguous() || !out.is_contiguous()) return false;
  if (!weight.is_contiguous() || out.dtype() != DType::Float32) return false;
  for (size_t i = 0; i < 2; ++i)
    if (p.stride[i] != 1 || p.dilation[i] != 1) return false;
  return out.size(3) <= kMaxRow && weight.size(3) <= kLanes + 1 && input.numel() > 0 &&
         out.numel() > 0;
}

namespace {

// A row of n <= kLanes floats from p as a vector, zeros beyond n.
inline V load_part(const float* p, int64_t n) {
  if (n >= kLanes) return load(p);
  float tmp[kLanes] = {};
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i];
  return load(tmp);
}
inline void store_part(float* p, const V& v, int64_t n) {
  if (n >= kLanes) {
    std::memcpy(p, &v, sizeof v);  // one vector store
    return;
  }
  float tmp[kLanes];
  std::memcpy(tmp, &v, sizeof v);
  for (int64_t i = 0; i < n; ++i) p[i] = tmp[i];
}

// KH, KW: the kernel's size when known at compile time (3x3), else 0.
template <int KH, int KW>
void forward_planes(const Padded& g, const float* x, const float* w, const float* b, float* y,
                    int64_t oc_n, int64_t begin, int64_t end) {
  const int64_t kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, taps = kh * kw;
  const int64_t plane = g.oh * g.ow, cs = g.copy_size();
  std::vector<V> storage(g.buf_size() / kLanes);  // 64-byte aligned
  float* buf = reinterpret_cast<float*>(storage.data());
  int64_t filled = -1;
  for (int64_t job = begin; job < end; ++job) {
    const int64_t n = job / oc_n, oc = job % oc_n;
    if (n != filled) {
      g.fill(buf, x + n * g.ih * g.iw);
      filled = n;
    }
    const float* wo = w + oc * taps;
    const float b0 = b ? b[oc] : 0.f;
    float* yp = y + job * plane;
    for (int64_t r = 0; r < g.oh; r += kRows) {
      for (int64_t o0 = 0; o0 < g.ow; o0 += kLanes) {
        const int64_t at = g.vector_at(o0);
        V acc[kRows];
        for (int q = 0; q < kRows; ++q) acc[q] = V{} + b0;
        for (int64_t i = 0; i < kh; ++i)
          for (int q = 0; q < kRows; ++q)
            for_taps<KW>(buf + (r + q + i) * g.xw + at, cs, kw,
                         [&](int64_t j, const V& v) { acc[q] += wo[i * kw + j] * v; });
        for (int q = 0; q < kRows && r + q < g.oh; ++q)
          store_part(yp + (r + q) * g.ow + at, acc[q], g.ow - at);
      }
    }
  }
}

}  // namespace

void one_channel_conv_forward(const Tensor& out, const Tensor& input, const Tensor& weight,
                              const Tensor& bias, const ConvParams& p) {
  const Padded g(input, weight, out.sizes(), p);
  const int64_t n_img = input.size(0), oc_n = weight.size(0);
  const float* x = input.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  const float* b = bc.defined() ? bc.data_ptr<float>() : nullptr;
  float* y = out.data_ptr<float>();
  const int64_t work = g.oh * g.ow * g.kh * g.kw;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work));
  const bool k3 = g.kh == 3 && g.kw == 3;
  parallel_for_t(0, n_img * oc_n, grain, [&](int64_t begin, int64_t end) {
    if (k3)
      forward_planes<3, 3>(g, x, w, b, y, oc_n, begin, end);
    else
      forward_planes<0, 0>(g, x, w, b, y, oc_n, begin, end);
  });
}

namespace {

// Adds one image's weight and bias gradients into part (oc_n x (taps + 1)).
template <int KH, int KW>
void weight_grad_image(const Padded& g, const float* buf, const float* gy, int64_t oc_n,
                       double* part) {
  const int64_t kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, taps = kh * kw;
  constexpr int kFixed = KH * KW > 0 ? KH * KW : 1;
  V fixed[kFixed];  // the accumulators in registers when the kernel size is known
  std::vector<V> dyn(KH ? 0 : taps);
  V* acc = KH ? fixed : dyn.data();
  const int64_t cs = g.copy_size();
  for (int64_t oc = 0; oc < oc_n; ++oc) {
    const float* gp = gy + oc * g.oh * g.ow;
    for (int64_t t = 0; t < taps; ++t) acc[t] = V{};
    V bsum{};
    for (int64_t o0 = 0; o0 < g.ow; o0 += kLanes) {
      // The last vector of a long row overlaps the one before: its lanes
      // already counted there are masked out.
      const int64_t at = g.vector_at(o0);
      V mask;
      for (int q = 0; q < kLanes; ++q) mask[q] = q >= o0 - at ? 1.f : 0.f;
      for (int64_t r = 0; r < g.oh; ++r) {
        const V gv = load_part(gp + r * g.ow + at, g.ow - at) * mask;
        bsum += gv;
        for (int64_t i = 0; i < kh; ++i)
          for_taps<KW>(buf + (r + i) * g.xw + at, cs, kw,
                       [&](int64_t j, const V& v) { acc[i * kw + j] += gv * v; });
      }
    }
    double* po = part + oc * (taps + 1);
    for (int64_t t = 0; t < taps; ++t) po[t] += sum(acc[t]);
    po[taps] += sum(bsum);
  }
}

}  // namespace

void one_channel_conv_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                                      const Tensor& grad_out, const Tensor& input,
                                      const ConvParams& p) {
  const Padded g(input, grad_weight, grad_out.sizes(), p);
  const int64_t n_img = input.size(0), oc_n = grad_weight.size(0), taps = g.kh * g.kw;
  const float* x = input.data_ptr<float>();
  const float* gy = grad_out.data_ptr<float>();
  const bool k3 = g.kh == 3 && g.kw == 3;
  // Images split into one contiguous run per thread, each summed into its own
  // partials, which are then added in run order: deterministic for a given
  // thread count.
  const int64_t runs = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), n_img));
  const int64_t per = (n_img + runs - 1) / runs;
  std::vector<std::vector<double>> partial(runs, std::vector<double>(oc_n * (taps + 1), 0.0));
  parallel_for_t(0, runs, 1, [&](int64_t r0, int64_t r1) {
    std::vector<V> storage(g.buf_size() / kLanes);  // 64-byte aligned
    float* buf = reinterpret_cast<float*>(storage.data());
    for (int64_t run = r0; run < r1; ++run)
      for (int64_t n = run * per; n < std::min(n_img, (run + 1) * per); ++n) {
        g.fill(buf, x + n * g.ih * g.iw);
        const float* gn = gy + n * oc_n * g.oh * g.ow;
        if (k3)
          weight_grad_image<3, 3>(g, buf, gn, oc_n, partial[run].data());
        else
          weight_grad_image<0, 0>(g, buf, gn, oc_n, partial[run].data());
      }
  });
  std::vector<double> total(oc_n * (taps + 1), 0.0);
  for (const auto& part : partial)
    for (size_t i = 0; i < total.size(); ++i) total[i] += part[i];
  float* gw = grad_weight.data_ptr<float>();
  for (int64_t oc = 0; oc < oc_n; ++oc)
    for (int64_t t = 0; t < taps; ++t)
      gw[oc * taps + t] = static_cast<float>(total[oc * (taps + 1) + t]);
  if (grad_bias.defined()) {
    Tensor gb = grad_bias;
    float* pb = gb.data_ptr<float>();
    const int64_t bs = gb.stride(0);
    for (int64_t oc = 0; oc < oc_n; ++oc)
      pb[oc * bs] = static_cast<float>(total[oc * (taps + 1) + taps]);
  }
}

}  // namespace ember::kernels
