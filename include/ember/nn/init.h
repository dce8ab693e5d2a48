#pragma once
// nn::init (torch.nn.init): fill a tensor in place, without recording autograd
// history (each function runs under NoGradGuard), with torch's signatures,
// defaults and errors. Each takes and returns a handle to the
// tensor it fills (so a temporary such as get_parameter("w") works). The random ones take an
// optional generator (nullptr: the default generator; torch 1.13 has none).
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

// Fills with values from N(mean, std^2) truncated to [a, b] by torch's
// inverse-CDF method: U(2 cdf(a') - 1, 2 cdf(b') - 1), erfinv, scale, shift,
// clamp to [a, b] (a', b' the standardised bounds).
Tensor trunc_normal_(Tensor tensor, double mean = 0., double std = 1., double a = -2.,
                     double b = 2., Generator* generator = nullptr);

// The identity matrix (torch.eye) for a 2-D tensor; ValueError "Only tensors
// with 2 dimensions are supported" otherwise.
Tensor eye_(Tensor tensor);

// Dirac delta for 3-, 4- or 5-D convolution weights (out, in, *kernel): per
// group, weight[g * out_per_group + d, d, centre] = 1 for d < min(out per
// group, in), zero elsewhere, so the convolution passes its input channels
// through. ValueError "Only tensors with 3, 4, or 5 dimensions are supported",
// "dim 0 must be divisible by groups".
Tensor dirac_(Tensor tensor, int64_t groups = 1);

// A (semi-)orthogonal matrix, times gain: the Q of the QR decomposition of a
// N(0, 1) [rows, numel / rows] matrix (transposed first when rows < cols),
// columns multiplied by the signs of R's diagonal (Haar-distributed, as
// torch), reshaped to the tensor. Computed in float64 (Householder QR).
// ValueError "Only tensors with 2 or more dimensions are supported"; an empty
// tensor is left as it is.
Tensor orthogonal_(Tensor tensor, double gain = 1., Generator* generator = nullptr);

// N(0, std^2) with ceil(sparsity * rows) entries of every column set to zero
// (rows chosen by randperm). 2-D only (ValueError as torch).
Tensor sparse_(Tensor tensor, double sparsity, double std = 0.01, Generator* generator = nullptr);

}  // namespace ember::nn::init
