"""nn.RNN / LSTM / GRU and RNNCell / LSTMCell / GRUCell parity
(tests/parity/nn_rnn_test.cpp). Each case: torch's weights (copied into ember
through the state_dict), forward outputs and states, and the gradients of the
input, the initial states and every parameter for random output gradients.
Texts: printed modules, state_dict keys in order, error messages.

Case inputs: x, [h0[, c0]], grad of each output (out, h_n[, c_n]), then the
parameters in state_dict order. Outputs: out, h_n[, c_n], x.grad,
[h0.grad[, c0.grad]], then the parameters' gradients in the same order. The
configurations are listed again on the C++ side under the same names."""
import warnings

import torch
from torch import nn

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper

warnings.filterwarnings("ignore")

T, N, IN = 5, 3, 4

# name: (class, constructor kwargs, hidden_size, given state, unbatched, dtype, eval)
LAYERS = {
    "rnn_tanh": (nn.RNN, {}, 5, True, False, torch.float32, False),
    "rnn_relu_2l_bi": (nn.RNN, dict(num_layers=2, nonlinearity="relu", bidirectional=True), 5,
                       False, False, torch.float32, False),
    "rnn_bf_nobias": (nn.RNN, dict(bias=False, batch_first=True), 5, True, False, torch.float32,
                      False),
    "rnn_unbatched": (nn.RNN, dict(num_layers=2), 5, True, True, torch.float32, False),
    "lstm": (nn.LSTM, {}, 5, True, False, torch.float32, False),
    "lstm_2l_bi_bf": (nn.LSTM, dict(num_layers=2, batch_first=True, bidirectional=True), 5, True,
                      False, torch.float32, False),
    "lstm_nostate_nobias": (nn.LSTM, dict(bias=False), 5, False, False, torch.float32, False),
    "lstm_proj": (nn.LSTM, dict(proj_size=3), 6, True, False, torch.float32, False),
    "lstm_proj_2l_bi_bf": (nn.LSTM, dict(num_layers=2, proj_size=3, bidirectional=True,
                                         batch_first=True), 6, False, False, torch.float32, False),
    "lstm_unbatched": (nn.LSTM, dict(num_layers=2, bidirectional=True), 5, True, True,
                       torch.float32, False),
    "lstm_float64": (nn.LSTM, dict(num_layers=2), 5, True, False, torch.float64, False),
    "lstm_dropout_eval": (nn.LSTM, dict(num_layers=3, dropout=0.4), 5, False, False,
                          torch.float32, True),
    "gru": (nn.GRU, {}, 5, True, False, torch.float32, False),
    "gru_2l_bi_bf": (nn.GRU, dict(num_layers=2, batch_first=True, bidirectional=True), 5, True,
                     False, torch.float32, False),
    "gru_nobias": (nn.GRU, dict(bias=False), 5, False, False, torch.float32, False),
    "gru_unbatched_bf_bi": (nn.GRU, dict(batch_first=True, bidirectional=True), 5, False, True,
                            torch.float32, False),
}

# name: (class, kwargs, hidden_size, given state, unbatched)
CELLS = {
    "rnncell_tanh": (nn.RNNCell, {}, 5, True, False),
    "rnncell_relu": (nn.RNNCell, dict(nonlinearity="relu"), 5, True, False),
    "rnncell_nobias_nostate": (nn.RNNCell, dict(bias=False), 5, False, False),
    "lstmcell": (nn.LSTMCell, {}, 5, True, False),
    "lstmcell_unbatched_nostate": (nn.LSTMCell, {}, 5, False, True),
    "grucell": (nn.GRUCell, {}, 5, True, False),
    "grucell_unbatched": (nn.GRUCell, dict(bias=False), 5, True, True),
}


def layer_case(cases, name, cls, kw, hidden, with_state, unbatched, dtype, eval_mode):
    m = cls(IN, hidden, **kw).to(dtype)
    if eval_mode:
        m.eval()
    lstm = cls is nn.LSTM
    D = 2 if m.bidirectional else 1
    L = m.num_layers
    P = m.proj_size if lstm and m.proj_size > 0 else hidden
    bf = m.batch_first
    shape = (T, IN) if unbatched else ((N, T, IN) if bf else (T, N, IN))
    x = torch.randn(*shape, dtype=dtype, requires_grad=True)
    states = []
    if with_state:
        hs = (L * D, P) if unbatched else (L * D, N, P)
        states.append(torch.randn(*hs, dtype=dtype, requires_grad=True))
        if lstm:
            cs = (L * D, hidden) if unbatched else (L * D, N, hidden)
            states.append(torch.randn(*cs, dtype=dtype, requires_grad=True))
    if lstm:
        out, (hn, cn) = m(x, tuple(states) if states else None)
        outs = [out, hn, cn]
    else:
        out, hn = m(x, states[0] if states else None)
        outs = [out, hn]
    grads = [torch.randn_like(o) for o in outs]
    torch.autograd.backward(outs, grads)
    params = [p.detach().clone() for p in m.state_dict().values()]
    ins = [x.detach()] + [s.detach() for s in states] + grads + params
    res = [o.detach() for o in outs] + [x.grad] + [s.grad for s in states]
    res += [p.grad for p in m.parameters()]
    cases.add(name, ins, res)
    cases.text("repr_" + name, repr(m))
    cases.text("keys_" + name, ",".join(m.state_dict().keys()))


