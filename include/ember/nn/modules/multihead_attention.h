#pragma once
// torch.nn.MultiheadAttention (torch/nn/modules/activation.py, PyTorch 1.13).
//
//   auto mha = nn::make<nn::MultiheadAttention>(512, 8, nn::MultiheadAttentionOptions{
//                                                   .dropout = 0.1, .batch_first = true});
//   auto [out, weights] = mha(x, x, x);
//
// Parameters in torch's order and names: in_proj_weight [3E, E] (or
// q_proj_weight [E, E], k_proj_weight [E, kdim], v_proj_weight [E, vdim] when
// kdim or vdim differ from embed_dim), in_proj_bias [3E], the submodule
// out_proj (a Linear printed as NonDynamicallyQuantizableLinear), bias_k and
// bias_v [1, 1, E] with add_bias_kv. Initialised as torch's _reset_parameters:
// xavier_uniform_ projection weights, zero in_proj_bias and out_proj.bias,
// xavier_normal_ bias_k / bias_v.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/modules/linear.h"

namespace ember::nn {

// torch's NonDynamicallyQuantizableLinear: a Linear under another name.
class NonDynamicallyQuantizableLinear : public Linear {
 public:
  NonDynamicallyQuantizableLinear(int64_t in_features, int64_t out_features, bool bias = true,
                                  const TensorOptions& options = {})
      : Linear(in_features, out_features, bias, options) {
    set_name("NonDynamicallyQuantizableLinear");
  }
};

// The keyword arguments of torch's constructor, in its order.
struct MultiheadAttentionOptions {
  double dropout = 0.0;  // on the attention weights, in training mode
  bool bias = true;
  bool add_bias_kv = false;
  bool add_zero_attn = false;
  std::optional<int64_t> kdim = std::nullopt;  // None: embed_dim
  std::optional<int64_t> vdim = std::nullopt;
  bool batch_first = false;
  std::optional<DType> dtype = std::nullopt;  // torch's factory kwargs
  std::optional<Device> device = std::nullopt;
};

class MultiheadAttention : public Module {
 public:
  // ValueError "embed_dim must be divisible by num_heads" (torch's assert).
  MultiheadAttention(int64_t embed_dim, int64_t num_heads,
                     const MultiheadAttentionOptions& options = {});

  // query (L, N, E) ((N, L, E) with batch_first) or unbatched (L, E); key and
  // value (S, N, kdim / vdim) likewise; key_padding_mask (N, S) or (S), bool
  // or float; attn_mask (L, S) or (N * num_heads, L, S), bool or float.
  // Returns (attn_output, attn_weights): weights (N, L, S) averaged over the
  // heads ((N, num_heads, L, S) with average_attn_weights = false), undefined
  // when need_weights = false. See nn/functional/attention.h.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {},
                                     bool average_attn_weights = true);
  // torch's _reset_parameters.
  void reset_parameters();

  int64_t embed_dim, kdim, vdim, num_heads, head_dim;
  bool qkv_same_embed_dim;  // torch's _qkv_same_embed_dim
  double dropout;
  bool batch_first, add_zero_attn;
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias;
  Handle<NonDynamicallyQuantizableLinear> out_proj;
  Tensor bias_k, bias_v;
  // Where the attention dropout's masks come from (nullptr: the default generator).
  Generator* generator = nullptr;
};

}  // namespace ember::nn
