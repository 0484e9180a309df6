"""fit.json: every (L0, L1) fit of a run's samples, with intervals, in one JSON-ready dict.

The pairs (x_i, y_i) = (||grad f(theta_t)||, L_hat(theta_t)) are fitted three ways
(docs/statements.md §6, "Fitting (L0, L1)"): the covering envelope (q = 1, every point on or
below y = L0 + L1 x, the sample frontier of docs/statements.md §1), the quantile envelope at
q = 0.9, and the least-squares regression -- each with paired-bootstrap intervals -- plus the
log-scale correlation of the two. :func:`fit_all` checks every input and bounds the work before
any bootstrap starts.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from theory.fitting.bootstrap import bootstrap_fit, check_boot_work
from theory.fitting.correlation import log_correlation
from theory.fitting.result import _check_q, _check_xy, _plain

FIT_QUANTILES = (1.0, 0.9)  # the envelopes of fit.json: covering every point, and 90% of them


def fit_all(x: Any, y: Any, rng: np.random.Generator, quantiles: tuple[float, ...] = FIT_QUANTILES,
            n_boot: int = 999, ci: float = 0.95,
            progress: Callable[[int], Any] | None = None) -> dict[str, Any]:
    """Every fit with bootstrap intervals, as one JSON-ready dict (the content of fit.json).

    Layout: ``schema``, ``mark``, ``model``, ``n``, ``x_range``, ``y_range``; ``envelope``: a
    list of :meth:`FitResult.to_dict` records, one per quantile in the given order; ``regression``:
    one record; ``correlation``: :func:`log_correlation`; ``bootstrap``: the resampling settings.
    Non-finite numbers become None so ``json.dumps(..., allow_nan=False)`` succeeds. Cost is
    dominated by the q < 1 bootstraps and bounded: ``n_boot * n <= MAX_BOOT_POINTS`` (1e8, else
    ``ValueError`` before any work), about 70 s on one core at that bound.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Finite, >= 0, n >= 3, two distinct x values, 3 positive pairs.
    rng : numpy.random.Generator
        Consumed by the bootstraps, in the order above.
    quantiles : tuple of float, optional
        Envelope levels, each in (0, 1]; non-empty.
    n_boot, ci : optional
        Passed to :func:`bootstrap_fit` (percentile intervals).
    progress : callable, optional
        Called with 1 after each refit, ``(len(quantiles) + 1) * n_boot`` times in all.

    Returns
    -------
    dict
    """
    xa, ya = _check_xy(x, y, 3, spread=True)
    if int(np.count_nonzero((xa > 0) & (ya > 0))) < 3:  # log_correlation's need, checked first
        raise ValueError("need at least 3 pairs with x > 0 and y > 0 for the log correlation")
    if len(quantiles) == 0:
        raise ValueError("quantiles must be non-empty")
    qs = [_check_q(q) for q in quantiles]
    check_boot_work(n_boot, xa.size)  # before any work: every bootstrap below is bounded
    boot = {"n_boot": n_boot, "ci": ci, "method": "percentile", "resampling": "pairs"}
    env = [bootstrap_fit(xa, ya, rng, "envelope", quantile=q, n_boot=n_boot, ci=ci,
                         progress=progress) for q in qs]
    reg = bootstrap_fit(xa, ya, rng, "regression", n_boot=n_boot, ci=ci, progress=progress)
    return _plain({
        "schema": "l0l1-fit/1",
        "mark": "ours: the paper reports no fitted (L0, L1)",
        "model": "smoothness <= L0 + L1 * grad_norm",
        "n": int(xa.size), "x_range": [xa.min(), xa.max()], "y_range": [ya.min(), ya.max()],
        "envelope": [e.to_dict() for e in env], "regression": reg.to_dict(),
        "correlation": log_correlation(xa, ya), "bootstrap": boot})
