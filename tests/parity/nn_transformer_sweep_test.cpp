// Seeded random nn::TransformerEncoderLayer, TransformerDecoderLayer,
// TransformerEncoder, TransformerDecoder and Transformer configurations
// against torch (tests/parity/gen_nn_transformer_sweep.py): every constructor
// option, activations given as strings, callables and modules, masks of each
// kind, unbatched inputs, train and eval mode; outputs and the gradients of
// the inputs and of every parameter.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/autograd/engine.h"
#include "ember/nn/modules/activation.h"
#include "ember/nn/modules/transformer.h"
#include "ember/ops/activation.h"
#include "ember/ops/elementwise.h"
#include "support/parity.h"
#include "support/state_dict_values.h"

using namespace ember;
using namespace ember::nn;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

// The int64 parameters (the generator's P), in order.
enum P : size_t {
  kKind,
  kDModel,
  kNHead,
  kDimFF,
  kActivation,
  kBatchFirst,
  kNormFirst,
  kNumEncoderLayers,
  kNumDecoderLayers,
  kEncoderNorm,
  kDecoderNorm,
  kTrain,
  kDouble,
  kEnableNestedTensor,
  kMaskCheck,
  kCustomEncoder,
  kCustomDecoder,
  kNumP = kCustomDecoder + 4,  // then S, T, N
};
enum Kind : int64_t { kEncLayer, kDecLayer, kEncoder, kDecoder, kTransformer };

// The generator's activations: "relu", "gelu", callables tanh and silu,
// modules GELU("tanh"), PReLU and Tanh (a fresh module each time).
TransformerActivation activation(int64_t a, DType dtype) {
  switch (a) {
    case 0:
      return "relu";
    case 1:
      return "gelu";
    case 2:
      return [](const Tensor& x) { return ember::tanh(x); };
    case 3:
      return [](const Tensor& x) { return ember::silu(x); };
    case 4:
      return make<GELU>("tanh");
    case 5:
      return make<PReLU>(1, 0.25, TensorOptions{.dtype = dtype});
    case 6:
      return make<Tanh>();
    default:
      EMBER_CHECK(false, RuntimeError, "unknown activation ", a);
  }
}

// A stack's final norm: 0 none, 1 LayerNorm, 2 LayerNorm without affine.
Handle<LayerNorm> final_norm(int64_t kind, int64_t d_model, double eps, DType dtype) {
  if (kind == 0) return nullptr;
  return make<LayerNorm>(std::vector<int64_t>{d_model}, eps, kind == 1,
                         TensorOptions{.dtype = dtype});
}

Tensor opt(const Tensor& t) { return t.numel() ? t : Tensor(); }

