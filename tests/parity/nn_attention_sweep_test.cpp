// Seeded random nn::MultiheadAttention configurations against torch
// (tests/parity/gen_nn_attention_sweep.py): every constructor option, masks
// of each kind, need_weights and average_attn_weights; outputs, weights and
// the gradients of the inputs and of every parameter.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/autograd/engine.h"
#include "ember/nn/modules/multihead_attention.h"
#include "support/parity.h"
#include "support/state_dict_values.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

// in: query, key, value, key_padding_mask, attn_mask, grad of the output,
// grad of the weights (empty: none), (embed_dim, num_heads, bias,
// add_bias_kv, add_zero_attn, kdim, vdim, batch_first, L, S, N,
// need_weights, average_attn_weights), then the state_dict values in key order.
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const auto p = in[7].tolist<int64_t>();
  auto m =
      nn::make<nn::MultiheadAttention>(p[0], p[1],
                                       nn::MultiheadAttentionOptions{.bias = p[2] != 0,
                                                                     .add_bias_kv = p[3] != 0,
                                                                     .add_zero_attn = p[4] != 0,
                                                                     .kdim = p[5],
                                                                     .vdim = p[6],
                                                                     .batch_first = p[7] != 0});
  ember::testing::load_state_dict_values(*m, in, 8);
  Tensor q = in[0].clone().requires_grad_(), k = in[1].clone().requires_grad_(),
         v = in[2].clone().requires_grad_();
  const bool need_weights = p[11] != 0;
  auto [out, w] = m->forward(q, k, v, in[3].numel() ? in[3] : Tensor(), need_weights,
                             in[4].numel() ? in[4] : Tensor(), p[12] != 0);
  EMBER_CHECK(w.defined() == need_weights, RuntimeError, "weights returned: ", w.defined());
  std::vector<Tensor> outs{out}, grads{in[5]};
  if (w.defined()) {
    outs.push_back(w);
    grads.push_back(in[6]);
  }
  autograd::backward(outs, grads);
  std::vector<Tensor> res;
  for (const Tensor& o : outs) res.push_back(o.detach());
  res.insert(res.end(), {q.grad(), k.grad(), v.grad()});
  for (const auto& [name, param] : m->named_parameters())
    res.push_back(param.grad().defined() ? param.grad() : zeros_like(param));
  return res;
}

}  // namespace

TEST(NnAttentionSweepParity, Values) {
  std::map<std::string, Case> cases;
  const ember::testing::Tolerance tol{1e-4, 1e-5};
  for (const std::string& c : ParityFile("nn_attention_sweep").cases())
    cases[c] = {sweep_case, {.tol = tol}};
  ASSERT_GE(cases.size(), 60u);
  run_parity("nn_attention_sweep", cases);
}
