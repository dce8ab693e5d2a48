#pragma once
// torch.nn.functional.linear and bilinear.
#include <optional>

#include "ember/ops/linalg.h"

namespace ember::nn::functional {

using ember::linear;

// y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]:
// input1 (*, in1) and input2 (*, in2) with the same leading dims (no
// broadcasting, as torch), weight (out, in1, in2), bias (out). Composed of
// differentiable ops (one matrix product over all rows, then a batched dot).
// RuntimeErrors as torch's ("bilinear(): input batch dimensions do not match
// at dim 0: got 2 and 1", ...).
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight,
                const std::optional<Tensor>& bias = std::nullopt);

}  // namespace ember::nn::functional
