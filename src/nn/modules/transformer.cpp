#include "ember/nn/modules/transformer.h"

#include <limits>
#include <type_traits>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/grad_mode.h"
#include "ember/nn/init.h"
#include "ember/ops/activation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "nn/modules/module_helpers.h"

namespace ember::nn {

namespace {

// _get_activation_fn's check, when the layer is built.
TransformerActivation checked(const TransformerActivation& a) {
  EMBER_CHECK(a.fn || a.name == "relu" || a.name == "gelu", RuntimeError,
              "activation should be relu/gelu, not ", a.name);
  return a;
}

void check_kpm_dtype(const Tensor& kpm) {
  EMBER_CHECK(!kpm.defined() || kpm.dtype() == DType::Bool || kpm.is_floating_point(), ValueError,
              "only bool and floating types of key_padding_mask are supported");
}

MultiheadAttentionOptions attn_options(const TransformerEncoderLayerOptions& o) {
  return {.dropout = o.dropout, .batch_first = o.batch_first, .dtype = o.dtype, .device = o.device};
}

// The submodules of a layer, registered in torch's order (state_dict keys and
// the initialisation's random draws): self_attn, [multihead_attn,] linear1,
// dropout, linear2, norm1, norm2, [norm3,] dropout1, dropout2, [dropout3,]
// activation (a module one); bracketed: the decoder layer's only.
template <typename L>
void register_layer_modules(L& l, int64_t d_model, int64_t nhead,
                            const TransformerEncoderLayerOptions& o) {
  constexpr bool decoder = std::is_same_v<L, TransformerDecoderLayer>;
  const TensorOptions f = detail::factory_options(o.dtype, o.device);
  const std::vector<int64_t> shape{d_model};
  const auto attention = [&] { return make<MultiheadAttention>(d_model, nhead, attn_options(o)); };
  const auto layer_norm = [&] { return make<LayerNorm>(shape, o.layer_norm_eps, true, f); };
  const auto dropout = [&] { return make<Dropout>(o.dropout); };
  l.self_attn = l.register_module("self_attn", attention());
  if constexpr (decoder) l.multihead_attn = l.register_module("multihead_attn", attention());
  l.linear1 = l.register_module("linear1", make<Linear>(d_model, o.dim_feedforward, true, f));
  l.dropout = l.register_module("dropout", dropout());
  l.linear2 = l.register_module("linear2", make<Linear>(o.dim_feedforward, d_model, true, f));
  l.norm1 = l.register_module("norm1", layer_norm());
  l.norm2 = l.register_module("norm2", layer_norm());
  if constexpr (decoder) l.norm3 = l.register_module("norm3", layer_norm());
  l.dropout1 = l.register_module("dropout1", dropout());
  l.dropout2 = l.register_module("dropout2", dropout());
  if constexpr (decoder) l.dropout3 = l.register_module("dropout3", dropout());
  if (l.activation.module) l.register_module("activation", l.activation.module);
}

// One residual sub-layer: x + block(norm(x)) with norm_first, else
// norm(x + block(x)).
template <typename Block>
Tensor residual(bool norm_first, const Handle<LayerNorm>& norm, const Tensor& x, Block&& block) {
  if (norm_first) return x + block(norm(x));
  return norm(x + block(x));
}

// torch's _sa_block (memory = x) and the decoder's _mha_block: attention's
// output through `drop`.
Tensor attention_block(const Handle<MultiheadAttention>& attn, const Handle<Dropout>& drop,
                       const Tensor& x, const Tensor& memory, const Tensor& attn_mask,
                       const Tensor& key_padding_mask) {
  return drop(std::get<0>(attn(x, memory, memory, key_padding_mask, false, attn_mask)));
}

// torch's self.activation(x): a module activation is looked up as the
// layer's registered submodule "activation", which in a copy (a stack's
// layers, clone()) is the copy's own, with its own parameters (PReLU's
// weight); activation.fn still calls the original module.
template <typename L>
Tensor activate(L& l, const Tensor& x) {
  if (l.activation.module) {
    const ModulePtr* m = l.named_children_local().find("activation");
    if (m && *m) return (*m)->call({x}).tensor();
  }
  return l.activation(x);
}

// torch's _ff_block; `drop` is dropout2 in the encoder layer, dropout3 in the
// decoder layer.
template <typename L>
Tensor ff_block(L& l, const Handle<Dropout>& drop, const Tensor& x) {
  return drop(l.linear2(l.dropout(activate(l, l.linear1(x)))));
}

// num_layers deep copies of `layer` (torch's _get_clones).
template <typename L>
Handle<ModuleList> clones(const Handle<L>& layer, int64_t n) {
  EMBER_CHECK(layer != nullptr, TypeError, "the layer to clone is None");
  std::vector<ModulePtr> copies;
  for (int64_t i = 0; i < n; ++i) copies.push_back(layer->clone());
  return make<ModuleList>(copies);
}

template <typename L>
L& layer_at(Module& m, const char* what) {
  L* l = dynamic_cast<L*>(&m);
  EMBER_CHECK(l != nullptr, TypeError, "expected a ", what, " in layers, got ", m.name());
  return *l;
}

}  // namespace

Tensor TransformerActivation::operator()(const Tensor& x) const {
  if (fn) return fn(x);
  if (name == "gelu") return ember::gelu(x);
  return ember::relu(x);
}

// ---- TransformerEncoderLayer

TransformerEncoderLayer::TransformerEncoderLayer(int64_t d_model, int64_t nhead,
                                                 const TransformerEncoderLayerOptions& o)
    : Module("TransformerEncoderLayer"),
      norm_first(o.norm_first),
      activation(checked(o.activation)) {
  register_layer_modules(*this, d_model, nhead, o);
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                        const Tensor& src_key_padding_mask) {
  check_kpm_dtype(src_key_padding_mask);
  const Tensor x = residual(norm_first, norm1, src, [&](const Tensor& y) {
    return attention_block(self_attn, dropout1, y, y, src_mask, src_key_padding_mask);
  });
  return residual(norm_first, norm2, x,
                  [&](const Tensor& y) { return ff_block(*this, dropout2, y); });
}

// ---- TransformerDecoderLayer

TransformerDecoderLayer::TransformerDecoderLayer(int64_t d_model, int64_t nhead,
                                                 const TransformerDecoderLayerOptions& o)
    : Module("TransformerDecoderLayer"),
      norm_first(o.norm_first),
      activation(checked(o.activation)) {
  register_layer_modules(*this, d_model, nhead, o);
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory,
                                        const Tensor& tgt_mask, const Tensor& memory_mask,
                                        const Tensor& tgt_key_padding_mask,
                                        const Tensor& memory_key_padding_mask) {
  Tensor x = residual(norm_first, norm1, tgt, [&](const Tensor& y) {
    return attention_block(self_attn, dropout1, y, y, tgt_mask, tgt_key_padding_mask);
  });
  x = residual(norm_first, norm2, x, [&](const Tensor& y) {
    return attention_block(multihead_attn, dropout2, y, memory, memory_mask,
                           memory_key_padding_mask);
  });
  return residual(norm_first, norm3, x,
                  [&](const Tensor& y) { return ff_block(*this, dropout3, y); });
}

// ---- the stacks

TransformerEncoder::TransformerEncoder(const Handle<TransformerEncoderLayer>& encoder_layer,
                                       int64_t num_layers_, const Handle<LayerNorm>& norm_,
                                       bool enable_nested_tensor_, bool mask_check_)
    : Module("TransformerEncoder"),
      num_layers(num_layers_),
      enable_nested_tensor(enable_nested_tensor_),
      mask_check(mask_check_) {
  layers = register_module("layers", clones(encoder_layer, num_layers));
  if (norm_) norm = register_module("norm", norm_);
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask,
                                   const Tensor& src_key_padding_mask) {
  check_kpm_dtype(src_key_padding_mask);
  Tensor output = src;
  for (const ModulePtr& m : *layers)
    output = nn::call(layer_at<TransformerEncoderLayer>(*m, "TransformerEncoderLayer"), output,
                      mask, src_key_padding_mask);
  if (norm) output = norm(output);
  return output;
}

TransformerDecoder::TransformerDecoder(const Handle<TransformerDecoderLayer>& decoder_layer,
                                       int64_t num_layers_, const Handle<LayerNorm>& norm_)
    : Module("TransformerDecoder"), num_layers(num_layers_) {
  layers = register_module("layers", clones(decoder_layer, num_layers));
  if (norm_) norm = register_module("norm", norm_);
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                   const Tensor& memory_key_padding_mask) {
  Tensor output = tgt;
  for (const ModulePtr& m : *layers)
    output = nn::call(layer_at<TransformerDecoderLayer>(*m, "TransformerDecoderLayer"), output,
                      memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  if (norm) output = norm(output);
  return output;
}

// ---- Transformer

Transformer::Transformer(const TransformerOptions& o)
    : Module("Transformer"), d_model(o.d_model), nhead(o.nhead), batch_first(o.batch_first) {
  const TensorOptions f = detail::factory_options(o.dtype, o.device);
  const TransformerEncoderLayerOptions lo{.dim_feedforward = o.dim_feedforward,
                                          .dropout = o.dropout,
                                          .activation = o.activation,
                                          .layer_norm_eps = o.layer_norm_eps,
                                          .batch_first = o.batch_first,
                                          .norm_first = o.norm_first,
                                          .dtype = o.dtype,
                                          .device = o.device};
  const std::vector<int64_t> shape{o.d_model};
  Handle<TransformerEncoder> enc = o.custom_encoder;
  if (!enc)
    enc = make<TransformerEncoder>(make<TransformerEncoderLayer>(o.d_model, o.nhead, lo),
                                   o.num_encoder_layers,
                                   make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  Handle<TransformerDecoder> dec = o.custom_decoder;
  if (!dec)
    dec = make<TransformerDecoder>(make<TransformerDecoderLayer>(o.d_model, o.nhead, lo),
                                   o.num_decoder_layers,
                                   make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  encoder = register_module("encoder", enc);
  decoder = register_module("decoder", dec);
  NoGradGuard no_grad;
  for (Tensor& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

Tensor Transformer::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask,
                            const Tensor& tgt_mask, const Tensor& memory_mask,
                            const Tensor& src_key_padding_mask, const Tensor& tgt_key_padding_mask,
                            const Tensor& memory_key_padding_mask) {
  const bool is_batched = src.dim() == 3;
  EMBER_CHECK(!is_batched || src.size(batch_first ? 0 : 1) == tgt.size(batch_first ? 0 : 1),
              RuntimeError, "the batch number of src and tgt must be equal");
  EMBER_CHECK(src.size(-1) == d_model && tgt.size(-1) == d_model, RuntimeError,
              "the feature number of src and tgt must be equal to d_model");
  const Tensor memory = encoder(src, src_mask, src_key_padding_mask);
  return decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

Tensor Transformer::generate_square_subsequent_mask(int64_t sz, const Device& device) {
  EMBER_CHECK(sz >= 0, RuntimeError, "Trying to create tensor with negative dimension ", sz, ": [",
              sz, ", ", sz, "]");
  Tensor m = zeros({sz, sz}, {.dtype = kFloat32});
  float* p = static_cast<float*>(m.data_ptr());
  for (int64_t i = 0; i < sz; ++i)
    for (int64_t j = i + 1; j < sz; ++j) p[i * sz + j] = -std::numeric_limits<float>::infinity();
  return device == kCPU ? m : m.to(device);
}

}  // namespace ember::nn
