"""Benchmark: a 10⁷-iteration exact GD count on construction B, whole process, against a plain
Python loop (target: at least 20× faster).

Both run as fresh processes (interpreter start and imports included) on the same instance:
ε = 0.01, Δ = 1, h chosen so that T_ε ≈ 1.0·10⁷. The fast path is
:func:`synthetic.fastcount.gd_count` on :func:`theory.functions.gradients.construction_b_gradient`
(exact jump over the slope, double loop in the bowl); the plain loop is the textbook one.
The counts are printed side by side: they may differ by the plain loop's rounding drift
(see :mod:`synthetic.fastcount`). A third line times the same count through the symbolic
toolkit (sympy import, construction, certification-free lambdify).

    .venv/bin/python benchmarks/bench_fastcount.py [--reps 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPS, DELTA, H = 0.01, 1.0, 2.484e-4

PLAIN = f"""
import math
eps, Delta, h = {EPS}, {DELTA}, {H}
s, w = 2 * eps, 0.5
x = w + (Delta - 5 * eps / 8) / (2 * eps)
t = 0
while True:
    g = (s / 2) * (3 * x / w - (x / w) ** 3) if abs(x) <= w else math.copysign(s, x)
    if abs(g) <= eps:
        break
    x -= h * g
    t += 1
print(t)
"""
FAST = f"""
from synthetic.fastcount import gd_count
from theory.functions.gradients import construction_b_gradient
from theory.statements.steps import step_rule
eps, Delta, h = {EPS}, {DELTA}, {H}
x0 = 0.5 + (Delta - 5 * eps / 8) / (2 * eps)
print(gd_count(construction_b_gradient(eps), x0, eps, step_rule("gd", h=h)).iterations)
"""
TOOLKIT = f"""
from synthetic.fastcount import gd_count
from theory.statements.steps import step_rule
from theory.functions.toolkit import gradient_pieces
from theory.functions.constructions import construction_b
c = construction_b({EPS}, {DELTA})
print(gd_count(gradient_pieces(c), float(c.x0), {EPS}, step_rule("gd", h={H})).iterations)
"""


def timed(code: str) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for name, code in (("plain loop", PLAIN), ("fastcount", FAST), ("toolkit+fastcount", TOOLKIT)):
        runs = [timed(code) for _ in range(args.reps)]
        results[name] = statistics.median(t for t, _ in runs)
        print(f"{name:<18} median {results[name]:7.3f} s over {args.reps}  T_eps = {runs[0][1]}")
    print(f"speed-up, whole process: fastcount {results['plain loop'] / results['fastcount']:.1f}x,"
          f" toolkit path {results['plain loop'] / results['toolkit+fastcount']:.1f}x "
          "(target >= 20x)")


if __name__ == "__main__":
    main()
