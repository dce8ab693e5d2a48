// 2-D pooling ops: PyTorch's argument checks (Pool.h's pooling_output_shape,
// pool2d_shape_check), outputs in the input's memory format, autograd.
#include "ember/ops/pool.h"

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pool.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::Pool2dParams;

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

void pool2d_shape_check(const Tensor& input, const Pool2dParams& p, int64_t oh, int64_t ow) {
  EMBER_CHECK(p.kw > 0 && p.kh > 0, RuntimeError,
              "kernel size should be greater than zero, but got kH: ", p.kh, " kW: ", p.kw);
  EMBER_CHECK(p.sw > 0 && p.sh > 0, RuntimeError,
              "stride should be greater than zero, but got dH: ", p.sh, " dW: ", p.sw);
  EMBER_CHECK(p.dw > 0 && p.dh > 0, RuntimeError,
              "dilation should be greater than zero, but got dilationH: ", p.dh,
              " dilationW: ", p.dw);
  EMBER_CHECK(p.kw / 2 >= p.pw && p.kh / 2 >= p.ph, RuntimeError,
              "pad should be smaller than or equal to half of kernel size, but got padW = ", p.pw,
              ", padH = ", p.ph, ", kW = ", p.kw, ", kH = ", p.kh);
  const int64_t c = input.size(-3), ih = input.size(-2), iw = input.size(-1);
  EMBER_CHECK(ow >= 1 && oh >= 1, RuntimeError, "Given input size: (", c, "x", ih, "x", iw,
              "). Calculated output size: (", c, "x", oh, "x", ow, "). Output size is too small");
}

// The two values of a 2-D pooling argument from one or two.
std::pair<int64_t, int64_t> two(IntArrayRef v) {
  return v.size() == 1 ? std::pair{v[0], v[0]} : std::pair{v[0], v[1]};
}

MemoryFormat pool_format(const Tensor& input) {
  return input.dim() == 4 ? kernels::torch_suggest_memory_format(input) : MemoryFormat::Contiguous;
}

DimVector out_shape(const Tensor& input, int64_t oh, int64_t ow) {
  DimVector s(input.sizes());
  s[s.size() - 2] = oh;
  s[s.size() - 1] = ow;
  return s;
}

// A 4-D view of a 3-D (unbatched) tensor for the kernels.
Tensor batched(const Tensor& t) { return t.dim() == 3 ? t.unsqueeze(0) : t; }

bool low_precision(DType t) { return t == kFloat16 || t == kBFloat16; }

void check_floating(const Tensor& input, const char* name, bool allow_int64 = false) {
  EMBER_CHECK(is_floating_point(input.dtype()) || (allow_int64 && input.dtype() == kInt64),
              NotImplementedError, "\"", name, "\" not implemented for '",
              scalar_type_name(input.dtype()), "'");
  EMBER_CHECK(input.is_cpu() || input.is_meta(), NotImplementedError, name,
              ": only CPU tensors are supported, got ", input.device());
}

// Runs kernel(out views..., input) in float32 for float16/bfloat16.
Tensor new_out(const Tensor& input, IntArrayRef shape, DType dt) {
  return empty(shape, {.dtype = dt, .device = input.device(), .memory_format = pool_format(input)});
}

// The gradient as the kernels want it: float32 for float16/bfloat16, in `fmt`.
Tensor grad_for(const Tensor& g, MemoryFormat fmt) {
  const Tensor h = low_precision(g.dtype()) ? g.to(kFloat32) : g;
  return h.contiguous(fmt);
}

// ---- max pool

struct MaxArgs {
  Pool2dParams p;
  int64_t oh, ow;
};

