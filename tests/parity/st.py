"""Minimal safetensors writer for the parity harness (no dependency beyond torch)."""
import json
import struct

import torch

_NAMES = {
    torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
    torch.int32: "I32", torch.int64: "I64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.float32: "F32", torch.float64: "F64",
}


def _bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def save(path, tensors, metadata=None):
    """tensors: dict name -> torch.Tensor (written in logical, row-major order)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    off = 0
    for name, t in tensors.items():
        b = _bytes(t)
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Cases:
    """Collects parity cases: add(name, inputs, outputs) then save(path)."""

    def __init__(self):
        self.tensors = {}
        self.texts = {}

    def text(self, name, value):
        """A string result (a repr, an error message), stored in __metadata__ under name."""
        assert name not in self.texts, "duplicate text " + name
        self.texts[name] = value

    def add(self, name, inputs, outputs, strides=False):
        assert "/" not in name, name
        assert not any(k.startswith(name + "/") for k in self.tensors), "duplicate case " + name
        for i, t in enumerate(inputs):
            self.tensors[f"{name}/in{i}"] = t
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        for i, t in enumerate(outputs):
            self.tensors[f"{name}/out{i}"] = t
            if strides:
                self.tensors[f"{name}/strides{i}"] = torch.tensor(t.stride(), dtype=torch.int64)

    def save(self, path):
        save(path, self.tensors, self.texts)
