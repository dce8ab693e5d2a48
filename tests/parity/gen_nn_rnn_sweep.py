"""Seeded random nn.RNN / LSTM / GRU and RNNCell / LSTMCell / GRUCell
configurations against PyTorch (tests/parity/nn_rnn_sweep_test.cpp): mode
(tanh, relu, LSTM, GRU), num_layers 1-3, bias, batch_first, bidirectional,
LSTM proj_size, unbatched inputs, empty batches, given or None initial
states, dropout > 0 in eval mode, float32 and float64, frozen parameters, an
input without requires_grad, output gradients for a random subset of the
outputs, double backward (create_graph), and, on the C++ side only,
non-contiguous inputs and states, the three ways of calling a module, a
sequence run in two chained calls and a backward run twice.

Each case's inputs:
  in0  int64 config (namespace field in the C++ test): kind (0 RNN tanh, 1 RNN
       relu, 2 LSTM, 3 GRU, 4 RNNCell tanh, 5 RNNCell relu, 6 LSTMCell,
       7 GRUCell), input_size, hidden_size, num_layers, bias, batch_first,
       bidirectional, proj_size, T, N, unbatched, eval, float64, x
       requires_grad, layout (0 contiguous, 1-3 a non-contiguous variant for
       ember), dropout in percent, initial state given, bit k: output k has
       a gradient, double backward, call (ember: 0 forward, 1 the typed call,
       2 Module::call with values), split (ember, unidirectional layers: > 0
       runs the sequence in two calls, the first on steps [0, split), the
       second continuing from its final states), repeat (ember: two
       backwards with retain_graph, the gradients halved).
       Cells: num_layers 1, batch_first, bidirectional, proj_size, eval and
       dropout 0; T > 1: x has a leading time dimension and the cell runs T
       steps, each from the state the last one returned.
  in1  int64 frozen mask, one entry per parameter (named_parameters order).
  in2  x; in3 h0, in4 c0 (empty when not given).
  in5, in6, in7  gradients of out, h_n, c_n (cells: h', c'); empty where
       that output takes no part in the backward.
  in8...  the state_dict values in key order.
Outputs: every output (out, h_n[, c_n]; cells the last h'[, c']), then the
gradients of the leaves: x (with x requires_grad), h0, c0 (when given), the parameters
that are not frozen (named_parameters order); None: zeros. With double
backward, the leaves' first gradients come from autograd.grad(create_graph=
True) and are followed by the leaves' .grad after backward of the sum of
0.5 * g^2 over those first gradients."""
import random
import warnings

import torch
from torch import nn

LAYER_CASES = 84
CELL_CASES = 32
EMPTY = torch.zeros(0)


def freeze(m, rng, x, states):
    """Before the forward: requires_grad_(False) on a random subset of the
    parameters (at times), leaving at least one leaf that requires grad."""
    params = list(m.parameters())
    frozen = [0] * len(params)
    if rng.random() < 0.15:
        frozen = [int(rng.random() < 0.4) for _ in params]
        if all(frozen) and not x.requires_grad and not any(s is not None for s in states):
            frozen[rng.randrange(len(params))] = 0
    for f, p in zip(frozen, params):
        p.requires_grad_(not f)
    return frozen


def finish(cases, name, m, cfg, frozen, x, states, outs, rng, dtype):
    """Output gradients, backward; adds the case."""
    params = list(m.named_parameters())
    # A random non-empty subset of the outputs gets a gradient.
    use = [rng.random() < 0.75 for _ in outs]
    if not any(use):
        use[rng.randrange(len(outs))] = True
    T = cfg[8]
    # (a bidirectional layer cannot be split: its reverse direction starts at the end)
    split = 0
    if cfg[0] < 4 and not cfg[6] and T > 1 and rng.random() < 0.4:
        split = rng.randint(1, T - 1)
    # Double backward most often where one call continues from another's state.
    chained = split > 0 or (cfg[0] >= 4 and T > 1)
    double = rng.random() < (0.4 if chained else 0.12) and x.numel() > 0
    repeat = not double and rng.random() < 0.2
    cfg += [sum(1 << k for k, u in enumerate(use) if u), int(double), rng.randrange(3), split,
            int(repeat)]
    grads = [torch.randn_like(o) if u else None for o, u in zip(outs, use)]
    sd = [t.detach().clone() for t in m.state_dict().values()]
    used_outs = [o for o, g in zip(outs, grads) if g is not None]
    used_grads = [g for g in grads if g is not None]
    leaves = ([x] if x.requires_grad else []) + [s for s in states if s is not None]
    leaves += [p for f, (_, p) in zip(frozen, params) if not f]
    zero = lambda g, t: g if g is not None else torch.zeros_like(t)  # noqa: E731
    res = [o.detach() for o in outs]
    if double:
        first = torch.autograd.grad(used_outs, leaves, used_grads, create_graph=True,
                                    allow_unused=True)
        res += [zero(g, t).detach() for g, t in zip(first, leaves)]
        terms = [0.5 * g.pow(2).sum() for g in first if g is not None and g.requires_grad]
        if terms:
            sum(terms).backward()
    else:
        torch.autograd.backward(used_outs, used_grads)
    res += [zero(t.grad, t) for t in leaves]
    ins = [torch.tensor(cfg, dtype=torch.int64), torch.tensor(frozen, dtype=torch.int64),
           x.detach()]
    ins += [s.detach() if s is not None else EMPTY for s in states]
    ins += [g if g is not None else EMPTY for g in grads]
    ins += [EMPTY] * (3 - len(grads))
    ins += sd
    assert all(t.dtype == dtype for t in res)
    cases.add(name, ins, res)


