#pragma once
// torch.nn.functional.batch_norm / instance_norm / layer_norm / group_norm
// (torch.nn.functional's argument order and its Python-side checks; the ops
// are in ember/ops/norm.h).
#include <optional>

#include "ember/ops/norm.h"

namespace ember::nn::functional {

// ValueError "Expected more than 1 value per channel when training, ..." when
// training on one value per channel.
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var,
                  const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// ValueError "Expected more than 1 spatial element when training, ..." when
// use_input_stats with one spatial element.
Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& running_mean = std::nullopt,
                     const std::optional<Tensor>& running_var = std::nullopt,
                     const std::optional<Tensor>& weight = std::nullopt,
                     const std::optional<Tensor>& bias = std::nullopt, bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);

using ember::layer_norm;

// IndexError for fewer than 2 dims (torch 1.13 reads size(1) first), ValueError
// for one value per group.
Tensor group_norm(const Tensor& input, int64_t num_groups,
                  const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);

}  // namespace ember::nn::functional
