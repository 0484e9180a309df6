"""A run's CSV files read against their schema, and the (gradient norm, smoothness) pairs that the
fit and the claims use.

``metrics.csv`` and ``epochs.csv`` are written by :func:`nn_checks.train.measure` with the header
:data:`nn_checks.runfolder.METRICS` / :data:`~nn_checks.runfolder.EPOCHS` (a ``metrics.csv`` of an
earlier version, whose header is a prefix of today's that reaches ``smoothness``, is read too).
Every cell is checked: integers where the writer writes integers (``step`` strictly increasing,
``epoch`` non-decreasing), numbers elsewhere (norms and smoothness non-negative, ``test_acc`` in
[0, 1]), ``clipped`` 0 or 1, empty cells only where the writer leaves them empty; every line has
the header's number of fields and ends with a line end (a file cut mid-line is damaged). Any
violation is a ``ValueError`` naming the file, the line and the column -- a damaged file is
refused, never read in part.

Pairs: x is ``probe_grad_norm`` -- the norm of ∇f(θ_from) of the probe's own loss, the scale of
the secant numerator (:mod:`nn_checks.train`) -- or ``grad_norm`` in files written before that
column existed; y is ``smoothness``. Steps without a probe (empty cells) and non-finite values
are left out.
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Callable

import numpy as np

from nn_checks.runfolder import EPOCHS, METRICS  # (not nn_checks.train: no torch here)
from plumbing.files import read_file

__all__ = ["smoothness_pairs", "pairs_of", "read_metrics", "read_epochs", "MAX_CSV_BYTES"]

MAX_CSV_BYTES = 256 * 2**20  # a paper-scale metrics.csv is ~16 MB; bounds a reader's work


_NUMBER = re.compile(r"[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|nan|inf|infinity)",
                     re.IGNORECASE)
_INT = re.compile(r"-?[0-9]+")


def _number(text: str) -> float:
    """A number as the writer spells it (``repr(float)``, ``nan``, ``inf``); not ``1_0``."""
    if not _NUMBER.fullmatch(text):
        raise ValueError
    return float(text)


def _int(text: str) -> int:
    if not _INT.fullmatch(text):
        raise ValueError
    return int(text)


def _nonneg(text: str) -> float:
    value = _number(text)
    if value < 0:  # NaN passes: a probe that failed is dropped from the pairs, not corruption
        raise ValueError
    return value


def _finite_nonneg(text: str) -> float:
    value = _number(text)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError
    return value


def _flag(text: str) -> int:
    if text not in ("0", "1"):
        raise ValueError
    return int(text)


def _fraction(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 1:
        raise ValueError
    return value


# column -> (parser, what it must be, may be empty)
_METRIC_TYPES: dict[str, tuple[Callable[[str], object], str, bool]] = {
    "step": (_int, "an integer step", False),
    "epoch": (_int, "an integer epoch", False),
    "lr": (_finite_nonneg, "a finite learning rate >= 0", False),
    "loss": (_number, "a number", True),  # empty: the diverged step's non-finite loss
    "grad_norm": (_nonneg, "a norm >= 0", True),
    "clipped": (_flag, "0 or 1", True),
    "update_norm": (_nonneg, "a norm >= 0", True),
    "smoothness": (_nonneg, "a smoothness estimate >= 0", True),
    "hessian_top_eig": (_number, "a number", True),
    "n_hvps": (_int, "an integer count", True),
    "probe_grad_norm": (_nonneg, "a norm >= 0", True),
    "hessian_converged": (_flag, "0 or 1", True),
}
_EPOCH_TYPES: dict[str, tuple[Callable[[str], object], str, bool]] = {
    "epoch": (_int, "an integer epoch", False),
    "lr": (_finite_nonneg, "a finite learning rate >= 0", False),
    "train_loss": (_number, "a number", False),
    "val_loss": (_number, "a number", True),
    "val_ppl": (_number, "a number", True),
    "test_acc": (_fraction, "an accuracy in [0, 1]", True),
}
_DEFAULT_TYPE = (_number, "a number", True)  # a column added to the writer after this reader


def _read_table(path: Path, expected: tuple[str, ...], types: dict, min_columns: int
                ) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and parsed rows ``(line number, {column: value or None})`` of a schema CSV."""
    path = Path(path)
    raw = read_file(path, MAX_CSV_BYTES)  # a FIFO, a device, a huge file: refused, named
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}): damaged file") from None
    if not text:
        raise ValueError(f"{path}: empty file (no header): damaged file")
    if not text.endswith("\n"):
        raise ValueError(f"{path}: line {text.count(chr(10)) + 1} is truncated (no line end): "
                         "damaged file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        if header != list(expected) and not (
                min_columns <= len(header) < len(expected)
                and header == list(expected[:len(header)])):
            raise ValueError(f"{path}: line 1: header {','.join(header)!r} is not "
                             f"{','.join(expected)!r} (the columns nn_checks measure writes)")
        rows = []
        for cells in reader:
            line = reader.line_num
            if len(cells) != len(header):
                raise ValueError(f"{path}: line {line}: {len(cells)} fields, the header has "
                                 f"{len(header)}: damaged file")
            row = {}
            for name, cell in zip(header, cells):
                parse, what, may_be_empty = types.get(name, _DEFAULT_TYPE)
                if cell == "":
                    if not may_be_empty:
                        raise ValueError(f"{path}: line {line}: column {name} is empty; it "
                                         f"must be {what}")
                    row[name] = None
                    continue
                try:
                    row[name] = parse(cell)
                except ValueError:
                    raise ValueError(f"{path}: line {line}: column {name} = {cell!r} is not "
                                     f"{what}") from None
            rows.append((line, row))
    except csv.Error as exc:
        raise ValueError(f"{path}: line {reader.line_num}: {exc}: damaged file") from None
    return header, rows


