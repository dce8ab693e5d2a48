// nn::RNN / LSTM / GRU and their cells (nn/modules/rnn.cpp, ops/rnn.cpp,
// kernels/cpu/rnn.cpp): hand-computed values, gradcheck in float64 for the
// cells and 2-layer bidirectional batch_first layers, parameter names and
// shapes, printed forms, dropout modes, dtypes and bad inputs. Values against
// PyTorch: tests/parity/nn_rnn_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/modules/rnn.h"
#include "ember/ops/rnn.h"

using namespace ember;
using autograd::gradcheck;

namespace {

double sig(double x) { return 1 / (1 + std::exp(-x)); }

Tensor rnd(IntArrayRef s, uint64_t seed, bool grad = true) {
  Generator g(seed);
  Tensor t = randn(s, {.dtype = kFloat64}, &g);
  if (grad) t.requires_grad_();
  return t;
}

Tensor vec(std::vector<double> v, IntArrayRef shape) {
  return from_vector(v).to(kFloat32).reshape(shape);
}

void set(Tensor p, std::vector<double> v) {
  NoGradGuard g;
  p.copy_(vec(v, p.sizes()));
}

std::string keys(nn::Module& m) {
  std::string out;
  for (const auto& [k, v] : m.state_dict()) out += (out.empty() ? "" : ",") + k;
  return out;
}

template <typename F>
std::string message(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

// ---- known values

TEST(RNNCell, KnownValues) {
  auto c = nn::make<nn::RNNCell>(1, 1);
  set(c->weight_ih, {0.5});
  set(c->weight_hh, {-1});
  set(c->bias_ih, {0.1});
  set(c->bias_hh, {0.2});
  Tensor h = c(vec({2}, {1, 1}), vec({0.3}, {1, 1}));
  EXPECT_NEAR(h.item<float>(), std::tanh(1.0 + 0.1 - 0.3 + 0.2), 1e-6);
  // Default state: zeros; unbatched input gives an unbatched result.
  Tensor h1 = c(vec({2}, {1}));
  EXPECT_EQ(h1.dim(), 1);
  EXPECT_NEAR(h1.item<float>(), std::tanh(1.3), 1e-6);
  auto r = nn::make<nn::RNNCell>(1, 1, nn::RNNCellOptions{.nonlinearity = "relu"});
  set(r->weight_ih, {0.5});
  set(r->weight_hh, {-1});
  set(r->bias_ih, {0.1});
  set(r->bias_hh, {0.2});
  EXPECT_NEAR(r(vec({2}, {1, 1}), vec({0.3}, {1, 1})).item<float>(), 1.0, 1e-6);
  EXPECT_NEAR(r(vec({-2}, {1, 1}), vec({0.3}, {1, 1})).item<float>(), 0.0, 1e-6);
}

TEST(LSTMCell, KnownValues) {
  auto c = nn::make<nn::LSTMCell>(1, 1);
  set(c->weight_ih, {1, 2, 3, 4});  // gates i, f, g, o
  set(c->weight_hh, {0.5, 0, 0, -0.5});
  set(c->bias_ih, {0, 0, 0, 0});
  set(c->bias_hh, {0, 0, 1, 0});
  auto [h, cc] = c(vec({1}, {1, 1}), std::make_tuple(vec({2}, {1, 1}), vec({0.5}, {1, 1})));
  const double i = sig(1 + 1), f = sig(2), g = std::tanh(3 + 1), o = sig(4 - 1);
  const double cv = f * 0.5 + i * g;
  EXPECT_NEAR(cc.item<float>(), cv, 1e-6);
  EXPECT_NEAR(h.item<float>(), o * std::tanh(cv), 1e-6);
}

TEST(GRUCell, KnownValues) {
  auto c = nn::make<nn::GRUCell>(1, 1);
  set(c->weight_ih, {1, 2, 3});  // gates r, z, n
  set(c->weight_hh, {0.5, 0.5, 0.5});
  set(c->bias_ih, {0, 0, 0.25});
  set(c->bias_hh, {0, 0, 1});
  Tensor h = c(vec({1}, {1, 1}), vec({1}, {1, 1}));
  const double r = sig(1.5), z = sig(2.5), n = std::tanh(3 + 0.25 + r * (0.5 + 1));
  EXPECT_NEAR(h.item<float>(), (1 - z) * n + z * 1, 1e-6);
}

TEST(RNN, BidirectionalKnownValues) {
  auto m = nn::make<nn::RNN>(1, 1, nn::RNNOptions{.bias = false, .bidirectional = true});
  set(m->get_parameter("weight_ih_l0"), {0.5});
  set(m->get_parameter("weight_hh_l0"), {-1});
  set(m->get_parameter("weight_ih_l0_reverse"), {0.25});
  set(m->get_parameter("weight_hh_l0_reverse"), {2});
  auto [out, hn] = m(vec({1, 2}, {2, 1, 1}), Tensor());
  const double h1 = std::tanh(0.5), h2 = std::tanh(1 - h1);
  const double r2 = std::tanh(0.5), r1 = std::tanh(0.25 + 2 * r2);
  ASSERT_EQ(out.sizes(), IntArrayRef({2, 1, 2}));
  const auto o = out.to(kFloat64).contiguous().tolist<double>();
  EXPECT_NEAR(o[0], h1, 1e-6);
  EXPECT_NEAR(o[1], r1, 1e-6);
  EXPECT_NEAR(o[2], h2, 1e-6);
  EXPECT_NEAR(o[3], r2, 1e-6);
  const auto h = hn.to(kFloat64).contiguous().tolist<double>();
  ASSERT_EQ(hn.sizes(), IntArrayRef({2, 1, 1}));
  EXPECT_NEAR(h[0], h2, 1e-6);
  EXPECT_NEAR(h[1], r1, 1e-6);
}

// The layers agree with stepping the cells (same weights).
TEST(LSTM, MatchesCellLoop) {
  manual_seed(3);
  auto m = nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.batch_first = true});
  auto c = nn::make<nn::LSTMCell>(3, 4);
  for (const char* n : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
    NoGradGuard g;
    c->get_parameter(n).copy_(m->get_parameter(std::string(n) + "_l0"));
  }
  Tensor x = randn({2, 5, 3});
  auto [out, st] = m(x, std::nullopt);
  Tensor h = zeros({2, 4}), cc = zeros({2, 4});
  for (int64_t t = 0; t < 5; ++t) {
    std::tie(h, cc) = c(x.select(1, t), std::make_tuple(h, cc));
    EXPECT_TRUE(allclose(out.select(1, t), h, 1e-5, 1e-6)) << t;
  }
  EXPECT_TRUE(allclose(std::get<0>(st)[0], h, 1e-5, 1e-6));
  EXPECT_TRUE(allclose(std::get<1>(st)[0], cc, 1e-5, 1e-6));
}

