"""Training with a smoothness probe, resumable byte-exactly (``python -m nn_checks measure``).

:func:`measure` checks everything a run needs before its first write, then drives one
:class:`nn_checks.trainloop.TrainingRun` (the step: SGD with optional momentum and weight decay,
clipping of the global gradient norm, the learning-rate halving rule and the probe) on one of the
tasks of :mod:`nn_checks.tasks` (Penn Treebank with the LSTM, images with ResNet20). The runs are
those of docs/statements.md §6 ("Experiments", "Figures"); where this loop differs from the
authors' code on purpose is docs/statements.md §8. The secant runs on steps with
step % ``probe_every`` = 0, the top Hessian eigenvalue on steps with step % ``hessian_every`` = 0
(default: the same steps), with ``max_hvps`` Hessian-vector products at most and ``hvp``
products: ``auto`` takes exact (double-backward) products wherever double backward works and
finite differences on cuDNN RNNs, where it does not; an explicit ``exact`` there is refused
before anything is written (:func:`hvp_mode`).

Files in the output folder: ``config.json`` (resolved config, status, device, the data set read
and the SHA-256 of exactly the tensors used, :func:`nn_checks.tasks.data_fingerprint` -- a resume
on other data is refused --, the seed, the HVP mode used, torch threads, ``batches_per_epoch`` --
the number of training batches of each epoch started, for plotting partial epochs -- and
``wall_seconds`` accumulated over resumes), ``env.json`` (versions, hardware: GPU name, CUDA and
cuDNN versions, TF32 flags, or the CPU model and core count; see
:func:`nn_checks.envinfo.device_info`), ``metrics.csv`` (one row per step, columns
:data:`METRICS`: ``lr`` is the step's effective learning rate, ``grad_norm`` the pre-clip norm of
the training gradient, ``probe_grad_norm`` the norm of ∇f(θ_from) of the probe's loss -- the same
number unless ``probe_batches`` > 1 -- which is the x of the fit, ``hessian_converged`` 1 when
Lanczos met its tolerance), ``epochs.csv`` (one row per epoch, :data:`EPOCHS`) and
``checkpoint.pt`` (:mod:`nn_checks.checkpoint`).

Resume. The checkpoint (every ``checkpoint_every`` steps and at each epoch end) holds the model,
optimizer, RNG and data position, and the length and SHA-256 of both CSV files after ``fsync``.
A rerun after an interruption -- kill -9 at any moment included -- checks the files against it,
cuts them to those lengths and recomputes the steps after the checkpoint: the final
``metrics.csv`` and ``epochs.csv`` are byte-identical to those of an uninterrupted run (on CUDA
with the deterministic kernels :func:`nn_checks.envinfo.prepare_device` selects), and
``config.json`` differs only in ``wall_seconds``; ``env.json`` describes the latest start.
A folder is written by one ``measure`` at a time (:class:`plumbing.locks.RunLock`); a folder
holding another run's files is never written (:func:`nn_checks.runfolder.inspect_folder`).

Divergence. A non-finite or exploding loss (above ``diverge_factor`` times the first loss), or a
non-finite gradient norm or update, ends the run as ``diverged``: that step's row has the loss
(empty when not finite) and empty other columns, the rows before are kept and config.json says
so. No NaN or infinity is ever written: a number that is not finite is an empty cell.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Callable

import torch

from nn_checks.config import RunConfig, hessian_steps
from nn_checks.envinfo import prepare_device, resolve_device
from nn_checks.probe import double_backward_supported, resolve_hvp
from nn_checks.runfolder import EPOCHS, METRICS, inspect_folder, recorded_data
from nn_checks.tasks import ImageTask, LMTask
from nn_checks.trainloop import TrainingRun
from plumbing.files import check_output_folder
from plumbing.locks import RunLock

__all__ = ["METRICS", "EPOCHS", "measure", "hvp_mode"]


def hvp_mode(c: RunConfig, model: torch.nn.Module, device: torch.device) -> str | None:
    """The Hessian-vector products the run uses (None without a Hessian probe): ``c.hvp``
    resolved by :func:`nn_checks.probe.resolve_hvp` for the model on its device.

    Raises
    ------
    ValueError
        ``hvp="exact"`` where double backward does not work (an RNN run by cuDNN).
    """
    if hessian_steps(c) is None:
        return None
    if c.hvp == "exact" and not double_backward_supported(model):
        raise ValueError(f"--hvp exact: double backward does not work through cuDNN's LSTM on "
                         f"{device}; use --hvp auto or --hvp finite-difference")
    return resolve_hvp(model, c.hvp)


def _same_data(out: Path, previous: dict | None, task) -> None:
    """Refuse to resume ``previous`` (a running run's ``config.json``) on other data than it
    started with: another data set, or the same one with other contents (folders written before
    ``data_sha256`` existed are checked by name only)."""
    if previous is None:
        return
    try:
        dataset, digest = recorded_data(out / "config.json", previous)
    except ValueError as exc:
        raise ValueError(f"{exc}; delete the folder to restart or choose another --out"
                         ) from None
    if dataset not in (None, task.dataset):
        raise ValueError(f"{out} holds a run on {dataset}, not on {task.dataset}: resume it "
                         "with the same data folder (or choose another --out)")
    if digest not in (None, task.fingerprint):
        raise ValueError(f"{out} holds a run on other {task.dataset} data (data_sha256 "
                         f"{digest[:12]}..., this data {task.fingerprint[:12]}...): resume it "
                         "with the same data folder (or choose another --out)")


def measure(c: RunConfig, out: str | Path, device: str | torch.device = "cpu", data_dir=None,
            progress: Callable[[dict], None] | None = None, checkpoint_every: int = 25, *,
            data=None) -> dict:
    """Train ``c`` into ``out``, resuming from ``out/checkpoint.pt``; return the final status.

    Everything is checked before the first write (the folder is created only then): the config,
    the device (``auto``, ``cpu``, ``cuda``, ``cuda:N``), the folder (another run's files, a
    damaged config.json or one of another configuration are refused), the data (present, enough
    of it for one batch), the HVP mode, and on a resume the data (the same set, the same
    ``data_sha256``), the checkpoint and both CSV files. A
    finished or diverged run in ``out`` is returned as it is, without writing.

    Parameters
    ----------
    data : PTBCorpus or ImageData, optional
        Already-loaded data to train on instead of reading ``data_dir`` (its ``name`` is
        recorded as the data set).

    Raises
    ------
    ValueError
        Any of the refusals above (one line naming the file or setting), or the folder is
        locked by another ``measure`` (:class:`plumbing.locks.LockedError`).
    plumbing.files.WriteError
        A file could not be written (disk full: the last checkpoint stays valid).
    """
    out = check_output_folder(out)
    device = resolve_device(device)
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or \
            checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be an integer >= 1, got {checkpoint_every!r}")
    current = json.loads(json.dumps(dataclasses.asdict(c)))
    defaults = json.loads(json.dumps(dataclasses.asdict(RunConfig())))
    previous = inspect_folder(out, current, defaults)
    if previous is not None and previous["status"] != "running":
        return previous
    prepare_device(device)
    torch.manual_seed(c.seed)
    task = (LMTask if c.model == "lstm" else ImageTask)(c, device, data_dir, data)
    _same_data(out, previous, task)
    task.model.to(device)
    hvp = hvp_mode(c, task.model, device)
    per_epoch = len(task.batches(0))
    if c.probe_batches > per_epoch:
        raise ValueError(f"probe_batches {c.probe_batches} exceeds the {per_epoch} batches of "
                         "an epoch")
    with RunLock(out, f"measure --model {c.model} --run {c.run} --preset {c.preset}"):
        previous = inspect_folder(out, current, defaults)  # again, now as the only writer
        if previous is not None and previous["status"] != "running":
            return previous
        _same_data(out, previous, task)
        run = TrainingRun(c, out, device, task, hvp, progress, checkpoint_every)
        if previous is not None:
            run.load()
        run.open_files()
        return run.run()
