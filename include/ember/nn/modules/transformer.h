#pragma once
// torch.nn.TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
// TransformerDecoder and Transformer (torch/nn/modules/transformer.py, 1.13).
//
//   auto layer = nn::make<nn::TransformerEncoderLayer>(
//       512, 8, nn::TransformerEncoderLayerOptions{.dropout = 0.1, .batch_first = true});
//   auto encoder = nn::make<nn::TransformerEncoder>(layer, 6);
//   Tensor y = encoder(x, mask, padding_mask);
//
// Submodule names as torch's (self_attn, linear1, dropout, linear2, norm1,
// norm2, dropout1, dropout2; multihead_attn, norm3, dropout3 in the decoder
// layer; layers.N and norm in the stacks; encoder and decoder in Transformer),
// so state_dict keys match. Stacks hold deep copies of the given layer (torch's
// _get_clones; the layer must have been made with nn::make). The masks are
// MultiheadAttention's (undefined: None). ember always computes torch's
// general path. torch 1.13's inference fast paths (eval mode without grad,
// batch_first) agree with it but for two cases: TransformerEncoder with a
// left-aligned bool src_key_padding_mask (nested tensors) gives 0 at the
// padded positions before its final norm, and a float key padding mask is
// read as a bool one there (nonzero: padded; TransformerEncoder fails on it).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/modules/container.h"
#include "ember/nn/modules/dropout.h"
#include "ember/nn/modules/linear.h"
#include "ember/nn/modules/multihead_attention.h"
#include "ember/nn/modules/normalization.h"

namespace ember::nn {

// The feed-forward activation: "relu" or "gelu" (torch's strings; another
// name is a RuntimeError "activation should be relu/gelu, not tanh" when the
// layer is built), any callable Tensor(const Tensor&), or a module handle
// (nn::make<nn::GELU>()), which the layer registers as its submodule
// "activation" as torch does; the layer calls its registered submodule, so a
// stack's copies each use their own copy (a PReLU's weight), as torch's
// deepcopy. (torch 1.13's TransformerDecoderLayer loses a module activation
// when deep-copied, running F.relu in TransformerDecoder and Transformer: a
// torch bug ember does not copy.)
struct TransformerActivation {
  TransformerActivation(const char* n) : name(n) {}  // NOLINT(google-explicit-constructor)
  TransformerActivation(std::string n) : name(std::move(n)) {}  // NOLINT
  template <typename F>
  requires std::is_invocable_r_v<Tensor, F, const Tensor&> &&
      (!std::is_convertible_v<F, std::string>)TransformerActivation(F f) {  // NOLINT
    if constexpr (std::is_convertible_v<F, std::shared_ptr<Module>>) module = f;
    fn = std::move(f);
  }
  Tensor operator()(const Tensor& x) const;

  std::string name;                         // "relu" / "gelu", or empty for fn
  std::function<Tensor(const Tensor&)> fn;  // a callable activation
  std::shared_ptr<Module> module;           // fn's module, when it is one
};

// The keyword arguments of torch's TransformerEncoderLayer and
// TransformerDecoderLayer, in its order.
struct TransformerEncoderLayerOptions {
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  TransformerActivation activation = "relu";
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  std::optional<DType> dtype = std::nullopt;  // torch's factory kwargs
  std::optional<Device> device = std::nullopt;
};
using TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(int64_t d_model, int64_t nhead,
                          const TransformerEncoderLayerOptions& options = {});
  // src (S, N, E) ((N, S, E) with batch_first) or (S, E); src_mask (S, S) or
  // (N * nhead, S, S); src_key_padding_mask (N, S) or (S).
  // (The one-tensor overload lets the module be called with one value, as
  // Sequential does; module_call's thunk cannot see default arguments.)
  Tensor forward(const Tensor& src) { return forward(src, Tensor()); }
  Tensor forward(const Tensor& src, const Tensor& src_mask,
                 const Tensor& src_key_padding_mask = {});

  Handle<MultiheadAttention> self_attn;
  Handle<Linear> linear1;
  Handle<Dropout> dropout;
  Handle<Linear> linear2;
  bool norm_first;
  Handle<LayerNorm> norm1, norm2;
  Handle<Dropout> dropout1, dropout2;
  TransformerActivation activation;
};

class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(int64_t d_model, int64_t nhead,
                          const TransformerDecoderLayerOptions& options = {});
  // tgt (T, N, E), memory (S, N, E) (batch first with batch_first); tgt_mask
  // (T, T), memory_mask (T, S); key padding masks (N, T) and (N, S).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});

  Handle<MultiheadAttention> self_attn, multihead_attn;
  Handle<Linear> linear1;
  Handle<Dropout> dropout;
  Handle<Linear> linear2;
  bool norm_first;
  Handle<LayerNorm> norm1, norm2, norm3;
  Handle<Dropout> dropout1, dropout2, dropout3;
  TransformerActivation activation;
};

// num_layers deep copies of encoder_layer in "layers" (a ModuleList), then
// `norm` (none: not registered, as torch's None attribute).
class TransformerEncoder : public Module {
 public:
  TransformerEncoder(const Handle<TransformerEncoderLayer>& encoder_layer, int64_t num_layers,
                     const Handle<LayerNorm>& norm = nullptr, bool enable_nested_tensor = true,
                     bool mask_check = true);
  Tensor forward(const Tensor& src) { return forward(src, Tensor()); }
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask = {});

  Handle<ModuleList> layers;
  int64_t num_layers;
  Handle<LayerNorm> norm;
  bool enable_nested_tensor, mask_check;
};

class TransformerDecoder : public Module {
 public:
  TransformerDecoder(const Handle<TransformerDecoderLayer>& decoder_layer, int64_t num_layers,
                     const Handle<LayerNorm>& norm = nullptr);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});

  Handle<ModuleList> layers;
  int64_t num_layers;
  Handle<LayerNorm> norm;
};

// The keyword arguments of torch's Transformer, in its order.
struct TransformerOptions {
  int64_t d_model = 512;
  int64_t nhead = 8;
  int64_t num_encoder_layers = 6;
  int64_t num_decoder_layers = 6;
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  TransformerActivation activation = "relu";
  Handle<TransformerEncoder> custom_encoder = nullptr;
  Handle<TransformerDecoder> custom_decoder = nullptr;
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};

// encoder (a TransformerEncoder with a final LayerNorm) and decoder (likewise);
// every parameter with more than one dim is re-drawn with xavier_uniform_, as
// torch's _reset_parameters.
class Transformer : public Module {
 public:
  explicit Transformer(const TransformerOptions& options = {});
  // RuntimeError "the batch number of src and tgt must be equal" / "the
  // feature number of src and tgt must be equal to d_model".
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = {},
                 const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& src_key_padding_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  // A float32 (sz, sz) mask: -inf above the diagonal, 0 elsewhere.
  static Tensor generate_square_subsequent_mask(int64_t sz, const Device& device = kCPU);

  Handle<TransformerEncoder> encoder;
  Handle<TransformerDecoder> decoder;
  int64_t d_model, nhead;
  bool batch_first;
};

}  // namespace ember::nn
