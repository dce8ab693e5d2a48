"""Seeded random sweep of nn.Module tree semantics: random trees of Sequential,
ModuleList, ModuleDict, Linear, Conv2d, BatchNorm1d/2d, LayerNorm, Embedding and
Custom (a parameter that may be None, a buffer that may be None or
non-persistent, an optional int64 buffer), with shared submodules, tied
parameters and None children, nested up to depth 4, then edited ("edit" lines:
container del/pop/insert/extend/update/setitem, register_buffer and
register_parameter over existing names, some of them invalid: their errors are
compared and must leave the tree as it was). tests/parity/nn_module_sweep_test.cpp
builds the same tree from its text spec ("t<NN>/spec") and compares, as texts:

  edits                    the outcome of each "edit" line
  modules, modules_dup     named_modules() / (prefix="root", remove_duplicate=False)
  children, apply, memo    named_children(); apply()'s order; named_modules of two
                           subtrees sharing one memo
  params, params_local, params_dup, params_prefix, buffers, buffers_local,
  buffers_dup, counts      the named members (dup: PyTorch 2's remove_duplicate=False)
  sd, sd_vars              state_dict() keys/shapes/dtypes; (prefix, keep_vars=True)
  repr                     str(module)
  lookups                  get_submodule / get_parameter / get_buffer ("look" lines)
  ckpt                     load_state_dict of a checkpoint with every entry distinct
  load<j>_*                loads of perturbed copies (keys removed or added, shapes
                           and dtypes changed): strict and non-strict outcomes
  modes, requires_grad, zero_grad   after the spec's "mode", "req", "zero" lines
  double, half, half_load, bfloat16, float, type   dtypes (of gradients too) after
                           to(float64), half(), loading the checkpoint, bfloat16(),
                           float(), type(float64)

and as tensors: "t<NN>_ckpt" (in: the checkpoint's values in "sd" key order;
out: the state_dict after loading it), "t<NN>_load<j>" (in: the perturbed values
in "load<j>_keys" order; out: the state_dict after the non-strict load, or
nothing when it raised), "t<NN>_half" (the state_dict after half()) and
"t<NN>_halfload" (after loading the checkpoint into the half model).

Deliberately not exercised (ember differs on purpose or by design):
- perturbed state dicts carry the original's _metadata (as torch.save of a
  state_dict does), so BatchNorm does not default a missing num_batches_tracked
  (ember's state dicts have no metadata; see nn/state_dict.h);
- buffers shared between modules (torch's _apply rebinds buffers, unsharing them;
  ember keeps each buffer's TensorImpl);
- ModuleDict.update with an invalid key (torch keeps the entries set before it,
  ember changes nothing), Sequential.insert into a container whose keys are not
  "0".."n-1" and ModuleList.insert at a negative index (torch fails half-way)."""
import collections
import random

import torch
from torch import nn

SEED = 1913
N_TREES = 84
NAMES = ["a", "b1", "fc", "fc2", "layer0", "layer12", "x_3", "head", "enc0", "dec1", "7", "10",
         "blk", "out9", "m2x", "proj"]


class Custom(nn.Module):
    """A parameter "weight" (None when pshape is None), a buffer "stat"
    (persistent or not), optionally an int64 buffer "steps"."""

    def __init__(self, pshape, bshape, persistent, steps):
        super().__init__()
        if pshape is None:
            self.register_parameter("weight", None)
        else:
            self.weight = nn.Parameter(torch.randn(pshape))
        self.register_buffer("stat", None if bshape is None else torch.randn(bshape),
                             persistent=persistent)
        if steps:
            self.register_buffer("steps", torch.tensor(0))
        self.desc = "weight=%s, stat=%s, persistent=%s" % (
            "None" if pshape is None else fmt_shape(pshape),
            "None" if bshape is None else fmt_shape(bshape), persistent)
        if steps:
            self.desc += "\nsteps"

    def extra_repr(self):
        return self.desc


def fmt_shape(s):
    return "x".join(str(d) for d in s) if len(s) else "scalar"


