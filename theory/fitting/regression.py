r"""The mean trend: non-negative least squares y_i ~ L0 + L1 x_i.

.. math:: \min_{L_0, L_1 \ge 0} \sum_i (y_i - L_0 - L_1 x_i)^2

on the pairs (x_i, y_i) = (gradient norm, smoothness estimate) (docs/statements.md §6,
"Fitting (L0, L1)"). A *typical* trend, not a bound as Definition 1 (docs/statements.md §1)
asks: about half the points lie above it; the envelopes of :mod:`theory.fitting.envelope` are
the bounds.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize

from theory.fitting.result import FitResult, _check_xy, _counts


def _ls_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    s = float(np.max(x)) or 1.0  # column scaling for conditioning
    res = optimize.lsq_linear(np.column_stack([np.ones_like(x), x / s]), y,
                              bounds=(0.0, np.inf), method="bvls")
    return float(res.x[0]), float(res.x[1] / s)


def regression_fit(x: Any, y: Any) -> FitResult:
    r"""Non-negative least squares for the mean trend, y_i ~ L0 + L1 x_i.

    .. math:: \min_{L_0, L_1 \ge 0} \sum_i (y_i - L_0 - L_1 x_i)^2,
              \qquad R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}.

    Solved by ``scipy.optimize.lsq_linear(method="bvls")`` (exact active set) on the design
    [1, x / max x]. This is a *typical* trend, not a bound: about half the points lie above it.
    With an active bound R^2 can be negative; it is NaN when all y are equal.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Finite, >= 0, n >= 3, at least two distinct x values.

    Returns
    -------
    FitResult
        ``extra``: ``r2``, ``sse``, ``sigma`` (residual standard deviation, n - 2 degrees of
        freedom), ``at_bound`` (names of the parameters held at 0).
    """
    x, y = _check_xy(x, y, 3, spread=True)
    L0, L1 = _ls_fit(x, y)
    sse = float(np.sum((y - L0 - L1 * x) ** 2))
    sst = float(np.sum((y - np.mean(y)) ** 2))
    on, _ = _counts(x, y, L0, L1)
    return FitResult(L0, L1, "regression", None, int(x.size), n_on_or_above=on, extra={
        "r2": 1.0 - sse / sst if sst > 0 else math.nan, "sse": sse,
        "sigma": math.sqrt(sse / (x.size - 2)),
        "at_bound": [k for k, v in (("L0", L0), ("L1", L1)) if v == 0.0]})
