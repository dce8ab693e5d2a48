"""PyTorch references for ember's elementwise ops (tests/parity/elementwise_test.cpp).

Case names encode the op, dtypes and variant, so the C++ side builds the same
names from the same tables and maps each to its function. float16/bfloat16
references are computed in float32 and rounded once (the semantics ember
implements; PyTorch 1.13 lacks many float16 CPU kernels)."""
import math

import torch

ALL = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
       torch.float16, torch.bfloat16, torch.float32, torch.float64]
INTS = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
HALVES = [torch.float16, torch.bfloat16]
INF, NAN = math.inf, math.nan


def dn(dt):
    return str(dt).replace("torch.", "")


def rand(shape, dt, lo=-5.0, hi=5.0):
    """Random values of dtype dt in [lo, hi] (integers: clipped to the type's range)."""
    if dt == torch.bool:
        return torch.rand(shape) > 0.5
    if dt.is_floating_point:
        return (torch.rand(shape, dtype=torch.float64) * (hi - lo) + lo).to(dt)
    info = torch.iinfo(dt)
    lo, hi = max(int(lo), info.min), min(int(hi), info.max)
    return torch.randint(lo, hi + 1, shape, dtype=torch.int64).to(dt)


def via_float(fn, dt, *xs):
    """fn evaluated in float32 and rounded once to dt (float outputs only)."""
    r = fn(*[x.float() if x.dtype == dt else x for x in xs])
    return r.to(dt) if r.dtype.is_floating_point else r


SPECIALS = [0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 0.5]

# op -> (lo, hi) of the random inputs; the specials are appended to each.
UNARY_DOMAINS = {
    "neg": (-10, 10), "abs": (-10, 10), "sqrt": (0, 100), "rsqrt": (0.01, 100),
    "exp": (-20, 20), "exp2": (-20, 20), "expm1": (-5, 5), "log": (0.001, 100),
    "log2": (0.001, 100), "log10": (0.001, 100), "log1p": (-0.99, 50), "sin": (-10, 10),
    "cos": (-10, 10), "tan": (-1.5, 1.5), "asin": (-1, 1), "acos": (-1, 1), "atan": (-10, 10),
    "sinh": (-5, 5), "cosh": (-5, 5), "tanh": (-5, 5), "asinh": (-10, 10), "acosh": (1, 20),
    "atanh": (-0.99, 0.99), "sigmoid": (-20, 20), "relu": (-5, 5), "erf": (-3, 3),
    "erfc": (-3, 5), "erfinv": (-0.99, 0.99), "floor": (-10, 10), "ceil": (-10, 10),
    "round": (-10, 10), "trunc": (-10, 10), "frac": (-10, 10), "sign": (-3, 3),
    "reciprocal": (-10, 10), "square": (-10, 10), "isnan": (-3, 3), "isinf": (-3, 3),
    "isfinite": (-3, 3), "logical_not": (-1, 1),
}
UNARY_HALF = ["neg", "abs", "sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "erf",
              "floor", "round", "reciprocal", "square", "sign", "isnan"]
UNARY_INT = ["neg", "abs", "sign", "relu", "floor", "round", "square", "bitwise_not",
             "logical_not", "isnan", "isfinite", "exp", "sqrt", "sigmoid", "reciprocal"]
UNARY_BOOL = ["sign", "bitwise_not", "logical_not", "isnan", "exp", "sqrt", "square"]


def unary_fn(op):
    return getattr(torch, op)


