#include "ember/nn/modules/conv.h"

#include <cmath>
#include <sstream>

#include "ember/core/grad_mode.h"
#include "ember/nn/init.h"
#include "ember/nn/parameter.h"
#include "ember/ops/conv.h"
#include "ember/ops/factory.h"
#include "ember/ops/pad.h"
#include "nn/modules/module_helpers.h"

namespace ember::nn {

DimVector ConvSize::expand(int64_t n) const {
  if (!scalar) return v;
  return DimVector(static_cast<size_t>(n), v[0]);
}

namespace {

// A Python tuple: "(3, 3)", "(1,)".
std::string py_tuple(IntArrayRef v) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  if (v.size() == 1) os << ',';
  os << ')';
  return os.str();
}

bool all_equal(IntArrayRef v, int64_t x) {
  for (auto e : v)
    if (e != x) return false;
  return true;
}

}  // namespace

ConvNd::ConvNd(const char* name, int64_t dims, int64_t in_channels_, int64_t out_channels_,
               const ConvSize& kernel_size_, const ConvOptions& o)
    : ConvNd(name, dims, in_channels_, out_channels_, kernel_size_, o, Transposed{}) {}

ConvNd::ConvNd(const char* name, int64_t dims, int64_t in_channels_, int64_t out_channels_,
               const ConvSize& kernel_size_, const ConvOptions& o, const Transposed& t)
    : Module(name), dims_(dims) {
  const bool tr = t.on;
  EMBER_CHECK(o.groups > 0, ValueError, "groups must be a positive integer");
  EMBER_CHECK(in_channels_ % o.groups == 0, ValueError, "in_channels must be divisible by groups");
  EMBER_CHECK(out_channels_ % o.groups == 0, ValueError,
              "out_channels must be divisible by groups");
  const DimVector k = kernel_size_.expand(dims), s = o.stride.expand(dims),
                  d = o.dilation.expand(dims);
  const std::string& ps = o.padding.mode;
  if (!ps.empty()) {
    EMBER_CHECK(ps == "same" || ps == "valid", ValueError, "Invalid padding string '", ps,
                "', should be one of {'same', 'valid'}");
    EMBER_CHECK(ps != "same" || all_equal(s, 1), ValueError,
                "padding='same' is not supported for strided convolutions");
  }
  const std::string& pm = o.padding_mode;
  EMBER_CHECK(pm == "zeros" || pm == "reflect" || pm == "replicate" || pm == "circular", ValueError,
              "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got "
              "padding_mode='",
              pm, "'");
  const DimVector p = ps.empty() ? o.padding.size.expand(dims) : DimVector(k.size(), 0);
  DimVector rev(2 * k.size(), 0);
  if (ps == "same") {
    for (size_t j = 0; j < k.size() && j < d.size(); ++j) {
      const size_t i = k.size() - 1 - j;
      const int64_t total = d[j] * (k[j] - 1);
      rev[2 * i] = total / 2;
      rev[2 * i + 1] = total - total / 2;
    }
  } else if (ps.empty()) {
    rev.assign(2 * p.size(), 0);
    for (size_t j = 0; j < p.size(); ++j) {
      rev[2 * j] = p[p.size() - 1 - j];
      rev[2 * j + 1] = p[p.size() - 1 - j];
    }
  }
  TensorOptions f;
  f.dtype = o.dtype;
  if (o.device) f.device = *o.device;
  DimVector wshape = tr ? DimVector{in_channels_, out_channels_ / o.groups}
                        : DimVector{out_channels_, in_channels_ / o.groups};
  for (auto e : k) wshape.push_back(e);
  // Both tensors first: a negative size throws before anything is registered.
  Tensor w = empty(wshape, f);
  Tensor b = o.bias ? empty({out_channels_}, f) : Tensor();
  in_channels = in_channels_;
  out_channels = out_channels_;
  kernel_size = k;
  stride = s;
  dilation = d;
  padding = p;
  padding_string = ps;
  output_padding = tr ? t.output_padding.expand(dims) : DimVector(k.size(), 0);
  transposed = tr;
  groups = o.groups;
  padding_mode = pm;
  reversed_padding_repeated_twice = rev;
  register_parameter("weight", w, &weight);
  register_parameter("bias", b, &bias);
  reset_parameters();
}

void ConvNd::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    if (fan_in != 0) {
      const double bound = 1 / std::sqrt(static_cast<double>(fan_in));
      init::uniform_(bias, -bound, bound);
    }
  }
}

std::string ConvNd::extra_repr() const {
  std::ostringstream s;
  s << in_channels << ", " << out_channels << ", kernel_size=" << py_tuple(kernel_size)
    << ", stride=" << py_tuple(stride);
  if (!padding_string.empty())
    s << ", padding=" << padding_string;
  else if (!all_equal(padding, 0))
    s << ", padding=" << py_tuple(padding);
  if (!all_equal(dilation, 1)) s << ", dilation=" << py_tuple(dilation);
  if (!all_equal(output_padding, 0)) s << ", output_padding=" << py_tuple(output_padding);
  if (groups != 1) s << ", groups=" << groups;
  if (!bias.defined()) s << ", bias=False";
  if (padding_mode != "zeros") s << ", padding_mode=" << padding_mode;
  return s.str();
}

