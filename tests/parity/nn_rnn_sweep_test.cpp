// Seeded random nn::RNN / LSTM / GRU and RNNCell / LSTMCell / GRUCell
// configurations against torch (tests/parity/gen_nn_rnn_sweep.py): every
// constructor option, unbatched inputs and empty batches, None or given
// states, eval-mode dropout, float32 / float64, frozen parameters, output
// gradients for a subset of the outputs, double backward, cells run over
// several steps; and, ember only, non-contiguous inputs and states, the
// typed forward, the typed call and Module::call, a sequence split over two
// chained calls and a backward run twice. Checked: outputs, final states and
// the gradients of the input, the initial states and every parameter.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/autograd/engine.h"
#include "ember/ember.h"
#include "ember/nn/modules/rnn.h"
#include "support/parity.h"
#include "support/state_dict_values.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

// The config (in0) fields, see the generator.
namespace field {
enum : size_t {
  kind,
  input_size,
  hidden_size,
  num_layers,
  bias,
  batch_first,
  bidirectional,
  proj_size,
  steps,
  batch,
  unbatched,
  eval,
  float64,
  input_grad,
  layout,
  dropout,
  state,
  grad_mask,
  double_backward,
  call,
  split,
  repeat,
  count
};
}  // namespace field

// A leaf holding `v`'s values and the (possibly non-contiguous) view of it the
// module is called with: layout 0 contiguous, 1 transposed (dims 0 and 1),
// 2 padded rows (a narrow of a wider tensor), 3 a stride of 2 in the last dim.
struct Leaf {
  Tensor base, view;
  int layout = 0;
  int64_t last = 0;  // view's last size
  // A tensor of base's shape seen as view is.
  Tensor as_view(const Tensor& t) const {
    switch (layout) {
      case 1:
        return t.transpose(0, 1);
      case 2:
        return t.narrow(-1, 0, last);
      case 3:
        return t.select(-1, 0);
      default:
        return t;
    }
  }
};

Leaf leaf(const Tensor& v, int layout, bool requires_grad) {
  if (layout == 1 && v.dim() < 2) layout = 3;
  Leaf l;
  l.layout = layout;
  l.last = v.size(-1);
  switch (layout) {
    case 1:
      l.base = v.transpose(0, 1).contiguous();
      break;
    case 2:
      l.base = cat({v, zeros_like(v)}, -1);
      break;
    case 3:
      l.base = stack({v, zeros_like(v)}, -1);
      break;
    default:
      l.base = v.clone();
  }
  l.base.requires_grad_(requires_grad);
  l.view = l.as_view(l.base);
  return l;
}

nn::ModulePtr make_module(const std::vector<int64_t>& c) {
  namespace f = field;
  const std::optional<DType> dt = c[f::float64] ? std::optional<DType>(kFloat64) : std::nullopt;
  const int64_t in = c[f::input_size], h = c[f::hidden_size], layers = c[f::num_layers];
  const bool bias = c[f::bias] != 0, bf = c[f::batch_first] != 0, bi = c[f::bidirectional] != 0;
  const double dropout = static_cast<double>(c[f::dropout]) / 100;
  switch (c[f::kind]) {
    case 0:
    case 1:
      return nn::make<nn::RNN>(in, h,
                               nn::RNNOptions{.num_layers = layers,
                                              .nonlinearity = c[f::kind] == 0 ? "tanh" : "relu",
                                              .bias = bias,
                                              .batch_first = bf,
                                              .dropout = dropout,
                                              .bidirectional = bi,
                                              .dtype = dt});
    case 2:
      return nn::make<nn::LSTM>(in, h,
                                nn::LSTMOptions{.num_layers = layers,
                                                .bias = bias,
                                                .batch_first = bf,
                                                .dropout = dropout,
                                                .bidirectional = bi,
                                                .proj_size = c[f::proj_size],
                                                .dtype = dt});
    case 3:
      return nn::make<nn::GRU>(in, h,
                               nn::GRUOptions{.num_layers = layers,
                                              .bias = bias,
                                              .batch_first = bf,
                                              .dropout = dropout,
                                              .bidirectional = bi,
                                              .dtype = dt});
    case 4:
    case 5:
      return nn::make<nn::RNNCell>(
          in, h,
          nn::RNNCellOptions{
              .bias = bias, .nonlinearity = c[f::kind] == 4 ? "tanh" : "relu", .dtype = dt});
    case 6:
      return nn::make<nn::LSTMCell>(in, h, nn::CellOptions{.bias = bias, .dtype = dt});
    case 7:
      return nn::make<nn::GRUCell>(in, h, nn::CellOptions{.bias = bias, .dtype = dt});
    default:
      throw RuntimeError("unknown kind");
  }
}