def gen_unary(cases):
    for op, (lo, hi) in UNARY_DOMAINS.items():
        for dt in [torch.float32, torch.float64]:
            x = torch.cat([rand([64], dt, lo, hi), torch.tensor(SPECIALS, dtype=dt)]).view(8, 9)
            if op == "round":  # exact halves exercise half-to-even
                x[0, :4] = torch.tensor([0.5, 1.5, 2.5, -2.5], dtype=dt)
            cases.add(f"unary_{op}_{dn(dt)}", [x], [unary_fn(op)(x)])
    for op in UNARY_HALF:
        lo, hi = UNARY_DOMAINS[op]
        for dt in HALVES:
            x = torch.cat([rand([40], dt, lo, hi), torch.tensor(SPECIALS, dtype=dt)]).view(6, 8)
            cases.add(f"unary_{op}_{dn(dt)}", [x], [via_float(unary_fn(op), dt, x)])
    for op in UNARY_INT:
        for dt in INTS:
            info = torch.iinfo(dt)
            x = rand([30], dt, -50, 50)
            if op not in ("sqrt", "exp", "sigmoid", "reciprocal"):
                x = torch.cat([x, torch.tensor([info.min, info.max, 0], dtype=dt)])
            else:
                x = torch.cat([x, torch.tensor([0, 1], dtype=dt)])
            cases.add(f"unary_{op}_{dn(dt)}", [x], [unary_fn(op)(x)])
    for op in UNARY_BOOL:
        x = torch.tensor([True, False, True, True, False])
        cases.add(f"unary_{op}_bool", [x], [unary_fn(op)(x)])


BINARY = ["add", "sub", "mul", "div", "div_trunc", "div_floor", "remainder", "fmod",
          "floor_divide", "pow", "atan2", "maximum", "minimum", "add_alpha", "sub_alpha"]
BINARY_DTYPES = [torch.float32, torch.float64, torch.int64, torch.int32, torch.int16, torch.int8,
                 torch.uint8]
BINARY_HALF = ["add", "sub", "mul", "div", "maximum", "minimum", "remainder", "div_floor", "pow",
               "atan2", "add_alpha"]


def binary_fn(op):
    return {
        "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
        "div_trunc": lambda a, b: torch.div(a, b, rounding_mode="trunc"),
        "div_floor": lambda a, b: torch.div(a, b, rounding_mode="floor"),
        "remainder": torch.remainder, "fmod": torch.fmod, "floor_divide": torch.floor_divide,
        "pow": torch.pow, "atan2": torch.atan2, "maximum": torch.maximum,
        "minimum": torch.minimum,
        "add_alpha": lambda a, b: torch.add(a, b, alpha=2.5 if a.is_floating_point() else 3),
        "sub_alpha": lambda a, b: torch.sub(a, b, alpha=2.5 if a.is_floating_point() else 3),
    }[op]


def binary_inputs(op, dt, sa, sb):
    if op == "pow":
        if dt.is_floating_point:
            return rand(sa, dt, 0, 4), rand(sb, dt, -3, 3)
        return rand(sa, dt, -4, 4), rand(sb, dt, 0, 6)
    a = rand(sa, dt, -20, 20)
    b = rand(sb, dt, -6, 6)
    if op in ("div_trunc", "div_floor", "remainder", "fmod", "floor_divide", "div") and \
            not dt.is_floating_point:
        b = torch.where(b == 0, torch.ones_like(b), b)  # no integer division by zero
    return a, b


def gen_binary(cases):
    for op in BINARY:
        for dt in BINARY_DTYPES:
            a, b = binary_inputs(op, dt, [3, 1, 5], [4, 1])
            cases.add(f"binary_{op}_{dn(dt)}", [a, b], [binary_fn(op)(a, b)])
    for op in BINARY_HALF:
        for dt in HALVES:
            a, b = binary_inputs(op, dt, [3, 1, 5], [4, 1])
            cases.add(f"binary_{op}_{dn(dt)}", [a, b], [via_float(binary_fn(op), dt, a, b)])
    # Rounding modes on negatives, zeros and infinities.
    fa = [-7, 7, -7, 7, 5.5, -0.0, 0, 1, -1, INF, -INF, NAN, 3, -3.5, 2.5]
    fb = [3, -3, -3, 3, 0, 2, 0, 0, 0, 2, 3, 1, INF, 0.5, -INF]
    ia = [-7, 7, -7, 7, 0, 5, -5, 9, -9, 100]
    ib = [3, -3, -3, 3, 4, -1, -1, 2, 2, -7]
    for op in ["div", "div_trunc", "div_floor", "remainder", "fmod", "floor_divide"]:
        for dt in [torch.float32, torch.float64]:
            a, b = torch.tensor(fa, dtype=dt), torch.tensor(fb, dtype=dt)
            cases.add(f"divmode_{op}_{dn(dt)}", [a, b], [binary_fn(op)(a, b)])
        for dt in [torch.int64, torch.int32, torch.int8]:
            a, b = torch.tensor(ia, dtype=dt), torch.tensor(ib, dtype=dt)
            cases.add(f"divmode_{op}_{dn(dt)}", [a, b], [binary_fn(op)(a, b)])