def common(rng):
    """N, unbatched, float64, x requires_grad, layout, state given."""
    unbatched = rng.random() < 0.2
    N = 1 if unbatched else rng.choice((1, 2, 3, 4, 5) * 4 + (0,))
    return (N, unbatched, rng.random() < 0.15, rng.random() < 0.9, rng.choice((0, 0, 0, 1, 2, 3)),
            rng.random() < 0.6)


def layer_case(cases, name, rng):
    kind = rng.randrange(4)
    cls = (nn.RNN, nn.RNN, nn.LSTM, nn.GRU)[kind]
    I, H = rng.randint(1, 8), rng.randint(1, 8)
    L = rng.choice((1, 1, 2, 2, 3))
    bias, bf, bi = rng.random() < 0.75, rng.random() < 0.5, rng.random() < 0.5
    proj = rng.randint(1, H - 1) if kind == 2 and H > 1 and rng.random() < 0.5 else 0
    T = rng.randint(1, 6)
    ev = rng.random() < 0.3
    dropout = rng.choice((25, 50)) if ev and L > 1 and rng.random() < 0.7 else 0
    N, unbatched, f64, x_rg, layout, with_h = common(rng)
    dtype = torch.float64 if f64 else torch.float32
    kw = dict(num_layers=L, bias=bias, batch_first=bf, bidirectional=bi, dropout=dropout / 100)
    if kind < 2:
        kw["nonlinearity"] = ("tanh", "relu")[kind]
    if kind == 2:
        kw["proj_size"] = proj
    m = cls(I, H, **kw).to(dtype)
    if ev:
        m.eval()
    D = 2 if bi else 1
    P = proj if proj else H
    xs = (T, I) if unbatched else ((N, T, I) if bf else (T, N, I))
    x = torch.randn(*xs, dtype=dtype, requires_grad=x_rg)
    bs = () if unbatched else (N,)
    h0 = c0 = None
    if with_h:
        h0 = torch.randn(L * D, *bs, P, dtype=dtype, requires_grad=True)
        if kind == 2:  # torch's LSTM takes both states or neither
            c0 = torch.randn(L * D, *bs, H, dtype=dtype, requires_grad=True)
    cfg = [kind, I, H, L, int(bias), int(bf), int(bi), proj, T, N, int(unbatched), int(ev),
           int(f64), int(x_rg), layout, dropout, int(with_h)]
    frozen = freeze(m, rng, x, [h0, c0])
    if kind == 2:
        out, (hn, cn) = m(x, (h0, c0) if with_h else None)
        outs = [out, hn, cn]
    else:
        out, hn = m(x, h0)
        outs = [out, hn]
    finish(cases, name, m, cfg, frozen, x, [h0, c0], outs, rng, dtype)


def cell_case(cases, name, rng):
    kind = rng.randrange(4, 8)
    I, H = rng.randint(1, 8), rng.randint(1, 8)
    bias = rng.random() < 0.75
    N, unbatched, f64, x_rg, layout, with_h = common(rng)
    dtype = torch.float64 if f64 else torch.float32
    if kind < 6:
        m = nn.RNNCell(I, H, bias=bias, nonlinearity=("tanh", "relu")[kind - 4])
    else:
        m = (nn.LSTMCell, nn.GRUCell)[kind - 6](I, H, bias=bias)
    m = m.to(dtype)
    bs = () if unbatched else (N,)
    T = rng.choice((1, 1, 2, 3))  # T > 1: the cell applied to x[0], ..., x[T - 1]
    x = torch.randn(*((T,) if T > 1 else ()), *bs, I, dtype=dtype, requires_grad=x_rg)
    h0 = torch.randn(*bs, H, dtype=dtype, requires_grad=True) if with_h else None
    c0 = torch.randn(*bs, H, dtype=dtype, requires_grad=True) if with_h and kind == 6 else None
    cfg = [kind, I, H, 1, int(bias), 0, 0, 0, T, N, int(unbatched), 0, int(f64), int(x_rg), layout,
           0, int(with_h)]
    frozen = freeze(m, rng, x, [h0, c0])
    state = ((h0, c0) if with_h else None) if kind == 6 else h0
    for t in range(T):
        state = m(x[t] if T > 1 else x, state)
    outs = list(state) if kind == 6 else [state]
    finish(cases, name, m, cfg, frozen, x, [h0, c0], outs, rng, dtype)


def generate(cases):
    warnings.filterwarnings("ignore")
    rng = random.Random(20240611)
    for i in range(LAYER_CASES):
        layer_case(cases, f"layer{i:03d}", rng)
    for i in range(CELL_CASES):
        cell_case(cases, f"cell{i:03d}", rng)
