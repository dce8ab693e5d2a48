// conv1d / conv2d / conv3d: PyTorch's argument checks (torch's
// Convolution.cpp: batchify, _convolution_mode, check_shape_forward), output
// allocation in PyTorch's memory format, autograd (ConvolutionBackward0).
#include "ember/ops/conv.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/conv.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::ConvParams;

// One value per spatial dim from a single value or a full list.
DimVector expand_param(IntArrayRef v, int64_t sd, const char* name) {
  if (v.size() == 1) {
    DimVector r;
    for (int64_t i = 0; i < sd; ++i) r.push_back(v[0]);
    return r;
  }
  EMBER_CHECK(static_cast<int64_t>(v.size()) == sd, RuntimeError, "expected ", name,
              " to be a single integer value or a list of ", sd,
              " values to match the convolution dimensions, but got ", name, "=", v);
  return DimVector(v);
}

std::string join_x(IntArrayRef v) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? " x " : "") << v[i];
  return os.str();
}

// The layout the convolution runs in: channels-last when the input or the
// weight suggests it (mkldnn_conv_use_channels_last), else contiguous.
MemoryFormat conv_memory_format(const Tensor& input, const Tensor& weight) {
  // PyTorch 1.13 runs 3-D convolutions contiguous on the CPU (no channels_last_3d yet).
  if (input.dim() != 4) return MemoryFormat::Contiguous;
  const MemoryFormat cl = MemoryFormat::ChannelsLast;
  if (kernels::torch_suggest_memory_format(input) == cl ||
      kernels::torch_suggest_memory_format(weight) == cl)
    return cl;
  return MemoryFormat::Contiguous;
}

// check_shape_forward, plus the parameter checks of _convolution.
void check_shape_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const ConvParams& p) {
  const int64_t k = input.dim();
  const int64_t weight_dim = weight.dim();
  const IntArrayRef ws = weight.sizes();
  EMBER_CHECK(weight_dim >= 3, RuntimeError, "weight should have at least three dimensions");
  for (size_t i = 0; i < p.padding_l.size(); ++i)
    EMBER_CHECK(p.padding_l[i] >= 0 && p.padding_r[i] >= 0, RuntimeError,
                "negative padding is not supported");
  for (auto s : p.stride) EMBER_CHECK(s > 0, RuntimeError, "non-positive stride is not supported");
  for (auto d : p.dilation)
    EMBER_CHECK(d > 0, RuntimeError, "dilation should be greater than zero, but got ", p.dilation);
  EMBER_CHECK(p.groups > 0, RuntimeError, "non-positive groups is not supported");
  EMBER_CHECK(weight_dim == k, RuntimeError, "Expected ", weight_dim, "-dimensional input for ",
              weight_dim, "-dimensional weight ", ws, ", but got ", k,
              "-dimensional input of size ", input.sizes(), " instead");
  EMBER_CHECK(ws[0] >= p.groups, RuntimeError, "Given groups=", p.groups,
              ", expected weight to be at least ", p.groups,
              " at dimension 0, but got weight of size ", ws, " instead");
  EMBER_CHECK(ws[0] % p.groups == 0, RuntimeError, "Given groups=", p.groups,
              ", expected weight to be divisible by ", p.groups,
              " at dimension 0, but got weight of size [", ws, "] instead");
  EMBER_CHECK(input.size(1) == ws[1] * p.groups, RuntimeError, "Given groups=", p.groups,
              ", weight of size ", ws, ", expected input", input.sizes(), " to have ",
              ws[1] * p.groups, " channels, but got ", input.size(1), " channels instead");
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == ws[0]), RuntimeError,
              "Given weight of size ", ws, ", expected bias to be 1-dimensional with ", ws[0],
              " elements, but got bias of size ", bias.sizes(), " instead");
  DimVector in_shape, k_shape;
  bool too_big = false;
  for (int64_t i = 2; i < k; ++i) {
    const size_t j = i - 2;
    in_shape.push_back(input.size(i) + p.padding_l[j] + p.padding_r[j]);
    k_shape.push_back(p.dilation[j] * (ws[i] - 1) + 1);
    too_big = too_big || in_shape.back() < k_shape.back();
  }
  EMBER_CHECK(!too_big, RuntimeError, "Calculated padded input size per channel: (",
              join_x(in_shape), "). Kernel size: (", join_x(k_shape),
              "). Kernel size can't be greater than actual input size");
}