def parse_shape(s):
    return () if s == "scalar" else tuple(int(d) for d in s.split("x"))


def enc(v):
    """A spec token: None as "-", tuples as "3,1"."""
    if v is None:
        return "-"
    if isinstance(v, tuple):
        return ",".join(str(x) for x in v)
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def dec_size(tok):
    return tuple(int(x) for x in tok.split(",")) if "," in tok else int(tok)


def dec_opt(tok, conv):
    return None if tok == "-" else conv(tok)


def make(kind, a):
    """The module a "new" line describes (a: its argument tokens)."""
    if kind == "Sequential":
        return nn.Sequential()
    if kind == "ModuleList":
        return nn.ModuleList()
    if kind == "ModuleDict":
        return nn.ModuleDict()
    if kind == "Linear":
        return nn.Linear(int(a[0]), int(a[1]), bias=a[2] == "1")
    if kind == "Conv2d":
        return nn.Conv2d(int(a[0]), int(a[1]), dec_size(a[2]), stride=dec_size(a[3]),
                         padding=dec_size(a[4]), bias=a[5] == "1")
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        cls = nn.BatchNorm1d if kind == "BatchNorm1d" else nn.BatchNorm2d
        return cls(int(a[0]), eps=float(a[1]), momentum=dec_opt(a[2], float),
                   affine=a[3] == "1", track_running_stats=a[4] == "1")
    if kind == "LayerNorm":
        return nn.LayerNorm([int(x) for x in a[0].split(",")], eps=float(a[1]),
                            elementwise_affine=a[2] == "1")
    if kind == "Embedding":
        return nn.Embedding(int(a[0]), int(a[1]), padding_idx=dec_opt(a[2], int))
    if kind == "Custom":
        return Custom(None if a[0] == "-" else parse_shape(a[0]),
                      None if a[1] == "-" else parse_shape(a[1]), a[2] == "1", a[3] == "1")
    raise ValueError(kind)


def error(e, op):
    """An exception as "Type: message" (a KeyError of a dict lookup as Python prints it)."""
    lookup = isinstance(e, KeyError) and op in ("delkey", "popkey")
    return type(e).__name__ + ": " + (str(e) if lookup or not e.args else e.args[0])


def opt_int(tok):
    return None if tok == "-" else int(tok)


def apply(mods, t):
    """Runs one spec line (split into tokens) on mods (id -> module)."""
    op = t[0]
    get = lambda tok: None if tok == "-" else mods[tok]  # noqa: E731
    many = lambda tok: [mods[x] for x in tok.split(",")]  # noqa: E731
    if op == "new":
        mods[t[1]] = make(t[2], t[3:])
    elif op == "append":
        mods[t[1]].append(mods[t[2]])
    elif op == "set":
        mods[t[1]][t[2]] = get(t[3])
    elif op == "add":
        mods[t[1]].add_module(t[2], get(t[3]))
    elif op == "tie":
        mods[t[1]].register_parameter(t[2], mods[t[3]]._parameters[t[4]])
    elif op == "setidx":
        mods[t[1]][int(t[2])] = get(t[3])
    elif op == "delidx":
        del mods[t[1]][int(t[2])]
    elif op == "delslice":
        del mods[t[1]][slice(opt_int(t[2]), opt_int(t[3]), int(t[4]))]
    elif op == "insert":
        mods[t[1]].insert(int(t[2]), mods[t[3]])
    elif op == "pop":
        mods[t[1]].pop(int(t[2]))
    elif op == "popkey":
        mods[t[1]].pop(t[2])
    elif op == "delkey":
        del mods[t[1]][t[2]]
    elif op == "extend":
        mods[t[1]].extend(many(t[2]))
    elif op == "iadd":
        mods[t[1]] += many(t[2])
    elif op == "update":
        mods[t[1]].update([(kv.split("=")[0], mods[kv.split("=")[1]]) for kv in t[2].split(",")])
    elif op == "clear":
        mods[t[1]].clear()
    elif op == "buf":
        mods[t[1]].register_buffer(t[2], None if t[3] == "-" else torch.randn(parse_shape(t[3])),
                                   persistent=t[4] == "1")
    else:
        raise ValueError(op)


