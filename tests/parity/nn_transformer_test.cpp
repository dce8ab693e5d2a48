// nn::MultiheadAttention and the Transformer layers against torch
// (tests/parity/gen_nn_transformer.py): torch's weights loaded through
// load_state_dict, eval-mode outputs and attention weights, train-mode (dropout
// 0) outputs and the gradients of the inputs and of every parameter, state_dict
// keys and parameter names in order, printed modules and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/autograd/engine.h"
#include "ember/ember.h"
#include "ember/nn/functional/attention.h"
#include "ember/nn/modules/multihead_attention.h"
#include "ember/nn/modules/transformer.h"
#include "support/parity.h"

using namespace ember;
using namespace ember::nn;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

constexpr int64_t E = 8, H = 2;

using Call = std::function<std::vector<Tensor>(const std::vector<Tensor>& args)>;

std::string join_keys(const std::vector<std::string>& ks) {
  std::string out;
  for (const auto& k : ks) out += (out.empty() ? "" : ",") + k;
  return out;
}

// in: nargs forward arguments, one output gradient per output, the state_dict
// values in key order. out: eval outputs, train outputs, grads of the inputs
// in grad_idx, grads of every parameter (named_parameters order).
std::vector<Tensor> module_case(const std::string& name, const ModulePtr& m,
                                const std::vector<Tensor>& in, size_t nargs,
                                const std::vector<size_t>& grad_idx, const Call& call) {
  ParityFile file("nn_transformer");
  StateDict own = m->state_dict();
  std::vector<std::string> keys, params;
  for (const auto& [k, v] : own) keys.push_back(k);
  for (const auto& [k, v] : m->named_parameters()) params.push_back(k);
  EXPECT_EQ(join_keys(keys), file.metadata().at(name + "/keys")) << name;
  EXPECT_EQ(join_keys(params), file.metadata().at(name + "/params")) << name;
  const size_t nkeys = keys.size();
  EMBER_CHECK(in.size() >= nargs + nkeys, RuntimeError, "bad case ", name);
  StateDict sd;
  for (size_t i = 0; i < nkeys; ++i) sd.insert(keys[i], in[in.size() - nkeys + i]);
  m->load_state_dict(sd);
  const std::vector<Tensor> args(in.begin(), in.begin() + nargs);
  const std::vector<Tensor> gys(in.begin() + nargs, in.end() - nkeys);

  m->eval();
  std::vector<Tensor> res;
  for (const Tensor& o : call(args)) res.push_back(o.detach());
  m->train();
  std::vector<Tensor> xs = args;
  for (size_t i : grad_idx) xs[i] = args[i].clone().requires_grad_(true);
  const std::vector<Tensor> outs = call(xs);
  EMBER_CHECK(outs.size() == gys.size(), RuntimeError, "bad output count ", name);
  autograd::backward(outs, gys);
  for (const Tensor& o : outs) res.push_back(o.detach());
  for (size_t i : grad_idx) res.push_back(xs[i].grad());
  for (const auto& [k, p] : m->named_parameters())
    res.push_back(p.grad().defined() ? p.grad() : zeros_like(p));
  return res;
}

std::vector<Tensor> defined(const std::tuple<Tensor, Tensor>& t) {
  std::vector<Tensor> out{std::get<0>(t)};
  if (std::get<1>(t).defined()) out.push_back(std::get<1>(t));
  return out;
}

struct MhaCall {
  bool k = false, v = false, kpm = false, am = false, nw = true, avg = true;
};

Case mha_case(const std::string& name, std::function<Handle<MultiheadAttention>()> make_m,
              size_t nargs, std::vector<size_t> grad_idx, MhaCall c) {
  return {[=](const std::vector<Tensor>& in) {
    auto m = make_m();
    return module_case(name, m, in, nargs, grad_idx, [&](const std::vector<Tensor>& a) {
      const Tensor& q = a[0];
      const Tensor& k = c.k ? a[1] : q;
      const Tensor& v = c.v ? a[2] : k;
      size_t i = 1 + c.k + c.v;
      const Tensor kpm = c.kpm ? a[i++] : Tensor();
      const Tensor am = c.am ? a[i] : Tensor();
      return defined(m(q, k, v, kpm, c.nw, am, c.avg));
    });
  }};
}

TransformerEncoderLayerOptions layer_opts(const std::string& act, bool norm_first, bool bf) {
  return {.dim_feedforward = 16,
          .dropout = 0.0,
          .activation = act,
          .batch_first = bf,
          .norm_first = norm_first};
}

std::string message(const std::string& error) {
  const auto p = error.find(": ");
  return p == std::string::npos ? error : error.substr(p + 2);
}

}  // namespace