// The tensors of a (nested) tuple value, in order.
void flatten(const nn::Value& v, std::vector<Tensor>& out) {
  if (v.is_tuple()) {
    for (const nn::Value& item : v.items()) flatten(item, out);
  } else {
    out.push_back(v.tensor());
  }
}

// M's typed forward (how 0) or the typed call through a Handle (1, the
// hooks machinery's path).
template <typename M, typename... A>
auto call_typed(const nn::ModulePtr& m, int how, const A&... a) {
  auto* typed = dynamic_cast<M*>(m.get());
  if (how == 1) return nn::Handle<M>(std::dynamic_pointer_cast<M>(m))(a...);
  return typed->forward(a...);
}

// Calls the module; h / c undefined: None. Returns the outputs flat.
std::vector<Tensor> run_module(const nn::ModulePtr& m, int how, const Tensor& x, const Tensor& h,
                               const Tensor& c) {
  if (how == 2) {
    nn::Value state;
    if (h.defined()) state = c.defined() ? nn::Value::tuple({h, c}) : nn::Value(h);
    std::vector<Tensor> out;
    flatten(m->call({nn::Value(x), state}), out);
    return out;
  }
  std::optional<std::tuple<Tensor, Tensor>> hc;
  if (h.defined() && c.defined()) hc = std::make_tuple(h, c);
  if (dynamic_cast<nn::LSTM*>(m.get())) {
    auto [o, s] = call_typed<nn::LSTM>(m, how, x, hc);
    return {o, std::get<0>(s), std::get<1>(s)};
  }
  if (dynamic_cast<nn::RNN*>(m.get())) {
    auto [o, hn] = call_typed<nn::RNN>(m, how, x, h);
    return {o, hn};
  }
  if (dynamic_cast<nn::GRU*>(m.get())) {
    auto [o, hn] = call_typed<nn::GRU>(m, how, x, h);
    return {o, hn};
  }
  if (dynamic_cast<nn::LSTMCell*>(m.get())) {
    auto [h1, c1] = call_typed<nn::LSTMCell>(m, how, x, hc);
    return {h1, c1};
  }
  if (dynamic_cast<nn::RNNCell*>(m.get())) return {call_typed<nn::RNNCell>(m, how, x, h)};
  if (dynamic_cast<nn::GRUCell*>(m.get())) return {call_typed<nn::GRUCell>(m, how, x, h)};
  throw RuntimeError("unknown module");
}

