#include "ember/nn/modules/transformer.h"

#include <limits>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/grad_mode.h"
#include "ember/nn/init.h"
#include "ember/ops/activation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"

namespace ember::nn {

namespace {

TensorOptions factory(const std::optional<DType>& dtype, const std::optional<Device>& device) {
  TensorOptions f;
  f.dtype = dtype;
  if (device) f.device = *device;
  return f;
}

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
  const TensorOptions f = factory(o.dtype, o.device);
  const std::vector<int64_t> shape{d_model};
  self_attn =
      register_module("self_attn", make<MultiheadAttention>(d_model, nhead, attn_options(o)));
  linear1 = register_module("linear1", make<Linear>(d_model, o.dim_feedforward, true, f));
  dropout = register_module("dropout", make<Dropout>(o.dropout));
  linear2 = register_module("linear2", make<Linear>(o.dim_feedforward, d_model, true, f));
  norm1 = register_module("norm1", make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  norm2 = register_module("norm2", make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  dropout1 = register_module("dropout1", make<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", make<Dropout>(o.dropout));
  if (activation.module) register_module("activation", activation.module);
}

Tensor TransformerEncoderLayer::sa_block(const Tensor& x, const Tensor& attn_mask,
                                         const Tensor& key_padding_mask) {
  return dropout1(std::get<0>(self_attn(x, x, x, key_padding_mask, false, attn_mask)));
}

Tensor TransformerEncoderLayer::ff_block(const Tensor& x) {
  return dropout2(linear2(dropout(activation(linear1(x)))));
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                        const Tensor& src_key_padding_mask) {
  check_kpm_dtype(src_key_padding_mask);
  Tensor x = src;
  if (norm_first) {
    x = x + sa_block(norm1(x), src_mask, src_key_padding_mask);
    x = x + ff_block(norm2(x));
  } else {
    x = norm1(x + sa_block(x, src_mask, src_key_padding_mask));
    x = norm2(x + ff_block(x));
  }
  return x;
}

// ---- TransformerDecoderLayer

TransformerDecoderLayer::TransformerDecoderLayer(int64_t d_model, int64_t nhead,
                                                 const TransformerDecoderLayerOptions& o)
    : Module("TransformerDecoderLayer"),
      norm_first(o.norm_first),
      activation(checked(o.activation)) {
  const TensorOptions f = factory(o.dtype, o.device);
  const std::vector<int64_t> shape{d_model};
  self_attn =
      register_module("self_attn", make<MultiheadAttention>(d_model, nhead, attn_options(o)));
  multihead_attn =
      register_module("multihead_attn", make<MultiheadAttention>(d_model, nhead, attn_options(o)));
  linear1 = register_module("linear1", make<Linear>(d_model, o.dim_feedforward, true, f));
  dropout = register_module("dropout", make<Dropout>(o.dropout));
  linear2 = register_module("linear2", make<Linear>(o.dim_feedforward, d_model, true, f));
  norm1 = register_module("norm1", make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  norm2 = register_module("norm2", make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  norm3 = register_module("norm3", make<LayerNorm>(shape, o.layer_norm_eps, true, f));
  dropout1 = register_module("dropout1", make<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", make<Dropout>(o.dropout));
  dropout3 = register_module("dropout3", make<Dropout>(o.dropout));
  if (activation.module) register_module("activation", activation.module);
}

Tensor TransformerDecoderLayer::sa_block(const Tensor& x, const Tensor& attn_mask,
                                         const Tensor& key_padding_mask) {
  return dropout1(std::get<0>(self_attn(x, x, x, key_padding_mask, false, attn_mask)));
}

Tensor TransformerDecoderLayer::mha_block(const Tensor& x, const Tensor& mem,
                                          const Tensor& attn_mask, const Tensor& key_padding_mask) {
  return dropout2(std::get<0>(multihead_attn(x, mem, mem, key_padding_mask, false, attn_mask)));
}

Tensor TransformerDecoderLayer::ff_block(const Tensor& x) {
  return dropout3(linear2(dropout(activation(linear1(x)))));
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory,
                                        const Tensor& tgt_mask, const Tensor& memory_mask,
                                        const Tensor& tgt_key_padding_mask,
                                        const Tensor& memory_key_padding_mask) {
  Tensor x = tgt;
  if (norm_first) {
    x = x + sa_block(norm1(x), tgt_mask, tgt_key_padding_mask);
    x = x + mha_block(norm2(x), memory, memory_mask, memory_key_padding_mask);
    x = x + ff_block(norm3(x));
  } else {
    x = norm1(x + sa_block(x, tgt_mask, tgt_key_padding_mask));
    x = norm2(x + mha_block(x, memory, memory_mask, memory_key_padding_mask));
    x = norm3(x + ff_block(x));
  }
  return x;
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
  const TensorOptions f = factory(o.dtype, o.device);
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
