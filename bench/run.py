#!/usr/bin/python3
"""Runs ember's benchmarks and the same work in PyTorch (and libtorch C++ where
bench/libtorch was built), in one run, and prints tables of medians and ratios
(other time / ember time: > 1 means ember is faster).

  tensor:   bench/tensor_bench against PyTorch; bandwidth-bound cases also show
            their fraction of memcpy's bandwidth.
  autograd: bench/autograd_bench against bench/libtorch/autograd_libtorch_bench
            and PyTorch: chain100 (engine overhead per node) and mlp (3-layer
            MLP forward + backward). See bench/autograd_bench.cpp for the cases.
  nn:       bench/nn_bench against bench/libtorch/nn_libtorch_bench and PyTorch on a
            ResNet-50-shaped module tree (traversals, state_dict, load, zero_grad,
            conversions, parameters_to_vector), with a memcpy of the same bytes
            beside the copies. See bench/nn_bench.cpp for the cases.
  conv:     bench/conv_bench against PyTorch: conv2d forward (no_grad) and forward +
            backward (input and weight gradients) on the ResNet-18 (CIFAR) shapes,
            batch 16, NCHW and channels_last. See bench/conv_bench.cpp.
  conv1x1:  the same on ResNet-50's (ImageNet) 1x1 shapes (56x56 to 7x7 planes).
  optim:    bench/optim_bench against PyTorch: one optimizer step (Adam, Adam with
            weight decay and amsgrad, Adadelta, SGD with momentum) over ResNet-18's
            62 parameter tensors (11.7M floats), PyTorch with foreach=False (1.13's
            default) and foreach=True. See bench/optim_bench.cpp.

  data:     bench/data_bench against PyTorch: one epoch of Fashion-MNIST train, batch
            64, shuffle, 0 and 2 workers (ember: threads; PyTorch: processes over a
            TensorDataset of the same images, already float). See bench/data_bench.cpp.

  rnn:      bench/rnn_bench against PyTorch: LSTM and GRU(256, 512, num_layers=2) on
            (T=50, N=32, 256), forward (no_grad) and forward + backward.
  transformer: bench/transformer_bench against PyTorch: TransformerEncoderLayer(512, 8, 2048,
            batch_first) forward + backward (train, dropout 0.1) and eval forward on (8, 128, 512),
            MultiheadAttention forward + backward.
  resnet:   bench/resnet_bench against PyTorch: one ResNet-18 (CIFAR form) SGD training step,
            batch 16, NCHW and channels_last (examples/models/resnet18.h).
  train:    bench/fashion_mnist.py: one epoch of the Fashion-MNIST example in PyTorch and
            ember, one after the other: training time, images/s, time per phase, accuracy.

  python3 bench/run.py --build build [--threads 2] [--reps 7] [--suite all|tensor|autograd|nn|conv|conv1x1|data|optim|rnn|transformer|resnet|train]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

N = 1 << 24  # 64 MiB per float32 operand, beyond the 32 MiB L3


def torch_cases():
    r = torch.rand
    a, b = r(N), r(N)
    A, B = r(4096, 4096), r(4096)
    S, T = r(4096, 8192)[:, ::2], r(4096, 4096)
    R = r(16384, 1024)
    img = r(64, 64, 56, 56)
    m1, m2 = r(128, 1024), r(1024, 1024)
    m3 = r(1024, 1024)
    return {
        "add_contiguous": lambda: a + b,
        "add_inplace": lambda: a.add_(b),
        "add_broadcast": lambda: A + B,
        "add_strided": lambda: S + T,
        "mul_scalar": lambda: a * 2.5,
        "sum_lastdim": lambda: R.sum(1),
        "sum_firstdim": lambda: R.sum(0),
        "to_float64": lambda: a.to(torch.float64),
        "to_float16": lambda: a.to(torch.float16),
        "to_bfloat16": lambda: a.to(torch.bfloat16),
        "to_channels_last": lambda: img.contiguous(memory_format=torch.channels_last),
        "mm_128x1024x1024": lambda: m1.mm(m2),
        "mm_1024x1024x1024": lambda: m3.mm(m3),
    }


def time_torch(fn, reps, min_time=0.2):
    fn()
    # choose an inner count that takes ~min_time/reps
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt > min_time / reps or n > 1 << 16:
            break
        n *= 2
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def run_gbench(exe, threads, reps, only=None):
    """Runs a Google Benchmark program; returns ({name: (median seconds, bytes)},
    {name: error message}) for its cases (a case that skipped itself with an
    error, e.g. a failed gradient check, lands in the second)."""
    env = dict(os.environ, EMBER_BENCH_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    args = [exe, "--benchmark_format=json", f"--benchmark_repetitions={reps}",
            "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.1"]
    if only:
        args.append(f"--benchmark_filter=^BM_{only}/")
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    res, errors = {}, {}
    if not out.strip():  # the filter matched no case (e.g. libtorch has no hooked call)
        return res, errors
    for b in json.loads(out)["benchmarks"]:
        name = b["run_name"].split("/")[0][3:]  # strip BM_
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        if b.get("aggregate_name") != "median":
            continue
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        res[name] = (b["real_time"] * unit, b.get("bytes"))
    return res, errors


def run_ember(build, threads, reps, only=None):
    return run_gbench(os.path.join(build, "bench", "tensor_bench"), threads, reps, only)[0]


CHAIN_OPS = 100
CHAIN_NODES = CHAIN_OPS + 2  # 50 MulBackward0 + 50 AddBackward0 + SumBackward0 + AccumulateGrad


def torch_autograd_cases():
    """The work of bench/autograd_bench.cpp, in PyTorch."""
    torch.manual_seed(0)
    x = torch.randn(16).requires_grad_()
    c = torch.rand(16) + 0.5

    def chain100():
        y = x
        for _ in range(CHAIN_OPS // 2):
            y = y * c
            y = y + c
        y.sum().backward()
        x.grad = None

    def param(shape, fan_in):
        return (torch.randn(*shape) * (1.0 / fan_in ** 0.5)).requires_grad_()

    w1, b1 = param((1024, 784), 784), param((1024,), 784)
    w2, b2 = param((1024, 1024), 1024), param((1024,), 1024)
    w3, b3 = param((10, 1024), 1024), param((10,), 1024)
    xm = torch.randn(128, 784)
    params = (w1, b1, w2, b2, w3, b3)
    F = torch.nn.functional

    def mlp():
        out = F.linear(F.linear(F.linear(xm, w1, b1).relu(), w2, b2).relu(), w3, b3)
        out.sum().backward()
        for p in params:
            p.grad = None

    return {"chain100": chain100, "mlp": mlp}


def fmt_time(s):
    return f"{s * 1e3:.3f} ms" if s >= 1e-3 else f"{s * 1e6:.2f} us"


def tensor_suite(args):
    # The machine is shared: ember and PyTorch alternate case by case, several
    # rounds, so a change in background load hits both sides alike.
    rows = []
    mem = []
    for name, fn in torch_cases().items():
        et_s, tt_s, mem_s = [], [], []
        for _ in range(args.rounds):
            r = run_ember(args.build, args.threads, args.reps, only=f"({name}|memcpy)")
            et_s.append(r[name][0])
            bytes_ = r[name][1]
            mem_s.append(r["memcpy"][1] / r["memcpy"][0])
            tt_s.append(time_torch(fn, args.reps))
        et, tt, bw = statistics.median(et_s), statistics.median(tt_s), statistics.median(mem_s)
        mem.append(bw)
        frac = f"{bytes_ / et / bw:.2f}" if bytes_ else ""
        rows.append((name, et, tt, tt / et, frac))
        print(f"  measured {name}", file=sys.stderr, flush=True)
    print(f"memcpy: {statistics.median(mem) / 1e9:.1f} GB/s (read + write), measured beside each case\n")
    print("| case | ember | PyTorch | PyTorch/ember | ember bandwidth / memcpy |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, et, tt, ratio, frac in rows:
        print(f"| {name} | {et * 1e3:.3f} ms | {tt * 1e3:.3f} ms | {ratio:.2f}x | {frac} |")
    gemm = os.path.join(args.build, "bench", "gemm_bench")
    if os.path.exists(gemm):
        print("\nember mm against a direct cblas_sgemm call (bench/gemm_bench):", flush=True)
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        subprocess.run([gemm, f"--benchmark_repetitions={args.reps}",
                        "--benchmark_report_aggregates_only=true"], env=env, check=True)


def autograd_suite(args):
    """ember, libtorch and PyTorch alternate case by case, args.rounds times."""
    ember_exe = os.path.join(args.build, "bench", "autograd_bench")
    lt_exe = os.path.join(args.build, "bench", "libtorch", "autograd_libtorch_bench")
    have_lt = os.path.exists(lt_exe)
    sides = ["ember", "libtorch", "PyTorch"]
    times = {}   # (case, side) -> median seconds, or an error string
    for name, fn in torch_autograd_cases().items():
        samples = {s: [] for s in sides}
        errors = {}
        for _ in range(args.rounds):
            for side, exe in (("ember", ember_exe), ("libtorch", lt_exe)):
                if side in errors or (side == "libtorch" and not have_lt):
                    continue
                r, err = run_gbench(exe, args.threads, args.reps, only=name)
                if name in err:
                    errors[side] = err[name]
                else:
                    samples[side].append(r[name][0])
            samples["PyTorch"].append(time_torch(fn, args.reps))
        for side in sides:
            if side in errors:
                times[name, side] = errors[side]
            elif samples[side]:
                times[name, side] = statistics.median(samples[side])
            else:
                times[name, side] = "not built"
        print(f"  measured {name}", file=sys.stderr, flush=True)

    def cell(v, scale=1.0):
        return fmt_time(v * scale) if isinstance(v, float) else "-"

    def ratio(case, side):
        e, o = times[case, "ember"], times[case, side]
        return f"{o / e:.2f}x" if isinstance(e, float) and isinstance(o, float) else "-"

    print(f"\nautograd (forward + backward per iteration; chain100 per node = per iteration / {CHAIN_NODES}:"
          f" {CHAIN_OPS} Mul/AddBackward0 + SumBackward0 + AccumulateGrad)\n")
    print("| case | ember | libtorch | PyTorch | libtorch/ember | PyTorch/ember |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rows = [("chain100", "chain100", 1.0), ("chain100 per node", "chain100", 1.0 / CHAIN_NODES),
            ("mlp 784-1024-1024-10, batch 128", "mlp", 1.0)]
    for label, case, scale in rows:
        print(f"| {label} | " + " | ".join(cell(times[case, s], scale) for s in sides) +
              f" | {ratio(case, 'libtorch')} | {ratio(case, 'PyTorch')} |")
    for (case, side), v in times.items():
        if not isinstance(v, float):
            print(f"{side} {case}: {v}")
    if not have_lt:
        print("libtorch: bench/libtorch not built (scripts/install-deps --bench, then "
              f"cmake -S . -B {args.build} && cmake --build {args.build} --target benchmarks)")
    # issue 3's targets: per-node overhead <= 1/3 of libtorch's; MLP no slower than libtorch
    for case, need, what in (("chain100", 3.0, "per-node overhead at most 1/3 of libtorch's"),
                             ("mlp", 1.0, "MLP forward+backward no slower than libtorch")):
        e, lt = times[case, "ember"], times[case, "libtorch"]
        if isinstance(e, float) and isinstance(lt, float):
            verdict = "met" if lt / e >= need else "NOT met"
            print(f"target {case}: {what} (libtorch/ember >= {need:.2f}): {lt / e:.2f}x, {verdict}")


def torch_resnet50():
    """A tree shaped like torchvision's resnet50() (names, parameters, buffers), in
    plain torch.nn: torchvision may not be installed."""
    nn = torch.nn

    class Bottleneck(nn.Module):
        def __init__(self, inplanes, planes, downsample):
            super().__init__()
            width = planes
            self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU(inplace=True)
            if downsample:
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, bias=False),
                                                nn.BatchNorm2d(planes * 4))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
            inplanes = 64
            for i, blocks in enumerate((3, 4, 6, 3)):
                planes = 64 << i
                layers = []
                for b in range(blocks):
                    layers.append(Bottleneck(inplanes, planes, b == 0))
                    inplanes = planes * 4
                setattr(self, f"layer{i + 1}", nn.Sequential(*layers))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(2048, 1000)

    torch.manual_seed(0)
    m = ResNet()
    params = list(m.parameters())
    assert len(params) == 161 and sum(p.numel() for p in params) == 25557032
    assert len(m.state_dict()) == 320
    return m


def torch_nn_cases():
    """The work of bench/nn_bench.cpp, in PyTorch: name -> setup() returning the
    timed function (each case on a fresh model, as the C++ sides)."""
    pv = torch.nn.utils.parameters_to_vector
    vp = torch.nn.utils.vector_to_parameters

    def named_parameters():
        m = torch_resnet50()
        return lambda: list(m.named_parameters())

    def state_dict():
        m = torch_resnet50()
        return lambda: m.state_dict()

    def load_state_dict():
        m = torch_resnet50()
        sd = type(m.state_dict())((k, v.clone() + 1) for k, v in m.state_dict().items())
        return lambda: m.load_state_dict(sd)

    def zero_grad_none():
        m = torch_resnet50()
        params = list(m.parameters())
        grads = [torch.zeros_like(p) for p in params]

        def fn():
            for p, g in zip(params, grads):
                p.grad = g
            m.zero_grad(set_to_none=True)
        return fn

    def zero_grad_zero():
        m = torch_resnet50()
        for p in m.parameters():
            p.grad = torch.ones_like(p)
        return lambda: m.zero_grad(set_to_none=False)

    def to_float64_and_back():
        m = torch_resnet50()
        return lambda: m.to(torch.float64).to(torch.float32)

    def parameters_to_vector():
        m = torch_resnet50()
        return lambda: pv(m.parameters())

    def vector_to_parameters():
        m = torch_resnet50()
        vec = pv(m.parameters()).detach() + 1
        return lambda: vp(vec, m.parameters())

    class Probe(torch.nn.Module):
        def forward(self, x):
            return x

    def call(hooks):
        m = Probe()
        for _ in range(hooks):
            m.register_forward_hook(lambda mod, args, out: None)
        x = torch.ones(1)
        return lambda: m(x)

    def call_0_hooks():
        return call(0)

    def call_3_hooks():
        return call(3)

    return {f.__name__: f for f in (named_parameters, state_dict, load_state_dict, zero_grad_none,
                                    zero_grad_zero, to_float64_and_back, parameters_to_vector,
                                    vector_to_parameters, call_0_hooks, call_3_hooks)}


# (case, label, the memcpy of the same bytes it is compared with, or None).
NN_CASES = [
    ("named_parameters", "named_parameters", None),
    ("state_dict", "state_dict", None),
    ("load_state_dict", "load_state_dict (copies 320 tensors)", "memcpy_state"),
    ("zero_grad_none", "zero_grad(set_to_none=True), 161 .grad set first", None),
    ("zero_grad_zero", "zero_grad(set_to_none=False)", None),
    ("to_float64_and_back", "to(float64).to(float32)", None),
    ("parameters_to_vector", "parameters_to_vector", "memcpy_params"),
    ("vector_to_parameters", "vector_to_parameters", "memcpy_params"),
    ("call_0_hooks", "module call, no hooks (forward returns its input)", None),
    ("call_3_hooks", "module call, 3 forward hooks", None),
]


def nn_suite(args):
    """ember, libtorch and PyTorch alternate case by case, args.rounds times; a case
    compared with memcpy runs beside it in the same ember process."""
    ember_exe = os.path.join(args.build, "bench", "nn_bench")
    lt_exe = os.path.join(args.build, "bench", "libtorch", "nn_libtorch_bench")
    have_lt = os.path.exists(lt_exe)
    sides = ["ember", "libtorch", "PyTorch"]
    setups = torch_nn_cases()
    load_before = os.getloadavg()[0]
    times = {}  # (case, side) -> median seconds, or an error string; (case, "memcpy") too
    for name, label, ref in NN_CASES:
        samples = {s: [] for s in sides + ["memcpy"]}
        errors = {}
        for _ in range(args.rounds):
            for side, exe in (("ember", ember_exe), ("libtorch", lt_exe)):
                if side in errors or (side == "libtorch" and not have_lt):
                    continue
                only = f"({name}|{ref})" if side == "ember" and ref else name
                r, err = run_gbench(exe, args.threads, args.reps, only=only)
                if name in err:
                    errors[side] = err[name]
                    continue
                if name not in r:  # libtorch's modules have no hooks: no such case
                    continue
                samples[side].append(r[name][0])
                if side == "ember" and ref:
                    samples["memcpy"].append(r[ref][0])
        fn = setups[name]()
        for _ in range(args.rounds):
            samples["PyTorch"].append(time_torch(fn, args.reps))
        del fn
        for side in sides + ["memcpy"]:
            if side in errors:
                times[name, side] = errors[side]
            elif samples[side]:
                times[name, side] = statistics.median(samples[side])
            else:
                times[name, side] = "not built"
        print(f"  measured {name}", file=sys.stderr, flush=True)

    def cell(v):
        return fmt_time(v) if isinstance(v, float) else "-"

    def ratio(o, e):
        return f"{o / e:.2f}x" if isinstance(e, float) and isinstance(o, float) else "-"

    print("\nnn.Module on a ResNet-50-shaped tree (161 parameters, 25.6M elements, "
          f"320 state_dict entries); load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after (the copies use {args.threads} threads, memcpy one: "
          "other work on the machine slows the former more)\n")
    print("| case | ember | libtorch | PyTorch | libtorch/ember | PyTorch/ember | memcpy/ember |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, label, ref in NN_CASES:
        e = times[name, "ember"]
        print(f"| {label} | " + " | ".join(cell(times[name, s]) for s in sides) +
              f" | {ratio(times[name, 'libtorch'], e)} | {ratio(times[name, 'PyTorch'], e)} | " +
              (f"{ratio(times[name, 'memcpy'], e)} |" if ref else " |"))
    for ref, what in (("memcpy_state", "load_state_dict"), ("memcpy_params", "parameters_to_vector")):
        v = [times[n, "memcpy"] for n, _, r in NN_CASES if r == ref and isinstance(times[n, "memcpy"], float)]
        if v:
            print(f"| memcpy of the same bytes as {what} (one thread) | {fmt_time(statistics.median(v))} | | | | | 1.00x |")
    print("libtorch has no state_dict/load_state_dict: its rows run the same work written over "
          "named_parameters/named_buffers/named_children (bench/libtorch/nn_libtorch_bench.cpp); "
          "it has no module hooks (no 3-hook row)")
    for (case, side), v in times.items():
        if not isinstance(v, float) and v != "not built":
            print(f"{side} {case}: {v}")
    if not have_lt:
        print("libtorch: bench/libtorch not built (scripts/install-deps --bench, then "
              f"cmake -S . -B {args.build} && cmake --build {args.build} --target benchmarks)")
    # issue 4's targets
    for case in ("named_parameters", "state_dict"):
        e, pt = times[case, "ember"], times[case, "PyTorch"]
        if isinstance(e, float) and isinstance(pt, float):
            verdict = "met" if pt / e >= 10 else "NOT met"
            print(f"target {case}: at least 10x faster than PyTorch: {pt / e:.1f}x, {verdict}")
    for case in ("call_0_hooks", "call_3_hooks"):
        e = times[case, "ember"]
        if isinstance(e, float):
            print(f"target {case}: at most 0.5 us: {e * 1e6:.3f} us, {'met' if e <= 0.5e-6 else 'NOT met'}")
    for case in ("parameters_to_vector", "vector_to_parameters", "load_state_dict"):
        e, mc = times[case, "ember"], times[case, "memcpy"]
        if isinstance(e, float) and isinstance(mc, float):
            verdict = "met" if mc / e >= 0.8 else "NOT met"
            print(f"target {case}: at 0.8x of memcpy's speed or better (memcpy/ember >= 0.80): "
                  f"{mc / e:.2f}x, {verdict}")


CONV_SHAPES = [(3, 64, 32, 3, 1), (64, 64, 32, 3, 1), (64, 128, 32, 3, 2), (128, 128, 16, 3, 1),
               (128, 256, 16, 3, 2), (256, 256, 8, 3, 1), (256, 512, 8, 3, 2), (512, 512, 4, 3, 1),
               (64, 128, 32, 1, 2), (128, 256, 16, 1, 2), (256, 512, 8, 1, 2)]
# ResNet-50's (ImageNet) 1x1 layers.
CONV1X1_SHAPES = [(64, 256, 56, 1, 1), (256, 64, 56, 1, 1), (256, 512, 56, 1, 2),
                  (512, 128, 28, 1, 1), (1024, 256, 14, 1, 1), (2048, 512, 7, 1, 1)]


def torch_conv_case(kind, ci, co, h, k, s, cl):
    """The work of one bench/conv_bench.cpp case, in PyTorch."""
    x, w = torch.randn(16, ci, h, h), torch.randn(co, ci, k, k)
    if cl:
        x = x.contiguous(memory_format=torch.channels_last)
        w = w.contiguous(memory_format=torch.channels_last)
    if kind == "forward":
        def fwd():
            with torch.no_grad():
                torch.conv2d(x, w, None, s, k // 2)
        return fwd
    x.requires_grad_()
    w.requires_grad_()

    def fwd_bwd():
        y = torch.conv2d(x, w, None, s, k // 2)
        y.backward(torch.ones_like(y))
        x.grad = None
        w.grad = None
    return fwd_bwd


def run_conv_bench(exe, threads, reps, case=None):
    """{(kind, args tuple): median seconds} of bench/conv_bench (of one case if
    `case`, a (kind, args tuple) key, is given)."""
    env = dict(os.environ, EMBER_BENCH_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    args = [exe, "--benchmark_format=json", f"--benchmark_repetitions={reps}",
            "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.05"]
    if case:
        args.append(f"--benchmark_filter=^BM_conv2d_{case[0]}/{'/'.join(map(str, case[1]))}$")
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        parts = b["run_name"].split("/")
        kind = parts[0][len("BM_conv2d_"):]
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        res[kind, tuple(int(v) for v in parts[1:7])] = b["real_time"] * unit
    return res


def conv_suite(args, shapes=CONV_SHAPES, title="ResNet-18 (CIFAR) shapes"):
    """Each case in ember (bench/conv_bench filtered to it) and then in PyTorch,
    case after case, args.rounds times; medians across rounds. Interleaving by
    case keeps the neighbours' load, which moves by 2x here within a minute,
    about the same for both sides of a ratio."""
    exe = os.path.join(args.build, "bench", "conv_bench")
    cases = [(kind, (*shape, cl)) for kind in ("forward", "forward_backward")
             for cl in (0, 1) for shape in shapes]
    load_before = os.getloadavg()[0]
    ember_s = {c: [] for c in cases}
    torch_s = {c: [] for c in cases}
    for r in range(args.rounds):
        for c in cases:
            ember_s[c].append(run_conv_bench(exe, args.threads, args.reps, c)[c])
            torch_s[c].append(time_torch(torch_conv_case(c[0], *c[1]), args.reps, min_time=0.1))
        print(f"  conv round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    print(f"\nconv2d, batch 16, {title}; load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after\n")
    print("| pass | C_in->C_out | HxW | kernel | stride | format | ember | PyTorch | PyTorch/ember |")
    print("| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |")
    ratios = {}
    for kind, (ci, co, h, k, s, cl) in cases:
        e = statistics.median(ember_s[kind, (ci, co, h, k, s, cl)])
        t = statistics.median(torch_s[kind, (ci, co, h, k, s, cl)])
        ratios.setdefault((kind, cl), []).append(t / e)
        fmt = "channels_last" if cl else "NCHW"
        print(f"| {kind} | {ci}->{co} | {h}x{h} | {k}x{k} | {s} | {fmt} | {fmt_time(e)} | "
              f"{fmt_time(t)} | {t / e:.2f}x |")
    for (kind, cl), v in ratios.items():
        gm = statistics.geometric_mean(v)
        print(f"{kind} {'channels_last' if cl else 'NCHW'}: geometric mean PyTorch/ember "
              f"{gm:.2f}x, worst {min(v):.2f}x")
    for kind in ("forward", "forward_backward"):
        n = sum(1 for shape in shapes if statistics.median(ember_s[kind, (*shape, 1)]) <
                statistics.median(ember_s[kind, (*shape, 0)]))
        print(f"{kind}: ember channels_last faster than ember NCHW on {n}/{len(shapes)} shapes")


def torch_fmnist_epoch(workers):
    import gzip
    import numpy as np
    from torch.utils.data import DataLoader, TensorDataset
    root = "/usr/share/datasets/fashion-mnist"
    with gzip.open(f"{root}/train-images-idx3-ubyte.gz", "rb") as f:
        x = torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=16).copy()).view(-1, 1, 28, 28)
    with gzip.open(f"{root}/train-labels-idx1-ubyte.gz", "rb") as f:
        y = torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=8).copy()).long()
    ds = TensorDataset(x.float().div(255), y)
    loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=workers,
                        generator=torch.Generator().manual_seed(0))

    def epoch():
        n = 0
        for b in loader:
            n += b[0].shape[0]
        return n
    return epoch


def data_suite(args):
    """One loader epoch over Fashion-MNIST train in ember and PyTorch; images/s."""
    res, errors = run_gbench(os.path.join(args.build, "bench", "data_bench"), args.threads, args.reps)
    print("\nFashion-MNIST train, batch 64, shuffle: one epoch (60,000 images)\n")
    print("| workers | ember | ember images/s | PyTorch | PyTorch images/s | PyTorch/ember |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for w in (0, 2):
        e = res[f"fmnist_epoch_workers{w}"][0] if f"fmnist_epoch_workers{w}" in res else None
        t = time_torch(torch_fmnist_epoch(w), max(1, args.reps // 2), min_time=0.0)
        es = f"{fmt_time(e)} | {60000 / e:,.0f}" if e else "- | -"
        ratio = f"{t / e:.2f}x" if e else "-"
        print(f"| {w} | {es} | {fmt_time(t)} | {60000 / t:,.0f} | {ratio} |")
    for k, v in errors.items():
        print(f"ember {k}: {v}")


def resnet18_shapes():
    """torchvision resnet18's parameter shapes in named_parameters order (as optim_bench.cpp)."""
    s = [(64, 3, 7, 7), (64,), (64,)]
    cin = 64
    for out in (64, 128, 256, 512):
        for block in range(2):
            c = cin if block == 0 else out
            s += [(out, c, 3, 3), (out,), (out,), (out, out, 3, 3), (out,), (out,)]
            if block == 0 and out != 64:
                s += [(out, cin, 1, 1), (out,), (out,)]
        cin = out
    return s + [(1000, 512), (1000,)]


