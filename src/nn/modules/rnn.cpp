#include "ember/nn/modules/rnn.h"

#include <algorithm>
#include <cmath>

#include "ember/core/error.h"
#include "ember/nn/init.h"
#include "ember/ops/factory.h"
#include "ember/ops/rnn.h"
#include "nn/modules/module_helpers.h"
#include "nn/modules/py_format.h"

namespace ember::nn {

using detail::factory_options;
using detail::opt;

namespace {

// Python's repr of a tuple of ints: "(2, 3, 4)".
std::string py_tuple(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

void uniform_all(Module& m, int64_t hidden_size) {
  const double stdv = hidden_size > 0 ? 1.0 / std::sqrt(static_cast<double>(hidden_size)) : 0;
  for (auto& w : m.parameters()) init::uniform_(w, -stdv, stdv);
}

// A None state: zeros of `shape` in input's dtype and on its device.
Tensor zero_state(const Tensor& input, IntArrayRef shape) {
  return zeros(shape, TensorOptions{.dtype = input.dtype(), .device = input.device()});
}

}  // namespace

// ---- RNNBase

RNNBase::RNNBase(const char* name, std::string mode_, int64_t input_size_, int64_t hidden_size_,
                 const Config& c)
    : Module(name),
      mode(std::move(mode_)),
      input_size(input_size_),
      hidden_size(hidden_size_),
      num_layers(c.num_layers),
      bias(c.bias),
      batch_first(c.batch_first),
      dropout(c.dropout),
      bidirectional(c.bidirectional),
      proj_size(c.proj_size) {
  EMBER_CHECK(std::isfinite(dropout) && dropout >= 0 && dropout <= 1, ValueError,
              "dropout should be a number in range [0, 1] representing the probability of an "
              "element being zeroed");
  EMBER_CHECK(proj_size >= 0, ValueError,
              "proj_size should be a positive integer or zero to disable projections");
  EMBER_CHECK(proj_size < hidden_size, ValueError, "proj_size has to be smaller than hidden_size");
  const int64_t gate_size = mode == "LSTM"  ? 4 * hidden_size
                            : mode == "GRU" ? 3 * hidden_size
                                            : hidden_size;
  // torch's flatten_parameters indexes the first weight: no layers is an IndexError.
  EMBER_CHECK(num_layers >= 1, IndexError, "list index out of range");
  const TensorOptions o = factory_options(c.dtype, c.device);
  const int64_t D = bidirectional ? 2 : 1;
  const int64_t real_hidden = proj_size > 0 ? proj_size : hidden_size;
  // All tensors first: a bad size throws before anything is registered.
  std::vector<std::pair<std::string, Tensor>> params;
  for (int64_t layer = 0; layer < num_layers; ++layer)
    for (int64_t d = 0; d < D; ++d) {
      const int64_t layer_input = layer == 0 ? input_size : real_hidden * D;
      const std::string sfx = std::to_string(layer) + (d == 1 ? "_reverse" : "");
      params.emplace_back("weight_ih_l" + sfx, empty({gate_size, layer_input}, o));
      params.emplace_back("weight_hh_l" + sfx, empty({gate_size, real_hidden}, o));
      if (bias) {
        params.emplace_back("bias_ih_l" + sfx, empty({gate_size}, o));
        params.emplace_back("bias_hh_l" + sfx, empty({gate_size}, o));
      }
      if (proj_size > 0)
        params.emplace_back("weight_hr_l" + sfx, empty({proj_size, hidden_size}, o));
    }
  for (auto& [n, t] : params) {
    register_parameter(n, t);
    flat_weights_names_.push_back(n);
  }
  reset_parameters();
}

void RNNBase::reset_parameters() { uniform_all(*this, hidden_size); }

std::string RNNBase::extra_repr() const {
  std::string s = detail::str_cat(input_size, ", ", hidden_size);
  if (proj_size != 0) s += detail::str_cat(", proj_size=", proj_size);
  if (num_layers != 1) s += detail::str_cat(", num_layers=", num_layers);
  if (!bias) s += ", bias=False";
  if (batch_first) s += ", batch_first=True";
  if (dropout != 0) s += ", dropout=" + detail::py_float(dropout);
  if (bidirectional) s += ", bidirectional=True";
  return s;
}

std::vector<Tensor> RNNBase::flat_weights() const {
  std::vector<Tensor> w;
  w.reserve(flat_weights_names_.size());
  for (const auto& n : flat_weights_names_) {
    const Tensor* t = named_parameters_local().find(n);
    EMBER_CHECK(t && t->defined(), AttributeError, "'", name(), "' object has no attribute '", n,
                "'");
    w.push_back(*t);
  }
  return w;
}

std::vector<std::vector<Tensor>> RNNBase::all_weights() const {
  const std::vector<Tensor> w = flat_weights();
  const size_t per = 2 + (bias ? 2 : 0) + (proj_size > 0 ? 1 : 0);
  std::vector<std::vector<Tensor>> r;
  for (size_t i = 0; i < w.size(); i += per) r.emplace_back(w.begin() + i, w.begin() + i + per);
  return r;
}

void RNNBase::check_input(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 3, RuntimeError, "input must have 3 dimensions, got ", input.dim());
  EMBER_CHECK(input.size(-1) == input_size, RuntimeError,
              "input.size(-1) must be equal to input_size. Expected ", input_size, ", got ",
              input.size(-1));
}

std::vector<int64_t> RNNBase::expected_hidden_size(const Tensor& input) const {
  const int64_t mini_batch = batch_first ? input.size(0) : input.size(1);
  return {num_layers * (bidirectional ? 2 : 1), mini_batch,
          proj_size > 0 ? proj_size : hidden_size};
}

void RNNBase::check_hidden_size(const Tensor& hx, const std::vector<int64_t>& expected,
                                const char* what) const {
  const IntArrayRef s = hx.sizes();
  const bool same = s.size() == expected.size() && std::equal(s.begin(), s.end(), expected.begin());
  EMBER_CHECK(same, RuntimeError, "Expected ", what, " size ", py_tuple(expected), ", got ", s);
}

// ---- RNN

namespace {
// RNNOptions, GRUOptions or LSTMOptions (the one with a proj_size).
template <typename Options>
RNNBase::Config config_of(const Options& o) {
  int64_t proj_size = 0;
  if constexpr (requires { o.proj_size; }) proj_size = o.proj_size;
  return {o.num_layers,    o.bias,    o.batch_first, o.dropout,
          o.bidirectional, proj_size, o.dtype,       o.device};
}
const char* rnn_mode(const RNNOptions& o) {
  EMBER_CHECK(o.nonlinearity == "tanh" || o.nonlinearity == "relu", ValueError,
              "Unknown nonlinearity '", o.nonlinearity, "'");
  return o.nonlinearity == "tanh" ? "RNN_TANH" : "RNN_RELU";
}
}  // namespace

RNN::RNN(int64_t input_size_, int64_t hidden_size_, const RNNOptions& options)
    : RNNBase("RNN", rnn_mode(options), input_size_, hidden_size_, config_of(options)),
      nonlinearity(options.nonlinearity) {}

namespace {

// RNN / GRU forward (one state tensor): unbatched input and hx batched, a
// None hx zeros, `run` (input, hx) -> (output, h_n), the results unbatched.
template <typename F>
std::tuple<Tensor, Tensor> single_state_forward(const RNNBase& m, const Tensor& input_,
                                                const Tensor& hx_, F&& run) {
  Tensor input = input_, hx = hx_;
  const bool batched = input.dim() == 3;
  const int64_t batch_dim = m.batch_first ? 0 : 1;
  if (!batched) {
    input = input.unsqueeze(batch_dim);
    if (hx.defined()) {
      EMBER_CHECK(hx.dim() == 2, RuntimeError,
                  "For unbatched 2-D input, hx should also be 2-D but got ", hx.dim(), "-D tensor");
      hx = hx.unsqueeze(1);
    }
  } else if (hx.defined()) {
    EMBER_CHECK(hx.dim() == 3, RuntimeError,
                "For batched 3-D input, hx should also be 3-D but got ", hx.dim(), "-D tensor");
  }
  if (!hx.defined()) {
    const int64_t max_batch = input.size(m.batch_first ? 0 : 1);
    hx = zero_state(input, {m.num_layers * (m.bidirectional ? 2 : 1), max_batch, m.hidden_size});
  }
  auto [out, h] = run(input, hx);
  if (!batched) return {out.squeeze(batch_dim), h.squeeze(1)};
  return {out, h};
}

// RNNCell / GRUCell forward: an unbatched (1-D) input and hx as a batch of
// one, a None hx zeros, `cell` (input, hx) -> h', unbatched again.
template <typename F>
Tensor single_state_cell(const Tensor& input_, const Tensor& hx_, int64_t hidden_size, F&& cell) {
  const bool batched = input_.dim() == 2;
  const Tensor input = batched ? input_ : input_.unsqueeze(0);
  const Tensor hx = hx_.defined() ? (batched ? hx_ : hx_.unsqueeze(0))
                                  : zero_state(input, {input.size(0), hidden_size});
  const Tensor r = cell(input, hx);
  return batched ? r : r.squeeze(0);
}

}  // namespace

std::tuple<Tensor, Tensor> RNN::forward(const Tensor& input_, const Tensor& hx_) {
  return single_state_forward(*this, input_, hx_, [&](const Tensor& input, const Tensor& hx) {
    check_input(input);
    check_hidden_size(hx, expected_hidden_size(input), "hidden");
    const auto w = flat_weights();
    return mode == "RNN_TANH" ? rnn_tanh(input, hx, w, bias, num_layers, dropout, is_training(),
                                         bidirectional, batch_first)
                              : rnn_relu(input, hx, w, bias, num_layers, dropout, is_training(),
                                         bidirectional, batch_first);
  });
}

// ---- GRU

GRU::GRU(int64_t input_size_, int64_t hidden_size_, const GRUOptions& options)
    : RNNBase("GRU", "GRU", input_size_, hidden_size_, config_of(options)) {}

std::tuple<Tensor, Tensor> GRU::forward(const Tensor& input_, const Tensor& hx_) {
  return single_state_forward(*this, input_, hx_, [&](const Tensor& input, const Tensor& hx) {
    check_input(input);
    check_hidden_size(hx, expected_hidden_size(input), "hidden");
    return gru(input, hx, flat_weights(), bias, num_layers, dropout, is_training(), bidirectional,
               batch_first);
  });
}

// ---- LSTM

LSTM::LSTM(int64_t input_size_, int64_t hidden_size_, const LSTMOptions& options)
    : RNNBase("LSTM", "LSTM", input_size_, hidden_size_, config_of(options)) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTM::forward(
    const Tensor& input_, const std::optional<std::tuple<Tensor, Tensor>>& hx_) {
  Tensor input = input_;
  const bool batched = input.dim() == 3;
  const int64_t batch_dim = batch_first ? 0 : 1;
  if (!batched) input = input.unsqueeze(batch_dim);
  const int64_t D = bidirectional ? 2 : 1;
  Tensor h0, c0;
  if (!hx_) {
    const int64_t max_batch = input.size(batch_first ? 0 : 1);
    h0 = zero_state(input, {num_layers * D, max_batch, proj_size > 0 ? proj_size : hidden_size});
    c0 = zero_state(input, {num_layers * D, max_batch, hidden_size});
  } else {
    std::tie(h0, c0) = *hx_;
    EMBER_CHECK(h0.defined() && c0.defined(), TypeError,
                "LSTM: hx must be a tuple of two tensors (h_0, c_0)");
    if (batched) {
      EMBER_CHECK(h0.dim() == 3 && c0.dim() == 3, RuntimeError,
                  "For batched 3-D input, hx and cx should also be 3-D but got (", h0.dim(), "-D, ",
                  c0.dim(), "-D) tensors");
    } else {
      EMBER_CHECK(h0.dim() == 2 && c0.dim() == 2, RuntimeError,
                  "For unbatched 2-D input, hx and cx should also be 2-D but got (", h0.dim(),
                  "-D, ", c0.dim(), "-D) tensors");
      h0 = h0.unsqueeze(1);
      c0 = c0.unsqueeze(1);
    }
  }
  check_input(input);
  check_hidden_size(h0, expected_hidden_size(input), "hidden[0]");
  const int64_t mini_batch = batch_first ? input.size(0) : input.size(1);
  check_hidden_size(c0, {num_layers * D, mini_batch, hidden_size}, "hidden[1]");
  auto [out, h, c] = lstm(input, {h0, c0}, flat_weights(), bias, num_layers, dropout, is_training(),
                          bidirectional, batch_first);
  if (!batched) return {out.squeeze(batch_dim), {h.squeeze(1), c.squeeze(1)}};
  return {out, {h, c}};
}

// ---- cells

RNNCellBase::RNNCellBase(const char* name, int64_t input_size_, int64_t hidden_size_, bool bias_,
                         int64_t num_chunks, std::optional<DType> dtype,
                         std::optional<Device> device)
    : Module(name), input_size(input_size_), hidden_size(hidden_size_), bias(bias_) {
  const TensorOptions o = factory_options(dtype, device);
  Tensor wih = empty({num_chunks * hidden_size, input_size}, o);
  Tensor whh = empty({num_chunks * hidden_size, hidden_size}, o);
  Tensor bih = bias ? empty({num_chunks * hidden_size}, o) : Tensor();
  Tensor bhh = bias ? empty({num_chunks * hidden_size}, o) : Tensor();
  register_parameter("weight_ih", wih, &weight_ih);
  register_parameter("weight_hh", whh, &weight_hh);
  register_parameter("bias_ih", bih, &bias_ih);
  register_parameter("bias_hh", bhh, &bias_hh);
  reset_parameters();
}

void RNNCellBase::reset_parameters() { uniform_all(*this, hidden_size); }

std::string RNNCellBase::extra_repr() const {
  std::string s = detail::str_cat(input_size, ", ", hidden_size);
  if (!bias) s += ", bias=False";
  if (!nonlinearity_.empty() && nonlinearity_ != "tanh") s += ", nonlinearity=" + nonlinearity_;
  return s;
}

void RNNCellBase::check_rank(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, RuntimeError, name(),
              ": Expected input to be 1-D or 2-D but received ", input.dim(), "-D tensor");
}

