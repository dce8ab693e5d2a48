"""Conv / pooling modules and F.pad parity (tests/parity/nn_conv_modules_test.cpp):
printed modules, state_dict keys and shapes, constructor errors (texts); forward
and input/weight/bias gradients of Conv1d/2d/3d with torch's weights for every
padding_mode (inputs x, weight, bias, gy); F.pad values and gradients; pooling
modules' outputs and gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_nn_module import error  # noqa: E402

# name -> (class, args, kwargs); the C++ test builds the same modules.
MODULES = {
    "conv2d_basic": (nn.Conv2d, (3, 8, 3), {}),
    "conv2d_full": (nn.Conv2d, (4, 6, (3, 5)), dict(stride=(2, 1), padding=(4, 2), dilation=(3, 1),
                                                    groups=2, bias=False)),
    "conv1d_same": (nn.Conv1d, (4, 4, 4), dict(padding="same", padding_mode="reflect")),
    "conv1d_valid": (nn.Conv1d, (2, 3, 3), dict(padding="valid")),
    "conv3d": (nn.Conv3d, (2, 4, 3), dict(stride=2, padding=1, padding_mode="replicate")),
    "conv2d_circular": (nn.Conv2d, (3, 5, 3), dict(padding=(1, 2), padding_mode="circular")),
    "conv2d_reflect": (nn.Conv2d, (2, 4, (3, 2)), dict(padding=1, padding_mode="reflect", stride=2)),
    "conv2d_same_dil": (nn.Conv2d, (2, 2, 4), dict(padding="same", dilation=2, padding_mode="zeros")),
    "convT2d": (nn.ConvTranspose2d, (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2,
                                                     dilation=2, bias=False)),
    "convT2d_basic": (nn.ConvTranspose2d, (3, 5, (3, 2)), dict(stride=(2, 1))),
    "convT1d": (nn.ConvTranspose1d, (2, 3, 4), dict(stride=3, padding=2, output_padding=2)),
    "convT3d": (nn.ConvTranspose3d, (2, 2, 2), dict(stride=2, output_padding=(1, 0, 1))),
    # stride 1, output_padding below the dilation: rows no input reaches (H),
    # and padding that output_padding shrinks at the end (W)
    "convT2d_dil_outpad": (nn.ConvTranspose2d, (3, 4, 3), dict(padding=(0, 2), output_padding=1,
                                                                dilation=2)),
    "convT1d_dil_outpad": (nn.ConvTranspose1d, (2, 3, 2), dict(padding=1, output_padding=2,
                                                                dilation=3)),
    "maxpool2d": (nn.MaxPool2d, (3,), {}),
    "maxpool2d_full": (nn.MaxPool2d, ((3, 2),), dict(stride=(2, 1), padding=1, dilation=(1, 2),
                                                     ceil_mode=True)),
    "maxpool1d": (nn.MaxPool1d, (3,), dict(stride=2, padding=1)),
    "avgpool2d": (nn.AvgPool2d, (3,), dict(stride=2, padding=1, count_include_pad=False)),
    "avgpool2d_tuple": (nn.AvgPool2d, ((2, 3),), dict(ceil_mode=True, divisor_override=2)),
    "avgpool1d": (nn.AvgPool1d, (3,), dict(stride=2)),
    "adaptiveavg2d": (nn.AdaptiveAvgPool2d, ((3, 2),), {}),
    "adaptiveavg2d_int": (nn.AdaptiveAvgPool2d, (3,), {}),
    "adaptiveavg1d": (nn.AdaptiveAvgPool1d, (3,), {}),
    "adaptivemax2d": (nn.AdaptiveMaxPool2d, ((2, 3),), {}),
}

INPUTS = {
    "conv2d_basic": (2, 3, 7, 6),
    "conv2d_full": (2, 4, 9, 8),
    "conv1d_same": (2, 4, 9),
    "conv1d_valid": (2, 2, 7),
    "conv3d": (1, 2, 5, 6, 4),
    "conv2d_circular": (2, 3, 5, 6),
    "conv2d_reflect": (1, 2, 6, 5),
    "conv2d_same_dil": (1, 2, 7, 7),
    "convT2d": (2, 4, 5, 4),
    "convT2d_basic": (2, 3, 4, 5),
    "convT1d": (2, 2, 6),
    "convT3d": (1, 2, 3, 2, 3),
    "convT2d_dil_outpad": (2, 3, 5, 4),
    "convT1d_dil_outpad": (2, 2, 6),
    "maxpool2d": (2, 3, 8, 7),
    "maxpool2d_full": (1, 2, 7, 9),
    "maxpool1d": (2, 3, 9),
    "avgpool2d": (2, 3, 8, 7),
    "avgpool2d_tuple": (1, 2, 7, 8),
    "avgpool1d": (2, 3, 9),
    "adaptiveavg2d": (2, 3, 8, 7),
    "adaptiveavg2d_int": (2, 3, 8, 7),
    "adaptiveavg1d": (2, 3, 10),
    "adaptivemax2d": (1, 2, 7, 9),
}

# (name, input shape, pad, mode, value)
PADS = [
    ("pad_constant", (2, 3, 4), (1, 2), "constant", None),
    ("pad_constant_value", (2, 3, 4, 5), (1, 0, 2, 1), "constant", 1.5),
    ("pad_constant_neg", (2, 3, 4, 5), (-1, 2, 0, -2), "constant", None),
    ("pad_constant_3", (2, 3, 4, 5), (1, 1, 1, 1, 1, 1), "constant", None),
    ("pad_reflect1d", (2, 3, 5), (2, 3), "reflect", None),
    ("pad_reflect2d", (2, 3, 4, 5), (1, 2, 3, 1), "reflect", None),
    ("pad_replicate2d", (2, 3, 4, 5), (2, 0, 1, 3), "replicate", None),
    ("pad_replicate3d", (1, 2, 3, 4, 3), (1, 1, 2, 0, 1, 2), "replicate", None),
    ("pad_circular2d", (2, 3, 4, 5), (2, 1, 1, 3), "circular", None),
    ("pad_circular1d", (2, 3, 5), (1, 2), "circular", None),
]


def generate(cases):
    for name, (cls, args, kwargs) in MODULES.items():
        m = cls(*args, **kwargs)
        cases.text("repr_" + name, str(m))
        cases.text("keys_" + name, ";".join(f"{k}:{list(v.shape)}" for k, v in m.state_dict().items()))
        x = torch.randn(*INPUTS[name])
        xr = x.clone().requires_grad_(True)
        y = m(xr)
        gy = torch.randn(*y.shape)
        y.backward(gy)
        if cls.__name__.startswith("Conv"):
            b = m.bias if m.bias is not None else torch.zeros(0)
            gb = m.bias.grad if m.bias is not None else torch.zeros(0)
            cases.add(name, [x, m.weight.detach(), b.detach(), gy], [y.detach(), xr.grad, m.weight.grad, gb])
        else:
            cases.add(name, [x, gy], [y.detach(), xr.grad])
    for name, shape, pad, mode, value in PADS:
        x = torch.randn(*shape)
        xr = x.clone().requires_grad_(True)
        y = F.pad(xr, pad, mode=mode, value=value) if value is not None else F.pad(xr, pad, mode=mode)
        gy = torch.randn(*y.shape)
        y.backward(gy)
        cases.add(name, [x, gy], [y.detach(), xr.grad])
    # conv_transpose2d with a channels_last input (the output stays contiguous)
    x = torch.randn(2, 4, 5, 6)
    w = torch.randn(4, 3, 3, 3)
    b = torch.randn(3)
    xr = x.clone().to(memory_format=torch.channels_last).requires_grad_(True)
    wr, br = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    y = F.conv_transpose2d(xr, wr, br, 2, 1, 1)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    cases.add("convT_fn_cl", [x, w, b, gy], [y.detach(), xr.grad, wr.grad, br.grad])
    cases.add("convT_fn_cl_strides", [x, w, b, gy], [y.detach()], strides=True)
    wt = torch.ones(4, 2, 3, 3)
    cases.text("err_convT_channels", error(lambda: F.conv_transpose2d(torch.ones(1, 3, 5, 5), wt)))
    cases.text("err_convT_bias", error(lambda: F.conv_transpose2d(torch.ones(1, 4, 5, 5), wt, torch.ones(3))))
    cases.text("err_convT_outpad", error(lambda: F.conv_transpose2d(torch.ones(1, 4, 5, 5), wt, None, 2, 1, 2)))
    cases.text("err_convT_mode", error(lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")))
    # constructor and pad errors
    cases.text("err_groups0", error(lambda: nn.Conv2d(2, 2, 3, groups=0)))
    cases.text("err_in_groups", error(lambda: nn.Conv2d(3, 4, 3, groups=2)))
    cases.text("err_out_groups", error(lambda: nn.Conv2d(4, 3, 3, groups=2)))
    cases.text("err_same_strided", error(lambda: nn.Conv2d(4, 4, 3, stride=2, padding="same")))
    cases.text("err_pad_odd", error(lambda: F.pad(torch.ones(2, 3), (1,))))
    cases.text("err_pad_long", error(lambda: F.pad(torch.ones(2, 3), (1, 1, 1, 1, 1, 1))))
    cases.text("err_pad_mode", error(lambda: F.pad(torch.ones(2, 3, 4), (1, 1), mode="foo")))
    cases.text("err_pad_dims", error(lambda: F.pad(torch.ones(2, 3, 4), (1, 1, 1, 1, 1, 1), mode="reflect")))