TEST(GRU, UnbatchedMatchesBatched) {
  manual_seed(4);
  auto m = nn::make<nn::GRU>(3, 4, nn::GRUOptions{.num_layers = 2, .bidirectional = true});
  Tensor x = randn({5, 3}), h0 = randn({4, 4});
  auto [o1, h1] = m(x, h0);
  auto [o2, h2] = m(x.unsqueeze(1), h0.unsqueeze(1));
  EXPECT_EQ(o1.sizes(), IntArrayRef({5, 8}));
  EXPECT_EQ(h1.sizes(), IntArrayRef({4, 4}));
  EXPECT_TRUE(allclose(o1, o2.squeeze(1)));
  EXPECT_TRUE(allclose(h1, h2.squeeze(1)));
}

// ---- gradcheck (float64)

TEST(RNNCells, Gradcheck) {
  const Tensor x = rnd({3, 2}, 1), h = rnd({3, 4}, 2), c = rnd({3, 4}, 3);
  for (int64_t chunks : {1, 3, 4}) {
    const Tensor wih = rnd({chunks * 4, 2}, 4), whh = rnd({chunks * 4, 4}, 5),
                 bih = rnd({chunks * 4}, 6), bhh = rnd({chunks * 4}, 7);
    if (chunks == 1) {
      EXPECT_TRUE(gradcheck(
          [](const std::vector<Tensor>& in) {
            return rnn_tanh_cell(in[0], in[1], in[2], in[3], in[4], in[5]);
          },
          {x, h, wih, whh, bih, bhh}));
      EXPECT_TRUE(gradcheck(
          [](const std::vector<Tensor>& in) {
            return rnn_relu_cell(in[0], in[1], in[2], in[3], in[4], in[5]);
          },
          {x, h, wih, whh, bih, bhh}));
    } else if (chunks == 3) {
      EXPECT_TRUE(gradcheck(
          [](const std::vector<Tensor>& in) {
            return gru_cell(in[0], in[1], in[2], in[3], in[4], in[5]);
          },
          {x, h, wih, whh, bih, bhh}));
      EXPECT_TRUE(gradcheck(  // no biases
          [](const std::vector<Tensor>& in) { return gru_cell(in[0], in[1], in[2], in[3]); },
          {x, h, wih, whh}));
    } else {
      EXPECT_TRUE(gradcheck(
          [](const std::vector<Tensor>& in) {
            auto [h1, c1] = lstm_cell(in[0], {in[1], in[2]}, in[3], in[4], in[5], in[6]);
            return std::vector<Tensor>{h1, c1};
          },
          {x, h, c, wih, whh, bih, bhh}));
    }
  }
}

