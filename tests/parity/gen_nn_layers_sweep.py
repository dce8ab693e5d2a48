"""Seeded random configurations of torch.nn's layout-sensitive layers against
PyTorch (tests/parity/nn_layers_sweep_test.cpp):

- pad*: F.pad in every mode (constant with or without a value, reflect,
  replicate, circular) over 1, 2 or 3 padded dims, negative pads (cropping)
  where torch takes them;
- layer*: ConstantPad1/2/3d, ZeroPad2d, ReflectionPad1/2/3d,
  ReplicationPad1/2/3d, batched and unbatched, int or tuple padding;
- conv*: Conv1d/2d/3d modules with padding_mode zeros / reflect /
  replicate / circular, padding ints, a tuple, 'same' or 'valid', stride,
  dilation, groups, no bias, channels_last inputs and weights;
- shuffle*: PixelShuffle / PixelUnshuffle, 3-D to 5-D inputs;
- linear*, bilinear*: with and without bias, 0 to 3 leading dims;
- reshape*: Flatten(start_dim, end_dim), Unflatten (with -1), Identity.

Inputs are float32 or float64, contiguous, channels_last (channels_last_3d
for 5-D), a transposed view or every other element of a wider tensor.
Every case checks the output (with PyTorch's strides), the input gradients
for a random output gradient and the parameter gradients.

Each case's inputs: the input values (contiguous; the wider tensor for the
strided layout), the output gradient, the parameters (int64, per kind: see
the case functions in the test), the float parameters (float64: the pad
value), then the module's state_dict values in key order (bilinear: both
inputs first). Outputs: the output, the input gradients, then the
parameter gradients in named_parameters order.

Left out, as torch 1.13 gets them wrong: circular pads longer than the
cropped dim (torch copies between overlapping parts of its output: its
values wrap, its gradient is wrong, and a dim cropped to nothing reads
uninitialised memory); PixelShuffle on channels_last_3d (torch refuses it)."""
import random
import warnings

import torch
import torch.nn.functional as F
from torch import nn

# layouts
CONTIG, CL, TRANSPOSED, STRIDED = range(4)
MODES = ("constant", "reflect", "replicate", "circular")
LAYERS = ("ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad2d", "ReflectionPad1d",
          "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
          "ReplicationPad3d")
PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def cl_of(dim):
    return torch.channels_last if dim == 4 else torch.channels_last_3d


def pick_layout(rng, shape, allow_cl=True):
    opts = [CONTIG, CONTIG]
    if allow_cl and len(shape) in (4, 5):
        opts += [CL, CL]
    if len(shape) >= 2:
        opts.append(TRANSPOSED)
    if len(shape) >= 1:
        opts.append(STRIDED)
    return rng.choice(opts)


def make_input(shape, layout, dtype):
    """(the stored values, the tensor the op sees: a leaf with that layout)."""
    if layout == STRIDED:
        base = torch.randn(shape[:-1] + [2 * shape[-1]], dtype=dtype)
        return base, base.detach()[..., ::2].requires_grad_(True)
    x = torch.randn(shape, dtype=dtype)
    if layout == CL:
        v = x.contiguous(memory_format=cl_of(x.dim()))
    elif layout == TRANSPOSED:
        v = x.transpose(-1, -2).contiguous().transpose(-1, -2)
    else:
        v = x.clone()
    return x, v.requires_grad_(True)


def ints(v):
    return torch.tensor(v, dtype=torch.int64)


def floats(v):
    return torch.tensor(v, dtype=torch.float64)


def add(cases, name, ins, y, others):
    """ins: the inputs; y the output (strides saved), others its gradients."""
    cases.add(name, ins, [y.detach()] + list(others))
    cases.tensors[f"{name}/strides0"] = ints(list(y.stride()))


def backward(y, dtype):
    gy = torch.randn(y.shape, dtype=dtype)
    y.backward(gy)
    return gy


