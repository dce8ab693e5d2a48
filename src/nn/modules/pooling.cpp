#include "ember/nn/modules/pooling.h"

#include <sstream>

#include "ember/ops/pool.h"

namespace ember::nn {

namespace {

// A value as Python prints what the module holds: 3, or (2, 3), or (3,).
std::string py(const ConvSize& s) {
  if (s.scalar) return std::to_string(s.v[0]);
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < s.v.size(); ++i) os << (i ? ", " : "") << s.v[i];
  if (s.v.size() == 1) os << ',';
  os << ')';
  return os.str();
}

const char* py(bool b) { return b ? "True" : "False"; }

// _single(x) as ConvSize (a tuple of one).
ConvSize single(const ConvSize& s) {
  ConvSize r = s;
  r.scalar = false;
  return r;
}

// The one value of a 1-d size (a single int or a tuple of one).
int64_t one(const ConvSize& s) { return s.v[0]; }

std::string max_pool_repr(const ConvSize& k, const ConvSize& s, const ConvSize& p,
                          const ConvSize& d, bool ceil) {
  return "kernel_size=" + py(k) + ", stride=" + py(s) + ", padding=" + py(p) +
         ", dilation=" + py(d) + ", ceil_mode=" + py(ceil);
}

}  // namespace

MaxPool1d::MaxPool1d(const ConvSize& k, const MaxPool1dOptions& o)
    : Module("MaxPool1d"),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      dilation(o.dilation),
      return_indices(o.return_indices),
      ceil_mode(o.ceil_mode) {}

std::tuple<Tensor, Tensor> MaxPool1d::forward_with_indices(const Tensor& input) {
  auto [out, idx] =
      max_pool2d_with_indices(input.unsqueeze(-2), {1, one(kernel_size)}, {1, one(stride)},
                              {0, one(padding)}, {1, one(dilation)}, ceil_mode);
  return {out.squeeze(-2), idx.squeeze(-2)};
}

Tensor MaxPool1d::forward(const Tensor& input) {
  return max_pool1d(input, one(kernel_size), one(stride), one(padding), one(dilation), ceil_mode);
}

std::string MaxPool1d::extra_repr() const {
  return max_pool_repr(kernel_size, stride, padding, dilation, ceil_mode);
}

MaxPool2d::MaxPool2d(const ConvSize& k, const MaxPool2dOptions& o)
    : Module("MaxPool2d"),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      dilation(o.dilation),
      return_indices(o.return_indices),
      ceil_mode(o.ceil_mode) {}

Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_size.v, stride.v, padding.v, dilation.v, ceil_mode);
}

std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& input) {
  return max_pool2d_with_indices(input, kernel_size.v, stride.v, padding.v, dilation.v, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return max_pool_repr(kernel_size, stride, padding, dilation, ceil_mode);
}

AvgPool1d::AvgPool1d(const ConvSize& k, const AvgPool1dOptions& o)
    : Module("AvgPool1d"),
      kernel_size(single(k)),
      stride(single(o.stride ? *o.stride : k)),
      padding(single(o.padding)),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad) {}

Tensor AvgPool1d::forward(const Tensor& input) {
  return avg_pool1d(input, one(kernel_size), one(stride), one(padding), ceil_mode,
                    count_include_pad);
}

std::string AvgPool1d::extra_repr() const {
  return "kernel_size=" + py(kernel_size) + ", stride=" + py(stride) + ", padding=" + py(padding);
}

AvgPool2d::AvgPool2d(const ConvSize& k, const AvgPool2dOptions& o)
    : Module("AvgPool2d"),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad),
      divisor_override(o.divisor_override) {}

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_size.v, stride.v, padding.v, ceil_mode, count_include_pad,
                    divisor_override);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + py(kernel_size) + ", stride=" + py(stride) + ", padding=" + py(padding);
}

AdaptiveAvgPool1d::AdaptiveAvgPool1d(int64_t output_size_)
    : Module("AdaptiveAvgPool1d"), output_size(output_size_) {}

