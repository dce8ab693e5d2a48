"""Convolution and pooling parity (tests/parity/nn_conv_test.cpp): conv1d/2d/3d
forward and input/weight/bias gradients in float32 (conv2d in bfloat16 too) with
NCHW and channels_last inputs and weights, output strides, pooling forward/backward in both memory
formats, and error messages (stored as text).

Each conv case's inputs: x, w, b, gy and an int64 vector
(strides..., paddings..., dilations..., groups, x_channels_last, w_channels_last)."""
import torch
import torch.nn.functional as F

from gen_nn_module import error  # noqa: E402


def conv_fn(nd):
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]


def cl_of(nd):
    return torch.channels_last if nd == 2 else torch.channels_last_3d


def conv_case(cases, name, xs, ws, stride, padding, dilation, groups, x_cl, w_cl,
              dtype=torch.float32):
    nd = len(xs) - 2
    x = torch.randn(*xs).to(dtype)
    w = torch.randn(*ws).to(dtype)
    b = torch.randn(ws[0]).to(dtype)
    xr, wr = x.clone(), w.clone()
    if x_cl:
        xr = xr.to(memory_format=cl_of(nd))
    if w_cl:
        wr = wr.to(memory_format=cl_of(nd))
    xr.requires_grad_(True)
    wr.requires_grad_(True)
    br = b.clone().requires_grad_(True)
    y = conv_fn(nd)(xr, wr, br, stride, padding, dilation, groups)
    gy = torch.randn(*y.shape).to(dtype)
    y.backward(gy)
    params = torch.tensor(list(stride) + list(padding) + list(dilation) + [groups, int(x_cl), int(w_cl)],
                          dtype=torch.int64)
    cases.add(name, [x, w, b, gy, params], [y.detach().clone(memory_format=torch.preserve_format),
                                            xr.grad, wr.grad, br.grad])
    cases.add(name + "_strides", [x, w, b, gy, params], [y.detach()], strides=True)


def pool_case(cases, name, fn, xs, cl):
    x = torch.randperm(torch.Size(xs).numel()).float().div(10).view(*xs)
    xr = x.clone()
    if cl:
        xr = xr.to(memory_format=torch.channels_last)
    xr.requires_grad_(True)
    y = fn(xr)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    cases.add(name, [x, gy, torch.tensor([int(cl)])], [y.detach(), xr.grad])
    cases.add(name + "_strides", [x, gy, torch.tensor([int(cl)])], [y.detach()], strides=True)


POOLS = {
    "max": lambda x: F.max_pool2d(x, (3, 2), (2, 1), (1, 1), (1, 2)),
    "max_ceil": lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    "avg": lambda x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 1)),
    "avg_excl_ceil": lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "avg_divisor": lambda x: F.avg_pool2d(x, 2, 1, 0, divisor_override=3),
    "adaptive_avg": lambda x: F.adaptive_avg_pool2d(x, (3, 4)),
    "adaptive_avg_1": lambda x: F.adaptive_avg_pool2d(x, 1),
    "adaptive_max": lambda x: F.adaptive_max_pool2d(x, (2, 3)),
}


