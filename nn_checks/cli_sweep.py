"""``python -m nn_checks sweep``: the paper's settings over several seeds, locally or on Dask.

sweep --runs all|NAME,NAME --seeds 0-4|1,3,7 --preset smoke|cpu|long|paper
      [--engine local|dask] [--workers N | --scheduler ADDRESS] [--gpus N]
      [--threads-per-run T] [--device auto|cpu|cuda] [--timeout S] [--ptb-dir D]
      [--image-dir D] [--out DIR] [--json]

See :mod:`nn_checks.sweep` for the folder it writes and why the thread count is part of a
sweep's identity.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from plumbing.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, UsageError

__all__ = ["add_sweep_parser", "cmd_sweep", "SWEEP_EPILOG"]

SWEEP_EPILOG = """\
settings (--runs; the run-folder names of make): all, or a comma list of lstm_lr30clip0.25,
  lstm_lr2noclip, lstm_lr2clip0.25, resnet20_sgdmom, resnet20_lr1noclip, resnet20_lr5clip0.25
seeds (--seeds): a range 0-4, a list 1,3,7, or both 0-2,10 (at most 1000)
written under --out (default results/nn_checks/<preset>-sweep):
  <setting>/seed<S>/   one run folder per (setting, seed): measure --seed S, then fit
  logs/<setting>-seed<S>.log, sweep.json (the manifest), claims.json (the claims over seeds)
