"""Upsampling and pixel shuffle parity (tests/parity/nn_vision_test.cpp):
F.interpolate (nearest and nearest-exact 1-D/2-D/3-D, linear, bilinear with
and without align_corners, trilinear, bicubic, area; size or scale_factor, recompute_scale_factor) forward and backward on
contiguous and channels_last inputs, output strides, uint8 nearest,
pixel_shuffle / pixel_unshuffle, module reprs and error messages.

Each case's inputs: x (contiguous base), gy, and [channels_last]."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_nn_module import error  # noqa: E402

I = F.interpolate
CASES = {
    "nearest1d_size": ((2, 3, 5), lambda x: I(x, size=8)),
    "nearest1d_scale": ((2, 3, 5), lambda x: I(x, scale_factor=1.7)),
    "nearest1d_down": ((2, 3, 9), lambda x: I(x, scale_factor=0.45)),
    "nearest2d_scale2": ((2, 3, 5, 4), lambda x: I(x, scale_factor=2)),
    "nearest2d_size": ((2, 3, 5, 4), lambda x: I(x, size=(7, 3))),
    "nearest2d_scales": ((2, 3, 5, 4), lambda x: I(x, scale_factor=(1.5, 2.3))),
    "nearest2d_recompute": ((2, 3, 5, 4), lambda x: I(x, scale_factor=1.7, recompute_scale_factor=True)),
    "nearest2d_wide": ((1, 37, 4, 3), lambda x: I(x, size=(6, 7))),
    "nearest3d_scale": ((1, 2, 3, 4, 5), lambda x: I(x, scale_factor=2)),
    "nearest3d_size": ((1, 2, 3, 4, 5), lambda x: I(x, size=(5, 3, 7))),
    "linear_size": ((2, 3, 5), lambda x: I(x, size=8, mode="linear")),
    "linear_scale_ac": ((2, 3, 5), lambda x: I(x, scale_factor=1.7, mode="linear", align_corners=True)),
    "linear_down": ((2, 3, 9), lambda x: I(x, scale_factor=0.6, mode="linear")),
    "exact1d": ((2, 3, 5), lambda x: I(x, scale_factor=1.7, mode="nearest-exact")),
    "exact2d": ((2, 3, 5, 4), lambda x: I(x, size=(7, 3), mode="nearest-exact")),
    "exact3d": ((1, 2, 3, 4, 5), lambda x: I(x, scale_factor=(1.5, 2, 0.8), mode="nearest-exact")),
    "trilinear_size": ((1, 2, 3, 4, 5), lambda x: I(x, size=(5, 3, 7), mode="trilinear")),
    "trilinear_scale_ac": ((1, 2, 3, 4, 5),
                           lambda x: I(x, scale_factor=(1.5, 2, 0.8), mode="trilinear", align_corners=True)),
    "trilinear_wide": ((1, 37, 2, 3, 2), lambda x: I(x, size=(3, 4, 3), mode="trilinear")),
    "bicubic_size": ((2, 3, 5, 4), lambda x: I(x, size=(7, 9), mode="bicubic")),
    "bicubic_scale_ac": ((2, 3, 5, 4), lambda x: I(x, scale_factor=1.5, mode="bicubic", align_corners=True)),
    "bicubic_down": ((2, 3, 9, 8), lambda x: I(x, scale_factor=0.6, mode="bicubic")),
    "bicubic_wide": ((1, 37, 4, 3), lambda x: I(x, size=(6, 7), mode="bicubic")),
    "bilinear_size": ((2, 3, 5, 4), lambda x: I(x, size=(7, 9), mode="bilinear")),
    "bilinear_size_ac": ((2, 3, 5, 4), lambda x: I(x, size=(7, 9), mode="bilinear", align_corners=True)),
    "bilinear_scale": ((2, 3, 5, 4), lambda x: I(x, scale_factor=1.5, mode="bilinear")),
    "bilinear_down": ((2, 3, 9, 8), lambda x: I(x, scale_factor=0.6, mode="bilinear")),
    "bilinear_down_ac": ((2, 3, 9, 8), lambda x: I(x, size=(4, 1), mode="bilinear", align_corners=True)),
    "bilinear_same": ((2, 3, 5, 4), lambda x: I(x, size=(5, 6), mode="bilinear")),
    "bilinear_wide": ((1, 37, 4, 3), lambda x: I(x, size=(6, 7), mode="bilinear")),
    "upsample_bilinear": ((2, 3, 5, 4), lambda x: F.upsample_bilinear(x, scale_factor=2)),
    "area": ((2, 3, 7, 6), lambda x: I(x, size=(3, 4), mode="area")),
    "area_scale": ((2, 3, 7, 6), lambda x: I(x, scale_factor=0.5, mode="area")),
    "pixel_shuffle": ((2, 8, 3, 4), lambda x: F.pixel_shuffle(x, 2)),
    "pixel_shuffle_5d": ((2, 3, 9, 2, 3), lambda x: F.pixel_shuffle(x, 3)),
    "pixel_unshuffle": ((2, 2, 4, 6), lambda x: F.pixel_unshuffle(x, 2)),
    "pixel_unshuffle_3d": ((2, 6, 9), lambda x: F.pixel_unshuffle(x, 3)),
}
CL = {4: torch.channels_last, 5: torch.channels_last_3d}


def add(cases, name, xs, fn, cl):
    x = torch.randn(*xs)
    xr = x.clone()
    if cl:
        xr = xr.to(memory_format=CL[len(xs)])
    xr.requires_grad_(True)
    y = fn(xr)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    flag = torch.tensor([int(cl)])
    cases.add(name, [x, gy, flag], [y.detach(), xr.grad])
    cases.add(name + "_strides", [x, gy, flag], [y.detach()], strides=True)
    cases.text(name + "_node", y.grad_fn.name())


def generate(cases):
    for name, (xs, fn) in CASES.items():
        add(cases, name, xs, fn, False)
        if len(xs) in CL and not name.startswith("area") and name != "pixel_shuffle_5d":
            add(cases, name + "_cl", xs, fn, True)
    xb = torch.randint(0, 255, (2, 3, 5, 4), dtype=torch.uint8)
    cases.add("nearest_uint8", [xb], [I(xb, scale_factor=1.5)])
    xh = torch.randn(2, 3, 5, 4).bfloat16()
    cases.add("nearest_bfloat16", [xh], [I(xh, size=(7, 6))])

    reprs = {
        "repr_scale": nn.Upsample(scale_factor=2),
        "repr_scales": nn.Upsample(scale_factor=(2, 3)),
        "repr_size": nn.Upsample(size=(3, 4), mode="bilinear"),
        "repr_size_int": nn.Upsample(size=4, mode="bilinear", align_corners=True),
        "repr_scale_float": nn.Upsample(scale_factor=1.5),
        "repr_nearest2d": nn.UpsamplingNearest2d(scale_factor=2),
        "repr_bilinear2d": nn.UpsamplingBilinear2d(size=5),
        "repr_pixel_shuffle": nn.PixelShuffle(2),
        "repr_pixel_unshuffle": nn.PixelUnshuffle(3),
    }
    for k, m in reprs.items():
        cases.text(k, repr(m))

    o = torch.ones
    errs = {
        "err_scale_small": lambda: I(o(1, 2, 3, 4), scale_factor=0.1),
        "err_bilinear_small": lambda: I(o(1, 2, 3, 4), scale_factor=0.1, mode="bilinear"),
        "err_input_empty": lambda: I(o(1, 2, 0, 4), scale_factor=2),
        "err_channels_empty": lambda: I(o(1, 0, 3, 4), scale_factor=2),
        "err_1d_small": lambda: I(o(1, 2, 3), scale_factor=0.1),
        "err_3d_small": lambda: I(o(1, 2, 3, 3, 3), scale_factor=0.1),
        "err_size_zero": lambda: I(o(1, 2, 3, 4), size=(0, 2)),
        "err_size_len": lambda: I(o(1, 2, 3, 4), size=(3,)),
        "err_scale_len": lambda: I(o(1, 2, 3, 4), scale_factor=(3.0, 2.0, 1.0)),
        "err_both": lambda: I(o(1, 2, 3, 4), size=3, scale_factor=2),
        "err_neither": lambda: I(o(1, 2, 3, 4)),
        "err_align_nearest": lambda: I(o(1, 2, 3, 4), size=3, align_corners=True),
        "err_recompute_size": lambda: I(o(1, 2, 3, 4), size=3, recompute_scale_factor=True),
        "err_bilinear_3d": lambda: I(o(1, 2, 3), size=3, mode="bilinear"),
        "err_bilinear_5d": lambda: I(o(1, 2, 3, 4, 5), size=3, mode="bilinear"),
        "err_mode": lambda: I(o(1, 2, 3, 4), size=3, mode="foo"),
        "err_rank": lambda: I(o(2, 3), size=3),
        "err_antialias": lambda: I(o(1, 2, 3, 4), size=3, antialias=True),
        "err_shuffle_channels": lambda: F.pixel_shuffle(o(1, 5, 3, 4), 2),
        "err_shuffle_rank": lambda: F.pixel_shuffle(o(5, 3), 2),
        "err_shuffle_factor": lambda: F.pixel_shuffle(o(1, 4, 3, 4), 0),
        "err_unshuffle_height": lambda: F.pixel_unshuffle(o(1, 4, 3, 4), 2),
        "err_unshuffle_width": lambda: F.pixel_unshuffle(o(1, 4, 4, 3), 2),
        "err_unshuffle_rank": lambda: F.pixel_unshuffle(o(4, 3), 2),
        "err_unshuffle_factor": lambda: F.pixel_unshuffle(o(1, 4, 4, 4), -1),
    }
    for k, f in errs.items():
        cases.text(k, error(f))