namespace {

// Parameters of a 2-layer bidirectional layer: per layer and direction
// w_ih, w_hh, b_ih, b_hh[, w_hr].
std::vector<Tensor> layer_params(int64_t gates, int64_t in, int64_t H, int64_t P, bool bias,
                                 uint64_t seed) {
  std::vector<Tensor> p;
  const int64_t R = P > 0 ? P : H;
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t d = 0; d < 2; ++d) {
      p.push_back(rnd({gates * H, l == 0 ? in : 2 * R}, seed++));
      p.push_back(rnd({gates * H, R}, seed++));
      if (bias) {
        p.push_back(rnd({gates * H}, seed++));
        p.push_back(rnd({gates * H}, seed++));
      }
      if (P > 0) p.push_back(rnd({P, H}, seed++));
    }
  return p;
}

}  // namespace

TEST(RNNLayers, GradcheckBidirectionalBatchFirst) {
  const int64_t N = 2, T = 3, in = 3, H = 3;
  const Tensor x = rnd({N, T, in}, 11), h0 = rnd({4, N, H}, 12);
  for (int mode = 0; mode < 3; ++mode)
    for (bool bias : {true, false}) {
      const int64_t gates = mode == 0 ? 1 : mode == 1 ? 3 : 1;
      std::vector<Tensor> inputs = {x, h0};
      const auto p = layer_params(gates, in, H, 0, bias, 20);
      inputs.insert(inputs.end(), p.begin(), p.end());
      EXPECT_TRUE(gradcheck(
          [=](const std::vector<Tensor>& v) {
            std::vector<Tensor> ps(v.begin() + 2, v.end());
            auto [o, h] = mode == 0   ? rnn_tanh(v[0], v[1], ps, bias, 2, 0, true, true, true)
                          : mode == 1 ? gru(v[0], v[1], ps, bias, 2, 0, true, true, true)
                                      : rnn_relu(v[0], v[1], ps, bias, 2, 0, true, true, true);
            return std::vector<Tensor>{o, h};
          },
          inputs))
          << mode << " " << bias;
    }
}

TEST(LSTMLayer, GradcheckBidirectionalBatchFirst) {
  const int64_t N = 2, T = 3, in = 3, H = 4;
  for (int64_t P : {0, 2}) {
    const Tensor x = rnd({N, T, in}, 31), h0 = rnd({4, N, P > 0 ? P : H}, 32),
                 c0 = rnd({4, N, H}, 33);
    std::vector<Tensor> inputs = {x, h0, c0};
    const auto p = layer_params(4, in, H, P, true, 40);
    inputs.insert(inputs.end(), p.begin(), p.end());
    EXPECT_TRUE(gradcheck(
        [](const std::vector<Tensor>& v) {
          std::vector<Tensor> ps(v.begin() + 3, v.end());
          auto [o, h, c] = lstm(v[0], {v[1], v[2]}, ps, true, 2, 0, true, true, true);
          return std::vector<Tensor>{o, h, c};
        },
        inputs))
        << P;
  }
}

// A gradient that reaches only h_n (not the output) or only c_n.
TEST(LSTMLayer, GradcheckPartialOutputs) {
  const Tensor x = rnd({4, 2, 3}, 51), h0 = rnd({1, 2, 3}, 52), c0 = rnd({1, 2, 3}, 53);
  const auto ps = std::vector<Tensor>{rnd({12, 3}, 54), rnd({12, 3}, 55)};
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& v) {
        auto [o, h, c] = lstm(v[0], {v[1], v[2]}, {v[3], v[4]}, false, 1, 0, true, false, false);
        return c;
      },
      {x, h0, c0, ps[0], ps[1]}));
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& v) {
        auto [o, h, c] = lstm(v[0], {v[1], v[2]}, {v[3], v[4]}, false, 1, 0, true, false, false);
        return h;
      },
      {x, h0, c0, ps[0], ps[1]}));
}

TEST(RNNLayers, NodeNames) {
  auto m = nn::make<nn::LSTM>(3, 4);
  auto [o, st] = m(randn({2, 1, 3}), std::nullopt);
  ASSERT_TRUE(std::get<1>(st).grad_fn());
  auto g = nn::make<nn::GRUCell>(3, 4);
  Tensor h = g(randn({2, 3}));
  EXPECT_EQ(h.grad_fn()->name(), "GruLayerBackward0");
  NoGradGuard ng;
  EXPECT_FALSE(g(randn({2, 3})).grad_fn());
}

// ---- module structure