engines: local (default) runs one run at a time in this machine; dask runs them on a
  LocalCluster of --workers single-threaded workers (default: one per core), on a running
  cluster (--scheduler tcp://host:8786; docs/architecture.md, "Sweeps", has the SLURM recipe),
  or with --gpus N on N local GPU workers, one run per GPU at a time.
threads: each run uses --threads-per-run threads (default: the cores of this machine divided
  by the workers; with --scheduler, the workers' own default). torch's CPU results depend on
  the thread count, so the run folders are identical across engines and worker counts for
  equal --threads-per-run, and a sweep folder refuses another thread count.
A rerun with the same --out resumes: finished runs are kept, interrupted ones continue from
  their checkpoints, new seeds or settings are added. One sweep writes a folder at a time.
exit codes: 0 every run finished (claims written); 2 bad input, refused, a run refused its
  input or ran past --timeout (one line); 3 a run failed otherwise (its log named);
  130 interrupted"""


def add_sweep_parser(sub) -> None:
    s = sub.add_parser("sweep", help="the paper's settings over several seeds (local or Dask)",
                       description="Run settings x seeds (measure, then fit), then the claims "
                                   "across seeds.", epilog=SWEEP_EPILOG)
    s.add_argument("--runs", required=True, help="all, or a comma list of setting names")
    s.add_argument("--seeds", required=True, help="a range (0-4) and/or a list (1,3,7)")
    s.add_argument("--preset", required=True, choices=["smoke", "cpu", "long", "paper"])
    s.add_argument("--engine", default="local", choices=["local", "dask"],
                   help="where the runs go (default: %(default)s)")
    s.add_argument("--workers", type=int, help="Dask LocalCluster workers (default: one per "
                                               "core)")
    s.add_argument("--scheduler", help="address of a running Dask scheduler")
    s.add_argument("--gpus", type=int, help="Dask workers with one GPU each (needs --device "
                                            "cuda; default: every visible GPU)")
    s.add_argument("--threads-per-run", type=int, help="torch threads of each run (see below)")
    s.add_argument("--device", default="auto", help="auto, cpu or cuda (default: %(default)s: "
                                                    "cuda when this machine has one)")
    s.add_argument("--timeout", type=float, help="wall-clock seconds per run (measure + fit); "
                                                 "a run past it is killed (default: none)")
    s.add_argument("--ptb-dir", metavar="DIR", help="Penn Treebank folder (as measure)")
    s.add_argument("--image-dir", metavar="DIR", help="image data folder (as measure)")
    s.add_argument("--out", help="sweep folder (default: results/nn_checks/<preset>-sweep)")
    s.add_argument("--json", action="store_true", help="print the manifest and claims as JSON")


def _device(args) -> tuple[str, int | None]:
    """The device the runs use and the number of GPU workers (None without GPUs)."""
    if args.device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device {args.device!r}: choose auto, cpu or cuda (a sweep places "
                         "runs on GPUs itself: one per GPU worker)")
    if args.device == "cpu" or (args.device == "auto" and args.scheduler):
        if args.gpus:
            raise UsageError("--gpus needs --device cuda")
        return ("cpu" if args.device == "cpu" else "auto"), None
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if args.device == "cuda" and not count and not args.scheduler:
        raise UsageError("--device cuda: this machine has no CUDA GPU")
    if not count or args.scheduler:
        if args.gpus:
            raise UsageError("--gpus: this machine has no CUDA GPU" if not count else
                             "--gpus starts local GPU workers; leave it out with --scheduler")
        return ("cuda" if args.device == "cuda" else "cpu"), None
    if args.gpus is not None and not 1 <= args.gpus <= count:
        raise UsageError(f"--gpus must be between 1 and {count} (the visible GPUs), got "
                         f"{args.gpus}")
    return "cuda", (args.gpus or count) if args.engine == "dask" else None


def _check_data(runs, ptb_dir, image_dir) -> None:
    from nn_checks.analyse import folder_option
    from nn_checks.data.provision import find_datasets

    ptb_dir, image_dir = folder_option(ptb_dir, "--ptb-dir"), folder_option(image_dir,
                                                                          "--image-dir")
    found = find_datasets(ptb_dir, image_dir)
    need = {"ptb" if r.startswith("lstm") else "images" for r in runs}
    for role in sorted(need):
        if isinstance(found[role], Exception):
            raise UsageError(f"{found[role]} (python -m nn_checks data says more)")


def _table(claims: dict | None) -> list[str]:
    lines = []
    for s in (claims or {}).get("settings", []):
        stats = s.get("stats", {})

        def show(key):
            st = stats.get(key) or {}
            mean, sd = st.get("mean"), st.get("sd")
            if not isinstance(mean, (int, float)):
                return "-"
            return f"{mean:.3g}" + (f" ± {sd:.2g}" if isinstance(sd, (int, float)) else "")
        lines.append(f"{s['name']:<22} {s.get('n_seeds', '?'):>5}  r {show('pearson_r'):<16}"
                     f" L0 {show('L0'):<18} L1 {show('L1')}")
    for c in (claims or {}).get("claims", []):
        lines.append(f"{c['verdict']:<14} {c['id']:<20} {c.get('aggregation', '')}")
    return lines


def cmd_sweep(args) -> int:
    from tqdm import tqdm

    from nn_checks.claims import claims_file
    from nn_checks.sweep import manifest, parse_runs, plan_sweep, read_manifest, write_manifest
    from plumbing.files import check_output_folder
    from plumbing.jsonio import write_json
    from plumbing.layout import results_tree
    from plumbing.locks import RunLock
    from sweeps import TaskResult, describe_engine, parse_seeds, run_tasks
    from sweeps.engine import default_workers

    runs, seeds = parse_runs(args.runs), parse_seeds(args.seeds)
    if args.timeout is not None and not 0 < args.timeout < 1e9:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    device, gpus = _device(args)
    engine = describe_engine(args.engine, args.workers, args.scheduler, gpus)
    if args.threads_per_run is not None and not 1 <= args.threads_per_run <= 1024:
        raise UsageError(f"--threads-per-run must be between 1 and 1024, got "
                         f"{args.threads_per_run}")
    threads = args.threads_per_run
    if threads is None and not args.scheduler and not gpus:
        threads = max(1, default_workers() // (engine["workers"] or 1))
    _check_data(runs, args.ptb_dir, args.image_dir)
    out = check_output_folder(args.out or results_tree("results", args.preset, sweep=True).nn,
                              "--out")
    plan = plan_sweep(out, args.preset, runs, seeds, threads, device, args.ptb_dir,
                      args.image_dir, args.timeout)
    tasks = plan.tasks()
    with RunLock(out, "nn_checks sweep"):
        plan = plan_sweep(out, args.preset, runs, seeds, threads, device, args.ptb_dir,
                          args.image_dir, args.timeout)  # again, under the lock
        previous = read_manifest(out)
        bar = tqdm(total=len(tasks), desc=f"sweep {args.preset}", unit="run",
                   disable=True if args.json else None)

        def progress(result):
            bar.set_postfix_str(f"{result.key} {'ok' if result.ok else 'FAILED'}",
                                refresh=False)
            bar.update(1)
        kept = {t.key for t in tasks if plan.is_done(t.key)}
        for key in sorted(kept):
            progress(TaskResult(key, 0, None, 0.0))
        try:
            ran = iter(run_tasks([t for t in tasks if t.key not in kept], args.engine,
                                 args.workers, args.scheduler, gpus, progress)
                       if len(kept) < len(tasks) else ())
        finally:
            bar.close()
        results = [TaskResult(t.key, 0, None, 0.0) if t.key in kept else next(ran)
                   for t in tasks]
        written = manifest(plan, engine, results, previous, kept)
        write_manifest(out, written)
        present = any((out / r).is_dir() for r in runs)
        claims = claims_file(out) if present else None
        if claims is not None:
            write_json(out / "claims.json", claims)
    failed = [r for r in results if not r.ok]
    if args.json:
        print(json.dumps({"out": str(out), "manifest": written,  # what sweep.json holds
                          "claims": claims}, allow_nan=False, default=str))
    else:
        print("\n".join(_table(claims)))
        print(f"{len(results) - len(failed)} of {len(results)} runs finished -> {out}")
    if not failed:
        return EXIT_OK
    shown = "; ".join(f"{r.key} ({'timed out' if r.timed_out else f'exit {r.returncode}'}: "
                      f"{r.tail[-160:] or 'no output'})" for r in failed[:3])
    more = f"; {len(failed) - 3} more in {out / 'sweep.json'}" if len(failed) > 3 else ""
    print(f"nn_checks: error: {len(failed)} of {len(results)} runs failed: {shown}{more} "
          f"(logs in {Path(out) / 'logs'}; rerun to resume)", file=sys.stderr)
    return EXIT_BAD_INPUT if all(r.returncode == 2 or r.timed_out for r in failed) \
        else EXIT_INTERNAL
