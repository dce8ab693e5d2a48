#include "ember/ops/rnn.h"

#include <memory>
#include <vector>

#include "autograd/record.h"
#include "ember/autograd/engine.h"
#include "ember/core/error.h"
#include "ember/ops/dropout.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "kernels/cpu/rnn.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::RnnMode;

const char* mode_name(RnnMode m) {
  switch (m) {
    case RnnMode::Tanh:
      return "rnn_tanh";
    case RnnMode::Relu:
      return "rnn_relu";
    case RnnMode::LSTM:
      return "lstm";
    default:
      return "gru";
  }
}

const char* node_name(RnnMode m) {
  switch (m) {
    case RnnMode::Tanh:
      return "RnnTanhLayerBackward0";
    case RnnMode::Relu:
      return "RnnReluLayerBackward0";
    case RnnMode::LSTM:
      return "LstmLayerBackward0";
    default:
      return "GruLayerBackward0";
  }
}

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

Tensor contig(const Tensor& t) { return t.defined() ? t.contiguous() : t; }

// The dtype checks of the recurrence: the one PyTorch's h @ W_hh^T makes.
void check_dtypes(const Tensor& ref, std::initializer_list<Tensor> others) {
  for (const auto& t : others)
    EMBER_CHECK(!t.defined() || t.dtype() == ref.dtype(), RuntimeError,
                "mat1 and mat2 must have the same dtype");
}

struct LayerState {
  RnnMode mode;
  bool reverse;
  bool has_bias;
  unsigned saved_mask = 0;  // which of gates, cells, hraw, hng the node saved
};

// The same layer as differentiable ember ops, step by step: only for the
// double backward (create_graph), where the fused node's gradients are
// recomputed through this graph so that they can be differentiated again.
std::vector<Tensor> composite_layer(RnnMode mode, bool reverse, const Tensor& xw, const Tensor& h0,
                                    const Tensor& c0, const Tensor& whh, const Tensor& bhh,
                                    const Tensor& whr) {
  const int64_t T = xw.size(0), H = whh.size(0) / kernels::rnn_gates(mode);
  std::vector<Tensor> outs(T);
  Tensor h = h0, c = c0;
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s;
    const Tensor x = xw.select(0, t);
    Tensor hw = h.mm(whh.t());
    if (bhh.defined()) hw = hw + bhh;
    if (mode == RnnMode::Tanh) {
      h = (x + hw).tanh();
    } else if (mode == RnnMode::Relu) {
      h = (x + hw).relu();
    } else if (mode == RnnMode::LSTM) {
      const Tensor g = x + hw;
      const Tensor i = g.narrow(1, 0, H).sigmoid(), f = g.narrow(1, H, H).sigmoid(),
                   gg = g.narrow(1, 2 * H, H).tanh(), o = g.narrow(1, 3 * H, H).sigmoid();
      c = f * c + i * gg;
      h = o * c.tanh();
      if (whr.defined()) h = h.mm(whr.t());
    } else {
      const Tensor r = (x.narrow(1, 0, H) + hw.narrow(1, 0, H)).sigmoid();
      const Tensor z = (x.narrow(1, H, H) + hw.narrow(1, H, H)).sigmoid();
      const Tensor n = (x.narrow(1, 2 * H, H) + r * hw.narrow(1, 2 * H, H)).tanh();
      h = n + z * (h - n);
    }
    outs[t] = h;
  }
  std::vector<Tensor> r{stack(outs, 0), h};
  if (mode == RnnMode::LSTM) r.push_back(c);
  return r;
}