def pad_cases(cases, rng, count):
    made = 0
    while made < count:
        mode = (("constant",) + MODES)[made % 5]
        nd = rng.randint(1, 3)
        if mode == "constant":
            dim = rng.randint(nd, min(nd + 2, 5))
        elif mode == "circular":  # torch 1.13: batched inputs only
            dim = nd + 2
        else:
            dim = rng.choice((nd + 1, nd + 2))
        top = {1: 7, 2: 6, 3: 4}[nd]
        shape = [rng.randint(1, 3) for _ in range(dim - nd)] + [rng.randint(1, top) for _ in range(nd)]
        pads = []
        for i in range(nd):
            size = shape[-1 - i]
            for _ in range(2):
                v = rng.choice((-2, -1, 0, 1, 1, 2, 3)) if rng.random() < 0.8 else rng.randint(-size, size)
                if mode == "reflect" and rng.random() < 0.7:
                    v = min(v, size - 1)
                pads.append(v)
        if rng.random() < 0.08:
            pads = [0] * len(pads)  # torch still writes a new tensor
        if mode == "circular" and any(max(lo, hi) > shape[-1 - i] + min(lo, 0) + min(hi, 0)
                                      for i, (lo, hi) in enumerate(zip(pads[::2], pads[1::2]))):
            # a pad longer than the cropped dim: torch 1.13 copies between
            # overlapping parts of its output (its gradient is wrong there, and
            # a dim cropped to nothing pads with uninitialised memory)
            continue
        dtype = rng.choice((torch.float32, torch.float64))
        layout = pick_layout(rng, shape)
        value = None
        if mode == "constant":
            value = rng.choice((None, 0.0, 1.5, -2.25))
        x, xr = make_input(shape, layout, dtype)
        try:
            kw = {} if value is None else {"value": value}
            y = F.pad(xr, pads, mode=mode, **kw)
        except (RuntimeError, NotImplementedError, IndexError):  # a size torch refuses
            continue
        if y.numel() == 0:
            continue
        gy = backward(y, dtype)
        params = [MODES.index(mode), layout, int(value is not None)] + pads
        add(cases, f"pad{made:03d}", [x, gy, ints(params), floats([value or 0.0])], y,
            [xr.grad])
        made += 1


def layer_cases(cases, rng, count):
    made = 0
    while made < count:
        cls = LAYERS[made % len(LAYERS)]
        nd = int(cls[-2])
        dim = rng.choice((nd + 1, nd + 2))
        top = {1: 7, 2: 5, 3: 4}[nd]
        shape = [rng.randint(1, 3) for _ in range(dim - nd)] + [rng.randint(1, top) for _ in range(nd)]
        as_int = rng.random() < 0.3
        padding = rng.randint(0, 3) if as_int else [rng.randint(-1, 3) for _ in range(2 * nd)]
        value, int_value = 0.0, False
        args = [padding]
        if cls.startswith("Constant"):
            int_value = rng.random() < 0.3
            value = float(rng.randint(-3, 3)) if int_value else rng.choice((0.0, 0.5, -1.75))
            args.append(int(value) if int_value else value)
        dtype = rng.choice((torch.float32, torch.float64))
        layout = pick_layout(rng, shape)
        x, xr = make_input(shape, layout, dtype)
        m = getattr(nn, cls)(*args)
        try:
            y = m(xr)
        except (RuntimeError, NotImplementedError):
            continue
        if y.numel() == 0:
            continue
        gy = backward(y, dtype)
        pl = [padding] if as_int else padding
        params = [LAYERS.index(cls), layout, int(int_value), len(pl)] + pl
        add(cases, f"layer{made:03d}", [x, gy, ints(params), floats([value])], y,
            [xr.grad])
        made += 1


def pad3(v):
    return list(v) + [0] * (3 - len(v))


