#pragma once
// Normalisation ops, as torch.batch_norm / layer_norm / group_norm /
// instance_norm (ATen's argument order; torch.nn.functional's order is in
// ember/nn/functional/normalization.h).
//
// CPU, float32 and float64 (float16/bfloat16 computed in float32), statistics
// in one pass with float64 accumulators, parallel over channels / rows. NCHW
// and channels_last inputs are read in place; batch_norm and group_norm keep
// the input's memory format, layer_norm and instance_norm give contiguous
// outputs (as PyTorch 1.13). Differentiable w.r.t. input, weight and bias
// ("NativeBatchNormBackward0", "NativeLayerNormBackward0",
// "NativeGroupNormBackward0"; instance_norm is batch_norm on a (1, N * C, *)
// view); only the gradients needed are computed. Second derivatives are not
// supported.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// input (N, C, *). training: normalises with the batch statistics over all
// dims but 1 and, where given, updates running_mean / running_var in place:
// running = (1 - momentum) * running + momentum * batch statistic (unbiased
// variance). Otherwise normalises with the running statistics (required).
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, bool training, double momentum,
                  double eps);

// Normalises over the trailing dims normalized_shape; weight and bias of that shape.
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);

// input (N, C, *), C divisible by num_groups; weight and bias (C).
Tensor group_norm(const Tensor& input, int64_t num_groups,
                  const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);

// Per-instance batch_norm: running stats (C) are updated with the mean over the batch.
Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& weight,
                     const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                     const std::optional<Tensor>& running_var, bool use_input_stats,
                     double momentum, double eps);

}  // namespace ember
