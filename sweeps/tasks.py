"""One task: command lines run as subprocesses, one after another, under a wall-clock limit.

Standard library only, so that a Dask worker needs nothing but this package to run a task.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Task", "TaskResult", "run_task", "python_command", "TAIL_BYTES"]

TAIL_BYTES = 2000  # of a failed task's log, kept in its result


def python_command(*args: str) -> tuple[str, ...]:
    """``python -m ...`` with the interpreter running this process (the workbench's venv)."""
    return (sys.executable, *args)


@dataclass(frozen=True)
class Task:
    """Command lines run in order until one fails.

    ``key`` names the task (unique in a sweep, shown in progress and errors); ``commands`` are
    argument vectors (no shell); ``env`` is added to the worker's environment (e.g. the thread
    count of a training run); ``log`` receives both output streams (appended; its folder is
    created); ``timeout`` bounds the whole task in wall-clock seconds (None: no bound);
    ``resources`` are Dask worker resources the task needs (``{"GPU": 1}``: at most one such
    task per GPU worker at a time); ``cwd`` is the working folder (None: the worker's).
    """

    key: str
    commands: tuple[tuple[str, ...], ...]
    env: tuple[tuple[str, str], ...] = ()
    log: str | None = None
    timeout: float | None = None
    resources: tuple[tuple[str, float], ...] = ()
    cwd: str | None = None

    def __post_init__(self):
        if not self.key or not self.commands or not all(self.commands):
            raise ValueError(f"task {self.key!r}: needs a key and non-empty command lines")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"task {self.key!r}: timeout must be > 0, got {self.timeout}")


@dataclass(frozen=True)
class TaskResult:
    """How a task ended: ``returncode`` of the first failing command (0: all succeeded;
    None: killed at the time limit), which command (``failed``, an index, or None), the
    wall-clock ``seconds``, the ``tail`` of its log when it failed, and the ``host``."""

    key: str
    returncode: int | None
    failed: int | None
    seconds: float
    timed_out: bool = False
    tail: str = ""
    host: str = field(default="")

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


# The first process of a command: on Linux it asks the kernel to SIGKILL it when the thread
# that started it exits (prctl PR_SET_PDEATHSIG, kept across exec), then becomes the command.
# So closing a Dask cluster, or killing a worker, never leaves a training run behind holding its
# folder's lock. Elsewhere it just execs the command.
_SHIM = ("import ctypes, os, signal, sys\n"
         "try:\n    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
         "except Exception:\n    pass\n"
         "if os.getppid() != int(sys.argv[1]):\n    os._exit(137)\n"
         "try:\n    os.execvp(sys.argv[2], sys.argv[2:])\n"
         "except OSError as exc:\n"
         "    print(f'cannot start {sys.argv[2]}: {exc.strerror}', file=sys.stderr)\n"
         "    os._exit(127)\n")


def _with_shim(argv) -> list[str]:
    return [sys.executable, "-c", _SHIM, str(os.getpid()), *argv]


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the task's process group (the command and anything it started)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _tail(log: Path | None) -> str:
    if log is None or not log.is_file():
        return ""
    with open(log, "rb") as handle:
        handle.seek(max(0, log.stat().st_size - TAIL_BYTES))
        text = handle.read().decode("utf-8", "replace")
    lines = [ln.strip() for ln in text.replace("\r", "\n").splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def run_task(task: Task) -> TaskResult:
    """Run ``task``'s commands in order (each a subprocess in its own session, stdin closed,
    output appended to ``task.log`` or discarded); stop at the first non-zero exit. The time
    limit covers all commands together: when it is reached the running command's process
    group is killed (SIGKILL) and the result says ``timed_out``. A command that cannot be
    started gives returncode 127."""
    start = time.monotonic()
    env = {**os.environ, **dict(task.env)}
    log = Path(task.log) if task.log else None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    host = os.uname().nodename if hasattr(os, "uname") else ""
    for index, argv in enumerate(task.commands):
        left = None if task.timeout is None else task.timeout - (time.monotonic() - start)
        if left is not None and left <= 0:
            return TaskResult(task.key, None, index, time.monotonic() - start, True,
                              _tail(log), host)
        out = open(log, "ab") if log is not None else subprocess.DEVNULL
        try:
            try:
                process = subprocess.Popen(_with_shim(argv), stdin=subprocess.DEVNULL, stdout=out,
                                           stderr=subprocess.STDOUT, env=env, cwd=task.cwd,
                                           start_new_session=True)
            except OSError as exc:
                return TaskResult(task.key, 127, index, time.monotonic() - start, False,
                                  f"cannot start {argv[0]}: {exc.strerror or exc}", host)
            try:
                code = process.wait(timeout=left)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                return TaskResult(task.key, None, index, time.monotonic() - start, True,
                                  _tail(log), host)
            except BaseException:  # interrupted: never leave the command running
                _kill_group(process)
                raise
        finally:
            if log is not None:
                out.close()
        if code != 0:
            return TaskResult(task.key, code, index, time.monotonic() - start, False,
                              _tail(log), host)
    return TaskResult(task.key, 0, None, time.monotonic() - start, False, "", host)
