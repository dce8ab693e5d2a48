"""nn.Linear / LazyLinear / Identity, nn.init and UninitializedParameter parity
(tests/parity/nn_linear_test.cpp): forward and backward values with torch's
weights loaded into ember's Linear, default-init statistics (ember draws its own
random numbers, so bounds, means and standard deviations are compared, not
values), calculate_gain and fan computations, printed forms, state_dict keys
before and after materialize, and error messages (stored as text)."""
import math
import warnings

import torch
from torch import nn
from torch.nn import init

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper

warnings.filterwarnings("ignore")


def stats(t, bounds=True):
    """mean, std (and for uniform draws min, max) of t in float64: the
    default-init statistics compared (a normal draw's extremes vary too much)."""
    t = t.detach().double()
    return torch.stack([t.mean(), t.std()] + ([t.min(), t.max()] if bounds else []))


def grads(m, x, gy):
    x = x.clone().requires_grad_(True)
    y = m(x)
    y.backward(gy)
    out = [y.detach(), x.grad, m.weight.grad]
    if m.bias is not None:
        out.append(m.bias.grad)
    return out


def generate(cases):
    # ---- forward / backward with the same weights
    for name, in_shape, bias in [("fwd_2d", (3, 5), True), ("fwd_3d", (2, 3, 5), True),
                                 ("fwd_1d", (5,), True), ("fwd_nobias", (3, 5), False),
                                 ("fwd_4d", (2, 2, 3, 5), True)]:
        m = nn.Linear(5, 4, bias=bias)
        x = torch.randn(*in_shape)
        gy = torch.randn(*in_shape[:-1], 4)
        ins = [x, gy, m.weight.detach().clone()] + ([m.bias.detach().clone()] if bias else [])
        cases.add(name, ins, grads(m, x, gy))
    m = nn.Linear(5, 4).double()
    x = torch.randn(3, 5, dtype=torch.float64)
    gy = torch.randn(3, 4, dtype=torch.float64)
    cases.add("fwd_float64", [x, gy, m.weight.detach().clone(), m.bias.detach().clone()],
              grads(m, x, gy))
    lazy = nn.LazyLinear(4)
    x = torch.randn(3, 6)
    lazy(x)  # materialize, then load the weights
    gy = torch.randn(3, 4)
    cases.add("fwd_lazy", [x, gy, lazy.weight.detach().clone(), lazy.bias.detach().clone()],
              grads(lazy, x, gy))

    # ---- default initialisation statistics (inputs: the sizes)
    big = nn.Linear(1000, 400)
    cases.add("init_linear_weight", [torch.tensor([1000, 400])], stats(big.weight))
    wide = nn.Linear(64, 40000)
    cases.add("init_linear_bias", [torch.tensor([64, 40000])], stats(wide.bias))
    lz = nn.LazyLinear(400)
    lz(torch.zeros(1, 1000))
    cases.add("init_lazy_weight", [torch.tensor([1000, 400])], stats(lz.weight))
    shape = (256, 512)
    for name, fn in [("kaiming_uniform", lambda t: init.kaiming_uniform_(t)),
                     ("kaiming_uniform_relu_fan_out",
                      lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")),
                     ("kaiming_normal", lambda t: init.kaiming_normal_(t)),
                     ("kaiming_normal_a", lambda t: init.kaiming_normal_(t, a=0.2, mode="fan_out")),
                     ("xavier_uniform", lambda t: init.xavier_uniform_(t)),
                     ("xavier_uniform_gain", lambda t: init.xavier_uniform_(t, gain=2.0)),
                     ("xavier_normal", lambda t: init.xavier_normal_(t)),
                     ("uniform", lambda t: init.uniform_(t, -2.0, 3.0)),
                     ("normal", lambda t: init.normal_(t, 1.5, 0.5))]:
        t = torch.empty(*shape)
        fn(t)
        cases.add("init_" + name, [torch.tensor(shape)], stats(t, "normal" not in name))
    t = torch.empty(2, 3)
    cases.add("init_constant", [], [init.constant_(t, 0.25).clone(), init.ones_(t).clone(),
                                    init.zeros_(t).clone()])

    # ---- calculate_gain, fans
    names = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
             "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]
    cases.add("gain", [], torch.tensor([float(init.calculate_gain(n)) for n in names],
                                       dtype=torch.float64))
    cases.add("gain_leaky", [], torch.tensor([init.calculate_gain("leaky_relu", 0.2),
                                              init.calculate_gain("leaky_relu", math.sqrt(5))],
                                             dtype=torch.float64))
    fans = [init._calculate_fan_in_and_fan_out(torch.empty(*s))
            for s in [(3, 4), (3, 4, 5), (6, 2, 3, 4), (2, 0)]]
    cases.add("fans", [], torch.tensor(fans, dtype=torch.int64))

    # ---- printed forms
    cases.text("repr_linear", repr(nn.Linear(4, 2)))
    cases.text("repr_linear_nobias", repr(nn.Linear(4, 2, bias=False)))
    cases.text("repr_identity", repr(nn.Identity()))
    lazy = nn.LazyLinear(3)
    cases.text("repr_lazy", repr(lazy))
    cases.text("repr_lazy_nobias", repr(nn.LazyLinear(3, bias=False)))
    cases.text("repr_uninit_param", repr(lazy.weight))
    cases.text("repr_uninit_buffer", repr(nn.UninitializedBuffer()))
    cases.text("keys_lazy", ",".join(lazy.state_dict().keys()))
    cases.text("keys_lazy_nobias", ",".join(nn.LazyLinear(3, bias=False).state_dict().keys()))
    lazy(torch.ones(2, 5))
    cases.text("repr_lazy_after", repr(lazy))  # the class became Linear
    cases.text("extra_repr_lazy_after", lazy.extra_repr())
    cases.text("keys_lazy_after", ",".join(lazy.state_dict().keys()))
    cases.text("keys_linear", ",".join(nn.Linear(4, 2).state_dict().keys()))
    cases.text("keys_linear_nobias", ",".join(nn.Linear(4, 2, bias=False).state_dict().keys()))
    loaded = nn.LazyLinear(3)
    loaded.load_state_dict(nn.Linear(7, 3).state_dict())
    cases.text("extra_repr_lazy_loaded", loaded.extra_repr())
    cases.text("shape_lazy_loaded", str(tuple(loaded.weight.shape)))

    # ---- errors
    p = nn.UninitializedParameter()
    cases.text("err_shape", error(lambda: p.shape))
    cases.text("err_dim", error(lambda: p.dim()))
    cases.text("err_share_memory", error(lambda: nn.LazyLinear(3).share_memory()))
    q = nn.UninitializedParameter()
    q.materialize((2, 3))
    cases.text("err_materialize_twice", error(lambda: q.materialize((2, 3))))
    b = nn.UninitializedBuffer()
    b.materialize((2,))
    cases.text("err_materialize_twice_buffer", error(lambda: b.materialize((2,))))
    cases.text("err_materialize_negative",
               error(lambda: nn.UninitializedParameter().materialize((2, -1))))
    cases.text("err_linear_shape", error(lambda: nn.Linear(4, 2)(torch.ones(3, 5))))
    cases.text("err_linear_negative_in", error(lambda: nn.Linear(-1, 2)))
    cases.text("err_linear_negative_out", error(lambda: nn.Linear(2, -1)))
    cases.text("err_lazy_negative_out", error(lambda: nn.LazyLinear(-1)(torch.ones(2, 3))))
    cases.text("err_gain", error(lambda: init.calculate_gain("softmax")))
    cases.text("err_fan", error(lambda: init._calculate_fan_in_and_fan_out(torch.empty(3))))
    cases.text("err_kaiming_mode", error(lambda: init.kaiming_uniform_(torch.empty(3, 4), mode="Fan_Avg")))
    cases.text("err_xavier_1d", error(lambda: init.xavier_uniform_(torch.empty(3))))
    cases.text("err_load_uninit_into_init",
               error(lambda: nn.Linear(4, 3).load_state_dict(nn.LazyLinear(3).state_dict())))
