"""Files written by PyTorch (through st.py) that ember must read.

Each case's in0 is a torch tensor of one dtype; out0 is its values as int64 (bit
patterns for floating types, so NaN payloads, signed zeros and subnormals are
checked exactly). The same bits are also stored as JSON text in the metadata
("values:<case>"), a channel independent of the binary data section, and
"__order__" records the order the tensors were written in."""
import json

import torch

# Bit patterns chosen to hit the edges: zeros of both signs, ones, subnormals,
# the largest finite value, infinities and NaNs (with a payload where possible).
F16_BITS = [0x0000, 0x8000, 0x3C00, 0xBC00, 0x0001, 0x03FF, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x7E01, 0x3555]
BF16_BITS = [0x0000, 0x8000, 0x3F80, 0xBF80, 0x0001, 0x007F, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0, 0x7FC1, 0x3EAB]
F32_BITS = [0x00000000, 0x80000000, 0x3F800000, 0xBFC00000, 0x00000001, 0x007FFFFF, 0x7F7FFFFF,
            0x7F800000, 0xFF800000, 0x7FC00000, 0x7FC00001, 0x3EAAAAAB]
F64_BITS = [0x0000000000000000, 0x8000000000000000, 0x3FF0000000000000, 0xC000000000000000,
            0x0000000000000001, 0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000, 0xFFF0000000000000,
            0x7FF8000000000000, 0x7FF8000000000001, 0x3FD5555555555555, 0x400921FB54442D18]


def signed(bits, width):
    return [b - (1 << width) if b >= 1 << (width - 1) else b for b in bits]


def from_bits(bits, width, int_dtype, dtype, shape):
    return torch.tensor(signed(bits, width), dtype=int_dtype).view(dtype).reshape(shape)


def as_int64(t):
    """Values as int64: bit patterns (sign-extended) for floating types."""
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).to(torch.int64)
    if t.dtype == torch.float32:
        return t.view(torch.int32).to(torch.int64)
    if t.dtype == torch.float64:
        return t.view(torch.int64).clone()
    return t.to(torch.int64)


def generate(cases):
    g = torch.Generator().manual_seed(1234)
    tensors = {
        "bool": torch.tensor([[True, False, True], [False, False, True]]),
        "uint8": torch.tensor([0, 1, 127, 128, 254, 255], dtype=torch.uint8).reshape(3, 2),
        "int8": torch.tensor([-128, -1, 0, 1, 127, 42], dtype=torch.int8),
        "int16": torch.tensor([-32768, -1, 0, 1, 32767, 1234], dtype=torch.int16).reshape(2, 1, 3),
        "int32": torch.tensor([-2**31, -1, 0, 1, 2**31 - 1, 99999], dtype=torch.int32).reshape(6, 1),
        "int64": torch.tensor([-2**63, -1, 0, 1, 2**63 - 1, 2**40 + 3], dtype=torch.int64).reshape(2, 3),
        "float16": from_bits(F16_BITS, 16, torch.int16, torch.float16, (3, 4)),
        "bfloat16": from_bits(BF16_BITS, 16, torch.int16, torch.bfloat16, (4, 3)),
        "float32": from_bits(F32_BITS, 32, torch.int32, torch.float32, (2, 6)),
        "float64": from_bits(F64_BITS, 64, torch.int64, torch.float64, (2, 2, 3)),
        # torch's own arithmetic and rounding, not just chosen bit patterns
        "randn_float32": torch.randn(5, 7, generator=g),
        "randn_bfloat16": torch.randn(3, 5, generator=g).to(torch.bfloat16),
        "randn_float16": torch.randn(4, 4, generator=g).half(),
        "arange_float64": torch.arange(24, dtype=torch.float64).reshape(2, 3, 4) / 3,
        "scalar_float32": torch.tensor(3.5),
        "scalar_int64": torch.tensor(-7),
        "scalar_bool": torch.tensor(True),
        "empty_float32": torch.empty(2, 0, 3),
        "empty_int8": torch.empty(0, dtype=torch.int8),
        # names with dots and non-ASCII characters
        "layer.0.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5,
        "模型.层.1.偏置": torch.tensor([1, 2, 3], dtype=torch.int32),
        # a transposed and a channels_last tensor: st.py writes them in logical order
        "transposed_float32": torch.arange(12, dtype=torch.float32).reshape(3, 4).t(),
        "channels_last_float32": torch.arange(2 * 3 * 2 * 2, dtype=torch.float32)
        .reshape(2, 3, 2, 2).contiguous(memory_format=torch.channels_last),
    }
    for name, t in tensors.items():
        assert "/" not in name
        cases.add(name, [t], [as_int64(t)])
        cases.text("values:" + name, json.dumps({"dtype": str(t.dtype).replace("torch.", ""),
                                                 "shape": list(t.shape),
                                                 "values": as_int64(t).flatten().tolist()}))
    cases.text("unicode: ünï €", "value with \"quotes\", a \\ backslash,\nnewline and 😀")
    cases.text("__order__", json.dumps(list(cases.tensors)))