OPTIM_CASES = [  # (bench name, label, torch class, options)
    ("adam_step", "Adam(lr=1e-3)", "Adam", dict(lr=1e-3)),
    ("adam_wd_amsgrad", "Adam(weight_decay=1e-2, amsgrad=True)", "Adam",
     dict(lr=1e-3, weight_decay=1e-2, amsgrad=True)),
    ("adadelta_step", "Adadelta(lr=1.0)", "Adadelta", dict(lr=1.0)),
    ("sgd_step", "SGD(lr=0.1, momentum=0.9)", "SGD", dict(lr=0.1, momentum=0.9)),
]


def torch_optim_case(cls, opts, foreach):
    ps = []
    for shape in resnet18_shapes():
        p = torch.randn(shape, requires_grad=True)
        p.grad = torch.randn(shape) * 1e-2
        ps.append(p)
    opt = getattr(torch.optim, cls)(ps, foreach=foreach, **opts)
    opt.step()  # the state exists before timing
    return opt.step


def optim_suite(args):
    """ember's optim_bench, then PyTorch foreach=False and foreach=True, args.rounds
    times; medians across rounds."""
    exe = os.path.join(args.build, "bench", "optim_bench")
    load_before = os.getloadavg()[0]
    samples = {(n, side): [] for n, *_ in OPTIM_CASES for side in ("ember", "loop", "foreach")}
    for r in range(args.rounds):
        res, errors = run_gbench(exe, args.threads, args.reps)
        for name, err in errors.items():
            print(f"ember {name}: {err}")
        for name, _, cls, opts in OPTIM_CASES:
            if name in res:
                samples[name, "ember"].append(res[name][0])
            for side, fe in (("loop", False), ("foreach", True)):
                fn = torch_optim_case(cls, opts, fe)
                samples[name, side].append(time_torch(fn, args.reps, min_time=0.5))
                del fn
        print(f"  optim round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    n = sum(torch.Size(s).numel() for s in resnet18_shapes())
    print(f"\noptimizer step over ResNet-18's parameters ({len(resnet18_shapes())} tensors, "
          f"{n / 1e6:.1f}M float32); load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after\n")
    print("| optimizer | ember | PyTorch foreach=False | PyTorch foreach=True | "
          "loop/ember | foreach/ember |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, label, _, _ in OPTIM_CASES:
        if not samples[name, "ember"]:
            print(f"| {label} | - | | | | |")
            continue
        e = statistics.median(samples[name, "ember"])
        lo = statistics.median(samples[name, "loop"])
        fe = statistics.median(samples[name, "foreach"])
        print(f"| {label} | {fmt_time(e)} | {fmt_time(lo)} | {fmt_time(fe)} | {lo / e:.2f}x | "
              f"{fe / e:.2f}x |")


def torch_rnn_case(name):
    """The work of one bench/rnn_bench.cpp case, in PyTorch."""
    torch.manual_seed(0)
    m = (torch.nn.LSTM if name.startswith("lstm") else torch.nn.GRU)(256, 512, num_layers=2)
    train = name.endswith("backward")
    x = torch.randn(50, 32, 256, requires_grad=train)

    def fwd():
        with torch.no_grad():
            m(x)

    def fwd_bwd():
        out, _ = m(x)
        out.sum().backward()
        x.grad = None
        m.zero_grad()
    return fwd_bwd if train else fwd


def rnn_suite(args):
    print("\n## rnn: LSTM/GRU(256, 512, num_layers=2) on (T=50, N=32, 256)", flush=True)
    res, errors = run_gbench(os.path.join(args.build, "bench", "rnn_bench"), args.threads, args.reps)
    print("| case | ember | PyTorch | PyTorch/ember |\n| --- | ---: | ---: | ---: |")
    for name in ("lstm_forward", "lstm_forward_backward", "gru_forward", "gru_forward_backward"):
        e = res[name][0]
        t = time_torch(torch_rnn_case(name), args.reps)
        print(f"| {name} | {fmt_time(e)} | {fmt_time(t)} | {t / e:.2f}x |")


def torch_transformer_cases():
    """PyTorch's side of bench/transformer_bench.cpp (same names)."""
    layer = torch.nn.TransformerEncoderLayer(512, 8, 2048, batch_first=True)  # dropout 0.1, train
    x = torch.randn(8, 128, 512, requires_grad=True)
    g = torch.ones(8, 128, 512)

    def encoder_layer_fwd_bwd():
        layer(x).backward(g)
        layer.zero_grad(set_to_none=True)
        x.grad = None
    ev = torch.nn.TransformerEncoderLayer(512, 8, 2048, batch_first=True).eval()
    xe = torch.randn(8, 128, 512)

    def encoder_layer_fwd_eval():
        with torch.no_grad():
            ev(xe)
    mha = torch.nn.MultiheadAttention(512, 8, dropout=0.1, batch_first=True)

    def mha_fwd_bwd():
        mha(x, x, x, need_weights=False)[0].backward(g)
        mha.zero_grad(set_to_none=True)
        x.grad = None
    return {"encoder_layer_fwd_bwd": encoder_layer_fwd_bwd,
            "encoder_layer_fwd_eval": encoder_layer_fwd_eval, "mha_fwd_bwd": mha_fwd_bwd}


def transformer_suite(args):
    """ember and PyTorch alternate case by case, args.rounds times (issue 5 target:
    encoder_layer_fwd_bwd PyTorch/ember >= 1.5)."""
    print("\n## transformer: TransformerEncoderLayer(512, 8, 2048, batch_first=True) on (8, 128, 512)",
          flush=True)
    exe = os.path.join(args.build, "bench", "transformer_bench")
    rows = []
    for name, fn in torch_transformer_cases().items():
        es, ts = [], []
        for _ in range(args.rounds):
            es.append(run_gbench(exe, args.threads, args.reps, only=name)[0][name][0])
            ts.append(time_torch(fn, args.reps, min_time=1.0))
        e, t = statistics.median(es), statistics.median(ts)
        rows.append((name, e, t))
        print(f"  measured {name}", file=sys.stderr, flush=True)
    print("| case | ember | PyTorch | PyTorch/ember |")
    print("| --- | ---: | ---: | ---: |")
    for name, e, t in rows:
        print(f"| {name} | {fmt_time(e)} | {fmt_time(t)} | {t / e:.2f}x |")
    e, t = rows[0][1], rows[0][2]
    print(f"target encoder_layer_fwd_bwd: PyTorch/ember >= 1.50: {t / e:.2f}x, "
          f"{'met' if t / e >= 1.5 else 'NOT met'}")


def torch_resnet_step(cl):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "parity"))
    from gen_nn_resnet import ResNet
    import torch.nn.functional as F
    torch.manual_seed(0)
    model = ResNet()
    # A new batch each step, as resnet_bench.cpp: on one batch the gradients
    # soon underflow into denormals, which slow the kernels down at random.
    xs = [torch.randn(16, 3, 32, 32) for _ in range(16)]
    targets = [torch.randint(0, 10, (16,)) for _ in range(16)]
    if cl:
        model = model.to(memory_format=torch.channels_last)
        xs = [x.contiguous(memory_format=torch.channels_last) for x in xs]
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    count = [0]

    def step():
        i = count[0] % len(xs)
        count[0] += 1
        opt.zero_grad()
        F.cross_entropy(model(xs[i]), targets[i]).backward()
        opt.step()
    return step


