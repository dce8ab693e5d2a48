#pragma once
// torch.nn.functional's losses (the deprecated size_average / reduce
// arguments have no counterpart): the ops of ember/ops/loss.h.
#include "ember/ops/loss.h"

namespace ember::nn::functional {

using ember::binary_cross_entropy;
using ember::binary_cross_entropy_with_logits;
using ember::cosine_embedding_loss;
using ember::cross_entropy;
using ember::huber_loss;
using ember::kl_div;
using ember::l1_loss;
using ember::margin_ranking_loss;
using ember::mse_loss;
using ember::nll_loss;
using ember::pairwise_distance;
using ember::smooth_l1_loss;
using ember::triplet_margin_loss;

}  // namespace ember::nn::functional