MaxArgs check_max_pool(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                       IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2, RuntimeError,
              "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EMBER_CHECK(stride.empty() || stride.size() == 1 || stride.size() == 2, RuntimeError,
              "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  EMBER_CHECK(padding.size() == 1 || padding.size() == 2, RuntimeError,
              "max_pool2d: padding must be either be a single int, or a tuple of two ints");
  EMBER_CHECK(dilation.size() == 1 || dilation.size() == 2, RuntimeError,
              "max_pool2d: dilation must be either a single int, or a tuple of two ints");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, RuntimeError,
              "non-empty 3D or 4D (batch mode) tensor expected for input");
  MaxArgs a;
  std::tie(a.p.kh, a.p.kw) = two(kernel_size);
  std::tie(a.p.sh, a.p.sw) = stride.empty() ? std::pair{a.p.kh, a.p.kw} : two(stride);
  std::tie(a.p.ph, a.p.pw) = two(padding);
  std::tie(a.p.dh, a.p.dw) = two(dilation);
  a.oh = pooling_output_shape(input.size(-2), a.p.kh, a.p.ph, a.p.sh, a.p.dh, ceil_mode);
  a.ow = pooling_output_shape(input.size(-1), a.p.kw, a.p.pw, a.p.sw, a.p.dw, ceil_mode);
  pool2d_shape_check(input, a.p, a.oh, a.ow);
  check_floating(input, "max_pool2d");
  return a;
}

// Max over the windows; `adaptive` picks the adaptive windows instead of p.
std::tuple<Tensor, Tensor> max_impl(const Tensor& input, const Pool2dParams* p, int64_t oh,
                                    int64_t ow) {
  const DimVector shape = out_shape(input, oh, ow);
  Tensor out = new_out(input, shape, input.dtype());
  Tensor idx = new_out(input, shape, kInt64);
  if (input.is_meta()) return {out, idx};
  const bool low = low_precision(input.dtype());
  const Tensor x = low ? input.to(kFloat32) : input;
  const Tensor o = low ? new_out(input, shape, kFloat32) : out;
  if (p)
    kernels::max_pool2d_kernel(batched(o), batched(idx), batched(x), *p);
  else
    kernels::adaptive_max_pool2d_kernel(batched(o), batched(idx), batched(x));
  if (low) out.copy_(o);
  return {out, idx};
}

std::tuple<Tensor, Tensor> max_rec(const Tensor& input, const Pool2dParams* p, int64_t oh,
                                   int64_t ow, const char* node_name) {
  if (!autograd::grad_needed(input)) return max_impl(input, p, oh, ow);
  auto [out, idx] = autograd::untracked([&] { return max_impl(input, p, oh, ow); });
  const DimVector in_shape(input.sizes());
  const MemoryFormat fmt = pool_format(input);
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, idx = idx](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        kernels::max_pool2d_backward_kernel(batched(gi32), batched(grad_for(g[0], fmt)),
                                            batched(idx));
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
  return {out, idx};
}

// ---- avg pool

Tensor avg_impl(const Tensor& input, const Pool2dParams* p, int64_t oh, int64_t ow) {
  const DimVector shape = out_shape(input, oh, ow);
  Tensor out = new_out(input, shape, input.dtype());
  if (input.is_meta()) return out;
  const bool low = low_precision(input.dtype());
  const Tensor x = low ? input.to(kFloat32) : input;
  const Tensor o = low ? new_out(input, shape, kFloat32) : out;
  if (p)
    kernels::avg_pool2d_kernel(batched(o), batched(x), *p);
  else
    kernels::adaptive_avg_pool2d_kernel(batched(o), batched(x));
  if (low) out.copy_(o);
  return out;
}

Tensor avg_rec(const Tensor& input, std::optional<Pool2dParams> p, int64_t oh, int64_t ow,
               const char* node_name) {
  if (!autograd::grad_needed(input)) return avg_impl(input, p ? &*p : nullptr, oh, ow);
  Tensor out = autograd::untracked([&] { return avg_impl(input, p ? &*p : nullptr, oh, ow); });
  const DimVector in_shape(input.sizes());
  const MemoryFormat fmt = pool_format(input);
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, p](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        const Tensor go = batched(grad_for(g[0], fmt));
        if (p)
          kernels::avg_pool2d_backward_kernel(batched(gi32), go, *p);
        else
          kernels::adaptive_avg_pool2d_backward_kernel(batched(gi32), go);
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
  return out;
}

