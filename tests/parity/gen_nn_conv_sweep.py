"""Seeded random convolution configurations against PyTorch
(tests/parity/nn_conv_sweep_test.cpp): conv1d/2d/3d and conv_transpose1d/2d/3d,
forward and input, weight and bias gradients, with strides, padding (also
"same"), dilation, output_padding, groups, no bias, and NCHW / channels_last
inputs and weights, on channel counts that take each of ember's kernels.

Each case's inputs: x, w, b (empty: no bias), gy and the parameters (int64):
nd, transposed, same, stride[3], padding[3], dilation[3], output_padding[3],
groups, x_channels_last, w_channels_last (unused dims hold 0).
Outputs: y (with PyTorch's strides), x's, w's and (with a bias) b's gradients."""
import random
import warnings

import torch
import torch.nn.functional as F

CASES = 120


def cl_of(nd):
    return torch.channels_last if nd == 2 else torch.channels_last_3d


def pad3(v):
    return list(v) + [0] * (3 - len(v))


def generate(cases):
    # 'same' with an even kernel: PyTorch warns that it pads a copy (ember too)
    warnings.filterwarnings("ignore", message="Using padding='same'")
    rng = random.Random(7)
    made = 0
    while made < CASES:
        nd = rng.choice((1, 2, 2, 2, 3))
        transposed = rng.random() < 0.35
        c, oc = rng.choice((1, 2, 3, 4, 8, 16, 17, 32)), rng.choice((1, 3, 8, 16, 32))
        groups = rng.choice((2, 4)) if rng.random() < 0.2 else 1
        if c % groups or oc % groups:
            groups = 1
        top = {1: 24, 2: 16, 3: 6}[nd]
        k = [rng.randint(1, 4 if nd < 3 else 3) for _ in range(nd)]
        stride = [rng.choice((1, 1, 2, 3)) for _ in range(nd)]
        dil = [rng.choice((1, 1, 2)) for _ in range(nd)]
        pad = [rng.randint(0, 2) for _ in range(nd)]
        same = not transposed and all(s == 1 for s in stride) and rng.random() < 0.3
        outpad = [rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dil)] if transposed else [0] * nd
        xs = [rng.choice((1, 2)), c] + [rng.randint(1, top) for _ in range(nd)]
        ws = [c, oc // groups] + k if transposed else [oc, c // groups] + k
        bias = rng.random() < 0.7
        x_cl = nd > 1 and rng.random() < 0.5
        w_cl = nd > 1 and rng.random() < 0.5
        x, w = torch.randn(*xs), torch.randn(*ws)
        b = torch.randn(ws[1] * groups if transposed else oc) if bias else torch.zeros(0)
        xr, wr = x.clone(), w.clone()
        if x_cl:
            xr = xr.contiguous(memory_format=cl_of(nd))
        if w_cl:
            wr = wr.contiguous(memory_format=cl_of(nd))
        xr.requires_grad_(True)
        wr.requires_grad_(True)
        br = b.clone().requires_grad_(True) if bias else None
        try:
            if transposed:
                fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]
                y = fn(xr, wr, br, stride, pad, outpad, groups, dil)
            else:
                fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
                y = fn(xr, wr, br, stride, "same" if same else pad, dil, groups)
        except RuntimeError:  # input smaller than the kernel, output too small
            continue
        if y.numel() == 0:
            continue
        gy = torch.randn(*y.shape)
        y.backward(gy)
        params = [nd, int(transposed), int(same)] + pad3(stride) + pad3(pad) + pad3(dil) + pad3(outpad) + \
            [groups, int(x_cl), int(w_cl)]
        outs = [y.detach(), xr.grad, wr.grad] + ([br.grad] if bias else [])
        cases.add(f"sweep{made:03d}", [x, w, b, gy, torch.tensor(params, dtype=torch.int64)], outs)
        cases.add(f"sweep{made:03d}_strides", [x, w, b, gy, torch.tensor(params, dtype=torch.int64)],
                  [y.detach()], strides=True)
        made += 1
