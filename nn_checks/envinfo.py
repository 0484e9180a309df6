"""The device of a run: choosing it (``auto``, ``cpu``, ``cuda``, ``cuda:N``), setting it up for
exact float32 arithmetic and reproducible kernels, and describing it for ``env.json``.

On CUDA, :func:`prepare_device` turns TF32 off for matrix products and cuDNN (TF32 rounds the
inputs of products to 10 mantissa bits, errors near 1e-3 that would swamp the float64 gradient
norms and the finite-difference curvature probes), selects deterministic cuDNN and torch
algorithms (so that a resumed run recomputes the steps after its checkpoint with the same bits)
and sets ``CUBLAS_WORKSPACE_CONFIG`` for deterministic cuBLAS if the environment does not.
torch's deterministic mode is warn-only: an operation that has no deterministic CUDA
implementation warns instead of stopping a long run, and a resume is then byte-exact only up to
that operation's last bits (``env.json`` records the flags; ``gpu_smoke``'s ``kill_resume``
measures byte-identity on a GPU). These are process-wide settings of torch.
"""
from __future__ import annotations

import os
import re

import torch

from plumbing.provenance import processor

__all__ = ["resolve_device", "prepare_device", "device_info"]


def resolve_device(name: str | torch.device) -> torch.device:
    """``auto`` (CUDA when available, else CPU), ``cpu``, ``cuda`` (= ``cuda:0``) or ``cuda:N``.

    Raises
    ------
    ValueError
        Another name, no CUDA device, or N not below ``torch.cuda.device_count()``.
    """
    text = str(name)
    if text == "auto":
        return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d{1,4}))?", text)
    if match is None:
        raise ValueError(f"device {text!r}: choose auto, cpu, cuda or cuda:N")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ValueError(f"device {text}: no CUDA device is available (use cpu)")
    index = int(match.group(1) or 0)
    if index >= count:
        raise ValueError(f"device {text}: this machine has {count} CUDA device(s), "
                         f"cuda:0 to cuda:{count - 1}")
    return torch.device("cuda", index)


def prepare_device(device: torch.device) -> None:
    """On CUDA: TF32 off, deterministic algorithms, the device made current (see module)."""
    if device.type != "cuda":
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.cuda.set_device(device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)


def device_info(device: torch.device) -> dict:
    """What ``env.json`` records about the hardware and torch's numerical settings.

    Keys: ``device_type``, ``processor`` (CPU model name, from /proc/cpuinfo or platform),
    ``cpu_count``, ``torch_threads``, ``tf32`` (torch's ``matmul`` and ``cudnn`` flags as set,
    and ``applies``: whether the run's device uses them, i.e. CUDA),
    ``deterministic`` (torch's flag and whether it only warns, cuDNN's flag), ``gpu`` (None on CPU;
    else name, index, compute capability, memory in GiB), ``cuda_version`` and ``cudnn_version``
    (None without them).
    """
    gpu = None
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        gpu = {"name": props.name, "index": device.index,
               "capability": f"{props.major}.{props.minor}",
               "memory_gib": round(props.total_memory / 2**30, 1)}
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {"device_type": device.type, "processor": processor(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "tf32": {"matmul": bool(torch.backends.cuda.matmul.allow_tf32),
                     "cudnn": bool(torch.backends.cudnn.allow_tf32),
                     "applies": device.type == "cuda"},
            "deterministic": {"torch": torch.are_deterministic_algorithms_enabled(),
                              "warn_only":
                                  torch.is_deterministic_algorithms_warn_only_enabled(),
                              "cudnn": bool(torch.backends.cudnn.deterministic)},
            "gpu": gpu, "cuda_version": torch.version.cuda, "cudnn_version": cudnn}
