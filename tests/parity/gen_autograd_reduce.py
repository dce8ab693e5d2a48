"""PyTorch references for the gradients of ember's reductions.

Same format as gen_autograd_binary.py (whose helpers this reuses): float32
bases with a layout ("c", "t" transposed, "s" every other column), one random
grad_output per differentiable result, and as outputs the results followed by
the leaves' gradients. tests/parity/autograd_reduce_test.cpp mirrors the cases.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_autograd_binary as gb  # noqa: E402

INF = math.inf
NORM_PS = [("2", 2.0), ("1", 1.0), ("inf", INF), ("minf", -INF), ("0", 0.0), ("3", 3.0),
           ("0_5", 0.5), ("1_5", 1.5)]


def _values(shape, kind, first):
    if kind == "near1":  # products stay in range
        return torch.rand(shape) + 0.5
    if kind == "zero1":  # one zero in rows 0 and 2
        x = torch.rand(shape) + 0.5
        x[0, 1] = 0
        x[2, 3] = 0
        return x
    if kind == "zero2":  # two zeros in row 1, one in row 2
        x = torch.rand(shape) + 0.5
        x[1, 0] = 0
        x[1, 2] = 0
        x[2, 1] = 0
        return x
    if kind == "ties":  # few distinct values: ties for max / min
        return torch.randint(-2, 3, shape).float()
    if kind == "zrow":  # a zero row (norm at 0)
        x = torch.randn(shape)
        x[1] = 0
        return x
    return gb.values(shape, kind, first)


def generate(cases):
    torch.manual_seed(8765)
    m = (3, 4)
    cube = (2, 3, 4)
    c = lambda name, specs, fn: gb.run_case(cases, name, specs, fn, _values)  # noqa: E731
    # sum / mean
    c("sum.all.c", [(m, "c", "n")], lambda x: x.sum())
    c("sum.d0.t", [(m, "t", "n")], lambda x: x.sum(0))
    c("sum.d1k.s", [(m, "s", "n")], lambda x: x.sum(1, keepdim=True))
    c("sum.d02.c", [(cube, "c", "n")], lambda x: x.sum((0, 2)))
    c("sum.dtype.c", [(m, "c", "n")], lambda x: x.sum(dtype=torch.float64))
    c("sum.dimdtype.t", [(m, "t", "n")], lambda x: x.sum(-1, dtype=torch.float64))
    c("mean.all.t", [(m, "t", "n")], lambda x: x.mean())
    c("mean.d1.c", [(m, "c", "n")], lambda x: x.mean(1))
    c("mean.dm1k.s", [(m, "s", "n")], lambda x: x.mean(-1, keepdim=True))
    c("mean.d02k.c", [(cube, "c", "n")], lambda x: x.mean((0, 2), keepdim=True))
    # prod, with and without zeros
    c("prod.all.c", [(m, "c", "near1")], lambda x: x.prod())
    c("prod.d1.t", [(m, "t", "near1")], lambda x: x.prod(1))
    c("prod.d0k.s", [(m, "s", "near1")], lambda x: x.prod(0, keepdim=True))
    c("prod.zero1.c", [((3, 4), "c", "zero1")], lambda x: x.prod(1))
    c("prod.zero2.c", [((3, 4), "c", "zero2")], lambda x: x.prod(1))
    c("prod.zero2d0.c", [((3, 4), "c", "zero2")], lambda x: x.prod(0))
    c("prod.allzero1.c", [((3, 4), "c", "zero1")], lambda x: x.prod())
    c("prod.allzero2.c", [((3, 4), "c", "zero2")], lambda x: x.prod())
    # max / min
    c("max.all.c", [(m, "c", "n")], lambda x: x.max())
    c("max.all.ties", [(m, "c", "ties")], lambda x: x.max())
    c("min.all.t", [(m, "t", "ties")], lambda x: x.min())
    c("max.d1.c", [(m, "c", "n")], lambda x: tuple(x.max(1)))
    c("max.d1ties.s", [(m, "s", "ties")], lambda x: tuple(x.max(1)))
    c("min.d0k.t", [(m, "t", "ties")], lambda x: tuple(x.min(0, keepdim=True)))
    c("amax.d1.ties", [(m, "c", "ties")], lambda x: x.amax(1))
    c("amin.all.t", [(m, "t", "ties")], lambda x: x.amin())
    c("amax.d02k.c", [(cube, "c", "ties")], lambda x: x.amax((0, 2), keepdim=True))
    # var / std and the _mean forms
    c("var.all.c", [(m, "c", "n")], lambda x: x.var())
    c("var.d1c0.t", [(m, "t", "n")], lambda x: x.var(1, correction=0))
    c("std.d0k.s", [(m, "s", "n")], lambda x: x.std(0, keepdim=True))
    c("std.allc2.c", [(m, "c", "n")], lambda x: torch.std(x, None, correction=2))
    c("std.d02.c", [(cube, "c", "n")], lambda x: x.std((0, 2)))
    c("var_mean.d1.c", [(m, "c", "n")], lambda x: tuple(torch.var_mean(x, 1)))
    c("std_mean.all.t", [(m, "t", "n")], lambda x: tuple(torch.std_mean(x)))
    # norm
    for pn, p in NORM_PS:
        c(f"norm.p{pn}.all.c", [(m, "c", "n")], lambda x, p=p: x.norm(p))
        c(f"norm.p{pn}.d1.t", [(m, "t", "n")], lambda x, p=p: x.norm(p, 1))
        c(f"norm.p{pn}.d0k.s", [(m, "s", "n")], lambda x, p=p: x.norm(p, 0, keepdim=True))
    c("norm.p2.zrow.c", [(m, "c", "zrow")], lambda x: x.norm(2, 1))
    c("norm.p3.zrow.c", [(m, "c", "zrow")], lambda x: x.norm(3, 1))
    # logsumexp
    c("logsumexp.d1.c", [(m, "c", "n")], lambda x: x.logsumexp(1))
    c("logsumexp.d01k.t", [(m, "t", "n")], lambda x: x.logsumexp((0, 1), keepdim=True))