def resnet_suite(args):
    """bench/resnet_bench against PyTorch: one ResNet-18 (CIFAR) SGD training step, batch 16,
    NCHW and channels_last, alternating args.rounds times."""
    print("\n## resnet: ResNet-18 (CIFAR form) training step, batch 16 of 3x32x32, SGD momentum 0.9",
          flush=True)
    exe = os.path.join(args.build, "bench", "resnet_bench")
    env = dict(os.environ, EMBER_BENCH_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    load_before = os.getloadavg()[0]
    ember_s, torch_s = {0: [], 1: []}, {0: [], 1: []}
    steps = {cl: torch_resnet_step(cl) for cl in (0, 1)}
    for r in range(args.rounds):
        out = subprocess.run([exe, "--benchmark_format=json", f"--benchmark_repetitions={args.reps}",
                              "--benchmark_min_time=0.01"], env=env, check=True,
                             capture_output=True, text=True).stdout
        for b in json.loads(out)["benchmarks"]:
            if b.get("run_type") == "iteration":
                ember_s[int(b["run_name"].split("/")[1])].append(b["real_time"] / 1e3)  # ms -> s
        for cl in (0, 1):
            steps[cl]()
            for _ in range(args.reps):
                t0 = time.perf_counter()
                steps[cl]()
                torch_s[cl].append(time.perf_counter() - t0)
        print(f"  resnet round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print("| format | ember | PyTorch | PyTorch/ember |\n| --- | ---: | ---: | ---: |")
    med = {}
    for cl in (0, 1):
        e, t = statistics.median(ember_s[cl]), statistics.median(torch_s[cl])
        med[cl] = e
        name = "channels_last" if cl else "NCHW"
        print(f"| {name} | {e * 1e3:.0f} ms | {t * 1e3:.0f} ms | {t / e:.2f}x |")
    for cl in (0, 1):
        name = "channels_last" if cl else "NCHW"
        r = statistics.median(torch_s[cl]) / med[cl]
        print(f"target {name}: at least 1.5x faster than PyTorch: {r:.2f}x, {'met' if r >= 1.5 else 'NOT met'}")
    print(f"target: ember channels_last faster than ember NCHW: {med[0] / med[1]:.2f}x, "
          f"{'met' if med[1] < med[0] else 'NOT met'}")


def train_suite(args):
    """One epoch of Fashion-MNIST in PyTorch and ember: bench/fashion_mnist.py."""
    print("\n## train: one Fashion-MNIST epoch (bench/fashion_mnist.py)", flush=True)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "fashion_mnist.py"), "--build", args.build,
                    "--threads", str(args.threads)], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate ember and PyTorch this many times per case; medians across rounds")
    ap.add_argument("--suite", default="all",
                    choices=("all", "tensor", "autograd", "nn", "conv", "conv1x1", "data", "optim", "rnn",
                             "transformer", "resnet", "train"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"threads={args.threads} torch={torch.__version__}; medians of {args.reps} repetitions", flush=True)
    if args.suite in ("all", "tensor"):
        tensor_suite(args)
    if args.suite in ("all", "autograd"):
        autograd_suite(args)
    if args.suite in ("all", "nn"):
        nn_suite(args)
    if args.suite in ("all", "conv"):
        conv_suite(args)
    if args.suite in ("all", "conv1x1"):
        conv_suite(args, CONV1X1_SHAPES, "ResNet-50's (ImageNet) 1x1 shapes")
    if args.suite in ("all", "data"):
        data_suite(args)
    if args.suite in ("all", "optim"):
        optim_suite(args)
    if args.suite in ("all", "rnn"):
        rnn_suite(args)
    if args.suite in ("all", "transformer"):
        transformer_suite(args)
    if args.suite in ("all", "resnet"):
        resnet_suite(args)
    if args.suite in ("all", "train"):
        train_suite(args)


if __name__ == "__main__":
    main()
