#pragma once
// Loss functions, as torch.nn.functional's (aten's ops underneath), with
// reduction "none", "mean" (default) or "sum"; another string is a ValueError
// ("<r> is not a valid value for reduction"). Autograd records PyTorch's nodes:
// NllLossBackward0 (NllLoss2DBackward0 for inputs of more than 2 dims),
// MseLossBackward0, SmoothL1LossBackward0, HuberLossBackward0,
// BinaryCrossEntropyBackward0, BinaryCrossEntropyWithLogitsBackward0; the
// others are composed of recorded ops as PyTorch composes them.
#include <string>

#include "ember/core/tensor.h"

namespace ember {

// input (C), (N, C) or (N, C, d1, ...): log-probabilities; target int64 class
// indices (), (N) or (N, d1, ...). weight: one per class (undefined: all 1).
// Targets equal to ignore_index contribute nothing (nor to the mean's weight).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                int64_t ignore_index = -100, const std::string& reduction = "mean");
// Class indices (target of int64, input's shape without the class dim), or
// class probabilities (target of input's shape, floating).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, const std::string& reduction = "mean",
                     double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const std::string& reduction = "mean", double beta = 1.0);
Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                  double delta = 1.0);
// input: probabilities; log terms clamped at -100 as PyTorch's.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            const std::string& reduction = "mean");
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = {},
                                        const std::string& reduction = "mean",
                                        const Tensor& pos_weight = {});
// reduction also "batchmean" (the sum divided by the batch size).
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
              bool log_target = false);
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin = 0.0, const std::string& reduction = "mean");
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin = 0.0, const std::string& reduction = "mean");
// ||a - p + eps||_p and ||a - n + eps||_p over the last dim; swap: the distance
// from positive to negative if smaller.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6,
                         bool keepdim = false);
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin = 1.0, double p = 2.0, double eps = 1e-6,
                           bool swap = false, const std::string& reduction = "mean");

}  // namespace ember