# Python numbers for tensor-scalar cases; the C++ side has the same table.
SCALARS = {"int": 3, "float": 2.5, "bool": True, "neg": -2, "big": 1000}
SCALAR_OPS = {"add": torch.add, "mul": torch.mul, "div": torch.div,
              "rsub": lambda t, s: s - t, "rdiv": lambda t, s: s / t}


def gen_promotion(cases):
    for d1 in ALL:
        for d2 in ALL:
            a = rand([2, 3], d1, 0, 5)
            b = rand([3], d2, 0, 5)
            cases.add(f"promote_add_{dn(d1)}_{dn(d2)}", [a, b], [a + b])
    for d in ALL:
        for sname, s in SCALARS.items():
            for oname, fn in SCALAR_OPS.items():
                if oname == "rsub" and (d == torch.bool or sname == "bool"):
                    continue  # bool subtraction is an error (tested in the unit tests)
                x = rand([5], d, 1, 5)  # no zero: rdiv of integers is true division anyway
                cases.add(f"scalar_{oname}_{dn(d)}_{sname}", [x], [fn(x, s)])
    # dim > 0 tensor with a 0-dim tensor, and two 0-dim tensors.
    pairs = [(torch.float32, torch.float64), (torch.int64, torch.float64),
             (torch.int8, torch.int64), (torch.uint8, torch.int8), (torch.float16, torch.float32),
             (torch.bool, torch.int64), (torch.int32, torch.float16),
             (torch.bfloat16, torch.float64), (torch.bool, torch.float64),
             (torch.float16, torch.bfloat16)]
    for d1, d2 in pairs:
        a, b = rand([4], d1, 0, 5), rand([], d2, 1, 5)
        cases.add(f"zerodim_add_{dn(d1)}_{dn(d2)}", [a, b], [a + b])
        cases.add(f"zerodim_mul_{dn(d2)}_{dn(d1)}", [b, a], [b * a])
        a0 = rand([], d1, 0, 5)
        cases.add(f"zerodim_both_{dn(d1)}_{dn(d2)}", [a0, b], [a0 + b])


CMP = ["eq", "ne", "lt", "le", "gt", "ge"]
CMP_DTYPES = [torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.int8,
              torch.bool, torch.float16, torch.bfloat16]


