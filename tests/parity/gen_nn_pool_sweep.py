"""Seeded random 2-D pooling configurations against PyTorch
(tests/parity/nn_pool_sweep_test.cpp): max (dilation, ceil_mode, indices),
average (ceil_mode, count_include_pad, divisor_override), adaptive average
and adaptive max, forward and backward, NCHW and channels_last, on channel
counts that fill whole vector blocks, leave some over or have none.

Each case's inputs: x (contiguous), gy and the parameters (int64):
kind, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode, count_include_pad,
divisor_override (0: none), channels_last, oh, ow (adaptive output size).
Outputs: y, x's gradient and, for the max kinds, the indices, each with
PyTorch's strides."""
import random

import torch
import torch.nn.functional as F

MAX, AVG, ADAPTIVE_AVG, ADAPTIVE_MAX = range(4)
CASES = 80


def run(kind, x, p):
    kh, kw, sh, sw, ph, pw, dh, dw, ceil, cip, div, _, oh, ow = p
    if kind == MAX:
        return F.max_pool2d(x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil_mode=bool(ceil),
                            return_indices=True)
    if kind == AVG:
        return F.avg_pool2d(x, (kh, kw), (sh, sw), (ph, pw), ceil_mode=bool(ceil),
                            count_include_pad=bool(cip), divisor_override=div or None), None
    if kind == ADAPTIVE_AVG:
        return F.adaptive_avg_pool2d(x, (oh, ow)), None
    return F.adaptive_max_pool2d(x, (oh, ow), return_indices=True)


def generate(cases):
    rng = random.Random(2026)
    made = 0
    while made < CASES:
        kind = rng.randrange(4)
        n, c = rng.choice((1, 2)), rng.choice((1, 3, 8, 16, 19, 35))
        h, w = rng.randint(1, 13), rng.randint(1, 13)
        kh, kw = rng.randint(1, 4), rng.randint(1, 4)
        p = [kh, kw, rng.randint(1, 3), rng.randint(1, 3), rng.randint(0, kh // 2),
             rng.randint(0, kw // 2), rng.choice((1, 1, 2)) if kind == MAX else 1,
             rng.choice((1, 1, 2)) if kind == MAX else 1, int(rng.random() < 0.4),
             int(rng.random() < 0.6), rng.choice((0, 0, 0, 2, 5)) if kind == AVG else 0,
             int(rng.random() < 0.5), rng.randint(1, h + 2), rng.randint(1, w + 2)]
        # Distinct values: a max with ties may pick either (PyTorch's choice is
        # the first, which ember keeps, but ties are not what this sweeps).
        x = torch.randperm(n * c * h * w).float().div(10).view(n, c, h, w)
        xr = x.clone()
        if p[11]:
            xr = xr.contiguous(memory_format=torch.channels_last)
        xr.requires_grad_(True)
        try:
            y, idx = run(kind, xr, p)
        except RuntimeError:  # output too small, padding past half the kernel
            continue
        if y.numel() == 0:
            continue
        gy = torch.randn(*y.shape)
        y.backward(gy)
        outs = [y.detach(), xr.grad] + ([] if idx is None else [idx])
        cases.add(f"sweep{made:02d}", [x, gy, torch.tensor([kind] + p, dtype=torch.int64)], outs, strides=True)
        made += 1
