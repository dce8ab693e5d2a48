"""Seeded random activation configurations against PyTorch
(tests/parity/nn_activation_sweep_test.cpp): every activation of
nn::functional and its module (ReLU, ReLU6, LeakyReLU, PReLU (one weight or
one per channel, functional weight or the module's init), ELU, SELU, CELU,
GELU (none / tanh), SiLU, Mish, Sigmoid, Tanh, Hardtanh, Hardsigmoid,
Hardswish, Softplus, Softsign, Threshold, LogSigmoid, Softmax, LogSoftmax,
Softmin (dim, negative dims, none, dtype), Softmax2d, Tanhshrink, Softshrink,
Hardshrink, GLU) with random parameters; 0-D..4-D and empty inputs, permuted
(transposed, channels_last) and strided (non-dense) layouts, values at the
kinks (0, thresholds, +-lambd, min_val / max_val, +-3), large magnitudes
(+-20, +-30, +-100, +-1e4), inf / -inf / nan; float32, float64, float16 and bfloat16;
in-place forms (the input written, the result sharing it); output, input
(and PReLU weight) gradients for a random output gradient, and the double
backward: d(sum(grad_x * v)) / d(x, grad_y[, weight]).

Each case's inputs: x (logical, row-major), grad_y, v (empty: no double
backward), the PReLU weight (empty: none), the parameters (int64: op, form (0
functional, 1 module), inplace, double backward, dim (NO_DIM: none), dtype
argument (-1: none; else a dtype code), layout permutation (4 entries, -1
past the input's dims), strided (the innermost of the permuted dims stepped by
2), PReLU num_parameters, view (the layout made as a view of a permuted copy,
else a tensor of its own), float32 reference (below)) and (a, b) (float64: the
op's parameters). Outputs: y (strides checked), the input after an in-place
call (strides checked), grad_x, grad_weight (PReLU), then d/dx, d/dgrad_y (and
d/dweight) of sum(grad_x * v) (zeros where torch gives none).

Deliberate differences from torch 1.13, patched into the expected values:
- hardswish's backward at x = 3 gives grad in torch's vectorized body and
  1.5 grad in its scalar tail (the last elements), for NaN NaN and grad;
  hardtanh's (relu6's) for NaN 0 and grad; elu's (selu's, celu's) for NaN NaN
  and grad * scale. Expected: the body's values wherever the element sits
  (ember's; at x = 3 also later torch's).
- softshrink(NaN) is 0 in torch 1.13, NaN in later releases and ember.
- ember's autograd crashes on the double backward of an in-place elu / selu /
  celu on a view (a saved in-place result on a view: not the activations'
  code), so those cases have no double backward.

float16 / bfloat16 cases where torch 1.13's CPU kernel is missing (most
activations in float16) are computed in float32 from the same values and
rounded once (ember's half kernels compute in float32). Gradients computed
from a saved half result (tanh, sigmoid, softmax ...) are then further off
(the rounded result, 1 - y * y near |y| = 1): the test allows 5e-3 absolute
there. No double backward in half precision.
"""
import random
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper

(RELU, RELU6, LEAKY, PRELU, ELU, SELU, CELU, GELU, GELU_TANH, SILU, MISH, SIGMOID, TANH, HARDTANH,
 HARDSIGMOID, HARDSWISH, SOFTPLUS, SOFTSIGN, THRESHOLD, LOGSIGMOID, SOFTMAX, LOG_SOFTMAX, SOFTMIN,
 SOFTMAX2D, TANHSHRINK, SOFTSHRINK, HARDSHRINK, GLU) = range(28)
NOPS = 28
INPLACE = {RELU, RELU6, LEAKY, ELU, SELU, CELU, SILU, MISH, HARDTANH, HARDSIGMOID, HARDSWISH, THRESHOLD}
DIM_OPS = {SOFTMAX, LOG_SOFTMAX, SOFTMIN, GLU}
DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
NO_DIM = -100
CASES = 7 * NOPS