def build(spec, outcomes=None):
    """Runs the spec's construction lines; returns the root. "edit <op>" lines
    may fail (leaving the tree as it was): their outcomes go to `outcomes`."""
    mods = {}
    root = None
    for line in spec.split("\n"):
        t = line.split(" ")
        if t[0] == "root":
            root = mods[t[1]]
        elif t[0] == "edit":
            try:
                apply(mods, t[1:])
                res = "ok"
            except Exception as e:  # noqa: BLE001 - the message is what is compared
                res = error(e, t[1])
            if outcomes is not None:
                outcomes.append(res)
        elif t[0] not in ("mode", "req", "zero", "look", "memo"):
            apply(mods, t)
    return root


# ---------------------------------------------------------------------------
# Random specs

CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
# Names hasattr finds on a container (or any module): registering one is a KeyError.
BAD_NAMES = {
    "Sequential": ["append", "insert", "extend", "pop", "forward", "state_dict", "T_destination"],
    "ModuleList": ["append", "insert", "extend", "pop", "training", "zero_grad",
                   "register_load_state_dict_post_hook"],
    "ModuleDict": ["keys", "items", "values", "update", "clear", "pop", "parameters", "half"],
    "Custom": ["weight", "stat", "to", "named_modules"],
}


class Gen:
    """Makes a random spec, running each line on real modules as it goes (so
    that edits can look at the tree: sizes, keys, what contains what)."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.objs = {}  # id -> module
        self.kinds = {}  # id -> kind
        self.args = {}
        self.done = []  # finished modules (sharing one cannot make a cycle)
        self.params = []  # (id, name, shape) of registered parameters

    def emit(self, line):
        self.lines.append(line)
        t = line.split(" ")
        if t[0] == "edit":
            try:
                apply(self.objs, t[1:])
            except Exception:  # noqa: BLE001 - both sides record the error
                pass
        else:
            apply(self.objs, t)

    def new(self, kind, args, params):
        i = str(len(self.kinds))
        self.kinds[i] = kind
        self.args[i] = args
        self.emit(" ".join(["new", i, kind] + [enc(x) for x in args]))
        for name, shape in params:
            self.params.append((i, name, shape))
        return i

    def leaf(self, kind=None):
        r = self.rng
        kind = kind or r.choice(["Linear", "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d",
                                 "LayerNorm", "Embedding", "Custom", "Custom", "Custom"])
        if kind == "Linear":
            i, o, b = r.randint(1, 5), r.randint(1, 5), r.random() < 0.7
            return self.new(kind, [i, o, b], [("weight", (o, i))] + ([("bias", (o,))] if b else []))
        if kind == "Conv2d":
            i, o = r.randint(1, 3), r.randint(1, 4)
            k = r.choice([1, 2, 3, (1, 2), (3, 1)])
            s = r.choice([1, 2, (2, 1)])
            p = r.choice([0, 1, (1, 0)])
            b = r.random() < 0.6
            kk = k if isinstance(k, tuple) else (k, k)
            return self.new(kind, [i, o, k, s, p, b],
                            [("weight", (o, i) + kk)] + ([("bias", (o,))] if b else []))
        if kind in ("BatchNorm1d", "BatchNorm2d"):
            n = r.randint(1, 5)
            eps = r.choice(["1e-05", "0.001", "0.1"])
            mom = r.choice(["0.1", "0.1", "-", "0.01"])
            aff, trk = r.random() < 0.7, r.random() < 0.7
            return self.new(kind, [n, eps, mom, aff, trk],
                            [("weight", (n,)), ("bias", (n,))] if aff else [])
        if kind == "LayerNorm":
            shape = r.choice([(r.randint(1, 5),), (r.randint(1, 3), r.randint(1, 4))])
            eps = r.choice(["1e-05", "1e-06"])
            aff = r.random() < 0.7
            return self.new(kind, [shape if len(shape) > 1 else str(shape[0]), eps, aff],
                            [("weight", shape), ("bias", shape)] if aff else [])
        if kind == "Embedding":
            n, d = r.randint(2, 9), r.randint(1, 4)
            pad = r.choice([None, None, 0, 1, -1])
            return self.new(kind, [n, d, pad], [("weight", (n, d))])
        pshape = r.choice([None, (), (3,), (2, 3), (1, 4, 2)])
        bshape = r.choice([(2,), (3,), (2, 2), (2,), None])
        return self.new("Custom", [fmt_shape(pshape) if pshape is not None else None,
                                   fmt_shape(bshape) if bshape is not None else None,
                                   r.random() < 0.6, r.random() < 0.3],
                        [("weight", pshape)] if pshape is not None else [])

    def name_for(self, parent):
        taken = self.objs[parent]._modules
        free = [n for n in NAMES if n not in taken]
        return self.rng.choice(free)

    def subtree(self, depth, max_depth):
        r = self.rng
        if depth >= max_depth or r.random() < 0.2 * depth:
            m = self.leaf()
            self.done.append(m)
            return m
        kind = r.choice(["Sequential", "ModuleList", "ModuleDict", "Custom"])
        if kind == "Custom":
            m = self.leaf("Custom")  # its own members first, children after
        else:
            m = self.new(kind, [], [])
        for _ in range(r.choice([0, 1, 2, 2, 3, 3, 4, 5])):
            if self.done and r.random() < 0.15:
                c = r.choice(self.done)  # a shared module
            elif kind == "Custom" and r.random() < 0.1:
                c = None
            else:
                c = self.subtree(depth + 1, max_depth)
            self.attach(m, kind, c)
        self.done.append(m)
        return m

    def attach(self, m, kind, c):
        r = self.rng
        if kind == "Sequential" and c is not None and r.random() < 0.7 or kind == "ModuleList":
            self.emit("append %s %s" % (m, c))
        elif kind == "ModuleDict":
            self.emit("set %s %s %s" % (m, self.name_for(m), c))
        else:
            self.emit("add %s %s %s" % (m, self.name_for(m), enc(c)))

    def in_tree(self):
        mods = list(self.objs[self.root].modules())
        return [i for i, o in self.objs.items() if any(o is x for x in mods)]

    def other(self, c, none_ok=False):
        """A module to put into c: a new leaf, or one already made that does not
        contain c (no cycles); None sometimes when none_ok."""
        r = self.rng
        if none_ok and r.random() < 0.1:
            return "-"
        if r.random() < 0.5:
            o = self.objs[c]
            cand = [i for i, x in self.objs.items() if not any(y is o for y in x.modules())]
            if cand:
                return r.choice(cand)
        return self.leaf()

    def edit(self):
        """One random container operation; some are invalid (an error, and no change)."""
        r = self.rng
        if r.random() < 0.3:
            return self.member_edit()
        c = r.choice([i for i in self.in_tree() if self.kinds[i] in CONTAINERS + ("Custom",)])
        kind, o = self.kinds[c], self.objs[c]
        n = len(o._modules)
        bad = r.random() < 0.15
        if kind == "Custom":
            if bad:
                self.emit("edit add %s %s %s" % (c, r.choice(BAD_NAMES[kind]), self.other(c)))
            else:
                self.emit("edit add %s %s %s" % (c, self.name_for(c) if r.random() < 0.5 else
                                                 r.choice(NAMES), self.other(c, True)))
            return
        if kind == "ModuleDict":
            keys = list(o._modules)
            op = r.choice(["set", "set", "delkey", "popkey", "update", "add", "clear"])
            if op == "clear" and r.random() < 0.7:
                op = "set"
            if op == "set":
                key = r.choice(BAD_NAMES[kind]) if bad else r.choice(NAMES)
                self.emit("edit set %s %s %s" % (c, key, self.other(c, True)))
            elif op in ("delkey", "popkey"):
                key = r.choice(keys) if keys and not bad else r.choice(NAMES + ["zz"])
                self.emit("edit %s %s %s" % (op, c, key))
            elif op == "update":
                pairs = ["%s=%s" % (r.choice(NAMES), self.other(c)) for _ in range(r.randint(1, 2))]
                self.emit("edit update %s %s" % (c, ",".join(pairs)))
            elif op == "add":
                self.emit("edit add %s %s %s" % (c, r.choice(BAD_NAMES[kind]), self.other(c)))
            else:
                self.emit("edit clear %s" % c)
            return
        ops = ["setidx", "delidx", "delslice", "insert", "pop", "extend", "add", "append"]
        if kind == "ModuleList":
            ops.append("iadd")
        op = r.choice(ops)
        idx = r.randint(-n, n - 1) if n and not bad else r.choice([n, n + 3, -n - 1])
        if op == "setidx":
            self.emit("edit setidx %s %d %s" % (c, idx, self.other(c, True)))
        elif op in ("delidx", "pop"):
            self.emit("edit %s %s %d" % (op, c, idx))
        elif op == "delslice":
            a = r.choice(["-", str(r.randint(-n - 1, n + 1))])
            b = r.choice(["-", str(r.randint(-n - 1, n + 1))])
            self.emit("edit delslice %s %s %s %d" % (c, a, b, r.choice([1, 1, 2, -1])))
        elif op == "insert":
            numbered = list(o._modules) == [str(i) for i in range(n)]
            if kind == "Sequential" and numbered:
                at = r.randint(-n, n) if not bad else r.choice([n + 1, -n - 1])
            elif kind == "ModuleList" and numbered:
                at = r.randint(0, n)
            else:
                return
            self.emit("edit insert %s %d %s" % (c, at, self.other(c)))
        elif op in ("extend", "iadd"):
            ms = [self.other(c) for _ in range(r.randint(1, 2))]
            self.emit("edit %s %s %s" % (op, c, ",".join(ms)))
        elif op == "append":
            self.emit("edit append %s %s" % (c, self.other(c)))
        else:
            self.emit("edit add %s %s %s" % (c, r.choice(BAD_NAMES[kind]), self.other(c)))

    def member_edit(self):
        """register_buffer / register_parameter on a module of the tree: a new
        name, one already taken by the same kind (replaced in place, persistence
        changed), or one taken by another kind of member (an error)."""
        r = self.rng
        c = r.choice(self.in_tree())
        o = self.objs[c]
        own = list(o._parameters) + list(o._buffers) + list(o._modules) + ["training"]
        name = r.choice(own + ["extra", "tied9", "b1", "7"])
        if r.random() < 0.5:
            shape = r.choice(["-", "2", "3x1", "scalar"])
            self.emit("edit buf %s %s %s %d" % (c, name, shape, r.random() < 0.5))
        elif self.params:
            src, sname, _ = r.choice(self.params)
            self.emit("edit tie %s %s %s %s" % (c, name, src, sname))

    def lookups(self):
        """get_submodule / get_parameter / get_buffer targets, good and bad."""
        r = self.rng
        root = self.objs[self.root]
        out = []
        for _ in range(6):
            path, m = r.choice(list(root.named_modules(remove_duplicate=False)))
            pre = path + "." if path else ""
            names = (list(m._parameters) + list(m._buffers) + list(m._modules) +
                     ["nope", "training", "append", "keys", "forward"])
            out.append("look %s %s" % (r.choice(["sub", "param", "buf"]),
                                       (pre + r.choice(names)) if r.random() < 0.8 else
                                       (path or ".")))
        return out

    def tree(self):
        r = self.rng
        max_depth = r.randint(1, 4)
        self.root = self.subtree(0, max_depth) if r.random() < 0.95 else self.leaf()
        for _ in range(r.choice([0, 0, 1, 2, 3, 4])):
            if any(self.kinds[i] in CONTAINERS + ("Custom",) for i in self.in_tree()):
                self.edit()
        # tied parameters: into a Custom (replacing its weight or as a new name),
        # or one Linear's weight into another Linear of the same shape
        customs = [i for i, k in self.kinds.items() if k == "Custom"]
        for t in range(r.choice([0, 1, 1, 2])):
            if not self.params:
                break
            src, sname, shape = r.choice(self.params)
            linears = [i for i, k in self.kinds.items() if k == "Linear" and i != src and
                       (int(self.args[i][1]), int(self.args[i][0])) == shape]
            if sname == "weight" and self.kinds[src] == "Linear" and linears and r.random() < 0.5:
                self.emit("tie %s weight %s weight" % (r.choice(linears), src))
            elif customs:
                dst = r.choice(customs)
                name = "weight" if r.random() < 0.5 else "tied%d" % t
                self.emit("tie %s %s %s %s" % (dst, name, src, sname))
        self.lines.append("root %s" % self.root)
        self.lines += self.lookups()


# ---------------------------------------------------------------------------
# What each tree writes


def dt(t):
    return str(t.dtype).replace("torch.", "")


def shp(t):
    return "[" + ",".join(str(d) for d in t.shape) + "]"


def lines(xs):
    return "\n".join(xs)


def members_dup(module, get, prefix=""):
    # PyTorch 2's _named_members with remove_duplicate=False (1.13 lacks the flag).
    out = []
    for mp, m in module.named_modules(prefix=prefix, remove_duplicate=False):
        for k, v in get(m).items():
            if v is not None:
                out.append(mp + ("." if mp else "") + k)
    return out


def outcome(fn):
    try:
        return str(fn())
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        return type(e).__name__ + ": " + (e.args[0] if e.args else str(e))


def random_value(g, shape, dtype):
    if dtype.is_floating_point:
        return torch.randn(shape, generator=g, dtype=torch.float64).to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=g).bool()
    return torch.randint(-50, 100, shape, generator=g).to(dtype)


def with_metadata(d, like):
    out = collections.OrderedDict(d)
    out._metadata = like._metadata
    return out


def perturb(rng, g, net, ckpt, j):
    """A perturbed copy of ckpt: kind j % 3 == 0 only removes and adds keys, 1
    also changes a shape, 2 changes dtypes (loads that succeed)."""
    d = collections.OrderedDict(ckpt)
    keys = list(d)
    mods = list(net.named_modules(remove_duplicate=False))
    kind = j % 3
    if kind in (0, 1):
        for k in rng.sample(keys, min(len(keys), rng.randint(0, 2))):
            del d[k]
        # keys the tree does not load (and some it ignores)
        extras = ["extra%d" % rng.randint(0, 99)]
        for p, m in mods:
            pre = p + "." if p else ""
            extras.append(pre + "bogus")
            extras += [pre + n for n, v in m._parameters.items() if v is None]
            extras += [pre + n for n, v in m._buffers.items()
                       if v is None or n in m._non_persistent_buffers_set]
            extras += [pre + n + ".w" for n, c in m._modules.items() if c is None]
            extras += [pre + n for n, c in m._modules.items() if c is not None]
            extras += [pre + n + "_.weight" for n, c in m._modules.items() if c is not None]
            extras.append(pre + "_extra_state")
        extras += [k + ".sub" for k in keys]
        for k in rng.sample(extras, min(len(extras), rng.randint(1, 3))):
            if k not in d:
                d[k] = random_value(g, (rng.randint(1, 3),), torch.float32)
    if kind == 1 and keys:
        for k in rng.sample(keys, min(len(keys), rng.randint(1, 2))):
            shape = list(ckpt[k].shape)
            r = rng.random()
            if not shape:
                shape = rng.choice([[1], [3], [0], [1, 1], [2]])
            elif r < 0.4:
                shape[rng.randrange(len(shape))] += 1
            elif r < 0.7:
                shape.append(1)
            else:
                shape = shape[1:]
            d[k] = random_value(g, tuple(shape), ckpt[k].dtype)
    if kind == 2:
        for k in rng.sample(keys, min(len(keys), rng.randint(1, 3))):
            dtype = rng.choice([torch.float64, torch.float16, torch.int64, torch.int32, torch.bool])
            d[k] = random_value(g, ckpt[k].shape, dtype)
        for k in rng.sample(keys, min(len(keys), rng.randint(0, 1))):
            del d[k]
    return with_metadata(d, ckpt)


def module_paths(net):
    return [p for p, _ in net.named_modules()]


def tree_texts(cases, rng, g, name, spec_lines):
    """Everything one tree writes; the spec gets its "mode", "req", "zero" and "memo" lines."""
    spec = "\n".join(spec_lines)
    edits = []
    net = build(spec, edits)
    paths = module_paths(net)
    # the operations of the mode, requires_grad and zero_grad checks
    ops = []
    for _ in range(rng.randint(1, 3)):
        ops.append("mode %s %s" % (rng.choice(paths) or ".",
                                   rng.choice(["eval", "train", "train0"])))
    ops.append("req %s %s" % (rng.choice(paths) or ".", rng.choice(["0", "0", "1"])))
    if rng.random() < 0.5:
        ops.append("req %s 0" % (rng.choice(paths) or "."))
    ops.append("zero %s %s" % (rng.choice(paths) or ".", rng.choice(["0", "1"])))
    # named_modules of two subtrees sharing one memo (the second with a prefix)
    ops.append("memo %s %s %s" % (rng.choice(paths) or ".", rng.choice(paths) or ".",
                                  rng.choice(["0", "1"])))
    spec = "\n".join(spec_lines + ops)
    T = name + "/"
    cases.text(T + "spec", spec)
    cases.text(T + "edits", lines(edits))

    cases.text(T + "modules", lines("%s:%s" % (n, m._get_name()) for n, m in net.named_modules()))
    cases.text(T + "modules_dup",
               lines(n for n, _ in net.named_modules(prefix="root", remove_duplicate=False)))
    cases.text(T + "children", lines(n for n, _ in net.named_children()))
    cases.text(T + "params", lines("%s:%s:%s:%s" % (n, shp(p), dt(p), p.requires_grad)
                                   for n, p in net.named_parameters()))
    cases.text(T + "params_local", lines(n for n, _ in net.named_parameters(recurse=False)))
    cases.text(T + "params_dup", lines(members_dup(net, lambda m: m._parameters)))
    cases.text(T + "params_prefix", lines(n for n, _ in net.named_parameters(prefix="net")))
    cases.text(T + "buffers", lines("%s:%s:%s" % (n, shp(b), dt(b))
                                    for n, b in net.named_buffers()))
    cases.text(T + "buffers_local", lines(n for n, _ in net.named_buffers(recurse=False)))
    cases.text(T + "buffers_dup", lines(members_dup(net, lambda m: m._buffers)))
    cases.text(T + "counts", "%d %d %d %d" % (len(list(net.parameters())), len(list(net.buffers())),
                                              len(list(net.modules())), len(list(net.children()))))
    sd = net.state_dict()
    cases.text(T + "sd", lines("%s:%s:%s" % (k, shp(v), dt(v)) for k, v in sd.items()))
    kept = net.state_dict(prefix="model.", keep_vars=True)
    cases.text(T + "sd_vars", lines("%s:%s" % (k, isinstance(v, nn.Parameter))
                                    for k, v in kept.items()))
    cases.text(T + "repr", repr(net))
    order = []
    net.apply(lambda m: order.append(m._get_name()))
    cases.text(T + "apply", lines(order))
    looks = []
    for line in spec_lines:
        t = line.split(" ")
        if t[0] != "look":
            continue
        target = "" if t[2] == "." else t[2]
        try:
            if t[1] == "sub":
                res = net.get_submodule(target)._get_name()
            elif t[1] == "param":
                res = shp(net.get_parameter(target))
            else:
                b = net.get_buffer(target)
                res = "None" if b is None else shp(b)
        except Exception as e:  # noqa: BLE001 - the message is what is compared
            res = error(e, t[1])
        looks.append(res)
    cases.text(T + "lookups", lines(looks))
    t = ops[-1].split(" ")
    memo = set()
    first = net.get_submodule("" if t[1] == "." else t[1])
    second = net.get_submodule("" if t[2] == "." else t[2])
    dup = t[3] == "0"
    cases.text(T + "memo", lines(
        [n for n, _ in first.named_modules(memo, "", not dup)] + ["--"] +
        [n for n, _ in second.named_modules(memo, "p", not dup)]))

    # A checkpoint whose entries all differ; tied and shared entries end with
    # the last value in state_dict order.
    ckpt = collections.OrderedDict((k, random_value(g, v.shape, v.dtype)) for k, v in sd.items())
    ckpt._metadata = sd._metadata
    base = build(spec)
    cases.text(T + "ckpt", outcome(lambda: base.load_state_dict(ckpt)))
    cases.add(name + "_ckpt", list(ckpt.values()), list(base.state_dict().values()))

    for j in range(3):
        bad = perturb(rng, g, net, ckpt, j)
        cases.text(T + "load%d_keys" % j, lines(bad))
        strict = build(spec)
        strict.load_state_dict(ckpt)
        cases.text(T + "load%d_strict" % j, outcome(lambda: strict.load_state_dict(bad)))
        loose = build(spec)
        loose.load_state_dict(ckpt)
        res = outcome(lambda: loose.load_state_dict(bad, strict=False))
        cases.text(T + "load%d_nonstrict" % j, res)
        ok = not res.startswith(("RuntimeError", "IndexError"))
        cases.add(name + "_load%d" % j, list(bad.values()),
                  list(loose.state_dict().values()) if ok else [])

    # train / eval, requires_grad_, zero_grad
    m = build(spec)
    grads = build(spec)
    for i, p in enumerate(grads.parameters()):
        # plain gradients, ones that require grad, and ones with a grad_fn
        g = torch.full(p.shape, float(i + 1), requires_grad=i % 3 != 0)
        p.grad = g * 1.0 if i % 3 == 2 else g
    for op in ops:
        t = op.split(" ")
        path = "" if t[1] == "." else t[1]
        if t[0] == "mode":
            sub = m.get_submodule(path)
            if t[2] == "eval":
                sub.eval()
            else:
                sub.train(t[2] == "train")
        elif t[0] == "req":
            m.get_submodule(path).requires_grad_(t[2] == "1")
        elif t[0] == "zero":
            grads.get_submodule(path).zero_grad(set_to_none=t[2] == "1")
    cases.text(T + "modes", lines("%s:%s" % (n, x.training)
                                  for n, x in m.named_modules(remove_duplicate=False)))
    cases.text(T + "requires_grad", lines("%s:%s" % (n, p.requires_grad)
                                          for n, p in m.named_parameters()))
    cases.text(T + "zero_grad", lines(
        "%s:%s" % (n, "None" if p.grad is None else "%d:%s:%s" % (
            int(p.grad.sum().item()), p.grad.requires_grad, p.grad.grad_fn is not None))
        for n, p in grads.named_parameters()))

    # conversions
    conv = build(spec)
    conv.load_state_dict(ckpt)
    for p in conv.parameters():
        p.grad = torch.ones_like(p)

    def dtypes(x):
        return lines(["%s:%s:%s" % (n, dt(p), dt(p.grad)) for n, p in x.named_parameters()] +
                     ["%s:%s" % (n, dt(b)) for n, b in x.named_buffers()] +
                     ["sd %s:%s" % (k, dt(v)) for k, v in x.state_dict().items()])

    conv.to(torch.float64)
    cases.text(T + "double", dtypes(conv))
    conv.half()
    cases.text(T + "half", dtypes(conv))
    cases.add(name + "_half", [], list(conv.state_dict().values()))
    # the float32 / int64 checkpoint loads into the float16 model (converted)
    cases.text(T + "half_load", outcome(lambda: conv.load_state_dict(ckpt)))
    cases.add(name + "_halfload", [], list(conv.state_dict().values()))
    conv.bfloat16()
    cases.text(T + "bfloat16", dtypes(conv))
    conv.float()
    cases.text(T + "float", dtypes(conv))
    conv.type(torch.float64)  # integer tensors too
    cases.text(T + "type", dtypes(conv))


def generate(cases):
    rng = random.Random(SEED)
    g = torch.Generator().manual_seed(SEED)
    for i in range(N_TREES):
        gen = Gen(rng)
        gen.tree()
        tree_texts(cases, rng, g, "t%02d" % i, gen.lines)