TEST(NnTransformerParity, Cases) {
  std::map<std::string, Case> cases;
  cases["mha_self"] =
      mha_case("mha_self", [] { return make<MultiheadAttention>(E, H); }, 1, {0}, {});
  cases["mha_self_bf"] = mha_case(
      "mha_self_bf",
      [] { return make<MultiheadAttention>(E, H, MultiheadAttentionOptions{.batch_first = true}); },
      1, {0}, {});
  cases["mha_cross_masks"] =
      mha_case("mha_cross_masks", [] { return make<MultiheadAttention>(E, H); }, 4, {0, 1},
               {.k = true, .kpm = true, .am = true});
  cases["mha_qkv_bool3d_perhead"] = mha_case(
      "mha_qkv_bool3d_perhead",
      [] { return make<MultiheadAttention>(E, H, MultiheadAttentionOptions{.batch_first = true}); },
      4, {0, 1, 2}, {.k = true, .v = true, .am = true, .avg = false});
  cases["mha_kvdim_floatkpm"] =
      mha_case("mha_kvdim_floatkpm",
               [] {
                 return make<MultiheadAttention>(
                     E, H, MultiheadAttentionOptions{.kdim = 5, .vdim = 7, .batch_first = true});
               },
               4, {0, 1, 2}, {.k = true, .v = true, .kpm = true});
  cases["mha_bias_kv_zero_attn"] =
      mha_case("mha_bias_kv_zero_attn",
               [] {
                 return make<MultiheadAttention>(
                     E, H, MultiheadAttentionOptions{.add_bias_kv = true, .add_zero_attn = true});
               },
               4, {0, 1}, {.k = true, .kpm = true, .am = true});
  cases["mha_unbatched"] = mha_case(
      "mha_unbatched",
      [] { return make<MultiheadAttention>(E, H, MultiheadAttentionOptions{.batch_first = true}); },
      2, {0}, {.kpm = true});
  cases["mha_nobias_noweights"] =
      mha_case("mha_nobias_noweights",
               [] {
                 return make<MultiheadAttention>(
                     E, H, MultiheadAttentionOptions{.bias = false, .batch_first = true});
               },
               1, {0}, {.nw = false});
  cases["mha_float64"] = mha_case(
      "mha_float64",
      [] { return make<MultiheadAttention>(E, 4, MultiheadAttentionOptions{.dtype = kFloat64}); },
      2, {0}, {.am = true});

  cases["square_subsequent_mask"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{Transformer::generate_square_subsequent_mask(in[0].item<int64_t>())};
  }};
  for (std::string act : {"relu", "gelu"})
    for (bool norm_first : {false, true})
      for (bool bf : {false, true}) {
        const std::string name =
            "enc_layer_" + act + (norm_first ? "_pre" : "_post") + (bf ? "_bf" : "_sf");
        cases[name] = {[=](const std::vector<Tensor>& in) {
          auto m = make<TransformerEncoderLayer>(E, H, layer_opts(act, norm_first, bf));
          return module_case(name, m, in, 3, {0}, [&](const std::vector<Tensor>& a) {
            return std::vector<Tensor>{m(a[0], a[1], a[2])};
          });
        }};
        const std::string dname = "dec" + name.substr(3);
        cases[dname] = {[=](const std::vector<Tensor>& in) {
          auto m = make<TransformerDecoderLayer>(E, H, layer_opts(act, norm_first, bf));
          return module_case(dname, m, in, 4, {0, 1}, [&](const std::vector<Tensor>& a) {
            return std::vector<Tensor>{m(a[0], a[1], a[2], Tensor(), Tensor(), a[3])};
          });
        }};
      }
  cases["enc_layer_unbatched"] = {[](const std::vector<Tensor>& in) {
    auto m = make<TransformerEncoderLayer>(E, H, layer_opts("relu", false, false));
    return module_case("enc_layer_unbatched", m, in, 1, {0},
                       [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{m(a[0])}; });
  }};
  cases["enc_layer_module_activation"] = {[](const std::vector<Tensor>& in) {
    auto opts = layer_opts("relu", false, true);
    opts.activation = make<GELU>("tanh");
    auto m = make<TransformerEncoderLayer>(E, H, opts);
    const ParityFile file("nn_transformer");
    EXPECT_EQ(m->str(), file.metadata().at("repr_enc_layer_module_activation"));
    return module_case("enc_layer_module_activation", m, in, 1, {0},
                       [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{m(a[0])}; });
  }};
  cases["encoder_stack"] = {[](const std::vector<Tensor>& in) {
    auto layer = make<TransformerEncoderLayer>(E, H, layer_opts("relu", false, true));
    auto m = make<TransformerEncoder>(layer, 2, make<LayerNorm>(std::vector<int64_t>{E}));
    return module_case("encoder_stack", m, in, 2, {0}, [&](const std::vector<Tensor>& a) {
      return std::vector<Tensor>{m(a[0], Tensor(), a[1])};
    });
  }};
  cases["decoder_stack"] = {[](const std::vector<Tensor>& in) {
    auto layer = make<TransformerDecoderLayer>(E, H, layer_opts("relu", true, false));
    auto m = make<TransformerDecoder>(layer, 2);
    return module_case("decoder_stack", m, in, 3, {0, 1}, [&](const std::vector<Tensor>& a) {
      return std::vector<Tensor>{m(a[0], a[1], a[2])};
    });
  }};
  cases["transformer"] = {[](const std::vector<Tensor>& in) {
    auto m = make<Transformer>(TransformerOptions{.d_model = E,
                                                  .nhead = H,
                                                  .num_encoder_layers = 2,
                                                  .num_decoder_layers = 1,
                                                  .dim_feedforward = 16,
                                                  .dropout = 0.0});
    return module_case("transformer", m, in, 4, {0, 1}, [&](const std::vector<Tensor>& a) {
      return std::vector<Tensor>{m(a[0], a[1], Tensor(), a[2], Tensor(), a[3], Tensor(), a[3])};
    });
  }};
  run_parity("nn_transformer", cases);
}

