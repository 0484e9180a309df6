"""Provenance written beside every result: ``env.json`` (docs/architecture.md, "Plumbing").

Standard library only; package versions come from the installed distributions' metadata.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["environment_info", "git_revision", "processor"]


def git_revision() -> str | None:
    """``git rev-parse HEAD`` of the checkout holding this file, with ``-dirty`` when the tree
    has changes; None outside a git checkout (an installed copy)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=here)
        if out.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True,
                               timeout=5, cwd=here).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def processor() -> str | None:
    """The CPU model name (Linux ``/proc/cpuinfo``'s "model name", else
    :func:`platform.processor`), None when neither says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip() or None
    except OSError:
        pass
    return platform.processor() or None


def environment_info(seed: int | None = None, device: str = "cpu",
                     packages: tuple[str, ...] = ("numpy", "scipy", "sympy", "mpmath")) -> dict:
    """Provenance for env.json: versions, platform, processor, device, seed, git revision,
    time (UTC)."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "machine": platform.machine(), "processor": processor(),
            "cpu_count": os.cpu_count(), "packages": versions,
            "device": device, "seed": seed, "git_revision": git_revision(),
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
