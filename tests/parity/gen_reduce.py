"""PyTorch references for ember's reductions, softmax and cumsum.

Case names encode the op, dtype, layout, dims and options, e.g.
"sum.f32.t2.d0_m1.k1". Each input is saved contiguous ("base"); both sides
apply the layout's transform (transpose, step slice, permute, channels_last)
before the op, so ember's strided paths are what is compared. The C++ side
(tests/parity/reduce_test.cpp) walks the same grids.
"""
import math

import torch

DT = {
    "f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16,
    "u8": torch.uint8, "i8": torch.int8, "i16": torch.int16, "i32": torch.int32,
    "i64": torch.int64, "b": torch.bool,
}
FLOATS = ["f32", "f64", "f16", "bf16"]
INTS = ["u8", "i8", "i16", "i32", "i64"]
ALL = FLOATS + INTS + ["b"]

# name: (base shape, transform). The transform gives the logical input.
LAYOUTS = {
    "c2": ((6, 10), lambda x: x),
    "t2": ((10, 6), lambda x: x.transpose(0, 1)),
    "s2": ((6, 20), lambda x: x[:, ::2]),
    "c3": ((4, 5, 6), lambda x: x),
    "p3": ((5, 6, 4), lambda x: x.permute(2, 0, 1)),
    "s3": ((4, 10, 6), lambda x: x[:, ::2, :]),
    "c4": ((2, 3, 4, 5), lambda x: x),
    "cl4": ((2, 3, 4, 5), lambda x: x.contiguous(memory_format=torch.channels_last)),
}
ALL_LAYOUTS = list(LAYOUTS)
# Dim lists per rank; () means every dim.
DIMS = {
    2: [(), (0,), (1,), (-1,), (0, 1)],
    3: [(), (0,), (1,), (2,), (0, 2), (-1, -2)],
    4: [(1,), (2, 3), (0, 2, 3), (0, 1, 2, 3)],
}
KEEPDIM_LAYOUTS = ["c2", "c3", "cl4"]
NORM_PS = [("2", 2.0), ("1", 1.0), ("inf", math.inf), ("minf", -math.inf), ("0", 0.0),
           ("3", 3.0), ("0.5", 0.5), ("m1", -1.0)]


def rank(layout):
    return len(LAYOUTS[layout][0])


def dims_name(dims):
    if not dims:
        return "dall"
    return "d" + "_".join(("m%d" % -d) if d < 0 else str(d) for d in dims)


def single_dims(layout):
    r = rank(layout)
    return list(range(r)) + [-1]


def base(layout, dt, kind="normal"):
    """A random contiguous base tensor for `layout` in dtype `dt`."""
    shape = LAYOUTS[layout][0]
    t = DT[dt]
    if kind == "prod":  # values near 1 keep products in range
        x = torch.rand(shape, dtype=torch.float64) + 0.5
        if not t.is_floating_point:
            x = torch.randint(1, 3, shape)
        return x.to(t)
    if kind == "sparse":  # zeros sprinkled in, for all / any
        mask = torch.rand(shape) < 0.3
        if t == torch.bool:
            return ~mask
        x = torch.randint(1, 5, shape) if not t.is_floating_point else torch.randn(shape)
        x[mask] = 0
        if t.is_floating_point:
            x[torch.rand(shape) < 0.05] = -0.0
        return x.to(t)
    if t == torch.bool:
        return torch.rand(shape) < 0.5
    if t == torch.uint8:
        return torch.randint(0, 10, shape, dtype=t)
    if not t.is_floating_point:
        return torch.randint(-5, 6, shape, dtype=t)  # small range: ties for max / argmax
    return torch.randn(shape, dtype=torch.float64).to(t)


def random_of(shape, dt):
    t = DT[dt]
    if t == torch.bool:
        return torch.rand(shape) < 0.9
    if not t.is_floating_point:
        return torch.randint(0 if t == torch.uint8 else -5, 6, shape, dtype=t)
    return torch.randn(shape, dtype=torch.float64).to(t)


def view(layout, x):
    return LAYOUTS[layout][1](x)


