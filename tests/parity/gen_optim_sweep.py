"""Seeded random optimizer configurations against PyTorch
(tests/parity/optim_sweep_test.cpp): SGD, Adam, AdamW, Adadelta, Adagrad and
RMSprop with random values of every option ember has, 1-3 parameters of
random shapes (0-d, empty, 4-d, one past the parallel grain size), dtypes
(float32, float64, mixed in one group) and layouts (contiguous, dims reversed,
a strided slice of a bigger tensor, channels_last), gradients of random
layouts, 1-6 steps with a fresh gradient per step (or None: the parameter is
skipped), one or two parameter groups (the second overriding some options),
and options changed between steps (lr mostly; also momentum, betas, eps ...;
amsgrad, centered and momentum switched off and SGD's/RMSprop's momentum on
again).

Each case's inputs:
  in0 int64 (kind, nparams, nsteps, ngroups, params in group 0)
  in1 int64 [nparams, 3]: (dtype 0 float32 / 1 float64, layout, grad layout);
      layout 0 contiguous, 1 dims reversed, 2 every other element of the last dim,
      3 channels_last (4-d)
  in2 int64 [nsteps, nparams]: 1 where the parameter has a grad at that step
  in3 int64 [nkeys]: 1 where group 1 gives the option itself (in key order)
  in4 float64 [nsteps, ngroups, nvalues]: every option of each group before
      each step (bools as 0/1, betas as two values); step 0's build the optimizer
  then per parameter its initial value and its grads [nsteps, *shape].
Outputs: each parameter's values after every step [nsteps, *shape], then the
state tensors in state_dict order (Python ints as int64 0-dim tensors, None
left out). Text "layout_<case>": the final state_dict as gen_optim.sd_text."""
import random

import torch
from torch import optim

from gen_optim import sd_text

SGD, ADAM, ADAMW, ADADELTA, ADAGRAD, RMSPROP = range(6)
NAMES = ["sgd", "adam", "adamw", "adadelta", "adagrad", "rmsprop"]
CLASSES = [optim.SGD, optim.Adam, optim.AdamW, optim.Adadelta, optim.Adagrad, optim.RMSprop]
# kind -> [(key, number of values, bool)]; optim_sweep_test.cpp has the same table.
KEYS = {
    SGD: [("lr", 1, False), ("momentum", 1, False), ("dampening", 1, False),
          ("weight_decay", 1, False), ("nesterov", 1, True), ("maximize", 1, True)],
    ADAM: [("lr", 1, False), ("betas", 2, False), ("eps", 1, False), ("weight_decay", 1, False),
           ("amsgrad", 1, True), ("maximize", 1, True)],
    ADADELTA: [("lr", 1, False), ("rho", 1, False), ("eps", 1, False), ("weight_decay", 1, False),
               ("maximize", 1, True)],
    ADAGRAD: [("lr", 1, False), ("lr_decay", 1, False), ("weight_decay", 1, False),
              ("initial_accumulator_value", 1, False), ("eps", 1, False), ("maximize", 1, True)],
    RMSPROP: [("lr", 1, False), ("alpha", 1, False), ("eps", 1, False), ("weight_decay", 1, False),
              ("momentum", 1, False), ("centered", 1, True), ("maximize", 1, True)],
}
KEYS[ADAMW] = KEYS[ADAM]
PER_KIND = 20


def sample(rng, kind):
    """A random full option set: {key: value or [values]}."""
    def u(a, b, nd=3):
        return round(rng.uniform(a, b), nd)

    lr = rng.choice([0.1, 0.01, 1e-3, 0.5, u(0.001, 0.5, 4)])
    wd = rng.choice([0.0, 0.0, 0.01, 0.1, u(0.0, 0.5)])
    maximize = rng.random() < 0.3
    if kind == SGD:
        momentum = rng.choice([0.0, 0.0, 0.9, u(0.0, 0.99)])
        dampening = rng.choice([0.0, 0.0, 0.1, u(0.0, 1.0)])
        nesterov = rng.random() < 0.4
        if momentum <= 0:
            nesterov = False
        if nesterov:
            dampening = 0.0
        return dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=wd,
                    nesterov=nesterov, maximize=maximize)
    if kind in (ADAM, ADAMW):
        b1 = rng.choice([0.9, 0.0, 0.5, u(0.0, 0.99)])
        b2 = rng.choice([0.999, 0.99, 0.9, 0.0, u(0.5, 0.9999, 4)])
        if kind == ADAMW:
            wd = rng.choice([0.01, 0.0, 0.1, u(0.0, 0.5)])
        return dict(lr=lr, betas=[b1, b2], eps=rng.choice([1e-8, 1e-6, 1e-3, 0.1]), weight_decay=wd,
                    amsgrad=rng.random() < 0.4, maximize=maximize)
    if kind == ADADELTA:
        return dict(lr=rng.choice([1.0, lr]), rho=rng.choice([0.9, 0.5, 0.0, 1.0, u(0.1, 0.99)]),
                    eps=rng.choice([1e-6, 1e-4, 1e-2]), weight_decay=wd, maximize=maximize)
    if kind == ADAGRAD:
        return dict(lr=lr, lr_decay=rng.choice([0.0, 0.0, 0.01, 0.5, u(0.0, 1.0)]), weight_decay=wd,
                    initial_accumulator_value=rng.choice([0.0, 0.0, 0.1, 1.0, u(0.0, 2.0)]),
                    eps=rng.choice([1e-10, 1e-6, 1e-2]), maximize=maximize)
    centered = rng.random() < 0.4
    alpha = rng.choice([0.99, 0.9, 0.5, u(0.3, 0.999)] + ([] if centered else [0.0]))
    return dict(lr=lr, alpha=alpha, eps=rng.choice([1e-8, 1e-6, 1e-2]), weight_decay=wd,
                momentum=rng.choice([0.0, 0.0, 0.9, u(0.0, 0.99)]), centered=centered,
                maximize=maximize)


