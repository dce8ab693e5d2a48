"""Parity references for mm, bmm, matmul, addmm, baddbmm, mv, dot and linear.

Inputs are saved contiguous; a case that tests a transposed operand applies the
same .t()/.transpose() on both sides (here and in linalg_test.cpp).
PyTorch 1.13 has no float16 matrix products on the CPU: their references are
computed in float32 and rounded once, which is what ember (and PyTorch 2's CPU
kernels) do. bfloat16 references are PyTorch's own.
"""
import torch
import torch.nn.functional as F


def rnd(*shape, dtype=torch.float32):
    if dtype in (torch.int64, torch.int32):
        return torch.randint(-9, 10, shape, dtype=dtype)
    return torch.randn(*shape, dtype=torch.float32).to(dtype)


def half_ref(fn, *ins):
    """fn applied in float32, rounded to float16 once."""
    return fn(*[t.float() for t in ins]).half()


def generate(cases):
    # ---- mm: dtypes, shapes through each BLAS path (gemm, gemv both ways, dot)
    for name, dt in [("f32", torch.float32), ("f64", torch.float64), ("bf16", torch.bfloat16),
                     ("i64", torch.int64), ("i32", torch.int32)]:
        a, b = rnd(17, 33, dtype=dt), rnd(33, 9, dtype=dt)
        cases.add(f"mm_{name}", [a, b], torch.mm(a, b))
    a, b = rnd(17, 33, dtype=torch.float16), rnd(33, 9, dtype=torch.float16)
    cases.add("mm_f16", [a, b], half_ref(torch.mm, a, b))
    a, b = rnd(128, 784), rnd(784, 100)
    cases.add("mm_large_f32", [a, b], torch.mm(a, b))
    a, b = rnd(300, 270, dtype=torch.int64), rnd(270, 40, dtype=torch.int64)
    cases.add("mm_large_i64", [a, b], torch.mm(a, b))
    a, b = rnd(20, 30), rnd(30, 1)
    cases.add("mm_n1", [a, b], torch.mm(a, b))
    a, b = rnd(1, 30), rnd(30, 20)
    cases.add("mm_m1", [a, b], torch.mm(a, b))
    a, b = rnd(1, 30), rnd(30, 1)
    cases.add("mm_m1n1", [a, b], torch.mm(a, b))
    # transposed operands: the bases are contiguous, both sides take .t()
    a, b = rnd(33, 17), rnd(9, 33)
    b2 = rnd(33, 9)
    cases.add("mm_t_left", [a, b2], torch.mm(a.t(), b2))
    a2 = rnd(17, 33)
    cases.add("mm_t_right", [a2, b], torch.mm(a2, b.t()))
    cases.add("mm_t_both", [a, b], torch.mm(a.t(), b.t()))
    a, b = rnd(33, 17, dtype=torch.float64), rnd(1, 33, dtype=torch.float64)
    cases.add("mm_t_gemv_f64", [a, b], torch.mm(b, a))  # (1x33) @ (33x17)
    cases.add("mm_t_gemv2_f64", [a, b], torch.mm(a.t(), b.t()))  # (17x33) col-major @ (33x1)
    a, b = rnd(33, 17, dtype=torch.int64), rnd(9, 33, dtype=torch.int64)
    cases.add("mm_t_both_i64", [a, b], torch.mm(a.t(), b.t()))
    # every other column: no unit stride in either dim
    a, b = rnd(17, 66), rnd(33, 9)
    cases.add("mm_strided", [a, b], torch.mm(a[:, ::2], b))

    # ---- bmm
    a, b = rnd(6, 5, 7), rnd(6, 7, 4)
    cases.add("bmm_f32", [a, b], torch.bmm(a, b))
    a, b = rnd(6, 5, 7, dtype=torch.float64), rnd(6, 4, 7, dtype=torch.float64)
    cases.add("bmm_t_f64", [a, b], torch.bmm(a, b.transpose(1, 2)))
    a, b = rnd(64, 3, 8, dtype=torch.int64), rnd(64, 8, 3, dtype=torch.int64)
    cases.add("bmm_i64", [a, b], torch.bmm(a, b))
    a, b = rnd(4, 5, 9, dtype=torch.bfloat16), rnd(4, 9, 3, dtype=torch.bfloat16)
    cases.add("bmm_bf16", [a, b], torch.bmm(a, b))
    a, b = rnd(4, 5, 9, dtype=torch.float16), rnd(4, 9, 3, dtype=torch.float16)
    cases.add("bmm_f16", [a, b], half_ref(torch.bmm, a, b))
    s, a, b = rnd(5, 1), rnd(3, 5, 7), rnd(3, 7, 4)
    cases.add("baddbmm", [s, a, b], torch.baddbmm(s, a, b, beta=0.5, alpha=2))

    # ---- matmul, every shape case
    shapes = {
        "1d1d": ((7,), (7,)),
        "2d1d": ((5, 7), (7,)),
        "1d2d": ((7,), (7, 4)),
        "2d2d": ((5, 7), (7, 4)),
        "3d1d": ((3, 5, 7), (7,)),
        "3d2d": ((3, 5, 7), (7, 4)),
        "4d2d": ((2, 3, 5, 7), (7, 4)),
        "4d1d": ((2, 3, 5, 7), (7,)),
        "1d3d": ((7,), (3, 7, 4)),
        "1d4d": ((7,), (2, 3, 7, 4)),
        "2d3d": ((5, 7), (3, 7, 4)),
        "3d3d": ((3, 5, 7), (3, 7, 4)),
        "bcast": ((2, 1, 3, 4), (5, 4, 2)),
        "bcast2": ((1, 3, 2), (7, 1, 2, 5)),
        "bcast3": ((4, 1, 5, 7), (1, 3, 7, 2)),
        "empty_k": ((3, 5, 0), (0, 4)),
        "empty_b": ((0, 5, 7), (7, 4)),
    }
    for name, (s1, s2) in shapes.items():
        a, b = rnd(*s1), rnd(*s2)
        cases.add(f"matmul_{name}", [a, b], torch.matmul(a, b))
    for name, dt in [("f64", torch.float64), ("bf16", torch.bfloat16), ("i64", torch.int64)]:
        a, b = rnd(2, 1, 3, 4, dtype=dt), rnd(5, 4, 2, dtype=dt)
        cases.add(f"matmul_bcast_{name}", [a, b], torch.matmul(a, b))
        a, b = rnd(3, 5, 7, dtype=dt), rnd(7, 4, dtype=dt)
        cases.add(f"matmul_3d2d_{name}", [a, b], torch.matmul(a, b))
    a, b = rnd(2, 1, 3, 4, dtype=torch.float16), rnd(5, 4, 2, dtype=torch.float16)
    cases.add("matmul_bcast_f16", [a, b], half_ref(torch.matmul, a, b))
    # left operand that cannot be folded: base (5, 3, 7) seen as (3, 5, 7)
    a, b = rnd(5, 3, 7), rnd(7, 4)
    cases.add("matmul_perm3d2d", [a, b], torch.matmul(a.transpose(0, 1), b))
    # batch of column-major matrices on both sides
    a, b = rnd(3, 7, 5), rnd(3, 4, 7)
    cases.add("matmul_t3d3d", [a, b], torch.matmul(a.transpose(1, 2), b.transpose(1, 2)))

    # ---- addmm
    s, a, b = rnd(5, 4), rnd(5, 9), rnd(9, 4)
    cases.add("addmm", [s, a, b], torch.addmm(s, a, b))
    cases.add("addmm_beta_alpha", [s, a, b], torch.addmm(s, a, b, beta=0.5, alpha=2))
    s1 = rnd(4)
    cases.add("addmm_bcast_self", [s1, a, b], torch.addmm(s1, a, b, beta=-1, alpha=0.25))
    snan = torch.full((5, 4), float("nan"))
    cases.add("addmm_beta0_nan", [snan, a, b], torch.addmm(snan, a, b, beta=0, alpha=3))
    s, a, b = rnd(5, 4, dtype=torch.float64), rnd(5, 9, dtype=torch.float64), rnd(4, 9, dtype=torch.float64)
    cases.add("addmm_t_f64", [s, a, b], torch.addmm(s, a, b.t(), beta=2, alpha=-1.5))
    s, a, b = rnd(5, 4, dtype=torch.int64), rnd(5, 9, dtype=torch.int64), rnd(9, 4, dtype=torch.int64)
    cases.add("addmm_i64", [s, a, b], torch.addmm(s, a, b, beta=2, alpha=3))
    s, a, b = rnd(5, 4, dtype=torch.bfloat16), rnd(5, 9, dtype=torch.bfloat16), rnd(9, 4, dtype=torch.bfloat16)
    cases.add("addmm_bf16", [s, a, b], torch.addmm(s, a, b, beta=0.5, alpha=2))

    # ---- mv, dot
    for name, dt in [("f32", torch.float32), ("f64", torch.float64), ("i64", torch.int64)]:
        m, v = rnd(6, 40, dtype=dt), rnd(40, dtype=dt)
        cases.add(f"mv_{name}", [m, v], torch.mv(m, v))
        x, y = rnd(40, dtype=dt), rnd(40, dtype=dt)
        cases.add(f"dot_{name}", [x, y], torch.dot(x, y))
    m, v = rnd(40, 6), rnd(40)
    cases.add("mv_t", [m, v], torch.mv(m.t(), v))

    # ---- linear: y = x W^T + b
    x, w, bias = rnd(8, 12), rnd(5, 12), rnd(5)
    cases.add("linear_2d", [x, w], F.linear(x, w))
    cases.add("linear_2d_bias", [x, w, bias], F.linear(x, w, bias))
    x3 = rnd(2, 8, 12)
    cases.add("linear_3d", [x3, w], F.linear(x3, w))
    cases.add("linear_3d_bias", [x3, w, bias], F.linear(x3, w, bias))
    xb = rnd(8, 2, 12)  # base; both sides use xb.transpose(0, 1): not contiguous
    cases.add("linear_3d_noncontig_bias", [xb, w, bias], F.linear(xb.transpose(0, 1), w, bias))
    x1 = rnd(12)
    cases.add("linear_1d_bias", [x1, w, bias], F.linear(x1, w, bias))
    x, w, bias = rnd(64, 784), rnd(100, 784), rnd(100)
    cases.add("linear_mnist", [x, w, bias], F.linear(x, w, bias))
    x, w, bias = rnd(2, 8, 12, dtype=torch.float64), rnd(5, 12, dtype=torch.float64), rnd(5, dtype=torch.float64)
    cases.add("linear_3d_bias_f64", [x, w, bias], F.linear(x, w, bias))
    x, w, bias = rnd(8, 12, dtype=torch.bfloat16), rnd(5, 12, dtype=torch.bfloat16), rnd(5, dtype=torch.bfloat16)
    cases.add("linear_bias_bf16", [x, w, bias], F.linear(x, w, bias))
    x, w, bias = rnd(8, 12, dtype=torch.float16), rnd(5, 12, dtype=torch.float16), rnd(5, dtype=torch.float16)
    cases.add("linear_bias_f16", [x, w, bias], half_ref(F.linear, x, w, bias))