def read_metrics(path: str | Path) -> tuple[list[str], list[dict]]:
    """``metrics.csv`` checked against its schema: (header, rows as dicts; None for empty cells).

    Besides the cell types (module docstring): ``step`` strictly increasing, ``epoch``
    non-decreasing, an empty or non-finite ``loss`` or an empty ``grad_norm`` (the row of a
    diverged step) only on the last line.

    Raises
    ------
    ValueError
        Any violation; the message names the file, the line and the column.
    """
    path = Path(path)
    header, rows = _read_table(path, METRICS, _METRIC_TYPES, METRICS.index("smoothness") + 1)
    for k, (line, row) in enumerate(rows):
        if k and row["step"] <= rows[k - 1][1]["step"]:
            raise ValueError(f"{path}: line {line}: step {row['step']} does not increase "
                             f"(previous {rows[k - 1][1]['step']}): damaged file")
        if row["step"] < 0 or row["epoch"] < 0:
            raise ValueError(f"{path}: line {line}: negative step or epoch")
        if k and row["epoch"] < rows[k - 1][1]["epoch"]:
            raise ValueError(f"{path}: line {line}: epoch {row['epoch']} after epoch "
                             f"{rows[k - 1][1]['epoch']}: damaged file")
        diverged = row["loss"] is None or not math.isfinite(row["loss"]) or \
            row["grad_norm"] is None
        if diverged and k != len(rows) - 1:
            raise ValueError(f"{path}: line {line}: a diverged step (no finite loss or no "
                             "gradient norm) before the last line: damaged file")
    return header, [row for _, row in rows]


def read_epochs(path: str | Path) -> list[dict]:
    """``epochs.csv`` checked against its schema: rows as dicts (None for empty cells), with
    ``epoch`` strictly increasing. Raises ``ValueError`` naming the file, line and column."""
    path = Path(path)
    _, rows = _read_table(path, EPOCHS, _EPOCH_TYPES, len(EPOCHS))
    for k, (line, row) in enumerate(rows):
        if row["epoch"] < 0 or (k and row["epoch"] <= rows[k - 1][1]["epoch"]):
            raise ValueError(f"{path}: line {line}: epoch {row['epoch']} does not increase "
                             "from 0: damaged file")
    return [row for _, row in rows]


def pairs_of(header: list[str], rows: list[dict]) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, y, name of the x column) of the probed steps with finite values of rows read by
    :func:`read_metrics`, in step order."""
    column = "probe_grad_norm" if "probe_grad_norm" in header else "grad_norm"
    pairs = [(r[column], r["smoothness"]) for r in rows
             if r[column] is not None and r["smoothness"] is not None
             and math.isfinite(r[column]) and math.isfinite(r["smoothness"])]
    xy = np.array(pairs, dtype=float).reshape(-1, 2)
    return xy[:, 0], xy[:, 1], column


def smoothness_pairs(path: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, y, name of the x column) of the probed steps with finite values, in step order, from a
    ``metrics.csv`` checked by :func:`read_metrics` (a damaged file raises ``ValueError``)."""
    return pairs_of(*read_metrics(path))
