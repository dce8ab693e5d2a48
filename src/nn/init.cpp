#include "ember/nn/init.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "ember/core/grad_mode.h"

namespace ember::nn::init {

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* const linear_fns[] = {
      "linear",           "conv1d",           "conv2d",          "conv3d",
      "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
  if (std::find(std::begin(linear_fns), std::end(linear_fns), nonlinearity) !=
          std::end(linear_fns) ||
      nonlinearity == "sigmoid")
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double negative_slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + negative_slope * negative_slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;
  throw ValueError("Unsupported nonlinearity " + nonlinearity);
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  const int64_t dimensions = tensor.dim();
  EMBER_CHECK(dimensions >= 2, ValueError,
              "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  int64_t receptive_field_size = 1;
  for (int64_t d = 2; d < dimensions; ++d) receptive_field_size *= tensor.size(d);
  return {tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size};
}

Tensor uniform_(Tensor tensor, double a, double b, Generator* generator) {
  NoGradGuard no_grad;
  return tensor.uniform_(a, b, generator);
}

Tensor normal_(Tensor tensor, double mean, double std, Generator* generator) {
  NoGradGuard no_grad;
  return tensor.normal_(mean, std, generator);
}

Tensor constant_(Tensor tensor, double val) {
  NoGradGuard no_grad;
  return tensor.fill_(val);
}

Tensor ones_(Tensor tensor) { return constant_(tensor, 1.); }

Tensor zeros_(Tensor tensor) {
  NoGradGuard no_grad;
  return tensor.zero_();
}

Tensor xavier_uniform_(Tensor tensor, double gain, Generator* generator) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;
  return uniform_(tensor, -a, a, generator);
}

Tensor xavier_normal_(Tensor tensor, double gain, Generator* generator) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(tensor, 0., std, generator);
}

namespace {

bool has_zero_dim(const Tensor& t) {
  for (int64_t s : t.sizes())
    if (s == 0) return true;
  return false;
}

// torch's _calculate_correct_fan (mode compared in lower case).
int64_t correct_fan(const Tensor& tensor, std::string mode) {
  std::transform(mode.begin(), mode.end(), mode.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out", ValueError, "Mode ", mode,
              " not supported, please use one of ['fan_in', 'fan_out']");
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return mode == "fan_in" ? fan_in : fan_out;
}

}  // namespace

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode,
                        const std::string& nonlinearity, Generator* generator) {
  if (has_zero_dim(tensor)) return tensor;  // torch: "Initializing zero-element tensors is a no-op"
  const int64_t fan = correct_fan(tensor, mode);
  const double gain = calculate_gain(nonlinearity, a);
  const double std = gain / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound, generator);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode,
                       const std::string& nonlinearity, Generator* generator) {
  if (has_zero_dim(tensor)) return tensor;
  const int64_t fan = correct_fan(tensor, mode);
  const double gain = calculate_gain(nonlinearity, a);
  const double std = gain / std::sqrt(static_cast<double>(fan));
  return normal_(tensor, 0., std, generator);
}

}  // namespace ember::nn::init
