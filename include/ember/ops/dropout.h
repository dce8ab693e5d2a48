#pragma once
// Dropout, as torch.dropout / feature_dropout / alpha_dropout /
// feature_alpha_dropout (aten's _dropout_impl): in training, x times a
// Bernoulli(1 - p) mask scaled by 1 / (1 - p) (recorded as MulBackward0); the
// feature forms draw one mask value per (batch, channel), constant over the
// remaining dims; the alpha forms keep SELU's mean and variance (x * a*mask + b,
// recorded as AddBackward0 over MulBackward0). With p == 0, !train or an empty
// input the input itself is returned. Masks come from `gen` (nullptr: the
// default generator). p outside [0, 1] is a RuntimeError.
#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

Tensor dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor& dropout_(Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor feature_dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor& feature_dropout_(Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor alpha_dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor& alpha_dropout_(Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor feature_alpha_dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor& feature_alpha_dropout_(Tensor& x, double p, bool train, Generator* gen = nullptr);

}  // namespace ember
