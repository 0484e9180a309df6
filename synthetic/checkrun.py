"""Run every theorem check, resumably, and summarise the verdicts (``python -m synthetic check``).

Each check module (:mod:`synthetic.checks`) writes its records to ``DIR/parts/<name>.jsonl``
(atomically) as soon as it finishes, tagged with a fingerprint of its configuration; a rerun
with the same ``DIR`` and sizes keeps finished parts and runs only the rest. At the end
``DIR/records.jsonl`` holds every record, ``DIR/config.json`` the resolved configurations (and, at
the end, the compute seconds of each check, kept parts included), ``DIR/summary.json`` the
verdict table (:func:`summary_rows`) and the failing records, and ``DIR/env.json`` the
provenance.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import time
from pathlib import Path
from typing import Callable

from theory.records import ResultRecord, environment_info, read_jsonl, write_json, write_jsonl

__all__ = ["CHECKS", "config_of", "run_checks", "summary_rows"]

CHECKS = ("thm3", "thm4", "rem5", "thm6", "thm7", "thm8", "followup")


def _module(name: str):
    return importlib.import_module(f"synthetic.checks.{name}")


def config_of(name: str, quick: bool):
    module = _module(name)
    return module.QUICK if quick else module.FULL


def _fingerprint(config) -> str:
    text = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def total_units(names, quick: bool) -> int:
    return sum(_module(n).units(config_of(n, quick)) for n in names)


def run_checks(out: Path, names=CHECKS, quick: bool = False,
               progress: Callable[[str], None] | None = None) -> list[dict]:
    """Run (or resume) the checks ``names`` into ``out``; return every record as a dict."""
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check(s) {unknown}; choose from {', '.join(CHECKS)}")
    out = Path(out)
    configs = {n: config_of(n, quick) for n in names}
    header = {"command": "check", "quick": quick, "checks": list(names),
              "configs": {n: dataclasses.asdict(c) for n, c in configs.items()}}
    write_json(out / "config.json", header)
    write_json(out / "env.json", environment_info(seed=None))
    rows, timings = [], {}
    for name in names:
        part = out / "parts" / f"{name}.jsonl"
        tag = _fingerprint(configs[name])
        if part.exists():
            try:
                done = read_jsonl(part)
            except (ValueError, OSError):  # damaged from outside (writes are atomic): redo it
                done = []
            if done and done[0].get("fingerprint") == tag:
                rows += done[1:]
                timings[name] = done[0].get("seconds")
                for _ in range(_module(name).units(configs[name]) if progress else 0):
                    progress(f"{name} (kept)")
                continue
        start = time.perf_counter()
        records: list[ResultRecord] = _module(name).run(configs[name], progress=progress)
        timings[name] = time.perf_counter() - start
        dicts = [r.to_dict() for r in records]
        write_jsonl(part, [{"fingerprint": tag, "seconds": timings[name]}] + dicts)
        rows += dicts
    write_jsonl(out / "records.jsonl", rows)
    write_json(out / "config.json", {**header, "seconds": timings})  # compute time per check
    write_json(out / "summary.json", {
        "schema": "l0l1-check-summary/1", "rows": summary_rows(rows),
        "fails": [{k: r.get(k) for k in ("check_id", "theorem", "measured", "bound", "notes")}
                  for r in rows if r.get("verdict") == "fail"]})
    return rows


def _ratio(row: dict) -> float | None:
    """measured/bound of a decided one-sided comparison (None when censored, missing or ∞)."""
    m, b = row.get("measured"), row.get("bound")
    if row.get("verdict") not in ("pass", "fail") or \
            row.get("bound_kind") not in ("upper", "lower") or not all(
            isinstance(v, (int, float)) and math.isfinite(v) for v in (m, b)) or b == 0:
        return None
    return float(m) / float(b)


def summary_rows(rows: list[dict]) -> list[dict]:
    """One line per (check, theorem): verdict counts and the range of measured/bound."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["check_id"].split("/")[0], r["theorem"], r["mark"]), []).append(r)
    out = []
    for (check, theorem, mark), rs in groups.items():
        counts = {v: sum(r["verdict"] == v for r in rs)
                  for v in ("pass", "fail", "inconclusive", "shape-only")}
        ratios = [q for q in map(_ratio, rs) if q is not None]
        out.append({"check": check, "theorem": theorem, "mark": mark, "records": len(rs),
                    **counts, "ratio_min": min(ratios) if ratios else None,
                    "ratio_max": max(ratios) if ratios else None})
    return out