RNNCell::RNNCell(int64_t input_size_, int64_t hidden_size_, const RNNCellOptions& options)
    : RNNCellBase("RNNCell", input_size_, hidden_size_, options.bias, 1, options.dtype,
                  options.device),
      nonlinearity(options.nonlinearity) {
  nonlinearity_ = nonlinearity;
}

Tensor RNNCell::forward(const Tensor& input_, const Tensor& hx_) {
  check_rank(input_);
  return single_state_cell(input_, hx_, hidden_size, [&](const Tensor& input, const Tensor& hx) {
    if (nonlinearity == "tanh")
      return rnn_tanh_cell(input, hx, weight_ih, weight_hh, opt(bias_ih), opt(bias_hh));
    if (nonlinearity == "relu")
      return rnn_relu_cell(input, hx, weight_ih, weight_hh, opt(bias_ih), opt(bias_hh));
    throw RuntimeError(detail::str_cat("Unknown nonlinearity: ", nonlinearity));
  });
}

LSTMCell::LSTMCell(int64_t input_size_, int64_t hidden_size_, const LSTMCellOptions& options)
    : RNNCellBase("LSTMCell", input_size_, hidden_size_, options.bias, 4, options.dtype,
                  options.device) {}

std::tuple<Tensor, Tensor> LSTMCell::forward(const Tensor& input_,
                                             const std::optional<std::tuple<Tensor, Tensor>>& hx_) {
  check_rank(input_);
  const bool batched = input_.dim() == 2;
  const Tensor input = batched ? input_ : input_.unsqueeze(0);
  Tensor h, c;
  if (!hx_) {
    h = zero_state(input, {input.size(0), hidden_size});
    c = h;
  } else {
    std::tie(h, c) = *hx_;
    EMBER_CHECK(h.defined() && c.defined(), TypeError,
                "LSTMCell: hx must be a tuple of two tensors (h, c)");
    if (!batched) {
      h = h.unsqueeze(0);
      c = c.unsqueeze(0);
    }
  }
  auto [h1, c1] = lstm_cell(input, {h, c}, weight_ih, weight_hh, opt(bias_ih), opt(bias_hh));
  if (!batched) return {h1.squeeze(0), c1.squeeze(0)};
  return {h1, c1};
}

GRUCell::GRUCell(int64_t input_size_, int64_t hidden_size_, const GRUCellOptions& options)
    : RNNCellBase("GRUCell", input_size_, hidden_size_, options.bias, 3, options.dtype,
                  options.device) {}

Tensor GRUCell::forward(const Tensor& input_, const Tensor& hx_) {
  check_rank(input_);
  return single_state_cell(input_, hx_, hidden_size, [&](const Tensor& input, const Tensor& hx) {
    return gru_cell(input, hx, weight_ih, weight_hh, opt(bias_ih), opt(bias_hh));
  });
}

}  // namespace ember::nn
