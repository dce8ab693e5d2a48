#!/usr/bin/python3
"""Checks the .pt files tests/parity/pt_test.cpp wrote with ember::save_pt:
torch.load reads them (with weights_only=True where PyTorch 1.13 allows:
nothing but tensors and containers) and gets what ember meant to save. Prints one line per file; exits 1 on the
first mismatch.

    pt_check.py DIR
"""
import math
import os
import sys
import zipfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_read  # noqa: E402


class Small(nn.Module):  # as in gen_pt.py and pt_test.cpp
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(16, 5)


def fail(msg):
    sys.exit("pt_check: " + msg)


def same(a, b, path):
    if isinstance(b, torch.Tensor):
        if not isinstance(a, torch.Tensor):
            fail(f"{path}: expected a tensor, got {type(a).__name__}")
        if a.dtype != b.dtype or a.shape != b.shape or a.stride() != b.stride() \
                or a.storage_offset() != b.storage_offset() or a.requires_grad != b.requires_grad:
            fail(f"{path}: got {a.dtype} {tuple(a.shape)} stride {a.stride()} offset "
                 f"{a.storage_offset()} requires_grad {a.requires_grad}, expected {b.dtype} "
                 f"{tuple(b.shape)} stride {b.stride()} offset {b.storage_offset()} {b.requires_grad}")
        if not torch.equal(a.detach(), b.detach()):
            fail(f"{path}: values differ: {a} vs {b}")
        return
    if type(a) is not type(b):
        fail(f"{path}: expected {type(b).__name__}, got {type(a).__name__} ({a!r})")
    if isinstance(b, dict):
        if list(a.keys()) != list(b.keys()):
            fail(f"{path}: keys {list(a.keys())} != {list(b.keys())}")
        for k in b:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(b, (list, tuple)):
        if len(a) != len(b):
            fail(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(b, float) and math.isnan(b):
        if not math.isnan(a):
            fail(f"{path}: {a} is not nan")
    elif a != b:
        fail(f"{path}: {a!r} != {b!r}")


def expected_value():
    """What pt_test.cpp's value.pt holds (built the same way there)."""
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    tensors = {
        "base": base,
        "t": base.t(),
        "slice": base[1:, 1:3],
        "scalar": torch.tensor(3.5, dtype=torch.float64),
        "empty": torch.zeros(0, 2),
    }
    for dt in (torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
               torch.int8, torch.uint8):
        tensors[str(dt)[6:]] = torch.arange(-3, 3).to(dt)
    tensors["bool"] = torch.tensor([True, False, True])
    tensors["grad"] = torch.ones(2).requires_grad_(True)
    return {
        "epoch": 7,
        "loss": 0.25,
        "tag": "ember \u2713",
        "ok": False,
        "none": None,
        "sizes": (3, 4),
        "single": (1,),
        "empty_tuple": (),
        "list": [1, -70000, 2 ** 40, -2.5, "a", []],
        "empty_dict": {},
        "inf": float("inf"),
        "tensors": tensors,
    }


def main():
    d = sys.argv[1]
    # A state_dict: PyTorch's model loads it strictly; values equal the safetensors copy.
    sd = torch.load(os.path.join(d, "sd.pt"), weights_only=True)
    if type(sd).__name__ != "OrderedDict":
        fail(f"sd.pt holds a {type(sd).__name__}, not an OrderedDict")
    model = Small()
    model.load_state_dict(sd)
    if list(sd.keys()) != list(model.state_dict().keys()):  # PyTorch's key order too
        fail(f"sd.pt keys {list(sd.keys())} != {list(model.state_dict().keys())}")
    tensors, _, _ = st_read.load(os.path.join(d, "sd.safetensors"))
    ref = {name: t for name, t, _, _ in tensors}
    if sorted(sd.keys()) != sorted(ref.keys()):
        fail(f"sd.pt keys {list(sd.keys())} != {list(ref.keys())}")
    for k in ref:
        same(sd[k], ref[k], "sd." + k)
    print("pt_check: sd.pt ok")

    # PyTorch 1.13's weights-only unpickler has no BINFLOAT opcode (2.x has), so
    # the file with floats loads with the full unpickler; the float-free
    # tensors.pt must pass weights_only.
    v = torch.load(os.path.join(d, "value.pt"))
    same(v, expected_value(), "value")
    t = v["tensors"]
    ptr = t["base"].storage().data_ptr()
    if t["t"].storage().data_ptr() != ptr or t["slice"].storage().data_ptr() != ptr:
        fail("value.pt: base, t and slice do not share one storage")
    print("pt_check: value.pt ok")
    same(torch.load(os.path.join(d, "tensors.pt"), weights_only=True), expected_value()["tensors"], "tensors")
    print("pt_check: tensors.pt ok")

    with zipfile.ZipFile(os.path.join(d, "zip64.zip")) as z:
        bad = z.testzip()
        if bad is not None:
            fail(f"zip64.zip: entry {bad} is corrupt")
        names = [(i.filename, z.read(i.filename)) for i in z.infolist()]
        if names != [("a/first", b"hello"), ("a/empty", b""), ("a/second", bytes(range(200)))]:
            fail(f"zip64.zip holds {names}")
    print("pt_check: zip64.zip ok")


if __name__ == "__main__":
    main()