// ---- 3-D

using kernels::Pool3dParams;

MemoryFormat pool3d_format(const Tensor& input) {
  return input.dim() == 5 ? kernels::torch_suggest_memory_format(input) : MemoryFormat::Contiguous;
}

Tensor new_out3(const Tensor& input, IntArrayRef shape, DType dt) {
  return empty(shape,
               {.dtype = dt, .device = input.device(), .memory_format = pool3d_format(input)});
}

Tensor batched3(const Tensor& t) { return t.dim() == 4 ? t.unsqueeze(0) : t; }

DimVector out_shape3(const Tensor& input, const int64_t* o) {
  DimVector s(input.sizes());
  for (size_t i = 0; i < 3; ++i) s[s.size() - 3 + i] = o[i];
  return s;
}

// The three values of a 3-D pooling argument from one or three.
void three(IntArrayRef v, int64_t* out) {
  for (size_t i = 0; i < 3; ++i) out[i] = v.size() == 1 ? v[0] : v[i];
}

// PyTorch's pool3d_shape_check (Pool.h).
void pool3d_shape_check(const Tensor& input, const Pool3dParams& p, const int64_t* o,
                        const char* fn_name, bool check_input_size) {
  EMBER_CHECK(p.k[0] > 0 && p.k[1] > 0 && p.k[2] > 0, RuntimeError,
              "kernel size should be greater than zero, but got kT: ", p.k[0], " kH: ", p.k[1],
              " kW: ", p.k[2]);
  EMBER_CHECK(p.s[0] > 0 && p.s[1] > 0 && p.s[2] > 0, RuntimeError,
              "stride should be greater than zero, but got dT: ", p.s[0], " dH: ", p.s[1],
              " dW: ", p.s[2]);
  EMBER_CHECK(p.d[0] > 0 && p.d[1] > 0 && p.d[2] > 0, RuntimeError,
              "dilation should be greater than zero, but got dilationT: ", p.d[0],
              " dilationH: ", p.d[1], " dilationW: ", p.d[2]);
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
    EMBER_CHECK(it >= p.k[0] && ih >= p.k[1] && iw >= p.k[2], RuntimeError, "input image (T: ", it,
                " H: ", ih, " W: ", iw, ") smaller than kernel size (kT: ", p.k[0], " kH: ", p.k[1],
                " kW: ", p.k[2], ")");
  EMBER_CHECK(p.k[0] / 2 >= p.p[0] && p.k[2] / 2 >= p.p[2] && p.k[1] / 2 >= p.p[1], RuntimeError,
              "pad should be smaller than or equal to half of kernel size, but got kT: ", p.k[0],
              " kW: ", p.k[2], " kH: ", p.k[1], " padT: ", p.p[0], " padW: ", p.p[2],
              " padH: ", p.p[1]);
  EMBER_CHECK(o[0] >= 1 && o[2] >= 1 && o[1] >= 1, RuntimeError, "Given input size: (", c, "x", it,
              "x", ih, "x", iw, "). Calculated output size: (", c, "x", o[0], "x", o[1], "x", o[2],
              "). Output size is too small");
}

// Max over the windows of p, or the adaptive windows where p is null.
std::tuple<Tensor, Tensor> max3_impl(const Tensor& input, const Pool3dParams* p, const int64_t* o) {
  const DimVector shape = out_shape3(input, o);
  Tensor out = new_out3(input, shape, input.dtype());
  Tensor idx = new_out3(input, shape, kInt64);
  if (input.is_meta()) return {out, idx};
  const bool low = low_precision(input.dtype());
  const Tensor x = low ? input.to(kFloat32) : input;
  const Tensor y = low ? new_out3(input, shape, kFloat32) : out;
  if (p)
    kernels::max_pool3d_kernel(batched3(y), batched3(idx), batched3(x), *p);
  else
    kernels::adaptive_max_pool3d_kernel(batched3(y), batched3(idx), batched3(x));
  if (low) out.copy_(y);
  return {out, idx};
}