Tensor AdaptiveAvgPool1d::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, RuntimeError,
              "adaptive_avg_pool1d() argument 'input' (position 1) must be 2D or 3D, got ",
              input.dim(), "D");
  return adaptive_avg_pool2d(input.unsqueeze(-2), {1, output_size}).squeeze(-2);
}

std::string AdaptiveAvgPool1d::extra_repr() const {
  return "output_size=" + std::to_string(output_size);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(const ConvSize& output_size_)
    : Module("AdaptiveAvgPool2d"), output_size(output_size_) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  return adaptive_avg_pool2d(input, output_size.v);
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + py(output_size); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(const ConvSize& output_size_, bool return_indices_)
    : Module("AdaptiveMaxPool2d"), output_size(output_size_), return_indices(return_indices_) {}

Tensor AdaptiveMaxPool2d::forward(const Tensor& input) {
  return std::get<0>(adaptive_max_pool2d(input, output_size.v));
}

std::tuple<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool2d(input, output_size.v);
}

std::string AdaptiveMaxPool2d::extra_repr() const { return "output_size=" + py(output_size); }

MaxPool3d::MaxPool3d(const ConvSize& k, const MaxPool3dOptions& o)
    : Module("MaxPool3d"),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      dilation(o.dilation),
      return_indices(o.return_indices),
      ceil_mode(o.ceil_mode) {}

Tensor MaxPool3d::forward(const Tensor& input) {
  return max_pool3d(input, kernel_size.v, stride.v, padding.v, dilation.v, ceil_mode);
}

std::tuple<Tensor, Tensor> MaxPool3d::forward_with_indices(const Tensor& input) {
  return max_pool3d_with_indices(input, kernel_size.v, stride.v, padding.v, dilation.v, ceil_mode);
}

std::string MaxPool3d::extra_repr() const {
  return max_pool_repr(kernel_size, stride, padding, dilation, ceil_mode);
}

AvgPool3d::AvgPool3d(const ConvSize& k, const AvgPool3dOptions& o)
    : Module("AvgPool3d"),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad),
      divisor_override(o.divisor_override) {}

Tensor AvgPool3d::forward(const Tensor& input) {
  return avg_pool3d(input, kernel_size.v, stride.v, padding.v, ceil_mode, count_include_pad,
                    divisor_override);
}

std::string AvgPool3d::extra_repr() const {
  return "kernel_size=" + py(kernel_size) + ", stride=" + py(stride) + ", padding=" + py(padding);
}

AdaptiveAvgPool3d::AdaptiveAvgPool3d(const ConvSize& output_size_)
    : Module("AdaptiveAvgPool3d"), output_size(output_size_) {}

Tensor AdaptiveAvgPool3d::forward(const Tensor& input) {
  return adaptive_avg_pool3d(input, output_size.v);
}

std::string AdaptiveAvgPool3d::extra_repr() const { return "output_size=" + py(output_size); }

AdaptiveMaxPool1d::AdaptiveMaxPool1d(int64_t output_size_, bool return_indices_)
    : Module("AdaptiveMaxPool1d"), output_size(output_size_), return_indices(return_indices_) {}

Tensor AdaptiveMaxPool1d::forward(const Tensor& input) {
  return std::get<0>(adaptive_max_pool1d(input, output_size));
}

std::tuple<Tensor, Tensor> AdaptiveMaxPool1d::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool1d(input, output_size);
}

std::string AdaptiveMaxPool1d::extra_repr() const {
  return "output_size=" + std::to_string(output_size);
}

AdaptiveMaxPool3d::AdaptiveMaxPool3d(const ConvSize& output_size_, bool return_indices_)
    : Module("AdaptiveMaxPool3d"), output_size(output_size_), return_indices(return_indices_) {}

Tensor AdaptiveMaxPool3d::forward(const Tensor& input) {
  return std::get<0>(adaptive_max_pool3d(input, output_size.v));
}

std::tuple<Tensor, Tensor> AdaptiveMaxPool3d::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool3d(input, output_size.v);
}

std::string AdaptiveMaxPool3d::extra_repr() const { return "output_size=" + py(output_size); }

}  // namespace ember::nn
