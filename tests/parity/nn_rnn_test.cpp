// nn::RNN / LSTM / GRU and the cells against torch (tests/parity/gen_nn_rnn.py):
// torch's weights loaded through the state_dict, forward outputs and states,
// gradients of the input, the initial states and every parameter; printed
// modules, state_dict keys in order and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/modules/rnn.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

std::string keys(nn::Module& m) {
  std::string out;
  for (const auto& [k, v] : m.state_dict()) out += (out.empty() ? "" : ",") + k;
  return out;
}

// One configuration: how to make the module, how many state tensors a case
// passes, and how many outputs (and so output gradients) the module gives.
struct Config {
  std::function<nn::ModulePtr()> make;
  int states;   // given initial states (0, 1 or 2)
  int outputs;  // out, h_n[, c_n] (cells: h'[, c'])
  bool eval = false;
};

template <typename M, typename... A>
std::function<nn::ModulePtr()> maker(A... a) {
  return [=] { return nn::ModulePtr(nn::make<M>(a...)); };
}

const std::map<std::string, Config>& configs() {
  static const std::map<std::string, Config> c = {
      {"rnn_tanh", {maker<nn::RNN>(4, 5), 1, 2}},
      {"rnn_relu_2l_bi",
       {maker<nn::RNN>(
            4, 5, nn::RNNOptions{.num_layers = 2, .nonlinearity = "relu", .bidirectional = true}),
        0, 2}},
      {"rnn_bf_nobias",
       {maker<nn::RNN>(4, 5, nn::RNNOptions{.bias = false, .batch_first = true}), 1, 2}},
      {"rnn_unbatched", {maker<nn::RNN>(4, 5, nn::RNNOptions{.num_layers = 2}), 1, 2}},
      {"lstm", {maker<nn::LSTM>(4, 5), 2, 3}},
      {"lstm_2l_bi_bf",
       {maker<nn::LSTM>(
            4, 5, nn::LSTMOptions{.num_layers = 2, .batch_first = true, .bidirectional = true}),
        2, 3}},
      {"lstm_nostate_nobias", {maker<nn::LSTM>(4, 5, nn::LSTMOptions{.bias = false}), 0, 3}},
      {"lstm_proj", {maker<nn::LSTM>(4, 6, nn::LSTMOptions{.proj_size = 3}), 2, 3}},
      {"lstm_proj_2l_bi_bf",
       {maker<nn::LSTM>(
            4, 6,
            nn::LSTMOptions{
                .num_layers = 2, .batch_first = true, .bidirectional = true, .proj_size = 3}),
        0, 3}},
      {"lstm_unbatched",
       {maker<nn::LSTM>(4, 5, nn::LSTMOptions{.num_layers = 2, .bidirectional = true}), 2, 3}},
      {"lstm_float64",
       {maker<nn::LSTM>(4, 5, nn::LSTMOptions{.num_layers = 2, .dtype = kFloat64}), 2, 3}},
      {"lstm_dropout_eval",
       {maker<nn::LSTM>(4, 5, nn::LSTMOptions{.num_layers = 3, .dropout = 0.4}), 0, 3, true}},
      {"gru", {maker<nn::GRU>(4, 5), 1, 2}},
      {"gru_2l_bi_bf",
       {maker<nn::GRU>(4, 5,
                       nn::GRUOptions{.num_layers = 2, .batch_first = true, .bidirectional = true}),
        1, 2}},
      {"gru_nobias", {maker<nn::GRU>(4, 5, nn::GRUOptions{.bias = false}), 0, 2}},
      {"gru_unbatched_bf_bi",
       {maker<nn::GRU>(4, 5, nn::GRUOptions{.batch_first = true, .bidirectional = true}), 0, 2}},
      {"rnncell_tanh", {maker<nn::RNNCell>(4, 5), 1, 1}},
      {"rnncell_relu",
       {maker<nn::RNNCell>(4, 5, nn::RNNCellOptions{.nonlinearity = "relu"}), 1, 1}},
      {"rnncell_nobias_nostate",
       {maker<nn::RNNCell>(4, 5, nn::RNNCellOptions{.bias = false}), 0, 1}},
      {"lstmcell", {maker<nn::LSTMCell>(4, 5), 2, 2}},
      {"lstmcell_unbatched_nostate", {maker<nn::LSTMCell>(4, 5), 0, 2}},
      {"grucell", {maker<nn::GRUCell>(4, 5), 1, 1}},
      {"grucell_unbatched", {maker<nn::GRUCell>(4, 5, nn::CellOptions{.bias = false}), 1, 1}},
  };
  return c;
}

