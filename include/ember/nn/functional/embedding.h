#pragma once
// torch.nn.functional.embedding / embedding_bag: torch.nn.functional's
// argument order (input first) and its Python-side checks, over the ops of
// ember/ops/embedding.h. torch's AssertionErrors are ValueErrors here.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/ops/embedding.h"

namespace ember::nn::functional {

// Rows of weight [V, D] at input (any shape): [*input.shape, D]. padding_idx
// in [-V, V) (negative wraps; ValueError "Padding_idx must be within
// num_embeddings" otherwise): no gradient into that row. max_norm: the rows
// looked up are first renormalised in place (embedding_renorm_, not recorded)
// to norm_type-norm at most max_norm.
Tensor embedding(const Tensor& input, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.,
                 bool scale_grad_by_freq = false, bool sparse = false);

// Bags of rows reduced by mode "sum", "mean" or "max": input 2-D (B, N) (B
// bags of N, offsets must be none) or 1-D with 1-D offsets. per_sample_weights
// (input's shape) only with "sum" (NotImplementedError otherwise). Errors as
// torch's (ValueError for the Python-side checks).
Tensor embedding_bag(const Tensor& input, const Tensor& weight,
                     const std::optional<Tensor>& offsets = std::nullopt,
                     std::optional<double> max_norm = std::nullopt, double norm_type = 2.,
                     bool scale_grad_by_freq = false, const std::string& mode = "mean",
                     bool sparse = false,
                     const std::optional<Tensor>& per_sample_weights = std::nullopt,
                     bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace ember::nn::functional