TEST(RNNModules, ParameterNamesAndShapes) {
  auto m = nn::make<nn::LSTM>(
      3, 4, nn::LSTMOptions{.num_layers = 2, .bidirectional = true, .proj_size = 2});
  EXPECT_EQ(keys(*m),
            "weight_ih_l0,weight_hh_l0,bias_ih_l0,bias_hh_l0,weight_hr_l0,"
            "weight_ih_l0_reverse,weight_hh_l0_reverse,bias_ih_l0_reverse,bias_hh_l0_reverse,"
            "weight_hr_l0_reverse,weight_ih_l1,weight_hh_l1,bias_ih_l1,bias_hh_l1,weight_hr_l1,"
            "weight_ih_l1_reverse,weight_hh_l1_reverse,bias_ih_l1_reverse,bias_hh_l1_reverse,"
            "weight_hr_l1_reverse");
  EXPECT_EQ(m->get_parameter("weight_ih_l0").sizes(), IntArrayRef({16, 3}));
  EXPECT_EQ(m->get_parameter("weight_hh_l0").sizes(), IntArrayRef({16, 2}));
  EXPECT_EQ(m->get_parameter("weight_hr_l0").sizes(), IntArrayRef({2, 4}));
  EXPECT_EQ(m->get_parameter("weight_ih_l1").sizes(), IntArrayRef({16, 4}));
  EXPECT_EQ(m->all_weights().size(), 4u);
  EXPECT_EQ(m->all_weights()[0].size(), 5u);
  auto g = nn::make<nn::GRU>(3, 5, nn::GRUOptions{.bias = false});
  EXPECT_EQ(keys(*g), "weight_ih_l0,weight_hh_l0");
  EXPECT_EQ(g->get_parameter("weight_ih_l0").sizes(), IntArrayRef({15, 3}));
  auto c = nn::make<nn::LSTMCell>(3, 4, nn::LSTMCellOptions{.bias = false});
  EXPECT_EQ(keys(*c), "weight_ih,weight_hh");
  EXPECT_FALSE(c->bias_ih.defined());
  auto d = nn::make<nn::RNN>(3, 4, nn::RNNOptions{.dtype = kFloat64});
  EXPECT_EQ(d->get_parameter("bias_hh_l0").dtype(), kFloat64);
}

TEST(RNNModules, DefaultInitBounds) {
  manual_seed(0);
  auto m = nn::make<nn::GRU>(50, 400);
  for (const auto& p : m->parameters()) {
    EXPECT_LE(p.max().item<float>(), 0.05f);
    EXPECT_GE(p.min().item<float>(), -0.05f);
  }
  const Tensor w = m->get_parameter("weight_hh_l0");
  EXPECT_NEAR(w.std().item<float>(), 0.05 / std::sqrt(3.0), 1e-3);
  auto c = nn::make<nn::RNNCell>(3, 16);
  EXPECT_LE(c->bias_hh.abs().max().item<float>(), 0.25f);
}

TEST(RNNModules, Repr) {
  EXPECT_EQ(
      nn::make<nn::LSTM>(
          10, 20, nn::LSTMOptions{.num_layers = 2, .batch_first = true, .bidirectional = true})
          ->str(),
      "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)");
  EXPECT_EQ(
      nn::make<nn::LSTM>(10, 20, nn::LSTMOptions{.bias = false, .dropout = 0.5, .proj_size = 5})
          ->str(),
      "LSTM(10, 20, proj_size=5, bias=False, dropout=0.5)");
  EXPECT_EQ(nn::make<nn::RNN>(10, 20, nn::RNNOptions{.nonlinearity = "relu"})->str(),
            "RNN(10, 20)");
  EXPECT_EQ(nn::make<nn::GRU>(10, 20)->str(), "GRU(10, 20)");
  EXPECT_EQ(nn::make<nn::RNNCell>(3, 4, nn::RNNCellOptions{.nonlinearity = "relu"})->str(),
            "RNNCell(3, 4, nonlinearity=relu)");
  EXPECT_EQ(nn::make<nn::LSTMCell>(3, 4, nn::LSTMCellOptions{.bias = false})->str(),
            "LSTMCell(3, 4, bias=False)");
  EXPECT_EQ(nn::make<nn::GRUCell>(3, 4)->str(), "GRUCell(3, 4)");
}

TEST(RNNModules, DropoutTrainOnly) {
  manual_seed(5);
  auto m = nn::make<nn::GRU>(3, 8, nn::GRUOptions{.num_layers = 2, .dropout = 0.5});
  Tensor x = randn({4, 2, 3});
  m->eval();
  auto [a, ha] = m(x, Tensor());
  auto [b, hb] = m(x, Tensor());
  EXPECT_TRUE(equal(a, b));
  m->train();
  auto [c, hc] = m(x, Tensor());
  EXPECT_FALSE(allclose(a, c));
  // The first layer's state does not see dropout.
  EXPECT_TRUE(allclose(ha[0], hc[0]));
}

