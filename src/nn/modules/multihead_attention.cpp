#include "ember/nn/modules/multihead_attention.h"

#include "ember/core/grad_mode.h"
#include "ember/nn/functional/attention.h"
#include "ember/nn/init.h"
#include "ember/ops/factory.h"
#include "nn/modules/module_helpers.h"

namespace ember::nn {

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_,
                                       const MultiheadAttentionOptions& o)
    : Module("MultiheadAttention"),
      embed_dim(embed_dim_),
      kdim(o.kdim.value_or(embed_dim_)),
      vdim(o.vdim.value_or(embed_dim_)),
      num_heads(num_heads_),
      head_dim(0),
      qkv_same_embed_dim(kdim == embed_dim_ && vdim == embed_dim_),
      dropout(o.dropout),
      batch_first(o.batch_first),
      add_zero_attn(o.add_zero_attn) {
  EMBER_CHECK(num_heads != 0, ValueError, "integer division or modulo by zero");
  // Python's floor division.
  head_dim = embed_dim / num_heads;
  if ((embed_dim % num_heads != 0) && ((embed_dim < 0) != (num_heads < 0))) --head_dim;
  EMBER_CHECK(head_dim * num_heads == embed_dim, ValueError,
              "embed_dim must be divisible by num_heads");
  const TensorOptions f = detail::factory_options(o.dtype, o.device);
  // Every tensor first (a negative size throws before anything is registered).
  Tensor wq, wk, wv, w;
  if (!qkv_same_embed_dim) {
    wq = empty({embed_dim, embed_dim}, f);
    wk = empty({embed_dim, kdim}, f);
    wv = empty({embed_dim, vdim}, f);
  } else {
    w = empty({3 * embed_dim, embed_dim}, f);
  }
  Tensor b = o.bias ? empty({3 * embed_dim}, f) : Tensor();
  auto out = make<NonDynamicallyQuantizableLinear>(embed_dim, embed_dim, o.bias, f);
  Tensor bk, bv;
  if (o.add_bias_kv) {
    bk = empty({1, 1, embed_dim}, f);
    bv = empty({1, 1, embed_dim}, f);
  }
  // torch's attribute order (state_dict keys follow it).
  if (!qkv_same_embed_dim) {
    register_parameter("q_proj_weight", wq, &q_proj_weight);
    register_parameter("k_proj_weight", wk, &k_proj_weight);
    register_parameter("v_proj_weight", wv, &v_proj_weight);
    register_parameter("in_proj_weight", Tensor());
  } else {
    register_parameter("in_proj_weight", w, &in_proj_weight);
    register_parameter("q_proj_weight", Tensor());
    register_parameter("k_proj_weight", Tensor());
    register_parameter("v_proj_weight", Tensor());
  }
  register_parameter("in_proj_bias", b, &in_proj_bias);
  out_proj = register_module("out_proj", out);
  if (o.add_bias_kv) {
    register_parameter("bias_k", bk, &bias_k);
    register_parameter("bias_v", bv, &bias_v);
  }
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  NoGradGuard no_grad;
  if (qkv_same_embed_dim) {
    init::xavier_uniform_(in_proj_weight);
  } else {
    init::xavier_uniform_(q_proj_weight);
    init::xavier_uniform_(k_proj_weight);
    init::xavier_uniform_(v_proj_weight);
  }
  if (in_proj_bias.defined()) {
    init::constant_(in_proj_bias, 0.);
    init::constant_(out_proj->bias, 0.);
  }
  if (bias_k.defined()) init::xavier_normal_(bias_k);
  if (bias_v.defined()) init::xavier_normal_(bias_v);
}

std::tuple<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                                       const Tensor& value,
                                                       const Tensor& key_padding_mask,
                                                       bool need_weights, const Tensor& attn_mask,
                                                       bool average_attn_weights) {
  EMBER_CHECK(!key_padding_mask.defined() || key_padding_mask.dtype() == DType::Bool ||
                  key_padding_mask.is_floating_point(),
              ValueError, "only bool and floating types of key_padding_mask are supported");
  functional::detail::MhaArgs a;
  a.embed_dim_to_check = embed_dim;
  a.num_heads = num_heads;
  a.in_proj_weight = in_proj_weight;
  a.in_proj_bias = in_proj_bias;
  a.bias_k = bias_k;
  a.bias_v = bias_v;
  a.add_zero_attn = add_zero_attn;
  a.dropout_p = dropout;
  a.out_proj_weight = out_proj->weight;
  a.out_proj_bias = out_proj->bias;
  a.training = is_training();
  a.key_padding_mask = key_padding_mask;
  a.need_weights = need_weights;
  a.attn_mask = attn_mask;
  a.use_separate_proj_weight = !qkv_same_embed_dim;
  a.q_proj_weight = q_proj_weight;
  a.k_proj_weight = k_proj_weight;
  a.v_proj_weight = v_proj_weight;
  a.average_attn_weights = average_attn_weights;
  // batch_first: the functional works in (N, L, E) directly (torch transposes).
  a.batch_first = batch_first;
  a.gen = generator;
  return functional::detail::mha_forward(query, key, value, a);
}

}  // namespace ember::nn