# parameter values exactly representable in every dtype (kinks land exactly)
EXACT = (-3.0, -2.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 6.0)


def params(rng, op):
    """(a, b) for op; kinks() gives the values where its derivative jumps."""
    if op == LEAKY:
        return rng.choice((0.01, 0.2, 0.5, -0.3, 1.5, 0.0)), 0.0
    if op == PRELU:
        return rng.choice((0.25, -0.5, 0.1, 1.0)), 0.0  # the module's init
    if op in (ELU, CELU):
        return rng.choice((1.0, 0.5, 2.0, 0.3, -0.7 if op == ELU else 1.7)), 0.0
    if op == HARDTANH:
        lo = rng.choice((-1.0, -2.0, 0.0, -0.5, 0.5))
        return lo, rng.choice([v for v in EXACT if v > lo])
    if op == SOFTPLUS:
        return rng.choice((1.0, 2.0, 0.5, 4.0)), rng.choice((20.0, 1.0, 10.0, 2.5, 0.5))
    if op == THRESHOLD:
        return rng.choice((0.0, 0.5, -1.0, 1.5)), rng.choice((0.0, -2.0, 20.0, 0.25))
    if op in (SOFTSHRINK, HARDSHRINK):
        return rng.choice((0.5, 0.25, 1.0, 0.0, 2.0)), 0.0
    return 0.0, 0.0


def kinks(op, a, b):
    return {RELU: [0.0], RELU6: [0.0, 6.0], LEAKY: [0.0], PRELU: [0.0], ELU: [0.0], SELU: [0.0],
            CELU: [0.0], HARDTANH: [a, b], HARDSIGMOID: [-3.0, 3.0], HARDSWISH: [-3.0, 3.0, 0.0],
            SOFTPLUS: [b / a if a else 0.0], THRESHOLD: [a], SOFTSHRINK: [a, -a], HARDSHRINK: [a, -a]}.get(op, [0.0])


def layout(t, perm, step, view):
    """t with its dims stored in `perm` order (the innermost of them stepped by
    2 when step): the same values, other strides; differentiable. A view (of a
    permuted copy) when view, else a tensor of its own (a copy into
    empty_strided)."""
    if t.dim() == 0 or (perm == sorted(perm) and not step and not view):
        return t
    if not view:
        strides, acc = [0] * t.dim(), 1
        for i, d in enumerate(reversed(perm)):
            strides[d] = acc * (2 if step and i == 0 else 1)
            acc *= t.shape[d] * (2 if step and i == 0 else 1)
        return torch.empty_strided(t.shape, strides, dtype=t.dtype).copy_(t)
    inv = [perm.index(i) for i in range(t.dim())]
    p = t.permute(perm)
    if step:
        p = torch.stack([p, torch.zeros_like(p)], -1).flatten(-2)[..., ::2]
    else:
        p = p.contiguous()
    return p.permute(inv)