def gen_compare(cases):
    for op in CMP:
        fn = getattr(torch, op)
        for dt in CMP_DTYPES:
            a, b = rand([3, 1, 4], dt, 0, 3), rand([4], dt, 0, 3)  # small range: many ties
            if dt.is_floating_point:
                a[0, 0, :2] = torch.tensor([NAN, INF])
                b[:2] = torch.tensor([NAN, INF])
            cases.add(f"cmp_{op}_{dn(dt)}", [a, b], [fn(a, b)])
        for dt in [torch.int64, torch.uint8, torch.float32, torch.int8]:
            x = rand([10], dt, -5, 5)
            cases.add(f"cmpscalar_{op}_{dn(dt)}_float", [x], [fn(x, 2.5)])
            cases.add(f"cmpscalar_{op}_{dn(dt)}_int", [x], [fn(x, 2)])
            cases.add(f"cmpscalar_{op}_{dn(dt)}_neg", [x], [fn(x, -1)])
    for op in ["logical_and", "logical_or", "logical_xor"]:
        fn = getattr(torch, op)
        for dt in [torch.bool, torch.float32, torch.int64, torch.uint8, torch.float16]:
            a, b = rand([3, 1], dt, -1, 1), rand([4], dt, -1, 1)
            cases.add(f"logical_{op}_{dn(dt)}", [a, b], [fn(a, b)])
        a, b = rand([6], torch.float32, -1, 1), rand([6], torch.int64, -1, 1)
        cases.add(f"logical_{op}_mixed", [a, b], [fn(a, b)])
    for op in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        fn = getattr(torch, op)
        for dt in [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]:
            a, b = rand([3, 1], dt, -100, 200), rand([5], dt, -100, 200)
            cases.add(f"bitwise_{op}_{dn(dt)}", [a, b], [fn(a, b)])
        x = rand([5], torch.int32, -100, 100)
        cases.add(f"bitwise_{op}_int32_scalar", [x], [fn(x, 6)])
    for dt in [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]:
        x = rand([7], dt, -100, 200)
        cases.add(f"bitwise_not_{dn(dt)}", [x], [torch.bitwise_not(x)])


# (rtol, atol, equal_nan) for isclose/allclose, by index.
CLOSE_CONFIGS = [(1e-5, 1e-8, False), (1e-5, 1e-8, True), (0.1, 0.0, False), (0.0, 0.5, False),
                 (0.0, 0.0, False), (1e-3, 1e-3, True)]


def gen_close(cases):
    for dt in [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64,
               torch.int32, torch.bool]:
        a = rand([4, 6], dt, -3, 3)
        if dt.is_floating_point:
            noise = torch.tensor([0, 1e-9, 1e-6, 1e-4, 1e-2, 0.3], dtype=torch.float64)
            b = (a.double() + noise * a.double()).to(dt)
            a[0, :3] = torch.tensor([NAN, INF, -INF])
            b[0, :3] = torch.tensor([NAN, INF, INF])
        else:
            b = (a.long() + torch.randint(-1, 2, [4, 6])).to(dt) if dt != torch.bool else \
                rand([4, 6], dt)
        for k, (rtol, atol, en) in enumerate(CLOSE_CONFIGS):
            cases.add(f"isclose_{dn(dt)}_{k}", [a, b],
                      [torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=en)])
    for k, (rtol, atol, en) in enumerate(CLOSE_CONFIGS):
        a = torch.tensor([1.0, 2.0, NAN, 100.0]).view(1, 4).expand(2, 4)
        b = torch.tensor([1.0, 2.00001, NAN, 100.05])
        cases.add(f"allclose_{k}", [a, b],
                  [torch.tensor(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=en))])
    eq_pairs = {
        "same": (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])),
        "differ": (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0])),
        "nan": (torch.tensor([NAN]), torch.tensor([NAN])),
        "shape": (torch.ones(2), torch.ones(2, 1)),
        "dtype": (torch.ones(3), torch.ones(3, dtype=torch.int64)),
        "int": (torch.arange(5), torch.arange(5)),
    }
    for name, (a, b) in eq_pairs.items():
        cases.add(f"equal_{name}", [a, b], [torch.tensor(torch.equal(a, b))])


