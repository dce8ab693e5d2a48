#pragma once
// Embedding lookups, as torch.embedding / embedding_renorm_ / embedding_bag
// (ATen's argument order: weight first; torch.nn.functional's order is in
// ember/nn/functional/embedding.h).
//
// CPU, any weight dtype for embedding (the gather copies rows), floating
// weights for embedding_bag (float16 / float32 / float64, as torch 1.13's CPU
// kernel; bfloat16 is refused as torch does). Indices int32 or int64 of any
// shape. Dense gradients only: sparse = true throws NotImplementedError.
#include <cstdint>
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// weight [V, D] looked up at indices (any shape): [*indices.shape, D].
// Differentiable w.r.t. weight ("EmbeddingBackward0"): the gradient rows are
// accumulated per index, none into row padding_idx (-1 or any value outside
// [0, V): no padding row); scale_grad_by_freq divides each row's gradient by
// the number of times its index occurs in indices. Errors: RuntimeError
// "'weight' must be 2-D", indices not int32/int64; IndexError "index out of
// range in self" for an index outside [0, V).
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1,
                 bool scale_grad_by_freq = false, bool sparse = false);

// In place, not recorded: each distinct row r of self indexed by indices whose
// norm_type-norm exceeds max_norm is scaled by max_norm / (norm + 1e-7)
// (torch.embedding_renorm_). self [V, D] floating; IndexError for an index
// outside [0, V), checked before any row changes.
Tensor& embedding_renorm_(Tensor& self, const Tensor& indices, double max_norm, double norm_type);

// torch.embedding_bag's first output: B bags of indices (1-D) reduced to
// [B, D]. Bag b holds indices[offsets[b] : offsets[b + 1]] (the last bag ends
// at indices.numel(), or with include_last_offset the last offset ends the
// last bag and B = offsets.numel() - 1). mode 0 sum, 1 mean, 2 max; entries
// equal to padding_idx (in [-V, V), negative wraps) are left out of their bag (and of a mean's
// count); an empty bag gives zeros. per_sample_weights (sum only, same dtype as weight, 1-D like
// indices) scales each looked-up row. Differentiable w.r.t. weight and per_sample_weights
// ("EmbeddingBagBackward0"); max sends each output's gradient to the first row that reached the
// maximum.
Tensor embedding_bag(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                     bool scale_grad_by_freq = false, int64_t mode = 0, bool sparse = false,
                     const std::optional<Tensor>& per_sample_weights = std::nullopt,
                     bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace ember
