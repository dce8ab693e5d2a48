// nn::Embedding / EmbeddingBag / Bilinear and nn::init's eye_, dirac_,
// trunc_normal_, orthogonal_, sparse_ against torch
// (tests/parity/gen_nn_embedding.py): forward and gradients with torch's
// weights, max_norm's renormalised weights, init statistics and exact values,
// printed modules, state_dict keys, grad_fn names and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/functional/linear.h"
#include "ember/nn/modules/embedding.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

// in: weight, idx, grad_y; out: y, the weight after forward, weight.grad.
Case emb_case(nn::EmbeddingFromPretrainedOptions o = {}) {
  return {[o](const std::vector<Tensor>& in) {
    auto m = nn::Embedding::from_pretrained(in[0].clone(), /*freeze=*/false, o);
    Tensor y = m(in[1]);
    y.backward(in[2]);
    return std::vector<Tensor>{y.detach(), m->weight.detach(), m->weight.grad()};
  }};
}

// in: weight, idx, grad_y[, offsets][, per_sample_weights]; out: y, the weight
// after forward, weight.grad[, per_sample_weights.grad].
Case bag_case(nn::EmbeddingBagFromPretrainedOptions o, bool offsets = true, bool psw = false) {
  return {[o, offsets, psw](const std::vector<Tensor>& in) {
    auto m = nn::EmbeddingBag::from_pretrained(in[0].clone(), /*freeze=*/false, o);
    std::optional<Tensor> off, p;
    size_t k = 3;
    if (offsets) off = in[k++];
    if (psw) p = in[k++].clone().requires_grad_();
    Tensor y = m->forward(in[1], off, p);
    y.backward(in[2]);
    std::vector<Tensor> out = {y.detach(), m->weight.detach(), m->weight.grad()};
    if (psw) out.push_back(p->grad());
    return out;
  }};
}

// in: x1, x2, grad_y, weight[, bias]; out: y, x1.grad, x2.grad, weight.grad[, bias.grad].
Case bilinear_case() {
  return {[](const std::vector<Tensor>& in) {
    const Tensor& w = in[3];
    const bool bias = in.size() > 4;
    auto m = nn::make<nn::Bilinear>(w.size(1), w.size(2), w.size(0), bias,
                                    TensorOptions{.dtype = w.dtype()});
    nn::StateDict sd;
    sd.insert("weight", w);
    if (bias) sd.insert("bias", in[4]);
    m->load_state_dict(sd);
    Tensor x1 = in[0].clone().requires_grad_(), x2 = in[1].clone().requires_grad_();
    Tensor y = m(x1, x2);
    y.backward(in[2]);
    std::vector<Tensor> out = {y.detach(), x1.grad(), x2.grad(), m->weight.grad()};
    if (bias) out.push_back(m->bias.grad());
    return out;
  }};
}

Tensor stats(const Tensor& t, bool bounds = true) {
  const Tensor d = t.detach().to(kFloat64);
  return bounds ? stack({d.mean(), d.std(), d.min(), d.max()}) : stack({d.mean(), d.std()});
}

// ember's own draws against torch's statistics.
Case stats_case(std::function<std::vector<Tensor>(std::vector<int64_t>)> make,
                ember::testing::Tolerance tol = {0.02, 0.004}) {
  return {[make](const std::vector<Tensor>& in) {
            return make(in.empty() ? std::vector<int64_t>{} : in[0].tolist<int64_t>());
          },
          {.tol = tol}};
}

Case orthogonal_case(double gain) {
  return stats_case([gain](std::vector<int64_t> s) {
    Tensor t = ember::empty(s);
    nn::init::orthogonal_(t, gain);
    const Tensor m = t.reshape({s[0], -1}).to(kFloat64);
    const Tensor gram = m.size(0) >= m.size(1) ? m.t().matmul(m) : m.matmul(m.t());
    return std::vector<Tensor>{stats(t, false), gram};
  });
}

}  // namespace

