// Pooling ops: PyTorch's argument checks (Pool.h's pooling_output_shape,
// pool2d_shape_check, pool3d_shape_check), outputs in the input's memory
// format, autograd. The 2-D and 3-D forms share one implementation, a template
// over the number N of spatial dims; Dims<N> names their kernels.
#include "ember/ops/pool.h"

#include <array>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pool.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::Pool2dParams;
using kernels::Pool3dParams;

// One value a spatial dim: (H, W) or (D, H, W).
template <size_t N>
using Sizes = std::array<int64_t, N>;

// The windows of an N-d pool (average pooling: no dilation).
template <size_t N>
struct Window {
  Sizes<N> k, s, p, d;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};

// The N values of a pooling argument from one or N.
template <size_t N>
Sizes<N> expand(IntArrayRef v) {
  Sizes<N> r;
  for (size_t i = 0; i < N; ++i) r[i] = v.size() == 1 ? v[0] : v[i];
  return r;
}

// An empty stride is kernel_size.
template <size_t N>
Window<N> window(IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                 IntArrayRef dilation, bool count_include_pad = true,
                 std::optional<int64_t> divisor_override = std::nullopt) {
  return {.k = expand<N>(kernel_size),
          .s = expand<N>(stride.empty() ? kernel_size : stride),
          .p = expand<N>(padding),
          .d = expand<N>(dilation),
          .count_include_pad = count_include_pad,
          .divisor_override = divisor_override};
}

// The kernels of N-d pooling; P: their window parameters.
template <class P>
struct PoolKernels {
  void (*max)(const Tensor& out, const Tensor& indices, const Tensor& input, const P& p);
  void (*adaptive_max)(const Tensor& out, const Tensor& indices, const Tensor& input);
  void (*max_backward)(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices);
  void (*avg)(const Tensor& out, const Tensor& input, const P& p);
  void (*adaptive_avg)(const Tensor& out, const Tensor& input);
  void (*avg_backward)(const Tensor& grad_input, const Tensor& grad_out, const P& p);
  void (*adaptive_avg_backward)(const Tensor& grad_input, const Tensor& grad_out);
};

// The kernels, window parameters and names of 2-D and 3-D pooling.
template <size_t N>
struct Dims;

template <>
struct Dims<2> {
  static constexpr PoolKernels<Pool2dParams> kernel{kernels::max_pool2d_kernel,
                                                    kernels::adaptive_max_pool2d_kernel,
                                                    kernels::max_pool2d_backward_kernel,
                                                    kernels::avg_pool2d_kernel,
                                                    kernels::adaptive_avg_pool2d_kernel,
                                                    kernels::avg_pool2d_backward_kernel,
                                                    kernels::adaptive_avg_pool2d_backward_kernel};
  static Pool2dParams params(const Window<2>& w) {
    return {.kh = w.k[0],
            .kw = w.k[1],
            .sh = w.s[0],
            .sw = w.s[1],
            .ph = w.p[0],
            .pw = w.p[1],
            .dh = w.d[0],
            .dw = w.d[1],
            .count_include_pad = w.count_include_pad,
            .divisor_override = w.divisor_override};
  }
  static constexpr const char* count = "two";  // in the messages on argument lengths
  static constexpr const char* max_name = "max_pool2d";
  static constexpr const char* max_kernel_name = "max_pool2d";
  static constexpr const char* max_node = "MaxPool2DWithIndicesBackward0";
};

