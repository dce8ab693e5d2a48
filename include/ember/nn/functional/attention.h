#pragma once
// torch.nn.functional.multi_head_attention_forward (torch/nn/functional.py,
// PyTorch 1.13): the attention of nn::MultiheadAttention as a function.
// Arguments in torch's order; None is an undefined Tensor. Shapes, seq-first:
//   query (L, N, E) or unbatched (L, E); key / value (S, N, E[k|v]) or (S, E);
//   key_padding_mask (N, S) or (S), bool (true: ignored) or float (added);
//   attn_mask (L, S) or (N * num_heads, L, S), bool, uint8 (as bool) or float.
// Returns (attn_output (L, N, E), attn_weights (N, L, S) averaged over the
// heads, (N, num_heads, L, S) with average_attn_weights = false, or undefined
// when need_weights = false). The attention weights are those after dropout.
// torch's AssertionErrors are ValueErrors here (same text); its RuntimeErrors
// (attn_mask shapes) are RuntimeErrors.
//
// Computation: the input projections are one GEMM when query, key and value
// are the same tensor (two when key is value). For float32 / float64 CPU
// tensors without bias_k / add_zero_attn / static_k, the attention runs as
// one fused op (backward node "ScaledDotProductAttentionBackward0", outputs
// the attention output and the weights): per (batch, head) GEMMs reading q,
// k, v where the projection wrote them, mask + softmax + dropout in place,
// the output written in the caller's layout. Otherwise it is torch's
// composite (baddbmm, softmax, dropout, bmm).
#include <tuple>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember::nn::functional {

std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim_to_check,
    int64_t num_heads, const Tensor& in_proj_weight, const Tensor& in_proj_bias,
    const Tensor& bias_k, const Tensor& bias_v, bool add_zero_attn, double dropout_p,
    const Tensor& out_proj_weight, const Tensor& out_proj_bias, bool training = true,
    const Tensor& key_padding_mask = {}, bool need_weights = true, const Tensor& attn_mask = {},
    bool use_separate_proj_weight = false, const Tensor& q_proj_weight = {},
    const Tensor& k_proj_weight = {}, const Tensor& v_proj_weight = {}, const Tensor& static_k = {},
    const Tensor& static_v = {}, bool average_attn_weights = true);

namespace detail {

// Everything multi_head_attention_forward takes, plus `batch_first`: batched
// query / key / value are (N, L, E) and the output is (N, L, E), computed
// without transposing copies of the inputs or the output (what
// nn::MultiheadAttention with batch_first = true uses). Error messages name
// the seq-first shapes torch sees after its transpose. gen: where the
// attention dropout's mask comes from (nullptr: the default generator).
struct MhaArgs {
  int64_t embed_dim_to_check = 0;
  int64_t num_heads = 0;
  Tensor in_proj_weight, in_proj_bias, bias_k, bias_v;
  bool add_zero_attn = false;
  double dropout_p = 0.0;
  Tensor out_proj_weight, out_proj_bias;
  bool training = true;
  Tensor key_padding_mask;
  bool need_weights = true;
  Tensor attn_mask;
  bool use_separate_proj_weight = false;
  Tensor q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v;
  bool average_attn_weights = true;
  bool batch_first = false;
  Generator* gen = nullptr;
  bool fused = true;  // false: always torch's composite (tests compare the two)
};
std::tuple<Tensor, Tensor> mha_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const MhaArgs& a);

}  // namespace detail

}  // namespace ember::nn::functional