TEST(NnEmbeddingParity, Values) {
  using EO = nn::EmbeddingFromPretrainedOptions;
  using BO = nn::EmbeddingBagFromPretrainedOptions;
  std::map<std::string, Case> cases = {
      {"emb_plain", emb_case()},
      {"emb_int32", emb_case()},
      {"emb_1d", emb_case()},
      {"emb_0d", emb_case()},
      {"emb_3d", emb_case()},
      {"emb_padding", emb_case(EO{.padding_idx = 2})},
      {"emb_padding_neg", emb_case(EO{.padding_idx = -1})},
      {"emb_freq", emb_case(EO{.scale_grad_by_freq = true})},
      {"emb_freq_padding", emb_case(EO{.padding_idx = 0, .scale_grad_by_freq = true})},
      {"emb_max_norm", emb_case(EO{.max_norm = 1.0})},
      {"emb_max_norm_p1", emb_case(EO{.max_norm = 1.5, .norm_type = 1.0})},
      {"emb_max_norm_inf", emb_case(EO{.max_norm = 0.8, .norm_type = INFINITY})},
      {"emb_float64", emb_case(EO{.padding_idx = 4})},
      {"bag_sum_freq", bag_case(BO{.scale_grad_by_freq = true, .mode = "sum"})},
      {"bag_mean_freq", bag_case(BO{.scale_grad_by_freq = true, .mode = "mean"})},
      {"bag_int32", bag_case(BO{.mode = "mean"})},
      {"bag_psw", bag_case(BO{.mode = "sum"}, true, true)},
      {"bag_psw_padding", bag_case(BO{.mode = "sum", .padding_idx = 0}, true, true)},
      {"bag_psw_2d", bag_case(BO{.mode = "sum"}, false, true)},
      {"bilinear_2d", bilinear_case()},
      {"bilinear_3d", bilinear_case()},
      {"bilinear_1d", bilinear_case()},
      {"bilinear_nobias", bilinear_case()},
      {"bilinear_float64", bilinear_case()},
      // N(0, 1) over 64000 draws: the mean's own spread is 0.004
      {"init_embedding", stats_case(
                             [](std::vector<int64_t> s) {
                               return std::vector<Tensor>{
                                   stats(nn::make<nn::Embedding>(s[0], s[1])->weight, false)};
                             },
                             {0.02, 0.02})},
      {"init_embedding_bag", stats_case(
                                 [](std::vector<int64_t> s) {
                                   return std::vector<Tensor>{stats(
                                       nn::make<nn::EmbeddingBag>(s[0], s[1])->weight, false)};
                                 },
                                 {0.02, 0.02})},
      {"init_bilinear_weight", stats_case([](std::vector<int64_t> s) {
         return std::vector<Tensor>{stats(nn::make<nn::Bilinear>(s[0], s[1], s[2])->weight)};
       })},
      {"init_bilinear_bias", stats_case([](std::vector<int64_t> s) {
         return std::vector<Tensor>{stats(nn::make<nn::Bilinear>(s[0], s[1], s[2])->bias)};
       })},
      {"init_padding_row", {[](const std::vector<Tensor>&) {
         auto m = nn::make<nn::Embedding>(10, 3, nn::EmbeddingOptions{.padding_idx = 4});
         return std::vector<Tensor>{m->weight.select(0, 4).detach()};
       }}},
      {"init_trunc_normal", stats_case([](std::vector<int64_t> s) {
         Tensor t = ember::empty(s);
         nn::init::trunc_normal_(t);
         return std::vector<Tensor>{stats(t)};
       })},
      {"init_trunc_normal_args", stats_case([](std::vector<int64_t> s) {
         Tensor t = ember::empty(s);
         nn::init::trunc_normal_(t, 1.0, 2.0, -1.0, 2.0);
         return std::vector<Tensor>{stats(t)};
       })},
      {"init_orthogonal", orthogonal_case(1.0)},
      {"init_orthogonal_wide", orthogonal_case(2.0)},
      {"init_orthogonal_4d", orthogonal_case(1.0)},
      {"init_sparse", stats_case(
                          [](std::vector<int64_t> s) {
                            Tensor t = ember::empty(s);
                            nn::init::sparse_(t, 0.25, 0.3);
                            return std::vector<Tensor>{t.eq(0).to(kInt64).sum({0}),
                                                       t.pow(2).sum() / t.ne(0).to(kInt64).sum()};
                          },
                          {0.1, 0.004})},
      {"init_eye", {[](const std::vector<Tensor>&) {
         return std::vector<Tensor>{nn::init::eye_(empty({3, 5})), nn::init::eye_(empty({4, 2}))};
       }}},
      {"init_dirac", {[](const std::vector<Tensor>&) {
         return std::vector<Tensor>{nn::init::dirac_(empty({4, 3, 3, 3})),
                                    nn::init::dirac_(empty({6, 2, 3}), 3),
                                    nn::init::dirac_(empty({4, 2, 2, 3, 3}), 2)};
       }}},
  };
  for (const char* mode : {"sum", "mean", "max"}) {
    const std::string p = std::string("bag_") + mode;
    cases[p] = bag_case(BO{.mode = mode});
    cases[p + "_2d"] = bag_case(BO{.mode = mode}, false);
    cases[p + "_padding"] = bag_case(BO{.mode = mode, .padding_idx = 2});
    cases[p + "_last_offset"] = bag_case(BO{.mode = mode, .include_last_offset = true});
    cases[p + "_max_norm"] = bag_case(BO{.max_norm = 1.0, .mode = mode});
    cases[p + "_float64"] = bag_case(BO{.mode = mode});
  }
  run_parity("nn_embedding", cases);
}