template <>
struct Dims<3> {
  static constexpr PoolKernels<Pool3dParams> kernel{kernels::max_pool3d_kernel,
                                                    kernels::adaptive_max_pool3d_kernel,
                                                    kernels::max_pool3d_backward_kernel,
                                                    kernels::avg_pool3d_kernel,
                                                    kernels::adaptive_avg_pool3d_kernel,
                                                    kernels::avg_pool3d_backward_kernel,
                                                    kernels::adaptive_avg_pool3d_backward_kernel};
  static Pool3dParams params(const Window<3>& w) {
    Pool3dParams r;
    for (size_t i = 0; i < 3; ++i) {
      r.k[i] = w.k[i];
      r.s[i] = w.s[i];
      r.p[i] = w.p[i];
      r.d[i] = w.d[i];
    }
    r.count_include_pad = w.count_include_pad;
    r.divisor_override = w.divisor_override;
    return r;
  }
  static constexpr const char* count = "three";
  static constexpr const char* max_name = "max_pool3d";
  static constexpr const char* max_kernel_name = "max_pool3d_with_indices_cpu";
  static constexpr const char* max_node = "MaxPool3DWithIndicesBackward0";
};

int64_t div_rtn(int64_t x, int64_t y) {
  int64_t q = x / y, r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) --q;
  return q;
}

