#!/usr/bin/python3
"""Trains PyTorch's classic MNIST network on Fashion-MNIST for one epoch in
PyTorch (this python's torch) and in ember (build/examples/fashion_mnist), one
after the other in one run, with the same hyperparameters (Adadelta lr 1.0,
StepLR gamma 0.7, batch 64, shuffled, dropout, seed 1), and prints each one's
training time, images/s, time per phase (data, forward, backward, optimizer)
and test accuracy, and the ratios (PyTorch time / ember time: > 1 means ember
is faster).

PyTorch's data is the same idx files read with numpy, normalised once into a
TensorDataset (cheaper than the example's per-image torchvision transforms, so
the comparison favours PyTorch); its DataLoader runs in the main process.

  /usr/bin/python3 bench/fashion_mnist.py --build build [--threads 2] [--epochs 1]
                                          [--max-batches N] [--order torch-first|ember-first]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from fashion_mnist_check import Net, idx  # noqa: E402  (the same network and idx reader)

ROOT = "/usr/share/datasets/fashion-mnist"


def dataset(train):
    prefix = "train" if train else "t10k"
    x = torch.from_numpy(idx(os.path.join(ROOT, f"{prefix}-images-idx3-ubyte.gz")).copy()).float()
    x = ((x / 255.0 - 0.1307) / 0.3081).unsqueeze(1)
    y = torch.from_numpy(idx(os.path.join(ROOT, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64))
    return torch.utils.data.TensorDataset(x, y)


def progress(tag, done, total, t0):
    if done % 50 == 0 or done == total:
        rate = done * 64 / (time.perf_counter() - t0)
        print(f"\r{tag} {done}/{total} batches, {rate:.0f} img/s ", end="", file=sys.stderr, flush=True)


def train_torch(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    train = torch.utils.data.DataLoader(dataset(True), batch_size=64, shuffle=True)
    test = torch.utils.data.DataLoader(dataset(False), batch_size=1000)
    net = Net()
    opt = torch.optim.Adadelta(net.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    total = len(train) if args.max_batches <= 0 else min(args.max_batches, len(train))
    epochs = []
    for epoch in range(1, args.epochs + 1):
        net.train()
        ph = dict(data_s=0.0, forward_s=0.0, backward_s=0.0, optimizer_s=0.0)
        t0 = time.perf_counter()
        it = iter(train)
        done = images = 0
        while done < total:
            t = time.perf_counter()
            try:
                x, y = next(it)
            except StopIteration:
                break
            t1 = time.perf_counter()
            opt.zero_grad()
            loss = F.nll_loss(net(x), y)
            loss.item()
            t2 = time.perf_counter()
            loss.backward()
            t3 = time.perf_counter()
            opt.step()
            t4 = time.perf_counter()
            ph["data_s"] += t1 - t
            ph["forward_s"] += t2 - t1
            ph["backward_s"] += t3 - t2
            ph["optimizer_s"] += t4 - t3
            done += 1
            images += x.shape[0]
            progress("PyTorch", done, total, t0)
        train_s = time.perf_counter() - t0
        print(file=sys.stderr)
        sched.step()
        net.eval()
        correct = seen = 0
        with torch.no_grad():
            for b, (x, y) in enumerate(test):
                if args.max_batches > 0 and b == args.max_batches:
                    break
                correct += (net(x).argmax(1) == y).sum().item()
                seen += y.shape[0]
        epochs.append(dict(epoch=epoch, images=images, train_s=train_s, accuracy=correct / seen, **ph))
    return epochs


def train_ember(args):
    exe = os.path.join(args.build, "examples", "fashion_mnist")
    if not os.path.exists(exe):
        sys.exit(f"{exe} is missing: build ember first (make build)")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [exe, "--epochs", str(args.epochs), "--threads", str(args.threads), "--seed", "1",
               "--report", report, "--checkpoint", os.path.join(tmp, "net.pt")]
        if args.max_batches > 0:
            cmd += ["--max-batches", str(args.max_batches)]
        subprocess.run(cmd, check=True, stdout=sys.stderr)  # its progress bar goes to the terminal
        with open(report) as f:
            return json.load(f)


def fmt(s):
    return f"{s:.1f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-batches", type=int, default=0, help="a short run (not a benchmark)")
    ap.add_argument("--order", choices=("torch-first", "ember-first"), default="torch-first")
    args = ap.parse_args()
    runs = {}
    order = ("torch", "ember") if args.order == "torch-first" else ("ember", "torch")
    for lib in order:
        runs[lib] = train_torch(args) if lib == "torch" else train_ember(args)
    t, e = runs["torch"], runs["ember"]
    print(f"\nFashion-MNIST, PyTorch's MNIST network, batch 64, {args.threads} threads, "
          f"torch {torch.__version__}")
    print("| epoch | library | training | images/s | data | forward | backward | optimizer | test accuracy |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    keys = ("train_s", "data_s", "forward_s", "backward_s", "optimizer_s")
    for te, ee in zip(t, e):
        for name, r in (("PyTorch", te), ("ember", ee)):
            print(f"| {r['epoch']} | {name} | {fmt(r['train_s'])} | {r['images'] / r['train_s']:.0f} | "
                  + " | ".join(fmt(r[k]) for k in keys[1:]) + f" | {r['accuracy']:.4f} |")
        ratios = [te[k] / ee[k] if ee[k] > 0 else float("inf") for k in keys]
        print(f"| {te['epoch']} | PyTorch/ember | {ratios[0]:.2f}x | | "
              + " | ".join(f"{r:.2f}x" for r in ratios[1:])
              + f" | {100 * (ee['accuracy'] - te['accuracy']):+.2f} points |")


if __name__ == "__main__":
    main()
