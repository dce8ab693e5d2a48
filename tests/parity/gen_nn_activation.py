"""Activations, dropout and Flatten parity (tests/parity/nn_activation_test.cpp):
forward values and input gradients for float32 (contiguous and transposed
inputs) and float16/bfloat16 forwards, PReLU's weight gradient, autograd node
names, printed modules and error messages (stored as text)."""
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from gen_nn_module import error  # noqa: E402

warnings.filterwarnings("ignore")

# name -> f(x); the C++ test has the same table.
ACTS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "elu": lambda x: F.elu(x, 0.7),
    "selu": F.selu,
    "celu": lambda x: F.celu(x, 1.3),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "mish": F.mish,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "hardtanh": lambda x: F.hardtanh(x, -0.5, 1.5),
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "softplus": lambda x: F.softplus(x, 2.0, 3.0),
    "softsign": F.softsign,
    "threshold": lambda x: F.threshold(x, 0.3, -2.0),
    "logsigmoid": F.logsigmoid,
    "softmax": lambda x: F.softmax(x, 1),
    "log_softmax": lambda x: F.log_softmax(x, 0),
}
# in-place forms: name -> f(x) writing into x (a non-leaf copy).
INPLACE = {
    "relu_": lambda x: F.relu(x, inplace=True),
    "relu6_": lambda x: F.relu6(x, inplace=True),
    "leaky_relu_": lambda x: F.leaky_relu(x, 0.2, inplace=True),
    "elu_": lambda x: F.elu(x, 0.7, inplace=True),
    "selu_": lambda x: F.selu(x, inplace=True),
    "celu_": lambda x: F.celu(x, 1.3, inplace=True),
    "silu_": lambda x: F.silu(x, inplace=True),
    "mish_": lambda x: F.mish(x, inplace=True),
    "hardtanh_": lambda x: F.hardtanh(x, -0.5, 1.5, inplace=True),
    "hardsigmoid_": lambda x: F.hardsigmoid(x, inplace=True),
    "hardswish_": lambda x: F.hardswish(x, inplace=True),
    "threshold_": lambda x: F.threshold(x, 0.3, -2.0, inplace=True),
}


def fwd_bwd(f, x, gy, inplace=False):
    x = x.clone().requires_grad_(True)
    y = f(x.clone() if inplace else x)
    name = y.grad_fn.name()
    y.backward(gy)
    return [y.detach(), x.grad], name


