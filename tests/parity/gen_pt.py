"""Checkpoints written by torch.save that ember's load_pt must read.

Each case's in0 is the bytes of a .pt file (uint8); its outputs are the tensors
the file holds, in order, and texts give what else must come back: the keys
("keys:<case>"), the repr of the loaded object in nn::Value's format
("repr:<case>"), strides and offsets ("layout:<case>"). Files ember must refuse
are "bad_<name>" cases whose in0 is the file; the C++ test checks its errors."""
import collections
import io
import zipfile

import torch
from torch import nn


def file_bytes(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def as_tensor(b):
    return torch.tensor(list(b), dtype=torch.uint8) if b else torch.zeros(0, dtype=torch.uint8)


def rezip(data, compression, force_zip64=False):
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as dst:
        for info in src.infolist():
            with dst.open(info.filename, "w", force_zip64=force_zip64) as f:
                f.write(src.read(info.filename))
    return out.getvalue()


def value_repr(v):
    """nn::Value::repr's format: tensors by shape, dicts with quoted keys."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return "'" + v + "'"
    if isinstance(v, torch.Tensor):
        return "Tensor[" + ", ".join(str(s) for s in v.shape) + "]"
    if isinstance(v, tuple):
        inner = ", ".join(value_repr(x) for x in v)
        return "(" + inner + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(value_repr(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"'{k}': {value_repr(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


def trained_small():
    torch.manual_seed(3)
    net = Small()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss = net(torch.randn(2, 3, 4, 4)).square().mean()
    loss.backward()
    opt.step()
    return net, opt


def generate(cases):
    # A trained model's state_dict (BatchNorm's running stats and int64 counter).
    net, opt = trained_small()
    sd = net.state_dict()
    cases.add("state_dict", [as_tensor(file_bytes(sd))], [t.clone() for t in sd.values()])
    cases.text("keys:state_dict", ",".join(sd.keys()))

    # Every dtype, and views of one storage (saved once, with offsets and strides).
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = collections.OrderedDict()
    views["base"] = base
    views["t"] = base.t()
    views["slice"] = base[1:, ::2]
    views["row"] = base[2]
    views["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    views["empty"] = torch.zeros(0, 3)
    for dt in (torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
               torch.int8, torch.uint8):
        views[str(dt)[6:]] = (torch.arange(-5, 7) * 3).to(dt).reshape(3, 4)
    views["bool"] = torch.tensor([True, False, True, True])
    cases.add("views", [as_tensor(file_bytes(views))], [v.clone() for v in views.values()])
    cases.text("keys:views", ",".join(views.keys()))
    cases.text("layout:views", ";".join(
        f"{k}:{v.storage_offset()}:{list(v.stride())}" for k, v in views.items()))

    # A training checkpoint: numbers, strings, containers, nested state dicts,
    # an optimizer state (int keys) and a Parameter.
    ckpt = {
        "epoch": 3,
        "lr": 0.5,
        "name": "net",
        "done": True,
        "nothing": None,
        "shape": (2, 3),
        "one": (7,),
        "mixed": [1, -2.25, "x", [], {}],
        "big": -(2 ** 40),
        "model": sd,
        "optimizer": opt.state_dict(),
        "param": nn.Parameter(torch.ones(2, 2)),
    }
    loaded_like = dict(ckpt)
    loaded_like["optimizer"] = {
        "state": {str(k): v for k, v in opt.state_dict()["state"].items()},
        "param_groups": opt.state_dict()["param_groups"],
    }
    cases.add("checkpoint", [as_tensor(file_bytes(ckpt))],
              [opt.state_dict()["state"][0]["exp_avg"].clone(), torch.ones(2, 2)])
    cases.text("repr:checkpoint", value_repr(loaded_like))

    # The same state_dict re-zipped by a tool: deflated, and with zip64 records.
    raw = file_bytes(sd)
    cases.add("deflated", [as_tensor(rezip(raw, zipfile.ZIP_DEFLATED))], [t.clone() for t in sd.values()])
    cases.add("zip64", [as_tensor(rezip(raw, zipfile.ZIP_STORED, force_zip64=True))],
              [t.clone() for t in sd.values()])

    # Files ember refuses (the C++ test checks the messages).
    cases.add("bad_module", [as_tensor(file_bytes(nn.Linear(2, 2)))], [])
    cases.add("bad_legacy", [as_tensor(file_bytes(sd, _use_new_zipfile_serialization=False))], [])
    cases.add("bad_truncated", [as_tensor(raw[: len(raw) // 2])], [])
    corrupt = bytearray(raw)
    z = zipfile.ZipFile(io.BytesIO(raw))
    info = z.getinfo("archive/data/0")
    # The data of storage 0 starts after its local header (whose name and extra
    # lengths are at bytes 26 and 28); flip a byte in it.
    h = info.header_offset
    off = h + 30 + int.from_bytes(raw[h + 26:h + 28], "little") + int.from_bytes(raw[h + 28:h + 30], "little")
    corrupt[off + 1] ^= 0xFF
    cases.add("bad_crc", [as_tensor(bytes(corrupt))], [])
    cases.add("bad_not_zip", [as_tensor(b"this is not a checkpoint at all, just some text bytes")], [])