// One layer in one direction over the projected inputs xw [T, N, G*H]:
// (out [T, N, P], h_n [N, P][, c_n [N, H]]), one autograd node.
std::vector<Tensor> recurrence(RnnMode mode, bool reverse, const Tensor& xw, const Tensor& h0,
                               const Tensor& c0, const Tensor& whh, const Tensor& bhh,
                               const Tensor& whr) {
  const bool lstm = mode == RnnMode::LSTM;
  const int64_t G = kernels::rnn_gates(mode);
  // The kernel trusts these shapes: check every one (functional callers pass
  // their own parameter lists).
  EMBER_CHECK(xw.dim() == 3 && whh.dim() == 2 && whh.size(0) % G == 0 && xw.size(2) == whh.size(0),
              RuntimeError, mode_name(mode), ": weight_ih and weight_hh must have ", G,
              " * hidden_size rows, got input projection ", xw.sizes(), " and weight_hh ",
              whh.sizes());
  EMBER_CHECK(!bhh.defined() || (bhh.dim() == 1 && bhh.size(0) == whh.size(0)), RuntimeError,
              mode_name(mode), ": bias_hh of size ", bhh.sizes(), " does not match weight_hh ",
              whh.sizes());
  EMBER_CHECK(!whr.defined() || whr.dim() == 2, RuntimeError, mode_name(mode),
              ": weight_hr must be 2-D, got ", whr.sizes());
  const int64_t T = xw.size(0), N = xw.size(1), GH = whh.size(0), H = GH / G, P = whh.size(1);
  EMBER_CHECK(h0.dim() == 2 && h0.size(0) == N && h0.size(1) == P, RuntimeError,
              "Expected hidden size (", N, ", ", P, "), got ", h0.sizes());
  if (lstm)
    EMBER_CHECK(c0.dim() == 2 && c0.size(0) == N && c0.size(1) == H, RuntimeError,
                "Expected cell size (", N, ", ", H, "), got ", c0.sizes());
  EMBER_CHECK(whr.defined() ? whr.size(0) == P && whr.size(1) == H : P == H, RuntimeError,
              mode_name(mode), ": weight_hh of size ", whh.sizes(),
              " does not match the hidden size ", H);
  if (ops::any_meta({xw, h0, c0, whh, bhh, whr})) {
    const TensorOptions o{.dtype = xw.dtype(), .device = kMeta};
    std::vector<Tensor> r{empty({T, N, P}, o), empty({N, P}, o)};
    if (lstm) r.push_back(empty({N, H}, o));
    return r;
  }
  const DType dt = xw.dtype();
  if (dt == DType::Float16 || dt == DType::BFloat16) {
    // Computed in float32 (through differentiable casts), rounded back.
    auto up = [](const Tensor& t) { return t.defined() ? t.to(kFloat32) : t; };
    auto r = recurrence(mode, reverse, up(xw), up(h0), up(c0), up(whh), up(bhh), up(whr));
    for (auto& t : r) t = t.to(dt);
    return r;
  }
  EMBER_CHECK(dt == DType::Float32 || dt == DType::Float64, TypeError, "\"", mode_name(mode),
              "\" not implemented for '", scalar_type_name(dt), "'");

  const Tensor x = xw.stride(2) == 1 ? xw : xw.contiguous();
  const Tensor h0c = h0.contiguous(), c0c = contig(c0), whhc = whh.contiguous(), bhhc = contig(bhh),
               whrc = contig(whr);
  const TensorOptions o{.dtype = dt};
  Tensor out = empty({T, N, P}, o), hn = empty({N, P}, o), cn = lstm ? empty({N, H}, o) : Tensor();
  auto st = std::make_shared<LayerState>(LayerState{mode, reverse, bhh.defined()});
  kernels::RnnSaved ws;
  auto result = [&] {
    std::vector<Tensor> r{out, hn};
    if (lstm) r.push_back(cn);
    return r;
  };
  if (!autograd::grad_needed(xw, h0, c0, whh, bhh, whr)) {
    kernels::rnn_layer_forward(mode, reverse, x, h0c, c0c, whhc, bhhc, whrc, out, hn, cn, ws);
    return result();
  }
  autograd::untracked([&] {
    kernels::rnn_layer_forward(mode, reverse, x, h0c, c0c, whhc, bhhc, whrc, out, hn, cn, ws);
    return 0;
  });
  const bool has_c = c0.defined(), has_r = whr.defined();
  auto node = autograd::make_node(
      node_name(mode),
      [st, has_c, has_r](autograd::FormulaNodeBase& n, autograd::variable_list& g) {
        autograd::variable_list res(6);
        size_t i = 0;
        const Tensor h0s = n.saved(i++);
        const Tensor c0s = has_c ? n.saved(i++) : Tensor();
        const Tensor whhs = n.saved(i++);
        const Tensor whrs = has_r ? n.saved(i++) : Tensor();
        // The workspace, saved through the node so that it is freed with the
        // node's other saved tensors after a backward without retain_graph.
        kernels::RnnSaved ws;
        unsigned bit = 0;
        for (Tensor* t : {&ws.gates, &ws.cells, &ws.hraw, &ws.hng})
          if ((st->saved_mask >> bit++) & 1u) *t = n.saved(i++);
        const Tensor outs = n.saved(i++);
        auto grad = [&](size_t k) { return k < g.size() ? contig(g[k]) : Tensor(); };
        if (is_grad_enabled()) {
          // create_graph: differentiate the composite form of the layer
          // (recomputed from the saved inputs), so that the gradients have a
          // graph of their own.
          const Tensor xws = n.saved(i++), bhhs = st->has_bias ? n.saved(i++) : Tensor();
          std::vector<Tensor> ins{xws, h0s, c0s, whhs, bhhs, whrs};
          std::vector<Tensor> wrt, outputs, gouts;
          std::vector<size_t> at;
          for (size_t k = 0; k < ins.size(); ++k)
            if (n.needs_input_grad(k) && ins[k].defined()) {
              // Differentiated through a fresh alias: grad() gives the total
              // derivative, and w.r.t. the saved tensor itself that would
              // also count the paths through the other inputs' history (the
              // h_0 of a sequence continued from an earlier call depends on
              // the same weight_hh and bias_hh); the node's gradients are
              // the partial derivatives.
              ins[k] = ins[k].view_as(ins[k]);
              wrt.push_back(ins[k]);
              at.push_back(k);
            }
          const auto fwd = composite_layer(st->mode, st->reverse, ins[0], ins[1], ins[2], ins[3],
                                           ins[4], ins[5]);
          for (size_t k = 0; k < fwd.size() && k < g.size(); ++k)
            if (g[k].defined()) {
              outputs.push_back(fwd[k]);
              gouts.push_back(g[k]);
            }
          if (wrt.empty() || outputs.empty()) return res;
          const auto got = autograd::grad(outputs, wrt, gouts, true, true, true);
          for (size_t k = 0; k < at.size(); ++k)
            res[at[k]] = got[k].defined() ? got[k] : zeros_like(ins[at[k]]);
          return res;
        }
        kernels::RnnGrads r = autograd::untracked([&] {
          return kernels::rnn_layer_backward(st->mode, st->reverse, h0s, c0s, whhs, whrs,
                                             st->has_bias, outs, ws, grad(0), grad(1), grad(2));
        });
        res[0] = r.dxw;
        res[1] = r.dh0;
        res[2] = r.dc0;
        res[3] = r.dwhh;
        res[4] = r.dbhh;
        res[5] = r.dwhr;
        for (size_t k = 0; k < 6; ++k)
          if (!n.needs_input_grad(k)) res[k] = Tensor();
        return res;
      },
      xw, h0, c0, whh, bhh, whr);
  node->save(h0c);
  if (has_c) node->save(c0c);
  node->save(whhc);
  if (has_r) node->save(whrc);
  unsigned bit = 0;
  for (const Tensor* t : {&ws.gates, &ws.cells, &ws.hraw, &ws.hng}) {
    if (t->defined()) {
      node->save(*t);
      st->saved_mask |= 1u << bit;
    }
    ++bit;
  }
  autograd::set_history(out, node);
  autograd::set_history(hn, node);
  if (lstm) autograd::set_history(cn, node);
  node->save_output(out);
  // For the double backward only (the composite recomputation).
  node->save(x);
  if (bhh.defined()) node->save(bhhc);
  return result();
}

