"""Benchmark: ``worst-case --search`` on the issue's three instances, and ``worst-case`` without
it as whole processes (target: under 3 s each).

The search (:func:`synthetic.search.search_worst_case`) runs in this process for
(L0, L1, M, ε, Δ) ∈ {(1, 1, 10, 0.1, 10), (2, 4, 50, 0.1, 20), (10, 1, 100, 0.1, 5)} and the
rules Thm 3 (clipped GD) and fixed-step GD at h = 0.9·h_2c and 1.1·h_2c (h_2c with Δ, the exact
non-convergence threshold, docs/statements.md §5c). Each row: the best profile's exact count,
the 1-D supremum sup_T, their ratio (search/analytic; the issue expects 0.6-0.95), the distilled
certified witness with its exact count, and the seconds (generations, then in all with the
exact recount and the distillation). ``ceiling`` is D*(ε, ε, ℓ)/(ℓε), ℓ = h(ε)ε: the ratio of a
slope at ε⁺ without dips (each step lowers f by ℓε instead of the least decrease D*), which a
search over a few cells cannot beat by more than a few steps. Above h_2c, sup_T is null and the
search should report a member that never converges, distilled into the extremal function.

    .venv/bin/python benchmarks/bench_search.py [--seed 0] [--generations 40] [--cells 4]
        [--reps 3] [--skip-cli] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

INSTANCES = [(1.0, 1.0, 10.0, 0.1, 10.0), (2.0, 4.0, 50.0, 0.1, 20.0),
             (10.0, 1.0, 100.0, 0.1, 5.0)]
RULES = ("thm3", "gd 0.9 h_2c", "gd 1.1 h_2c")


def rule_of(name: str, L0, L1, M, Delta):
    from theory.statements.steps import rule_parameters
    from theory.statements.worstcase import h_2c

    if name == "thm3":
        return rule_parameters("thm3", L0, L1, M=M)
    return "gd", {"h": float(name.split()[1]) * h_2c(L0, L1, M, Delta)}


def search_rows(seed: int, generations: int, cells: int) -> list[dict]:
    from synthetic.search import search_worst_case
    from theory.statements.steps import step_rule
    from theory.statements.worstcase import least_decrease

    rows = []
    for L0, L1, M, eps, Delta in INSTANCES:
        for name in RULES:
            method, params = rule_of(name, L0, L1, M, Delta)
            r = search_worst_case(method, params, L0, L1, M, eps, Delta, seed=seed,
                                  maxiter=generations, cells=cells)
            d = r.distilled or {}
            ell = step_rule(method, **params)(eps) * eps
            rows.append({"instance": [L0, L1, M, eps, Delta], "rule": name,
                         "ceiling": least_decrease(eps, eps, ell, L0, L1) / (ell * eps),
                         "best": r.best_iterations, "never": r.non_converging,
                         "sup_T": r.sup_T, "ratio": r.ratio, "distilled": d.get("name"),
                         "distilled_iterations": d.get("iterations"),
                         "certified": d.get("certified"), "search_s": r.search_seconds,
                         "total_s": r.seconds})
    return rows


CLI_CASES = [["--rule", "thm3"], ["--method", "gd", "--h", "0.0415"],
             ["--method", "gd", "--h", "0.0508"]]  # h_2c = 0.04615 at (2, 4, 50, 0.1, 20)


def cli_rows(reps: int) -> list[dict]:
    rows = []
    for case in CLI_CASES:
        argv = [sys.executable, "-m", "synthetic", "worst-case", *case, "--L0", "2", "--L1", "4",
                "--M", "50", "--eps", "0.1", "--delta", "20", "--json"]
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        rows.append({"case": " ".join(case), "median_s": statistics.median(times),
                     "max_s": max(times)})
    return rows


def _n(v, fmt="{:.0f}"):
    return "-" if v is None else fmt.format(v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--generations", type=int, default=40)
    parser.add_argument("--cells", type=int, default=4)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = search_rows(args.seed, args.generations, args.cells)
    cli = [] if args.skip_cli else cli_rows(args.reps)
    if args.json:
        print(json.dumps({"search": rows, "worst_case_cli": cli}))
        return
    print(f"{'instance':<28} {'rule':<12} {'best':>8} {'sup_T':>9} {'ratio':>6} {'ceiling':>7}"
          f"  {'distilled':<13} {'its':>7} {'search s':>8} {'total s':>7}")
    for r in rows:
        best = "never" if r["never"] else _n(r["best"])
        print(f"{str(tuple(r['instance'])):<28} {r['rule']:<12} {best:>8} {_n(r['sup_T']):>9} "
              f"{_n(r['ratio'], '{:.3f}'):>6} {r['ceiling']:>7.3f}  {r['distilled'] or '-':<13} "
              f"{_n(r['distilled_iterations']) if not r['never'] else 'never':>7} "
              f"{r['search_s']:>8.1f} {r['total_s']:>7.1f}")
    for r in cli:
        print(f"worst-case {r['case']:<28} whole process: median {r['median_s']:.2f} s, "
              f"max {r['max_s']:.2f} s over {args.reps} (target < 3 s)")


if __name__ == "__main__":
    main()