def gen_select(cases):
    for dt in ALL:
        c = torch.rand(3, 1, 4) > 0.5
        a, b = rand([4], dt, -5, 5), rand([3, 4], dt, -5, 5)
        cases.add(f"where_{dn(dt)}", [c, a, b], [torch.where(c, a, b)])
    c = torch.rand(6) > 0.5
    x32, xu8, xi8 = rand([6], torch.int32, -5, 5), rand([6], torch.uint8, 0, 9), \
        rand([6], torch.int8, -5, 5)
    cases.add("where_mixed_int32_float", [c, x32], [torch.where(c, x32, 2.5)])
    cases.add("where_mixed_float_int32", [c, x32], [torch.where(c, 2.5, x32)])
    cases.add("where_scalars_int_float", [c], [torch.where(c, 1, 2.5)])
    cases.add("where_scalars_int_int", [c], [torch.where(c, 1, 2)])
    cases.add("where_u8_i8", [c, xu8, xi8], [torch.where(c, xu8, xi8)])
    cases.add("where_f32_f64zerodim", [c, x32.float(), torch.tensor(7.5, dtype=torch.float64)],
              [torch.where(c, x32.float(), torch.tensor(7.5, dtype=torch.float64))])

    # clamp with scalar bounds, per dtype: (min, max) = (2, 5); min only; max only; min > max
    for dt in [torch.float32, torch.float64, torch.int64, torch.int32, torch.int16, torch.uint8,
               torch.int8, torch.float16, torch.bfloat16]:
        x = rand([3, 5], dt, -2, 9)
        f = (lambda fn: via_float(fn, dt, x)) if dt in HALVES else (lambda fn: fn(x))
        cases.add(f"clamp_both_{dn(dt)}", [x], [f(lambda t: torch.clamp(t, 2, 5))])
        cases.add(f"clamp_min_{dn(dt)}", [x], [f(lambda t: torch.clamp(t, min=2))])
        cases.add(f"clamp_max_{dn(dt)}", [x], [f(lambda t: torch.clamp(t, max=5))])
        cases.add(f"clamp_inv_{dn(dt)}", [x], [f(lambda t: torch.clamp(t, 5, 2))])
        lo, hi = rand([5], dt, -2, 3), rand([3, 1], dt, 4, 9)
        if dt in HALVES:
            ref = torch.clamp(x.float(), lo.float(), hi.float()).to(dt)
        else:
            ref = torch.clamp(x, lo, hi)
        cases.add(f"clamp_tensor_{dn(dt)}", [x, lo, hi], [ref])
    x = torch.tensor([1.0, 5.0, NAN, -2.0, INF, -INF])
    cases.add("clamp_nan_float32", [x], [torch.clamp(x, 0, 2)])
    cases.add("clamp_nanmin_float32", [x], [torch.clamp(x, min=NAN)])
    cases.add("clamp_nanboth_float32", [x], [torch.clamp(x, 0, NAN)])
    lo = torch.tensor([NAN, 0, 0, 0, 0, 0])
    cases.add("clamp_tensor_nanbound_float32", [x, lo],
              [torch.clamp(x, lo, torch.full([6], 2.0))])
    cases.add("clamp_tensor_minonly_float32", [x, lo], [torch.clamp(x, min=lo)])
    xi = rand([6], torch.int64, -5, 5)
    cases.add("clamp_floatbounds_int64", [xi], [torch.clamp(xi, 0.5, 3.5)])
    cases.add("clamp_min_float_int32", [xi.int()], [torch.clamp_min(xi.int(), 0.5)])
    cases.add("clamp_max_float_int32", [xi.int()], [torch.clamp_max(xi.int(), 2.5)])
    cases.add("clamp_bool_intbounds", [xi > 0], [torch.clamp(xi > 0, 0, 1)])
    cases.add("clamp_uint8_wrapmin", [xu8], [torch.clamp(xu8, -1)])

    # masked_fill: mask broadcast over x; value 1 (True for bool).
    for dt in ALL:
        x = rand([3, 4], dt, -5, 5)
        m = torch.rand(4) > 0.5
        v = True if dt == torch.bool else 1
        cases.add(f"masked_fill_{dn(dt)}", [x, m], [x.masked_fill(m, v)])
    x = rand([4], torch.float32)
    m = torch.rand(3, 4) > 0.5
    cases.add("masked_fill_bcast", [x, m], [x.masked_fill(m, -3.5)])
    cases.add("masked_fill_float_into_int", [x32, c], [x32.masked_fill(c, 2.7)])
    cases.add("masked_fill_nan", [x, m[0]], [x.masked_fill(m[0], NAN)])
    cases.add("masked_fill_neg_uint8", [xu8, c], [xu8.masked_fill(c, -1)])
    cases.add("masked_fill_tensorvalue", [x, m[0], torch.tensor(4.25)],
              [x.masked_fill(m[0], torch.tensor(4.25))])


