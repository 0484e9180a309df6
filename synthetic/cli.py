"""``python -m synthetic``: run GD / clipped GD / normalized GD on an expression.

run --f EXPR --method gd|clipped|normalized [--h H | --eta E --gamma G | --eta E --beta B]
    --x0 X --eps EPS [--max-iter N] [--vars x1,x2] [--json]
    prints {"iterations": int or null, "status": "converged"|"diverged"|"max_iter",
    "final_grad_norm": number}. Clipped uses h = min{η, γη/||g||}; normalized h = η/(||g|| + β).

The lower-bound and theorem-check commands of the synthetic issue are not implemented yet.
Bad input: one line ``synthetic: error: ...`` on stderr, exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

from theory.cli_common import EXIT_BAD_INPUT, OneLineParser as _Parser, UsageError, emit

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
    from synthetic.runners import run_deterministic

    names = [v.strip() for v in args.vars.split(",") if v.strip()]
    obj = objective(args.f, names)
    x0 = _numbers(args.x0, "--x0")
    if len(x0) != len(names):
        raise UsageError(f"--x0 needs {len(names)} coordinate(s) for variables {args.vars}")
    params = {k: (None if getattr(args, k) is None else _numbers(getattr(args, k), f"--{k}")[0])
              for k in ("h", "eta", "gamma", "beta")}
    eps = _numbers(args.eps, "--eps")[0]
    if args.max_iter < 0:
        raise UsageError(f"--max-iter must be >= 0, got {args.max_iter}")
    result = run_deterministic(obj, [x0], args.method, eps, max_iter=args.max_iter, **params)
    emit(result.record(0), args.json)
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
    r.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for i in range(len(argv) - 2, -1, -1):  # "--x0 -1" would read as an option
        if argv[i] in ("--x0", "--h", "--eta", "--gamma", "--beta", "--eps") and \
                argv[i + 1].startswith("-"):
            argv[i:i + 2] = [f"{argv[i]}={argv[i + 1]}"]
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: run")
        return _cmd_run(args)
    except (UsageError, ValueError) as exc:
        print(f"synthetic: error: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input (SYNTHETIC_DEBUG=1 re-raises)
        if os.environ.get("SYNTHETIC_DEBUG"):
            raise
        print(f"synthetic: internal error ({type(exc).__name__}): {str(exc)[:250]}",
              file=sys.stderr)
        return 1
