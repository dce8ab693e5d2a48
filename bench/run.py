#!/usr/bin/python3
"""Runs ember's tensor benchmarks and the same work in PyTorch, in one run, and
prints a table of medians and ratios (PyTorch time / ember time: > 1 means ember
is faster). Bandwidth-bound cases also show their fraction of memcpy's bandwidth.

  python3 bench/run.py --build build [--threads 2] [--reps 7]
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


def run_ember(build, threads, reps, only=None):
    exe = os.path.join(build, "bench", "tensor_bench")
    env = dict(os.environ, EMBER_BENCH_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    args = [exe, "--benchmark_format=json", f"--benchmark_repetitions={reps}",
            "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.1"]
    if only:
        args.append(f"--benchmark_filter=^BM_{only}/")
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].split("/")[0][3:]  # strip BM_
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        res[name] = (b["real_time"] * unit, b.get("bytes"))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate ember and PyTorch this many times per case; medians across rounds")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"threads={args.threads} torch={torch.__version__}; medians of {args.reps} repetitions", flush=True)
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
        print("\nember mm against a direct cblas_sgemm call (bench/gemm_bench):")
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        subprocess.run([gemm, f"--benchmark_repetitions={args.reps}",
                        "--benchmark_report_aggregates_only=true"], env=env, check=True)


if __name__ == "__main__":
    main()