// Calls the module (through its typed forward) and returns its outputs flat.
std::vector<Tensor> run_module(nn::Module& m, const Tensor& x, const std::vector<Tensor>& st) {
  if (auto* l = dynamic_cast<nn::LSTM*>(&m)) {
    std::optional<std::tuple<Tensor, Tensor>> hx;
    if (!st.empty()) hx = std::make_tuple(st[0], st[1]);
    auto [o, s] = l->forward(x, hx);
    return {o, std::get<0>(s), std::get<1>(s)};
  }
  if (auto* r = dynamic_cast<nn::RNN*>(&m)) {
    auto [o, h] = r->forward(x, st.empty() ? Tensor() : st[0]);
    return {o, h};
  }
  if (auto* g = dynamic_cast<nn::GRU*>(&m)) {
    auto [o, h] = g->forward(x, st.empty() ? Tensor() : st[0]);
    return {o, h};
  }
  if (auto* c = dynamic_cast<nn::LSTMCell*>(&m)) {
    std::optional<std::tuple<Tensor, Tensor>> hx;
    if (!st.empty()) hx = std::make_tuple(st[0], st[1]);
    auto [h, cc] = c->forward(x, hx);
    return {h, cc};
  }
  if (auto* c = dynamic_cast<nn::RNNCell*>(&m))
    return {c->forward(x, st.empty() ? Tensor() : st[0])};
  if (auto* c = dynamic_cast<nn::GRUCell*>(&m))
    return {c->forward(x, st.empty() ? Tensor() : st[0])};
  throw std::runtime_error("unknown module");
}

Case layer_case(const Config& cfg) {
  return {[cfg](const std::vector<Tensor>& in) {
    auto m = cfg.make();
    if (cfg.eval) m->eval();
    // Load torch's parameters (inputs after x, states and output gradients).
    nn::StateDict sd;
    size_t i = 1 + cfg.states + cfg.outputs;
    for (const auto& [k, v] : m->state_dict()) sd.insert(k, in.at(i++));
    EXPECT_EQ(i, in.size());
    m->load_state_dict(sd);
    Tensor x = in[0].clone().requires_grad_(true);
    std::vector<Tensor> st;
    for (int s = 0; s < cfg.states; ++s) st.push_back(in[1 + s].clone().requires_grad_(true));
    auto outs = run_module(*m, x, st);
    Tensor loss;
    for (int k = 0; k < cfg.outputs; ++k) {
      Tensor term = (outs[k] * in[1 + cfg.states + k]).sum();
      loss = loss.defined() ? loss + term : term;
    }
    loss.backward();
    std::vector<Tensor> res;
    for (auto& o : outs) res.push_back(o.detach());
    res.push_back(x.grad());
    for (auto& s : st) res.push_back(s.grad());
    for (auto& p : m->parameters()) res.push_back(p.grad());
    return res;
  }};
}

// Default-init statistics: mean, std, min, max against torch's own draw (2% or 0.004).
Case init_case(std::function<Tensor(int64_t, int64_t)> param) {
  return {[param](const std::vector<Tensor>& in) {
            const auto s = in[0].tolist<int64_t>();
            const Tensor t = param(s[0], s[1]).detach().to(kFloat64);
            return std::vector<Tensor>{stack({t.mean(), t.std(), t.min(), t.max()})};
          },
          {.tol = ember::testing::Tolerance{0.02, 0.004}}};
}

}  // namespace

TEST(NnRnnParity, Values) {
  std::map<std::string, Case> cases;
  for (const auto& [name, cfg] : configs()) cases[name] = layer_case(cfg);
  cases["init_lstm_weight_ih_l0"] = init_case([](int64_t in, int64_t h) {
    return nn::make<nn::LSTM>(in, h, nn::LSTMOptions{.num_layers = 2, .proj_size = 64})
        ->get_parameter("weight_ih_l0");
  });
  cases["init_lstm_weight_hr_l1"] = init_case([](int64_t in, int64_t h) {
    return nn::make<nn::LSTM>(in, h, nn::LSTMOptions{.num_layers = 2, .proj_size = 64})
        ->get_parameter("weight_hr_l1");
  });
  cases["init_gru_bias_hh_l0"] = init_case(
      [](int64_t in, int64_t h) { return nn::make<nn::GRU>(in, h)->get_parameter("bias_hh_l0"); });
  cases["init_lstmcell_bias_ih"] =
      init_case([](int64_t in, int64_t h) { return nn::make<nn::LSTMCell>(in, h)->bias_ih; });
  cases["init_rnncell_weight_hh"] =
      init_case([](int64_t in, int64_t h) { return nn::make<nn::RNNCell>(in, h)->weight_hh; });
  run_parity("nn_rnn", cases);
}

