"""PyTorch references for the gradients of ember's binary elementwise ops.

Each case: float32 inputs (saved as contiguous bases "in0", "in1", ...; both
sides apply the layout - "c" as is, "t" transposed, "s" every other column -
and make the result a leaf), a random grad_output per differentiable result
(saved after the bases), and as outputs the results followed by the leaves'
gradients (zeros where PyTorch leaves .grad unset). In-place cases work on
`leaf * 1.0`. tests/parity/autograd_binary_test.cpp runs the same cases.
"""
import torch

# name: [(logical shape, layout, kind) per tensor input], fn
CASES = [
    ("add.tt.c", [((3, 4), "c", "n"), ((4,), "c", "n")], lambda a, b: torch.add(a, b, alpha=2)),
    ("add.ts.t", [((3, 4), "t", "n")], lambda a: a + 2),
    ("sub.tt.s", [((3, 4), "s", "n"), ((3, 1), "c", "n")], lambda a, b: torch.sub(a, b, alpha=-1.5)),
    ("sub.st.c", [((3, 4), "c", "n")], lambda a: 1 - a),
    ("rsub.tt.t", [((3, 4), "t", "n"), ((4,), "c", "n")], lambda a, b: torch.rsub(a, b, alpha=2)),
    ("mul.tt.t", [((3, 4), "t", "n"), ((3, 1), "c", "n")], lambda a, b: a * b),
    ("mul.ts.s", [((3, 4), "s", "n")], lambda a: a * 2.5),
    ("mul.same.c", [((3, 4), "c", "n")], lambda a: a * a),
    ("div.tt.c", [((3, 4), "c", "n"), ((4,), "c", "p")], lambda a, b: a / b),
    ("div.tt.t", [((3, 4), "t", "p"), ((3, 1), "c", "d")], lambda a, b: a / b),
    ("div.ts.s", [((3, 4), "s", "n")], lambda a: a / 2.5),
    ("div.st.c", [((3, 4), "c", "p")], lambda b: torch.div(2.5, b)),
    ("div.floor.c", [((3, 4), "c", "n"), ((4,), "c", "d")],
     lambda a, b: torch.div(a, b, rounding_mode="floor")),
    ("div.trunc.t", [((3, 4), "t", "n")], lambda a: torch.div(a, 0.7, rounding_mode="trunc")),
    ("remainder.tt.c", [((3, 4), "c", "m"), ((4,), "c", "d")], lambda a, b: torch.remainder(a, b)),
    ("remainder.ts.t", [((3, 4), "t", "m")], lambda a: a % 1.5),
    ("fmod.tt.s", [((3, 4), "s", "m"), ((3, 1), "c", "d")], lambda a, b: torch.fmod(a, b)),
    ("fmod.ts.c", [((3, 4), "c", "m")], lambda a: torch.fmod(a, -1.3)),
    ("pow.ts2.t", [((3, 4), "t", "n")], lambda a: a.pow(2)),
    ("pow.ts0.c", [((3, 4), "c", "n")], lambda a: a.pow(0)),
    ("pow.tsm1_5.s", [((3, 4), "s", "p")], lambda a: a.pow(-1.5)),
    ("pow.ts0_5.c", [((3, 4), "c", "p")], lambda a: a.pow(0.5)),
    ("pow.tt.c", [((3, 4), "c", "p"), ((4,), "c", "n")], lambda a, b: a.pow(b)),
    ("pow.tt.t", [((3, 4), "t", "p"), ((3, 4), "s", "n")], lambda a, b: a.pow(b)),
    ("pow.ttzero.c", [((3, 4), "c", "z"), ((3, 4), "c", "e")], lambda a, b: a.pow(b)),
    ("pow.st.c", [((3, 4), "c", "n")], lambda b: torch.pow(2.5, b)),
    ("pow.st0.t", [((3, 4), "t", "e")], lambda b: torch.pow(0, b)),
    ("atan2.tt.c", [((3, 4), "c", "n"), ((4,), "c", "n")], torch.atan2),
    ("atan2.tt.t", [((3, 4), "t", "n"), ((3, 4), "s", "n")], torch.atan2),
    ("maximum.tt.c", [((3, 4), "c", "n"), ((4,), "c", "n")], torch.maximum),
    ("maximum.tie.c", [((3, 4), "c", "n"), ((3, 4), "c", "tie")], torch.maximum),
    ("minimum.tie.t", [((3, 4), "t", "n"), ((3, 4), "t", "tie")], torch.minimum),
    ("lerp.ts.c", [((3, 4), "c", "n"), ((3, 4), "t", "n")], lambda a, b: torch.lerp(a, b, 0.3)),
    ("lerp.tt.c", [((3, 4), "c", "n"), ((4,), "c", "n"), ((3, 1), "c", "n")], torch.lerp),
    ("add_.tt.c", [((3, 4), "c", "n"), ((4,), "c", "n")], lambda a, b: (a * 1.0).add_(b, alpha=2)),
    ("sub_.ts.t", [((3, 4), "t", "n")], lambda a: (a * 1.0).sub_(1.5)),
    ("mul_.tt.s", [((3, 4), "s", "n"), ((4,), "c", "n")], lambda a, b: (a * 1.0).mul_(b)),
    ("div_.tt.c", [((3, 4), "c", "n"), ((3, 1), "c", "p")], lambda a, b: (a * 1.0).div_(b)),
    ("div_.floor.c", [((3, 4), "c", "n"), ((4,), "c", "d")],
     lambda a, b: (a * 1.0).div_(b, rounding_mode="floor")),
    ("pow_.ts.t", [((3, 4), "t", "n")], lambda a: (a * 1.0).pow_(3)),
    ("pow_.tt.c", [((3, 4), "c", "p"), ((4,), "c", "n")], lambda a, b: (a * 1.0).pow_(b)),
]