TEST(RNNModules, NoGradMatchesGrad) {
  manual_seed(6);
  auto m = nn::make<nn::LSTM>(
      3, 5, nn::LSTMOptions{.num_layers = 2, .bidirectional = true, .proj_size = 3});
  Tensor x = randn({4, 2, 3});
  auto [a, sa] = m(x, std::nullopt);
  NoGradGuard g;
  auto [b, sb] = m(x, std::nullopt);
  EXPECT_TRUE(equal(a.detach(), b));
  EXPECT_TRUE(equal(std::get<1>(sa).detach(), std::get<1>(sb)));
}

TEST(RNNModules, ReducedPrecisionAndDouble) {
  manual_seed(7);
  auto m = nn::make<nn::GRU>(3, 4);
  Tensor x = randn({3, 2, 3});
  auto [ref, href] = m(x, Tensor());
  auto b = nn::make<nn::GRU>(3, 4, nn::GRUOptions{.dtype = kBFloat16});
  b->load_state_dict(m->state_dict());
  auto [o, h] = b(x.to(kBFloat16), Tensor());
  EXPECT_EQ(o.dtype(), kBFloat16);
  EXPECT_TRUE(allclose(o.to(kFloat32), ref, 0.05, 0.05));
  o.sum().backward();
  EXPECT_EQ(b->get_parameter("weight_hh_l0").grad().dtype(), kBFloat16);
  m->double_();
  auto [d, hd] = m(x.to(kFloat64), Tensor());
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_TRUE(allclose(d.to(kFloat32), ref, 1e-5, 1e-6));
}

TEST(RNNModules, EmptyBatch) {
  auto m = nn::make<nn::LSTM>(3, 4);
  Tensor x = randn({5, 0, 3}).requires_grad_();
  auto [o, st] = m(x, std::nullopt);
  EXPECT_EQ(o.sizes(), IntArrayRef({5, 0, 4}));
  o.sum().backward();
  EXPECT_EQ(m->get_parameter("weight_hh_l0").grad().abs().sum().item<float>(), 0.0f);
}

// ---- bad input

TEST(RNNModules, ConstructorErrors) {
  EXPECT_THROW(nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.proj_size = 4}), ValueError);
  EXPECT_EQ(message([] { nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.proj_size = 4}); }),
            "proj_size has to be smaller than hidden_size");
  EXPECT_EQ(message([] { nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.proj_size = -1}); }),
            "proj_size should be a positive integer or zero to disable projections");
  EXPECT_THROW(nn::make<nn::GRU>(3, 4, nn::GRUOptions{.dropout = 1.5}), ValueError);
  EXPECT_EQ(message([] { nn::make<nn::RNN>(3, 4, nn::RNNOptions{.dropout = -0.1}); }),
            "dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed");
  EXPECT_THROW(nn::make<nn::RNN>(3, 4, nn::RNNOptions{.nonlinearity = "x"}), ValueError);
  EXPECT_EQ(message([] { nn::make<nn::RNN>(3, 4, nn::RNNOptions{.nonlinearity = "x"}); }),
            "Unknown nonlinearity 'x'");
  EXPECT_THROW(nn::make<nn::RNN>(3, 4, nn::RNNOptions{.num_layers = 0}), IndexError);
  EXPECT_THROW(nn::make<nn::GRU>(3, 0), ValueError);  // as torch: proj_size 0 >= hidden_size 0
  EXPECT_THROW(nn::make<nn::GRUCell>(3, -1), RuntimeError);
  // RNNCell accepts any nonlinearity until forward.
  auto c = nn::make<nn::RNNCell>(3, 4, nn::RNNCellOptions{.nonlinearity = "foo"});
  EXPECT_EQ(message([&] { c(randn({2, 3})); }), "Unknown nonlinearity: foo");
}