std::tuple<Tensor, Tensor> max3_rec(const Tensor& input, std::optional<Pool3dParams> p,
                                    const int64_t* o, const char* node_name) {
  const Pool3dParams* pp = p ? &*p : nullptr;
  if (!autograd::grad_needed(input)) return max3_impl(input, pp, o);
  auto [out, idx] = autograd::untracked([&] { return max3_impl(input, pp, o); });
  const DimVector in_shape(input.sizes());
  const MemoryFormat fmt = pool3d_format(input);
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, idx = idx](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        kernels::max_pool3d_backward_kernel(batched3(gi32), batched3(grad_for(g[0], fmt)),
                                            batched3(idx));
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
  return {out, idx};
}

Tensor avg3_impl(const Tensor& input, const Pool3dParams* p, const int64_t* o) {
  const DimVector shape = out_shape3(input, o);
  Tensor out = new_out3(input, shape, input.dtype());
  if (input.is_meta()) return out;
  const bool low = low_precision(input.dtype());
  const Tensor x = low ? input.to(kFloat32) : input;
  const Tensor y = low ? new_out3(input, shape, kFloat32) : out;
  if (p)
    kernels::avg_pool3d_kernel(batched3(y), batched3(x), *p);
  else
    kernels::adaptive_avg_pool3d_kernel(batched3(y), batched3(x));
  if (low) out.copy_(y);
  return out;
}

