"""nn.Module tree parity: a nested model with a shared submodule and a tied
parameter, built the same way in tests/parity/nn_module_test.cpp. Writes the
traversal results (names, in order) and error messages as text."""
import torch
from torch import nn


class Leaf(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2))
        self.register_parameter("bias", None)
        self.register_buffer("running", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)

    def extra_repr(self):
        return "features=2"


class Multi(nn.Module):
    def extra_repr(self):
        return "first line\nsecond line"


class Block(nn.Module):
    def __init__(self, shared):
        super().__init__()
        self.a = Leaf()
        self.shared = shared
        self.register_module("missing", None)
        self.b = Leaf()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        shared = Leaf()
        self.first = Block(shared)
        self.second = Block(shared)
        self.register_parameter("tied", self.first.a.weight)
        self.head = Leaf()
        self.alias = self.head  # the same module under a second name
        self.multi = Multi()
        self.plain = nn.Module()


def named_members_dup(module, get, prefix=""):
    # PyTorch 2's _named_members with remove_duplicate=False (1.13 lacks the flag).
    out = []
    for mp, m in module.named_modules(prefix=prefix, remove_duplicate=False):
        for k, v in get(m):
            if v is None:
                continue
            out.append((mp + ("." if mp else "") + k))
    return out


def error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        return type(e).__name__ + ": " + (e.args[0] if e.args else str(e))
    return "no error"


def generate(cases):
    net = Net()
    lines = lambda xs: "\n".join(xs)  # noqa: E731
    cases.text("named_modules", lines(n for n, _ in net.named_modules()))
    cases.text("named_modules_dup", lines(n for n, _ in net.named_modules(remove_duplicate=False)))
    cases.text("named_modules_prefix", lines(n for n, _ in net.named_modules(prefix="model")))
    cases.text("named_children", lines(n for n, _ in net.named_children()))
    cases.text("named_parameters", lines(n for n, _ in net.named_parameters()))
    cases.text("named_parameters_prefix", lines(n for n, _ in net.named_parameters(prefix="m")))
    cases.text("named_parameters_local", lines(n for n, _ in net.named_parameters(recurse=False)))
    cases.text("named_parameters_dup",
               lines(named_members_dup(net, lambda m: m._parameters.items())))
    cases.text("named_buffers", lines(n for n, _ in net.named_buffers()))
    cases.text("named_buffers_dup", lines(named_members_dup(net, lambda m: m._buffers.items())))
    cases.text("num_parameters", str(len(list(net.parameters()))))
    cases.text("num_modules", str(len(list(net.modules()))))
    cases.text("err_submodule_missing", error(lambda: net.get_submodule("first.nope")))
    cases.text("err_submodule_param", error(lambda: net.get_submodule("first.a.weight")))
    cases.text("err_submodule_none", error(lambda: net.get_submodule("first.missing")))
    cases.text("err_parameter_buffer", error(lambda: net.get_parameter("head.running")))
    cases.text("err_parameter_missing", error(lambda: net.get_parameter("head.nope")))
    cases.text("err_parameter_none", error(lambda: net.get_parameter("head.bias")))
    cases.text("err_buffer_param", error(lambda: net.get_buffer("head.weight")))
    cases.text("err_buffer_missing", error(lambda: net.get_buffer("nope")))
    cases.text("err_param_dot", error(lambda: net.register_parameter("a.b", None)))
    cases.text("err_param_empty", error(lambda: net.register_parameter("", None)))
    cases.text("err_param_taken", error(lambda: net.register_parameter("head", None)))
    cases.text("err_param_attr", error(lambda: net.register_parameter("training", None)))
    cases.text("err_buffer_dot", error(lambda: net.register_buffer("a.b", None)))
    cases.text("err_buffer_empty", error(lambda: net.register_buffer("", None)))
    cases.text("err_buffer_taken", error(lambda: net.register_buffer("tied", None)))
    cases.text("err_module_dot", error(lambda: net.add_module("a.b", None)))
    cases.text("err_module_empty", error(lambda: net.add_module("", None)))
    cases.text("err_module_taken", error(lambda: net.add_module("tied", None)))
    cases.text("repr", repr(net))
    cases.text("repr_leaf", repr(Leaf()))
    cases.text("parameter_repr", str(nn.Parameter(torch.tensor([1.0, 2.0]))))
    cases.text("parameter_repr_nograd",
               str(nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False)))