def mutate(rng, kind, opts):
    """Options changed before a later step: lr mostly, any value another time;
    structural flags (amsgrad, centered, RMSprop's momentum > 0) only off."""
    o = {k: (list(v) if isinstance(v, list) else v) for k, v in opts.items()}
    o["lr"] = round(o["lr"] * rng.choice([0.1, 0.5, 2.0, 3.0]), 6)
    if rng.random() < 0.5:
        fresh = sample(rng, kind)
        key = rng.choice([k for k, _, _ in KEYS[kind] if k not in ("lr", "initial_accumulator_value")] +
                         ["momentum"] * 2 * (kind == SGD))  # SGD's buffer when momentum goes 0 and back
        if key in ("amsgrad", "centered"):
            o[key] = False
        elif kind == RMSPROP and key == "momentum":
            o[key] = fresh[key] if (o[key] > 0) == (fresh[key] > 0) else 0.0
        elif kind == RMSPROP and key == "alpha" and o["centered"]:
            o[key] = max(fresh[key], 0.3)
        else:
            o[key] = fresh[key]
    return o


def values(kind, opts):
    out = []
    for k, n, _ in KEYS[kind]:
        out += [float(x) for x in opts[k]] if n == 2 else [float(opts[k])]
    return out


def py_value(kind, key, v):
    n, is_bool = next((n, b) for k, n, b in KEYS[kind] if k == key)
    if is_bool:
        return bool(v)
    return tuple(v) if n == 2 else v


def random_shape(rng):
    r = rng.random()
    if r < 0.12:
        return []
    if r < 0.22:
        return rng.choice([[0], [2, 0], [0, 3]])
    if r < 0.3:
        return [rng.randint(1, 3), rng.randint(2, 4), rng.randint(1, 3), rng.randint(1, 3)]
    return [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]


def make_param(v, layout):
    """A fresh tensor of v's values in the given layout (never a view of v)."""
    if layout == 1:
        rev = list(range(v.dim()))[::-1]
        return v.clone().permute(rev).contiguous().permute(rev)
    if layout == 3:
        return v.clone(memory_format=torch.channels_last)
    if layout == 2:
        buf = torch.zeros(*v.shape[:-1], 2 * v.shape[-1], dtype=v.dtype)
        buf[..., ::2] = v
        return buf[..., ::2]
    return v.clone()


def make_grad(g, layout):
    if layout == 1:
        rev = list(range(g.dim()))[::-1]
        return g.permute(rev).contiguous().permute(rev)
    return g.clone()


def toggled(kind, groups, nsteps):
    """Per-step options switching the optional buffers off at step 1 and (where
    torch allows it: SGD's and RMSprop's momentum) on again at step 3."""
    on = []
    for o in groups:
        o = dict(o)
        if kind == SGD:
            o["momentum"] = o["momentum"] or 0.8
        elif kind in (ADAM, ADAMW):
            o["amsgrad"] = True
        elif kind == RMSPROP:
            o["momentum"], o["centered"] = o["momentum"] or 0.7, True
            o["alpha"] = max(o["alpha"], 0.3)
        on.append(o)
    off = []
    for o in on:
        o = dict(o)
        if kind in (SGD, RMSPROP):
            o["momentum"] = 0.0
        if kind in (ADAM, ADAMW):
            o["amsgrad"] = False
        if kind == RMSPROP:
            o["centered"] = False
        if kind in (ADADELTA, ADAGRAD):  # no buffers to switch: an lr change
            o["lr"] = o["lr"] * 0.5
        off.append(o)
    again = []
    for o, b in zip(off, on):
        o = dict(o)
        if kind in (SGD, RMSPROP):
            o["momentum"] = round(b["momentum"] * 0.5, 4)
        again.append(o)
    return [on] + [off] * min(nsteps - 1, 2) + [again] * max(nsteps - 3, 0)


