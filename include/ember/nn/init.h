#pragma once
// nn::init (torch.nn.init): fill a tensor in place, without recording autograd
// history (each function runs under NoGradGuard), with torch's signatures,
// defaults and errors. Each takes and returns a handle to the
// tensor it fills (so a temporary such as get_parameter("w") works). The random ones take an
// optional generator (nullptr: the default generator; torch 1.13 has none).
//
// Only what Linear needs so far; the others come with the layers.
#include <optional>
#include <string>
#include <utility>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember::nn::init {

// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain):
// linear, conv*, conv_transpose*, sigmoid: 1; tanh: 5/3; relu: sqrt(2);
// leaky_relu: sqrt(2 / (1 + slope^2)) with slope = param or 0.01; selu: 3/4.
// ValueError "Unsupported nonlinearity <name>" otherwise.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

// torch.nn.init._calculate_fan_in_and_fan_out: {size(1) * receptive field,
// size(0) * receptive field}; ValueError for fewer than 2 dimensions.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = 0., double b = 1., Generator* generator = nullptr);
Tensor normal_(Tensor tensor, double mean = 0., double std = 1., Generator* generator = nullptr);
Tensor constant_(Tensor tensor, double val);
Tensor ones_(Tensor tensor);
Tensor zeros_(Tensor tensor);

// Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), resp.
// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1., Generator* generator = nullptr);
Tensor xavier_normal_(Tensor tensor, double gain = 1., Generator* generator = nullptr);

// He: U(-b, b) with b = gain * sqrt(3 / fan), resp. N(0, (gain / sqrt(fan))^2);
// fan is fan_in or fan_out by mode (ValueError "Mode ... not supported, please
// use one of ['fan_in', 'fan_out']"), gain = calculate_gain(nonlinearity, a).
// A tensor with a zero-size dimension is left as it is (torch warns).
Tensor kaiming_uniform_(Tensor tensor, double a = 0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu",
                        Generator* generator = nullptr);
Tensor kaiming_normal_(Tensor tensor, double a = 0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu",
                       Generator* generator = nullptr);

}  // namespace ember::nn::init
