"""nn.Module state_dict parity: the model of gen_nn_module.py (a shared
submodule, a tied parameter, a module under two names, None members, a
non-persistent buffer) plus a module with extra state, built the same way in
tests/parity/nn_state_dict_test.cpp.

Texts: state_dict keys in order, the error messages of strict loads and the
IncompatibleKeys of non-strict ones. Tensors: the fresh state_dict's values, and
checkpoints written by torch to safetensors (each stored whole, as a uint8
blob "<case>/in0") with the state_dict torch has after loading them ("<case>/out*",
in key order)."""
import os
import tempfile

import torch
from torch import nn

import st
from gen_nn_module import Net as TreeNet, Leaf


class Counter(nn.Module):
    """Extra state: a step counter, saved as an int64 scalar tensor."""

    def __init__(self):
        super().__init__()
        self.steps = 0
        self.w = nn.Parameter(torch.zeros(3))
        self.inner = Leaf()

    def get_extra_state(self):
        return torch.tensor(self.steps)

    def set_extra_state(self, state):
        self.steps = int(state)


class Net(TreeNet):
    def __init__(self):
        super().__init__()
        self.counter = Counter()


def blob(state_dict):
    """The safetensors file torch's state_dict makes, as a uint8 tensor."""
    fd, path = tempfile.mkstemp(suffix=".safetensors")
    os.close(fd)
    try:
        st.save(path, state_dict)
        with open(path, "rb") as f:
            data = f.read()
    finally:
        os.remove(path)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).clone()


def checkpoint():
    """A state_dict for Net whose entries all differ (tied and shared ones too);
    head.running is float64 (converted on load)."""
    g = torch.Generator().manual_seed(7)
    sd = {}
    for k, v in Net().state_dict().items():
        if k.endswith("_extra_state"):
            sd[k] = torch.tensor(19)
        else:
            sd[k] = torch.randn(v.shape, generator=g)
    sd["head.running"] = sd["head.running"].double()
    return sd


def outcome(fn):
    """fn's result as text, or its exception as "Type: message"."""
    try:
        return str(fn())
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        return type(e).__name__ + ": " + (e.args[0] if e.args else str(e))


def load_texts(cases, name, state_dict, setup=None):
    """The outcome of a strict and of a non-strict load, each into a fresh Net."""
    def run(strict):
        net = Net()
        if setup:
            setup(net)
        return net.load_state_dict(state_dict, strict=strict)
    cases.text(name + "_strict", outcome(lambda: run(True)))
    cases.text(name + "_nonstrict", outcome(lambda: run(False)))


def rename_hook(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
    # An old checkpoint called head's weight "w".
    if prefix + "w" in state_dict:
        state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")


def hooks(net):
    net.head._register_load_state_dict_pre_hook(rename_hook, with_module=True)
    net.first.register_load_state_dict_post_hook(lambda m, k: k.missing_keys.clear())
    net.second.register_load_state_dict_post_hook(
        lambda m, k: k.unexpected_keys.append("second.fake"))


def generate(cases):
    net = Net()
    sd = net.state_dict()
    cases.text("keys", "\n".join(sd))
    cases.text("keys_prefix", "\n".join(net.state_dict(prefix="model.")))
    cases.text("keys_parameters", "\n".join(
        k for k, v in net.state_dict(keep_vars=True).items() if isinstance(v, nn.Parameter)))
    cases.add("fresh", [], list(sd.values()))

    # state_dict post-hooks (1.13 has no pre-hooks): head adds a key under each of
    # its names, the root drops one.
    hooked = Net()
    def add_note(module, state_dict, prefix, local_metadata):
        state_dict[prefix + "note"] = torch.ones(())

    def drop_tied(module, state_dict, prefix, local_metadata):
        del state_dict[prefix + "tied"]

    hooked.head._register_state_dict_hook(add_note)
    hooked._register_state_dict_hook(drop_tied)
    cases.text("keys_hooked", "\n".join(hooked.state_dict()))

    # A checkpoint written by torch loads; the tied parameter and the shared
    # module end up with the last value in state_dict order.
    ckpt = checkpoint()
    loaded = Net()
    cases.text("checkpoint_result", str(loaded.load_state_dict(ckpt)))
    cases.add("checkpoint", [blob(ckpt)], list(loaded.state_dict().values()))

    missing = dict(ckpt)
    for k in ("tied", "counter._extra_state", "second.b.running"):
        del missing[k]
    load_texts(cases, "missing", missing)
    cases.add("missing", [blob(missing)], [])

    unexpected = dict(ckpt)
    for k in ("extra", "head.bias", "head.scratch", "first.missing.w", "head.weight.foo", "first",
              "alias._extra_state", "counter.inner._extra_state", "counter.inner.x.y"):
        unexpected[k] = torch.zeros(1)
    load_texts(cases, "unexpected", unexpected)
    cases.add("unexpected", [blob(unexpected)], [])

    mismatch = dict(ckpt)
    mismatch["first.b.weight"] = torch.zeros(3)
    mismatch["second.shared.running"] = torch.zeros(2, 1)
    mismatch["counter.w"] = torch.zeros(3, 1, dtype=torch.float64)
    mismatch["counter.inner.running"] = torch.zeros(())
    load_texts(cases, "mismatch", mismatch)
    cases.add("mismatch", [blob(mismatch)], [])

    everything = dict(mismatch)
    for k in ("tied", "counter._extra_state"):
        del everything[k]
    everything["extra"] = torch.zeros(1)
    everything["head.bias"] = torch.zeros(2)
    load_texts(cases, "all", everything)
    cases.add("all", [blob(everything)], [])

    # None cannot go through a file: ember builds this one itself.
    none = dict(ckpt)
    none["head.weight"] = None
    load_texts(cases, "none", none)

    # Load hooks: a pre-hook renames an old key, post-hooks edit the keys found so
    # far (first clears the missing "tied"; second adds one), which counts for strict.
    old = dict(ckpt)
    old["head.w"] = old.pop("head.weight")
    old["first.x"] = torch.zeros(1)
    del old["tied"]
    load_texts(cases, "hooks", old, hooks)
    hooked = Net()
    hooks(hooked)
    hooked.load_state_dict(old, strict=False)
    cases.add("hooks", [blob(old)], list(hooked.state_dict().values()))
