"""torch.optim parity (tests/parity/optim_test.cpp): 20 steps of every optimizer
in several option combinations on the same parameters and gradients, in two
parameter groups (the second with its own lr; its parameter has no grad every
third step, so it is skipped there), float64 and float32; the final parameters
and state tensors, and the state_dict layout as text (ember's optim::to_text:
Python numbers in the state show as 0-dim tensors, "[]"; integer options as
floats, since ember keeps every number as a double)."""
import inspect

import torch
from torch import optim

STEPS = 20

# name -> (class, options); optim_test.cpp has the same table.
CONFIGS = {
    "sgd": (optim.SGD, dict(lr=0.1)),
    "sgd_momentum": (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    "adam": (optim.Adam, dict(lr=0.01)),
    "adam_wd_amsgrad": (optim.Adam, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1,
                                         amsgrad=True)),
    "adam_maximize": (optim.Adam, dict(lr=0.01, maximize=True)),
    "adamw": (optim.AdamW, dict(lr=0.01)),
    "adamw_amsgrad": (optim.AdamW, dict(lr=0.02, weight_decay=0.1, amsgrad=True, maximize=True)),
    "adadelta": (optim.Adadelta, dict()),
    "adadelta_wd": (optim.Adadelta, dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    "adagrad": (optim.Adagrad, dict()),
    "adagrad_decay": (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                          initial_accumulator_value=0.1, eps=1e-8)),
    "rmsprop": (optim.RMSprop, dict()),
    "rmsprop_centered": (optim.RMSprop, dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5,
                                             weight_decay=0.1)),
    "rmsprop_momentum": (optim.RMSprop, dict(lr=0.01, momentum=0.9, maximize=True)),
}


