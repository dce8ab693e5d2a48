"""PyTorch references for the gradients of ember's unary ops, where / clamp /
masked_fill, softmax / log_softmax / cumsum and the matrix products (mm, bmm,
mv, dot, addmm, baddbmm, matmul, linear).

Every case saves its inputs (contiguous float32 bases, plus bool masks), then
a random grad_output as the last input. Its outputs are the op's output
followed by the gradient of each input that requires grad, in input order.
A case whose name has ".t" (transposed) or ".tr01" (dims 0 and 1 swapped)
takes that view of a base and detaches it, on both sides, so the op sees a
non-contiguous leaf. In-place cases write into `x * 1.0` (a non-leaf copy).
tests/parity/autograd_unary_test.cpp builds the same cases.
"""
import torch
import torch.nn.functional as F


def real(*shape):
    return torch.randn(*shape)


def positive(*shape):
    return torch.rand(*shape) * 2 + 0.5


def unit(*shape):
    return torch.rand(*shape) * 1.6 - 0.8


def above_one(*shape):
    return torch.rand(*shape) * 2 + 1.5


def nonzero(*shape):
    mag = torch.rand(*shape) * 2 + 0.2
    return torch.where(torch.rand(*shape) > 0.5, mag, -mag)


def mask(*shape):
    return torch.rand(*shape) > 0.5


def t(x):
    return x.t()


def tr01(x):
    return x.transpose(0, 1)


def add(cases, name, fn, bases, diff, transforms=None):
    """bases: saved inputs; diff: indices of the inputs that require grad;
    transforms: index -> view applied (then detached) before the op."""
    xs = []
    for i, b in enumerate(bases):
        x = transforms[i](b) if transforms and i in transforms else b
        x = x.detach()
        if i in diff:
            x.requires_grad_()
        xs.append(x)
    out = fn(*xs)
    go = torch.randn(out.shape, dtype=out.dtype)
    grads = torch.autograd.grad(out, [xs[i] for i in diff], go)
    cases.add(name, list(bases) + [go], [out.detach()] + [g.detach() for g in grads])


UNARY = [
    ("neg", torch.neg, real), ("abs", torch.abs, nonzero), ("relu", torch.relu, nonzero),
    ("sign", torch.sign, nonzero), ("floor", torch.floor, real), ("ceil", torch.ceil, real),
    ("round", torch.round, real), ("trunc", torch.trunc, real), ("frac", torch.frac, positive),
    ("square", torch.square, real), ("sqrt", torch.sqrt, positive),
    ("rsqrt", torch.rsqrt, positive), ("exp", torch.exp, real), ("exp2", torch.exp2, real),
    ("expm1", torch.expm1, real), ("log", torch.log, positive), ("log2", torch.log2, positive),
    ("log10", torch.log10, positive), ("log1p", torch.log1p, positive),
    ("sin", torch.sin, real), ("cos", torch.cos, real), ("tan", torch.tan, unit),
    ("asin", torch.asin, unit), ("acos", torch.acos, unit), ("atan", torch.atan, real),
    ("sinh", torch.sinh, real), ("cosh", torch.cosh, real), ("tanh", torch.tanh, real),
    ("asinh", torch.asinh, real), ("acosh", torch.acosh, above_one),
    ("atanh", torch.atanh, unit), ("sigmoid", torch.sigmoid, real), ("erf", torch.erf, real),
    ("erfc", torch.erfc, real), ("erfinv", torch.erfinv, unit),
    ("reciprocal", torch.reciprocal, positive),
]

INPLACE = [
    ("neg_", real), ("abs_", nonzero), ("relu_", nonzero), ("sqrt_", positive),
    ("rsqrt_", positive), ("exp_", real), ("log_", positive), ("sin_", real), ("cos_", real),
    ("tanh_", real), ("sigmoid_", real), ("reciprocal_", positive), ("floor_", real),
    ("ceil_", real), ("round_", real), ("trunc_", real),
]


