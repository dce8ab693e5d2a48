// Losses against torch (tests/parity/gen_nn_loss.py): every loss and
// reduction with weights, ignore_index, label smoothing, K-dim and transposed
// inputs (the loss and the gradients of the inputs that require grad), node
// names, printed modules, state_dict keys and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

using Args = std::vector<Tensor>;
struct LossCase {
  std::function<Tensor(const Args&)> fn;
  std::vector<int> grad;  // inputs that require grad
};

std::map<std::string, LossCase> table() {
  std::map<std::string, LossCase> t;
  for (std::string r : {"mean", "sum", "none"}) {
    t["nll_" + r] = {[r](const Args& a) { return F::nll_loss(a[0], a[1], {}, -100, r); }, {0}};
    t["nll_w_ign_" + r] = {[r](const Args& a) { return F::nll_loss(a[0], a[1], a[2], 1, r); }, {0}};
    t["nll_4d_" + r] = {[r](const Args& a) { return F::nll_loss(a[0], a[1], a[2], 2, r); }, {0}};
    t["ce_" + r] = {[r](const Args& a) { return F::cross_entropy(a[0], a[1], {}, -100, r); }, {0}};
    t["ce_w_ls_ign_" + r] = {
        [r](const Args& a) { return F::cross_entropy(a[0], a[1], a[2], 1, r, 0.1); }, {0}};
    t["ce_ls_ign_" + r] = {
        [r](const Args& a) { return F::cross_entropy(a[0], a[1], {}, 3, r, 0.2); }, {0}};
    t["ce_prob_" + r] = {[r](const Args& a) { return F::cross_entropy(a[0], a[1], {}, -100, r); },
                         {0, 1}};
    t["ce_prob_w_ls_" + r] = {
        [r](const Args& a) { return F::cross_entropy(a[0], a[1], a[2], -100, r, 0.3); }, {0}};
    t["ce_3d_" + r] = {[r](const Args& a) { return F::cross_entropy(a[0], a[1], {}, -100, r); },
                       {0}};
    t["mse_" + r] = {[r](const Args& a) { return F::mse_loss(a[0], a[1], r); }, {0, 1}};
    t["l1_" + r] = {[r](const Args& a) { return F::l1_loss(a[0], a[1], r); }, {0, 1}};
    t["smooth_l1_" + r] = {[r](const Args& a) { return F::smooth_l1_loss(a[0], a[1], r, 0.5); },
                           {0, 1}};
    t["huber_" + r] = {[r](const Args& a) { return F::huber_loss(a[0], a[1], r, 0.7); }, {0, 1}};
    t["bce_" + r] = {[r](const Args& a) { return F::binary_cross_entropy(a[0], a[1], a[2], r); },
                     {0, 1}};
    t["bce_logits_" + r] = {
        [r](const Args& a) { return F::binary_cross_entropy_with_logits(a[0], a[1], {}, r); },
        {0, 1}};
    t["bce_logits_pw_" + r] = {[r](const Args& a) {
                                 return F::binary_cross_entropy_with_logits(a[0], a[1], a[2], r,
                                                                            a[3]);
                               },
                               {0, 1}};
    t["kl_" + r] = {[r](const Args& a) { return F::kl_div(a[0], a[1], r); }, {0, 1}};
    t["kl_log_" + r] = {[r](const Args& a) { return F::kl_div(a[0], a[1], r, true); }, {0, 1}};
    t["cosine_" + r] = {
        [r](const Args& a) { return F::cosine_embedding_loss(a[0], a[1], a[2], 0.1, r); }, {0, 1}};
    t["ranking_" + r] = {
        [r](const Args& a) { return F::margin_ranking_loss(a[0], a[1], a[2], 0.2, r); }, {0, 1}};
    t["triplet_" + r] = {[r](const Args& a) {
                           return F::triplet_margin_loss(a[0], a[1], a[2], 1.0, 2.0, 1e-6, false,
                                                         r);
                         },
                         {0, 1, 2}};
  }
  t["kl_batchmean"] = {[](const Args& a) { return F::kl_div(a[0], a[1], "batchmean"); }, {0}};
  t["nll_1d"] = {[](const Args& a) { return F::nll_loss(a[0], a[1]); }, {0}};
  t["nll_3d"] = {[](const Args& a) { return F::nll_loss(a[0], a[1], {}, 0); }, {0}};
  t["nll_5d_none"] = {[](const Args& a) { return F::nll_loss(a[0], a[1], {}, -100, "none"); }, {0}};
  t["nll_all_ignored"] = {[](const Args& a) { return F::nll_loss(a[0], a[1], {}, 1); }, {0}};
  t["ce_t"] = {[](const Args& a) { return F::cross_entropy(a[0].t(), a[1]); }, {0}};
  t["mse_t"] = {[](const Args& a) { return F::mse_loss(a[0].t(), a[1]); }, {0}};
  t["ce_1d"] = {[](const Args& a) { return F::cross_entropy(a[0], a[1]); }, {0}};
  t["ce_4d_ls"] = {
      [](const Args& a) { return F::cross_entropy(a[0], a[1], {}, -100, "mean", 0.05); }, {0}};
  t["smooth_l1_beta0"] = {[](const Args& a) { return F::smooth_l1_loss(a[0], a[1], "mean", 0.0); },
                          {0}};
  t["cosine_1d"] = {[](const Args& a) { return F::cosine_embedding_loss(a[0], a[1], a[2], -0.5); },
                    {0, 1}};
  t["triplet_swap_p1"] = {
      [](const Args& a) { return F::triplet_margin_loss(a[0], a[1], a[2], 0.5, 1.0, 1e-6, true); },
      {0, 1, 2}};
  return t;
}