void check_types(const Tensor& input, const Tensor& bias) {
  EMBER_CHECK(!bias.defined() || bias.dtype() == input.dtype(), RuntimeError, "Input type (",
              typemeta_name(input.dtype()), ") and bias type (", typemeta_name(bias.dtype()),
              ") should be the same");
}

void check_kernel_types(const Tensor& input, const Tensor& weight) {
  EMBER_CHECK(weight.dtype() == input.dtype(), RuntimeError, "expected scalar type ",
              scalar_type_name(input.dtype()), " but found ", scalar_type_name(weight.dtype()));
  EMBER_CHECK(is_floating_point(input.dtype()), NotImplementedError,
              "\"conv\" not implemented for '", scalar_type_name(input.dtype()),
              "' (ember's convolution is floating-point only)");
  ops::check_same_device("convolution", {input, weight});
  EMBER_CHECK(input.is_cpu() || input.is_meta(), NotImplementedError,
              "convolution: only CPU tensors are supported, got ", input.device());
}

DimVector output_size(const Tensor& input, const Tensor& weight, const ConvParams& p) {
  DimVector out{input.size(0), weight.size(0)};
  for (int64_t i = 2; i < input.dim(); ++i) {
    const size_t j = i - 2;
    const int64_t ext = p.dilation[j] * (weight.size(i) - 1) + 1;
    out.push_back((input.size(i) + p.padding_l[j] + p.padding_r[j] - ext) / p.stride[j] + 1);
  }
  return out;
}

Tensor conv_forward_impl(const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const ConvParams& p, MemoryFormat fmt,
                         kernels::ConvSourcePtr* keep = nullptr) {
  Tensor out = empty(output_size(input, weight, p),
                     {.dtype = input.dtype(), .device = input.device(), .memory_format = fmt});
  if (out.is_meta()) return out;
  kernels::conv_forward_kernel(out, input, weight, bias, p, keep);
  return out;
}

// The convolution of a batched input whose parameters are checked.
Tensor convolution_checked(const Tensor& input, const Tensor& weight, const Tensor& bias,
                           const ConvParams& p) {
  const MemoryFormat fmt = conv_memory_format(input, weight);
  if (!autograd::grad_needed(input, weight, bias))
    return conv_forward_impl(input, weight, bias, p, fmt);
  // The weight's gradient reads the input again: the forward's reordered copy
  // of it (if oneDNN made one) is kept for that until the first backward
  // (a later one, with retain_graph, reorders anew).
  auto kept = std::make_shared<kernels::ConvSourcePtr>();
  Tensor out = autograd::untracked([&] {
    return conv_forward_impl(input, weight, bias, p, fmt,
                             autograd::requires_grad(weight) ? kept.get() : nullptr);
  });
  const MemoryFormat wfmt = kernels::torch_suggest_memory_format(weight);
  auto formula = [p, fmt, wfmt, kept, has_bias = bias.defined()](autograd::FormulaNodeBase& n,
                                                                 autograd::variable_list& g) {
    autograd::variable_list res(3);
    const kernels::ConvSourcePtr src = std::move(*kept);  // leaves *kept empty
    if (!g[0].defined()) return res;
    const Tensor x = n.saved(0), w = n.saved(1);
    const bool need_x = n.needs_input_grad(0), need_w = n.needs_input_grad(1);
    const bool need_b = has_bias && n.needs_input_grad(2);
    const Tensor go = g[0].contiguous(fmt);
    if (need_x && need_w) {  // one kernel: both passes share grad_out's reorder
      res[0] = empty(x.sizes(), {.dtype = x.dtype(), .device = x.device(), .memory_format = fmt});
      res[1] = empty(w.sizes(), {.dtype = w.dtype(), .device = w.device(), .memory_format = wfmt});
      if (need_b) res[2] = empty({w.size(0)}, {.dtype = w.dtype(), .device = w.device()});
      kernels::conv_backward_kernel(res[0], res[1], res[2], go, x, w, p, src);
      return res;
    }
    if (need_x) {
      res[0] = empty(x.sizes(), {.dtype = x.dtype(), .device = x.device(), .memory_format = fmt});
      kernels::conv_backward_input_kernel(res[0], go, w, p);
    }
    if (need_w || need_b) {
      Tensor gw =
          empty(w.sizes(), {.dtype = w.dtype(), .device = w.device(), .memory_format = wfmt});
      Tensor gb =
          need_b ? empty({w.size(0)}, {.dtype = w.dtype(), .device = w.device()}) : Tensor();
      if (need_w) {
        kernels::conv_backward_weight_kernel(gw, gb, go, x, p, src);
        res[1] = gw;
      } else {
        DimVector dims{0};
        for (int64_t d = 2; d < go.dim(); ++d) dims.push_back(d);
        gb = go.sum(dims);
      }
      if (need_b) res[2] = gb;
    }
    return res;
  };
  auto node = autograd::make_node("ConvolutionBackward0", formula, input, weight, bias);
  node->save(input);
  node->save(weight);
  autograd::set_history(out, node);
  return out;
}

