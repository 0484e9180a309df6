"""A run's ``metrics.csv`` as the (gradient norm, smoothness) pairs that the fit and the claims use.

x is ``probe_grad_norm`` -- the norm of ∇f(θ_from) of the probe's own loss, the scale of the
secant numerator (:mod:`nn_checks.train`) -- or ``grad_norm`` in files written before that column
existed; y is ``smoothness``. Steps without a probe (empty cells) and non-finite values are left
out.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

__all__ = ["smoothness_pairs"]


def smoothness_pairs(path: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, y, name of the x column) of the probed steps with finite values, in step order."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    column = "probe_grad_norm" if rows and "probe_grad_norm" in rows[0] else "grad_norm"
    pairs = [(float(r[column]), float(r["smoothness"])) for r in rows
             if r.get(column) and r.get("smoothness")]
    pairs = [p for p in pairs if math.isfinite(p[0]) and math.isfinite(p[1])]
    xy = np.array(pairs, dtype=float).reshape(-1, 2)
    return xy[:, 0], xy[:, 1], column