def base_shape(shape, layout):
    if layout == "t":
        return tuple(reversed(shape))
    if layout == "s":
        return tuple(shape[:-1]) + (2 * shape[-1],)
    return tuple(shape)


def view(x, layout):
    if layout == "t":
        return x.t()
    if layout == "s":
        return x[..., ::2]
    return x


def values(shape, kind, first):
    if kind == "n":
        return torch.randn(shape)
    if kind == "p":  # positive, away from 0
        return torch.rand(shape) * 1.5 + 0.5
    if kind == "m":  # dividends for remainder / fmod
        return torch.rand(shape) * 10 - 5
    if kind == "d":  # divisors of either sign, away from 0
        return (torch.randint(0, 2, shape) * 2 - 1) * (torch.rand(shape) * 0.8 + 1.1)
    if kind == "z":  # with zeros
        x = torch.randn(shape)
        x[torch.rand(shape) < 0.4] = 0
        return x
    if kind == "e":  # small integer exponents, 0 included
        return torch.randint(-2, 3, shape).float()
    if kind == "tie":  # equal to the first input in about half the places
        x = first.clone()
        mask = torch.rand(shape) < 0.5
        x[mask] = torch.randn(shape)[mask]
        return x
    raise ValueError(kind)


def run_case(cases, name, specs, fn, make=values):
    """make(shape, kind, first base): the values of one base."""
    bases = []
    for shape, layout, kind in specs:
        bases.append(make(base_shape(shape, layout), kind, bases[0] if bases else None))
    leaves = [view(b, lay).detach().requires_grad_() for b, (_, lay, _) in zip(bases, specs)]
    outs = fn(*leaves)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    diff = [o for o in outs if o.requires_grad]
    gouts = [torch.randn(o.shape, dtype=o.dtype) for o in diff]
    torch.autograd.backward(diff, gouts)
    grads = [l.grad if l.grad is not None else torch.zeros_like(l) for l in leaves]
    cases.add(name, bases + gouts, [o.detach() for o in outs] + grads)


def generate(cases):
    torch.manual_seed(4321)
    for name, specs, fn in CASES:
        run_case(cases, name, specs, fn)