def one_case(rng, kind, big, toggle):
    nparams = rng.randint(1, 3)
    nsteps = rng.randint(4 if toggle else 1, 2 if big else 6)
    ngroups = 2 if nparams >= 2 and rng.random() < 0.4 else 1
    split = rng.randint(1, nparams - 1) if ngroups == 2 else nparams
    r = rng.random()
    dtypes = [1] * nparams if r < 0.45 else [0] * nparams if r < 0.9 else \
        [rng.randint(0, 1) for _ in range(nparams)]
    shapes = [random_shape(rng) for _ in range(nparams)]
    if big:  # past ember's parallel grain size (32768 elements): split across threads
        shapes[0], dtypes[0] = [181, 191], 0
    info = []
    for shape in shapes:
        layouts = [0] + ([1] if len(shape) >= 2 else []) + ([2] if shape and shape[-1] > 0 else []) + \
            ([3, 3] if len(shape) == 4 else [])
        info.append([0, rng.choice(layouts), rng.choice([0, 1]) if len(shape) >= 2 else 0])
    for i, d in enumerate(dtypes):
        info[i][0] = d
    mask = [[1 if rng.random() < 0.8 else 0 for _ in range(nparams)] for _ in range(nsteps)]

    keys = [k for k, _, _ in KEYS[kind]]
    g0 = sample(rng, kind)
    override = [0] * len(keys)
    g1 = dict(g0)
    if ngroups == 2:
        fresh = sample(rng, kind)
        for j, k in enumerate(keys):
            if rng.random() < 0.4:
                override[j] = 1
                g1[k] = fresh[k]
        if kind == RMSPROP and g1["centered"] and g1["alpha"] < 0.3:
            g1["alpha"] = 0.5
            override[keys.index("alpha")] = 1
    per_step = [[g0, g1][:ngroups]]
    if toggle:
        per_step = toggled(kind, per_step[0], nsteps)
        mask[0] = [1] * nparams  # every state made with the structural buffers on
    change = rng.random() < 0.4 and nsteps > 1
    for s in range(1, nsteps):
        if toggle:
            break
        groups = per_step[-1]
        if change and rng.random() < 0.5:
            groups = [mutate(rng, kind, o) if rng.random() < 0.7 else o for o in groups]
        per_step.append(groups)
    table = torch.tensor([[values(kind, o) for o in groups] for groups in per_step], dtype=torch.float64)

    dt = [torch.float32, torch.float64]
    inits = [torch.randn(shape, dtype=dt[d]) for shape, d in zip(shapes, dtypes)]
    scale = rng.choice([1.0, 1.0, 1e-3, 10.0])
    grads = [torch.randn([nsteps] + shape, dtype=dt[d]) * scale for shape, d in zip(shapes, dtypes)]

    params = [make_param(v, inf[1]).requires_grad_(True) for v, inf in zip(inits, info)]
    first = {"params": params[:split]}
    groups = [first]
    if ngroups == 2:
        second = {"params": params[split:]}
        for j, k in enumerate(keys):
            if override[j]:
                second[k] = py_value(kind, k, g1[k])
        groups.append(second)
    defaults = {k: py_value(kind, k, g0[k]) for k in keys}
    opt = CLASSES[kind](groups, **defaults)
    history = [[] for _ in params]
    for s in range(nsteps):
        for g, o in zip(opt.param_groups, per_step[s]):
            for k in keys:
                g[k] = py_value(kind, k, o[k])
        for i, p in enumerate(params):
            p.grad = make_grad(grads[i][s], info[i][2]) if mask[s][i] else None
        opt.step()
        for i, p in enumerate(params):
            history[i].append(p.detach().clone())
    sd = opt.state_dict()
    state = []
    for st in sd["state"].values():
        for v in st.values():
            if isinstance(v, torch.Tensor):
                state.append(v.detach().clone())
            elif v is not None:
                state.append(torch.tensor(v, dtype=torch.int64))
    ins = [torch.tensor([kind, nparams, nsteps, ngroups, split], dtype=torch.int64),
           torch.tensor(info, dtype=torch.int64).reshape(nparams, 3),
           torch.tensor(mask, dtype=torch.int64).reshape(nsteps, nparams),
           torch.tensor(override, dtype=torch.int64), table]
    for v, g in zip(inits, grads):
        ins += [v, g]
    outs = [torch.stack(h) for h in history] + state
    return ins, outs, sd_text(sd)


def generate(cases):
    rng = random.Random(1313)
    for kind in range(6):
        for i in range(PER_KIND):
            ins, outs, text = one_case(rng, kind, i == 5, i in (2, 9, 16))
            name = f"{NAMES[kind]}_{i:02d}"
            cases.add(name, ins, outs)
            cases.text("layout_" + name, text)