// ---- cells

void check_cell_input(const Tensor& input, const Tensor& w_ih) {
  EMBER_CHECK(input.dim() == 2, RuntimeError, "input has ", input.dim(), " dimensions, expected 2");
  EMBER_CHECK(input.size(1) == w_ih.size(1), RuntimeError,
              "input has inconsistent input_size: got ", input.size(1), " expected ", w_ih.size(1));
}

// check_rnn_cell_forward_hidden: PyTorch names every hidden tensor "hidden0".
void check_cell_hidden(const Tensor& hx, const Tensor& input, int64_t hidden_size) {
  // In PyTorch's order: hx.size(0), then hx.size(1) (an IndexError for a 1-D hx).
  EMBER_CHECK(hx.dim() >= 1, IndexError, "Dimension specified as 0 but tensor has no dimensions");
  EMBER_CHECK(input.size(0) == hx.size(0), RuntimeError, "Input batch size ", input.size(0),
              " doesn't match hidden0 batch size ", hx.size(0));
  EMBER_CHECK(hx.dim() >= 2, IndexError,
              "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  EMBER_CHECK(hx.size(1) == hidden_size, RuntimeError, "hidden0 has inconsistent hidden_size: got ",
              hx.size(1), ", expected ", hidden_size);
  // A 3-D hx that passes these (PyTorch then fails in a matmul).
  EMBER_CHECK(hx.dim() == 2, RuntimeError, "hidden0 has ", hx.dim(), " dimensions, expected 2");
}

