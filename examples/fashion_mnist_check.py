#!/usr/bin/python3
"""Loads the checkpoint examples/fashion_mnist wrote into the same network in
PyTorch (strict load_state_dict: same keys and shapes) and checks that PyTorch
gets the test accuracy ember reported (within 0.1 point; the two libraries sum
in different orders).

    fashion_mnist_check.py CHECKPOINT [ROOT]
"""
import gzip
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "parity"))
import st_read  # noqa: E402


class Net(nn.Module):  # PyTorch's examples/mnist network
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = torch.flatten(self.dropout1(F.max_pool2d(x, 2)), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(raw, np.uint8, offset=8)


def main():
    ckpt = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    if ckpt.endswith(".safetensors"):
        tensors, metadata, _ = st_read.load(ckpt)
        state = {name: t for name, t, _, _ in tensors}
    else:  # torch.save's format; weights_only: the file holds nothing but tensors
        state = torch.load(ckpt, weights_only=True)
    net = Net()
    net.load_state_dict(state)  # strict: the keys and shapes must be PyTorch's
    net.eval()
    with open(ckpt + ".accuracy") as f:
        ember_acc = float(f.read())
    x = torch.from_numpy(idx(os.path.join(root, "t10k-images-idx3-ubyte.gz")).copy()).float()
    x = ((x / 255.0 - 0.1307) / 0.3081).unsqueeze(1)
    y = torch.from_numpy(idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    with torch.no_grad():
        acc = (net(x).argmax(1) == y).double().mean().item()
    print(f"fashion_mnist_check: PyTorch accuracy {acc:.4f}, ember reported {ember_acc:.4f}")
    if abs(acc - ember_acc) > 1e-3:
        sys.exit("fashion_mnist_check: the accuracies differ")


if __name__ == "__main__":
    main()
