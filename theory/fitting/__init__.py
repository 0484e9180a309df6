"""Fit the (L0, L1) relaxed-smoothness line to sampled (gradient norm, smoothness) pairs.

Mark: **ours** (docs/statements.md §6, "Fitting (L0, L1)") -- the paper (Zhang, He, Sra,
Jadbabaie, ICLR 2020, Figs 1-3) plots measured smoothness against the gradient norm but reports
no fitted L0/L1. Samples are pairs (x_i, y_i) = (||grad f(theta_t)||, L_hat(theta_t)),
x_i, y_i >= 0, and Definition 1 (docs/statements.md §1) asks for

    y_i <= L0 + L1 * x_i   for all i,   L0, L1 >= 0.

Three estimators: the covering *envelope* (the sample version of the frontier
L0*(L1) = sup_x (||Hess|| - L1 ||grad||), docs/statements.md §1), its *quantile* relaxation (a
fraction q of the points on or below the line; robust to outliers), and a *regression* of the
mean trend. When y comes from the secant estimator (docs/statements.md §6, "Smoothness
estimator") it is a directional lower bound on ||Hess||, so every fitted pair is a lower
estimate of the true constants.

Modules
-------
result        :class:`FitResult`, the input checks, the fit.json number policy
residuals     residuals y_i - L1 x_i, their order statistics, and the points that can matter
envelope      :func:`envelope_frontier`, :func:`envelope_fit` (upper hull; quantile frontier)
regression    :func:`regression_fit` (non-negative least squares)
correlation   :func:`log_correlation` (Pearson on log scale, Spearman)
bootstrap     :func:`bootstrap_fit`, :func:`check_boot_work` and the work bounds
assembly      :func:`fit_all`: every fit with intervals, the content of fit.json

Cost. The bootstrap refits every resample exactly, with the same floating-point operations as a
fit on all points, but touches fewer points: the q = 1 hull is built from the points that can be
its vertices (:func:`theory.fitting.residuals._hull_candidates`) and the q < 1 frontier is
evaluated on the points that can hold the order statistic's rank
(:class:`theory.fitting.residuals._BracketedKth`); below 256 points every point is used, as
before. Measured with :func:`fit_all` on 78,000 points, 999 resamples, one core: about
14.5 CPU-minutes with every point in every refit, 58 s pruned, with identical numbers.

Imports numpy and scipy only (never sympy).
"""
from __future__ import annotations

from theory.fitting.assembly import FIT_QUANTILES, fit_all
from theory.fitting.bootstrap import (MAX_BCA_POINTS, MAX_BOOT_POINTS, MAX_N_BOOT,
                                      bootstrap_fit, check_boot_work)
from theory.fitting.correlation import log_correlation
from theory.fitting.envelope import envelope_fit, envelope_frontier
from theory.fitting.regression import regression_fit
from theory.fitting.result import FitResult

__all__ = ["FitResult", "envelope_frontier", "envelope_fit", "regression_fit",
           "log_correlation", "MAX_N_BOOT", "MAX_BOOT_POINTS", "MAX_BCA_POINTS",
           "check_boot_work", "bootstrap_fit", "FIT_QUANTILES", "fit_all"]
