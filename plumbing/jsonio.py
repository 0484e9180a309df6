"""The one JSON policy of every result file (docs/architecture.md, "Plumbing").

Writing
    Result files are strict JSON (``allow_nan=False``), keys sorted; ``.json`` files indented by
    2, ``.jsonl`` files one object per line. Numbers that are not finite are written as the
    strings ``"inf"``, ``"-inf"`` and ``"nan"`` (:func:`to_jsonable`); ``null`` means *absent or
    not applicable* (no bound, no measurement). The one documented exception is ``fit.json``
    (schema ``l0l1-fit/1``), where a non-finite estimate means *not estimable* and is written
    as ``null`` (``to_jsonable(..., non_finite="null")``).
Reading
    A reader takes ``null`` as absent and the strings of :data:`NON_FINITE` as the numbers they
    name (``figures.readers`` does, field by field); a boolean is never a number.

Arrays and numbers of numpy, mpmath or sympy are converted through their ``tolist`` / ``item``
/ ``float`` (duck-typed: this module imports the standard library only).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable

from plumbing.files import atomic_write_text, read_file

__all__ = ["NON_FINITE", "MAX_JSONL_BYTES", "to_jsonable", "json_text", "jsonl_text",
           "write_json", "write_jsonl", "read_jsonl"]

NON_FINITE = ("inf", "-inf", "nan")
MAX_JSONL_BYTES = 1 << 30  # records files are MBs; a GB is not one of ours


def _non_finite(number: float, policy: str):
    if policy == "null":
        return None
    return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")


def to_jsonable(value: Any, non_finite: str = "string") -> Any:
    """Plain JSON types: dicts (keys as str), lists (from tuples and arrays), bool, int, float,
    str, None; other numbers through ``item()`` / ``float()``; anything else as ``str``.

    ``non_finite``: ``"string"`` (every result file but fit.json) writes inf/nan as ``"inf"``,
    ``"-inf"``, ``"nan"``; ``"null"`` (fit.json) writes them as ``null``.
    """
    if non_finite not in ("string", "null"):
        raise ValueError(f"non_finite must be 'string' or 'null', got {non_finite!r}")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, non_finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, non_finite) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # numpy array
        return to_jsonable(value.tolist(), non_finite)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalar (bool_ included)
        return to_jsonable(value.item(), non_finite)
    try:
        result = float(value)
    except (TypeError, ValueError):
        return str(value)
    return result if math.isfinite(result) else _non_finite(result, non_finite)


def json_text(obj: Any, non_finite: str = "string") -> str:
    """``obj`` as the indented, key-sorted, strict JSON text every result file uses."""
    return json.dumps(to_jsonable(obj, non_finite), indent=2, sort_keys=True,
                      allow_nan=False) + "\n"


def jsonl_text(rows: Iterable[Any]) -> str:
    """One key-sorted JSON object per line (records through their ``to_dict``, or dicts)."""
    return "".join(json.dumps(to_jsonable(r.to_dict() if hasattr(r, "to_dict") else r),
                              sort_keys=True, allow_nan=False) + "\n" for r in rows)


def write_json(path: str | Path, obj: Any, non_finite: str = "string") -> None:
    """Write ``obj`` as :func:`json_text`, atomically (temp file, fsync, rename)."""
    atomic_write_text(Path(path), json_text(obj, non_finite))


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    """Write :func:`jsonl_text` of ``rows``, atomically."""
    atomic_write_text(Path(path), jsonl_text(rows))


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSON-lines file (a torn last line, impossible with atomic writes, is an error).

    Read with :func:`plumbing.files.read_file` (a FIFO, a device or a file over
    :data:`MAX_JSONL_BYTES` is a ``ValueError`` naming it, never a wait or an endless read)."""
    rows = []
    try:
        text = read_file(path, MAX_JSONL_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}): damaged file") from None
    for line_number, line in enumerate(text.split("\n"), 1):  # (not splitlines: U+2028)
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise ValueError(f"{path}: line {line_number} is not JSON (damaged file)") from None
    return rows
