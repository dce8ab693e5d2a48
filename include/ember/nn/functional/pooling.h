#pragma once
// torch.nn.functional's pooling: the ops of ember/ops/pool.h under
// nn::functional (1-D, 2-D and 3-D), plus adaptive_avg_pool1d.
#include "ember/ops/pool.h"

namespace ember::nn::functional {

using ember::adaptive_avg_pool2d;
using ember::adaptive_avg_pool3d;
using ember::adaptive_max_pool1d;
using ember::adaptive_max_pool2d;
using ember::adaptive_max_pool3d;
using ember::avg_pool1d;
using ember::avg_pool2d;
using ember::avg_pool3d;
using ember::max_pool1d;
using ember::max_pool2d;
using ember::max_pool2d_with_indices;
using ember::max_pool3d;
using ember::max_pool3d_with_indices;

// (N, C, L) or (C, L) -> (..., output_size).
inline Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size) {
  return ember::adaptive_avg_pool2d(input.unsqueeze(-2), {1, output_size}).squeeze(-2);
}

}  // namespace ember::nn::functional