def conv_cases(cases, rng, count):
    made = 0
    while made < count:
        nd = rng.choice((1, 2, 2, 3))
        pm = PAD_MODES[made % len(PAD_MODES)]
        groups = rng.choice((1, 1, 2, 3))
        cin, cout = groups * rng.randint(1, 3), groups * rng.randint(1, 3)
        k = [rng.randint(1, 4 if nd < 3 else 3) for _ in range(nd)]
        stride = [rng.choice((1, 1, 2, 3)) for _ in range(nd)]
        dil = [rng.choice((1, 1, 2)) for _ in range(nd)]
        pad_kind = rng.choice((0, 1, 1, 2, 3))  # one int, a tuple, 'same', 'valid'
        if pad_kind == 2:
            stride = [1] * nd
        pad = [rng.randint(0, 2) for _ in range(nd)]
        if pad_kind == 0:
            pad = [pad[0]] * nd
        padding = {0: pad[0], 1: tuple(pad), 2: "same", 3: "valid"}[pad_kind]
        scalar_k = rng.random() < 0.3 and len(set(k)) == 1
        bias = rng.random() < 0.75
        batched = pm == "circular" or rng.random() < 0.75  # torch 1.13 pads circular batched only
        top = {1: 12, 2: 8, 3: 5}[nd]
        shape = ([rng.randint(1, 2)] if batched else []) + [cin] + [rng.randint(2, top) for _ in range(nd)]
        dtype = rng.choice((torch.float32, torch.float64))
        layout = pick_layout(rng, shape)
        w_cl = batched and nd > 1 and rng.random() < 0.6
        m = getattr(nn, f"Conv{nd}d")(cin, cout, k[0] if scalar_k else tuple(k), stride=tuple(stride),
                                     padding=padding, dilation=tuple(dil), groups=groups, bias=bias,
                                     padding_mode=pm, dtype=dtype)
        with torch.no_grad():
            for p in m.parameters():
                p.uniform_(-1, 1)
        sd = [t.clone() for t in m.state_dict().values()]
        if w_cl:
            m = m.to(memory_format=cl_of(nd + 2))
        x, xr = make_input(shape, layout, dtype)
        try:
            y = m(xr)
        except RuntimeError:  # input smaller than the kernel or the padding
            continue
        if y.numel() == 0:
            continue
        gy = backward(y, dtype)
        params = [nd, PAD_MODES.index(pm), pad_kind, int(scalar_k)] + pad3(k) + pad3(stride) + \
            pad3(pad) + pad3(dil) + [groups, int(bias), cin, cout, layout, int(w_cl)]
        grads = [xr.grad] + [p.grad for p in m.parameters()]
        add(cases, f"conv{made:03d}", [x, gy, ints(params), floats([])] + sd, y, grads)
        made += 1


def shuffle_cases(cases, rng, count):
    made = 0
    while made < count:
        up = rng.random() < 0.5
        r = rng.choice((1, 2, 2, 3))
        lead = [rng.randint(1, 3) for _ in range(rng.choice((0, 1, 1, 2)))]
        c, h, w = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
        shape = lead + ([c * r * r, h, w] if up else [c, h * r, w * r])
        dtype = rng.choice((torch.float32, torch.float64))
        layout = pick_layout(rng, shape)
        x, xr = make_input(shape, layout, dtype)
        m = nn.PixelShuffle(r) if up else nn.PixelUnshuffle(r)
        try:
            y = m(xr)
        except RuntimeError:  # torch 1.13's kernels refuse channels_last_3d
            continue
        gy = backward(y, dtype)
        add(cases, f"shuffle{made:03d}", [x, gy, ints([int(up), r, layout]), floats([])],
            y, [xr.grad])
        made += 1


