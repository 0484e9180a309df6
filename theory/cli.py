"""``python -m theory``: certify expressions, verify the catalogue, check multivariate functions.

Commands
--------
certify EXPR [--var x] [--L1 v1,v2,...] [--timeout S] [--json]
    Class, L, L1_min and the frontier L0*(L1); ``--json`` prints one object with at least
    ``class``, ``L``, ``L1_min``, ``frontier`` (list of {"L1", "L0"}), ``method``, ``certified``.
catalogue [--out DIR] [--only ID,...] [--json]
    Verify every declared constant of :mod:`theory.catalogue`; writes records.jsonl,
    config.json and env.json under DIR (default results/theory/catalogue).
frontiers [--out DIR] [--only ID,...] [--L1 v1,v2,...]
    L0*(L1) of the univariate catalogue functions on an L1 grid (default 25 points, 10^-2 ..
    10^2, log-spaced) with the class, L1_min and per-point method; writes frontiers.json
    (schema l0l1-frontiers/1), config.json and env.json under DIR (default
    results/theory/frontiers), the input of the frontier figure.
multicheck EXPR --vars x1,x2 --L0 A --L1 B --box LO:HI[,LO:HI...] [--samples N] [--seed S] [--json]
    Numeric search for the worst violation of ||∇²f|| <= L0 + L1||∇f|| on a box (estimated).

Bad input gives one line ``theory: error: ...`` on stderr and exit code 2, never a traceback.
This module is the package's only user of tqdm (progress), imported lazily.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from theory.cli_common import OneLineParser as _Parser, UsageError, emit, guarded
from theory.records import to_jsonable

def _float_list(text: str, name: str) -> list[float]:
    values = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            raise UsageError(f"{name}: empty value in {text!r}")
        try:
            value = float(item)
        except ValueError:
            raise UsageError(f"{name}: {item!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"{name}: values must be finite and >= 0, got {item}")
        values.append(value)
    return values


def _number(text: str, name: str, minimum: float = 0.0) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise UsageError(f"{name} must be finite and >= {minimum}, got {text}")
    return value


def _fmt(value) -> str:
    if value is None:
        return "none"
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _cmd_certify(args) -> int:
    from theory.certify import certify

    L1_values = _float_list(args.L1, "--L1") if args.L1 is not None else None
    cert = certify(args.expr, args.var, L1_values, timeout=args.timeout)
    if args.json:
        print(json.dumps(to_jsonable(cert.to_dict()), allow_nan=False))
        return 0
    status = "certified (exact)" if cert.certified else "estimated (numeric)"
    print(f"f({cert.variable}) = {cert.expression}")
    print(f"class    {cert.cls}   [{cert.class_method}, "
          f"{'certified' if cert.class_certified else 'estimated'}]")
    print(f"L        {_fmt(cert.L)}")
    print(f"L1_min   {_fmt(cert.L1_min)}   (attained: {_fmt(cert.L1_min_attained)})")
    print(f"method   {cert.method}   {status}   {cert.seconds:.2f} s")
    print(f"{'L1':>12}  {'L0*(L1)':>22}  {'argmax x':>14}  method")
    for pt in cert.frontier:
        print(f"{pt.L1:>12.6g}  {_fmt(pt.L0):>22}  {_fmt(pt.argmax):>14}  {pt.method}"
              f"{'' if pt.certified else ' (estimated)'}")
    for note in cert.notes:
        print(f"note: {note}")
    return 0


def _select(entries, only: str | None, what: str) -> list:
    """The catalogue entries named in ``--only`` (all when None); an unknown name is a UsageError."""
    wanted = set(only.split(",")) if only else None
    chosen = [e for e in entries if wanted is None or e.id in wanted]
    if wanted and len(chosen) != len(wanted):
        raise UsageError(f"--only: {what}: {', '.join(sorted(wanted - {e.id for e in chosen}))}")
    return chosen


def _cmd_catalogue(args) -> int:
    from tqdm import tqdm

    from theory.catalogue import CATALOGUE
    from theory.catalogue_check import verify_entry
    from theory.records import environment_info, write_json, write_jsonl

    entries = _select(CATALOGUE, args.only, "unknown catalogue id(s)")
    records = []
    for entry in tqdm(entries, desc="catalogue", unit="fn", disable=args.json or None):
        records += verify_entry(entry, seed=args.seed)
    out = Path(args.out)
    write_jsonl(out / "records.jsonl", records)
    write_json(out / "config.json", {"command": "catalogue", "only": args.only,
                                     "seed": args.seed, "entries": [e.id for e in entries]})
    write_json(out / "env.json", environment_info(seed=args.seed))
    failed = [r for r in records if r.verdict == "fail"]
    if args.json:
        print(json.dumps([r.to_dict() for r in records]))
    else:
        print(f"{'check':<44} {'measured':>14} {'declared':>14}  verdict")
        for r in records:
            shown = (str(r.extra["measured"]), str(r.extra["declared"])) if r.bound_kind == "none" \
                else (_fmt(r.measured), _fmt(r.bound))
            print(f"{r.check_id:<44} {shown[0]:>14} {shown[1]:>14}  {r.verdict}")
        print(f"{len(records)} records, {len(failed)} failed -> {out / 'records.jsonl'}")
    return 1 if failed else 0


FRONTIER_GRID = tuple(float(f"{10 ** (k / 6 - 2):.6g}") for k in range(25))  # 1e-2 .. 1e2


def _cmd_frontiers(args) -> int:
    import time

    from tqdm import tqdm

    from theory.catalogue import CATALOGUE
    from theory.certify import certify
    from theory.records import environment_info, write_json

    grid = _float_list(args.L1, "--L1") if args.L1 is not None else list(FRONTIER_GRID)
    entries = _select([e for e in CATALOGUE if len(e.variables) == 1], args.only,
                      "not a univariate catalogue id")
    start, functions = time.perf_counter(), []
    for entry in tqdm(entries, desc="frontiers", unit="fn"):
        cert = certify(entry.expression, entry.variables[0], grid)
        functions.append({
            "name": entry.id, "expression": entry.expression, "mark": entry.mark,
            "class": cert.cls, "L1_min": cert.L1_min, "certified": cert.certified,
            "points": [{"L1": pt.L1, "L0": pt.L0, "certified": pt.certified,
                        "method": pt.method} for pt in cert.frontier]})
    out = Path(args.out)
    write_json(out / "frontiers.json", to_jsonable(
        {"schema": "l0l1-frontiers/1", "L1_grid": grid, "functions": functions,
         "definition": "L0*(L1) = max(0, sup_x |f''(x)| - L1 |f'(x)|) (theory.certify)"}))
    write_json(out / "config.json", {"command": "frontiers", "only": args.only, "L1": grid,
                                     "wall_seconds": round(time.perf_counter() - start, 3)})
    write_json(out / "env.json", environment_info())
    print(f"{len(functions)} frontiers x {len(grid)} L1 values -> {out / 'frontiers.json'}")
    return 0


def _box(text: str, n: int) -> list[tuple[float, float]]:
    parts = [p for p in text.split(",")]
    if len(parts) == 1 and n > 1:
        parts *= n
    if len(parts) != n:
        raise UsageError(f"--box: need {n} intervals LO:HI, got {len(parts)}")
    box = []
    for part in parts:
        try:
            lo, hi = (float(v) for v in part.split(":"))
        except ValueError:
            raise UsageError(f"--box: {part!r} is not LO:HI") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise UsageError(f"--box: need finite LO < HI, got {part!r}")
        box.append((lo, hi))
    return box


def _cmd_multicheck(args) -> int:
    import numpy as np

    from theory.multivariate import check_l0l1
    from theory.parsing import parse_expression, real_symbol

    names = [v.strip() for v in args.vars.split(",") if v.strip()]
    if not names:
        raise UsageError("--vars: give at least one variable name")
    expr = parse_expression(args.expr, names)
    L0, L1 = _number(args.L0, "--L0"), _number(args.L1, "--L1")
    if args.samples < 16:
        raise UsageError(f"--samples must be >= 16, got {args.samples}")
    result = check_l0l1(expr, [real_symbol(n) for n in names], L0, L1,
                        _box(args.box, len(names)), n_samples=args.samples,
                        rng=np.random.default_rng(args.seed))
    emit(to_jsonable(result.to_dict()), args.json)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m theory", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    c = sub.add_parser("certify", help="class and frontier of a univariate expression")
    c.add_argument("expr")
    c.add_argument("--var", default="x")
    c.add_argument("--L1", help="comma-separated L1 values (>= 0)")
    c.add_argument("--timeout", type=float, default=10.0, help="seconds per symbolic step")
    c.add_argument("--json", action="store_true")
    k = sub.add_parser("catalogue", help="verify every declared constant of the catalogue")
    k.add_argument("--out", default="results/theory/catalogue")
    k.add_argument("--only", help="comma-separated entry ids")
    k.add_argument("--seed", type=int, default=0, help="seed of the multivariate searches")
    k.add_argument("--json", action="store_true")
    fr = sub.add_parser("frontiers", help="L0*(L1) of the univariate catalogue on an L1 grid")
    fr.add_argument("--out", default="results/theory/frontiers")
    fr.add_argument("--only", help="comma-separated entry ids")
    fr.add_argument("--L1", help="comma-separated L1 values (>= 0)")
    m = sub.add_parser("multicheck", help="numeric (L0,L1) check of a multivariate expression")
    m.add_argument("expr")
    m.add_argument("--vars", required=True)
    m.add_argument("--L0", required=True)
    m.add_argument("--L1", required=True)
    m.add_argument("--box", required=True, help="LO:HI per variable, comma-separated")
    m.add_argument("--samples", type=int, default=4096)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input, 1 for failed checks)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # "--box -1:1" would read as an option: glue values that start with '-' to --box.
    for i in range(len(argv) - 2, -1, -1):
        if argv[i] == "--box" and argv[i + 1].startswith("-"):
            argv[i:i + 2] = [f"--box={argv[i + 1]}"]

    def command() -> int:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: certify, catalogue, frontiers or multicheck")
        if args.command == "certify" and not args.timeout > 0:
            raise UsageError("--timeout must be > 0")
        handler = {"certify": _cmd_certify, "catalogue": _cmd_catalogue,
                   "frontiers": _cmd_frontiers, "multicheck": _cmd_multicheck}[args.command]
        return handler(args)
    return guarded("theory", command)