int64_t pooling_output_shape(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation,
                             bool ceil_mode) {
  EMBER_CHECK(stride != 0, RuntimeError, "stride should not be zero");
  EMBER_CHECK(pad <= k / 2, RuntimeError,
              "pad should be at most half of kernel size, but got pad=", pad,
              " and kernel_size=", k);
  int64_t out =
      div_rtn(in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// The output sizes of the windows over the input's last N dims.
template <size_t N>
Sizes<N> output_sizes(const Tensor& input, const Window<N>& w, bool ceil_mode) {
  Sizes<N> o;
  for (size_t i = 0; i < N; ++i)
    o[i] = pooling_output_shape(input.size(static_cast<int64_t>(i) - static_cast<int64_t>(N)),
                                w.k[i], w.p[i], w.s[i], w.d[i], ceil_mode);
  return o;
}

// PyTorch's pool2d_shape_check (Pool.h).
void shape_check(const Tensor& input, const Window<2>& w, const Sizes<2>& o, const char*, bool) {
  const auto [kh, kw] = w.k;
  const auto [sh, sw] = w.s;
  const auto [ph, pw] = w.p;
  const auto [dh, dw] = w.d;
  EMBER_CHECK(kw > 0 && kh > 0, RuntimeError,
              "kernel size should be greater than zero, but got kH: ", kh, " kW: ", kw);
  EMBER_CHECK(sw > 0 && sh > 0, RuntimeError,
              "stride should be greater than zero, but got dH: ", sh, " dW: ", sw);
  EMBER_CHECK(dw > 0 && dh > 0, RuntimeError,
              "dilation should be greater than zero, but got dilationH: ", dh, " dilationW: ", dw);
  EMBER_CHECK(kw / 2 >= pw && kh / 2 >= ph, RuntimeError,
              "pad should be smaller than or equal to half of kernel size, but got padW = ", pw,
              ", padH = ", ph, ", kW = ", kw, ", kH = ", kh);
  const int64_t c = input.size(-3), ih = input.size(-2), iw = input.size(-1);
  EMBER_CHECK(o[1] >= 1 && o[0] >= 1, RuntimeError, "Given input size: (", c, "x", ih, "x", iw,
              "). Calculated output size: (", c, "x", o[0], "x", o[1],
              "). Output size is too small");
}

// PyTorch's pool3d_shape_check (Pool.h).
void shape_check(const Tensor& input, const Window<3>& w, const Sizes<3>& o, const char* fn_name,
                 bool check_input_size) {
  const Sizes<3>&k = w.k, &s = w.s, &p = w.p, &d = w.d;
  EMBER_CHECK(k[0] > 0 && k[1] > 0 && k[2] > 0, RuntimeError,
              "kernel size should be greater than zero, but got kT: ", k[0], " kH: ", k[1],
              " kW: ", k[2]);
  EMBER_CHECK(s[0] > 0 && s[1] > 0 && s[2] > 0, RuntimeError,
              "stride should be greater than zero, but got dT: ", s[0], " dH: ", s[1],
              " dW: ", s[2]);
  EMBER_CHECK(d[0] > 0 && d[1] > 0 && d[2] > 0, RuntimeError,
              "dilation should be greater than zero, but got dilationT: ", d[0],
              " dilationH: ", d[1], " dilationW: ", d[2]);
  const int64_t ndim = input.dim();
  EMBER_CHECK(ndim == 4 || ndim == 5, RuntimeError, fn_name,
              ": Expected 4D or 5D tensor for input, but got: ", input.sizes());
  for (int64_t i = ndim == 5 ? 1 : 0; i < ndim; ++i)
    EMBER_CHECK(input.size(i) > 0, RuntimeError, fn_name,
                ": Expected input's non-batch dimensions to have positive length, but input has "
                "a shape of ",
                input.sizes(), " and non-batch dimension ", input.size(i), " has length zero!");
  const int64_t c = input.size(-4), it = input.size(-3), ih = input.size(-2), iw = input.size(-1);
  if (check_input_size)
    EMBER_CHECK(it >= k[0] && ih >= k[1] && iw >= k[2], RuntimeError, "input image (T: ", it,
                " H: ", ih, " W: ", iw, ") smaller than kernel size (kT: ", k[0], " kH: ", k[1],
                " kW: ", k[2], ")");
  EMBER_CHECK(k[0] / 2 >= p[0] && k[2] / 2 >= p[2] && k[1] / 2 >= p[1], RuntimeError,
              "pad should be smaller than or equal to half of kernel size, but got kT: ", k[0],
              " kW: ", k[2], " kH: ", k[1], " padT: ", p[0], " padW: ", p[2], " padH: ", p[1]);
  EMBER_CHECK(o[0] >= 1 && o[2] >= 1 && o[1] >= 1, RuntimeError, "Given input size: (", c, "x", it,
              "x", ih, "x", iw, "). Calculated output size: (", c, "x", o[0], "x", o[1], "x", o[2],
              "). Output size is too small");
}

// The output sizes of the windows w, after PyTorch's checks of both; fn_name
// and avg (average pooling) pick the 3-D check's messages.
template <size_t N>
Sizes<N> checked_output_sizes(const Tensor& input, const Window<N>& w, bool ceil_mode,
                              const char* fn_name, bool avg) {
  const Sizes<N> o = output_sizes(input, w, ceil_mode);
  shape_check(input, w, o, fn_name, avg);
  return o;
}

bool low_precision(DType t) { return t == kFloat16 || t == kBFloat16; }

void check_floating(const Tensor& input, const char* name, bool allow_int64 = false) {
  EMBER_CHECK(is_floating_point(input.dtype()) || (allow_int64 && input.dtype() == kInt64),
              NotImplementedError, "\"", name, "\" not implemented for '",
              scalar_type_name(input.dtype()), "'");
  EMBER_CHECK(input.is_cpu() || input.is_meta(), NotImplementedError, name,
              ": only CPU tensors are supported, got ", input.device());
}

// The memory format of outputs and gradients: the input's where it is batched.
template <size_t N>
MemoryFormat pool_format(const Tensor& input) {
  return input.dim() == static_cast<int64_t>(N) + 2 ? kernels::torch_suggest_memory_format(input)
                                                    : MemoryFormat::Contiguous;
}

// A batched view of an unbatched tensor for the kernels.
template <size_t N>
Tensor batched(const Tensor& t) {
  return t.dim() == static_cast<int64_t>(N) + 1 ? t.unsqueeze(0) : t;
}

template <size_t N>
DimVector out_shape(const Tensor& input, const Sizes<N>& o) {
  DimVector s(input.sizes());
  for (size_t i = 0; i < N; ++i) s[s.size() - N + i] = o[i];
  return s;
}

template <size_t N>
Tensor new_out(const Tensor& input, IntArrayRef shape, DType dt) {
  return empty(shape,
               {.dtype = dt, .device = input.device(), .memory_format = pool_format<N>(input)});
}

// A new output of `shape` in the input's format, written by kernel(out, input)
// on batched views: in float32 for float16/bfloat16; not at all for meta inputs.
template <size_t N, class Kernel>
Tensor run_kernel(const Tensor& input, IntArrayRef shape, Kernel kernel) {
  Tensor out = new_out<N>(input, shape, input.dtype());
  if (input.is_meta()) return out;
  const bool low = low_precision(input.dtype());
  const Tensor x = low ? input.to(kFloat32) : input;
  const Tensor y = low ? new_out<N>(input, shape, kFloat32) : out;
  kernel(batched<N>(y), batched<N>(x));
  if (low) out.copy_(y);
  return out;
}

// Records node_name as out's history: its backward makes the input's gradient
// (the input's shape and format) with backward(grad_input, grad_out) on
// batched views, in float32 for float16/bfloat16.
template <size_t N, class Backward>
void record(const Tensor& input, const Tensor& out, const char* node_name, Backward backward) {
  const DimVector in_shape(input.sizes());
  const MemoryFormat fmt = pool_format<N>(input);
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, backward](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        const Tensor go = (low ? g[0].to(kFloat32) : g[0]).contiguous(fmt);
        backward(batched<N>(gi32), batched<N>(go));
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
}

// ---- max pool

// Max over the windows w, or the adaptive windows where w is empty.
template <size_t N>
std::tuple<Tensor, Tensor> max_impl(const Tensor& input, const std::optional<Window<N>>& w,
                                    const Sizes<N>& o) {
  const DimVector shape = out_shape<N>(input, o);
  Tensor idx = new_out<N>(input, shape, kInt64);
  Tensor out = run_kernel<N>(input, shape, [&](const Tensor& y, const Tensor& x) {
    if (w)
      Dims<N>::kernel.max(y, batched<N>(idx), x, Dims<N>::params(*w));
    else
      Dims<N>::kernel.adaptive_max(y, batched<N>(idx), x);
  });
  return {out, idx};
}

template <size_t N>
std::tuple<Tensor, Tensor> max_rec(const Tensor& input, const std::optional<Window<N>>& w,
                                   const Sizes<N>& o, const char* node_name) {
  if (!autograd::grad_needed(input)) return max_impl<N>(input, w, o);
  auto [out, idx] = autograd::untracked([&] { return max_impl<N>(input, w, o); });
  record<N>(input, out, node_name, [idx = idx](const Tensor& gi, const Tensor& go) {
    Dims<N>::kernel.max_backward(gi, go, batched<N>(idx));
  });
  return {out, idx};
}

// max_pool2d_with_indices / max_pool3d_with_indices.
template <size_t N>
std::tuple<Tensor, Tensor> max_pool(const Tensor& input, IntArrayRef kernel_size,
                                    IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                                    bool ceil_mode) {
  constexpr int64_t n = N;
  const char* name = Dims<N>::max_name;
  const char* count = Dims<N>::count;
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == N, RuntimeError, name,
              ": kernel_size must either be a single int, or a tuple of ", count, " ints");
  EMBER_CHECK(stride.empty() || stride.size() == 1 || stride.size() == N, RuntimeError, name,
              ": stride must either be omitted, a single int, or a tuple of ", count, " ints");
  EMBER_CHECK(padding.size() == 1 || padding.size() == N, RuntimeError, name,
              ": padding must be either be a single int, or a tuple of ", count, " ints");
  EMBER_CHECK(dilation.size() == 1 || dilation.size() == N, RuntimeError, name,
              ": dilation must be either a single int, or a tuple of ", count, " ints");
  EMBER_CHECK(input.dim() == n + 1 || input.dim() == n + 2, RuntimeError, "non-empty ", n + 1,
              "D or ", n + 2, "D (batch mode) tensor expected for input");
  const Window<N> w = window<N>(kernel_size, stride, padding, dilation);
  const Sizes<N> o = checked_output_sizes(input, w, ceil_mode,
                                          "max_pool3d_with_indices_out_cpu_template()", false);
  check_floating(input, Dims<N>::max_kernel_name);
  return max_rec<N>(input, w, o, Dims<N>::max_node);
}

// ---- avg pool

// The mean over the windows w, or the adaptive windows where w is empty.
template <size_t N>
Tensor avg_impl(const Tensor& input, const std::optional<Window<N>>& w, const Sizes<N>& o) {
  return run_kernel<N>(input, out_shape<N>(input, o), [&](const Tensor& y, const Tensor& x) {
    if (w)
      Dims<N>::kernel.avg(y, x, Dims<N>::params(*w));
    else
      Dims<N>::kernel.adaptive_avg(y, x);
  });
}

template <size_t N>
Tensor avg_rec(const Tensor& input, const std::optional<Window<N>>& w, const Sizes<N>& o,
               const char* node_name) {
  if (!autograd::grad_needed(input)) return avg_impl<N>(input, w, o);
  Tensor out = autograd::untracked([&] { return avg_impl<N>(input, w, o); });
  record<N>(input, out, node_name, [w](const Tensor& gi, const Tensor& go) {
    if (w)
      Dims<N>::kernel.avg_backward(gi, go, Dims<N>::params(*w));
    else
      Dims<N>::kernel.adaptive_avg_backward(gi, go);
  });
  return out;
}

// avg_pool2d / avg_pool3d after their argument checks.
template <size_t N>
Tensor avg_pool(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override, const char* kernel_name,
                const char* node_name) {
  const Window<N> w =
      window<N>(kernel_size, stride, padding, 1, count_include_pad, divisor_override);
  const Sizes<N> o = checked_output_sizes(input, w, ceil_mode, "avg_pool3d()", true);
  check_floating(input, kernel_name, true);
  return avg_rec<N>(input, w, o, node_name);
}

// The non-batch dims of the input to a 3-D adaptive pool must not be empty.
void check_adaptive3d_sizes(const Tensor& input, const char* fn) {
  for (int64_t i = 1; i < input.dim(); ++i)
    EMBER_CHECK(input.size(i) > 0, RuntimeError, fn,
                "(): Expected input to have non-zero size for non-batch dimensions, but input has "
                "sizes ",
                input.sizes(), " with dimension ", i, " being empty");
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool<2>(input, kernel_size, stride, padding, dilation, ceil_mode);
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(max_pool<2>(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2, RuntimeError,
              "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EMBER_CHECK(stride.empty() || stride.size() == 1 || stride.size() == 2, RuntimeError,
              "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  EMBER_CHECK(padding.size() == 1 || padding.size() == 2, RuntimeError,
              "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  (void)wrap_dim(-3, input.dim());  // PyTorch's IndexError for inputs of fewer than 3 dims
  EMBER_CHECK(!divisor_override || *divisor_override != 0, RuntimeError,
              "divisor must be not zero");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, RuntimeError,
              "non-empty 3D or 4D (batch mode) tensor expected for input");
  return avg_pool<2>(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d", "AvgPool2DBackward0");
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 2, RuntimeError,
              "adaptive_avg_pool2d: output_size must be 2");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, RuntimeError,
              "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ", input.sizes());
  const Sizes<2> o = expand<2>(output_size);
  EMBER_CHECK(o[0] >= 0 && o[1] >= 0, RuntimeError,
              "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
              "but received {",
              o[0], ", ", o[1], "}");
  check_floating(input, "adaptive_avg_pool2d");
  // As PyTorch: a 1x1 output is a mean (MeanBackward1).
  if (o[0] == 1 && o[1] == 1 && input.numel() > 0) return input.mean({-1, -2}, true);
  return avg_rec<2>(input, std::nullopt, o, "AdaptiveAvgPool2DBackward0");
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, RuntimeError,
              "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: ", input.sizes());
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 2, RuntimeError,
              "adaptive_max_pool2d(): internal error: output_size.size() must be 2");
  check_floating(input, "adaptive_max_pool2d");
  return max_rec<2>(input, std::nullopt, expand<2>(output_size), "AdaptiveMaxPool2DBackward0");
}