LERP_WEIGHTS = [0.3, 0.7, 2, -0.5]
POW_EXPONENTS = [0, 1, 0.5, 2, 3, -0.5, -1, -2, 1.7, -3.3]
POW_INT_EXPONENTS = [0, 1, 2, 3, 5]


def gen_misc(cases):
    for dt in [torch.float32, torch.float64, torch.bfloat16, torch.float16]:
        a, b = rand([3, 4], dt), rand([4], dt)
        for k, w in enumerate(LERP_WEIGHTS):
            ref = via_float(lambda s, e: torch.lerp(s, e, w), dt, a, b) if dt == torch.float16 \
                else torch.lerp(a, b, w)
            cases.add(f"lerp_scalar_{dn(dt)}_{k}", [a, b], [ref])
        w = rand([3, 1], dt, -1, 2)
        ref = torch.lerp(a.float(), b.float(), w.float()).to(dt) if dt == torch.float16 \
            else torch.lerp(a, b, w)
        cases.add(f"lerp_tensor_{dn(dt)}", [a, b, w], [ref])
    for dt in [torch.float32, torch.float64]:
        x = torch.cat([rand([20], dt, -3, 5), torch.tensor([0, -0.0, INF, -INF, NAN], dtype=dt)])
        for k, e in enumerate(POW_EXPONENTS):
            cases.add(f"pow_scalar_{dn(dt)}_{k}", [x], [torch.pow(x, e)])
    for dt in [torch.int64, torch.int32, torch.uint8, torch.int8]:
        x = rand([12], dt, -6, 6)
        for k, e in enumerate(POW_INT_EXPONENTS):
            cases.add(f"pow_scalar_{dn(dt)}_{k}", [x], [torch.pow(x, e)])
        cases.add(f"pow_scalarfloat_{dn(dt)}", [x], [torch.pow(x, 1.5)])
        cases.add(f"rpow_int_{dn(dt)}", [x.abs()], [torch.pow(2, x.abs())])
    x = rand([8], torch.float32, -3, 3)
    cases.add("rpow_float_float32", [x], [torch.pow(2.5, x)])
    cases.add("rpow_one_float32", [x], [torch.pow(1, x)])
    cases.add("rpow_float_int64", [x.long()], [torch.pow(2.5, x.long())])