TEST(RNNModules, ForwardErrors) {
  auto m = nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.num_layers = 2});
  auto call = [&](Tensor x, Tensor h, Tensor c) {
    return message([&] { m(x, std::make_tuple(h, c)); });
  };
  EXPECT_EQ(message([&] {
              m(randn({5, 2, 6}), std::nullopt);
            }),
            "input.size(-1) must be equal to input_size. Expected 3, got 6");
  EXPECT_EQ(message([&] {
              m(randn({5, 2, 3, 1}), std::nullopt);
            }),
            "input must have 3 dimensions, got 5");
  EXPECT_EQ(call(randn({5, 2, 3}), randn({2, 3, 4}), randn({2, 2, 4})),
            "Expected hidden[0] size (2, 2, 4), got [2, 3, 4]");
  EXPECT_EQ(call(randn({5, 2, 3}), randn({2, 2, 4}), randn({2, 3, 4})),
            "Expected hidden[1] size (2, 2, 4), got [2, 3, 4]");
  EXPECT_EQ(call(randn({5, 2, 3}), randn({2, 4}), randn({2, 2, 4})),
            "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors");
  EXPECT_EQ(call(randn({5, 3}), randn({2, 2, 4}), randn({2, 2, 4})),
            "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors");
  EXPECT_EQ(message([&] {
              m(randn({0, 2, 3}), std::nullopt);
            }),
            "Expected sequence length to be larger than 0 in RNN");
  EXPECT_EQ(message([&] {
              m(randn({5, 2, 3}, {.dtype = kFloat64}), std::nullopt);
            }),
            "mat1 and mat2 must have the same dtype");
  EXPECT_EQ(call(randn({5, 2, 3}), randn({2, 2, 4}, {.dtype = kFloat64}), randn({2, 2, 4})),
            "mat1 and mat2 must have the same dtype");
  auto g = nn::make<nn::GRU>(3, 4);
  EXPECT_EQ(message([&] {
              g(randn({5, 2, 3}), randn({1, 3, 4}));
            }),
            "Expected hidden size (1, 2, 4), got [1, 3, 4]");
  EXPECT_EQ(message([&] {
              g(randn({5, 2, 3}), randn({2, 4}));
            }),
            "For batched 3-D input, hx should also be 3-D but got 2-D tensor");
  EXPECT_EQ(message([&] {
              g(randn({5, 3}), randn({1, 1, 4}));
            }),
            "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");
  EXPECT_EQ(message([&] {
              g(ones({5, 2, 3}, {.dtype = kInt64}), Tensor());
            }),
            "mat1 and mat2 must have the same dtype");
}

TEST(RNNCells, ForwardErrors) {
  auto c = nn::make<nn::LSTMCell>(3, 4);
  auto call = [&](Tensor x, Tensor h, Tensor cc) {
    return message([&] { c(x, std::make_tuple(h, cc)); });
  };
  EXPECT_EQ(message([&] {
              c(randn({2, 5}), std::nullopt);
            }),
            "input has inconsistent input_size: got 5 expected 3");
  EXPECT_EQ(call(randn({2, 3}), randn({3, 4}), randn({2, 4})),
            "Input batch size 2 doesn't match hidden0 batch size 3");
  EXPECT_EQ(call(randn({2, 3}), randn({2, 5}), randn({2, 4})),
            "hidden0 has inconsistent hidden_size: got 5, expected 4");
  EXPECT_EQ(call(randn({2, 3}), randn({2, 4}), randn({2, 5})),
            "hidden0 has inconsistent hidden_size: got 5, expected 4");
  EXPECT_EQ(call(randn({3}), randn({2, 4}), randn({2, 4})),
            "hidden0 has inconsistent hidden_size: got 2, expected 4");
  EXPECT_THROW(c(randn({2, 2, 3}), std::nullopt), RuntimeError);
  EXPECT_EQ(message([&] {
              c(randn({2, 2, 3}), std::nullopt);
            }),
            "LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  auto g = nn::make<nn::GRUCell>(3, 4);
  EXPECT_EQ(message([&] {
              g(randn({2, 3}), randn({3, 4}));
            }),
            "Input batch size 2 doesn't match hidden0 batch size 3");
  EXPECT_EQ(message([&] {
              g(randn({2, 3}, {.dtype = kFloat64}));
            }),
            "mat1 and mat2 must have the same dtype");
  auto r = nn::make<nn::RNNCell>(3, 4);
  EXPECT_EQ(message([&] {
              r(randn({2, 3}), randn({2, 5}));
            }),
            "hidden0 has inconsistent hidden_size: got 5, expected 4");
  // An argument error leaves no history and no state behind.
  EXPECT_FALSE(r->weight_ih.grad().defined());
}

// ---- module machinery: hooks see the typed outputs as values, clone, meta

TEST(RNNModules, HooksAndClone) {
  manual_seed(8);
  auto m = nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.num_layers = 2});
  Tensor x = randn({5, 2, 3});
  auto [ref, sref] = m(x, std::nullopt);
  int calls = 0;
  std::vector<size_t> arg_counts;
  auto h = m->register_forward_hook([&](nn::Module&, const nn::Args& args, const nn::Value& out) {
    ++calls;
    arg_counts.push_back(args.size());
    EXPECT_TRUE(out.is_tuple());
  });
  auto [o, s] = m(x);
  EXPECT_EQ(calls, 1);
  // A call with values (as containers make) passes the state explicitly.
  const nn::Value v = m->call({nn::Value(x), nn::Value()});
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(v.is_tuple());
  // The typed call's own arguments, then the two values.
  EXPECT_EQ(arg_counts, (std::vector<size_t>{1, 2}));
  EXPECT_TRUE(equal(o, ref));
  EXPECT_TRUE(equal(std::get<1>(s), std::get<1>(sref)));
  h.remove();
  auto c = std::dynamic_pointer_cast<nn::LSTM>(m->clone());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str(), m->str());
  auto [o2, s2] = c->forward(x);
  EXPECT_TRUE(equal(o2, ref));
}

