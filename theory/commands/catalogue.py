"""``python -m theory catalogue`` and ``frontiers``: the catalogue's checks and frontiers.

``catalogue`` verifies the declared class, constants and f* of every entry of
:mod:`theory.functions.catalogue` (univariate ones exactly, multivariate ones by a numeric search
on the declared box) and writes records.jsonl, config.json and env.json. ``frontiers`` computes
the frontier

    L0*(L1) = max(0, sup_x |f''(x)| - L1 |f'(x)|)

(docs/statements.md §1, "The frontier L0*(L1)") of the univariate entries on an L1 grid and
writes frontiers.json (schema l0l1-frontiers/1), the input of the frontier figure. Both check
``--out`` before any work and replace their files together, under the folder's writer lock.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from plumbing.cli import EXIT_OK, EXIT_VERDICT_FAILED, int_in_range
from plumbing.jsonio import json_text, jsonl_text, to_jsonable
from theory.commands.arguments import (FRONTIER_GRID, MAX_SEED, _float_list, _fmt,
                                       _output_folder, _select)


def _write_outputs(out: Path, command: str, files: dict[str, str]) -> None:
    """Replace the prepared texts (all serialised before the first write) together, under the
    folder's writer lock: all of them or, on failure, none (plumbing.files.replace_together)."""
    from plumbing.locks import RunLock
    from plumbing.files import replace_together

    with RunLock(out, f"python -m theory {command}"):
        replace_together({out / name: text.encode("utf-8") for name, text in files.items()})


def run_catalogue(args, bar_over: Callable[..., Any]) -> int:
    """``catalogue``: verify every selected entry, write the three files; 0, or 1 when a
    declared constant fails. ``bar_over(entries, **options)`` is the progress bar (tqdm,
    theory.cli)."""
    from theory.functions.catalogue import CATALOGUE

    out = _output_folder(args.out)
    seed = int_in_range("--seed", args.seed, 0, MAX_SEED)
    entries = _select(CATALOGUE, args.only, "unknown catalogue id(s)")

    from theory.functions.verify import verify_entry
    from plumbing.provenance import environment_info

    records = []
    with bar_over(entries, desc="catalogue", unit="fn", disable=args.json or None,
                  leave=False) as bar:
        for entry in bar:
            records += verify_entry(entry, seed=seed)
    _write_outputs(out, "catalogue", {
        "records.jsonl": jsonl_text(records),
        "config.json": json_text({"command": "catalogue", "only": args.only, "seed": seed,
                                   "entries": [e.id for e in entries]}),
        "env.json": json_text(environment_info(seed=seed))})
    failed = [r for r in records if r.verdict == "fail"]
    if args.json:
        print(json.dumps(to_jsonable([r.to_dict() for r in records]), allow_nan=False))
    else:
        print(f"{'check':<44} {'measured':>14} {'declared':>14}  verdict")
        for r in records:
            shown = (str(r.extra["measured"]), str(r.extra["declared"])) if r.bound_kind == "none" \
                else (_fmt(r.measured), _fmt(r.bound))
            print(f"{r.check_id:<44} {shown[0]:>14} {shown[1]:>14}  {r.verdict}")
        print(f"{len(records)} records, {len(failed)} failed -> {out / 'records.jsonl'}")
    return EXIT_VERDICT_FAILED if failed else EXIT_OK


def run_frontiers(args, bar_over: Callable[..., Any]) -> int:
    """``frontiers``: L0*(L1) of the selected univariate entries on the L1 grid, written as
    frontiers.json with config.json and env.json; 0. ``bar_over`` as for
    :func:`run_catalogue`."""
    from theory.functions.catalogue import CATALOGUE

    out = _output_folder(args.out)
    grid = _float_list(args.L1, "--L1") if args.L1 is not None else list(FRONTIER_GRID)
    entries = _select([e for e in CATALOGUE if len(e.variables) == 1], args.only,
                      "not a univariate catalogue id")

    from theory.smoothness.certify import certify
    from plumbing.provenance import environment_info

    start, functions = time.perf_counter(), []
    with bar_over(entries, desc="frontiers", unit="fn", leave=False) as bar:
        for entry in bar:
            cert = certify(entry.expression, entry.variables[0], grid)
            functions.append({
                "name": entry.id, "expression": entry.expression,
                "variables": list(entry.variables), "mark": entry.mark,
                "class": cert.cls, "L1_min": cert.L1_min, "certified": cert.certified,
                "points": [{"L1": pt.L1, "L0": pt.L0, "certified": pt.certified,
                            "method": pt.method} for pt in cert.frontier]})
    _write_outputs(out, "frontiers", {
        "frontiers.json": json_text(
            {"schema": "l0l1-frontiers/1", "L1_grid": grid, "functions": functions,
             "definition": "L0*(L1) = max(0, sup_x |f''(x)| - L1 |f'(x)|) "
                           "(theory.smoothness.certify)"}),
        "config.json": json_text({"command": "frontiers", "only": args.only, "L1": grid,
                                   "wall_seconds": round(time.perf_counter() - start, 3)}),
        "env.json": json_text(environment_info())})
    print(f"{len(functions)} frontiers x {len(grid)} L1 values -> {out / 'frontiers.json'}")
    return EXIT_OK
