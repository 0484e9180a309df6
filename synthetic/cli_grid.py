"""``python -m synthetic grid``: a grid of ``lower-bound`` or ``worst-case`` runs, resumable, on
the local engine or on Dask, into one record stream (specification: :mod:`synthetic.grid`).

Each point is the subprocess ``python -m synthetic COMMAND --AXIS=VALUE ... --json``, a
:class:`sweeps.Task` with a wall-clock ``--timeout`` whose output goes to ``DIR/points/<i>.log``;
a finished point is kept in ``DIR/points/<i>.json`` (atomic, keyed by the fingerprint of its
command line), so a rerun with the same ``--out`` runs only new, changed, crashed or timed-out
points. ``records.jsonl`` and ``grid.json`` are replaced together once every point has ended.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from plumbing.cli import EXIT_CODES_HELP, EXIT_INTERNAL, EXIT_OK, EXIT_VERDICT_FAILED, \
    UsageError, add_version
from plumbing.files import read_file
from synthetic import grid as G

__all__ = ["GRID_EPILOG", "add_grid_parser", "cmd_grid"]

PASS_THROUGH = {"lower-bound": ("max_iter", "time_limit"),
                "worst-case": ("method", "rule", "search", "search_time", "cells", "generations")}
DEFAULT_TIMEOUT, MAX_TIMEOUT = 600.0, 86400.0
THREADS = (("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1"))
OWN = {"records.jsonl", "grid.json", "points"}

GRID_EPILOG = f"""\
grid: every axis option takes a comma list; the points are the Cartesian product, axes in the
  order lower-bound: {', '.join(G.AXES['lower-bound'])};
  worst-case: {', '.join(G.AXES['worst-case'])}
  (the first slowest, the last fastest; values in the order given, repeats dropped). Every
  point needs L0, L1, M, eps, delta; lower-bound exactly one of h (one step per point) or grid
  (K steps per point); worst-case the step parameters of --method (none with --rule), seed
  only with --search. --grid-file FILE instead: a JSON list of objects, one per point, keys the
  axis names ({{"L0": 1, "L1": 10, "M": 10, "eps": 0.1, "delta": 10, "h": 0.01}}); strict JSON,
  finite numbers (integers for grid and seed), no unknown or repeated key, no repeated point, at
  most {G.MAX_POINTS} points. Other options pass through to every point.
output (--out DIR): records.jsonl, one record per point in grid order: point, params, command,
  exit_code, outcome (ran | verdict-failed | refused | timed-out | crashed), result (the
  command's --json output, worst-case's seconds removed; null unless it ran), error (one line
  or null); grid.json: the grid, options, engine, timeout, git revision, counts and per-point
  seconds and hosts. A rerun resumes: points whose command line is unchanged are kept (a
  timed-out one unless --timeout grows; a crashed one is redone).
