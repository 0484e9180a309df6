"""Benchmark: cost of the smoothness probes.

1. Whole training runs (median of 3, after a warm-up) with and without the 1-point secant probe at
  every step (target: within
   2.5x), for the LSTM and ResNet20 at the ``smoke`` or ``cpu`` preset (real data, CPU).
2. The top Hessian eigenvalue to tol 1e-3, exact vs finite-difference, on the smoke LSTM and
   ResNet20: products, residuals, relative error, seconds (benchmarks/bench_hvp.py, which also
   runs the cpu-preset LSTM).

    .venv/bin/python benchmarks/bench_probe.py [--preset smoke|cpu] [--steps 20] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from bench_hvp import run_case

from nn_checks.config import resolve
from nn_checks.train import measure


def run_seconds(model: str, probe: str, steps: int, preset: str = "smoke") -> float:
    config = resolve(model, preset, steps=steps, probe=probe)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        measure(config, out, checkpoint_every=10**9)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--preset", default="smoke", choices=["smoke", "cpu"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"preset {args.preset}, {torch.get_num_threads()} torch threads")
    for model in ("lstm", "resnet20"):
        run_seconds(model, "secant", 2, args.preset)  # warm-up: imports, data cache, kernels
        times = {probe: statistics.median(run_seconds(model, probe, args.steps, args.preset)
                                          for _ in range(args.repeats))
                 for probe in ("none", "secant")}
        base, probed = times["none"], times["secant"]
        print(f"{model:<9} {args.steps} steps (whole run incl. data and evaluation): no probe "
              f"{base:6.2f} s, secant every step {probed:6.2f} s -> {probed / base:.2f}x "
              f"(target <= 2.5x)")
    for name in ("smoke", "resnet20"):
        for line in run_case(name, tol=1e-3, max_hvps=200):
            print(line)


if __name__ == "__main__":
    main()