// Parameters for a weight of rank weight.dim(); padding_r == padding_l.
ConvParams make_params(const Tensor& weight, IntArrayRef stride, IntArrayRef padding,
                       IntArrayRef dilation, int64_t groups) {
  const int64_t sd = std::max<int64_t>(weight.dim() - 2, 0);
  ConvParams p;
  p.stride = expand_param(stride, sd, "stride");
  p.padding_l = expand_param(padding, sd, "padding");
  p.padding_r = p.padding_l;
  p.dilation = expand_param(dilation, sd, "dilation");
  p.groups = groups;
  return p;
}

Tensor convolution_params(const Tensor& input, const Tensor& weight,
                          const std::optional<Tensor>& bias_opt, const ConvParams& p) {
  const Tensor bias = bias_opt ? *bias_opt : Tensor();
  check_types(input, bias);
  check_shape_forward(input, weight, bias, p);
  check_kernel_types(input, weight);
  return convolution_checked(input, weight, bias, p);
}

// batchify: (un)batched input of the op's rank, run batched.
template <typename F>
Tensor batchified(const Tensor& input, int64_t sd, const char* name, F run) {
  const int64_t nb = sd + 1, b = sd + 2;
  EMBER_CHECK(input.dim() == nb || input.dim() == b, RuntimeError, "Expected ", nb,
              "D (unbatched) or ", b, "D (batched) input to ", name,
              ", but got input of size: ", input.sizes());
  if (input.dim() == b) return run(input);
  return run(input.unsqueeze(0)).squeeze(0);
}

Tensor conv_nd(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
               IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups,
               int64_t sd, const char* name) {
  return batchified(input, sd, name, [&](const Tensor& x) {
    return convolution_params(x, weight, bias,
                              make_params(weight, stride, padding, dilation, groups));
  });
}

// _convolution_mode: padding "same" or "valid".
Tensor conv_nd_mode(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                    IntArrayRef stride, std::string_view padding, IntArrayRef dilation,
                    int64_t groups, int64_t sd, const char* name) {
  return batchified(input, sd, name, [&](const Tensor& x) {
    ConvParams p = make_params(weight, stride, 0, dilation, groups);
    if (padding == "same") {
      for (auto s : p.stride)
        EMBER_CHECK(s == 1, RuntimeError,
                    "padding='same' is not supported for strided convolutions");
      for (size_t j = 0; j < p.padding_l.size(); ++j) {
        const int64_t k = weight.dim() > static_cast<int64_t>(j) + 2 ? weight.size(j + 2) : 1;
        const int64_t total = p.dilation[j] * (k - 1);
        p.padding_l[j] = total / 2;
        p.padding_r[j] = total - total / 2;
      }
    } else {
      EMBER_CHECK(padding == "valid", RuntimeError, "Invalid padding string: '", padding, "'");
    }
    return convolution_params(x, weight, bias, p);
  });
}

// ---------------------------------------------------------- transposed

