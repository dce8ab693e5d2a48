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

}  // namespace

MaxPoolNd::MaxPoolNd(const char* name, int64_t dims, const ConvSize& k, const MaxPoolOptions& o)
    : Module(name),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      dilation(o.dilation),
      return_indices(o.return_indices),
      ceil_mode(o.ceil_mode),
      dims_(dims) {}

std::tuple<Tensor, Tensor> MaxPoolNd::forward_with_indices(const Tensor& input) {
  if (dims_ == 1) {
    auto [out, idx] =
        max_pool2d_with_indices(input.unsqueeze(-2), {1, one(kernel_size)}, {1, one(stride)},
                                {0, one(padding)}, {1, one(dilation)}, ceil_mode);
    return {out.squeeze(-2), idx.squeeze(-2)};
  }
  const auto op = dims_ == 2 ? max_pool2d_with_indices : max_pool3d_with_indices;
  return op(input, kernel_size.v, stride.v, padding.v, dilation.v, ceil_mode);
}

Tensor MaxPoolNd::forward(const Tensor& input) {
  if (dims_ == 1)
    return max_pool1d(input, one(kernel_size), one(stride), one(padding), one(dilation), ceil_mode);
  return std::get<0>(forward_with_indices(input));
}

std::string MaxPoolNd::extra_repr() const {
  return "kernel_size=" + py(kernel_size) + ", stride=" + py(stride) + ", padding=" + py(padding) +
         ", dilation=" + py(dilation) + ", ceil_mode=" + py(ceil_mode);
}

AvgPoolNd::AvgPoolNd(const char* name, int64_t dims, const ConvSize& k, const AvgPoolOptions& o)
    : Module(name),
      kernel_size(k),
      stride(o.stride ? *o.stride : k),
      padding(o.padding),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad),
      dims_(dims) {
  if (dims == 1) {  // AvgPool1d holds tuples of one
    kernel_size = single(kernel_size);
    stride = single(stride);
    padding = single(padding);
  }
}

Tensor AvgPoolNd::pool(const Tensor& input, std::optional<int64_t> divisor_override) const {
  if (dims_ == 1)
    return avg_pool1d(input, one(kernel_size), one(stride), one(padding), ceil_mode,
                      count_include_pad);
  const auto op = dims_ == 2 ? avg_pool2d : avg_pool3d;
  return op(input, kernel_size.v, stride.v, padding.v, ceil_mode, count_include_pad,
            divisor_override);
}

std::string AvgPoolNd::extra_repr() const {
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

AdaptiveAvgPoolNd::AdaptiveAvgPoolNd(const char* name, int64_t dims, const ConvSize& output_size_)
    : Module(name), output_size(output_size_), dims_(dims) {}

Tensor AdaptiveAvgPoolNd::forward(const Tensor& input) {
  return (dims_ == 2 ? adaptive_avg_pool2d : adaptive_avg_pool3d)(input, output_size.v);
}

std::string AdaptiveAvgPoolNd::extra_repr() const { return "output_size=" + py(output_size); }

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

AdaptiveMaxPoolNd::AdaptiveMaxPoolNd(const char* name, int64_t dims, const ConvSize& output_size_,
                                     bool return_indices_)
    : Module(name), output_size(output_size_), return_indices(return_indices_), dims_(dims) {}

std::tuple<Tensor, Tensor> AdaptiveMaxPoolNd::forward_with_indices(const Tensor& input) {
  return (dims_ == 2 ? adaptive_max_pool2d : adaptive_max_pool3d)(input, output_size.v);
}

Tensor AdaptiveMaxPoolNd::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

std::string AdaptiveMaxPoolNd::extra_repr() const { return "output_size=" + py(output_size); }

}  // namespace ember::nn
