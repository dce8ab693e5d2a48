#!/usr/bin/env python3
"""Writes PyTorch's reference files for every parity area: runs each gen_<area>.py's
generate(cases) and saves <out>/<area>.safetensors. Fails loudly if torch is missing:
parity tests never skip."""
import argparse
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

try:
    import torch
except ImportError as e:  # a parity run without torch is a failure, not a skip
    sys.exit(f"parity_generate: cannot import torch ({e}); run scripts/install-deps")

import st  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None, help="generate one area")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    areas = sorted(f[4:-3] for f in os.listdir(here) if f.startswith("gen_") and f.endswith(".py"))
    if args.only:
        areas = [args.only]
    for area in areas:
        spec = importlib.util.spec_from_file_location("gen_" + area, os.path.join(here, f"gen_{area}.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        torch.manual_seed(0)
        cases = st.Cases()
        mod.generate(cases)
        cases.save(os.path.join(args.out, area + ".safetensors"))
        print(f"parity_generate: {area}: {len({k.rsplit('/', 1)[0] for k in cases.tensors})} cases")


if __name__ == "__main__":
    main()