def py(v):
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, int):
        return repr(float(v))
    if isinstance(v, tuple):
        return "(" + ", ".join(py(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def sd_text(sd):
    out = ""
    for idx, st in sd["state"].items():
        for key, v in st.items():
            if v is None:
                shape = "None"
            elif isinstance(v, torch.Tensor):
                shape = "[" + ", ".join(str(s) for s in v.shape) + "]"
            else:
                shape = "[]"
            out += f"state {idx} {key} {shape}\n"
    for g, grp in enumerate(sd["param_groups"]):
        for k, v in grp.items():
            if k != "params":
                out += f"group {g} {k}={py(v)}\n"
        out += f"group {g} params=[" + ", ".join(str(i) for i in grp["params"]) + "]\n"
    return out


def run(cls, opts, dtype):
    p0 = torch.randn(3, 4, dtype=dtype)
    p1 = torch.randn(5, dtype=dtype)
    g0 = torch.randn(STEPS, 3, 4, dtype=dtype)
    g1 = torch.randn(STEPS, 5, dtype=dtype)
    a = p0.clone().requires_grad_(True)
    b = p1.clone().requires_grad_(True)
    lr = opts.get("lr", inspect.signature(cls).parameters["lr"].default)
    o = cls([{"params": [a]}, {"params": [b], "lr": lr * 0.5}], **opts)
    for i in range(STEPS):
        a.grad = g0[i].clone()
        b.grad = None if i % 3 == 2 else g1[i].clone()
        o.step()
    st = o.state[a]
    bufs = [v for k, v in st.items() if k != "step" and isinstance(v, torch.Tensor)]
    return [p0, p1, g0, g1], [a.detach(), b.detach()] + bufs, sd_text(o.state_dict())


def generate(cases):
    for name, (cls, opts) in CONFIGS.items():
        for dtype, suffix in [(torch.float64, ""), (torch.float32, "_f32")]:
            ins, outs, text = run(cls, opts, dtype)
            cases.add(name + suffix, ins, outs)
            cases.text("state_dict_" + name + suffix, text)


# ---- LR schedulers: 20 steps on SGD (momentum 0.9) with two groups (lr 0.1 and
# 0.05) or Adam; out0 = get_last_lr() after construction and after each step
# [21, groups]; out1 = the momentum (SGD) or beta1 (Adam) of each group, the same
# way. Texts: the scheduler's state_dict and the optimizer's groups at the end.
# optim_test.cpp has the same table.
from torch.optim import lr_scheduler as L  # noqa: E402

PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.85, 0.86, 0.87, 0.88, 0.89,
                   0.9, 0.91, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
CLOSED_EPOCHS = [5, 2, 9, 13, 0, 7, 20, 1]


def sched_sd_text(sd, prefix=""):
    out = ""
    for k, v in sd.items():
        if k in ("lr_lambdas", "anneal_func", "_schedulers"):
            continue
        if k == "_schedule_phases":
            v = tuple(p["end_step"] for p in v)
        elif k == "milestones":
            v = tuple(sorted(v.elements()))
        elif isinstance(v, list):
            v = tuple(v)
        out += f"{prefix}{k}={py(v)}\n"
    for i, s in enumerate(sd.get("_schedulers", [])):
        out += sched_sd_text(s, f"{prefix}_schedulers[{i}].")
    return out


def make_opt(adam=False):
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    if adam:
        return optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1)
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


SCHEDULERS = {
    "lambda": (False, lambda o: L.LambdaLR(o, lambda e: 0.95 ** e)),
    "lambda_per_group": (False, lambda o: L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1.0 / (e + 1)])),
    "step": (False, lambda o: L.StepLR(o, 3, gamma=0.5)),
    "multistep": (False, lambda o: L.MultiStepLR(o, [9, 2, 5, 5], gamma=0.5)),
    "exponential": (False, lambda o: L.ExponentialLR(o, 0.9)),
    "linear": (False, lambda o: L.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=8)),
    "linear_down": (False, lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=5)),
    "cosine": (False, lambda o: L.CosineAnnealingLR(o, 6, eta_min=0.001)),
    "onecycle": (False, lambda o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=20)),
    "onecycle_adam_3phase": (True, lambda o: L.OneCycleLR(o, max_lr=0.3, epochs=5, steps_per_epoch=5,
                                                           anneal_strategy="linear", three_phase=True,
                                                           pct_start=0.25, div_factor=10.0)),
    "sequential": (False, lambda o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.5, total_iters=3), L.ExponentialLR(o, 0.8)], [4])),
    "sequential3": (False, lambda o: L.SequentialLR(
        o, [L.ExponentialLR(o, 1.0),
            L.StepLR(o, 2, 0.5), L.CosineAnnealingLR(o, 5)], [3, 9])),
    "plateau": (False, lambda o: L.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1,
                                                     min_lr=[0.01, 0.002])),
    "plateau_max_abs": (False, lambda o: L.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1,
                                                             threshold=0.05, threshold_mode="abs")),
    "closed_step": (False, lambda o: L.StepLR(o, 3, gamma=0.5)),
    "closed_multistep": (False, lambda o: L.MultiStepLR(o, [9, 2, 5, 5], gamma=0.5)),
    "closed_exponential": (False, lambda o: L.ExponentialLR(o, 0.9)),
    "closed_linear": (False, lambda o: L.LinearLR(o, start_factor=0.25, total_iters=8)),
    "closed_cosine": (False, lambda o: L.CosineAnnealingLR(o, 6, eta_min=0.001)),
}


def momenta(o):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in o.param_groups]


def run_scheduler(name):
    adam, make = SCHEDULERS[name]
    o = make_opt(adam)
    s = make(o)
    plateau = isinstance(s, L.ReduceLROnPlateau)
    lrs = [[g["lr"] for g in o.param_groups]]
    moms = [momenta(o)]
    for i in range(20):
        o.step()
        if plateau:
            s.step(PLATEAU_METRICS[i])
        elif name.startswith("closed_"):
            if i >= len(CLOSED_EPOCHS):
                break
            s.step(CLOSED_EPOCHS[i])
        else:
            s.step()
        lrs.append(s._last_lr if plateau else s.get_last_lr())
        moms.append(momenta(o))
    return (torch.tensor(lrs, dtype=torch.float64), torch.tensor(moms, dtype=torch.float64),
            sched_sd_text(s.state_dict()), sd_text(o.state_dict()))


