"""nn containers against PyTorch: Sequential (positional and named; indexing,
slicing, append, insert, extend, pop, set and delete with renumbering, +, *),
ModuleList, ModuleDict, ParameterList and ParameterDict. Compared as text:
printed trees, named_modules / state_dict keys after each change, Sequential
forward values and gradients with the same weights, and error messages. Built
the same way in tests/parity/nn_container_test.cpp."""
from collections import OrderedDict

import torch
from torch import nn


class Affine(nn.Module):
    def __init__(self, n, scale):
        super().__init__()
        self.n = n
        self.w = nn.Parameter(torch.full((n,), scale))
        self.b = nn.Parameter(torch.arange(n, dtype=torch.float32))

    def forward(self, x):
        return x * self.w + self.b

    def extra_repr(self):
        return f"n={self.n}"


class Scale(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x * self.k

    def extra_repr(self):
        return f"k={self.k}"


def fmt(t):
    return "[" + ", ".join("%.4f" % v for v in t.flatten().tolist()) + "]"


def error(fn, dict_key=False):
    """The exception as 'Type: message'; dict_key: a KeyError of a dict lookup,
    printed as Python prints it ('key' in quotes)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        msg = str(e) if dict_key else (e.args[0] if e.args else str(e))
        return type(e).__name__ + ": " + msg
    return "no error"


def keys(m):
    return ",".join(m.state_dict().keys())


def mods(m):
    return ",".join(n for n, _ in m.named_modules())


def generate(cases):
    t = cases.text
    a, s, c = Affine(3, 2.0), Scale(3), Affine(3, 0.5)
    seq = nn.Sequential(a, s, c)
    t("seq_repr", repr(seq))
    t("seq_modules", mods(seq))
    t("seq_keys", keys(seq))
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = seq(x)
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    t("seq_forward", fmt(y))
    t("seq_x_grad", fmt(x.grad))
    t("seq_param_grads", "\n".join(f"{n} {fmt(p.grad)}" for n, p in seq.named_parameters()))
    t("seq_index", f"{seq[0] is a} {seq[-1] is c} {seq[-3] is a} {len(seq)}")

    # Slices keep the keys.
    t("seq_slice_1", repr(seq[1:]))
    t("seq_slice_rev", keys(seq[::-1]) + " | " + mods(seq[::-1]))
    t("seq_slice_neg", keys(seq[-2:]))
    t("seq_slice_empty", repr(seq[5:]))
    t("seq_slice_shared", str(seq[1:][1] is c))

    named = nn.Sequential(OrderedDict([("first", Affine(2, 1.0)), ("act", Scale(2)),
                                       ("last", Affine(2, 3.0))]))
    t("named_repr", repr(named))
    t("named_keys", keys(named))
    t("named_slice", keys(named[1:]) + " | " + mods(named[::2]))
    t("named_forward", fmt(named(torch.tensor([1.0, 2.0]))))
    t("err_named_insert", error(lambda: named.insert(0, Scale(1)), dict_key=True))
    t("named_after_failed_insert", mods(named))
    del named[1]
    t("named_del_renumbered", repr(named))

    # Mutations and the keys after each.
    s2 = nn.Sequential(Affine(1, 1.0), Affine(1, 2.0))
    log = []
    s2.append(Scale(5))
    log.append("append " + keys(s2) + " " + mods(s2))
    s2.insert(1, Affine(1, 7.0))
    log.append("insert1 " + keys(s2) + " " + repr(s2).replace("\n", "/"))
    s2.insert(-1, Scale(6))
    log.append("insert-1 " + repr(s2).replace("\n", "/"))
    s2.insert(len(s2), Scale(8))
    log.append("insert_end " + repr(s2).replace("\n", "/"))
    s2.extend(nn.Sequential(Scale(9), Affine(2, 1.0)))
    log.append("extend " + keys(s2) + " " + mods(s2))
    p = s2.pop(0)
    log.append(f"pop0 {p.w.item()} " + keys(s2))
    s2[-1] = Scale(10)
    log.append("set-1 " + repr(s2).replace("\n", "/"))
    del s2[0:2]
    log.append("del0:2 " + repr(s2).replace("\n", "/"))
    del s2[::2]
    log.append("del::2 " + repr(s2).replace("\n", "/"))
    popped = s2.pop(slice(0, 1))
    log.append("popslice " + repr(popped).replace("\n", "/") + " | " + repr(s2).replace("\n", "/"))
    t("seq_mutations", "\n".join(log))

    s3 = nn.Sequential(Scale(1), Scale(2))
    t("seq_add", repr(s3 + nn.Sequential(Scale(3))))
    t("seq_mul", repr(s3 * 2) + " " + str((s3 * 2)[2] is s3[0]))
    t("seq_rmul", repr(2 * s3))
    s4 = nn.Sequential(Scale(1), Scale(2))
    s4 += nn.Sequential(Scale(3))
    t("seq_iadd", repr(s4))
    s4 *= 2
    t("seq_imul", mods(s4) + " " + str(s4[3] is s4[0]))
    t("seq_mul_forward", fmt((s3 * 3)(torch.tensor([1.0]))))

    t("err_seq_index", error(lambda: seq[3]))
    t("err_seq_index_neg", error(lambda: seq[-4]))
    t("err_seq_set", error(lambda: seq.__setitem__(3, Scale(1))))
    t("err_seq_del", error(lambda: seq.__delitem__(-5)))
    t("err_seq_pop", error(lambda: seq.pop(7)))
    t("err_seq_insert", error(lambda: seq.insert(4, Scale(1))))
    t("err_seq_insert_neg", error(lambda: seq.insert(-4, Scale(1))))
    t("err_seq_insert_none", error(lambda: seq.insert(0, None)))
    t("err_seq_step0", error(lambda: seq[::0]))
    t("err_seq_mul0", error(lambda: seq * 0))
    t("err_seq_imul", error(lambda: nn.Sequential(Scale(1)).__imul__(-1)))
    t("err_seq_attr", error(lambda: nn.Sequential(OrderedDict([("append", Scale(1))]))))
    t("err_seq_dot", error(lambda: nn.Sequential(OrderedDict([("a.b", Scale(1))]))))
    t("err_seq_none_call", error(lambda: nn.Sequential(Scale(1), None)(torch.ones(1))))
    t("seq_after_errors", repr(seq))
    t("seq_none_repr", repr(nn.Sequential(Scale(1), None)))

    # ModuleList
    ml = nn.ModuleList([Affine(2, 1.0), Scale(2), Affine(2, 2.0)])
    t("ml_repr", repr(ml))
    t("ml_keys", keys(ml))
    t("ml_slice", repr(ml[1:]))
    t("ml_slice_rev", keys(ml[::-1]))
    t("ml_index", f"{ml[-1] is ml[2]} {len(ml)}")
    log = []
    ml.append(Scale(3))
    log.append("append " + mods(ml))
    ml.insert(1, Scale(4))
    log.append("insert1 " + repr(ml).replace("\n", "/"))
    ml.insert(len(ml), Scale(5))
    log.append("insert_end " + mods(ml))
    ml.extend([Scale(6), Scale(7)])
    log.append("extend " + mods(ml))
    ml += [Scale(8)]
    log.append("iadd " + mods(ml))
    log.append("pop " + repr(ml.pop(-1)) + " " + mods(ml))
    del ml[0]
    log.append("del0 " + repr(ml).replace("\n", "/"))
    del ml[1::2]
    log.append("del1::2 " + repr(ml).replace("\n", "/"))
    ml[0] = Scale(11)
    log.append("set0 " + repr(ml).replace("\n", "/"))
    ml.append(None)
    log.append("append_none " + repr(ml).replace("\n", "/") + " " + mods(ml))
    log.append("popslice " + repr(ml.pop(slice(1, None))).replace("\n", "/") + " " + mods(ml))
    t("ml_mutations", "\n".join(log))
    gap = nn.ModuleList([Scale(1)])
    gap.insert(5, Scale(2))
    t("ml_insert_past_end", mods(gap) + " " + str(len(gap)))
    t("ml_add", repr(nn.ModuleList([Scale(1)]) + nn.ModuleList([Scale(2), Scale(3)])))
    ml2 = nn.ModuleList([Scale(1), Scale(2)])
    t("err_ml_index", error(lambda: ml2[2]))
    t("err_ml_set", error(lambda: ml2.__setitem__(-3, Scale(1))))
    t("err_ml_del", error(lambda: ml2.__delitem__(2)))
    # PyTorch has moved entries before it fails here; ember checks first.
    t("err_ml_insert_neg", error(lambda: nn.ModuleList([Scale(1), Scale(2)]).insert(-1, Scale(1)),
                                 dict_key=True))
    t("err_ml_call", error(lambda: ml2(torch.ones(1))))
    t("ml_after_errors", repr(ml2))

    # ModuleDict
    md = nn.ModuleDict(OrderedDict([("b", Scale(1)), ("a", Affine(1, 1.0))]))
    md.update([("c", Scale(2)), ("b", Scale(3))])
    t("md_repr", repr(md))
    t("md_keys", ",".join(md.keys()) + " " + keys(md))
    t("md_contains", f"{'a' in md} {'z' in md} {len(md)}")
    md["d"] = Scale(4)
    t("md_pop", repr(md.pop("b")) + " " + mods(md))
    del md["a"]
    t("md_del", repr(md))
    md.update(nn.ModuleDict(OrderedDict([("e", Scale(5))])))
    t("md_update_dict", mods(md))
    t("err_md_get", error(lambda: md["zz"], dict_key=True))
    t("err_md_del", error(lambda: md.__delitem__("zz"), dict_key=True))
    t("err_md_pop", error(lambda: md.pop("zz"), dict_key=True))
    t("err_md_attr", error(lambda: md.__setitem__("keys", Scale(1))))
    t("err_md_dot", error(lambda: md.__setitem__("a.b", Scale(1))))
    t("err_md_empty", error(lambda: md.__setitem__("", Scale(1))))
    t("err_md_call", error(lambda: md(torch.ones(1))))
    md.clear()
    t("md_clear", repr(md) + " " + str(len(md)))

    # ParameterList
    torch.manual_seed(0)
    pl = nn.ParameterList([torch.randn(2, 3), nn.Parameter(torch.zeros(4, dtype=torch.float64)),
                           nn.Parameter(torch.ones(1), requires_grad=False)])
    t("pl_repr", repr(pl))
    t("pl_keys", keys(pl) + " " + ",".join(n for n, _ in pl.named_parameters()))
    t("pl_requires_grad", " ".join(str(p.requires_grad) for p in pl))
    t("pl_is_param", " ".join(str(isinstance(p, nn.Parameter)) for p in pl))
    pl.append(torch.ones(2, 2))
    pl.extend([torch.zeros(3)])
    t("pl_appended", repr(pl))
    t("pl_slice", repr(pl[::-2]))
    t("pl_single", repr(nn.ParameterList([torch.ones(5)])))
    t("pl_empty", repr(nn.ParameterList()))
    pl[0] = torch.ones(7)
    t("pl_set", repr(pl).split("\n")[1] + " " + str(pl[-5].shape[0]))
    t("err_pl_index", error(lambda: pl[5]))
    t("err_pl_set", error(lambda: pl.__setitem__(-6, torch.ones(1))))
    t("err_pl_call", error(lambda: pl(torch.ones(1))))

    # ParameterDict
    pd = nn.ParameterDict(OrderedDict([("w", torch.randn(2)),
                                       ("b", nn.Parameter(torch.ones(3, dtype=torch.float64)))]))
    t("pd_repr", repr(pd))
    pd.update([("c", torch.zeros(1, 2)), ("w", torch.ones(4))])
    t("pd_update", repr(pd) + " | " + keys(pd))
    t("pd_setdefault", f"{pd.setdefault('w', torch.ones(9)).shape[0]} "
                       f"{pd.setdefault('z', torch.ones(9)).shape[0]} " + ",".join(pd.keys()))
    t("pd_get", f"{pd.get('b').dtype} {pd.get('nope') is None} {'c' in pd} {len(pd)}")
    t("pd_pop", f"{pd.pop('c').shape[1]} " + ",".join(pd.keys()))
    k, v = pd.popitem()
    t("pd_popitem", f"{k} {v.shape[0]} " + ",".join(pd.keys()))
    cp = pd.copy()
    t("pd_copy", f"{cp['w'] is pd['w']} " + ",".join(cp.keys()))
    fk = pd.fromkeys(["x", "y"], torch.ones(2))
    t("pd_fromkeys", repr(fk) + " " + str(fk["x"] is fk["y"]))
    other = nn.ParameterDict(OrderedDict([("q", torch.ones(1)), ("w", torch.zeros(6))]))
    t("pd_or", ",".join((pd | other).keys()) + " " + str((pd | other)["w"].shape[0]))
    pd |= other
    t("pd_ior", ",".join(pd.keys()))
    t("err_pd_get", error(lambda: pd["zz"]))
    t("err_pd_del", error(lambda: pd.__delitem__("zz"), dict_key=True))
    t("err_pd_pop", error(lambda: pd.pop("zz")))
    t("err_pd_attr", error(lambda: nn.ParameterDict().__setitem__("keys", torch.ones(1))))
    t("err_pd_dot", error(lambda: nn.ParameterDict().__setitem__("a.b", torch.ones(1))))
    t("err_pd_empty", error(lambda: nn.ParameterDict().__setitem__("", torch.ones(1))))
    t("err_pd_popitem", error(lambda: nn.ParameterDict().popitem(), dict_key=True))
    t("err_pd_call", error(lambda: pd(torch.ones(1))))
    pd.clear()
    t("pd_clear", repr(pd) + " " + str(len(pd)))

    # Containers inside a model: the keys the brief names.
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(Affine(2, 1.0), Scale(2), Affine(2, 3.0))
            self.heads = nn.ModuleDict(OrderedDict([("cls", Affine(2, 1.0))]))
            self.params = nn.ParameterList([torch.ones(2), torch.zeros(1)])
            self.extra = nn.ParameterDict(OrderedDict([("alpha", torch.ones(1))]))

    model = Model()
    t("model_repr", repr(model))
    t("model_keys", keys(model))
    t("model_modules", mods(model))