def run(op, form, inplace, x, a, b, dim, dtype, w, nparam):
    """op on x; returns (y, the module's weight or None)."""
    kw = {"inplace": True} if inplace else {}
    if op == RELU:
        return (nn.ReLU(**kw)(x) if form else F.relu(x, **kw)), None
    if op == RELU6:
        return (nn.ReLU6(**kw)(x) if form else F.relu6(x, **kw)), None
    if op == LEAKY:
        return (nn.LeakyReLU(a, **kw)(x) if form else F.leaky_relu(x, a, **kw)), None
    if op == PRELU:
        if form:
            m = nn.PReLU(nparam, a).to(x.dtype)
            return m(x), m.weight
        return F.prelu(x, w), None
    if op == ELU:
        return (nn.ELU(a, **kw)(x) if form else F.elu(x, a, **kw)), None
    if op == SELU:
        return (nn.SELU(**kw)(x) if form else F.selu(x, **kw)), None
    if op == CELU:
        return (nn.CELU(a, **kw)(x) if form else F.celu(x, a, **kw)), None
    if op in (GELU, GELU_TANH):
        ap = "tanh" if op == GELU_TANH else "none"
        return (nn.GELU(ap)(x) if form else F.gelu(x, approximate=ap)), None
    if op == SILU:
        return (nn.SiLU(**kw)(x) if form else F.silu(x, **kw)), None
    if op == MISH:
        return (nn.Mish(**kw)(x) if form else F.mish(x, **kw)), None
    if op == SIGMOID:
        return (nn.Sigmoid()(x) if form else torch.sigmoid(x)), None
    if op == TANH:
        return (nn.Tanh()(x) if form else torch.tanh(x)), None
    if op == HARDTANH:
        return (nn.Hardtanh(a, b, **kw)(x) if form else F.hardtanh(x, a, b, **kw)), None
    if op == HARDSIGMOID:
        return (nn.Hardsigmoid(**kw)(x) if form else F.hardsigmoid(x, **kw)), None
    if op == HARDSWISH:
        return (nn.Hardswish(**kw)(x) if form else F.hardswish(x, **kw)), None
    if op == SOFTPLUS:
        return (nn.Softplus(a, b)(x) if form else F.softplus(x, a, b)), None
    if op == SOFTSIGN:
        return (nn.Softsign()(x) if form else F.softsign(x)), None
    if op == THRESHOLD:
        return (nn.Threshold(a, b, **kw)(x) if form else F.threshold(x, a, b, **kw)), None
    if op == LOGSIGMOID:
        return (nn.LogSigmoid()(x) if form else F.logsigmoid(x)), None
    if op in (SOFTMAX, LOG_SOFTMAX, SOFTMIN):
        d = None if dim == NO_DIM else dim
        if form:
            m = {SOFTMAX: nn.Softmax, LOG_SOFTMAX: nn.LogSoftmax, SOFTMIN: nn.Softmin}[op](d)
            return m(x), None
        f = {SOFTMAX: F.softmax, LOG_SOFTMAX: F.log_softmax, SOFTMIN: F.softmin}[op]
        return f(x, d, dtype=dtype), None
    if op == SOFTMAX2D:
        return nn.Softmax2d()(x), None
    if op == TANHSHRINK:
        return (nn.Tanhshrink()(x) if form else F.tanhshrink(x)), None
    if op == SOFTSHRINK:
        return (nn.Softshrink(a)(x) if form else F.softshrink(x, a)), None
    if op == HARDSHRINK:
        return (nn.Hardshrink(a)(x) if form else F.hardshrink(x, a)), None
    if op == GLU:
        return (nn.GLU(dim)(x) if form else F.glu(x, dim)), None
    raise AssertionError(op)


def compute(op, form, inplace, second, x0, gy0, v0, w0, a, b, dim, dtype, perm, step, view, nparam):
    """[y, input after (in-place), grad_x, grad_w, second-order grads] from x0."""
    xl = x0.clone().requires_grad_(True)
    wl = w0.clone().requires_grad_(True) if w0 is not None else None
    arg = layout(xl.clone() if inplace else xl, perm, step, view)
    y, mw = run(op, form, inplace, arg, a, b, dim, dtype, wl, nparam)
    if mw is not None:
        wl = mw
    if inplace:
        assert y.data_ptr() == arg.data_ptr()
    wrt = [xl] + ([wl] if wl is not None else [])
    gy = gy0.clone().requires_grad_(bool(second))
    gs = torch.autograd.grad([y], wrt, [gy], create_graph=second, allow_unused=True)
    gs = [g if g is not None else torch.zeros_like(t) for g, t in zip(gs, wrt)]
    outs = [y.detach()] + ([arg.detach()] if inplace else []) + [g.detach() for g in gs]
    if second:
        s = (gs[0] * v0).sum()
        ins = [xl, gy] + ([wl] if wl is not None else [])
        gg = torch.autograd.grad([s], ins, allow_unused=True) if s.requires_grad else [None] * len(ins)
        outs += [g.detach() if g is not None else torch.zeros_like(t) for g, t in zip(gg, ins)]
    return outs


