"""Seed sweeps of the paper's network settings: ``python -m nn_checks sweep``.

A sweep of settings S (the run-folder names of ``make``: ``lstm_lr30clip0.25``, ...) and seeds
K at one preset writes, under its folder ``OUT`` (default ``results/nn_checks/<preset>-sweep``,
:func:`plumbing.layout.results_tree` with ``sweep=True``):

* ``<setting>/seed<S>/`` -- one run folder per (setting, seed), exactly what ``python -m
  nn_checks measure --seed S`` and then ``fit`` write (``config.json``, ``env.json``,
  ``metrics.csv``, ``epochs.csv``, ``checkpoint.pt``, ``fit.json``);
* ``logs/<setting>-seed<S>.log`` -- the output of both commands;
* ``claims.json`` -- the paper's claims judged on every seed present (:mod:`nn_checks.claims`);
* ``sweep.json`` -- the manifest: preset, settings, seeds, threads per run, the engine, each
  task's exit status and seconds, git revision.

Each (setting, seed) is one task of :mod:`sweeps` (``measure`` then ``fit``, as subprocesses),
so a lost worker costs its unfinished run, and a rerun resumes it from its checkpoint. The
run folders and ``claims.json`` are a function of the preset, the seeds and ``threads_per_run``
only, not of the engine or the number of workers: torch's CPU kernels split reductions by the
thread count (measured: ResNet20 losses differ in the 9th digit between 1 and 2 threads; the
LSTM's do not), so every task runs with ``OMP_NUM_THREADS = threads_per_run``, and a sweep
folder refuses a rerun with another thread count. ``claims.json`` carries each run's wall time,
which no two runs share; every other byte is reproducible.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from plumbing.files import read_file
from plumbing.jsonio import write_json
from plumbing.layout import MAX_SEED, RUN_NAMES, seed_folder_name
from plumbing.provenance import git_revision
from sweeps.tasks import Task, python_command

__all__ = ["SweepPlan", "parse_runs", "plan_sweep", "read_manifest", "manifest", "write_manifest",
           "SCHEMA"]

SCHEMA = "l0l1-sweep/1"
MAX_RUNS = 10_000  # (setting, seed) pairs of one sweep
MAX_MANIFEST_BYTES = 64 * 2**20  # a manifest is kBs (one entry per task)


def parse_runs(spec: str) -> tuple[str, ...]:
    """Settings from ``all`` or a comma list of run-folder names, in the order of
    :data:`plumbing.layout.RUN_NAMES`; ``ValueError`` naming an unknown one."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"--runs: empty; give all or some of {', '.join(RUN_NAMES)}")
    if spec.strip() == "all":
        return RUN_NAMES
    names = [n.strip() for n in spec.split(",")]
    bad = [n for n in names if n not in RUN_NAMES]
    if bad or not all(names):
        shown = ", ".join(repr(n) for n in bad if n) or "(an empty name)"
        raise ValueError(f"--runs: unknown setting(s) {shown}; choose all or from "
                         f"{', '.join(RUN_NAMES)}")
    return tuple(n for n in RUN_NAMES if n in names)


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep runs: settings × seeds at ``preset`` into ``out``."""

    out: Path
    preset: str
    runs: tuple[str, ...]
    seeds: tuple[int, ...]
    threads_per_run: int | None
    device: str
    ptb_dir: str | None = None
    image_dir: str | None = None
    timeout: float | None = None

    def folder(self, run: str, seed: int) -> Path:
        return self.out / run / seed_folder_name(seed)

    def is_done(self, key: str) -> bool:
        """Whether the run folder of task ``key`` (``<setting>/seed<S>``) is settled (finished
        or diverged) and fitted since its metrics were last written: a rerun of the sweep then
        keeps it without starting its task (``measure`` would only reload the data, ``fit``
        recompute the same ``fit.json``: a minute per run at the paper preset). An unreadable
        ``config.json`` is not done (the task's ``measure`` says what is wrong)."""
        folder = self.out / key
        try:
            config = json.loads(read_file(folder / "config.json", MAX_MANIFEST_BYTES))
        except (OSError, ValueError):
            return False
        fit, metrics = folder / "fit.json", folder / "metrics.csv"
        return isinstance(config, dict) and config.get("status") in ("finished", "diverged") \
            and fit.is_file() and metrics.is_file() and \
            fit.stat().st_mtime_ns >= metrics.stat().st_mtime_ns

    def tasks(self) -> list[Task]:
        """One task per (setting, seed), settings in :data:`RUN_NAMES` order, seeds increasing:
        ``measure`` (resumes a finished or interrupted folder) then ``fit``."""
        tasks = []
        env = _task_env(self.threads_per_run)
        gpu = (("GPU", 1.0),) if self.device.startswith("cuda") else ()
        for run in self.runs:
            model, name = run.split("_", 1)
            data = self.ptb_dir if model == "lstm" else self.image_dir
            data = str(Path(data).absolute()) if data else None  # the tasks run in out
            option = "--ptb-dir" if model == "lstm" else "--image-dir"
            for seed in self.seeds:
                folder = str(Path(run) / seed_folder_name(seed))  # relative to out
                measure = python_command(
                    "-m", "nn_checks", "measure", "--model", model, "--run", name,
                    "--preset", self.preset, "--seed", str(seed), "--device", self.device,
                    f"--out={folder}", *((f"{option}={data}",) if data else ()))
                fit = python_command("-m", "nn_checks", "fit", "--allow-insufficient", folder)
                key = f"{run}/{seed_folder_name(seed)}"
                log = self.out.absolute() / "logs" / f"{run}-{seed_folder_name(seed)}.log"
                tasks.append(Task(key, (measure, fit), env=env, timeout=self.timeout,
                                  log=str(log), resources=gpu, cwd=str(self.out.absolute())))
        return tasks


def _task_env(threads: int | None) -> tuple[tuple[str, str], ...]:
    """The environment of every task: the thread count, and the workbench importable from the
    sweep folder (the tasks run there, with paths relative to it, so that the files they write
    -- fit.json names its metrics file -- do not depend on where the sweep folder is) without
    the folder itself on ``sys.path`` (``PYTHONSAFEPATH``, Python >= 3.11)."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = [("PYTHONSAFEPATH", "1"), ("PYTHONPATH", path)]
    if threads is not None:
        env += [(k, str(threads)) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")]
    return tuple(env)


def plan_sweep(out, preset: str, runs, seeds, threads_per_run: int | None, device: str = "cpu",
               ptb_dir=None, image_dir=None, timeout: float | None = None) -> SweepPlan:
    """A :class:`SweepPlan`, checked against ``out``'s manifest (:func:`read_manifest`).

    Raises ``ValueError`` for an empty plan, more than :data:`MAX_RUNS` runs, an ``out`` that
    is a run folder, has a setting folder holding a single run (``make reproduce``'s layout) or
    holds files of another command, a preset or a thread count other than those of the sweep
    already in ``out``."""
    if not runs or not seeds:
        raise ValueError("the sweep has no runs: give --runs and --seeds")
    if len(runs) * len(seeds) > MAX_RUNS:
        raise ValueError(f"{len(runs)} settings x {len(seeds)} seeds is more than {MAX_RUNS} "
                         "runs")
    out = Path(out)
    _refuse_foreign(out)
    previous = read_manifest(out)
    if previous is not None:
        if previous["preset"] != preset:
            raise ValueError(f"--out {out}: this sweep was made at preset "
                             f"{previous['preset']!r}, not {preset!r}: its runs would mix "
                             "presets; choose another --out")
        if previous.get("threads_per_run") != threads_per_run:
            raise ValueError(f"--out {out}: this sweep's runs used threads_per_run = "
                             f"{previous.get('threads_per_run')} (torch's CPU results depend "
                             f"on it), not {threads_per_run}: pass --threads-per-run "
                             f"{previous.get('threads_per_run')} or choose another --out")
        old = previous.get("device")
        if isinstance(old, str) and old != device and "auto" not in (old, device):
            raise ValueError(f"--out {out}: this sweep's runs used device {old!r}, not "
                             f"{device!r} (results differ between devices): pass --device "
                             f"{old} or choose another --out")
    return SweepPlan(out, preset, tuple(runs), tuple(seeds), threads_per_run, device,
                     ptb_dir, image_dir, timeout)


OWN = frozenset({"sweep.json", "claims.json", "logs", *RUN_NAMES})  # what a sweep writes in out


def _refuse_foreign(out: Path) -> None:
    """``ValueError`` when ``out`` is not (or cannot become) a sweep folder: it is a run folder
    itself, one of its setting folders holds a single run (``make reproduce``'s layout, whose
    ``claims.json`` a sweep would overwrite), one of its own entries (``logs``, a setting
    folder, ...) is a symbolic link, or it holds files of another command."""
    if not out.is_dir():
        return
    if (out / "config.json").exists():
        raise ValueError(f"--out {out}: holds a run (config.json), not a sweep: choose another "
                         "--out (default: results/nn_checks/<preset>-sweep)")
    single = [r for r in RUN_NAMES if (out / r / "config.json").exists()]
    if single:
        raise ValueError(f"--out {out}: {out / single[0]} holds one run (the layout of make "
                         "reproduce), not seed<S>/ run folders: choose another --out (default: "
                         "results/nn_checks/<preset>-sweep)")
    linked = sorted(p.name for p in out.iterdir() if p.name in OWN and p.is_symlink())
    if linked:
        raise ValueError(f"--out {out}: {out / linked[0]} is a symbolic link (the runs would "
                         "write where it points): remove it or choose another --out")
    other = sorted(p.name for p in out.iterdir() if not p.name.startswith(".") and
                   p.name not in OWN)
    if other:
        raise ValueError(f"--out {out}: holds files of another command ({', '.join(other[:3])}"
                         "); choose a folder of its own for the sweep")


def _manifest_lists(data: dict) -> bool:
    """Whether the manifest's ``runs_all`` and ``seeds_all`` (when present) are lists of known
    settings and of seeds (a rerun merges them)."""
    runs, seeds = data.get("runs_all", []), data.get("seeds_all", [])
    return isinstance(runs, list) and all(isinstance(r, str) and r in RUN_NAMES for r in runs) \
        and isinstance(seeds, list) and all(
            isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED for s in seeds)


def read_manifest(out: Path) -> dict | None:
    """The ``sweep.json`` of ``out`` (None when absent); ``ValueError`` naming the file when it
    is damaged or belongs to something else."""
    path = Path(out) / "sweep.json"
    if not path.exists():
        return None
    try:
        data = json.loads(read_file(path, MAX_MANIFEST_BYTES).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read it as JSON ({getattr(exc, 'strerror', None) or exc});"
                         " it is damaged: remove it (the run folders are resumed) or choose "
                         "another --out") from None
    threads = data.get("threads_per_run") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or \
            data.get("preset") not in ("smoke", "cpu", "long", "paper") or \
            not (threads is None or (isinstance(threads, int) and not isinstance(threads, bool)
                                     and threads >= 1)) or not _manifest_lists(data):
        raise ValueError(f"{path}: not a sweep manifest ({SCHEMA}) with a preset, "
                         "threads_per_run and lists of settings and seeds: remove it or choose "
                         "another --out")
    return data


def manifest(plan: SweepPlan, engine: dict, results, previous: dict | None,
             kept=()) -> dict:
    """The content of ``sweep.json``: this call's plan, engine and task outcomes (``kept``:
    the keys of runs already done, :meth:`SweepPlan.is_done`, not started again), and the union
    of the settings and seeds of every call (``previous``: the old manifest)."""
    old_runs = set((previous or {}).get("runs_all", []))
    old_seeds = set((previous or {}).get("seeds_all", []))
    return {
        "schema": SCHEMA, "command": "nn_checks sweep", "preset": plan.preset,
        "runs": list(plan.runs), "seeds": list(plan.seeds),
        "runs_all": [r for r in RUN_NAMES if r in old_runs | set(plan.runs)],
        "seeds_all": sorted(old_seeds | set(plan.seeds)),
        "threads_per_run": plan.threads_per_run, "device": plan.device, "engine": engine,
        "tasks": [{"key": r.key, "returncode": r.returncode, "timed_out": r.timed_out,
                   "seconds": r.seconds if math.isfinite(r.seconds) else None,
                   "host": r.host, "kept": r.key in kept} for r in results],
        "git_revision": git_revision(),
        "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def write_manifest(out: Path, data: dict) -> None:
    write_json(Path(out) / "sweep.json", data)