def gen_unary(cases):
    for name, fn, dom in UNARY:
        add(cases, f"{name}", fn, [dom(4, 5)], [0])
        add(cases, f"{name}.t", fn, [dom(5, 4)], [0], {0: t})
    for name, dom in INPLACE:
        add(cases, f"{name}", lambda x, n=name: getattr(x * 1.0, n)(), [dom(4, 5)], [0])


def gen_compare(cases):
    c, a, b = mask(4, 5), real(4, 5), real(4, 5)
    add(cases, "where", torch.where, [c, a, b], [1, 2])
    add(cases, "where.bcast", torch.where, [mask(4, 5), real(5), real(4, 1)], [1, 2])
    add(cases, "where.t", torch.where, [mask(4, 5), real(5, 4), real(4, 5)], [1, 2], {1: t})
    add(cases, "where.scalar_other", lambda c, a: torch.where(c, a, 2.5), [c, a], [1])
    add(cases, "where.scalar_self", lambda c, b: torch.where(c, -1.5, b), [c, b], [1])

    x = real(4, 5)
    add(cases, "clamp", lambda x: torch.clamp(x, -0.5, 0.5), [x], [0])
    add(cases, "clamp.min", lambda x: torch.clamp(x, min=-0.3), [x], [0])
    add(cases, "clamp.max", lambda x: torch.clamp(x, max=0.4), [x], [0])
    add(cases, "clamp.t", lambda x: torch.clamp(x, -0.5, 0.5), [real(5, 4)], [0], {0: t})
    add(cases, "clamp_min", lambda x: torch.clamp_min(x, 0.1), [x], [0])
    add(cases, "clamp_max", lambda x: torch.clamp_max(x, 0.1), [x], [0])
    add(cases, "clip", lambda x: torch.clip(x, -0.5, 0.5), [x], [0])
    add(cases, "clamp_", lambda x: (x * 1.0).clamp_(-0.5, 0.5), [x], [0])
    lo, hi = real(5) - 0.5, real(4, 1) + 0.5
    add(cases, "clamp.tensor", torch.clamp, [x, lo, hi], [0, 1, 2])
    add(cases, "clamp.tensor_min", lambda x, lo: torch.clamp(x, min=lo), [x, lo], [0, 1])
    add(cases, "clamp.tensor_max", lambda x, hi: torch.clamp(x, max=hi), [x, hi], [0, 1])
    add(cases, "clamp_min.tensor", torch.clamp_min, [x, lo], [0, 1])
    add(cases, "clamp_max.tensor", torch.clamp_max, [x, hi], [0, 1])
    add(cases, "clamp_.tensor", lambda x, lo, hi: (x * 1.0).clamp_(lo, hi), [x, lo, hi], [0, 1, 2])

    m = mask(4, 5)
    v = torch.tensor(1.75)
    add(cases, "masked_fill", lambda x, m: x.masked_fill(m, -2.0), [x, m], [0])
    add(cases, "masked_fill.bcast_mask", lambda x, m: x.masked_fill(m, 0.5), [x, mask(5)], [0])
    add(cases, "masked_fill.bcast_self", lambda x, m: x.masked_fill(m, 0.5), [real(5), m], [0])
    add(cases, "masked_fill.tensor", lambda x, m, v: x.masked_fill(m, v), [x, m, v], [0, 2])
    add(cases, "masked_fill_", lambda x, m: (x * 1.0).masked_fill_(m, 3.0), [x, m], [0])
    add(cases, "masked_fill_.tensor", lambda x, m, v: (x * 1.0).masked_fill_(m, v), [x, mask(5), v],
        [0, 2])


def gen_softmax(cases):
    ops = [("softmax", torch.softmax), ("log_softmax", torch.log_softmax),
           ("cumsum", torch.cumsum)]
    for name, fn in ops:
        for dname, dim in [("d0", 0), ("d1", 1), ("dm1", -1)]:
            add(cases, f"{name}.{dname}", lambda x, fn=fn, dim=dim: fn(x, dim), [real(4, 5)], [0])
        add(cases, f"{name}.3d", lambda x, fn=fn: fn(x, 1), [real(3, 4, 5)], [0])
        add(cases, f"{name}.t", lambda x, fn=fn: fn(x, 1), [real(5, 4)], [0], {0: t})
        add(cases, f"{name}.dtype", lambda x, fn=fn: fn(x, 1, dtype=torch.float64), [real(4, 5)],
            [0])
    # The 10-class output of a classifier batch.
    add(cases, "log_softmax.batch", lambda x: torch.log_softmax(x, 1), [real(128, 10)], [0])


