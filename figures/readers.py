"""Reading result files strictly: JSON, JSON lines and csv, with typed field checks.

Every problem is an :class:`InputError` (a ``ValueError``: exit code 2) of one line naming the
file and the field, e.g. ``.../summary.json: rows[0].pass is not an integer (found '2')``. The
readers bound their work: a file above :data:`MAX_BYTES` is refused before it is read, JSON
nested deeper than Python's recursion limit is refused, csv fields are capped by the ``csv``
module's field limit. Numbers follow the producers' encoding (plumbing.jsonio.to_jsonable):
finite JSON numbers, ``null``, and where a producer may write a non-finite value the strings
``"inf"``, ``"-inf"``, ``"nan"``; booleans are never numbers.
"""
from __future__ import annotations

import csv
import io
import json
import math
import stat
from pathlib import Path

import numpy as np

from plumbing.jsonio import NON_FINITE  # the result files' strings for inf, -inf, nan

__all__ = ["InputError", "MAX_BYTES", "Fields", "read_text", "read_json_doc", "read_jsonl_docs",
           "read_csv_table", "Table"]

MAX_BYTES = 1 << 30  # 1 GiB: far above any result file (a paper-scale metrics.csv is ~20 MB)


class InputError(ValueError):
    """A result file that exists but does not hold what its producer writes (names the file
    and the field)."""


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


class Fields:
    """Typed access to the fields of one parsed document; every failure names ``path`` and the
    field (``rows[0].pass``)."""

    def __init__(self, path: Path, prefix: str = ""):
        self.path, self.prefix = Path(path), prefix

    def fail(self, field: str, problem: str):
        raise InputError(f"{self.path}: {self.prefix}{field} {problem}")

    def obj(self, value, field: str, optional: bool = False) -> dict | None:
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            self.fail(field, f"is not an object (found {_kind(value)})")
        return value

    def lst(self, value, field: str, optional: bool = False, length: int | None = None):
        if value is None and optional:
            return None
        if not isinstance(value, list):
            self.fail(field, f"is not a list (found {_kind(value)})")
        if length is not None and len(value) != length:
            self.fail(field, f"has {len(value)} entries, expected {length}")
        return value

    def text(self, value, field: str, optional: bool = False, nonempty: bool = False):
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self.fail(field, f"is not a string (found {_kind(value)})")
        if nonempty and not value.strip():
            self.fail(field, "is an empty string")
        return value

    def boolean(self, value, field: str, optional: bool = False):
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            self.fail(field, f"is not true/false (found {_show(value)})")
        return value

    def integer(self, value, field: str, low: int = 0, optional: bool = False):
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"is not an integer (found {_show(value)})")
        if value < low:
            self.fail(field, f"is {value}, below {low}")
        return value

    def number(self, value, field: str, optional: bool = False, non_finite: bool = False,
               low: float = -math.inf, high: float = math.inf) -> float:
        """A number (``non_finite``: also "inf", "-inf", "nan"), within [low, high] if finite;
        returned as float (None -> nan)."""
        if value is None and optional:
            return math.nan
        if isinstance(value, str) and non_finite and value in NON_FINITE:
            return float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f"is not a number (found {_show(value)})")
        number = float(value)
        if not math.isfinite(number):
            self.fail(field, f"is {value}, not a finite number")
        if not low <= number <= high:
            self.fail(field, f"is {value}, outside [{low:g}, {high:g}]")
        return number

    def choice(self, value, field: str, choices, optional: bool = False):
        if value is None and optional:
            return None
        if not isinstance(value, str) or value not in choices:
            self.fail(field, f"is {_show(value)}, not one of {', '.join(choices)}")
        return value

    def pair(self, value, field: str, non_finite: bool = False) -> None:
        """null or a list of two numbers-or-null (a confidence interval)."""
        if value is None:
            return
        self.lst(value, field, length=2)
        for i, v in enumerate(value):
            self.number(v, f"{field}[{i}]", optional=True, non_finite=non_finite)


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path`` (at most :data:`MAX_BYTES`); :class:`InputError` naming it."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO (would block), /dev/zero ...
            raise InputError(f"{path}: not a regular file")
        size = info.st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: {size} bytes, larger than any result file "
                             f"({MAX_BYTES} bytes at most)")
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read(MAX_BYTES + 1)
    except InputError:
        raise
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None


