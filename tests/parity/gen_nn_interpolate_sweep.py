"""Seeded random F.interpolate configurations against PyTorch
(tests/parity/nn_interpolate_sweep_test.cpp): every mode (nearest,
nearest-exact, linear, bilinear, bicubic, trilinear, area) with sizes or
scale factors (one number or one per dim, up and down, with and without
recompute_scale_factor), align_corners, NCHW / channels_last inputs and
channel counts with and without a whole vector; forward and backward.

Each case's inputs: x (contiguous), gy, the parameters (int64: mode, by_size,
size[3], align_corners (-1: None), recompute_scale_factor (-1: None),
channels_last, scalar (one size or scale for every dim)) and the scale
factors (float64[3]). Outputs: y (with PyTorch's strides) and x's gradient."""
import random

import torch
import torch.nn.functional as F

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
NDS = {"linear": (1,), "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}
CASES = 100


def generate(cases):
    rng = random.Random(11)
    made = 0
    while made < CASES:
        mode_i = rng.randrange(len(MODES))
        mode = MODES[mode_i]
        nd = rng.choice(NDS.get(mode, (1, 2, 3)))
        top = {1: 12, 2: 9, 3: 5}[nd]
        xs = [rng.choice((1, 2)), rng.choice((1, 3, 16, 37))] + [rng.randint(1, top) for _ in range(nd)]
        by_size = rng.random() < 0.5
        scalar = rng.random() < 0.4
        sizes = [rng.randint(1, 2 * top) for _ in range(nd)]
        scales = [rng.choice((0.5, 0.75, 1.0, 1.3, 1.7, 2.0, 2.5, 3.0)) for _ in range(nd)]
        if scalar:
            sizes, scales = [sizes[0]] * nd, [scales[0]] * nd
        linear = mode in ("linear", "bilinear", "bicubic", "trilinear")
        ac = rng.choice((-1, 0, 1)) if linear else -1
        rsf = rng.choice((-1, -1, 0, 1)) if not by_size else -1
        cl = nd > 1 and rng.random() < 0.5
        kw = {"mode": mode}
        if by_size:
            kw["size"] = sizes[0] if scalar else tuple(sizes)
        else:
            kw["scale_factor"] = scales[0] if scalar else tuple(scales)
            if rsf >= 0:
                kw["recompute_scale_factor"] = bool(rsf)
        if ac >= 0:
            kw["align_corners"] = bool(ac)
        x = torch.randn(*xs)
        xr = x.clone()
        if cl:
            xr = xr.contiguous(memory_format=torch.channels_last if nd == 2 else torch.channels_last_3d)
        xr.requires_grad_(True)
        try:
            y = F.interpolate(xr, **kw)
        except (RuntimeError, ValueError):  # an output of size 0
            continue
        if y.numel() == 0:
            continue
        gy = torch.randn(*y.shape)
        y.backward(gy)
        params = [mode_i, int(by_size)] + sizes + [0] * (3 - nd) + [ac, rsf, int(cl), int(scalar)]
        ins = [x, gy, torch.tensor(params, dtype=torch.int64),
               torch.tensor(scales + [0.0] * (3 - nd), dtype=torch.float64)]
        cases.add(f"sweep{made:03d}", ins, [y.detach(), xr.grad])
        # torch 1.13's adaptive_avg_pool3d (area) returns contiguous outputs for
        # channels_last_3d inputs; ember keeps the layout (gen_nn_pool3d.py too)
        if not (mode == "area" and nd == 3 and cl):
            cases.add(f"sweep{made:03d}_strides", ins, [y.detach()], strides=True)
        made += 1