Tensor ConvNd::conv_forward(const Tensor& input, const Tensor& w, const Tensor& b) const {
  const std::optional<Tensor> bias_opt = b.defined() ? std::optional<Tensor>(b) : std::nullopt;
  auto run = [&](const Tensor& x, IntArrayRef pad) {
    switch (dims_) {
      case 1:
        return conv1d(x, w, bias_opt, stride, pad, dilation, groups);
      case 2:
        return conv2d(x, w, bias_opt, stride, pad, dilation, groups);
      default:
        return conv3d(x, w, bias_opt, stride, pad, dilation, groups);
    }
  };
  if (padding_mode != "zeros")
    return run(pad(input, reversed_padding_repeated_twice, padding_mode), DimVector(dims_, 0));
  if (!padding_string.empty()) {
    switch (dims_) {
      case 1:
        return conv1d(input, w, bias_opt, stride, padding_string, dilation, groups);
      case 2:
        return conv2d(input, w, bias_opt, stride, padding_string, dilation, groups);
      default:
        return conv3d(input, w, bias_opt, stride, padding_string, dilation, groups);
    }
  }
  return run(input, padding);
}

namespace {
ConvOptions conv_options(const ConvTransposeOptions& o) {
  return ConvOptions{.stride = o.stride,
                     .padding = ConvPadding(o.padding),
                     .dilation = o.dilation,
                     .groups = o.groups,
                     .bias = o.bias,
                     .padding_mode = o.padding_mode,
                     .dtype = o.dtype,
                     .device = o.device};
}
const ConvTransposeOptions& check_zeros(const char* name, const ConvTransposeOptions& o) {
  EMBER_CHECK(o.padding_mode == "zeros", ValueError,
              "Only \"zeros\" padding mode is supported for ", name);
  return o;
}
}  // namespace

ConvTransposeNd::ConvTransposeNd(const char* name, int64_t dims, int64_t in_channels_,
                                 int64_t out_channels_, const ConvSize& kernel_size_,
                                 const ConvTransposeOptions& o)
    : ConvNd(name, dims, in_channels_, out_channels_, kernel_size_,
             conv_options(check_zeros(name, o)), Transposed{true, o.output_padding}),
      tdims_(dims) {}

Tensor ConvTransposeNd::transposed_forward(const Tensor& input) const {
  const std::optional<Tensor> b = bias.defined() ? std::optional<Tensor>(bias) : std::nullopt;
  switch (tdims_) {
    case 1:
      return conv_transpose1d(input, weight, b, stride, padding, output_padding, groups, dilation);
    case 2:
      return conv_transpose2d(input, weight, b, stride, padding, output_padding, groups, dilation);
    default:
      return conv_transpose3d(input, weight, b, stride, padding, output_padding, groups, dilation);
  }
}

namespace detail {

RemovableHandle make_conv_lazy(ConvNd& m, int64_t out_channels, bool bias,
                               std::optional<DType> dtype, std::optional<Device> device) {
  m.register_parameter("weight", UninitializedParameter(true, device, dtype), &m.weight);
  m.register_parameter(
      "bias", bias ? Tensor(UninitializedParameter(true, device, dtype)) : Tensor(), &m.bias);
  m.out_channels = out_channels;
  return m.register_load_state_dict_pre_hook(lazy_load_hook);
}

bool conv_has_uninitialized_params(const ConvNd& m) { return has_uninitialized_params(m); }

void initialize_lazy_conv(ConvNd& m, const Tensor& input, int64_t dims) {
  NoGradGuard no_grad;
  // _get_in_channels: "LazyConv... expects {N+1}D (unbatched) or {N+2}D (batched) input".
  EMBER_CHECK(input.dim() == dims + 1 || input.dim() == dims + 2, RuntimeError, "Expected ",
              dims + 1, "D (unbatched) or ", dims + 2, "D (batched) input to ", m.name(),
              ", but got input of size: ", input.sizes());
  const int64_t in = input.dim() == dims + 2 ? input.size(1) : input.size(0);
  EMBER_CHECK(in % m.groups == 0, ValueError, "in_channels must be divisible by groups");
  DimVector shape = m.transposed ? DimVector{in, m.out_channels / m.groups}
                                 : DimVector{m.out_channels, in / m.groups};
  for (auto k : m.kernel_size) shape.push_back(k);
  materialize(m.weight, shape);
  if (m.bias.defined()) materialize(m.bias, {m.out_channels});
  m.in_channels = in;
  m.reset_parameters();
}

}  // namespace detail

}  // namespace ember::nn