exit codes: 0 every point ran, was refused (exit 2: recorded with its error) or timed out; 1 some
  point's verdict failed; 2 bad grid input (nothing written); 3 some point crashed.
{EXIT_CODES_HELP}"""


def add_grid_parser(sub) -> None:
    """Add the ``grid`` command to the subparsers ``sub`` of ``python -m synthetic``."""
    from synthetic.cli_worstcase import RULE_NAMES

    g = sub.add_parser("grid", help="a grid of lower-bound or worst-case runs, local or on Dask",
                       description="Run lower-bound or worst-case on every point of a grid into "
                                   "one records.jsonl, resumably.", epilog=GRID_EPILOG)
    add_version(g)
    g.add_argument("target", choices=list(G.AXES), help="the command run at every point")
    for name in dict.fromkeys(G.AXES["lower-bound"] + G.AXES["worst-case"]):
        kind = "integers" if name in G.INTEGER_AXES else "numbers"
        of = " and ".join(c for c in G.AXES if name in G.AXES[c])
        g.add_argument(f"--{name}", help=f"comma list of {kind}: an axis of {of}")
    g.add_argument("--grid-file", help="JSON list of points instead of the comma lists")
    g.add_argument("--max-iter", type=int, help="lower-bound's --max-iter (default: its own)")
    g.add_argument("--time-limit", type=float, help="lower-bound's --time-limit per step")
    g.add_argument("--method", choices=["gd", "clipped", "normalized"], help="worst-case's rule")
    g.add_argument("--rule", choices=list(RULE_NAMES), help="worst-case's theorem rule")
    g.add_argument("--search", action="store_true", help="worst-case --search (default: off)")
    g.add_argument("--search-time", type=float, help="worst-case --search-time")
    g.add_argument("--cells", type=int, help="worst-case --cells")
    g.add_argument("--generations", type=int, help="worst-case --generations")
    g.add_argument("--engine", default="local", choices=["local", "dask"],
                   help="local: points one after another; dask: points in parallel on a Dask "
                        "cluster (default: %(default)s)")
    g.add_argument("--workers", type=int, help="Dask LocalCluster workers (default: one per core)")
    g.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help=f"wall-clock seconds per point, at most {MAX_TIMEOUT:g}; a point past it "
                        "is killed and recorded as timed out (default: %(default)s)")
    g.add_argument("--out", required=True, help="run folder (required)")
    g.add_argument("--json", action="store_true", help="print one JSON summary (default: off)")


def _spec(args):
    """(points, the grid as data, pass-through options) of ``args``; UsageError if refused."""
    target, other = args.target, next(c for c in G.AXES if c != args.target)
    foreign = [n for n in G.AXES[other] + PASS_THROUGH[other] if _given(getattr(args, n))
               and n not in G.AXES[target] + PASS_THROUGH[target]]
    if foreign:
        raise UsageError(f"grid {target}: --{foreign[0].replace('_', '-')} is an option of "
                         f"{other} only")
    lists = {a: getattr(args, a) for a in G.AXES[target]}
    if args.grid_file is not None and any(v is not None for v in lists.values()):
        raise UsageError("give the grid either as comma lists or as --grid-file, not both")
    if args.grid_file is not None:
        points = G.read_grid_file(args.grid_file, target)
        data = read_file(args.grid_file, G.MAX_GRID_FILE_BYTES)
        spec = {"grid_file": str(args.grid_file), "sha256": hashlib.sha256(data).hexdigest()}
    elif any(v is not None for v in lists.values()):
        values = G.axis_values(target, lists)
        points, spec = G.product_points(values), {"axes": values}
    else:
        raise UsageError(f"grid {target}: give the grid as comma lists (--L0 1,2 --L1 1,10 ...) "
                         "or as --grid-file FILE")
    if target == "worst-case" and (args.method is None) == (args.rule is None):
        raise UsageError("grid worst-case: give exactly one of --rule NAME or --method NAME")
    if target == "worst-case" and not args.search and any(
            getattr(args, k) is not None for k in ("search_time", "cells", "generations")):
        raise UsageError("--search-time, --cells and --generations apply only with --search")
    for index, point in enumerate(points):
        why = G.check_keys(target, point, args.method, args.rule, args.search)
        if why:
            where = f"--grid-file {args.grid_file}: entry {index}" if args.grid_file else \
                f"grid {target}"
            raise UsageError(f"{where}: {why}")
    options = []
    for name in (n for n in PASS_THROUGH[target] if _given(getattr(args, n))):
        value, option = getattr(args, name), "--" + name.replace("_", "-")
        options.append(option if value is True else f"{option}={value!r}"
                       if isinstance(value, float) else f"{option}={value}")
    return points, spec, options


def _given(value) -> bool:
    return value is not None and value is not False


def _run(out: Path, target: str, points, options, args, bar_factory):
    """Run the points not kept; returns (records, per-point info), both in grid order."""
    from plumbing.files import remove_stale_temporaries
    from plumbing.jsonio import write_json
    from sweeps import Task, run_tasks
    from sweeps.tasks import python_command

    folder = out.absolute() / "points"
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    stored = G.stored_points(folder)
    plan = [G.point_args(target, p, options) for p in points]
    fps = [G.fingerprint(a) for a in plan]
    records, info, tasks = [None] * len(points), [None] * len(points), []
    for i, fp in enumerate(fps):
        name, payload = stored.get(fp, (None, None))
        if G.keep_point(payload, args.timeout):
            records[i] = payload["record"] | {"point": i}
            info[i] = {"point": i, "fingerprint": fp, "seconds": payload["seconds"],
                       "host": payload["host"], "kept": True}
            if name != f"{i}.json":  # the grid changed: the point moved
                write_json(folder / f"{i}.json", payload | {"record": records[i]})
            continue
        (folder / f"{i}.log").unlink(missing_ok=True)
        tasks.append(Task(f"point-{i}", (python_command(*plan[i]),), env=THREADS,
                          log=str(folder / f"{i}.log"), timeout=args.timeout))
    bar = bar_factory(len(tasks))

    def done(result) -> None:
        i = int(result.key.rpartition("-")[2])
        log = folder / f"{i}.log"
        try:
            text = read_file(log, G.MAX_POINT_BYTES).decode("utf-8", "replace")
        except (OSError, ValueError):
            text = ""
        record = G.point_record(i, target, points[i], result.returncode, result.timed_out,
                                args.timeout, text or result.tail)
        records[i] = record
        info[i] = {"point": i, "fingerprint": fps[i], "seconds": result.seconds,
                   "host": result.host, "kept": False}
        write_json(folder / f"{i}.json", {"fingerprint": fps[i], "record": record,
                                          "seconds": result.seconds, "host": result.host,
                                          "timeout": args.timeout})
        if record["outcome"] not in ("crashed", "timed-out"):
            log.unlink(missing_ok=True)
        bar.update(1)
        bar.set_postfix_str(f"point {i}: {record['outcome']}", refresh=False)
    try:
        run_tasks(tasks, args.engine, args.workers, args.scheduler, progress=done)
    finally:
        bar.close()
    for path in folder.iterdir():  # point files of indices beyond this grid, finished logs
        stem, _, ext = path.name.partition(".")
        if stem.isdigit() and ext in ("json", "log") and (int(stem) >= len(points) or (
                ext == "log" and records[int(stem)]["outcome"] not in ("crashed", "timed-out"))):
            path.unlink(missing_ok=True)
    return records, info


def _refuse_foreign(out: Path) -> None:
    if not out.is_dir():
        return
    other = sorted(p.name for p in out.iterdir() if not p.name.startswith(".") and
                   p.name not in OWN)
    if other:
        raise UsageError(f"--out {out}: holds files of another command ({', '.join(other[:3])}); "
                         "choose a folder of its own for the grid")
    if (out / "grid.json").exists():
        try:
            meta = json.loads(read_file(out / "grid.json", G.MAX_POINT_BYTES))
        except ValueError as exc:  # not JSON, not UTF-8
            raise UsageError(f"--out {out}: grid.json is damaged ({' '.join(str(exc).split())}"
                             "): remove it (the points are kept) or choose another --out"
                             ) from None
        if not isinstance(meta, dict) or meta.get("schema") != G.SCHEMA:
            raise UsageError(f"--out {out}: grid.json is not a grid's ({G.SCHEMA})")


def cmd_grid(args) -> int:
    """The ``grid`` command; returns the exit code (0, 1, 2 or 3: :data:`GRID_EPILOG`)."""
    from plumbing.files import check_output_folder, replace_together
    from plumbing.jsonio import json_text, jsonl_text
    from plumbing.locks import RunLock
    from plumbing.provenance import git_revision
    from sweeps import describe_engine

    points, spec, options = _spec(args)
    engine = describe_engine(args.engine, args.workers, args.scheduler)
    if not 0 < args.timeout <= MAX_TIMEOUT:
        raise UsageError(f"--timeout must be a number of seconds in (0, {MAX_TIMEOUT:g}], got "
                         f"{args.timeout:g}")
    out = check_output_folder(args.out, "--out")
    _refuse_foreign(out)
    started = time.perf_counter()

    def bar_factory(total):
        from tqdm import tqdm
        return tqdm(total=total, desc=f"grid {args.target}", unit="point",
                    disable=True if args.json else None)
    with RunLock(out, "synthetic grid"):
        records, info = _run(out, args.target, points, options, args, bar_factory)
        counts = {k: sum(r["outcome"] == k for r in records)
                  for k in ("ran", "verdict-failed", "refused", "timed-out", "crashed")}
        code = EXIT_INTERNAL if counts["crashed"] else \
            EXIT_VERDICT_FAILED if counts["verdict-failed"] else EXIT_OK
        text = jsonl_text(records)
        seconds = time.perf_counter() - started
        meta = {"schema": G.SCHEMA, "command": args.target, "grid": spec, "options": options,
                "points": len(points), "engine": engine, "timeout": args.timeout,
                "git_revision": git_revision(), "seconds": seconds, "counts": counts,
                "exit_code": code, "per_point": info,
                "records_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        replace_together({out / "records.jsonl": text.encode("utf-8"),
                          out / "grid.json": json_text(meta).encode("utf-8")})
    kept = sum(i["kept"] for i in info)
    summary = {"out": str(out), "command": args.target, "points": len(points), "kept": kept,
               "ran": len(points) - kept, "counts": counts, "exit_code": code,
               "engine": engine["engine"], "seconds": seconds,
               "records": str(out / "records.jsonl")}
    if args.json:
        print(json.dumps(summary, allow_nan=False))
        return code
    print(f"grid {args.target}: {len(points)} points ({kept} kept, {len(points) - kept} run on "
          f"{engine['engine']}): " + ", ".join(f"{v} {k}" for k, v in counts.items() if v))
    for r in [r for r in records if r["error"]][:20]:
        print(f"  point {r['point']} {r['outcome']}: {r['error']}")
    print(f"records in {out / 'records.jsonl'}, grid in {out / 'grid.json'} ({seconds:.1f} s)")
    return code
