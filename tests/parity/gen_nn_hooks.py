"""Module hooks against PyTorch: the order in which every hook kind fires
(global and per-module forward pre-hooks, forward hooks, full backward hooks;
legacy backward hooks) on a nested model whose middle module returns a tuple,
the grad_input / grad_output each backward hook sees, and the in-place error.
Built the same way in tests/parity/nn_hooks_test.cpp. PyTorch 1.13 has no
prepend / with_kwargs / always_call / backward pre-hooks: those follow
PyTorch 2's _call_impl and are unit-tested in tests/nn/module_call_test.cpp."""
import torch
from torch import nn


class Affine(nn.Module):
    def __init__(self, n, scale):
        super().__init__()
        self.w = nn.Parameter(torch.full((n,), scale))
        self.b = nn.Parameter(torch.arange(n, dtype=torch.float32))

    def forward(self, x):
        return x * self.w + self.b


class Pair(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Affine(3, 2.0)
        self.b = Affine(3, 3.0)

    def forward(self, x, k):
        return self.a(x) * k, self.b(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pair = Pair()
        self.head = Affine(3, 0.5)

    def forward(self, x):
        p, q = self.pair(x, 2.0)
        return self.head(p + q * q)


def fmt(t):
    if t is None:
        return "None"
    return "[" + ", ".join("%.4f" % v for v in t.flatten().tolist()) + "]"


def fmt_all(ts):
    return "(" + ", ".join(fmt(t) for t in ts) + ")"


def error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        return type(e).__name__ + ": " + str(e)
    return "no error"


def generate(cases):
    net = Net()
    names = {m: (n or "net") for n, m in net.named_modules()}
    trace = []
    handles = []
    for m, n in names.items():
        handles.append(m.register_forward_pre_hook(
            lambda mod, args, n=n: trace.append(f"pre {n} nargs={len(args)}")))
        handles.append(m.register_forward_hook(
            lambda mod, args, out, n=n: trace.append(
                f"fwd {n} out={'tuple' if isinstance(out, tuple) else 'Tensor'}")))
        handles.append(m.register_full_backward_hook(
            lambda mod, gi, go, n=n: trace.append(f"bwd {n} gi={fmt_all(gi)} go={fmt_all(go)}")))
    handles.append(nn.modules.module.register_module_forward_pre_hook(
        lambda mod, args: trace.append(f"global pre {names[mod]}")))
    handles.append(nn.modules.module.register_module_forward_hook(
        lambda mod, args, out: trace.append(f"global fwd {names[mod]}")))
    handles.append(nn.modules.module.register_module_full_backward_hook(
        lambda mod, gi, go: trace.append(f"global bwd {names[mod]}")))
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = net(x)
    trace.append("-- backward")
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    cases.text("trace", "\n".join(trace))
    cases.text("x_grad", fmt(x.grad))
    cases.text("param_grads", "\n".join(f"{n} {fmt(p.grad)}" for n, p in net.named_parameters()))
    for h in handles:
        h.remove()

    # A backward hook replacing grad_input of the head: x's gradient changes.
    net.zero_grad()
    h = net.head.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,))
    x2 = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    net(x2).sum().backward()
    cases.text("replaced_x_grad", fmt(x2.grad))
    h.remove()

    # Legacy backward hooks: the grad_fn of the first output (AddBackward0).
    legacy = []
    aff = Affine(3, 2.0)
    aff.register_backward_hook(
        lambda mod, gi, go: legacy.append(f"gi={fmt_all(gi)} go={fmt_all(go)}"))
    x3 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (aff(x3) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    cases.text("legacy", "\n".join(legacy))

    class Inplace(nn.Module):
        def forward(self, x):
            return x.mul_(2.0)

    ip = Inplace()
    ip.register_full_backward_hook(lambda mod, gi, go: None)
    cases.text("err_inplace", error(lambda: ip(torch.ones(2, requires_grad=True) * 1.0)))
    mixed = Affine(1, 1.0)
    mixed.register_backward_hook(lambda mod, gi, go: None)
    cases.text("err_mixed", error(lambda: mixed.register_full_backward_hook(lambda m, gi, go: None)))
