"""Data loading parity (tests/parity/data_test.cpp): Fashion-MNIST read with
gzip + numpy from Debian's files (labels, per-image pixel sums, the first
images normalised as ToTensor + Normalize), torch's DataLoader batches over a
TensorDataset without shuffling (with and without drop_last), random_split's
lengths for fractions, and the loader's option errors (stored as text)."""
import gzip
import os

import warnings

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

from gen_nn_module import error  # noqa: E402 - the shared "Type: message" helper

warnings.filterwarnings("ignore")

ROOT = "/usr/share/datasets/fashion-mnist"


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def generate(cases):
    for split, n in (("train", 60000), ("t10k", 10000)):
        images = torch.from_numpy(read_idx(f"{ROOT}/{split}-images-idx3-ubyte.gz", 16).copy()).view(n, 28, 28)
        labels = torch.from_numpy(read_idx(f"{ROOT}/{split}-labels-idx1-ubyte.gz", 8).copy()).long()
        sums = images.view(n, -1).long().sum(1)
        idx = torch.tensor([0, 1, 2, n - 1])
        x = images[idx].float().div(255).unsqueeze(1)
        normed = x.clone().sub_(torch.tensor([0.2860]).view(-1, 1, 1)).div_(torch.tensor([0.3530]).view(-1, 1, 1))
        cases.add(f"fmnist_{split}", [idx], [labels, sums, x, normed])

    x = torch.arange(30, dtype=torch.float32).view(10, 3)
    y = torch.arange(10) * 7
    for drop_last in (False, True):
        batches = list(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=drop_last))
        cases.add(f"loader_drop{int(drop_last)}", [x, y],
                  [torch.tensor(len(batches))] + [t for b in batches for t in b])

    for name, n, fr in (("a", 10, [0.33, 0.33, 0.34]), ("b", 30, [0.3, 0.3, 0.4]), ("c", 7, [0.5, 0.5]),
                        ("d", 5, [0.1, 0.1, 0.8]), ("e", 10, [1.0])):
        parts = random_split(range(n), fr, generator=torch.Generator().manual_seed(0))
        cases.add(f"split_{name}", [torch.tensor(n), torch.tensor(fr, dtype=torch.float64)],
                  [torch.tensor([len(p) for p in parts])])

    ds = TensorDataset(x, y)
    cases.text("err_split_sum", error(lambda: random_split(range(10), [3, 6])))
    cases.text("err_split_fraction", error(lambda: random_split(range(10), [1.5, -0.5])))
    cases.text("err_num_workers", error(lambda: DataLoader(ds, num_workers=-1)))
    cases.text("err_prefetch", error(lambda: DataLoader(ds, prefetch_factor=4)))
    cases.text("err_batch_size", error(lambda: DataLoader(ds, batch_size=0)))