// The inputs of a case without its trailing grad_output; those in `grad` require grad.
Args make_args(const std::vector<Tensor>& in, const LossCase& c) {
  Args a(in.begin(), in.end() - 1);
  for (int i : c.grad) a[i] = a[i].clone().requires_grad_(true);
  return a;
}

}  // namespace

TEST(ParityNNLoss, Cases) {
  std::map<std::string, Case> cases;
  for (const auto& [name, c] : table()) {
    cases[name] = {[c](const std::vector<Tensor>& in) {
      Args a = make_args(in, c);
      Tensor loss = c.fn(a);
      loss.backward(in.back());
      std::vector<Tensor> out = {loss.detach()};
      for (int i : c.grad) out.push_back(a[i].grad());
      return out;
    }};
  }
  run_parity("nn_loss", cases);
}

TEST(ParityNNLoss, Texts) {
  ParityFile f("nn_loss");
  const auto& want = f.metadata();
  std::map<std::string, std::string> got;
  const auto t = table();
  for (const auto& [key, value] : want) {
    if (key.rfind("node_", 0) != 0) continue;
    const std::string name = key.substr(5);
    ASSERT_TRUE(t.count(name)) << name;
    std::vector<Tensor> in = f.inputs(name);
    Args a = make_args(in, t.at(name));
    got[key] = t.at(name).fn(a).grad_fn()->name();
  }
  auto repr = [&](const std::string& k, const nn::ModulePtr& m) { got["repr_" + k] = m->str(); };
  repr("L1Loss", nn::make<nn::L1Loss>());
  repr("MSELoss", nn::make<nn::MSELoss>("sum"));
  repr("SmoothL1Loss", nn::make<nn::SmoothL1Loss>());
  repr("HuberLoss", nn::make<nn::HuberLoss>());
  repr("NLLLoss", nn::make<nn::NLLLoss>());
  repr("CrossEntropyLoss", nn::make<nn::CrossEntropyLoss>());
  repr("BCELoss", nn::make<nn::BCELoss>());
  repr("BCEWithLogitsLoss", nn::make<nn::BCEWithLogitsLoss>());
  repr("KLDivLoss", nn::make<nn::KLDivLoss>());
  repr("CosineEmbeddingLoss", nn::make<nn::CosineEmbeddingLoss>());
  repr("MarginRankingLoss", nn::make<nn::MarginRankingLoss>());
  repr("TripletMarginLoss", nn::make<nn::TripletMarginLoss>());
  auto keys = [](nn::Module& m) {
    std::string k;
    for (const auto& [key, v] : m.state_dict()) k += (k.empty() ? "" : ",") + key;
    return k;
  };
  got["keys_ce_weight"] = keys(*nn::make<nn::CrossEntropyLoss>(ones({3})));
  got["keys_ce"] = keys(*nn::make<nn::CrossEntropyLoss>());
  got["keys_bce_logits"] = keys(*nn::make<nn::BCEWithLogitsLoss>(ones({3}), "mean", ones({3})));
  got["keys_bce_logits_pw"] = keys(*nn::make<nn::BCEWithLogitsLoss>(Tensor(), "mean", ones({3})));

  const Tensor x = randn({3, 4});
  const auto longs = [](std::initializer_list<int64_t> v) { return tensor(v, {.dtype = kInt64}); };
  got["err_batch"] = error_text([&] { F::nll_loss(x, longs({0, 1})); });
  got["err_ce_batch"] = error_text([&] { F::cross_entropy(x, longs({0, 1})); });
  got["err_oob"] = error_text([&] { F::nll_loss(x, longs({0, 5, 1})); });
  got["err_oob_neg"] = error_text([&] { F::nll_loss(x, longs({0, -1, 1})); });
  got["err_reduction"] = error_text([&] { F::mse_loss(x, x, "avg"); });
  got["err_nll_reduction"] = error_text([&] { F::nll_loss(x, longs({0, 1, 2}), {}, -100, "max"); });
  got["err_weight"] = error_text([&] { F::nll_loss(x, longs({0, 1, 2}), ones({3})); });
  got["err_target_multi"] = error_text([&] { F::nll_loss(x, zeros({3, 2}, {.dtype = kInt64})); });
  got["err_kdim_target"] = error_text([&] {
    F::nll_loss(randn({2, 3, 4}), zeros({2, 5}, {.dtype = kInt64}));
  });
  got["err_dim0"] =
      error_text([&] { F::nll_loss(scalar_tensor(1.0), scalar_tensor(0, {.dtype = kInt64})); });
  got["err_bce_size"] = error_text([&] { F::binary_cross_entropy(rand({3, 4}), rand({3})); });
  got["err_bce_range"] = error_text([&] { F::binary_cross_entropy(rand({3}) + 1, rand({3})); });
  got["err_bce_logits_size"] =
      error_text([&] { F::binary_cross_entropy_with_logits(x, rand({3})); });
  got["err_bce_weight_grows"] = error_text([&] {
    F::binary_cross_entropy(rand({4, 1}), rand({4, 1}), zeros({0}));
  });
  got["err_bce_weight_size"] = error_text([&] {
    F::binary_cross_entropy(rand({4, 3}), rand({4, 3}), ones({2}));
  });
  got["err_bce_logits_weight_grows"] = error_text([&] {
    F::binary_cross_entropy_with_logits(randn({4}), rand({4}), ones({3, 4}));
  });
  got["err_bce_logits_pos_weight_grows"] = error_text([&] {
    F::binary_cross_entropy_with_logits(randn({4}), rand({4}), {}, "mean", ones({2, 4}));
  });
  got["err_bce_logits_pos_weight_size"] = error_text(
      [&] { F::binary_cross_entropy_with_logits(randn({4}), rand({4}), {}, "mean", zeros({0})); });
  got["err_ce_prob_ignore"] = error_text([&] { F::cross_entropy(x, x.softmax(1), {}, 1); });
  got["err_smooth_beta"] = error_text([&] { F::smooth_l1_loss(x, x, "mean", -1.0); });
  got["err_huber_delta"] = error_text([&] { F::huber_loss(x, x, "mean", 0.0); });
  got["err_cosine_dims"] = error_text([&] { F::cosine_embedding_loss(x, x, ones({3, 1})); });
  got["err_ranking_dims"] = error_text([&] {
    F::margin_ranking_loss(randn({3}), randn({3}), ones({3, 1}));
  });
  got["err_triplet_dims"] = error_text([&] { F::triplet_margin_loss(x, x, randn({3})); });

  ember::testing::expect_texts(want, got);
}