Tensor avg3_rec(const Tensor& input, std::optional<Pool3dParams> p, const int64_t* o,
                const char* node_name) {
  const Pool3dParams* pp = p ? &*p : nullptr;
  if (!autograd::grad_needed(input)) return avg3_impl(input, pp, o);
  Tensor out = autograd::untracked([&] { return avg3_impl(input, pp, o); });
  const DimVector in_shape(input.sizes());
  const MemoryFormat fmt = pool3d_format(input);
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, p](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        const Tensor go = batched3(grad_for(g[0], fmt));
        if (p)
          kernels::avg_pool3d_backward_kernel(batched3(gi32), go, *p);
        else
          kernels::adaptive_avg_pool3d_backward_kernel(batched3(gi32), go);
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  const MaxArgs a = check_max_pool(input, kernel_size, stride, padding, dilation, ceil_mode);
  return max_rec(input, &a.p, a.oh, a.ow, "MaxPool2DWithIndicesBackward0");
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
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
  Pool2dParams p;
  std::tie(p.kh, p.kw) = two(kernel_size);
  std::tie(p.sh, p.sw) = stride.empty() ? std::pair{p.kh, p.kw} : two(stride);
  std::tie(p.ph, p.pw) = two(padding);
  p.count_include_pad = count_include_pad;
  p.divisor_override = divisor_override;
  const int64_t oh = pooling_output_shape(input.size(-2), p.kh, p.ph, p.sh, 1, ceil_mode);
  const int64_t ow = pooling_output_shape(input.size(-1), p.kw, p.pw, p.sw, 1, ceil_mode);
  pool2d_shape_check(input, p, oh, ow);
  check_floating(input, "avg_pool2d", true);
  return avg_rec(input, p, oh, ow, "AvgPool2DBackward0");
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 2, RuntimeError,
              "adaptive_avg_pool2d: output_size must be 2");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, RuntimeError,
              "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ", input.sizes());
  const auto [oh, ow] = two(output_size);
  EMBER_CHECK(oh >= 0 && ow >= 0, RuntimeError,
              "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
              "but received {",
              oh, ", ", ow, "}");
  check_floating(input, "adaptive_avg_pool2d");
  // As PyTorch: a 1x1 output is a mean (MeanBackward1).
  if (oh == 1 && ow == 1 && input.numel() > 0) return input.mean({-1, -2}, true);
  return avg_rec(input, std::nullopt, oh, ow, "AdaptiveAvgPool2DBackward0");
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, RuntimeError,
              "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: ", input.sizes());
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 2, RuntimeError,
              "adaptive_max_pool2d(): internal error: output_size.size() must be 2");
  const auto [oh, ow] = two(output_size);
  check_floating(input, "adaptive_max_pool2d");
  return max_rec(input, nullptr, oh, ow, "AdaptiveMaxPool2DBackward0");
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
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == 3, RuntimeError,
              "max_pool3d: kernel_size must either be a single int, or a tuple of three ints");
  EMBER_CHECK(stride.empty() || stride.size() == 1 || stride.size() == 3, RuntimeError,
              "max_pool3d: stride must either be omitted, a single int, or a tuple of three ints");
  EMBER_CHECK(padding.size() == 1 || padding.size() == 3, RuntimeError,
              "max_pool3d: padding must be either be a single int, or a tuple of three ints");
  EMBER_CHECK(dilation.size() == 1 || dilation.size() == 3, RuntimeError,
              "max_pool3d: dilation must be either a single int, or a tuple of three ints");
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5, RuntimeError,
              "non-empty 4D or 5D (batch mode) tensor expected for input");
  Pool3dParams p;
  three(kernel_size, p.k);
  three(stride.empty() ? kernel_size : stride, p.s);
  three(padding, p.p);
  three(dilation, p.d);
  int64_t o[3];
  for (int i = 0; i < 3; ++i)
    o[i] = pooling_output_shape(input.size(i - 3), p.k[i], p.p[i], p.s[i], p.d[i], ceil_mode);
  pool3d_shape_check(input, p, o, "max_pool3d_with_indices_out_cpu_template()", false);
  check_floating(input, "max_pool3d_with_indices_cpu");
  return max3_rec(input, p, o, "MaxPool3DWithIndicesBackward0");
}

Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
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
  Pool3dParams p;
  three(kernel_size, p.k);
  three(stride.empty() ? kernel_size : stride, p.s);
  three(padding, p.p);
  p.count_include_pad = count_include_pad;
  p.divisor_override = divisor_override;
  int64_t o[3];
  for (int i = 0; i < 3; ++i)
    o[i] = pooling_output_shape(input.size(i - 3), p.k[i], p.p[i], p.s[i], 1, ceil_mode);
  pool3d_shape_check(input, p, o, "avg_pool3d()", true);
  check_floating(input, "avg_pool3d_out_frame", true);
  return avg3_rec(input, p, o, "AvgPool3DBackward0");
}

Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size) {
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 3, RuntimeError,
              "adaptive_avg_pool3d: output_size must be 3");
  int64_t o[3];
  three(output_size, o);
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
  for (int64_t i = 1; i < input.dim(); ++i)
    EMBER_CHECK(input.size(i) > 0, RuntimeError,
                "adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch "
                "dimensions, but input has sizes ",
                input.sizes(), " with dimension ", i, " being empty");
  return avg3_rec(input, std::nullopt, o, "AdaptiveAvgPool3DBackward0");
}

std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size) {
  for (int64_t i = 1; i < input.dim(); ++i)
    EMBER_CHECK(input.size(i) > 0, RuntimeError,
                "adaptive_max_pool3d(): Expected input to have non-zero size for non-batch "
                "dimensions, but input has sizes ",
                input.sizes(), " with dimension ", i, " being empty");
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5, RuntimeError,
              "adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: ", input.sizes());
  EMBER_CHECK(output_size.size() == 1 || output_size.size() == 3, RuntimeError,
              "adaptive_max_pool3d(): internal error: output_size.size() must be 3");
  int64_t o[3];
  three(output_size, o);
  check_floating(input, "adaptive_max_pool3d_cpu");
  return max3_rec(input, std::nullopt, o, "AdaptiveMaxPool3DBackward0");
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
