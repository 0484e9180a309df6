"""The engines that run a list of :class:`sweeps.tasks.Task`: ``local`` (one task after
another, in this process) and ``dask`` (a Dask ``distributed`` cluster).

Dask, measured for this project on a 2-core machine: +44 MB and 22 packages, a
``LocalCluster`` starts in about 2 s and maps 100 tasks in about 0.5 s. The cluster is

* a ``LocalCluster`` of ``workers`` single-threaded worker processes (default: one per core)
  when no ``scheduler`` is given;
* the running scheduler at ``scheduler`` (``tcp://host:8786``; e.g. started by ``dask
  scheduler`` and ``dask worker`` on other machines, or by ``dask_jobqueue.SLURMCluster``:
  docs/architecture.md, "Sweeps", has the recipe);
* with ``gpus=N``: N worker processes, each seeing one GPU (``CUDA_VISIBLE_DEVICES``) and
  offering the resource ``GPU=1``, so a task that needs ``{"GPU": 1}`` runs at most one per
  GPU at a time.

Results come back in the order of the task list, whatever the order of completion.
"""
from __future__ import annotations

import logging
import os
import uuid
from typing import Callable, Sequence

from sweeps.tasks import Task, TaskResult, run_task

__all__ = ["ENGINES", "EngineError", "run_tasks", "describe_engine", "default_workers"]

ENGINES = ("local", "dask")
MAX_WORKERS = 1024


class EngineError(ValueError):
    """The engine cannot start (Dask missing, a scheduler that cannot be reached, bad sizes):
    a refusal of bad input, one line, exit code 2."""


def default_workers() -> int:
    """One worker per core of this machine (``os.sched_getaffinity`` where it exists)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


SCHEMES = ("tcp", "tls", "ws", "wss")  # the network protocols of a Dask scheduler address


def _check_address(scheduler: str) -> None:
    """:class:`EngineError` unless ``scheduler`` reads ``[PROTOCOL://]HOST:PORT`` with a
    protocol of :data:`SCHEMES` (default tcp), a host (IPv6 in brackets) and a port in
    [1, 65535]; checked before anything is written (connecting can fail only later)."""
    usage = f"--scheduler {scheduler!r}: give an address such as tcp://host:8786"
    if not scheduler.strip() or any(c.isspace() for c in scheduler) or len(scheduler) > 1000:
        raise EngineError(usage)
    scheme, sep, rest = scheduler.partition("://")
    if not sep:
        scheme, rest = "tcp", scheduler
    if scheme not in SCHEMES:
        raise EngineError(f"--scheduler {scheduler!r}: protocol {scheme!r} is not one of "
                          f"{', '.join(SCHEMES)} (e.g. tcp://host:8786)")
    host, colon, port = rest.rpartition(":")
    if host.startswith("["):
        host = host[1:-1] if host.endswith("]") and len(host) > 2 else ""
    elif ":" in host or "[" in host or "]" in host:
        host = ""  # an IPv6 address needs brackets: [::1]:8786
    if not colon or not host or "/" in host or not (port.isascii() and port.isdigit()) or \
            not 1 <= int(port) <= 65535:
        raise EngineError(usage)


def describe_engine(engine: str, workers: int | None = None, scheduler: str | None = None,
                    gpus: int | None = None) -> dict:
    """The engine as data (for a sweep's manifest): name, workers, scheduler, gpus.

    Raises :class:`EngineError` for an unknown engine, a worker count outside
    [1, 1024], or ``--workers`` / ``--scheduler`` / ``gpus`` given to the local engine."""
    if engine not in ENGINES:
        raise EngineError(f"--engine {engine!r}: choose {' or '.join(ENGINES)}")
    if engine == "local" and (workers is not None or scheduler is not None or gpus):
        raise EngineError("--workers, --scheduler and GPU workers need --engine dask (the "
                          "local engine runs one task at a time in this process)")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise EngineError(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}")
    if scheduler is not None and (workers is not None or gpus):
        raise EngineError("--scheduler connects to a running cluster: its workers are its own "
                          "(leave out --workers)")
    if scheduler is not None:
        _check_address(scheduler)
    if engine == "local":
        return {"engine": "local", "workers": 1, "scheduler": None, "gpus": None}
    count = None if scheduler else (gpus or workers or default_workers())
    return {"engine": "dask", "workers": count, "scheduler": scheduler, "gpus": gpus or None}


def _local(tasks, progress):
    results = []
    for task in tasks:
        result = run_task(task)
        results.append(result)
        if progress:
            progress(result)
    return results


def _start(workers: int | None, scheduler: str | None, gpus: int | None):
    """A Dask client (and the cluster it owns, None for a running scheduler)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineError("--engine dask needs the packages dask and distributed (pip install "
                          "'dask[distributed]'; make install installs them)") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="20s"), None
        except Exception as exc:  # noqa: BLE001 - whatever the cause, the cluster is not there
            shown = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise EngineError(f"--scheduler {scheduler}: cannot connect ({shown})") from None
    quiet = dict(dashboard_address=":0", silence_logs=logging.ERROR)  # any free port
    if gpus:
        from distributed import Nanny, Scheduler, SpecCluster

        specs = {i: {"cls": Nanny, "options": {
            "nthreads": 1, "memory_limit": 0, "resources": {"GPU": 1},
            "env": {"CUDA_VISIBLE_DEVICES": str(i)}}} for i in range(gpus)}
        cluster = SpecCluster(workers=specs, scheduler={"cls": Scheduler, "options": {
            "dashboard_address": ":0"}}, silence_logs=logging.ERROR)
    else:
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                               processes=True, memory_limit=0, **quiet)
    return Client(cluster), cluster


def _dask(tasks, progress, workers, scheduler, gpus):
    from distributed import as_completed

    if scheduler is None:  # never more local workers than tasks (--workers 1024 on 2 tasks)
        workers, gpus = (min(n, len(tasks)) if n else None for n in (workers or
                                                                      default_workers(), gpus))
    client, cluster = _start(workers, scheduler, gpus)
    token = uuid.uuid4().hex[:12]  # fresh keys: a shared scheduler never returns old results
    try:
        futures = [client.submit(run_task, t, key=f"l0l1-{token}-{i}", pure=False,
                                 resources=dict(t.resources) or None)
                   for i, t in enumerate(tasks)]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[TaskResult | None] = [None] * len(tasks)
        for future in as_completed(futures):
            i = index[future.key]
            try:
                results[i] = future.result()
            except Exception as exc:  # the task raised, or its workers kept dying
                results[i] = TaskResult(tasks[i].key, 3, 0, 0.0, False,
                                        f"{type(exc).__name__}: {exc}"[:300], "")
            if progress:
                progress(results[i])
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(tasks: Sequence[Task], engine: str = "local", workers: int | None = None,
              scheduler: str | None = None, gpus: int | None = None,
              progress: Callable[[TaskResult], None] | None = None) -> list[TaskResult]:
    """Run ``tasks`` on ``engine``; return their results in the order of ``tasks``.

    ``progress(result)`` is called as each task ends (in completion order). A task that fails
    is reported in its result, never raised: the caller decides. Keys must be unique.

    Raises
    ------
    EngineError
        See :func:`describe_engine`; Dask missing; a scheduler that cannot be reached.
    """
    describe_engine(engine, workers, scheduler, gpus)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise EngineError("task keys must be unique")
    if not tasks:
        return []
    if engine == "local":
        return _local(tasks, progress)
    return _dask(list(tasks), progress, workers, scheduler, gpus)