def in_float(v, fn):
    """fn(v), for 16-bit floats computed in float and rounded once: what ember
    does. PyTorch 1.13 lacks some CPU kernels for Half, and where it has them
    its multi-dim or strided 16-bit reductions (and bf16 log_softmax) round
    partial results to 16 bits, a few ulp off the float computation."""
    if v.dtype in (torch.float16, torch.bfloat16):
        return fn(v.float()).to(v.dtype)
    return fn(v)


def generate(cases):
    torch.manual_seed(1234)

    # sum / mean / amax / amin over dim lists
    for dt in ALL:
        for lay in ALL_LAYOUTS:
            for dims in DIMS[rank(lay)]:
                for kd in ([False, True] if lay in KEEPDIM_LAYOUTS else [False]):
                    x = base(lay, dt)
                    name = f"sum.{dt}.{lay}.{dims_name(dims)}.k{int(kd)}"
                    v = view(lay, x)
                    cases.add(name, [x], [in_float(v, lambda u: u.sum(dim=list(dims), keepdim=kd))])
                    if dt in FLOATS:
                        cases.add(name.replace("sum", "mean", 1), [x],
                                  [in_float(v, lambda u: u.mean(dim=list(dims), keepdim=kd))])
    for dt in ALL:
        for lay in ["c2", "t2", "s3", "p3", "cl4"]:
            for dims in DIMS[rank(lay)]:
                x = base(lay, dt)
                for op in ["amax", "amin"]:
                    cases.add(f"{op}.{dt}.{lay}.{dims_name(dims)}.k0", [x],
                              [getattr(view(lay, x), op)(dim=list(dims))])
            x = base(lay, dt)
            cases.add(f"amax.{dt}.{lay}.dall.k1", [x], [view(lay, x).amax(dim=[], keepdim=True)])

    # prod: full and per dim (PyTorch 1.13 has no 16-bit float prod on CPU;
    # ember computes it in float as later releases do)
    for dt in ["f64", "f32", "i64", "i32", "bf16", "f16", "b"]:
        for lay in ALL_LAYOUTS:
            x = base(lay, dt, "prod")
            cases.add(f"prod.{dt}.{lay}.dall.k0", [x], [in_float(view(lay, x), lambda v: v.prod())])
            for d in single_dims(lay):
                x = base(lay, dt, "prod")
                cases.add(f"prod.{dt}.{lay}.{dims_name((d,))}.k0", [x],
                          [in_float(view(lay, x), lambda v: v.prod(d))])

    # max / min with a dim: (values, indices); ties resolve to the first index
    for dt in ALL:
        for lay in ALL_LAYOUTS:
            for d in single_dims(lay):
                for kd in ([False, True] if lay == "c2" else [False]):
                    x = base(lay, dt)
                    for op in ["max", "min"]:
                        v, i = getattr(view(lay, x), op)(d, keepdim=kd)
                        cases.add(f"{op}.{dt}.{lay}.{dims_name((d,))}.k{int(kd)}", [x], [v, i])
            x = base(lay, dt)
            cases.add(f"max.{dt}.{lay}.dall.k0", [x], [view(lay, x).max()])
            cases.add(f"min.{dt}.{lay}.dall.k0", [x], [view(lay, x).min()])

    # argmax / argmin: flattened (logical order) and per dim
    for dt in [d for d in ALL if d != "b"]:
        for lay in ["c2", "t2", "p3", "cl4"]:
            for op in ["argmax", "argmin"]:
                x = base(lay, dt)
                cases.add(f"{op}.{dt}.{lay}.dall.k0", [x], [getattr(view(lay, x), op)()])
                for d in single_dims(lay):
                    x = base(lay, dt)
                    cases.add(f"{op}.{dt}.{lay}.{dims_name((d,))}.k0", [x],
                              [getattr(view(lay, x), op)(d)])
            x = base(lay, dt)
            cases.add(f"argmax.{dt}.{lay}.dall.k1", [x], [view(lay, x).argmax(keepdim=True)])

    # NaN: max / min / argmax / amax see the first NaN
    for dt in FLOATS:
        for lay in ["c2", "t2", "cl4"]:
            x = base(lay, dt)
            flat = x.view(-1)
            flat[torch.randperm(flat.numel())[:4]] = float("nan")
            v = view(lay, x)
            cases.add(f"nan.max.{dt}.{lay}", [x], list(v.max(0)) + list(v.min(-1)))
            cases.add(f"nan.amax.{dt}.{lay}", [x], [v.amax(), v.amin(dim=[0, 1])])
            cases.add(f"nan.arg.{dt}.{lay}", [x], [v.argmax(), v.argmin(1)])

    # var / std with corrections
    for dt in FLOATS:
        for lay in ["c2", "t2", "s3", "p3", "cl4"]:
            for dims in DIMS[rank(lay)][:3] + DIMS[rank(lay)][-1:]:
                for corr in [0, 1, 2]:
                    for op in ["var", "std"]:
                        x = base(lay, dt)
                        kd = lay in KEEPDIM_LAYOUTS and corr == 1
                        r = in_float(view(lay, x), lambda u: getattr(u, op)(
                            dim=list(dims) if dims else None, correction=corr, keepdim=kd))
                        cases.add(f"{op}.{dt}.{lay}.{dims_name(dims)}.k{int(kd)}.c{corr}", [x], [r])
    for dt in ["f32", "f64", "bf16"]:
        for dims in [(1,), (0, 2)]:
            x = base("c3", dt)
            for op in ["var_mean", "std_mean"]:
                r = getattr(torch, op)(x.float() if dt == "bf16" else x, dim=list(dims), correction=1,
                                       keepdim=False)
                cases.add(f"{op}.{dt}.c3.{dims_name(dims)}.k0.c1", [x], [t.to(x.dtype) for t in r])

    # norm with several p
    for dt in FLOATS:
        for lay in ["c2", "t2", "p3", "cl4"]:
            for dims in [DIMS[rank(lay)][0], DIMS[rank(lay)][1], DIMS[rank(lay)][-1]]:
                for pname, p in NORM_PS:
                    x = base(lay, dt)
                    r = in_float(view(lay, x), lambda u: u.norm(p, dim=list(dims) if dims else None))
                    cases.add(f"norm.{dt}.{lay}.{dims_name(dims)}.k0.p{pname}", [x], [r])
    x = base("c3", "f32")
    cases.add("norm.f32.c3.d1.k1.p2", [x], [x.norm(2, dim=[1], keepdim=True)])

    # logsumexp
    for dt in ["f32", "f64", "bf16", "f16", "i64"]:
        for lay in ALL_LAYOUTS:
            for dims in [DIMS[rank(lay)][1], DIMS[rank(lay)][-1]]:
                x = base(lay, dt)
                v = view(lay, x)
                r = in_float(v, lambda u: u.logsumexp(list(dims)))
                cases.add(f"logsumexp.{dt}.{lay}.{dims_name(dims)}.k0", [x], [r])

    # all / any
    for dt in ALL:
        for lay in ["c2", "t2", "s3", "cl4"]:
            for op in ["all", "any"]:
                x = base(lay, dt, "sparse")
                cases.add(f"{op}.{dt}.{lay}.dall.k0", [x], [getattr(view(lay, x), op)()])
                for d in [0, -1]:
                    x = base(lay, dt, "sparse")
                    cases.add(f"{op}.{dt}.{lay}.{dims_name((d,))}.k0", [x],
                              [getattr(view(lay, x), op)(d)])

    # softmax / log_softmax along each dim
    for dt in FLOATS:
        for lay in ALL_LAYOUTS:
            for d in single_dims(lay):
                for op in ["softmax", "log_softmax"]:
                    x = base(lay, dt) * 3
                    v = view(lay, x)
                    r = in_float(v, lambda u: getattr(u, op)(d))
                    cases.add(f"{op}.{dt}.{lay}.{dims_name((d,))}.k0", [x], [r])

    # cumsum along each dim
    for dt in ["f32", "f64", "f16", "bf16", "i32", "i64", "u8", "b"]:
        for lay in ALL_LAYOUTS:
            for d in single_dims(lay):
                x = base(lay, dt)
                v = view(lay, x)
                r = in_float(v, lambda u: u.cumsum(d))
                cases.add(f"cumsum.{dt}.{lay}.{dims_name((d,))}.k0", [x], [r])

    # dtype arguments
    xi = torch.randint(-50, 50, (6, 10), dtype=torch.int32)
    xf = torch.randn(6, 10) * 20
    xh = torch.randn(6, 10).half()
    cases.add("dtype.sum.i32_f32", [xi], [xi.sum(1, dtype=torch.float32)])
    cases.add("dtype.sum.f32_f64", [xf], [xf.sum(0, dtype=torch.float64)])
    cases.add("dtype.sum.f32_i64", [xf], [xf.sum(dtype=torch.int64)])
    cases.add("dtype.sum.i32_i8", [xi], [xi.sum(1, dtype=torch.int8)])
    cases.add("dtype.mean.f16_f32", [xh], [xh.mean(1, dtype=torch.float32)])
    cases.add("dtype.mean.i32_f64", [xi], [xi.mean(dtype=torch.float64)])
    cases.add("dtype.prod.f32_f64", [xf], [(xf / 20).prod(1, dtype=torch.float64)])
    cases.add("dtype.cumsum.i32_f32", [xi], [xi.cumsum(0, dtype=torch.float32)])
    cases.add("dtype.cumsum.f32_i64", [xf], [xf.cumsum(1, dtype=torch.int64)])
    cases.add("dtype.softmax.f32_f64", [xf], [xf.softmax(1, dtype=torch.float64)])
    cases.add("dtype.log_softmax.i32_f32", [xi], [xi.log_softmax(0, dtype=torch.float32)])
    cases.add("dtype.softmax.f32_bf16", [xf], [xf.softmax(1, dtype=torch.bfloat16)])

    # large inputs: accuracy of float sums (positive values make a naive
    # running sum visibly wrong) and the parallel split paths
    big = torch.rand(1_000_000)
    cases.add("large.sum.f32", [big], [big.sum(), big.mean(), big.var(), big.logsumexp(0)])
    # PyTorch 1.13's float32 norm accumulates without a cascade (off by ~1e-5
    # here): the reference is the float64 norm, rounded.
    cases.add("large.norm.f32", [big], [big.double().norm().float(), big.double().norm(1).float()])
    cases.add("large.sum.f32_cascade", [big], [big.view(1000, 1000).sum(), big.view(1000, 1000).sum(0),
                                               big.view(1000, 1000).sum(1)])
    tall = torch.rand(100_000, 7)
    cases.add("large.sum_dim0.f32", [tall], [tall.sum(0), tall.mean(0), tall.amax(0),
                                             tall.t().sum(1), tall.var(0)])
    hb = (torch.rand(100_000) * 0.01).half()
    cases.add("large.sum.f16", [hb], [hb.sum(), hb.view(100, 1000).sum(0)])
    db = torch.randn(300_000, dtype=torch.float64)
    cases.add("large.sum.f64", [db], [db.sum(), db.amax(), db.argmax(), db.std()])
    wide = torch.randn(8, 10000) * 4
    cases.add("large.softmax.f32", [wide], [wide.softmax(1), wide.log_softmax(0), wide.logsumexp(1),
                                            wide.cumsum(1)])
    ib = torch.randint(-1000, 1000, (200_000,), dtype=torch.int32)
    cases.add("large.sum.i32", [ib], [ib.sum(), ib.cumsum(0), ib.amax(), ib.argmin()])

    # narrow outer reductions (few kept columns, many rows): register blocks
    for dt in ["f32", "f64", "f16", "bf16", "i8", "i32", "u8", "b"]:
        for w in [16, 32, 48, 64]:
            x = random_of((300, w), dt)
            outs = [in_float(x, lambda u: u.sum(0)), x.amax(0), x.all(0)]
            if dt in FLOATS:
                outs += [in_float(x, lambda u: u.mean(0)), in_float(x, lambda u: u.norm(1, dim=0))]
            cases.add(f"narrow.{dt}.w{w}", [x], outs)

    # 0-dim inputs
    s = torch.tensor(1.75)
    cases.add("zerodim.f32", [s], [s.sum(), s.mean(0), s.amax(0), s.softmax(0), s.log_softmax(-1),
                                   s.cumsum(0), s.norm(), s.logsumexp(0), s.all(), s.argmax()])
