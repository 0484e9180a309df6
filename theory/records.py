"""The result record shared by every check, and atomic JSON / JSON-lines output.

One record per (check, instance): what was measured, against which bound of which statement,
with the statement's mark (paper.md: ``paper`` read in the paper, ``reconstructed`` derived or
remembered, ``follow-up`` from a later paper) so that no reader mistakes a reconstructed bound
for the paper's. Results live in ``results/<package>/<run-name>/`` next to ``config.json`` and
``env.json``; every file is written to a temporary file in the same folder and renamed, so an
interrupted run never leaves a truncated file.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from theory.storage import atomic_write_text, read_file

__all__ = ["MARKS", "BOUND_KINDS", "VERDICTS", "ResultRecord", "verdict_for", "write_json",
           "write_jsonl", "json_text", "jsonl_text", "read_jsonl", "environment_info", "to_jsonable"]

MARKS = ("paper", "reconstructed", "follow-up")
BOUND_KINDS = ("upper", "lower", "tight", "order", "none")
VERDICTS = ("pass", "fail", "inconclusive", "shape-only")


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: numpy/mpmath/sympy numbers to float/int, inf/nan to strings."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # numpy array
        return to_jsonable(value.tolist())
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return to_jsonable(value.item())
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isfinite(number):
        return number
    return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")


@dataclass
class ResultRecord:
    """One measured quantity confronted with one statement's bound (style.md).

    Attributes
    ----------
    check_id : str
        Stable identifier of the check, e.g. ``"catalogue/x4/frontier"``.
    theorem : str
        The statement, e.g. ``"Thm 3"`` or ``"Definition 1"``.
    mark : str
        ``paper`` | ``reconstructed`` | ``follow-up`` (see paper.md).
    params : dict
        Instance parameters (L0, L1, M, eps, Delta, step, seed...).
    measured : float | None
        What the simulation or certification produced.
    bound : float | None
        The statement's value (None when the statement has none, e.g. Thm 8).
    bound_kind : str
        ``upper`` (pass iff measured <= bound·(1+tol)), ``lower`` (measured >= bound·(1-tol)),
        ``tight`` (|measured - bound| <= tol·|bound|), ``order``, ``none``.
    tolerance : float
        Relative tolerance used by the verdict.
    verdict : str
        ``pass`` | ``fail`` | ``inconclusive`` (e.g. a censored count) | ``shape-only``.
    """

    check_id: str
    theorem: str
    mark: str
    params: dict
    measured: float | None
    bound: float | None
    bound_kind: str
    tolerance: float
    verdict: str
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mark not in MARKS:
            raise ValueError(f"mark must be one of {MARKS}, got {self.mark!r}")
        if self.bound_kind not in BOUND_KINDS:
            raise ValueError(f"bound_kind must be one of {BOUND_KINDS}, got {self.bound_kind!r}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not (self.tolerance >= 0):
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance}")

    def to_dict(self) -> dict:
        return to_jsonable(asdict(self))


def verdict_for(measured: float | None, bound: float | None, kind: str, tolerance: float,
                censored: bool = False) -> str:
    """The verdict of one comparison; a censored or missing measurement is never a pass by luck.

    ``upper``: measured <= bound (1 + tol); ``lower``: measured >= bound (1 - tol) (an infinite
    measured count satisfies a lower bound); ``tight``: |measured - bound| <= tol |bound|.
    ``censored`` means the true value is only known to be >= measured (an iteration cap was
    hit): an upper bound then fails only if even the cap exceeds it, and is otherwise
    inconclusive; a lower bound passes only if the cap already reaches it.
    """
    if kind not in BOUND_KINDS:
        raise ValueError(f"kind must be one of {BOUND_KINDS}, got {kind!r}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if kind in ("order", "none") or bound is None:
        return "shape-only"
    if measured is None or math.isnan(float(measured)) or math.isnan(float(bound)):
        return "inconclusive"
    if kind == "upper":
        ok = measured <= bound + tolerance * abs(bound)
        return ("inconclusive" if censored else "pass") if ok else "fail"
    if kind == "lower":
        ok = measured >= bound - tolerance * abs(bound)
        return "pass" if ok else ("inconclusive" if censored else "fail")
    ok = abs(measured - bound) <= tolerance * abs(bound)
    if censored:  # true value >= measured: certain failure only when already above the band
        return "fail" if measured > bound + tolerance * abs(bound) else "inconclusive"
    return "pass" if ok else "fail"


def json_text(obj: Any) -> str:
    """``obj`` as the indented, key-sorted JSON text every result file uses (strict: inf and
    nan as strings, :func:`to_jsonable`)."""
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=True, allow_nan=False) + "\n"


def jsonl_text(rows: Iterable[Any]) -> str:
    """One JSON object per line (records or dicts), key-sorted."""
    return "".join(json.dumps(to_jsonable(r.to_dict() if hasattr(r, "to_dict") else r),
                              sort_keys=True, allow_nan=False) + "\n" for r in rows)


def write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as :func:`json_text`, atomically (temp file, fsync, rename)."""
    atomic_write_text(Path(path), json_text(obj))


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    """Write :func:`jsonl_text` of ``rows``, atomically."""
    atomic_write_text(Path(path), jsonl_text(rows))


MAX_JSONL_BYTES = 1 << 30  # records files are MBs; a GB is not one of ours


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSON-lines file (a torn last line, impossible with atomic writes, is an error).

    Read with :func:`theory.storage.read_file` (a FIFO, a device or a file over
    :data:`MAX_JSONL_BYTES` is a ``ValueError`` naming it, never a wait or an endless read)."""
    rows = []
    try:
        text = read_file(path, MAX_JSONL_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}): damaged file") from None
    for number, line in enumerate(text.split("\n"), 1):  # (not splitlines: U+2028 in a string)
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise ValueError(f"{path}: line {number} is not JSON (damaged file)") from None
    return rows


def _git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        if out.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True,
                               timeout=5, cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def environment_info(seed: int | None = None, device: str = "cpu",
                     packages: tuple[str, ...] = ("numpy", "scipy", "sympy", "mpmath")) -> dict:
    """Provenance for env.json: versions, platform, device, seed, git revision, time (UTC)."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(), "packages": versions,
            "device": device, "seed": seed, "git_revision": _git_revision(),
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
