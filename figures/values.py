"""Numbers and axes of the figures (numpy only): values from files made drawable.

* :func:`num` turns a record's number -- a float, ``null``, the producers' ``"inf"``/``"nan"``
  strings -- into a float; :func:`tame` makes magnitudes above :data:`LARGE` infinite;
  :func:`positive` masks what a (log) axis can show and counts what it drops; :func:`log_floor`
  places zeros on a log axis;
* the epoch axis of training curves (paper Fig 4, docs/statements.md §6):
  :func:`epoch_lengths`, :func:`epoch_fraction`, :func:`running_mean`;
* :func:`shorten`: one line of text with paths cut to their file name.

Re-exported by :mod:`figures.style`.
"""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["LARGE", "num", "tame", "positive", "log_floor", "epoch_lengths", "epoch_fraction",
           "running_mean", "shorten"]

LARGE = 1e100  # beyond, a value is drawn as infinite: axis margins would overflow to inf


def num(value) -> float:
    """A record's number as float: ``None`` and unreadable values -> nan, ``"inf"`` -> inf."""
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


def tame(values) -> np.ndarray:
    """``values`` as floats with every magnitude above :data:`LARGE` made ±inf (no axis can
    hold 1e308 and its margins; such a value is treated as infinite: not drawn, or drawn at the
    panel edge where a figure marks infinite values)."""
    out = np.array(values, dtype=float, copy=True).reshape(np.shape(values))
    big = np.abs(out) > LARGE
    out[big] = np.copysign(np.inf, out[big])
    return out


def positive(*arrays, log: bool = True) -> tuple[np.ndarray, int]:
    """Mask of the entries finite in every array (and > 0 in all when ``log``).

    Returns the mask and the number of finite entries dropped for being <= 0 (nan entries are
    skipped without counting: they were never measured).
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    finite = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    keep = finite & np.logical_and.reduce([a > 0 for a in arrays]) if log else finite
    return keep, int(np.count_nonzero(finite & ~keep))


def log_floor(values: list[np.ndarray], zero: float) -> tuple[float, int]:
    """Where values ≤ ``zero`` are drawn on a log axis -- a third of the smallest value above
    ``zero`` (1e-3 when there is none) -- and how many finite values are ≤ ``zero``."""
    v = np.concatenate([*values, np.ones(0)])
    pos = v[np.isfinite(v) & (v > zero)]
    return (pos.min() / 3 if len(pos) else 1e-3), int(np.sum(np.isfinite(v) & (v <= zero)))


def epoch_lengths(epoch: np.ndarray, config: dict) -> tuple[dict, bool]:
    """len_e, the number of batches of each epoch e of a run's ``metrics.csv`` ``epoch`` column,
    and whether some len_e is only the row count n_e of an epoch not known to be complete.

    len_e comes from ``config["batches_per_epoch"]`` (``{"0": 50, ...}``, written by the
    training loop for each epoch it starts). Older runs lack it: every epoch then gets the
    largest n_e among the complete epochs (all but the last; the last too when the status is
    "finished"), or, when none is complete, its own n_e (a partial epoch drawn as full). A len_e
    below n_e (an inconsistent file) is raised to n_e so that epochs never overlap.
    """
    counts = {e: int(np.sum(epoch == e)) for e in np.unique(epoch[np.isfinite(epoch)])}
    recorded = config.get("batches_per_epoch") or {}  # checked: {"<epoch>": count >= 1}
    recorded = {float(k): float(v) for k, v in recorded.items()}
    done = [n for e, n in counts.items() if e < max(counts) or config.get("status") == "finished"]
    full = max(done, default=None)
    lengths = {e: max(recorded.get(e, full or n), n) for e, n in counts.items()}
    return lengths, full is None and any(e not in recorded for e in counts)


def epoch_fraction(epoch: np.ndarray, lengths: dict | None = None) -> np.ndarray:
    """x = e + i / len_e for the i-th (i = 0, 1, ...) ``metrics.csv`` row of each epoch e: the
    updates made before the row's loss was measured, in epochs.

    ``lengths`` maps e to len_e (:func:`epoch_lengths`); an epoch without one uses its row count.
    """
    x = np.full(len(epoch), np.nan)
    for e in np.unique(epoch[np.isfinite(epoch)]):
        rows = np.flatnonzero(epoch == e)
        x[rows] = e + np.arange(len(rows)) / (lengths or {}).get(e, len(rows))
    return x


def running_mean(y: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each step (of all values before step ``window``)."""
    c = np.cumsum(np.insert(y, 0, 0.0))
    n = np.minimum(np.arange(1, len(y) + 1), window)
    return (c[1:] - c[np.arange(1, len(y) + 1) - n]) / n


def shorten(text: str, width: int = 80) -> str:
    """``text`` on one line, paths cut to their file name, at most ``width`` characters."""
    text = re.sub(r"\S*/(\S+)", r"\1", " ".join(str(text).split()))
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"