TEST(NnTransformerParity, Printed) {
  const ParityFile file("nn_transformer");
  const auto& md = file.metadata();
  EXPECT_EQ(make<MultiheadAttention>(E, H)->str(), md.at("repr_mha"));
  EXPECT_EQ(
      make<MultiheadAttention>(E, H, MultiheadAttentionOptions{.bias = false, .kdim = 5, .vdim = 7})
          ->str(),
      md.at("repr_mha_kvdim"));
  EXPECT_EQ(
      make<TransformerEncoderLayer>(E, H, TransformerEncoderLayerOptions{.dim_feedforward = 16})
          ->str(),
      md.at("repr_enc_layer"));
  EXPECT_EQ(make<TransformerDecoderLayer>(
                E, H, TransformerDecoderLayerOptions{.dim_feedforward = 16, .activation = "gelu"})
                ->str(),
            md.at("repr_dec_layer"));
  EXPECT_EQ(
      make<TransformerEncoder>(make<TransformerEncoderLayer>(
                                   E, H, TransformerEncoderLayerOptions{.dim_feedforward = 16}),
                               2, make<LayerNorm>(std::vector<int64_t>{E}))
          ->str(),
      md.at("repr_encoder"));
  EXPECT_EQ(make<Transformer>(TransformerOptions{.d_model = E,
                                                 .nhead = H,
                                                 .num_encoder_layers = 1,
                                                 .num_decoder_layers = 1,
                                                 .dim_feedforward = 16})
                ->str(),
            md.at("repr_transformer"));
}

TEST(NnTransformerParity, Errors) {
  const ParityFile file("nn_transformer");
  const auto& md = file.metadata();
  Tensor x = randn({5, 3, E});
  auto mha = make<MultiheadAttention>(E, H);
  auto tr = make<Transformer>(TransformerOptions{.d_model = E,
                                                 .nhead = H,
                                                 .num_encoder_layers = 1,
                                                 .num_decoder_layers = 1,
                                                 .dim_feedforward = 16});
  const std::map<std::string, std::function<void()>> errs = {
      {"err_divisible", [] { make<MultiheadAttention>(E, 3); }},
      {"err_key_dim",
       [&] {
         mha(x, randn({5, E}), randn({5, E}));
       }},
      {"err_query_dim",
       [&] {
         mha(randn({1, 5, 3, E}), x, x);
       }},
      {"err_embed",
       [&] {
         mha(randn({5, 3, 4}), randn({5, 3, 4}), randn({5, 3, 4}));
       }},
      {"err_kv_shape",
       [&] {
         mha(x, x, randn({4, 3, E}));
       }},
      {"err_mask2d",
       [&] {
         mha(x, x, x, Tensor(), true, zeros({4, 5}));
       }},
      {"err_mask3d",
       [&] {
         mha(x, x, x, Tensor(), true, zeros({3, 5, 5}));
       }},
      {"err_mask_dtype",
       [&] {
         mha(x, x, x, Tensor(), true, zeros({5, 5}, {.dtype = kInt32}));
       }},
      {"err_kpm_dtype",
       [&] {
         mha(x, x, x, zeros({3, 5}, {.dtype = kInt64}));
       }},
      {"err_kpm_shape",
       [&] {
         mha(x, x, x, zeros({3, 4}, {.dtype = kBool}));
       }},
      {"err_kpm_dim", [&] { mha(x, x, x, zeros({3}, {.dtype = kBool})); }},
      {"err_activation",
       [] {
         make<TransformerEncoderLayer>(E, H, TransformerEncoderLayerOptions{.activation = "tanh"});
       }},
      {"err_transformer_batch",
       [&] {
         tr(x, randn({4, 2, E}));
       }},
      {"err_transformer_feature",
       [&] {
         tr(x, randn({4, 3, 4}));
       }},
  };
  for (const auto& [name, fn] : errs) {
    const std::string want = md.at(name), got = error_text(fn);
    // torch's AssertionErrors are ValueErrors in ember: compare their text.
    if (want.rfind("AssertionError: ", 0) == 0) {
      EXPECT_EQ(got.substr(0, got.find(": ")), "ValueError") << name;
      EXPECT_EQ(message(got), message(want)) << name;
    } else {
      EXPECT_EQ(got, want) << name;
    }
  }
}