TEST(RNNModules, Meta) {
  auto m = nn::make<nn::GRU>(
      3, 4,
      nn::GRUOptions{.num_layers = 2, .batch_first = true, .bidirectional = true, .device = kMeta});
  auto [o, h] = m(empty({2, 5, 3}, {.device = kMeta}), Tensor());
  EXPECT_TRUE(o.is_meta());
  EXPECT_EQ(o.sizes(), IntArrayRef({2, 5, 8}));
  EXPECT_EQ(h.sizes(), IntArrayRef({4, 2, 4}));
  auto c = nn::make<nn::LSTMCell>(3, 4, nn::LSTMCellOptions{.device = kMeta});
  auto [h1, c1] = c(empty({2, 3}, {.device = kMeta}), std::nullopt);
  EXPECT_TRUE(c1.is_meta());
  EXPECT_EQ(c1.sizes(), IntArrayRef({2, 4}));
}

// Through the modules themselves (float64 parameters): input and state gradients.
TEST(RNNModules, GradcheckThroughModules) {
  auto l = nn::make<nn::LSTM>(3, 4,
                              nn::LSTMOptions{.num_layers = 2,
                                              .batch_first = true,
                                              .bidirectional = true,
                                              .proj_size = 2,
                                              .dtype = kFloat64});
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& v) {
        auto [o, s] = l(v[0], std::make_tuple(v[1], v[2]));
        return std::vector<Tensor>{o, std::get<0>(s), std::get<1>(s)};
      },
      {rnd({2, 3, 3}, 61), rnd({4, 2, 2}, 62), rnd({4, 2, 4}, 63)}));
  auto g = nn::make<nn::GRU>(
      3, 4,
      nn::GRUOptions{
          .num_layers = 2, .batch_first = true, .bidirectional = true, .dtype = kFloat64});
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& v) {
        auto [o, h] = g(v[0], v[1]);
        return std::vector<Tensor>{o, h};
      },
      {rnd({5, 3}, 64), rnd({4, 4}, 65)}));  // unbatched
  auto c = nn::make<nn::RNNCell>(3, 4, nn::RNNCellOptions{.dtype = kFloat64});
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& v) { return c(v[0], v[1]); },
                        {rnd({3}, 66), rnd({4}, 67)}));
}

// The functional forms check the parameter shapes the kernel relies on.
TEST(RNNFunctional, ParameterShapeErrors) {
  const Tensor x = randn({2, 3}), h = randn({2, 4});
  EXPECT_THROW(gru_cell(x, h, randn({12, 3}), randn({16, 4})), RuntimeError);
  EXPECT_THROW(gru_cell(x, h, randn({12, 3}), randn({12, 4}), randn({12}), randn({11})),
               RuntimeError);
  EXPECT_THROW(rnn_tanh_cell(x, h, randn({4, 3}), randn({4, 5})), RuntimeError);
  EXPECT_THROW(lstm_cell(x, {h, randn({2, 5})}, randn({16, 3}), randn({16, 4})), RuntimeError);
  const Tensor seq = randn({5, 2, 3});
  // A projection whose weight_hr does not match.
  EXPECT_THROW(
      lstm(seq, {randn({1, 2, 2}), randn({1, 2, 4})},
           {randn({16, 3}), randn({16, 2}), randn({3, 4})}, false, 1, 0, true, false, false),
      RuntimeError);
  // Too few parameters for the layers.
  EXPECT_THROW(
      gru(seq, randn({2, 2, 4}), {randn({12, 3}), randn({12, 4})}, false, 2, 0, true, false, false),
      RuntimeError);
  EXPECT_EQ(message([&] {
              rnn_tanh(randn({0, 2, 3}), randn({1, 2, 4}), {randn({4, 3}), randn({4, 4})}, false, 1,
                       0, true, false, false);
            }),
            "Expected sequence length to be larger than 0 in RNN");
  EXPECT_THROW(gru_cell(ones({2, 3}, {.dtype = kInt32}), ones({2, 4}, {.dtype = kInt32}),
                        ones({12, 3}, {.dtype = kInt32}), ones({12, 4}, {.dtype = kInt32})),
               TypeError);
}

