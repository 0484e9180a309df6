"""Benchmark: ``synthetic check`` on the local engine against ``--engine dask --workers N``
(default 2), as whole processes into fresh folders, alternating A B A B so that a drift of the
machine's speed hits both; checks that both write the same ``records.jsonl`` and
``summary.json`` byte for byte.

The Dask engine runs each check as its own subprocess, longest first; its wall time is bounded
below by the longest check (``thm4``) plus the cluster start (~2 s) and a process start per
check (~1.5 s: imports), so the speed-up on 2 cores is at most the ratio of the total to the
longest check.

    .venv/bin/python benchmarks/bench_engine.py [--quick] [--workers 2] [--reps 2] [--json]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(out: Path, quick: bool, workers: int | None) -> float:
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, "-m", "synthetic", "check", "--out", str(out), "--json",
            *(["--quick"] if quick else []),
            *(["--engine", "dask", "--workers", str(workers)] if workers else [])]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"bench_engine: {' '.join(argv)} exited {done.returncode}: "
                 f"{done.stderr.strip()[-300:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="check --quick sizes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_engine_"))
    local, dask = [], []
    try:
        for _ in range(args.reps):
            local.append(run(root / "local", args.quick, None))
            dask.append(run(root / "dask", args.quick, args.workers))
        same = all((root / "local" / n).read_bytes() == (root / "dask" / n).read_bytes()
                   for n in ("records.jsonl", "summary.json"))
        parts = json.loads((root / "local" / "config.json").read_text())["seconds"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    row = {"quick": args.quick, "workers": args.workers, "reps": args.reps,
           "local_seconds": local, "dask_seconds": dask,
           "local_median": statistics.median(local), "dask_median": statistics.median(dask),
           "speedup": statistics.median(a / b for a, b in zip(local, dask)),
           "identical_files": same, "check_seconds_local": parts}
    if args.json:
        print(json.dumps(row))
        return
    print(f"synthetic check{' --quick' if args.quick else ''}: local median "
          f"{row['local_median']:.1f} s, dask --workers {args.workers} median "
          f"{row['dask_median']:.1f} s, speed-up {row['speedup']:.2f}x over {args.reps} pairs; "
          f"records.jsonl and summary.json identical: {same}")
    print("compute seconds per check (local): " +
          ", ".join(f"{k} {v:.1f}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
