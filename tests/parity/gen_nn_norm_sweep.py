"""Seeded random normalisation configurations against PyTorch
(tests/parity/nn_norm_sweep_test.cpp): batch_norm (training, with and
without running statistics, and eval), group_norm, layer_norm (one to all
trailing dims) and instance_norm, with weight and bias, weight alone or
neither, on (N, C) to (N, C, D, H, W) inputs, NCHW or channels_last, and
channel counts with and without a whole vector; forward, backward and the
running statistics after the call.

Each case's inputs: x, gy, weight, bias, running_mean, running_var (empty
where unused), the parameters (int64: kind, affine (0 none, 1 weight, 2
both), running, channels_last, groups, normalized dims) and (momentum, eps)
(float64). Outputs: y, x's gradient, then weight's and bias's gradients and
running_mean / running_var where they are used."""
import random

import torch
import torch.nn.functional as F

BATCH_TRAIN, BATCH_EVAL, GROUP, LAYER, INSTANCE = range(5)
CASES = 100


def generate(cases):
    rng = random.Random(13)
    made = 0
    while made < CASES:
        kind = rng.randrange(5)
        nsp = rng.randint(1 if kind == INSTANCE else 0, 3)
        c = rng.choice((1, 3, 16, 19, 64))
        xs = [rng.choice((1, 2, 4)), c] + [rng.randint(1, 6) for _ in range(nsp)]
        affine = rng.choice((0, 1, 2, 2))
        running = int(kind == BATCH_EVAL or (kind in (BATCH_TRAIN, INSTANCE) and rng.random() < 0.6))
        cl = nsp >= 2 and rng.random() < 0.5
        groups = rng.choice([g for g in (1, 2, 4, c) if c % g == 0]) if kind == GROUP else 0
        ln_dims = rng.randint(1, len(xs) - 1) if kind == LAYER else 0
        momentum, eps = rng.choice((0.1, 0.3)), rng.choice((1e-5, 1e-3))
        pshape = xs[len(xs) - ln_dims:] if kind == LAYER else [c]
        x = torch.randn(*xs) * 2 + 0.5
        w = torch.randn(*pshape) if affine >= 1 else torch.zeros(0)
        b = torch.randn(*pshape) if affine == 2 else torch.zeros(0)
        rm = torch.randn(c) if running else torch.zeros(0)
        rv = torch.rand(c) + 0.5 if running else torch.zeros(0)
        xr = x.clone()
        if cl:
            xr = xr.contiguous(memory_format=torch.channels_last if nsp == 2 else torch.channels_last_3d)
        xr.requires_grad_(True)
        wr = w.clone().requires_grad_(True) if affine >= 1 else None
        br = b.clone().requires_grad_(True) if affine == 2 else None
        rmr, rvr = (rm.clone(), rv.clone()) if running else (None, None)
        try:
            if kind in (BATCH_TRAIN, BATCH_EVAL):
                y = F.batch_norm(xr, rmr, rvr, wr, br, kind == BATCH_TRAIN, momentum, eps)
            elif kind == GROUP:
                y = F.group_norm(xr, groups, wr, br, eps)
            elif kind == LAYER:
                y = F.layer_norm(xr, pshape, wr, br, eps)
            else:
                y = F.instance_norm(xr, rmr, rvr, wr, br, True, momentum, eps)
        except (RuntimeError, ValueError):  # one value per channel or group when training
            continue
        gy = torch.randn(*y.shape)
        y.backward(gy)
        outs = [y.detach(), xr.grad] + ([wr.grad] if wr is not None else []) + \
            ([br.grad] if br is not None else []) + ([rmr, rvr] if running else [])
        params = [kind, affine, running, int(cl), groups, ln_dims]
        cases.add(f"sweep{made:03d}", [x, gy, w, b, rm, rv, torch.tensor(params, dtype=torch.int64),
                                       torch.tensor([momentum, eps], dtype=torch.float64)], outs)
        made += 1
