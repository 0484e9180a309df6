"""Run many resumable commands as tasks: one after another in this process's machine
(``engine="local"``), or on a Dask cluster (``engine="dask"``: a ``LocalCluster`` sized to the
machine, a running scheduler, or a SLURM/PBS cluster through ``dask-jobqueue``).

A task is a list of command lines of the workbench's own resumable commands (``python -m
nn_checks measure ... --out DIR``, ``python -m synthetic check --only X --out DIR``, ...) run as
subprocesses, so a lost worker costs only its unfinished task and a rerun resumes it; a task's
wall-clock limit kills its whole process group, so a time limit holds whatever the command does
(sympy included) and in whichever worker process or thread it runs. Results are read back from
the files the commands write, in the order of the task list, never in completion order: the
outcome of a sweep does not depend on the engine or the number of workers
(docs/architecture.md, "Sweeps").

``import sweeps`` imports the standard library only; Dask is imported when a Dask engine starts.
"""
from __future__ import annotations

from sweeps.tasks import Task, TaskResult, run_task
from sweeps.engine import ENGINES, EngineError, describe_engine, run_tasks
from sweeps.specs import parse_seeds

__all__ = ["Task", "TaskResult", "run_task", "ENGINES", "EngineError", "describe_engine",
           "run_tasks", "parse_seeds"]
