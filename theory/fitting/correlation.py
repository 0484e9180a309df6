"""Correlation of smoothness with the gradient norm on log scale, the paper's Fig 2/3 claim.

Claims 1-3 of docs/statements.md §6 ("Claims to test") say that the smoothness estimate
L_hat(theta_t) grows with ||grad f(theta_t)||; measured here as Pearson's r of
(log x_i, log y_i) and Spearman's rho of (x_i, y_i) (rank-based, so the same on log scale), on
the pairs with x_i > 0 and y_i > 0. The one-sided tests with an effective sample size are
applied by the claims checker (nn_checks/claims.py), not here.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from theory.fitting.result import _check_xy


def log_correlation(x: Any, y: Any) -> dict[str, Any]:
    """Pearson r of (log x, log y) and Spearman rho of (x, y), the paper's Fig 2/3 claim.

    Pairs with x <= 0 or y <= 0 have no logarithm and are dropped (from both statistics, so the
    two describe the same points). Spearman is rank-based, hence identical on log scale.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Finite, >= 0; at least 3 pairs must be positive.

    Returns
    -------
    dict
        ``pearson_r``, ``pearson_p``, ``spearman_rho``, ``spearman_p`` (two-sided p-values;
        NaN when either variable is constant), ``n_used``, ``n_dropped``.
    """
    x, y = _check_xy(x, y, 2)
    keep = (x > 0) & (y > 0)
    if keep.sum() < 3:
        raise ValueError("need at least 3 samples with x > 0 and y > 0")
    lx, ly = np.log(x[keep]), np.log(y[keep])
    r = rp = rho = sp = math.nan
    if np.ptp(lx) > 0 and np.ptp(ly) > 0:
        pr, sr = stats.pearsonr(lx, ly), stats.spearmanr(lx, ly)
        r, rp, rho, sp = map(float, (pr.statistic, pr.pvalue, sr.statistic, sr.pvalue))
    return {"pearson_r": r, "pearson_p": rp, "spearman_rho": rho, "spearman_p": sp,
            "n_used": int(keep.sum()), "n_dropped": int((~keep).sum())}
