"""The theorem checks' parts computed in parallel: ``python -m synthetic check --engine dask``.

Each missing part is one :mod:`sweeps` task, the existing resumable command ``python -m
synthetic check --only NAME [--quick] --out DIR/.engine/NAME`` run as a subprocess (so every
time limit of the check, sympy's included, holds in its own process, whichever worker or thread
starts it). When a task ends its part is checked (fingerprint of the check's sizes and the record
format, :func:`synthetic.checkrun.part_is_current`), copied atomically into ``DIR/parts/`` and
its scratch folder removed; :func:`synthetic.checkrun.run_checks` then assembles the published
files from the parts exactly as for a local run, so ``records.jsonl`` and ``summary.json`` are
byte-identical whatever the engine or the number of workers.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from plumbing.files import atomic_write, read_file
from plumbing.jsonio import MAX_JSONL_BYTES
from synthetic.checkrun import part_is_current, part_path
from sweeps import Task, run_tasks
from sweeps.tasks import python_command

__all__ = ["part_computer", "SCRATCH", "LONGEST_FIRST"]

SCRATCH = ".engine"
# Submission order: the longest checks first, so that the last one to start is short (compute
# seconds per check measured on 2 cores, config.json "seconds": full thm8 31, followup 23,
# thm6 17, thm3 14, thm4 12, rem5 4, thm7 3; quick thm4 24, thm3 8, thm6 5, thm8 5, rem5 3,
# thm7 1, followup 1)
LONGEST_FIRST = {False: ("thm8", "followup", "thm6", "thm3", "thm4", "rem5", "thm7"),
                 True: ("thm4", "thm3", "thm6", "thm8", "rem5", "thm7", "followup")}


def part_computer(out: str | Path, quick: bool, engine: str = "dask", workers: int | None = None,
                  scheduler: str | None = None, timeout: float | None = None,
                  progress: Callable[[str, bool], None] | None = None
                  ) -> Callable[[list[str]], None]:
    """A ``compute_parts`` for :func:`synthetic.checkrun.run_checks` that runs each missing
    check as a subprocess task on ``engine``.

    ``progress(name, ok)`` is called as each task ends. When a task exits with a status other
    than 0 or 1 (1: some verdict failed, a normal outcome) or runs past ``timeout`` seconds,
    the error names the failed checks (their parts are not copied; the finished ones are, for
    a resume): ``ValueError`` (exit 2) when each was refused or timed out, else
    ``RuntimeError``.
    """
    out = Path(out)

    def compute(missing: list[str]) -> None:
        first = LONGEST_FIRST[bool(quick)]
        order = sorted(missing, key=lambda n: first.index(n) if n in first else len(first))
        scratch = out.absolute() / SCRATCH
        _check_scratch(scratch, order)
        tasks = [Task(name, (python_command(
            "-m", "synthetic", "check", "--only", name, *(("--quick",) if quick else ()),
            f"--out={scratch / name}", "--json"),), timeout=timeout,
            env=(("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1")),
            log=str(scratch / f"{name}.log")) for name in order]
        failed = []

        def done(result):
            ok = result.returncode in (0, 1) and not result.timed_out
            if ok:
                ok = _adopt(out, scratch, result.key, quick)
            if not ok:
                failed.append(result)
            if progress:
                progress(result.key, ok)
        run_tasks(tasks, engine, workers, scheduler, progress=done)
        if failed:
            shown = "; ".join(f"{r.key} ({'timed out' if r.timed_out else f'exit {r.returncode}'}"
                              f": {r.tail[-200:] or 'no output'})" for r in failed)
            kind = ValueError if all(r.timed_out or r.returncode == 2 for r in failed) \
                else RuntimeError
            raise kind(f"checks failed on the {engine} engine: {shown} (logs in {scratch}; "
                       f"finished checks are kept in {out / 'parts'}; rerun to resume)")
        if scratch.is_dir() and not any(scratch.iterdir()):
            scratch.rmdir()
    return compute


def _check_scratch(scratch: Path, names: list[str]) -> None:
    """``ValueError`` (nothing run) when the scratch folder, a check's folder in it or its log
    is a symbolic link (the tasks would write, and append their logs, where it points) or a
    file where a folder belongs."""
    paths = [scratch] + [p for n in names for p in (scratch / n, scratch / f"{n}.log")]
    for path in paths:
        folder = path.suffix != ".log"
        if path.is_symlink() or (path.exists() and (path.is_dir() != folder)):
            what = "a symbolic link" if path.is_symlink() else \
                "a file" if folder else "not a file"
            raise ValueError(f"{path}: {what}, not the engine's scratch "
                             f"{'folder' if folder else 'log'}: remove it")


def _adopt(out: Path, scratch: Path, name: str, quick: bool) -> bool:
    """Copy a task's finished part into ``out/parts`` (atomically) and drop its scratch."""
    source = part_path(scratch / name, name)
    if not part_is_current(source, name, quick):
        return False
    data = read_file(source, MAX_JSONL_BYTES)
    atomic_write(part_path(out, name), lambda handle: handle.write(data))
    shutil.rmtree(scratch / name, ignore_errors=True)
    (scratch / f"{name}.log").unlink(missing_ok=True)
    return True