def generate(cases):
    for x_cl in (False, True):
        for w_cl in (False, True):
            sfx = f"_x{int(x_cl)}w{int(w_cl)}"
            conv_case(cases, "conv2d_basic" + sfx, (2, 3, 9, 8), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1, x_cl, w_cl)
            conv_case(cases, "conv2d_groups" + sfx, (2, 4, 9, 8), (6, 2, 3, 2), (2, 1), (1, 2), (1, 1), 2, x_cl, w_cl)
            conv_case(cases, "conv2d_depthwise" + sfx, (1, 6, 10, 11), (6, 1, 3, 3), (2, 2), (2, 2), (2, 2), 6, x_cl, w_cl)
            conv_case(cases, "conv2d_1x1" + sfx, (2, 16, 5, 5), (32, 16, 1, 1), (2, 2), (0, 0), (1, 1), 1, x_cl, w_cl)
    # bfloat16: oneDNN's native kernels where the CPU has them, in both libraries.
    for cl in (False, True):
        conv_case(cases, f"conv2d_bf16_s2_cl{int(cl)}", (2, 16, 9, 8), (32, 16, 3, 3), (2, 2), (1, 1), (1, 1), 1,
                  cl, cl, torch.bfloat16)
        conv_case(cases, f"conv2d_bf16_s1_cl{int(cl)}", (2, 16, 8, 8), (16, 16, 3, 3), (1, 1), (1, 1), (1, 1), 1,
                  cl, cl, torch.bfloat16)
    conv_case(cases, "conv1d", (2, 4, 11), (6, 2, 3), (2,), (1,), (2,), 2, False, False)
    conv_case(cases, "conv3d", (2, 3, 5, 6, 7), (4, 3, 2, 3, 2), (1, 2, 1), (1, 1, 1), (1, 1, 1), 1, False, False)
    conv_case(cases, "conv3d_cl", (2, 3, 5, 6, 7), (4, 3, 2, 3, 2), (1, 2, 1), (1, 1, 1), (1, 1, 1), 1, True, False)
    # padding='same' with an even kernel (one more element padded at the end)
    x = torch.randn(1, 3, 7, 6)
    w = torch.randn(2, 3, 2, 4)
    cases.add("conv2d_same", [x, w], [F.conv2d(x, w, None, 1, "same", 2)])
    cases.add("conv2d_valid", [x, w], [F.conv2d(x, w, None, 1, "valid")])

    for name, fn in POOLS.items():
        for cl in (False, True):
            pool_case(cases, f"pool_{name}_cl{int(cl)}", fn, (2, 3, 7, 6), cl)
    x = torch.randn(1, 2, 6, 6)
    _, idx = F.max_pool2d(x, 2, return_indices=True)
    cases.add("pool_max_indices", [x], [idx])

    w = torch.randn(64, 3, 3, 3)
    errs = {
        "err_channels": lambda: F.conv2d(torch.ones(1, 1, 32, 32), w),
        "err_rank": lambda: F.conv2d(torch.ones(2, 3), w),
        "err_kernel_big": lambda: F.conv2d(torch.ones(1, 3, 2, 2), w),
        "err_bias": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, torch.ones(3)),
        "err_stride0": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, stride=0),
        "err_padding_neg": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, padding=-1),
        "err_dilation0": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, dilation=0),
        "err_groups0": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, groups=0),
        "err_groups_channels": lambda: F.conv2d(torch.ones(1, 6, 8, 8), w, groups=4),
        "err_groups_weight": lambda: F.conv2d(torch.ones(1, 6, 8, 8), torch.ones(2, 3, 3, 3), groups=4),
        "err_groups_divisible": lambda: F.conv2d(torch.ones(1, 6, 8, 8), torch.ones(6, 3, 3, 3), groups=4),
        "err_stride_len": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, stride=[1, 1, 1]),
        "err_same_strided": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, padding="same", stride=2),
        "err_padding_string": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, padding="foo"),
        "err_dtype": lambda: F.conv2d(torch.ones(1, 3, 8, 8).double(), w),
        "err_bias_dtype": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, torch.ones(64).double()),
        "err_conv1d_rank": lambda: F.conv1d(torch.ones(1, 3, 8, 8), w),
        "err_bias_2d": lambda: F.conv2d(torch.ones(1, 3, 8, 8), w, torch.ones(64, 1)),
        "err_pool_kernel": lambda: F.max_pool2d(torch.ones(1, 3, 8, 8), [3, 3, 3]),
        "err_pool_pad": lambda: F.max_pool2d(torch.ones(1, 3, 8, 8), 3, 1, 2),
        "err_pool_small": lambda: F.max_pool2d(torch.ones(1, 3, 2, 2), 3),
        "err_pool_rank": lambda: F.max_pool2d(torch.ones(2, 3), 3),
        "err_pool_dilation": lambda: F.max_pool2d(torch.ones(1, 3, 8, 8), 3, 1, 1, 0),
        "err_avg_divisor": lambda: F.avg_pool2d(torch.ones(1, 3, 8, 8), 3, divisor_override=0),
        "err_avg_rank": lambda: F.avg_pool2d(torch.ones(2, 3), 3),
        "err_adaptive_rank": lambda: F.adaptive_avg_pool2d(torch.ones(2, 3), 3),
        "err_adaptive_max_rank": lambda: F.adaptive_max_pool2d(torch.ones(2, 3), 3),
    }
    for k, f in errs.items():
        cases.text(k, error(f))
