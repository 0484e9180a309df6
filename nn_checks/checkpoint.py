"""``checkpoint.pt``: what a resume needs, stored as tensors and plain values only.

A checkpoint is a dict of tensors, numbers, strings, lists and dicts (no class, no function), so
it is read with ``torch.load(weights_only=True)``, whose unpickler admits nothing else: a file
holding anything more (a crafted pickle whose ``__reduce__`` would run code, a whole model object)
is refused before any of it runs. It is written with :func:`plumbing.files.atomic_write` (the
bytes serialised in memory first, then a temporary file, ``fsync``, rename), so a failed write
(disk full) leaves the previous checkpoint as it was.

Keys: ``format`` (:data:`FORMAT`), ``config`` (the resolved config as canonical JSON text: a
checkpoint of another run is refused), ``device_type`` (``"cpu"`` or ``"cuda"``), ``model`` and
``opt`` (state dicts), ``state`` (the counters of the loop, :data:`STATE_FIELDS`), ``rng_cpu``
(torch's CPU generator state, a CPU ByteTensor), ``rng_cuda`` (the CUDA generator state of the
run's device or None) and ``hidden`` (the LM's carried hidden state: a list of [h, c] pairs, or
None).

:func:`rng_state` and :func:`set_rng_state` take and put back the live generator states within
one process (the probe replays a step's dropout masks and leaves the training RNG untouched).
"""
from __future__ import annotations

import io
import math
import os
import pickle
import stat
import warnings
from pathlib import Path

import torch

from plumbing.files import atomic_write

__all__ = ["FORMAT", "STATE_FIELDS", "save_checkpoint", "load_checkpoint", "check_rng",
           "restore_rng", "rng_state", "set_rng_state"]

FORMAT = "nn_checks-checkpoint/2"
_INT, _FLOAT, _STR = "int >= 0", "float", "str"
STATE_FIELDS = {  # the loop's counters: name -> kind
    "step": _INT, "epoch": _INT, "pos": _INT, "rows": _INT, "epoch_rows": _INT, "stall": _INT,
    "loss_n": _INT, "metrics_bytes": _INT, "epochs_bytes": _INT,
    "lr": _FLOAT, "best": _FLOAT, "loss_sum": _FLOAT, "wall_seconds": _FLOAT,
    "first_loss": "float or None", "status": _STR, "metrics_sha256": _STR,
    "epochs_sha256": _STR, "batches_per_epoch": "dict",
}
_KEYS = ("format", "config", "device_type", "model", "opt", "state", "rng_cpu", "rng_cuda",
         "hidden")
_DELETE = "delete checkpoint.pt to restart the run from step 0"


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write ``payload`` (see the module docstring) to ``path`` atomically, with fsync."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    atomic_write(path, lambda handle: handle.write(data))


def _refuse(path: Path, reason: str) -> ValueError:
    return ValueError(f"{path}: {reason}; {_DELETE}")


def load_checkpoint(path: Path, config_text: str, device_type: str) -> dict:
    """The checkpoint at ``path`` if it is one of this run; ``ValueError`` (one line naming the
    file) for anything else: garbage, a truncated file, a pickle with objects, an older format,
    another configuration or device type, counters of the wrong type."""
    try:  # opened without blocking and checked: a FIFO or a device is never read
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _refuse(path, f"cannot read it ({exc.strerror or exc})") from None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise _refuse(path, "not a regular file")
    os.set_blocking(fd, True)
    try:
        with warnings.catch_warnings():  # torch's notes on foreign pickles: the refusal speaks
            warnings.simplefilter("ignore")
            ck = torch.load(handle, map_location="cpu", weights_only=True)
    except MemoryError:
        raise
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "Unsupported global" in text or "Unsupported operand" in text:
            raise _refuse(path, "holds objects other than tensors and plain values (refused "
                                "unread: a checkpoint is never unpickled)") from None
        raise _refuse(path, "not a checkpoint (damaged or not written by measure)") from None
    except Exception:  # noqa: BLE001 - torch raises RuntimeError, EOFError, ValueError, ...
        raise _refuse(path, "not a checkpoint (damaged, truncated or not written by measure)"
                      ) from None
    finally:
        handle.close()
    if not isinstance(ck, dict):
        raise _refuse(path, "not a checkpoint of measure (not a dict)")
    if "format" not in ck and {"model", "opt", "s"} <= set(ck):
        raise _refuse(path, "written by an older version of measure")
    if ck.get("format") != FORMAT:
        raise _refuse(path, f"format {ck.get('format')!r}, expected {FORMAT!r}")
    missing = [key for key in _KEYS if key not in ck]
    if missing:
        raise _refuse(path, f"lacks {', '.join(missing)}")
    if ck["config"] != config_text:
        raise _refuse(path, "belongs to another configuration or model")
    if ck["device_type"] != device_type:
        raise _refuse(path, f"written on {ck['device_type']!r}, resumed on {device_type!r} "
                            "(resume on the same kind of device)")
    _check_state(path, ck["state"])
    return ck


def _check_state(path: Path, state) -> None:
    if not isinstance(state, dict) or set(state) != set(STATE_FIELDS):
        raise _refuse(path, "its loop counters are not those of this version")
    for name, kind in STATE_FIELDS.items():
        value = state[name]
        ok = {_INT: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
              _FLOAT: isinstance(value, float) and not math.isnan(value),
              _STR: isinstance(value, str),
              "float or None": value is None or (isinstance(value, float)
                                                 and math.isfinite(value)),
              "dict": isinstance(value, dict) and all(
                  isinstance(k, str) and isinstance(v, int) for k, v in value.items())}[kind]
        if not ok:
            raise _refuse(path, f"counter {name} is not a {kind}")
    if not (math.isfinite(state["lr"]) and state["lr"] > 0):
        raise _refuse(path, "counter lr is not a finite positive number")
    if state["status"] not in ("running", "diverged"):
        raise _refuse(path, f"status {state['status']!r} is not running or diverged")


def _rng_ok(state, reference: torch.Tensor) -> bool:
    return (isinstance(state, torch.Tensor) and state.dtype == torch.uint8
            and state.device.type == "cpu" and state.shape == reference.shape)


def check_rng(path: Path, ck: dict, device: torch.device) -> None:
    """``ValueError`` unless the generator states have the type and size of this machine's
    (a CPU ByteTensor each, as torch requires; they were loaded with ``map_location="cpu"``)."""
    ok = _rng_ok(ck["rng_cpu"], torch.get_rng_state())
    if device.type == "cuda":
        ok = ok and _rng_ok(ck["rng_cuda"], torch.cuda.get_rng_state(device))
    if not ok:
        raise _refuse(path, "its random generator state is not valid")


def restore_rng(path: Path, ck: dict, device: torch.device) -> None:
    """Install the checkpoint's CPU (and CUDA) generator states (checked by :func:`check_rng`);
    the CUDA state goes to the run's device, the CPU state stays on the CPU."""
    check_rng(path, ck, device)
    try:
        torch.set_rng_state(ck["rng_cpu"])
        if device.type == "cuda":
            torch.cuda.set_rng_state(ck["rng_cuda"], device)
    except (RuntimeError, TypeError, ValueError):
        raise _refuse(path, "its random generator state is not valid") from None


def rng_state(device: torch.device):
    """The live (CPU, CUDA-or-None) generator states, for :func:`set_rng_state`."""
    cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    return torch.get_rng_state(), cuda


def set_rng_state(device: torch.device, state) -> None:
    """Put back generator states taken by :func:`rng_state` on the same device."""
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1], device)