// in: config, frozen mask, x, h0, c0, grads of the (up to 3) outputs, then the
// state_dict values in key order (see the generator).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  namespace f = field;
  const auto c = in[0].tolist<int64_t>();
  EMBER_CHECK(c.size() == f::count, RuntimeError, "config has ", c.size(), " fields");
  const auto frozen = in[1].tolist<int64_t>();
  auto m = make_module(c);
  if (c[f::eval]) m->eval();
  ember::testing::load_state_dict_values(*m, in, 8);
  auto params = m->named_parameters();
  EMBER_CHECK(frozen.size() == params.size(), RuntimeError, "frozen mask of ", frozen.size(),
              " for ", params.size(), " parameters");
  for (size_t k = 0; k < params.size(); ++k) params[k].second.requires_grad_(frozen[k] == 0);

  const int layout = static_cast<int>(c[f::layout]);
  const Leaf x = leaf(in[2], layout, c[f::input_grad] != 0);
  std::vector<Leaf> states;
  if (c[f::state]) {
    states.push_back(leaf(in[3], layout, true));
    if (c[f::kind] == 2 || c[f::kind] == 6) states.push_back(leaf(in[4], layout, true));
  }
  const Tensor h = states.empty() ? Tensor() : states[0].view;
  const Tensor cc = states.size() > 1 ? states[1].view : Tensor();
  const int how = static_cast<int>(c[f::call]);
  std::vector<Tensor> outs;
  if (const int64_t split = c[f::split]) {
    // Steps [0, split), then the rest from the states the first call ended in.
    const int64_t td = c[f::batch_first] && !c[f::unbatched] ? 1 : 0;
    const int64_t T = x.view.size(td);
    const auto a = run_module(m, how, x.view.narrow(td, 0, split), h, cc);
    outs = run_module(m, how, x.view.narrow(td, split, T - split), a[1],
                      a.size() > 2 ? a[2] : Tensor());
    outs[0] = cat({a[0], outs[0]}, td);
  } else if (c[f::kind] >= 4 && c[f::steps] > 1) {
    // A cell over x[0], ..., x[T - 1], each step from the last one's state.
    Tensor hs = h, cs = cc;
    for (int64_t t = 0; t < c[f::steps]; ++t) {
      outs = run_module(m, how, x.view.select(0, t), hs, cs);
      hs = outs[0];
      cs = outs.size() > 1 ? outs[1] : Tensor();
    }
  } else {
    outs = run_module(m, how, x.view, h, cc);
  }

  std::vector<Tensor> used, grads;
  for (size_t k = 0; k < outs.size(); ++k)
    if ((c[f::grad_mask] >> k) & 1) {
      used.push_back(outs[k]);
      grads.push_back(in[5 + k]);
    }
  // The leaves: x, the states (their bases, reported in the view's shape) and
  // the parameters that are not frozen.
  std::vector<Tensor> leaves;
  std::vector<const Leaf*> views;  // nullptr: a parameter
  if (c[f::input_grad]) {
    leaves.push_back(x.base);
    views.push_back(&x);
  }
  for (const Leaf& s : states) {
    leaves.push_back(s.base);
    views.push_back(&s);
  }
  for (size_t k = 0; k < params.size(); ++k)
    if (!frozen[k]) {
      leaves.push_back(params[k].second);
      views.push_back(nullptr);
    }
  auto report = [&](size_t k, const Tensor& g) {
    const Tensor r = g.defined() ? g : zeros_like(leaves[k]);
    return views[k] ? views[k]->as_view(r) : r;
  };

  std::vector<Tensor> res;
  for (const Tensor& o : outs) res.push_back(o.detach());
  if (c[f::double_backward]) {
    const auto first = autograd::grad(used, leaves, grads, true, true, true);
    Tensor loss;
    for (size_t k = 0; k < first.size(); ++k) {
      res.push_back(report(k, first[k]).detach());
      if (!first[k].defined() || !first[k].requires_grad()) continue;
      const Tensor term = first[k].pow(2).sum() * 0.5;
      loss = loss.defined() ? loss + term : term;
    }
    if (loss.defined()) loss.backward();
  } else if (c[f::repeat]) {
    // Twice through a retained graph: the saved tensors serve both, each
    // leaf's .grad doubles.
    autograd::backward(used, grads, true);
    autograd::backward(used, grads);
    for (size_t k = 0; k < leaves.size(); ++k) res.push_back(report(k, leaves[k].grad()).mul(0.5));
    return res;
  } else {
    autograd::backward(used, grads);
  }
  for (size_t k = 0; k < leaves.size(); ++k) res.push_back(report(k, leaves[k].grad()));
  return res;
}

}  // namespace

TEST(NnRnnSweepParity, Values) {
  std::map<std::string, Case> cases;
  const ParityFile f("nn_rnn_sweep");
  for (const std::string& name : f.cases()) {
    const auto c = f.inputs(name).at(0).tolist<int64_t>();
    ASSERT_EQ(c.size(), field::count) << name;
    // float32 second derivatives through up to 3 layers: torch's own float32
    // result is off its float64 one by ~1e-3 relative at worst.
    const ember::testing::Tolerance tol = c[field::float64] ? ember::testing::Tolerance{1e-7, 1e-9}
                                          : c[field::double_backward]
                                              ? ember::testing::Tolerance{1e-3, 1e-4}
                                              : ember::testing::Tolerance{1e-4, 1e-5};
    cases[name] = {sweep_case, {.tol = tol}};
  }
  ASSERT_GE(cases.size(), 116u);
  run_parity("nn_rnn_sweep", cases);
}