void check_shape_transposed(const Tensor& input, const Tensor& weight, const Tensor& bias,
                            const ConvParams& p, IntArrayRef output_padding) {
  const int64_t k = input.dim();
  const int64_t weight_dim = weight.dim();
  const IntArrayRef ws = weight.sizes();
  EMBER_CHECK(weight_dim >= 3, RuntimeError, "weight should have at least three dimensions");
  for (size_t i = 0; i < p.padding_l.size(); ++i)
    EMBER_CHECK(p.padding_l[i] >= 0, RuntimeError, "negative padding is not supported");
  for (auto s : p.stride) EMBER_CHECK(s > 0, RuntimeError, "non-positive stride is not supported");
  for (auto d : p.dilation)
    EMBER_CHECK(d > 0, RuntimeError, "dilation should be greater than zero, but got ", p.dilation);
  EMBER_CHECK(p.groups > 0, RuntimeError, "non-positive groups is not supported");
  for (auto o : output_padding)
    EMBER_CHECK(o >= 0, RuntimeError, "negative output_padding is not supported");
  EMBER_CHECK(weight_dim == k, RuntimeError, "Expected ", weight_dim, "-dimensional input for ",
              weight_dim, "-dimensional weight ", ws, ", but got ", k,
              "-dimensional input of size ", input.sizes(), " instead");
  EMBER_CHECK(input.size(1) == ws[0], RuntimeError, "Given transposed=1, weight of size ", ws,
              ", expected input", input.sizes(), " to have ", ws[0], " channels, but got ",
              input.size(1), " channels instead");
  EMBER_CHECK(ws[0] % p.groups == 0, RuntimeError, "Given groups=", p.groups,
              ", expected weight to be divisible by ", p.groups,
              " at dimension 0, but got weight of size [", ws, "] instead");
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == ws[1] * p.groups),
              RuntimeError, "Given transposed=1, weight of size ", ws,
              ", expected bias to be 1-dimensional with ", ws[1] * p.groups,
              " elements, but got bias of size ", bias.sizes(), " instead");
  // slow_conv_transpose's check, with its names for 2 spatial dims.
  bool bad = false;
  for (size_t j = 0; j < output_padding.size(); ++j)
    bad = bad || (output_padding[j] >= p.stride[j] && output_padding[j] >= p.dilation[j]);
  if (bad) {
    static const char* names3[] = {"depth", "height", "width"};
    std::ostringstream os;
    os << "output padding must be smaller than either stride or dilation, but got";
    const size_t n = output_padding.size();
    auto list = [&](const char* what, IntArrayRef v) {
      for (size_t j = 0; j < n; ++j) os << " " << what << "_" << names3[3 - n + j] << ": " << v[j];
    };
    list("output_padding", output_padding);
    list("stride", p.stride);
    list("dilation", p.dilation);
    throw RuntimeError(os.str());
  }
}

DimVector transposed_output_size(const Tensor& input, const Tensor& weight, const ConvParams& p,
                                 IntArrayRef output_padding) {
  DimVector out{input.size(0), weight.size(1) * p.groups};
  DimVector in_sp, out_sp;
  bool small = false;
  for (int64_t i = 2; i < input.dim(); ++i) {
    const size_t j = i - 2;
    const int64_t o = (input.size(i) - 1) * p.stride[j] - p.padding_l[j] - p.padding_r[j] +
                      p.dilation[j] * (weight.size(i) - 1) + output_padding[j] + 1;
    out.push_back(o);
    in_sp.push_back(input.size(i));
    out_sp.push_back(o);
    small = small || o < 1;
  }
  EMBER_CHECK(!small, RuntimeError, "Given input size per channel: (", join_x(in_sp),
              "). Calculated output size per channel: (", join_x(out_sp),
              "). Output size is too small");
  return out;
}

// The kernels run a transposed convolution as the backward-data pass of the
// direct one, whose output size, (O + pl + pr - span) / stride + 1, must come
// out at the input's. output_padding adds rows at the end of O: with stride >
// 1 the division's floor absorbs them; with stride 1 (output_padding below
// the dilation) the end's padding shrinks by output_padding instead, and
// where it would go negative the last rows, which no input reaches, are left
// out of the kernels' view (zero in the output, ignored in its gradient).
struct TransposedGeometry {
  ConvParams kp;   // what the kernels run
  DimVector crop;  // rows left out at the end of each spatial dim
  bool cropped() const {
    return std::any_of(crop.begin(), crop.end(), [](int64_t c) { return c > 0; });
  }
  // The view of t (an output or its gradient) without the left-out rows.
  Tensor reached(const Tensor& t) const {
    Tensor v = t;
    for (size_t j = 0; j < crop.size(); ++j)
      if (crop[j] > 0) v = v.narrow(static_cast<int64_t>(j) + 2, 0, t.size(j + 2) - crop[j]);
    return v;
  }
};
TransposedGeometry transposed_geometry(const ConvParams& p, IntArrayRef output_padding) {
  TransposedGeometry g{p, DimVector(output_padding.size(), 0)};
  for (size_t j = 0; j < output_padding.size(); ++j) {
    if (p.stride[j] != 1 || output_padding[j] == 0) continue;
    const int64_t pr = p.padding_r[j] - output_padding[j];
    g.kp.padding_r[j] = std::max<int64_t>(pr, 0);
    g.crop[j] = std::max<int64_t>(-pr, 0);
  }
  return g;
}

