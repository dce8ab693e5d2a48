#!/usr/bin/env python3
"""A small, independent safetensors reader (struct + json + torch) used to check
files that ember writes.

    st_read.py FILE SPEC.json [--resave OUT]

With --resave, the tensors read (in data order) and the metadata are written back
to OUT with st.py (PyTorch's side of the parity harness), closing the loop
ember -> torch -> ember.

SPEC.json:
    {"tensors": {NAME: {"dtype": "bfloat16", "shape": [2, 3], "value": PYTHON_EXPR}},
     "metadata": {KEY: VALUE},          # expected __metadata__ exactly ({} = none)
     "order": [NAME, ...]}              # optional: expected order in the data section

VALUE is a Python expression evaluated with `torch` in scope (e.g.
"torch.arange(6, dtype=torch.float32).reshape(2, 3)"). Values must match bit for
bit (NaNs, signed zeros and all), dtypes and shapes exactly. Exits 0 and prints
"st_read: OK ..." on success; prints every problem and exits 1 otherwise.
"""
import json
import os
import struct
import sys

import torch

DTYPES = {
    "BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16,
    "I32": torch.int32, "I64": torch.int64, "F16": torch.float16, "BF16": torch.bfloat16,
    "F32": torch.float32, "F64": torch.float64,
}
# Same-sized integer types, to compare floating values bit for bit.
BITS = {torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.float32: torch.int32,
        torch.float64: torch.int64}


class FormatError(Exception):
    pass


def load(path):
    """Returns (tensors: list of (name, tensor, begin, end) in data order, metadata, header_len).
    Validates the layout strictly: offsets in range, sizes matching dtype and shape, and the
    tensors tiling the data section with no gap or overlap."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise FormatError(f"file is {len(raw)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise FormatError(f"header length {n} exceeds the {len(raw) - 8} bytes after it")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise FormatError(f"duplicate keys in the header: {keys}")
        return dict(pairs)

    header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    if not isinstance(header, dict):
        raise FormatError("header is not a JSON object")
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FormatError(f"__metadata__ is not a str -> str object: {metadata!r}")
    entries = []
    for name, e in header.items():
        dtype = DTYPES.get(e.get("dtype"))
        if dtype is None:
            raise FormatError(f"{name}: unknown dtype {e.get('dtype')!r}")
        shape = e["shape"]
        begin, end = e["data_offsets"]
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise FormatError(f"{name}: bad shape {shape}")
        numel = 1
        for d in shape:
            numel *= d
        itemsize = torch.empty((), dtype=dtype).element_size()
        if not (0 <= begin <= end <= len(data)) or end - begin != numel * itemsize:
            raise FormatError(f"{name}: data_offsets {[begin, end]} do not fit shape {shape} "
                              f"{e['dtype']} in a {len(data)}-byte data section")
        entries.append((begin, end, name, dtype, shape))
    entries.sort(key=lambda x: (x[0], x[1]))
    pos = 0
    for begin, end, name, _, _ in entries:
        if begin != pos:
            raise FormatError(f"{name}: starts at {begin}, expected {pos} (gap or overlap)")
        pos = end
    if pos != len(data):
        raise FormatError(f"tensors cover {pos} of {len(data)} data bytes")
    out = []
    for begin, end, name, dtype, shape in entries:
        if end > begin:
            t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
        else:
            t = torch.empty(shape, dtype=dtype)
        out.append((name, t, begin, end))
    return out, metadata, n


def same_bits(a, b):
    if a.dtype in BITS:
        return torch.equal(a.contiguous().view(BITS[a.dtype]), b.contiguous().view(BITS[b.dtype]))
    return torch.equal(a, b)


def check(path, spec):
    problems = []
    tensors, metadata, header_len = load(path)
    if (8 + header_len) % 8:
        problems.append(f"data section starts at byte {8 + header_len}, not a multiple of 8")
    got = {name: (t, begin) for name, t, begin, _ in tensors}
    want = spec["tensors"]
    if set(got) != set(want):
        problems.append(f"names differ: missing {sorted(set(want) - set(got))}, "
                        f"unexpected {sorted(set(got) - set(want))}")
    for name, w in want.items():
        if name not in got:
            continue
        t, begin = got[name]
        dtype = getattr(torch, w["dtype"])
        if t.dtype != dtype:
            problems.append(f"{name}: dtype {t.dtype}, expected {dtype}")
            continue
        if list(t.shape) != list(w["shape"]):
            problems.append(f"{name}: shape {list(t.shape)}, expected {w['shape']}")
            continue
        if begin % t.element_size():
            problems.append(f"{name}: offset {begin} is not aligned to its element size")
        expected = eval(w["value"], {"torch": torch})  # the spec is written by the test itself
        if expected.dtype != dtype or list(expected.shape) != list(t.shape):
            problems.append(f"{name}: spec value has dtype {expected.dtype} shape "
                            f"{list(expected.shape)}; fix the spec")
        elif not same_bits(t, expected):
            problems.append(f"{name}: values differ:\n  file:     {t}\n  expected: {expected}")
    if metadata != spec.get("metadata", {}):
        problems.append(f"metadata {metadata!r}, expected {spec.get('metadata', {})!r}")
    if "order" in spec and [n for n, _, _, _ in tensors] != spec["order"]:
        problems.append(f"data order {[n for n, _, _, _ in tensors]}, expected {spec['order']}")
    return problems, len(tensors)


def main():
    args = sys.argv[1:]
    resave = None
    if len(args) == 4 and args[2] == "--resave":
        resave = args[3]
        args = args[:2]
    if len(args) != 2:
        sys.exit("usage: st_read.py FILE SPEC.json [--resave OUT]")
    with open(args[1], encoding="utf-8") as f:
        spec = json.load(f)
    try:
        problems, count = check(args[0], spec)
    except (FormatError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        problems, count = [f"cannot read {args[0]}: {type(e).__name__}: {e}"], 0
    if problems:
        for p in problems:
            print("st_read:", p, file=sys.stderr)
        sys.exit(1)
    print(f"st_read: OK, {count} tensors match")
    if resave:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import st
        tensors, metadata, _ = load(args[0])
        st.save(resave, {name: t for name, t, _, _ in tensors}, metadata)


if __name__ == "__main__":
    main()