def gen_layout(cases):
    """Strided inputs: both sides apply the same transform to the saved contiguous base."""
    t = rand([4, 3], torch.float32)  # .t() -> [3, 4]
    y = rand([3, 4], torch.float32)
    s = rand([4, 6], torch.float32)  # [:, ::2] -> [4, 3]
    y43 = rand([4, 3], torch.float32)
    cl = rand([2, 3, 4, 5], torch.float32)  # channels_last
    cl2 = rand([2, 3, 4, 5], torch.float32)
    bias = rand([3, 1, 1], torch.float32)
    cond = torch.rand(4, 3) > 0.5
    e = rand([3, 1], torch.float32)  # expand -> [3, 4]

    def clf(x):
        return x.contiguous(memory_format=torch.channels_last)

    L = {
        "add_t": ([t, y], lambda a, b: a.t() + b),
        "add_tt": ([t, t], lambda a, b: a.t() + b.t()),
        "add_t_rhs": ([y, t], lambda a, b: a + b.t()),
        "mul_step": ([s, y43], lambda a, b: a[:, ::2] * b),
        "exp_step": ([s], lambda a: a[:, ::2].exp()),
        "sin_t": ([t], lambda a: a.t().sin()),
        "add_cl": ([cl, cl2], lambda a, b: clf(a) + b),
        "add_cl_rhs": ([cl, cl2], lambda a, b: a + clf(b)),
        "add_cl_cl": ([cl, cl2], lambda a, b: clf(a) + clf(b)),
        "add_cl_bias": ([cl, bias], lambda a, b: clf(a) + b),
        "div_cl_scalar": ([cl], lambda a: clf(a) / 2),
        "sin_cl": ([cl], lambda a: clf(a).sin()),
        "sigmoid_cl": ([cl], lambda a: clf(a).sigmoid()),
        "gt_cl": ([cl], lambda a: clf(a) > 0),
        "clamp_cl": ([cl], lambda a: clf(a).clamp(-1, 1)),
        "where_t": ([cond, t, y], lambda c, a, b: torch.where(c.t(), a.t(), b)),
        "where_cl": ([cl, cl2], lambda a, b: torch.where(clf(a) > 0, clf(a), b)),
        "masked_fill_t": ([t, cond], lambda a, c: a.t().masked_fill(c.t(), 0.5)),
        "lerp_cl": ([cl, cl2], lambda a, b: torch.lerp(clf(a), clf(b), 0.25)),
        "neg_expand": ([e], lambda a: a.expand(3, 4).neg()),
        "add_expand": ([e, y], lambda a, b: a.expand(3, 4) + b),
        "inplace_add_t": ([t, y], lambda a, b: a.t().clone().add_(b)),
        "inplace_mul_cl": ([cl, cl2], lambda a, b: clf(a).mul_(b)),
        "inplace_sqrt_t": ([t], lambda a: a.t().abs().sqrt_()),
    }
    for name, (ins, fn) in L.items():
        cases.add(f"layout_{name}", ins, [fn(*ins)], strides=True)


def gen_inplace(cases):
    x, y = rand([3, 4], torch.float32), rand([4], torch.float32, 0.5, 3)
    ops = {
        "add_": lambda a, b: a.add_(b), "sub_": lambda a, b: a.sub_(b, alpha=2),
        "mul_": lambda a, b: a.mul_(b), "div_": lambda a, b: a.div_(b),
        "div_floor_": lambda a, b: a.div_(b, rounding_mode="floor"),
        "pow_": lambda a, b: a.abs().pow_(2.5),
        "clamp_": lambda a, b: a.clamp_(-1, 1),
        "masked_fill_": lambda a, b: a.masked_fill_(b > 1, 9),
        "sqrt_": lambda a, b: a.abs().sqrt_(), "neg_": lambda a, b: a.neg_(),
        "relu_": lambda a, b: a.relu_(), "sigmoid_": lambda a, b: a.sigmoid_(),
        "tanh_": lambda a, b: a.tanh_(), "exp_": lambda a, b: a.exp_(),
        "abs_": lambda a, b: a.abs_(),
    }
    for name, fn in ops.items():
        cases.add(f"inplace_{name}", [x, y], [fn(x.clone(), y)])
    cases.add("inplace_add_f32_f64", [x, y.double()], [x.clone().add_(y.double())])
    xi = rand([3, 4], torch.int64, -9, 9)
    cases.add("inplace_add_i64_i8", [xi, y.to(torch.int8)], [xi.clone().add_(y.to(torch.int8))])
    cases.add("inplace_alias_add", [x], [x.clone().add_(x)])
    cases.add("inplace_alias_mul", [x], [x.clone().mul_(x)])
    cases.add("inplace_int_div_floor", [xi], [xi.clone().div_(4, rounding_mode="floor")])


def generate(cases):
    gen_unary(cases)
    gen_binary(cases)
    gen_promotion(cases)
    gen_compare(cases)
    gen_close(cases)
    gen_select(cases)
    gen_misc(cases)
    gen_layout(cases)
    gen_inplace(cases)