Tensor conv_transpose_checked(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              const ConvParams& p, IntArrayRef output_padding) {
  const DimVector out_size = transposed_output_size(input, weight, p, output_padding);
  const TransposedGeometry tg = transposed_geometry(p, output_padding);
  auto run = [&] {
    Tensor out = empty(out_size, {.dtype = input.dtype(), .device = input.device()});
    if (out.is_meta()) return out;
    if (tg.cropped()) {
      Tensor dst = tg.reached(out);
      Tensor part = empty(dst.sizes(), {.dtype = input.dtype(), .device = input.device()});
      kernels::conv_backward_input_kernel(part, input, weight, tg.kp);
      out.zero_();
      dst.copy_(part);
    } else {
      kernels::conv_backward_input_kernel(out, input, weight, tg.kp);
    }
    if (bias.defined()) {
      DimVector bs(out.dim(), 1);
      bs[1] = bias.size(0);
      out.add_(bias.view(bs));
    }
    return out;
  };
  if (!autograd::grad_needed(input, weight, bias)) return run();
  Tensor out = autograd::untracked(run);
  const MemoryFormat wfmt = kernels::torch_suggest_memory_format(weight);
  auto formula = [tg, wfmt, has_bias = bias.defined()](autograd::FormulaNodeBase& n,
                                                       autograd::variable_list& g) {
    autograd::variable_list res(3);
    if (!g[0].defined()) return res;
    const Tensor x = n.saved(0), w = n.saved(1);
    const Tensor go = tg.reached(g[0]).contiguous();
    if (n.needs_input_grad(0)) {  // the convolution of grad_out with the weight
      res[0] = empty(x.sizes(), {.dtype = x.dtype(), .device = x.device()});
      kernels::conv_forward_kernel(res[0], go, w, Tensor(), tg.kp);
    }
    if (n.needs_input_grad(1)) {  // x plays grad_out, grad_out the input
      res[1] = empty(w.sizes(), {.dtype = w.dtype(), .device = w.device(), .memory_format = wfmt});
      kernels::conv_backward_weight_kernel(res[1], Tensor(), x.contiguous(), go, tg.kp);
    }
    if (has_bias && n.needs_input_grad(2)) {  // the bias reaches every row
      DimVector dims{0};
      for (int64_t d = 2; d < g[0].dim(); ++d) dims.push_back(d);
      res[2] = g[0].sum(dims);
    }
    return res;
  };
  auto node = autograd::make_node("ConvolutionBackward0", formula, input, weight, bias);
  node->save(input);
  node->save(weight);
  autograd::set_history(out, node);
  return out;
}

Tensor conv_transpose_nd(const Tensor& input, const Tensor& weight,
                         const std::optional<Tensor>& bias_opt, IntArrayRef stride,
                         IntArrayRef padding, IntArrayRef output_padding, int64_t groups,
                         IntArrayRef dilation, int64_t sd, const char* name) {
  return batchified(input, sd, name, [&](const Tensor& x) {
    const Tensor bias = bias_opt ? *bias_opt : Tensor();
    const ConvParams p = make_params(weight, stride, padding, dilation, groups);
    const DimVector op =
        expand_param(output_padding, std::max<int64_t>(weight.dim() - 2, 0), "output_padding");
    check_types(x, bias);
    check_shape_transposed(x, weight, bias, p, op);
    check_kernel_types(x, weight);
    return conv_transpose_checked(x, weight, bias, p, op);
  });
}

}  // namespace

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, IntArrayRef stride, IntArrayRef padding,
                        IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           1, "conv_transpose1d");
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, IntArrayRef stride, IntArrayRef padding,
                        IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           2, "conv_transpose2d");
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, IntArrayRef stride, IntArrayRef padding,
                        IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           3, "conv_transpose3d");
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d");
}
Tensor conv1d_padding_mode(const Tensor& input, const Tensor& weight,
                           const std::optional<Tensor>& bias, IntArrayRef stride,
                           std::string_view padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd_mode(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d");
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d");
}
Tensor conv2d_padding_mode(const Tensor& input, const Tensor& weight,
                           const std::optional<Tensor>& bias, IntArrayRef stride,
                           std::string_view padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd_mode(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d");
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d");
}
Tensor conv3d_padding_mode(const Tensor& input, const Tensor& weight,
                           const std::optional<Tensor>& bias, IntArrayRef stride,
                           std::string_view padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd_mode(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d");
}

void set_conv_algorithm(ConvAlgorithm algorithm) { kernels::set_conv_algorithm(algorithm); }
ConvAlgorithm conv_algorithm() { return kernels::conv_algorithm(); }

Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return convolution_params(input, weight, bias,
                            make_params(weight, stride, padding, dilation, groups));
}

}  // namespace ember
