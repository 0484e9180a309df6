"""Benchmark: certify the frontier of a degree-10 polynomial at 20 values of L1.

Target: under 2 s on the 2-core development machine. Each repetition starts cold
(the derivative and root caches are cleared) so the figure is what a fresh call costs; the
whole-process time of ``python -m theory certify`` (interpreter and sympy import included) is
reported separately. Prints one JSON object.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import numpy as np

from theory import certify
from theory.smoothness import supremum
POLY = "3*x**10 - 7*x**9 + x**8 - 12*x**7 + 5*x**6 + 2*x**5 - 9*x**4 + x**3 - 4*x**2 + 6*x - 1"
L1_VALUES = [float(v) for v in np.round(np.geomspace(0.05, 50, 20), 6)]


def cold_call() -> tuple[float, bool]:
    supremum._derivatives.cache_clear()
    supremum._roots.cache_clear()
    start = time.perf_counter()
    cert = certify(POLY, "x", L1_VALUES)
    return time.perf_counter() - start, cert.certified


def main() -> None:
    cold_call()  # warm the imports and sympy's own caches once
    times, certified = zip(*(cold_call() for _ in range(5)))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "theory", "certify", POLY, "--L1",
                    ",".join(map(str, L1_VALUES)), "--json"], check=True, capture_output=True)
    process = time.perf_counter() - start
    print(json.dumps({"benchmark": "certify degree-10 polynomial, 20 L1 values",
                      "median_s": statistics.median(times), "min_s": min(times),
                      "max_s": max(times), "whole_process_s": process,
                      "all_certified": all(certified), "target_s": 2.0}))


if __name__ == "__main__":
    main()