TEST(NnEmbeddingParity, Texts) {
  ParityFile f("nn_embedding");
  // torch's AssertionErrors are ValueErrors in ember; torch 1.13 appends the
  // printed offsets tensor ("\n[ torch.LongTensor{} ]") to one message.
  std::map<std::string, std::string> want;
  for (auto [k, v] : f.metadata()) {
    if (v.rfind("AssertionError: ", 0) == 0) v = "ValueError: " + v.substr(16);
    if (k == "err_bag_offsets0") v = v.substr(0, v.find('\n'));
    want[k] = v;
  }
  std::map<std::string, std::string> got;
  got["repr_embedding"] = nn::make<nn::Embedding>(10, 3)->str();
  got["repr_embedding_all"] =
      nn::make<nn::Embedding>(10, 3,
                              nn::EmbeddingOptions{.padding_idx = -3,
                                                   .max_norm = 2.5,
                                                   .norm_type = 1.0,
                                                   .scale_grad_by_freq = true,
                                                   .sparse = true})
          ->str();
  got["repr_embedding_pretrained"] =
      nn::Embedding::from_pretrained(ones({4, 2}), true, {.padding_idx = 1})->str();
  got["repr_bag"] = nn::make<nn::EmbeddingBag>(10, 3)->str();
  got["repr_bag_all"] =
      nn::make<nn::EmbeddingBag>(10, 3,
                                 nn::EmbeddingBagOptions{.max_norm = 1.0,
                                                         .norm_type = 3.0,
                                                         .scale_grad_by_freq = true,
                                                         .mode = "sum",
                                                         .padding_idx = 2})
          ->str();
  got["repr_bag_max"] =
      nn::make<nn::EmbeddingBag>(
          10, 3, nn::EmbeddingBagOptions{.mode = "max", .include_last_offset = true})
          ->str();
  got["repr_bilinear"] = nn::make<nn::Bilinear>(3, 4, 5)->str();
  got["repr_bilinear_nobias"] = nn::make<nn::Bilinear>(3, 4, 5, false)->str();
  auto seq =
      nn::make<nn::Sequential>(nn::make<nn::Embedding>(10, 3), nn::make<nn::EmbeddingBag>(10, 3),
                               nn::make<nn::Bilinear>(3, 4, 5));
  got["repr_seq"] = seq->str();
  std::string keys;
  for (const auto& [k, v] : seq->state_dict()) {
    std::string shape;
    for (int64_t s : v.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(s);
    if (v.dim() == 1) shape += ",";
    keys += (keys.empty() ? "" : ",") + k + ":(" + shape + ")";
  }
  got["keys_seq"] = keys;
  const Tensor idx = tensor({0, 2, 4, 2, 6, 1, 2, 0}, {.dtype = kInt64}).reshape({2, 4});
  got["grad_fn_embedding"] = F::embedding(idx, ones({7, 3}).requires_grad_()).grad_fn()->name();
  got["grad_fn_bag"] = F::embedding_bag(idx, ones({7, 3}).requires_grad_()).grad_fn()->name();
  got["pretrained_requires_grad"] =
      std::string("[") +
      (nn::Embedding::from_pretrained(ones({2, 2}))->weight.requires_grad() ? "True" : "False") +
      ", " +
      (nn::Embedding::from_pretrained(ones({2, 2}), false)->weight.requires_grad() ? "True"
                                                                                   : "False") +
      "]";

  const Tensor w = randn({5, 3});
  const auto i64 = [](std::initializer_list<int64_t> v) { return tensor(v, {.dtype = kInt64}); };
  got["err_emb_range"] = error_text([&] { F::embedding(i64({1, 5}), w); });
  got["err_emb_dtype"] = error_text([&] { F::embedding(tensor({1.0f}), w); });
  got["err_emb_weight_1d"] = error_text([&] { F::embedding(i64({1}), ones({5})); });
  got["err_emb_padding"] = error_text([&] { F::embedding(i64({1}), w, 5); });
  got["err_emb_module_padding"] = error_text([] { nn::Embedding(5, 3, {.padding_idx = -6}); });
  got["err_emb_weight_shape"] = error_text([] { nn::Embedding(5, 3, {._weight = ones({3, 5})}); });
  got["err_emb_pretrained_1d"] = error_text([] { nn::Embedding::from_pretrained(ones({3})); });
  got["err_renorm_range"] = error_text([&] { F::embedding(i64({7}), w, std::nullopt, 1.0); });
  got["err_bag_range"] = error_text([&] {
    F::embedding_bag(i64({1, 7}), w.to(kFloat64), i64({0}));
  });
  got["err_bag_offsets0"] = error_text([&] { F::embedding_bag(i64({1, 2}), w, i64({1})); });
  got["err_bag_offsets_last"] = error_text([&] { F::embedding_bag(i64({1, 2}), w, i64({0, 3})); });
  got["err_bag_2d_offsets"] = error_text([&] {
    F::embedding_bag(i64({1, 2}).reshape({1, 2}), w, i64({0}));
  });
  got["err_bag_no_offsets"] = error_text([&] { F::embedding_bag(i64({1, 2}), w); });
  got["err_bag_3d"] = error_text([&] { F::embedding_bag(i64({1, 2}).reshape({1, 1, 2}), w); });
  got["err_bag_mode"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "prod");
  });
  got["err_bag_max_freq"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, true, "max");
  });
  got["err_bag_psw_mode"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "mean", false, ones({2}));
  });
  got["err_bag_psw_shape"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "sum", false, ones({3}));
  });
  got["err_bag_psw_dtype"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "sum", false,
                     ones({2}, {.dtype = kFloat64}));
  });
  got["err_bag_weight_dtype"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w.to(kInt32), i64({0}));
  });
  got["err_bag_indices_dtype"] = error_text([&] { F::embedding_bag(tensor({1.0f}), w, i64({0})); });
  got["err_bag_padding"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "mean", false, std::nullopt,
                     false, 9);
  });
  got["err_bag_last_offset_empty"] = error_text([&] {
    F::embedding_bag(i64({1, 2}), w, empty({0}, {.dtype = kInt64}), std::nullopt, 2, false, "mean",
                     false, std::nullopt, true);
  });
  got["err_bag_module_padding"] = error_text([] { nn::EmbeddingBag(5, 3, {.padding_idx = 5}); });
  auto m = nn::make<nn::Bilinear>(3, 4, 5);
  got["err_bilinear_batch"] = error_text([&] { m(ones({2, 3}), ones({1, 4})); });
  got["err_bilinear_in1"] = error_text([&] { m(ones({2, 2}), ones({2, 4})); });
  got["err_bilinear_in2"] = error_text([&] { m(ones({2, 3}), ones({2, 5})); });
  got["err_bilinear_dims"] = error_text([&] { m(ones({2, 3}), ones({2, 1, 4})); });
  got["err_bilinear_bias"] = error_text([&] {
    F::bilinear(ones({2, 3}), ones({2, 4}), m->weight, ones({4}));
  });
  got["err_bilinear_dtype"] = error_text([&] {
    m(ones({2, 3}, {.dtype = kFloat64}), ones({2, 4}));
  });
  got["err_eye"] = error_text([] { nn::init::eye_(empty({3})); });
  got["err_dirac"] = error_text([] { nn::init::dirac_(empty({3, 3})); });
  got["err_dirac_groups"] = error_text([] { nn::init::dirac_(empty({5, 2, 3}), 2); });
  got["err_orthogonal"] = error_text([] { nn::init::orthogonal_(empty({3})); });
  got["err_sparse"] = error_text([] { nn::init::sparse_(empty({3, 3, 3}), 0.1); });

  ember::testing::expect_texts(want, got);
}
