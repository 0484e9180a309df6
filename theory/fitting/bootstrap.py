"""Paired-bootstrap confidence intervals for a fitted (L0, L1), with bounded work.

Each fit of docs/statements.md §6 ("Fitting (L0, L1)") comes with intervals: the pairs
(x_i, y_i) are resampled with replacement, the line refitted on every resample, and the
percentile (or BCa) interval of the refitted L0 and L1 reported. The work is bounded before it
starts (:func:`check_boot_work`): at most ``MAX_N_BOOT`` resamples and ``n_boot * n <=
MAX_BOOT_POINTS`` resampled points; BCa's jackknife adds n refits, so it is refused above
``MAX_BCA_POINTS`` points. At q = 1 the envelope is an extreme-value statistic (the sample
version of the frontier sup of docs/statements.md §1), for which the bootstrap is inconsistent:
those intervals are indicative only.
"""
from __future__ import annotations

import inspect
from dataclasses import replace
from typing import Any, Callable, Literal

import numpy as np
from scipy import stats

from theory.fitting.envelope import _cover_fit, _quantile_fit, envelope_fit
from theory.fitting.regression import _ls_fit, regression_fit
from theory.fitting.result import FitResult

_RNG_KW = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"

MAX_N_BOOT = 100_000  # resamples per bootstrap
MAX_BOOT_POINTS = 10**8  # n_boot * n per bootstrap; fit_all's three at the bound: ~75 s, 1 core
MAX_BCA_POINTS = 5_000  # BCa's jackknife adds n refits of n points each


def check_boot_work(n_boot: Any, n: int) -> None:
    """Refuse a bootstrap whose work is not bounded.

    Parameters
    ----------
    n_boot : int
        Resamples, an integer with ``2 <= n_boot <= MAX_N_BOOT`` (one resample gives no
        interval).
    n : int
        Points per resample; ``n_boot * n <= MAX_BOOT_POINTS`` bounds the work and the time.

    Raises
    ------
    ValueError
        Naming the violated bound and the largest admissible ``n_boot``.
    """
    if isinstance(n_boot, bool) or not (isinstance(n_boot, (int, np.integer))
                                        or (isinstance(n_boot, float) and n_boot.is_integer())):
        raise ValueError(f"n_boot must be an integer, got {n_boot!r}")
    if not 2 <= n_boot <= MAX_N_BOOT:
        raise ValueError(f"n_boot must be between 2 and {MAX_N_BOOT}, got {n_boot}")
    if int(n_boot) * int(n) > MAX_BOOT_POINTS:
        raise ValueError(f"n_boot x n = {int(n_boot)} x {n} resampled points exceeds the bound "
                         f"{MAX_BOOT_POINTS:.0e} (bounded work); use n_boot <= "
                         f"{max(MAX_BOOT_POINTS // max(int(n), 1), 1)}")


def bootstrap_fit(x: Any, y: Any, rng: np.random.Generator,
                  fit: Literal["envelope", "regression"] = "envelope", *, quantile: float = 1.0,
                  n_boot: int = 999, ci: float = 0.95,
                  method: Literal["percentile", "BCa"] = "percentile",
                  grid_size: int = 257,
                  progress: Callable[[int], Any] | None = None) -> FitResult:
    """Point fit on all samples plus paired-bootstrap confidence intervals for L0 and L1.

    Pairs (x_i, y_i) are resampled with replacement (``scipy.stats.bootstrap``, ``paired=True``,
    a two-output statistic, the generator passed as ``rng``); the intervals are the
    ``method`` intervals at level ``ci``. Percentile is the default: BCa needs n extra jackknife
    fits. Caveat: the bootstrap is inconsistent for extreme-value statistics, so at q = 1 the
    envelope interval is indicative only (a resample can never exceed the sample maximum);
    prefer q < 1 for inference. Deterministic for a given generator state.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        As for :func:`theory.fitting.envelope_fit` / :func:`theory.fitting.regression_fit`.
    rng : numpy.random.Generator
        Source of randomness (required; no global state).
    fit : {"envelope", "regression"}
    quantile, grid_size : optional
        Passed to :func:`theory.fitting.envelope_fit`.
    n_boot, ci, method : optional
        Number of resamples (2 to :data:`MAX_N_BOOT`, with n_boot * n <=
        :data:`MAX_BOOT_POINTS`), confidence level in (0, 1), "percentile" or "BCa".
    progress : callable, optional
        Called with 1 after each refit (a progress bar's ``update``).

    Returns
    -------
    FitResult
        The point fit with ``ci_L0``, ``ci_L1`` set; ``extra`` adds ``ci_level``, ``n_boot``,
        ``ci_method``, ``se_L0``, ``se_L1`` (bootstrap standard errors) and, for the q = 1
        envelope, ``ci_caveat``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    check_boot_work(n_boot, np.size(x))
    if not 0 < ci < 1:
        raise ValueError("ci must satisfy 0 < ci < 1")
    if method not in ("percentile", "BCa"):
        raise ValueError("method must be 'percentile' or 'BCa'")
    if method == "BCa" and np.size(x) > MAX_BCA_POINTS:  # its jackknife refits n times
        raise ValueError(f"BCa intervals refit the sample n times (jackknife): at most "
                         f"{MAX_BCA_POINTS} points, got {np.size(x)}; use method='percentile'")
    core: Callable[[np.ndarray, np.ndarray], tuple[float, float]]
    if fit == "envelope":
        point = envelope_fit(x, y, quantile, grid_size=grid_size)
        q = float(quantile)
        core = _cover_fit if q == 1.0 else lambda a, b: _quantile_fit(a, b, q, int(grid_size))
    elif fit == "regression":
        point, core = regression_fit(x, y), _ls_fit
    else:
        raise ValueError("fit must be 'envelope' or 'regression'")
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    # batch bounds memory: scipy otherwise draws all n_boot x n resample indices at once
    batch = max(1, min(int(n_boot), 2_000_000 // max(xa.size, 1)))

    def statistic(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        value = np.array(core(a, b))
        if progress is not None:
            progress(1)
        return value
    res = stats.bootstrap((xa, ya), statistic, paired=True,
                          vectorized=False, n_resamples=int(n_boot), confidence_level=ci,
                          method=method, batch=batch, **{_RNG_KW: rng})
    (lo, hi), se = res.confidence_interval, res.standard_error
    extra = {**point.extra, "ci_level": float(ci), "n_boot": int(n_boot), "ci_method": method,
             "se_L0": float(se[0]), "se_L1": float(se[1])}
    if fit == "envelope" and point.quantile == 1.0:
        extra["ci_caveat"] = "bootstrap of an extreme (q = 1) statistic: indicative only"
    return replace(point, ci_L0=(float(lo[0]), float(hi[0])), ci_L1=(float(lo[1]), float(hi[1])),
                   extra=extra)