def generate(cases):
    warnings.filterwarnings("ignore")  # implicit softmax dims
    rng = random.Random(2024)
    made = 0
    ops, rounds = [], 0
    while made < CASES:
        if not ops:  # every op once a round, in random order
            ops = list(range(NOPS))
            rng.shuffle(ops)
            rounds += 1
        op = ops.pop()
        form = int(rng.random() < 0.4)
        inplace = int(op in INPLACE and rounds % 2 == 0)
        dt = rng.choice(DTYPES[2:] if rounds in (3, 7) else DTYPES if rounds == 1 else DTYPES[:2])
        half = dt in (torch.float16, torch.bfloat16)
        a, b = params(rng, op)
        if op == LEAKY and inplace and a < 0:
            a = 0.2  # in-place with a negative slope fails in backward
        if op == ELU and inplace and a < 0:
            a = 1.0
        if op == PRELU and not form:
            a = 0.0
        ndim = rng.choice((0, 1, 2, 2, 3, 3, 4, 4)) if op != SOFTMAX2D else rng.choice((3, 4))
        shape = [rng.randint(1, 5) for _ in range(ndim)]
        if ndim and rng.random() < 0.08:
            shape[rng.randrange(ndim)] = 0
        dim, dtype_arg = NO_DIM, None
        if op in (SOFTMAX, LOG_SOFTMAX, SOFTMIN):
            if form and rng.random() < 0.3:
                dim = NO_DIM
            else:
                dim = rng.randrange(-max(ndim, 1), max(ndim, 1))
            if not form and dt == torch.float32 and rng.random() < 0.3:
                dtype_arg = torch.float64
            if not form and dt in (torch.float16, torch.bfloat16) and rng.random() < 0.5:
                dtype_arg = torch.float32
        if op == GLU:
            if ndim == 0:
                ndim, shape = 1, [4]
            dim = rng.randrange(-ndim, ndim)
            shape[dim] = 2 * rng.randint(0 if rng.random() < 0.05 else 1, 3)
        nparam = 1
        w0 = None
        if op == PRELU:
            c = shape[1] if ndim >= 2 else 1
            nparam = c if (c > 0 and rng.random() < 0.6) else 1
            if not form:
                w0 = torch.randn(nparam).to(dt)
        # layout
        perm = list(range(ndim))
        r = rng.random()
        if ndim >= 2 and r < 0.25:
            perm[-1], perm[-2] = perm[-2], perm[-1]
        elif ndim == 4 and r < 0.45:
            perm = [0, 2, 3, 1]  # channels_last
        elif ndim >= 2 and r < 0.55:
            rng.shuffle(perm)
        step = int(ndim >= 1 and rng.random() < 0.2)
        view = int(ndim >= 1 and rng.random() < 0.3)
        # values
        x = torch.randn(shape, dtype=torch.float64) * rng.choice((1.0, 3.0, 6.0))
        flat = x.view(-1)
        n = flat.numel()
        special = []
        if n and rng.random() < 0.6:
            special += kinks(op, a, b)
        if n and rng.random() < 0.35:
            special += rng.sample((30.0, -30.0, 100.0, -100.0, 20.0, -20.0, 1e4, -1e4), 3)
        nonfinite = n and rounds in (1, 5)  # no double backward then
        if nonfinite:
            special += rng.sample((float("inf"), float("-inf"), float("nan")), rng.randint(1, 3))
        for s in special:
            flat[rng.randrange(n)] = s
        x = x.to(dt)
        second = int(not half and not nonfinite and rng.random() < 0.75)
        yshape = list(shape)
        if op == GLU:
            yshape[dim] //= 2
        out_dt = dtype_arg if dtype_arg is not None else dt
        gy = torch.randn(yshape, dtype=torch.float64).to(out_dt)
        v = torch.randn(shape, dtype=torch.float64).to(dt)
        fallback = 0
        try:
            try:
                outs = compute(op, form, inplace, second, x, gy, v, w0, a, b, dim, dtype_arg, perm, step, view, nparam)
            except RuntimeError as e:
                if not second or "derivative for" not in str(e):
                    raise
                second = 0  # torch 1.13 has no double backward here (hardsigmoid)
                outs = compute(op, form, inplace, second, x, gy, v, w0, a, b, dim, dtype_arg, perm, step, view, nparam)
        except RuntimeError as e:
            if not half or dtype_arg is not None or "not implemented" not in str(e):
                raise
            # torch has no CPU kernel in this dtype: float32, rounded once
            up, fallback = torch.float32, 1
            outs = compute(op, form, inplace, second, x.to(up), gy.to(up), v.to(up),
                           None if w0 is None else w0.to(up), a, b, dim, None, perm, step, view, nparam)
            outs = [o.to(dt) for o in outs]
        if op == HARDSWISH:
            # torch 1.13's backward differs between its vectorized body and its
            # scalar tail at x = 3 (grad vs 1.5 grad) and NaN (NaN vs grad): the
            # body's values, wherever the element sits (ember's; later torch's at 3)
            gx = outs[1 + inplace]
            gx[x == 3] = gy[x == 3]
            gx[torch.isnan(x)] = float("nan")
            if second:
                outs[3 + inplace][x == 3] = v[x == 3]
        if op in (HARDTANH, RELU6, ELU, SELU, CELU):
            # for NaN, torch 1.13's backward gives its vectorized body's 0
            # (hardtanh) / NaN (elu) but its scalar tail's grad (grad * scale):
            # the body's values, wherever the element sits (ember's)
            outs[1 + inplace][torch.isnan(x)] = 0.0 if op in (HARDTANH, RELU6) else float("nan")
        if op == SOFTSHRINK:
            outs[0][torch.isnan(x)] = float("nan")  # torch 1.13 gives 0; later releases (and ember) NaN
        iparams = [op, form, inplace, second, dim, DTYPES.index(dtype_arg) if dtype_arg is not None else -1]
        iparams += perm + [-1] * (4 - ndim) + [step, nparam, view, fallback]
        name = f"sweep{made:03d}"
        cases.add(name, [x, gy, v if second else torch.zeros(0), w0 if w0 is not None else torch.zeros(0),
                         torch.tensor(iparams, dtype=torch.int64),
                         torch.tensor([a, b], dtype=torch.float64)], outs)
        # strides of y and of the in-place input (the gradients are the leaves')
        for i in range(1 + inplace):
            cases.tensors[f"{name}/strides{i}"] = torch.tensor(outs[i].stride(), dtype=torch.int64)
        made += 1

    # the modules and errors the sweep adds beyond tests/parity/gen_nn_activation.py
    mods = {"Softmin": nn.Softmin(1), "Softmin_none": nn.Softmin(), "Softmax2d": nn.Softmax2d(),
            "LogSigmoid": nn.LogSigmoid(), "Tanhshrink": nn.Tanhshrink(), "Softshrink": nn.Softshrink(),
            "Softshrink_args": nn.Softshrink(1.5), "Hardshrink": nn.Hardshrink(),
            "Hardshrink_args": nn.Hardshrink(2.0), "GLU": nn.GLU(), "GLU_args": nn.GLU(1)}
    for k, m in mods.items():
        cases.text("repr_" + k, repr(m))
    cases.text("err_softshrink_neg", error(lambda: F.softshrink(torch.randn(2), -1.0)))
    cases.text("err_softshrink_neg_half", error(lambda: F.softshrink(torch.randn(2), -0.5)))
    cases.text("err_glu_scalar", error(lambda: F.glu(torch.randn(()))))
    cases.text("err_glu_odd", error(lambda: F.glu(torch.randn(2, 3), 1)))
    cases.text("err_glu_odd_neg", error(lambda: F.glu(torch.randn(5, 2), -2)))
    # torch's AssertionError: a ValueError in ember (same text)
    cases.text("err_softmax2d_dim", error(lambda: nn.Softmax2d()(torch.randn(2, 3))).replace(
        "AssertionError", "ValueError"))