def generate_schedulers(cases):
    import warnings
    warnings.filterwarnings("ignore")
    for name in SCHEDULERS:
        lrs, moms, stext, otext = run_scheduler(name)
        cases.add("sched_" + name, [torch.tensor(PLATEAU_METRICS, dtype=torch.float64)], [lrs, moms])
        cases.text("sched_state_" + name, stext)
        cases.text("sched_groups_" + name, otext)


def error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        return type(e).__name__ + ": " + (e.args[0] if e.args else str(e))
    return "no error"


def errors():
    p = torch.zeros(2, requires_grad=True)
    q = torch.zeros(3, requires_grad=True)

    def dup():
        o = optim.SGD([p], lr=0.1)
        o.add_param_group({"params": [q, p]})

    def load_groups():
        two = optim.Adam([{"params": [p]}, {"params": [q]}]).state_dict()
        optim.Adam([p, q]).load_state_dict(two)

    def load_sizes():
        two = optim.Adam([{"params": [p]}, {"params": [q]}]).state_dict()
        optim.Adam([{"params": [p, q]}, {"params": [torch.zeros(1, requires_grad=True)]}]).load_state_dict(two)

    def overstep():
        s = L.OneCycleLR(optim.SGD([p], lr=0.1, momentum=0.9), 1.0, total_steps=3)
        for _ in range(4):
            s.step()

    def seq_count():
        o = optim.SGD([p], lr=0.1)
        L.SequentialLR(o, [L.ExponentialLR(o, 0.9)], [2])

    sgd = lambda: optim.SGD([p], lr=0.1, momentum=0.9)  # noqa: E731
    return {
        "sgd_lr": lambda: optim.SGD([p], lr=-1),
        "sgd_required": lambda: optim.SGD([p]),
        "sgd_momentum": lambda: optim.SGD([p], lr=0.1, momentum=-0.5),
        "sgd_wd": lambda: optim.SGD([p], lr=0.1, weight_decay=-0.25),
        "sgd_nesterov": lambda: optim.SGD([p], lr=0.1, nesterov=True),
        "adam_beta0": lambda: optim.Adam([p], betas=(1.0, 0.9)),
        "adam_beta1": lambda: optim.Adam([p], betas=(0.9, -0.5)),
        "adamw_eps": lambda: optim.AdamW([p], eps=-1e-8),
        "adadelta_rho": lambda: optim.Adadelta([p], rho=1.5),
        "adagrad_lr_decay": lambda: optim.Adagrad([p], lr_decay=-0.5),
        "adagrad_init": lambda: optim.Adagrad([p], initial_accumulator_value=-1),
        "rmsprop_alpha": lambda: optim.RMSprop([p], alpha=-0.1),
        "empty": lambda: optim.SGD([], lr=0.1),
        "nonleaf": lambda: optim.Adam([p * 2]),
        "duplicate": dup,
        "load_groups": load_groups,
        "load_sizes": load_sizes,
        "linear_start": lambda: L.LinearLR(sgd(), start_factor=1.5),
        "linear_end": lambda: L.LinearLR(sgd(), end_factor=-0.5),
        "resume": lambda: L.ExponentialLR(sgd(), 0.9, last_epoch=3),
        "onecycle_none": lambda: L.OneCycleLR(sgd(), 1.0),
        "onecycle_total": lambda: L.OneCycleLR(sgd(), 1.0, total_steps=0),
        "onecycle_pct": lambda: L.OneCycleLR(sgd(), 1.0, total_steps=5, pct_start=1.5),
        "onecycle_momentum": lambda: L.OneCycleLR(optim.Adadelta([p]), 1.0, total_steps=5),
        "onecycle_overstep": overstep,
        "sequential_count": seq_count,
        "plateau_factor": lambda: L.ReduceLROnPlateau(sgd(), factor=1.0),
        "plateau_mode": lambda: L.ReduceLROnPlateau(sgd(), mode="mid"),
    }


_generate_optimizers = generate


def generate(cases):  # noqa: F811 - optimizers, then schedulers
    _generate_optimizers(cases)
    generate_schedulers(cases)
    for name, fn in errors().items():
        cases.text("error_" + name, error(fn))