std::vector<Tensor> cell(RnnMode mode, const Tensor& input, const Tensor& hx, const Tensor& cx,
                         const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                         const Tensor& b_hh) {
  check_cell_input(input, w_ih);
  check_cell_hidden(hx, input, w_hh.size(1));
  if (cx.defined()) check_cell_hidden(cx, input, w_hh.size(1));
  check_dtypes(input, {w_ih, b_ih});
  const Tensor xw =
      linear(input, w_ih, b_ih.defined() ? std::optional<Tensor>(b_ih) : std::nullopt);
  check_dtypes(xw, {hx, cx, w_hh, b_hh});
  auto r = recurrence(mode, false, xw.unsqueeze(0), hx, cx, w_hh, b_hh, Tensor());
  return r;
}

// ---- the multi-layer loop

struct Layers {
  RnnMode mode;
  bool has_biases, has_proj;
  int64_t num_layers;
  double dropout;
  bool train, bidirectional, batch_first;
};

std::vector<Tensor> run_layers(const Layers& L, const Tensor& input, const Tensor& hx,
                               const Tensor& cx, TensorList params) {
  const int64_t D = L.bidirectional ? 2 : 1;
  const int64_t per = 2 + (L.has_biases ? 2 : 0) + (L.has_proj ? 1 : 0);
  EMBER_CHECK(L.num_layers >= 1, RuntimeError, mode_name(L.mode),
              ": num_layers must be at least 1, got ", L.num_layers);
  EMBER_CHECK(static_cast<int64_t>(params.size()) == per * L.num_layers * D, RuntimeError,
              mode_name(L.mode), ": expected ", per * L.num_layers * D, " parameters, got ",
              params.size());
  EMBER_CHECK(input.dim() == 3, RuntimeError, "input must have 3 dimensions, got ", input.dim());
  const int64_t T = L.batch_first ? input.size(1) : input.size(0);
  EMBER_CHECK(T > 0, RuntimeError, "Expected sequence length to be larger than 0 in RNN");
  EMBER_CHECK(hx.dim() == 3 && hx.size(0) == L.num_layers * D, RuntimeError,
              "Expected hidden size (", L.num_layers * D, ", N, H), got ", hx.sizes());
  if (L.mode == RnnMode::LSTM)
    EMBER_CHECK(cx.dim() == 3 && cx.size(0) == L.num_layers * D, RuntimeError,
                "Expected cell size (", L.num_layers * D, ", N, H), got ", cx.sizes());

  Tensor x = input;  // layer 0 reads the caller's layout; later layers [T, N, D * P]
  std::vector<Tensor> hns, cns;
  for (int64_t l = 0; l < L.num_layers; ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      const Tensor* p = params.data() + k * per;
      const Tensor &w_ih = p[0], &w_hh = p[1];
      const Tensor b_ih = L.has_biases ? p[2] : Tensor(), b_hh = L.has_biases ? p[3] : Tensor();
      const Tensor w_hr = L.has_proj ? p[per - 1] : Tensor();
      check_dtypes(x, {w_ih, b_ih});
      // All time steps' input projections in one matmul.
      Tensor xw = linear(x, w_ih, b_ih.defined() ? std::optional<Tensor>(b_ih) : std::nullopt);
      if (l == 0 && L.batch_first) xw = xw.transpose(0, 1);
      const Tensor h0 = hx.select(0, k), c0 = cx.defined() ? cx.select(0, k) : Tensor();
      check_dtypes(xw, {h0, c0, w_hh, b_hh, w_hr});
      auto r = recurrence(L.mode, d == 1, xw, h0, c0, w_hh, b_hh, w_hr);
      outs.push_back(r[0]);
      hns.push_back(r[1]);
      if (r.size() > 2) cns.push_back(r[2]);
    }
    x = D == 1 ? outs[0] : cat(outs, 2);
    if (L.dropout > 0 && L.train && l + 1 < L.num_layers) x = ember::dropout(x, L.dropout, true);
  }
  std::vector<Tensor> res{L.batch_first ? x.transpose(0, 1) : x, stack(hns, 0)};
  if (L.mode == RnnMode::LSTM) res.push_back(stack(cns, 0));
  return res;
}