def linear_cases(cases, rng, count):
    for i in range(count):
        fin, fout = rng.randint(1, 9), rng.randint(1, 9)
        bias = rng.random() < 0.75
        lead = [rng.randint(1, 4) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
        dtype = rng.choice((torch.float32, torch.float64))
        shape = lead + [fin]
        layout = pick_layout(rng, shape, allow_cl=False)
        m = nn.Linear(fin, fout, bias=bias, dtype=dtype)
        sd = [t.clone() for t in m.state_dict().values()]
        x, xr = make_input(shape, layout, dtype)
        y = m(xr)
        gy = backward(y, dtype)
        grads = [xr.grad] + [p.grad for p in m.parameters()]
        add(cases, f"linear{i:03d}", [x, gy, ints([fin, fout, int(bias), layout]),
                                      floats([])] + sd, y, grads)


def bilinear_cases(cases, rng, count):
    for i in range(count):
        f1, f2, fout = rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5)
        bias = rng.random() < 0.75
        lead = [rng.randint(1, 3) for _ in range(rng.choice((0, 1, 1, 2)))]
        dtype = rng.choice((torch.float32, torch.float64))
        l1 = pick_layout(rng, lead + [f1], allow_cl=False)
        l2 = pick_layout(rng, lead + [f2], allow_cl=False)
        m = nn.Bilinear(f1, f2, fout, bias=bias, dtype=dtype)
        sd = [t.clone() for t in m.state_dict().values()]
        x1, x1r = make_input(lead + [f1], l1, dtype)
        x2, x2r = make_input(lead + [f2], l2, dtype)
        y = m(x1r, x2r)
        gy = backward(y, dtype)
        grads = [x1r.grad, x2r.grad] + [p.grad for p in m.parameters()]
        add(cases, f"bilinear{i:03d}", [x1, x2, gy, ints([f1, f2, fout, int(bias), l1, l2]),
                                        floats([])] + sd, y, grads)


def reshape_cases(cases, rng, count):
    """Flatten, Unflatten and Identity: views where torch makes views."""
    made = 0
    while made < count:
        kind = (0, 1, 0, 1, 0, 1, 2)[made % 7]  # flatten, unflatten, identity
        dim = rng.randint(0, 5) if kind == 0 else rng.randint(1, 5)
        shape = [rng.randint(1, 4) for _ in range(dim)]
        dtype = rng.choice((torch.float32, torch.float64))
        layouts = [CONTIG] + [CL] * (dim in (4, 5)) + [TRANSPOSED] * (dim >= 2) + [STRIDED] * (dim >= 1)
        layout = layouts[made % len(layouts)]
        extra = []
        if kind == 0:
            nd = max(dim, 1)
            s, e = sorted((rng.randrange(nd), rng.randrange(nd)))
            s -= nd * rng.randint(0, 1)
            e -= nd * rng.randint(0, 1)
            m, extra = nn.Flatten(s, e), [s, e]
        elif kind == 1:
            d = rng.randrange(dim)
            size = shape[d] * rng.choice((1, 2, 3, 4, 6))
            shape[d] = size
            parts = [f for f in (1, 2, 3, 4, 6) if size % f == 0]
            a = rng.choice(parts)
            sizes = [a, size // a]
            if rng.random() < 0.3:
                b = [f for f in parts if (size // a) % f == 0]
                b = rng.choice(b)
                sizes = [a, b, size // a // b]
            if rng.random() < 0.4:
                sizes[rng.randrange(len(sizes))] = -1
            d -= dim * rng.randint(0, 1)
            m, extra = nn.Unflatten(d, tuple(sizes)), [d] + sizes
        else:
            m = nn.Identity()
        x, xr = make_input(shape, layout, dtype)
        y = m(xr)  # Identity: xr itself, whose gradient is then gy
        gy = backward(y, dtype)
        add(cases, f"reshape{made:03d}", [x, gy, ints([kind, layout] + extra),
                                          floats([])], y, [xr.grad])
        made += 1


def generate(cases):
    # 'same' with an even kernel: torch warns that it pads a copy
    warnings.filterwarnings("ignore", message="Using padding='same'")
    rng = random.Random(1313)
    pad_cases(cases, rng, 50)
    layer_cases(cases, rng, 30)
    conv_cases(cases, rng, 40)
    shuffle_cases(cases, rng, 14)
    linear_cases(cases, rng, 10)
    bilinear_cases(cases, rng, 8)
    reshape_cases(cases, rng, 21)