Tensor max_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride,
                  int64_t padding, int64_t dilation, bool ceil_mode) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, RuntimeError,
              "max_pool1d() Expected 2D or 3D input tensor, but got ", input.sizes());
  const int64_t s = stride ? *stride : kernel_size;
  return max_pool2d(input.unsqueeze(-2), {1, kernel_size}, {1, s}, {0, padding}, {1, dilation},
                    ceil_mode)
      .squeeze(-2);
}

Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride,
                  int64_t padding, bool ceil_mode, bool count_include_pad) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, RuntimeError,
              "avg_pool1d() Expected 2D or 3D input tensor, but got ", input.sizes());
  const int64_t s = stride ? *stride : kernel_size;
  return avg_pool2d(input.unsqueeze(-2), {1, kernel_size}, {1, s}, {0, padding}, ceil_mode,
                    count_include_pad)
      .squeeze(-2);
}

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool<3>(input, kernel_size, stride, padding, dilation, ceil_mode);
}

Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(max_pool<3>(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == 3, RuntimeError,
              "avg_pool3d: kernel_size must be a single int, or a tuple of three ints");
  EMBER_CHECK(stride.empty() || stride.size() == 1 || stride.size() == 3, RuntimeError,
              "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints");
  EMBER_CHECK(padding.size() == 1 || padding.size() == 3, RuntimeError,
              "avg_pool3d: padding must be a single int, or a tuple of three ints");
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5, RuntimeError,
              "non-empty 4D or 5D (batch mode) tensor expected for input");
  EMBER_CHECK(!divisor_override || *divisor_override != 0, RuntimeError,
              "divisor must be not zero");
  return avg_pool<3>(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d_out_frame", "AvgPool3DBackward0");
}

Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size) {
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 3, RuntimeError,
              "adaptive_avg_pool3d: output_size must be 3");
  const Sizes<3> o = expand<3>(output_size);
  EMBER_CHECK(o[0] >= 0 && o[1] >= 0 && o[2] >= 0, RuntimeError,
              "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
              "but received {",
              o[0], ", ", o[1], ",", o[2], "}");
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5, RuntimeError,
              "adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got ", input.sizes());
  check_floating(input, "adaptive_avg_pool3d_cpu");
  // As PyTorch: a 1x1x1 output is a mean (MeanBackward1).
  if (o[0] == 1 && o[1] == 1 && o[2] == 1 && input.numel() > 0)
    return input.mean({-1, -2, -3}, true);
  check_adaptive3d_sizes(input, "adaptive_avg_pool3d");
  return avg_rec<3>(input, std::nullopt, o, "AdaptiveAvgPool3DBackward0");
}

std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size) {
  check_adaptive3d_sizes(input, "adaptive_max_pool3d");
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5, RuntimeError,
              "adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: ", input.sizes());
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 3, RuntimeError,
              "adaptive_max_pool3d(): internal error: output_size.size() must be 3");
  check_floating(input, "adaptive_max_pool3d_cpu");
  return max_rec<3>(input, std::nullopt, expand<3>(output_size), "AdaptiveMaxPool3DBackward0");
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, int64_t output_size) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, RuntimeError,
              "Expected 2 to 3 dimensions, but got ", input.dim(),
              "-dimensional tensor for argument #1 'self' (while checking arguments for "
              "adaptive_max_pool1d)");
  auto [out, idx] = adaptive_max_pool2d(input.unsqueeze(-2), {1, output_size});
  return {out.squeeze(-2), idx.squeeze(-2)};
}

}  // namespace ember