std::tuple<Tensor, Tensor> run2(RnnMode mode, const Tensor& input, const Tensor& hx,
                                TensorList params, bool has_biases, int64_t num_layers,
                                double dropout, bool train, bool bidirectional, bool batch_first) {
  auto r =
      run_layers({mode, has_biases, false, num_layers, dropout, train, bidirectional, batch_first},
                 input, hx, Tensor(), params);
  return {r[0], r[1]};
}

}  // namespace

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  return cell(RnnMode::Tanh, input, hx, Tensor(), w_ih, w_hh, opt(b_ih), opt(b_hh))[1];
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  return cell(RnnMode::Relu, input, hx, Tensor(), w_ih, w_hh, opt(b_ih), opt(b_hh))[1];
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, TensorList hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                                     const std::optional<Tensor>& b_hh) {
  EMBER_CHECK(hx.size() == 2, RuntimeError, "lstm_cell expects two hidden states");
  auto r = cell(RnnMode::LSTM, input, hx[0], hx[1], w_ih, w_hh, opt(b_ih), opt(b_hh));
  return {r[1], r[2]};
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  return cell(RnnMode::GRU, input, hx, Tensor(), w_ih, w_hh, opt(b_ih), opt(b_hh))[1];
}

std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first) {
  return run2(RnnMode::Tanh, input, hx, params, has_biases, num_layers, dropout, train,
              bidirectional, batch_first);
}

std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first) {
  return run2(RnnMode::Relu, input, hx, params, has_biases, num_layers, dropout, train,
              bidirectional, batch_first);
}

std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, TensorList params,
                               bool has_biases, int64_t num_layers, double dropout, bool train,
                               bool bidirectional, bool batch_first) {
  return run2(RnnMode::GRU, input, hx, params, has_biases, num_layers, dropout, train,
              bidirectional, batch_first);
}

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, TensorList hx, TensorList params,
                                        bool has_biases, int64_t num_layers, double dropout,
                                        bool train, bool bidirectional, bool batch_first) {
  EMBER_CHECK(hx.size() == 2, RuntimeError, "lstm expects two hidden states");
  // PyTorch tells a projection by h_0's and c_0's last sizes.
  const bool has_proj = hx[0].dim() > 0 && hx[1].dim() > 0 && hx[0].size(-1) != hx[1].size(-1);
  auto r = run_layers(
      {RnnMode::LSTM, has_biases, has_proj, num_layers, dropout, train, bidirectional, batch_first},
      input, hx[0], hx[1], params);
  return {r[0], r[1], r[2]};
}

}  // namespace ember
