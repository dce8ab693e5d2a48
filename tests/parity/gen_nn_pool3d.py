"""3-D pooling parity (tests/parity/nn_pool3d_test.cpp): max/avg/adaptive
pooling forward and backward on NCDHW and channels_last_3d inputs (few and
many channels), int64 average pooling, indices, AdaptiveMaxPool1d, module reprs and error messages.

Each pool case's inputs: x (contiguous base), gy, and [channels_last_3d]."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_nn_module import error  # noqa: E402


POOLS = {
    "max": lambda x: F.max_pool3d(x, (3, 2, 2), (2, 1, 2), (1, 1, 0), (1, 2, 1)),
    "max_ceil": lambda x: F.max_pool3d(x, 3, 2, 1, ceil_mode=True),
    "avg": lambda x: F.avg_pool3d(x, (3, 2, 2), (2, 1, 2), (1, 1, 0)),
    "avg_excl_ceil": lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "avg_divisor": lambda x: F.avg_pool3d(x, 2, 1, 0, divisor_override=3),
    "adaptive_avg": lambda x: F.adaptive_avg_pool3d(x, (3, 4, 2)),
    "adaptive_avg_1": lambda x: F.adaptive_avg_pool3d(x, 1),
    "adaptive_max": lambda x: F.adaptive_max_pool3d(x, (2, 3, 4)),
}
SHAPES = {"": (2, 3, 5, 7, 6), "_wide": (1, 40, 4, 5, 3)}


def pool_case(cases, name, fn, xs, cl):
    x = torch.randperm(torch.Size(xs).numel()).float().div(10).view(*xs)
    xr = x.clone()
    if cl:
        xr = xr.to(memory_format=torch.channels_last_3d)
    xr.requires_grad_(True)
    y = fn(xr)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    cases.add(name, [x, gy, torch.tensor([int(cl)])], [y.detach(), xr.grad])
    if not cl:  # torch 1.13 returns contiguous outputs for channels_last_3d inputs; ember keeps them
        cases.add(name + "_strides", [x, gy, torch.tensor([int(cl)])], [y.detach()], strides=True)


def generate(cases):
    for name, fn in POOLS.items():
        for sfx, xs in SHAPES.items():
            for cl in (False, True):
                pool_case(cases, f"pool3d_{name}{sfx}_cl{int(cl)}", fn, xs, cl)
    x = torch.randn(2, 3, 4, 6, 5)
    _, idx = F.max_pool3d(x, 2, return_indices=True)
    cases.add("max_indices", [x], [idx])
    _, idx = F.max_pool3d(x, (2, 3, 2), 1, 1, 2, return_indices=True, ceil_mode=True)
    cases.add("max_indices_dilated", [x], [idx])
    y, idx = F.adaptive_max_pool3d(x, (3, 2, 4), return_indices=True)
    cases.add("adaptive_max_indices", [x], [y, idx])
    x1 = torch.randn(2, 3, 11, requires_grad=True)
    y, idx = F.adaptive_max_pool1d(x1, 4, return_indices=True)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    cases.add("adaptive_max1d", [x1.detach(), gy], [y.detach(), idx, x1.grad])
    x4 = torch.randn(3, 4, 5, 6, requires_grad=True)  # unbatched
    y = F.max_pool3d(x4, 2, 1) + F.avg_pool3d(x4, 2, 1)
    y.backward(torch.ones_like(y))
    cases.add("unbatched", [x4.detach()], [y.detach(), x4.grad])

    xi = torch.randint(-50, 50, (2, 3, 4, 5, 6))  # int64 average pooling: truncating division
    cases.add("avg3d_int64", [xi], [F.avg_pool3d(xi, 2, 1, 1), F.avg_pool3d(xi, 3, 2, 1, count_include_pad=False)])
    cases.add("avg2d_int64", [xi[0]], [F.avg_pool2d(xi[0], 2, 1, 1), F.avg_pool2d(xi[0], 3, 2, 1, ceil_mode=True)])

    reprs = {
        "repr_max": nn.MaxPool3d(2),
        "repr_max_full": nn.MaxPool3d((2, 1, 3), stride=(1, 2, 1), padding=1, dilation=2, return_indices=True,
                                      ceil_mode=True),
        "repr_avg": nn.AvgPool3d(2),
        "repr_avg_full": nn.AvgPool3d((2, 1, 2), stride=1, padding=1, ceil_mode=True, count_include_pad=False,
                                      divisor_override=3),
        "repr_adaptive_avg": nn.AdaptiveAvgPool3d((1, 2, 3)),
        "repr_adaptive_avg_int": nn.AdaptiveAvgPool3d(4),
        "repr_adaptive_max": nn.AdaptiveMaxPool3d(2),
        "repr_adaptive_max1d": nn.AdaptiveMaxPool1d(3, return_indices=True),
    }
    for k, m in reprs.items():
        cases.text(k, repr(m))

    o = torch.ones
    errs = {
        "err_max_kernel": lambda: F.max_pool3d(o(1, 2, 4, 4, 4), [2, 2]),
        "err_max_stride": lambda: F.max_pool3d(o(1, 2, 4, 4, 4), 2, [1, 1]),
        "err_max_rank": lambda: F.max_pool3d(o(2, 3, 4), 2),
        "err_max_pad": lambda: F.max_pool3d(o(1, 2, 4, 4, 4), 2, 1, 2),
        "err_max_small": lambda: F.max_pool3d(o(1, 2, 2, 2, 2), 3),
        "err_max_stride0": lambda: F.max_pool3d(o(1, 2, 4, 4, 4), 2, 0),
        "err_max_dilation0": lambda: F.max_pool3d(o(1, 2, 4, 4, 4), 2, 1, 0, 0),
        "err_max_empty": lambda: F.max_pool3d(o(1, 0, 4, 4, 4), 2),
        "err_avg_kernel": lambda: F.avg_pool3d(o(1, 2, 4, 4, 4), [2, 2]),
        "err_avg_rank": lambda: F.avg_pool3d(o(2, 3, 4), 2),
        "err_avg_divisor": lambda: F.avg_pool3d(o(1, 2, 4, 4, 4), 2, divisor_override=0),
        "err_avg_small": lambda: F.avg_pool3d(o(1, 2, 2, 2, 2), 3),
        "err_avg_pad": lambda: F.avg_pool3d(o(1, 2, 4, 4, 4), 2, 1, 2),
        "err_adaptive_avg_rank": lambda: F.adaptive_avg_pool3d(o(2, 3, 4), 2),
        "err_adaptive_avg_size": lambda: F.adaptive_avg_pool3d(o(1, 2, 4, 4, 4), [2, 2]),
        "err_adaptive_avg_empty": lambda: F.adaptive_avg_pool3d(o(1, 2, 0, 4, 4), 2),
        "err_adaptive_avg_negative": lambda: F.adaptive_avg_pool3d(o(1, 2, 4, 4, 4), -1),
        "err_adaptive_max_rank": lambda: F.adaptive_max_pool3d(o(2, 3, 4), 2),
        "err_adaptive_max_size": lambda: F.adaptive_max_pool3d(o(1, 2, 4, 4, 4), [2, 2]),
        "err_adaptive_max1d_rank": lambda: F.adaptive_max_pool1d(o(2, 3, 4, 5), 2),
    }
    for k, f in errs.items():
        cases.text(k, error(f))
