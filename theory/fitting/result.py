"""The fitted line's record and the checks every fit applies to its samples.

A fit is a line y = L0 + L1 x with L0, L1 >= 0 through the sample pairs
(x_i, y_i) = (||grad f(theta_t)||, L_hat(theta_t)) (docs/statements.md §6, "Fitting (L0, L1)");
Definition 1 (docs/statements.md §1) asks y_i <= L0 + L1 x_i. :class:`FitResult` holds one such
line, :func:`_counts` the points on or above it (up to a relative 1e-12), :func:`_check_xy` and
:func:`_check_q` the preconditions (finite, non-negative samples; a coverage level 0 < q <= 1),
and :func:`_plain` fit.json's number policy (non-finite numbers become null).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from plumbing.jsonio import to_jsonable

_ON_LINE_RTOL = 1e-12  # a point within this relative distance of the line counts as "on" it


@dataclass(frozen=True)
class FitResult:
    """One fitted line y = L0 + L1 x.

    Attributes
    ----------
    L0, L1 : float
        Fitted constants, both >= 0.
    method : {"envelope", "regression"}
    quantile : float or None
        Envelope coverage level q; None for regression.
    n : int
        Number of samples.
    ci_L0, ci_L1 : tuple of float or None
        Bootstrap confidence intervals (set by :func:`theory.fitting.bootstrap_fit`).
    n_on_or_above : int
        Points with y_i >= L0 + L1 x_i, up to a relative 1e-12 (those defining the line).
    extra : dict
        Diagnostics, documented with each fitting function.
    """

    L0: float
    L1: float
    method: str
    quantile: float | None
    n: int
    ci_L0: tuple[float, float] | None = None
    ci_L1: tuple[float, float] | None = None
    n_on_or_above: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: tuples become lists, numpy scalars Python ones, non-finite None."""
        return _plain(asdict(self))


def _plain(v: Any) -> Any:
    """JSON-ready copy under fit.json's policy (plumbing.jsonio): non-finite numbers -> None."""
    return to_jsonable(v, non_finite="null")


def _check_xy(x: Any, y: Any, min_n: int, spread: bool = False) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("x and y must be 1-D arrays")
    if x.size != y.size:
        raise ValueError(f"x and y must have equal length (got {x.size} and {y.size})")
    if x.size < min_n:
        raise ValueError(f"need at least {min_n} samples (got {x.size})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    if np.any(x < 0) or np.any(y < 0):
        raise ValueError("x and y must be >= 0 (norms and smoothness estimates)")
    if spread and np.ptp(x) == 0:
        raise ValueError("x must take at least two distinct values (L1 is not identifiable)")
    return x, y


def _check_q(q: float) -> float:
    if not (isinstance(q, (int, float, np.floating)) and 0 < q <= 1):
        raise ValueError(f"quantile must satisfy 0 < quantile <= 1 (got {q!r})")
    return float(q)


def _counts(x: np.ndarray, y: np.ndarray, L0: float, L1: float) -> tuple[int, int]:
    r, tol = y - L1 * x, _ON_LINE_RTOL * (y + L1 * x + L0)  # r as in the frontier: exact ties
    return int(np.sum(r >= L0 - tol)), int(np.sum(r > L0 + tol))
