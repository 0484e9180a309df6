"""Benchmark: cost of the smoothness probes (issue "nn_checks", Speed).

1. Whole training runs (median of 3, after a warm-up) with and without the 1-point secant probe at every step (target: within
   2.5x), for the LSTM and ResNet20 at the ``smoke`` or ``cpu`` preset (real data, CPU).
2. Hessian-vector products for the top eigenvalue to tol 1e-3 on the same small models, exact
   and finite-difference (target: about 30).

    .venv/bin/python benchmarks/bench_probe.py [--preset smoke|cpu] [--steps 20] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F

from nn_checks.config import resolve
from nn_checks.data import batchify, get_batch, load_images, load_ptb
from nn_checks.models import LSTMLanguageModel, resnet20
from nn_checks.probe import top_hessian_eigenvalue
from nn_checks.train import measure


def run_seconds(model: str, probe: str, steps: int, preset: str = "smoke") -> float:
    config = resolve(model, preset, steps=steps, probe=probe)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        measure(config, out, checkpoint_every=10**9)
        return time.perf_counter() - start


def hvp_counts() -> list[tuple[str, str, int, bool, float]]:
    torch.manual_seed(0)
    corpus = load_ptb(limit=5_000)
    data, target = get_batch(batchify(corpus.train, 8), 0, 20)
    lm = LSTMLanguageModel(len(corpus.vocab), 32, 32, 1)
    images = load_images("auto", limit=64)
    net = resnet20(len(images.classes), images.shape[0])
    cases = {"lstm-smoke": (lm, lambda: F.cross_entropy(lm(data)[0].view(-1, len(corpus.vocab)),
                                                        target)),
             "resnet20": (net, lambda: F.cross_entropy(net(images.train_x[:64]),
                                                       images.train_y[:64]))}
    out = []
    for name, (model, loss_fn) in cases.items():
        for hvp in ("exact", "finite-difference"):
            start = time.perf_counter()
            r = top_hessian_eigenvalue(model, loss_fn, hvp=hvp, tol=1e-3,
                                       generator=torch.Generator().manual_seed(0))
            out.append((name, hvp, r.n_hvps, r.converged, time.perf_counter() - start))
    return out


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
    for name, hvp, n, ok, seconds in hvp_counts():
        print(f"top eigenvalue {name:<11} {hvp:<17} {n:3d} HVPs, converged {ok}, {seconds:.2f} s")


if __name__ == "__main__":
    main()
