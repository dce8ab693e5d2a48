#pragma once
// torch.nn.functional's dropout family: p outside [0, 1] is a ValueError
// ("dropout probability has to be between 0 and 1, but got 1.5"); `training`
// false returns the input itself; `inplace` writes into it. gen: the
// generator the masks come from (nullptr: the default one).
#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember::nn::functional {

Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false,
               Generator* gen = nullptr);
Tensor alpha_dropout(const Tensor& x, double p = 0.5, bool training = false, bool inplace = false,
                     Generator* gen = nullptr);
Tensor feature_alpha_dropout(const Tensor& x, double p = 0.5, bool training = false,
                             bool inplace = false, Generator* gen = nullptr);
// One mask value per channel: inputs (N, C, L) or (C, L).
Tensor dropout1d(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false,
                 Generator* gen = nullptr);
// (N, C, H, W); a 3-dim input is taken as (N, C, L), as torch 1.13 does.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false,
                 Generator* gen = nullptr);
// (N, C, D, H, W) or (C, D, H, W).
Tensor dropout3d(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false,
                 Generator* gen = nullptr);

}  // namespace ember::nn::functional
