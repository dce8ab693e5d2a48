"""Normalisation layers parity (tests/parity/nn_norm_test.cpp): printed modules,
state_dict keys and shapes; three training steps (output and input gradient
of the last, weight/bias gradients accumulated, running stats and
num_batches_tracked after them) then an eval output, with torch's weights, in
NCHW and channels_last; F.* values in float32; error messages."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_nn_module import error  # noqa: E402

# name -> (class, args, kwargs, input shape); the C++ test builds the same modules.
MODULES = {
    "bn1d": (nn.BatchNorm1d, (4,), {}, (5, 4)),
    "bn1d_3d": (nn.BatchNorm1d, (3,), dict(momentum=None), (4, 3, 5)),
    "bn2d": (nn.BatchNorm2d, (3,), {}, (2, 3, 4, 5)),
    "bn2d_cma": (nn.BatchNorm2d, (3,), dict(momentum=None, eps=1e-3), (2, 3, 4, 5)),
    "bn2d_noaffine": (nn.BatchNorm2d, (3,), dict(affine=False, momentum=0.3), (2, 3, 3, 3)),
    "bn2d_notrack": (nn.BatchNorm2d, (3,), dict(track_running_stats=False), (2, 3, 3, 4)),
    "bn3d": (nn.BatchNorm3d, (2,), dict(eps=1e-3, momentum=0.2), (2, 2, 3, 4, 3)),
    "ln": (nn.LayerNorm, ((4, 5),), {}, (2, 3, 4, 5)),
    "ln_1": (nn.LayerNorm, (5,), dict(elementwise_affine=False, eps=1e-6), (3, 5)),
    "gn": (nn.GroupNorm, (2, 4), {}, (2, 4, 3, 5)),
    "gn_noaffine": (nn.GroupNorm, (3, 6), dict(eps=1e-3, affine=False), (3, 6, 7)),
    "in1d": (nn.InstanceNorm1d, (3,), {}, (2, 3, 6)),
    "in1d_unbatched": (nn.InstanceNorm1d, (3,), dict(affine=True), (3, 6)),
    "in2d": (nn.InstanceNorm2d, (3,), dict(affine=True, track_running_stats=True), (2, 3, 4, 5)),
}
# channels_last variants (inputs converted by both sides)
CL = ["bn2d", "bn2d_cma", "bn3d", "ln", "gn", "in2d"]


def cl(t):
    if t.dim() == 4:
        return t.contiguous(memory_format=torch.channels_last)
    if t.dim() == 5:
        return t.contiguous(memory_format=torch.channels_last_3d)
    return t


def run(m, xs, gys, to_cl):
    m.train()
    for x, gy in zip(xs, gys):
        xr = (cl(x) if to_cl else x.clone()).requires_grad_(True)
        y = m(xr)
        y.backward(gy)
    out = [y.detach(), xr.grad]
    has_w = getattr(m, "weight", None) is not None
    out += [m.weight.grad, m.bias.grad] if has_w else [torch.zeros(0), torch.zeros(0)]
    rm = getattr(m, "running_mean", None)
    if rm is not None:
        out += [m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone()]
    else:
        out += [torch.zeros(0), torch.zeros(0), torch.zeros(0, dtype=torch.long)]
    m.eval()
    with torch.no_grad():
        out.append(m(cl(xs[-1] * 2 + 1) if to_cl else xs[-1] * 2 + 1))
    return out


def generate(cases):
    for name, (cls, args, kwargs, shape) in MODULES.items():
        m = cls(*args, **kwargs)
        cases.text("repr_" + name, str(m))
        cases.text("keys_" + name, ";".join(f"{k}:{list(v.shape)}" for k, v in m.state_dict().items()))
        for to_cl in ([False, True] if name in CL else [False]):
            m = cls(*args, **kwargs)
            has_w = getattr(m, "weight", None) is not None
            if has_w:
                with torch.no_grad():
                    m.weight.copy_(torch.randn(m.weight.shape))
                    m.bias.copy_(torch.randn(m.bias.shape))
            w = m.weight.detach().clone() if has_w else torch.zeros(0)
            b = m.bias.detach().clone() if has_w else torch.zeros(0)
            xs = [torch.randn(*shape) * 2 + 0.5 for _ in range(3)]
            gys = [torch.randn(*shape) for _ in range(3)]
            out = run(m, xs, gys, to_cl)
            cases.add(name + ("_cl" if to_cl else ""), [w, b] + xs + gys, out)
    # LazyBatchNorm: printed before and after the first forward, values of one step
    for lname, lcls, shape in [("lazybn1d", nn.LazyBatchNorm1d, (4, 3)),
                               ("lazybn2d", nn.LazyBatchNorm2d, (2, 3, 4, 5)),
                               ("lazybn3d", nn.LazyBatchNorm3d, (2, 2, 3, 2, 3))]:
        m = lcls(momentum=None) if lname == "lazybn2d" else lcls()
        cases.text("repr_" + lname + "_before", str(m))
        x, gy = torch.randn(*shape), torch.randn(*shape)
        xr = x.clone().requires_grad_(True)
        y = m(xr)
        y.backward(gy)
        cases.text("repr_" + lname + "_after", str(m))
        cases.text("keys_" + lname + "_after",
                   ";".join(f"{k}:{list(v.shape)}" for k, v in m.state_dict().items()))
        cases.add(lname, [x, gy], [y.detach(), xr.grad, m.weight.grad, m.bias.grad,
                                   m.running_mean, m.running_var, m.num_batches_tracked])
    # F.* with running stats in float64 (values only)
    x = torch.randn(4, 3, 5, dtype=torch.float64)
    rm, rv = torch.randn(3, dtype=torch.float64), torch.rand(3, dtype=torch.float64) + 0.5
    y = F.batch_norm(x, rm, rv, training=False, eps=1e-4)
    cases.add("f_bn_eval", [x, rm, rv], [y])
    rm2, rv2 = rm.clone(), rv.clone()
    y = F.instance_norm(x, rm2, rv2, momentum=0.4)
    cases.add("f_instance_stats", [x, rm, rv], [y, rm2, rv2])
    # bfloat16 (computed in float32): forward and input gradient of each op
    xb = torch.randn(2, 3, 4, 5).bfloat16()
    gb = torch.randn(2, 3, 4, 5).bfloat16()
    fns = {"bn": lambda t: F.batch_norm(t, None, None, training=True),
           "ln": lambda t: F.layer_norm(t, (4, 5)),
           "gn": lambda t: F.group_norm(t, 3),
           "in": lambda t: F.instance_norm(t)}
    for fname, fn in fns.items():
        xr = xb.clone().requires_grad_(True)
        y = fn(xr)
        y.backward(gb)
        cases.add("bf16_" + fname, [xb, gb], [y.detach(), xr.grad])
    # an empty batch leaves the running stats
    rm0, rv0 = torch.randn(3), torch.rand(3) + 0.5
    rm1, rv1 = rm0.clone(), rv0.clone()
    y = F.batch_norm(torch.randn(0, 3, 2), rm1, rv1, training=True)
    cases.add("f_bn_empty", [rm0, rv0], [y, rm1, rv1])
    # errors
    cases.text("err_bn1d_dim", error(lambda: nn.BatchNorm1d(3)(torch.ones(2, 3, 4, 5))))
    cases.text("err_bn2d_dim", error(lambda: nn.BatchNorm2d(3)(torch.ones(2, 3, 4))))
    cases.text("err_bn3d_dim", error(lambda: nn.BatchNorm3d(3)(torch.ones(2, 3, 4, 4))))
    cases.text("err_bn_batch1", error(lambda: nn.BatchNorm1d(3)(torch.ones(1, 3))))
    cases.text("err_bn_eval_none", error(lambda: F.batch_norm(torch.ones(2, 3), None, None)))
    cases.text("err_bn_rm_size", error(lambda: F.batch_norm(torch.ones(2, 3), torch.zeros(4), torch.ones(3))))
    cases.text("err_bn_weight", error(lambda: F.batch_norm(torch.ones(2, 3), None, None, torch.ones(2),
                                                             training=True)))
    cases.text("err_gn_ctor", error(lambda: nn.GroupNorm(3, 4)))
    cases.text("err_gn_div", error(lambda: F.group_norm(torch.ones(2, 4, 3), 3)))
    cases.text("err_gn_weight", error(lambda: F.group_norm(torch.ones(2, 4, 3), 2, torch.ones(3))))
    cases.text("err_gn_batch", error(lambda: F.group_norm(torch.ones(1, 2, 1), 2)))
    cases.text("err_gn_dim", error(lambda: F.group_norm(torch.ones(4), 2)))
    cases.text("err_ln_shape", error(lambda: F.layer_norm(torch.ones(2, 3, 4), (3, 5))))
    cases.text("err_ln_weight", error(lambda: F.layer_norm(torch.ones(2, 3, 4), (4,), torch.ones(3))))
    cases.text("err_in_dim", error(lambda: nn.InstanceNorm2d(3)(torch.ones(3, 4))))
    cases.text("err_in_features", error(lambda: nn.InstanceNorm1d(3, affine=True)(torch.ones(2, 4, 5))))
    cases.text("err_in_spatial", error(lambda: F.instance_norm(torch.ones(2, 3, 1))))