// Double backward: the gradients taken with create_graph are differentiable
// (gradgradcheck in float64).
TEST(RNNFunctional, Gradgradcheck) {
  const Tensor x = rnd({2, 3}, 71), h = rnd({2, 4}, 72), c = rnd({2, 4}, 73);
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& v) { return gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]); },
      {x, h, rnd({12, 3}, 74), rnd({12, 4}, 75), rnd({12}, 76), rnd({12}, 77)}));
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& v) {
        auto [h1, c1] = lstm_cell(v[0], {v[1], v[2]}, v[3], v[4]);
        return std::vector<Tensor>{h1, c1};
      },
      {x, h, c, rnd({16, 3}, 78), rnd({16, 4}, 79)}));
  const Tensor seq = rnd({3, 2, 3}, 80);
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& v) {
        auto [o, hn] = rnn_tanh(v[0], v[1], {v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]}, true,
                                1, 0, true, true, true);
        return std::vector<Tensor>{o, hn};
      },
      {rnd({2, 3, 3}, 81), rnd({2, 2, 4}, 82), rnd({4, 3}, 83), rnd({4, 4}, 84), rnd({4}, 85),
       rnd({4}, 86), rnd({4, 3}, 87), rnd({4, 4}, 88), rnd({4}, 89), rnd({4}, 90)}));
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const std::vector<Tensor>& v) {
        auto [o, hn, cn] =
            lstm(v[0], {v[1], v[2]}, {v[3], v[4], v[5]}, false, 1, 0, true, false, false);
        return std::vector<Tensor>{o, hn, cn};
      },
      {seq, rnd({1, 2, 2}, 91), rnd({1, 2, 4}, 92), rnd({16, 3}, 93), rnd({16, 2}, 94),
       rnd({2, 4}, 95)}));
}

// The create_graph path recomputes the layer in composite form: its gradients
// equal the fused kernel's.
TEST(RNNFunctional, CreateGraphGradientsMatch) {
  for (int mode = 0; mode < 4; ++mode) {
    const int64_t gates = mode == 2 ? 4 : mode == 3 ? 3 : 1;
    const int64_t P = mode == 2 ? 2 : 4;
    std::vector<Tensor> in = {rnd({3, 2, 3}, 101), rnd({2, 2, P}, 102), rnd({2, 2, 4}, 103)};
    const auto ps = layer_params(gates, 3, 4, mode == 2 ? P : 0, true, 110);
    std::vector<Tensor> params(ps.begin(), ps.begin() + ps.size() / 2);  // one layer, 2 dirs
    auto run = [&] {
      std::vector<Tensor> outs;
      if (mode == 2) {
        auto [o, h, c] = lstm(in[0], {in[1], in[2]}, params, true, 1, 0, true, true, false);
        outs = {o, h, c};
      } else {
        auto [o, h] = mode == 0   ? rnn_tanh(in[0], in[1], params, true, 1, 0, true, true, false)
                      : mode == 1 ? rnn_relu(in[0], in[1], params, true, 1, 0, true, true, false)
                                  : gru(in[0], in[1], params, true, 1, 0, true, true, false);
        outs = {o, h};
      }
      Tensor loss;
      for (size_t k = 0; k < outs.size(); ++k) {
        Tensor term = (outs[k] * outs[k]).sum() * double(k + 1);
        loss = loss.defined() ? loss + term : term;
      }
      return loss;
    };
    std::vector<Tensor> wrt = {in[0], in[1]};
    if (mode == 2) wrt.push_back(in[2]);
    wrt.insert(wrt.end(), params.begin(), params.end());
    const auto plain = autograd::grad({run()}, wrt);
    const auto graph = autograd::grad({run()}, wrt, {}, std::nullopt, true);
    for (size_t k = 0; k < wrt.size(); ++k) {
      EXPECT_TRUE(graph[k].requires_grad()) << mode << " " << k;
      EXPECT_TRUE(allclose(plain[k], graph[k].detach(), 1e-9, 1e-12)) << mode << " " << k;
    }
  }
}

// retain_graph keeps the saved workspace; without it a second backward throws.
TEST(RNNModules, RetainGraph) {
  manual_seed(9);
  auto m = nn::make<nn::LSTM>(3, 4, nn::LSTMOptions{.proj_size = 2});
  auto [o, st] = m(randn({4, 2, 3}), std::nullopt);
  Tensor loss = o.sum() + std::get<1>(st).sum();
  loss.backward(Tensor(), true);
  const Tensor w = m->get_parameter("weight_hh_l0");
  const Tensor g1 = w.grad().clone();
  loss.backward();
  EXPECT_TRUE(allclose(w.grad(), g1 * 2, 1e-5, 1e-6));
  EXPECT_THROW(loss.backward(), RuntimeError);
}