def cell_case(cases, name, cls, kw, hidden, with_state, unbatched):
    m = cls(IN, hidden, **kw)
    lstm = cls is nn.LSTMCell
    x = torch.randn(*((IN,) if unbatched else (N, IN)), requires_grad=True)
    states = []
    if with_state:
        for _ in range(2 if lstm else 1):
            states.append(torch.randn(*((hidden,) if unbatched else (N, hidden)),
                                      requires_grad=True))
    if lstm:
        h, c = m(x, tuple(states) if states else None)
        outs = [h, c]
    else:
        outs = [m(x, states[0] if states else None)]
    grads = [torch.randn_like(o) for o in outs]
    torch.autograd.backward(outs, grads)
    params = [p.detach().clone() for p in m.state_dict().values()]
    ins = [x.detach()] + [s.detach() for s in states] + grads + params
    res = [o.detach() for o in outs] + [x.grad] + [s.grad for s in states]
    res += [p.grad for p in m.parameters()]
    cases.add(name, ins, res)
    cases.text("repr_" + name, repr(m))
    cases.text("keys_" + name, ",".join(m.state_dict().keys()))


def stats(t):
    """mean, std, min, max of a default-initialised parameter (ember draws its
    own numbers: the statistics are compared, not the values)."""
    t = t.detach().double()
    return torch.stack([t.mean(), t.std(), t.min(), t.max()])


def generate(cases):
    # ---- default initialisation: U(-1/sqrt(hidden), 1/sqrt(hidden)) for all
    # (inputs: input_size, hidden_size)
    m = nn.LSTM(100, 256, num_layers=2, proj_size=64)
    cases.add("init_lstm_weight_ih_l0", [torch.tensor([100, 256])], stats(m.weight_ih_l0))
    cases.add("init_lstm_weight_hr_l1", [torch.tensor([100, 256])], stats(m.weight_hr_l1))
    g = nn.GRU(16, 1000)
    cases.add("init_gru_bias_hh_l0", [torch.tensor([16, 1000])], stats(g.bias_hh_l0))
    c = nn.LSTMCell(20, 900)
    cases.add("init_lstmcell_bias_ih", [torch.tensor([20, 900])], stats(c.bias_ih))
    r = nn.RNNCell(300, 200)
    cases.add("init_rnncell_weight_hh", [torch.tensor([300, 200])], stats(r.weight_hh))

    for name, cfg in LAYERS.items():
        layer_case(cases, name, *cfg)
    for name, cfg in CELLS.items():
        cell_case(cases, name, *cfg)

    cases.text("repr_lstm_all", repr(nn.LSTM(10, 20, num_layers=2, bias=False, batch_first=True,
                                             dropout=0.5, bidirectional=True, proj_size=5)))
    cases.text("repr_gru_dropout", repr(nn.GRU(10, 20, dropout=0.25)))
    cases.text("repr_rnn_relu", repr(nn.RNN(10, 20, nonlinearity="relu")))

    lstm = nn.LSTM(3, 4, 2)
    gru = nn.GRU(3, 4)
    cell = nn.LSTMCell(3, 4)
    errs = {
        "err_input_size": lambda: lstm(torch.randn(5, 2, 6)),
        "err_input_dim": lambda: lstm(torch.randn(5, 2, 3, 1)),
        "err_h0_size": lambda: lstm(torch.randn(5, 2, 3), (torch.randn(2, 3, 4),
                                                           torch.randn(2, 2, 4))),
        "err_c0_size": lambda: lstm(torch.randn(5, 2, 3), (torch.randn(2, 2, 4),
                                                           torch.randn(2, 3, 4))),
        "err_hx_dims_batched": lambda: lstm(torch.randn(5, 2, 3), (torch.randn(2, 4),
                                                                   torch.randn(2, 2, 4))),
        "err_hx_dims_unbatched": lambda: lstm(torch.randn(5, 3), (torch.randn(2, 2, 4),
                                                                  torch.randn(2, 2, 4))),
        "err_seq_len": lambda: lstm(torch.randn(0, 2, 3)),
        "err_dtype": lambda: lstm(torch.randn(5, 2, 3).double()),
        "err_gru_hidden": lambda: gru(torch.randn(5, 2, 3), torch.randn(1, 3, 4)),
        "err_gru_hx_dims": lambda: gru(torch.randn(5, 2, 3), torch.randn(2, 4)),
        "err_gru_unbatched_hx": lambda: gru(torch.randn(5, 3), torch.randn(1, 1, 4)),
        "err_proj_size": lambda: nn.LSTM(3, 4, proj_size=4),
        "err_proj_negative": lambda: nn.LSTM(3, 4, proj_size=-1),
        "err_dropout": lambda: nn.GRU(3, 4, dropout=1.5),
        "err_nonlinearity": lambda: nn.RNN(3, 4, nonlinearity="x"),
        "err_cell_input_size": lambda: cell(torch.randn(2, 5)),
        "err_cell_batch": lambda: cell(torch.randn(2, 3), (torch.randn(3, 4),
                                                           torch.randn(2, 4))),
        "err_cell_hidden": lambda: cell(torch.randn(2, 3), (torch.randn(2, 5),
                                                            torch.randn(2, 4))),
        "err_cell_c_hidden": lambda: cell(torch.randn(2, 3), (torch.randn(2, 4),
                                                              torch.randn(2, 5))),
        "err_cell_unbatched_hx": lambda: cell(torch.randn(3), (torch.randn(2, 4),
                                                               torch.randn(2, 4))),
        "err_rnncell_nonlinearity": lambda: nn.RNNCell(3, 4, nonlinearity="foo")(
            torch.randn(2, 3)),
    }
    for k, fn in errs.items():
        cases.text(k, error(fn))