def gen_linalg(cases):
    a, b = real(5, 4), real(4, 3)
    add(cases, "mm", torch.mm, [a, b], [0, 1])
    add(cases, "mm.t", torch.mm, [real(4, 5), real(3, 4)], [0, 1], {0: t, 1: t})
    add(cases, "mm.const_other", torch.mm, [a, b], [0])
    add(cases, "mm.const_self", torch.mm, [a, b], [1])
    add(cases, "addmm", torch.addmm, [real(3), a, b], [0, 1, 2])
    add(cases, "addmm.full_bias", torch.addmm, [real(5, 3), a, b], [0, 1, 2])
    add(cases, "addmm.scaled", lambda s, x, y: torch.addmm(s, x, y, beta=0.5, alpha=-2.0),
        [real(1, 3), a, real(3, 4)], [0, 1, 2], {2: t})
    add(cases, "bmm", torch.bmm, [real(2, 5, 4), real(2, 4, 3)], [0, 1])
    add(cases, "baddbmm", lambda s, x, y: torch.baddbmm(s, x, y, beta=0.5, alpha=2.0),
        [real(3), real(2, 5, 4), real(2, 4, 3)], [0, 1, 2])
    add(cases, "mv", torch.mv, [a, real(4)], [0, 1])
    add(cases, "mv.t", torch.mv, [real(4, 5), real(4)], [0, 1], {0: t})
    add(cases, "dot", torch.dot, [real(6), real(6)], [0, 1])

    shapes = {
        "1d1d": ((4,), (4,)), "2d1d": ((3, 4), (4,)), "1d2d": ((4,), (4, 3)),
        "2d2d": ((3, 4), (4, 2)), "3d1d": ((2, 3, 4), (4,)), "3d2d": ((2, 3, 4), (4, 2)),
        "1d3d": ((4,), (2, 4, 3)), "2d3d": ((3, 4), (2, 4, 2)), "3d3d": ((2, 3, 4), (2, 4, 2)),
        "bcast": ((2, 1, 3, 4), (3, 4, 2)),
    }
    for name, (s1, s2) in shapes.items():
        add(cases, f"matmul.{name}", torch.matmul, [real(*s1), real(*s2)], [0, 1])
    add(cases, "matmul.tr01", torch.matmul, [real(3, 2, 4), real(4, 2)], [0, 1], {0: tr01})

    w, bias = real(3, 4), real(3)
    add(cases, "linear", F.linear, [real(5, 4), w], [0, 1])
    add(cases, "linear.bias", F.linear, [real(5, 4), w, bias], [0, 1, 2])
    add(cases, "linear.3d_bias", F.linear, [real(2, 5, 4), w, bias], [0, 1, 2])
    add(cases, "linear.3d_tr01_bias", F.linear, [real(5, 2, 4), w, bias], [0, 1, 2], {0: tr01})
    add(cases, "linear.1d_bias", F.linear, [real(4), w, bias], [0, 1, 2])
    add(cases, "linear.weights_only", F.linear, [real(5, 4), w, bias], [1, 2])

    # A small classifier: linear, relu, linear, log_softmax (the weights learn).
    def mlp(x, w1, b1, w2, b2):
        return torch.log_softmax(F.linear(torch.relu(F.linear(x, w1, b1)), w2, b2), 1)

    add(cases, "mlp", mlp, [real(16, 20), real(32, 20) * 0.2, real(32) * 0.1, real(10, 32) * 0.2,
                            real(10) * 0.1], [1, 2, 3, 4])


def generate(cases):
    gen_unary(cases)
    gen_compare(cases)
    gen_softmax(cases)
    gen_linalg(cases)