// in: the int64 parameters, (dropout, layer_norm_eps, encoder norm eps,
// decoder norm eps), src, tgt, memory, src_mask, tgt_mask, memory_mask,
// src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask
// (empty: none), the output's gradient, then the state_dict values in key order.
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const auto p = in[0].tolist<int64_t>();
  const auto f = in[1].tolist<double>();
  EMBER_CHECK(p.size() == kNumP && f.size() == 4, RuntimeError, "bad parameters");
  const int64_t E = p[kDModel], H = p[kNHead], act = p[kActivation];
  const DType dtype = p[kDouble] ? kFloat64 : kFloat32;
  const auto layer_options = [&] {
    return TransformerEncoderLayerOptions{.dim_feedforward = p[kDimFF],
                                          .dropout = f[0],
                                          .activation = activation(act, dtype),
                                          .layer_norm_eps = f[1],
                                          .batch_first = p[kBatchFirst] != 0,
                                          .norm_first = p[kNormFirst] != 0,
                                          .dtype = dtype};
  };
  const auto encoder = [&] {
    return make<TransformerEncoder>(make<TransformerEncoderLayer>(E, H, layer_options()),
                                    p[kNumEncoderLayers],
                                    final_norm(p[kEncoderNorm], E, f[2], dtype),
                                    p[kEnableNestedTensor] != 0, p[kMaskCheck] != 0);
  };
  const auto decoder = [&] {
    return make<TransformerDecoder>(make<TransformerDecoderLayer>(E, H, layer_options()),
                                    p[kNumDecoderLayers],
                                    final_norm(p[kDecoderNorm], E, f[3], dtype));
  };
  ModulePtr m;
  std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)> call;
  const Tensor src_mask = opt(in[5]), tgt_mask = opt(in[6]), memory_mask = opt(in[7]),
               src_kpm = opt(in[8]), tgt_kpm = opt(in[9]), memory_kpm = opt(in[10]);
  switch (p[kKind]) {
    case kEncLayer: {
      auto l = make<TransformerEncoderLayer>(E, H, layer_options());
      call = [=](const Tensor& src, const Tensor&, const Tensor&) {
        return l(src, src_mask, src_kpm);
      };
      m = l;
      break;
    }
    case kDecLayer: {
      auto l = make<TransformerDecoderLayer>(E, H, layer_options());
      call = [=](const Tensor&, const Tensor& tgt, const Tensor& memory) {
        return l(tgt, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm);
      };
      m = l;
      break;
    }
    case kEncoder: {
      auto s = encoder();
      call = [=](const Tensor& src, const Tensor&, const Tensor&) {
        return s(src, src_mask, src_kpm);
      };
      m = s;
      break;
    }
    case kDecoder: {
      auto s = decoder();
      call = [=](const Tensor&, const Tensor& tgt, const Tensor& memory) {
        return s(tgt, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm);
      };
      m = s;
      break;
    }
    case kTransformer: {
      const TransformerEncoderLayerOptions lo = layer_options();
      auto t = make<Transformer>(
          TransformerOptions{.d_model = E,
                             .nhead = H,
                             .num_encoder_layers = p[kNumEncoderLayers],
                             .num_decoder_layers = p[kNumDecoderLayers],
                             .dim_feedforward = lo.dim_feedforward,
                             .dropout = lo.dropout,
                             .activation = lo.activation,
                             .custom_encoder = p[kCustomEncoder] ? encoder() : nullptr,
                             .custom_decoder = p[kCustomDecoder] ? decoder() : nullptr,
                             .layer_norm_eps = lo.layer_norm_eps,
                             .batch_first = lo.batch_first,
                             .norm_first = lo.norm_first,
                             .dtype = dtype});
      call = [=](const Tensor& src, const Tensor& tgt, const Tensor&) {
        return t(src, tgt, src_mask, tgt_mask, memory_mask, src_kpm, tgt_kpm, memory_kpm);
      };
      m = t;
      break;
    }
    default:
      EMBER_CHECK(false, RuntimeError, "unknown kind ", p[kKind]);
  }
  m->train(p[kTrain] != 0);

  ember::testing::load_state_dict_values(*m, in, 12);

  std::vector<Tensor> xs;
  for (size_t j = 2; j < 5; ++j)
    xs.push_back(in[j].numel() ? in[j].clone().requires_grad_() : Tensor());
  const Tensor out = call(xs[0], xs[1], xs[2]);
  autograd::backward({out}, {in[11]});
  std::vector<Tensor> res{out.detach()};
  for (const Tensor& x : xs)
    if (x.defined()) res.push_back(x.grad());
  for (const auto& [name, param] : m->named_parameters())
    res.push_back(param.grad().defined() ? param.grad() : zeros_like(param));
  return res;
}

}  // namespace

TEST(NnTransformerSweepParity, Values) {
  std::map<std::string, Case> cases;
  const ember::testing::Tolerance tol{1e-4, 1e-5};
  for (const std::string& c : ParityFile("nn_transformer_sweep").cases())
    cases[c] = {sweep_case, {.tol = tol}};
  ASSERT_GE(cases.size(), 70u);
  run_parity("nn_transformer_sweep", cases);
}
