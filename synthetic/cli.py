"""``python -m synthetic``: run GD / clipped GD / normalized GD on an expression.

run --f EXPR --method gd|clipped|normalized [--h H | --eta E --gamma G | --eta E --beta B]
    --x0 X --eps EPS [--max-iter N] [--vars x1,x2] [--json]
    prints {"iterations": int or null, "status": "converged"|"diverged"|"max_iter",
    "final_grad_norm": number}. Clipped uses h = min{η, γη/||g||}; normalized h = η/(||g|| + β).

lower-bound --L0 A --L1 B --M M --eps E --delta D [--h H | --grid K] [--max-iter N] [--json]
    Thm 4: for each fixed step h, GD's iteration count on the certified hard construction (A
    above h_thr = 2 x0_A/M, B at or below) against the reconstructed bound; --json prints a
    list with one record per step: "h", "construction", "iterations" (null when it never
    converges), "status", "bound", "verdict" and the details.

check [--quick] [--out DIR]
    every theorem check (thm3, thm4, rem5, thm6, thm7, thm8, followup) with a progress bar;
    writes DIR/records.jsonl, DIR/config.json, DIR/env.json and prints the verdict table.
    A rerun with the same DIR and sizes resumes: finished checks are kept (DIR/parts/).

Bad input: one line ``synthetic: error: ...`` on stderr, exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

from theory.cli_common import OneLineParser as _Parser, UsageError, emit, guarded

SUPPORTED = (1e-8, 1e8)  # range of the lower-bound parameters (exact arithmetic stays fast)

def _numbers(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"{name}: {text!r} is not a number (or comma-separated numbers)") from None
    if not all(math.isfinite(v) for v in values):
        raise UsageError(f"{name} must be finite, got {text}")
    return values


def _cmd_run(args) -> int:
    from theory.objective import objective
    from synthetic.runners import method_parameters, run_deterministic

    names = [v.strip() for v in args.vars.split(",") if v.strip()]
    if not names or len(set(names)) != len(names):
        raise UsageError(f"--vars needs distinct variable names, got {args.vars!r}")
    obj = objective(args.f, names)
    x0 = _numbers(args.x0, "--x0")
    if len(x0) != len(names):
        raise UsageError(f"--x0 needs {len(names)} coordinate(s) for variables {args.vars}")
    params = {k: (None if getattr(args, k) is None else _numbers(getattr(args, k), f"--{k}")[0])
              for k in ("h", "eta", "gamma", "beta")}
    eps = _numbers(args.eps, "--eps")[0]
    if args.max_iter < 0:
        raise UsageError(f"--max-iter must be >= 0, got {args.max_iter}")
    if args.time_limit <= 0:
        raise UsageError(f"--time-limit must be > 0, got {args.time_limit}")
    if obj.dim == 1:  # the exact 1-D counter: same double iteration, ~300x cheaper per step
        from synthetic.fastcount import gd_count, step_rule
        from theory.construction import from_expression, gradient_pieces

        method_parameters(args.method, params)
        rule = step_rule(args.method, **{k: v for k, v in params.items() if v is not None})
        count = gd_count(gradient_pieces(from_expression(obj.expr, names[0])), x0[0], eps, rule,
                         max_iter=args.max_iter, time_limit=args.time_limit)
        emit(count.record(), args.json)
        return 0
    result = run_deterministic(obj, [x0], args.method, eps, max_iter=args.max_iter,
                               time_limit=args.time_limit, **params)
    emit(result.record(0), args.json)
    return 0


def _positive(value: float, name: str, minimum: float = 0.0, strict: bool = True) -> float:
    ok = value > minimum if strict else value >= minimum
    if not ok:
        raise UsageError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value:g}")
    return value


def _cmd_lower_bound(args) -> int:
    from synthetic.lowerbound import h_grid, lower_bound_records
    from theory.bounds import thm4_bound

    L0 = _positive(_numbers(args.L0, "--L0")[0], "--L0")
    L1 = _positive(_numbers(args.L1, "--L1")[0], "--L1")
    M = _positive(_numbers(args.M, "--M")[0], "--M (Thm 4 needs M > 1)", 1.0)
    eps = _positive(_numbers(args.eps, "--eps")[0], "--eps")
    Delta = _positive(_numbers(args.delta, "--delta")[0], "--delta")
    for name, value in (("--L0", L0), ("--L1", L1), ("--M", M), ("--eps", eps),
                        ("--delta", Delta)):
        if not SUPPORTED[0] <= value <= SUPPORTED[1]:
            raise UsageError(f"{name} = {value:g} is outside the supported range "
                             f"[{SUPPORTED[0]:g}, {SUPPORTED[1]:g}]")
    if args.time_limit <= 0:
        raise UsageError(f"--time-limit must be > 0, got {args.time_limit}")
    if (args.h is None) == (args.grid is None):
        raise UsageError("give exactly one of --h H (comma-separated steps) or --grid K")
    if args.max_iter < 1:
        raise UsageError(f"--max-iter must be >= 1, got {args.max_iter}")
    thm4_bound(L0, L1, M, eps, Delta)  # the class's preconditions, one line if violated
    if Delta <= 5 * eps / 8:
        raise UsageError(f"--delta must exceed 5*eps/8 = {5 * eps / 8:g} (construction B)")
    if args.h is not None:
        hs = [_positive(h, "--h") for h in _numbers(args.h, "--h")]
    else:
        if not 2 <= args.grid <= 10_000:
            raise UsageError(f"--grid needs 2 to 10000 points, got {args.grid}")
        hs = h_grid(L0, L1, M, args.grid)
    if len(hs) > 10_000:
        raise UsageError(f"at most 10000 steps, got {len(hs)}")
    records = lower_bound_records(L0, L1, M, eps, Delta, hs, max_iter=args.max_iter,
                                  time_limit=args.time_limit)
    rows = [{"h": r.params["h"], "construction": r.params["construction"],
             "iterations": r.extra["iterations"], "status": r.extra["status"],
             "bound": r.bound, "verdict": r.verdict, "h_thr": r.params["h_thr"],
             "ratio": r.extra["ratio"] if r.extra["ratio"] != math.inf else None,
             "note": r.extra["count_note"], "bound_alt_log": r.extra["bound_alt_log"],
             "verdict_alt_log": r.extra["verdict_alt_log"], "member_certified":
             r.extra["member_certified"], "mark": r.mark, "notes": r.notes} for r in records]
    if args.json:
        from theory.records import to_jsonable
        print(json.dumps(to_jsonable(rows), allow_nan=False))
        return 0
    print(f"Thm 4 [reconstructed], h_thr = {rows[0]['h_thr']:.6g}: A above (never converges), "
          f"B at or below; bound = {rows[0]['bound']:.6g}")
    print(f"{'h':>12} {'constr':>6} {'status':>10} {'iterations':>14} {'ratio':>10}  verdict")
    for r in rows:
        its = "never" if r["status"] == "diverged" else (r["iterations"] or f">{args.max_iter}")
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.4g}"
        print(f"{r['h']:>12.5g} {r['construction']:>6} {r['status']:>10} {its!s:>14} "
              f"{ratio:>10}  {r['verdict']}")
    for r in rows:
        for text in (r["notes"], r["note"]):
            if text:
                print(f"note (h={r['h']:.5g}): {text}")
    return 0


def _cmd_check(args) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from synthetic.checkrun import CHECKS, run_checks, summary_rows, total_units

    names = CHECKS if args.only is None else \
        tuple(n.strip() for n in args.only.split(",") if n.strip())
    if not names:
        raise UsageError("--only selects no check; choose from " + ", ".join(CHECKS))
    bad = [n for n in names if n not in CHECKS]
    if bad:
        raise UsageError(f"unknown check(s) {', '.join(bad)}; choose from {', '.join(CHECKS)}")
    out = Path(args.out or f"results/synthetic/check{'-quick' if args.quick else ''}")
    start = time.perf_counter()
    with tqdm(total=total_units(names, args.quick), desc="check", unit="instance",
              disable=args.json or None) as bar:
        def progress(label: str) -> None:
            bar.set_postfix_str(label, refresh=False)
            bar.update(1)
        rows = run_checks(out, names, args.quick, progress)
    table = summary_rows(rows)
    elapsed = time.perf_counter() - start
    if args.json:
        print(json.dumps({"out": str(out), "seconds": elapsed, "summary": table},
                         allow_nan=False))
        return 0
    head = f"{'check':<9}{'theorem':<34}{'mark':<14}{'n':>5}{'pass':>6}{'fail':>6}" \
           f"{'inc':>5}{'shape':>6}  measured/bound"
    print(head)
    for t in table:
        span = "" if t["ratio_min"] is None else f"{t['ratio_min']:.3g} .. {t['ratio_max']:.3g}"
        print(f"{t['check']:<9}{t['theorem'][:33]:<34}{t['mark']:<14}{t['records']:>5}"
              f"{t['pass']:>6}{t['fail']:>6}{t['inconclusive']:>5}{t['shape-only']:>6}  {span}")
    fails = [r for r in rows if r["verdict"] == "fail"]
    for r in fails[:20]:
        print(f"FAIL {r['check_id']}: measured {r['measured']} vs {r['bound_kind']} bound "
              f"{r['bound']} [{r['mark']}] {r['notes'][:160]}")
    if len(fails) > 20:
        print(f"... {len(fails) - 20} more failures in {out / 'records.jsonl'}")
    print(f"{len(rows)} records in {out / 'records.jsonl'} ({elapsed:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m synthetic", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    r = sub.add_parser("run", help="one deterministic run")
    r.add_argument("--f", required=True, help="expression, e.g. 'x**4'")
    r.add_argument("--method", required=True, choices=["gd", "clipped", "normalized"])
    for name in ("h", "eta", "gamma", "beta"):
        r.add_argument(f"--{name}")
    r.add_argument("--x0", required=True)
    r.add_argument("--eps", required=True)
    r.add_argument("--max-iter", type=int, default=1_000_000)
    r.add_argument("--vars", default="x", help="comma-separated variable names")
    r.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds of iterating before the count is censored (default 60)")
    r.add_argument("--json", action="store_true")
    lb = sub.add_parser("lower-bound", help="Thm 4: GD on the hard constructions vs the bound")
    for name in ("L0", "L1", "M", "eps", "delta"):
        lb.add_argument(f"--{name}", required=True)
    lb.add_argument("--h", help="step(s), comma-separated")
    lb.add_argument("--grid", type=int, help="K log-spaced steps over h_thr·10^[-3, 3]")
    lb.add_argument("--max-iter", type=int, default=10**13)
    lb.add_argument("--time-limit", type=float, default=60.0,
                    help="seconds of stepping per step size before the count is censored")
    lb.add_argument("--json", action="store_true")
    ck = sub.add_parser("check", help="run every theorem check, write results/synthetic/...")
    ck.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    ck.add_argument("--out", help="output folder (default results/synthetic/check[-quick])")
    ck.add_argument("--only", help="comma-separated subset of the checks")
    ck.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for i in range(len(argv) - 2, -1, -1):  # "--x0 -1" would read as an option
        if argv[i] in ("--x0", "--h", "--eta", "--gamma", "--beta", "--eps", "--L0", "--L1",
                       "--M", "--delta") and \
                argv[i + 1].startswith("-"):
            argv[i:i + 2] = [f"{argv[i]}={argv[i + 1]}"]

    def command() -> int:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: run, lower-bound or check")
        return {"run": _cmd_run, "lower-bound": _cmd_lower_bound,
                "check": _cmd_check}[args.command](args)
    return guarded("synthetic", command,
                   "interrupted (rerun check with the same --out to resume)")
