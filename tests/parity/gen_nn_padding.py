"""torch.nn's padding layers: forward values and input gradients (the upstream
gradient is a fixed random tensor), printed modules, and errors."""
import torch
from torch import nn

CASES = [
    ("constant1d", lambda: nn.ConstantPad1d(2, 3.5), (2, 3, 5)),
    ("constant1d_pair", lambda: nn.ConstantPad1d((1, 3), -1), (3, 4)),
    ("constant2d", lambda: nn.ConstantPad2d((1, 0, 2, 1), 0), (2, 2, 3, 4)),
    ("constant2d_crop", lambda: nn.ConstantPad2d((-1, 1, 0, -1), 2.0), (1, 2, 3, 4)),
    ("constant3d", lambda: nn.ConstantPad3d(1, 0.25), (1, 2, 2, 3, 2)),
    ("zero2d", lambda: nn.ZeroPad2d((2, 1, 0, 1)), (2, 1, 3, 3)),
    ("zero2d_int", lambda: nn.ZeroPad2d(1), (1, 3, 3)),
    ("reflection1d", lambda: nn.ReflectionPad1d((2, 1)), (2, 3, 5)),
    ("reflection2d", lambda: nn.ReflectionPad2d(2), (1, 2, 4, 5)),
    ("reflection3d", lambda: nn.ReflectionPad3d((1, 0, 1, 1, 0, 1)), (1, 1, 3, 3, 3)),
    ("replication1d", lambda: nn.ReplicationPad1d(3), (2, 2, 4)),
    ("replication2d", lambda: nn.ReplicationPad2d((0, 2, 1, 3)), (1, 2, 3, 3)),
    ("replication3d", lambda: nn.ReplicationPad3d(1), (1, 2, 2, 2, 3)),
]


def generate(cases):
    for name, make, shape in CASES:
        m = make()
        x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
        y = m(x)
        g = torch.randn(y.shape, dtype=torch.float64)
        y.backward(g)
        cases.add(name, [x.detach(), g], [y.detach(), x.grad])
        cases.text("repr:" + name, repr(m))
    for name, make, shape in (("err_reflect_too_big", lambda: nn.ReflectionPad1d(3), (1, 2, 3)),
                              ("err_replicate_rank", lambda: nn.ReplicationPad2d(1), (3,))):
        try:
            make()(torch.zeros(*shape))
            cases.text(name, "no error")
        except Exception as e:  # noqa: BLE001
            cases.text(name, f"{type(e).__name__}: {e}")