def generate(cases):
    for name, f in ACTS.items():
        x = torch.randn(4, 6) * 3
        gy = torch.randn(4, 6)
        outs, node = fwd_bwd(f, x, gy)
        cases.add(name, [x, gy], outs)
        cases.text("node_" + name, node)
        # transposed (non-contiguous) input: the C++ side transposes in0 too
        xt = torch.randn(6, 4) * 3
        gyt = torch.randn(4, 6)
        outs, _ = fwd_bwd(lambda t: f(t.t()), xt, gyt)
        cases.add(name + "_t", [xt, gyt], outs)
        if name not in ("softmax", "log_softmax"):
            for dt, tag in [(torch.float16, "f16"), (torch.bfloat16, "bf16")]:
                xh = (torch.randn(33) * 3).to(dt)
                cases.add(f"{name}_{tag}", [xh], [f(xh.float()).to(dt)])
    for name, f in INPLACE.items():
        x = torch.randn(4, 6) * 3
        gy = torch.randn(4, 6)
        outs, node = fwd_bwd(f, x, gy, inplace=True)
        cases.add(name, [x, gy], outs)
        cases.text("node_" + name, node)

    # PReLU: per-channel and single weights
    for name, shape, nw in [("prelu_channels", (2, 3, 4, 5), 3), ("prelu_single", (3, 4), 1),
                            ("prelu_2d", (5, 4), 4)]:
        x = torch.randn(*shape)
        w = torch.rand(nw)
        gy = torch.randn(*shape)
        xr, wr = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
        y = F.prelu(xr, wr)
        y.backward(gy)
        cases.add(name, [x, w, gy], [y.detach(), xr.grad, wr.grad])
    cases.text("node_prelu", F.prelu(torch.randn(2, 3, requires_grad=True),
                                     torch.rand(3)).grad_fn.name())
    cases.text("node_dropout", F.dropout(torch.randn(3, 4, requires_grad=True)).grad_fn.name())
    cases.text("node_alpha_dropout",
               F.alpha_dropout(torch.randn(3, 4, requires_grad=True), 0.5, True).grad_fn.name())

    # Flatten / Unflatten
    x = torch.randn(2, 3, 4, 5)
    cases.add("flatten", [x], [nn.Flatten()(x), nn.Flatten(0, 2)(x), nn.Unflatten(1, (3, 1))(x)])

    # printed modules
    mods = {
        "ReLU": nn.ReLU(), "ReLU_inplace": nn.ReLU(True), "ReLU6": nn.ReLU6(),
        "LeakyReLU": nn.LeakyReLU(), "LeakyReLU_args": nn.LeakyReLU(0.2, True),
        "PReLU": nn.PReLU(), "PReLU_3": nn.PReLU(3), "ELU": nn.ELU(), "ELU_args": nn.ELU(0.5, True),
        "SELU": nn.SELU(), "CELU": nn.CELU(), "GELU": nn.GELU(), "GELU_tanh": nn.GELU("tanh"),
        "SiLU": nn.SiLU(), "Mish": nn.Mish(), "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(),
        "Hardtanh": nn.Hardtanh(), "Hardtanh_args": nn.Hardtanh(-2.0, 3.5),
        "Hardsigmoid": nn.Hardsigmoid(), "Hardswish": nn.Hardswish(), "Softplus": nn.Softplus(),
        "Softplus_args": nn.Softplus(0.5, 10), "Softsign": nn.Softsign(),
        "Softmax": nn.Softmax(1), "Softmax_none": nn.Softmax(), "LogSoftmax": nn.LogSoftmax(-1),
        "Threshold": nn.Threshold(0.1, 20.0), "Dropout": nn.Dropout(), "Dropout_args": nn.Dropout(0.25, True),
        "Dropout1d": nn.Dropout1d(), "Dropout2d": nn.Dropout2d(0.1), "Dropout3d": nn.Dropout3d(),
        "AlphaDropout": nn.AlphaDropout(0.2), "Flatten": nn.Flatten(), "Unflatten": nn.Unflatten(1, (2, 5)),
        "Unflatten_1": nn.Unflatten(0, (4,)),
        "Seq": nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Dropout(0.1), nn.Linear(3, 2)),
    }
    for k, m in mods.items():
        cases.text("repr_" + k, repr(m))
    cases.text("prelu_keys", ",".join(nn.PReLU(3).state_dict().keys()))
    cases.add("prelu_init", [], [nn.PReLU(3).weight.detach()])

    # errors
    cases.text("err_dropout_p", error(lambda: nn.Dropout(1.5)))
    cases.text("err_f_dropout_p", error(lambda: F.dropout(torch.randn(3), -0.1)))
    cases.text("err_dropout1d_dim", error(lambda: F.dropout1d(torch.randn(2, 3, 4, 5))))
    cases.text("err_feature_dim", error(lambda: F.dropout2d(torch.randn(3))))
    cases.text("err_prelu_channels", error(lambda: F.prelu(torch.randn(2, 4), torch.rand(3))))
    cases.text("err_gelu_approx", error(lambda: F.gelu(torch.randn(2), approximate="fast")))
    cases.text("err_celu_zero", error(lambda: F.celu(torch.randn(2), 0.0)))
    cases.text("err_leaky_inplace_neg", error(
        lambda: F.leaky_relu(torch.randn(2, requires_grad=True).clone(), -0.1, inplace=True)
        .sum().backward()))
    cases.text("err_elu_inplace_neg", error(
        lambda: F.elu(torch.randn(2, requires_grad=True).clone(), -0.5, inplace=True)
        .sum().backward()))