TEST(NnRnnParity, Texts) {
  ParityFile f("nn_rnn");
  std::map<std::string, std::string> got;
  for (const auto& [name, cfg] : configs()) {
    auto m = cfg.make();
    got["repr_" + name] = m->str();
    got["keys_" + name] = keys(*m);
  }
  got["repr_lstm_all"] = nn::make<nn::LSTM>(10, 20,
                                            nn::LSTMOptions{.num_layers = 2,
                                                            .bias = false,
                                                            .batch_first = true,
                                                            .dropout = 0.5,
                                                            .bidirectional = true,
                                                            .proj_size = 5})
                             ->str();
  got["repr_gru_dropout"] = nn::make<nn::GRU>(10, 20, nn::GRUOptions{.dropout = 0.25})->str();
  got["repr_rnn_relu"] = nn::make<nn::RNN>(10, 20, nn::RNNOptions{.nonlinearity = "relu"})->str();

  auto lstm = nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.num_layers = 2});
  auto gru = nn::make<nn::GRU>(3, 4);
  auto cell = nn::make<nn::LSTMCell>(3, 4);
  auto L = [&](Tensor x, Tensor h, Tensor c) {
    return error_text([&] { lstm(x, std::make_tuple(h, c)); });
  };
  auto C = [&](Tensor x, Tensor h, Tensor c) {
    return error_text([&] { cell(x, std::make_tuple(h, c)); });
  };
  got["err_input_size"] = error_text([&] { lstm(randn({5, 2, 6}), std::nullopt); });
  got["err_input_dim"] = error_text([&] { lstm(randn({5, 2, 3, 1}), std::nullopt); });
  got["err_h0_size"] = L(randn({5, 2, 3}), randn({2, 3, 4}), randn({2, 2, 4}));
  got["err_c0_size"] = L(randn({5, 2, 3}), randn({2, 2, 4}), randn({2, 3, 4}));
  got["err_hx_dims_batched"] = L(randn({5, 2, 3}), randn({2, 4}), randn({2, 2, 4}));
  got["err_hx_dims_unbatched"] = L(randn({5, 3}), randn({2, 2, 4}), randn({2, 2, 4}));
  got["err_seq_len"] = error_text([&] { lstm(randn({0, 2, 3}), std::nullopt); });
  got["err_dtype"] = error_text([&] { lstm(randn({5, 2, 3}, {.dtype = kFloat64}), std::nullopt); });
  got["err_gru_hidden"] = error_text([&] { gru(randn({5, 2, 3}), randn({1, 3, 4})); });
  got["err_gru_hx_dims"] = error_text([&] { gru(randn({5, 2, 3}), randn({2, 4})); });
  got["err_gru_unbatched_hx"] = error_text([&] { gru(randn({5, 3}), randn({1, 1, 4})); });
  got["err_proj_size"] =
      error_text([] { nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.proj_size = 4}); });
  got["err_proj_negative"] =
      error_text([] { nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.proj_size = -1}); });
  got["err_dropout"] = error_text([] { nn::make<nn::GRU>(3, 4, nn::GRUOptions{.dropout = 1.5}); });
  got["err_nonlinearity"] =
      error_text([] { nn::make<nn::RNN>(3, 4, nn::RNNOptions{.nonlinearity = "x"}); });
  got["err_cell_input_size"] = error_text([&] { cell(randn({2, 5}), std::nullopt); });
  got["err_cell_batch"] = C(randn({2, 3}), randn({3, 4}), randn({2, 4}));
  got["err_cell_hidden"] = C(randn({2, 3}), randn({2, 5}), randn({2, 4}));
  got["err_cell_c_hidden"] = C(randn({2, 3}), randn({2, 4}), randn({2, 5}));
  got["err_cell_unbatched_hx"] = C(randn({3}), randn({2, 4}), randn({2, 4}));
  got["err_rnncell_nonlinearity"] = error_text([] {
    nn::make<nn::RNNCell>(3, 4, nn::RNNCellOptions{.nonlinearity = "foo"})(randn({2, 3}));
  });
  ember::testing::expect_texts(f.metadata(), got);
}