def _parse(text: str, path: Path, where: str = ""):
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(f"{path}: {where}JSON nested too deeply") from None
    except ValueError as err:
        raise InputError(f"{path}: {where}not valid JSON ({err})") from None


def read_json_doc(path: Path) -> dict:
    """One JSON object."""
    doc = _parse(read_text(path), path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object, found {_kind(doc)}")
    return doc


def read_jsonl_docs(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) of each non-blank line."""
    out = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if line.strip():
            doc = _parse(line, path, f"line {number}: ")
            if not isinstance(doc, dict):
                raise InputError(f"{path}: line {number}: expected a JSON object, found "
                                 f"{_kind(doc)}")
            out.append((number, doc))
    return out


class Table(dict):
    """Column name -> float array; an absent column reads as all nan (a run still starting may
    have written only the header, an older producer may lack a column)."""

    def __missing__(self, key: str) -> np.ndarray:
        return np.full(max((len(v) for v in self.values()), default=0), np.nan)


def read_csv_table(path: Path, required: tuple[str, ...], integers: tuple[str, ...],
                   increasing: str) -> Table:
    """A producer's csv: a header naming distinct columns (``required`` among them), then rows of
    exactly as many cells, each empty (-> nan) or a number; the ``integers`` columns hold
    non-negative integers and ``increasing`` strictly increases from row to row."""
    text = read_text(path)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise InputError(f"{path}: not a csv file ({err})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{path}: empty (no header line)")
    header = [cell.strip() for cell in rows[0]]
    for name in header:
        if not name or header.count(name) > 1:
            raise InputError(f"{path}: header: column {name!r} is "
                             f"{'empty' if not name else 'repeated'}")
    lost = [name for name in required if name not in header]
    if lost:
        raise InputError(f"{path}: header: column {lost[0]} is missing (found "
                         f"{', '.join(header)})")
    body = [(number, row) for number, row in enumerate(rows[1:], 2) if row]  # skip blank lines
    for number, row in body:
        if len(row) != len(header):
            raise InputError(f"{path}: line {number} has {len(row)} cells, the header has "
                             f"{len(header)}")
    values = np.full((len(body), len(header)), np.nan)
    for j, name in enumerate(header):
        cells = [row[j] if row[j].strip() else "nan" for _, row in body]
        try:
            column = np.array(cells, dtype=str).astype(float) if cells else np.zeros(0)
        except ValueError:  # find the cell, for the message
            column = np.array([_cell(c, path, n, name, False) for (n, _), c in zip(body, cells)])
        if name in integers:
            bad = ~(np.isfinite(column) & (column >= 0) & (column == np.floor(column)))
            bad &= np.array([bool(row[j].strip()) for _, row in body], dtype=bool)
            if bad.any():
                k = int(np.argmax(bad))
                _cell(body[k][1][j], path, body[k][0], name, True)
        values[:, j] = column
    table = Table({name: values[:, j].copy() for j, name in enumerate(header)})
    if increasing in table:
        column = table[increasing]
        if np.isnan(column).any():
            raise InputError(f"{path}: line {body[int(np.argmax(np.isnan(column)))][0]}: column "
                             f"{increasing} is empty")
        back = np.flatnonzero(np.diff(column) <= 0)
        if len(back):
            raise InputError(f"{path}: line {body[int(back[0]) + 1][0]}: {increasing} "
                             f"{column[back[0] + 1]:g} after {column[back[0]]:g} (must "
                             "increase: a duplicated or reordered row)")
    return table


def _cell(cell: str, path: Path, number: int, name: str, integer: bool) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{path}: line {number}, column {name}: {_show(cell)} is not a "
                         "number") from None
    if integer and not (math.isfinite(value) and value >= 0 and value == int(value)):
        raise InputError(f"{path}: line {number}, column {name}: {_show(cell)} is not a "
                         "non-negative integer")
    return value
