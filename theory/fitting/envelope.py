r"""Envelope fits: the sample frontier L0*_q(L1) and the line on it tightest at the mean norm.

The frontier of (L0, L1)-smoothness is L0*(L1) = sup_x (||∇²f(x)|| - L1 ||∇f(x)||)
(docs/statements.md §1, "The frontier L0*(L1)"). On samples (x_i, y_i) = (gradient norm,
smoothness estimate) its version at coverage q is

    L0*_q(L1) = max(0, r_(ceil(q n))(L1)),   r_i(L1) = y_i - L1 x_i

(:func:`envelope_frontier`; q = 1 covers every point). The envelope fit
(docs/statements.md §6, "Fitting (L0, L1)") picks the point of that frontier that minimises the
line's height at the mean gradient norm, min L0*_q(L1) + L1 mean(x): for q = 1 a linear program
solved exactly on the upper convex hull (:func:`_cover_fit`), for q < 1 a guarded grid plus
bounded Brent (:func:`_quantile_fit`).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize

from theory.fitting.residuals import (_BracketedKth, _hull_candidates, _kth_on_grid,
                                      _kth_residual, _order_index)
from theory.fitting.result import FitResult, _check_q, _check_xy, _counts

_HULL_RTOL = 1e-12  # turns this close to collinear are treated as collinear in the hull


def _frontier(x: np.ndarray, y: np.ndarray, L1: np.ndarray, q: float) -> np.ndarray:
    flat = np.atleast_1d(np.asarray(L1, dtype=float)).ravel()
    out = _kth_residual(x, y, flat, _order_index(x.size, q))
    return np.maximum(out, 0.0).reshape(np.shape(L1))


def envelope_frontier(x: Any, y: Any, L1_values: Any, quantile: float = 1.0) -> np.ndarray:
    r"""Smallest admissible L0 for each L1: the sample frontier of (L0, L1)-smoothness.

    .. math:: L_0^*(L_1) = \max\bigl(0,\; r_{(\lceil qn\rceil)}(L_1)\bigr),
              \qquad r_i(L_1) = y_i - L_1 x_i,

    where :math:`r_{(j)}` is the j-th smallest residual. For q = 1 this is
    :math:`\max_i (y_i - L_1 x_i)`, the sample version of
    :math:`\sup_x(\|\nabla^2 f\| - L_1\|\nabla f\|)` (docs/statements.md §1): every point lies on
    or below the line, and the frontier is convex and non-increasing in L1. For q < 1 it is the
    ``inverted_cdf`` q-quantile: at least ceil(q n) points lie on or below the line (an exact order
    statistic, so the line passes through a sample); non-increasing in L1 and in decreasing q.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Gradient norms and smoothness estimates, finite, >= 0, n >= 2.
    L1_values : array_like
        Slopes L1 >= 0 (any shape; vectorised).
    quantile : float, optional
        Coverage level q in (0, 1].

    Returns
    -------
    numpy.ndarray
        L0*(L1) with the shape of ``L1_values``.
    """
    x, y = _check_xy(x, y, 2)
    L1 = np.asarray(L1_values, dtype=float)
    if not (np.all(np.isfinite(L1)) and np.all(L1 >= 0)):
        raise ValueError("L1_values must be finite and >= 0")
    return _frontier(x, y, L1, _check_q(quantile))


def _cover_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Exact minimiser of L0 + L1 mean(x) over covering lines, via the upper convex hull.

    Computed on x / max x and y / max y (the criterion's minimiser is equivariant under both
    scalings), so hull cross products neither overflow nor underflow at extreme scales.
    """
    sx = float(np.max(x)) if np.max(x) > 0 else 1.0
    sy = float(np.max(y)) if np.max(y) > 0 else 1.0
    L0, L1 = _cover_fit_unit(x / sx, y / sy)
    if not (math.isfinite(L0) and math.isfinite(L1)):
        return L0 * sy, L1 * sy / sx
    L1 = L1 * sy / sx
    with np.errstate(over="ignore", invalid="ignore"):  # cover in the caller's units exactly
        return max(float(np.max(y - L1 * x)), 0.0), L1


def _cover_fit_unit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    cx, cy = _hull_candidates(x, y)
    o = np.lexsort((cy, cx))
    xs, ys = cx[o], cy[o]
    # mean summed in sorted order: invariant under permutations of the samples
    xbar = float(np.mean(xs if cx.size == x.size else np.sort(x)))
    last = np.r_[xs[1:] != xs[:-1], True]  # highest y at each distinct x
    hx, hy = xs[last], ys[last]
    hull: list[int] = []
    for i in range(hx.size):  # Andrew's monotone chain, upper part
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            t1, t2 = (hx[b] - hx[a]) * (hy[i] - hy[a]), (hy[b] - hy[a]) * (hx[i] - hx[a])
            if t1 - t2 < -_HULL_RTOL * (abs(t1) + abs(t2)):
                break  # strict right turn: b stays
            hull.pop()
        hull.append(i)
    L1 = 0.0
    if len(hull) > 1:  # supporting line at mean(x); at a vertex take the right edge (smaller L1)
        k = int(np.clip(np.searchsorted(hx[hull], xbar, side="right"), 1, len(hull) - 1))
        a, b = hull[k - 1], hull[k]
        with np.errstate(over="ignore"):
            L1 = max(float((hy[b] - hy[a]) / (hx[b] - hx[a])), 0.0)
    if not math.isfinite(L1):
        return math.nan, math.inf
    L0 = float(np.max(y - L1 * x))
    if L0 < 0:  # the line would cross L0 = 0: the optimum is the line through the origin
        with np.errstate(over="ignore"):
            L1 = float(np.max(y[x > 0] / x[x > 0]))
        L0 = max(float(np.max(y - L1 * x)), 0.0) if math.isfinite(L1) else math.nan
    return L0, L1


def _quantile_fit(x: np.ndarray, y: np.ndarray, q: float, grid_size: int) -> tuple[float, float]:
    """Minimise h(L1) = L0*_q(L1) + L1 mean(x) on [0, U] by grid guard + bounded Brent."""
    sx, sy = float(np.max(x)), float(np.max(y))
    if sx == 0.0 or sy == 0.0:  # all x = 0 (L1 has no effect) or all y = 0: L1 = 0 is optimal
        return float(_frontier(x, y, np.zeros(1), q)[0]), 0.0
    xt, yt = x / sx, y / sy  # unit scale; the slope maps back by sy / sx
    L0c, L1c = _cover_fit(xt, yt)
    xbar = float(np.mean(np.sort(xt)))
    with np.errstate(over="ignore", divide="ignore"):
        U = L1c + L0c / xbar  # h(L1) >= L1 xbar, so L1 > U is worse than the q = 1 optimum
    if not math.isfinite(U) or U == 0.0:
        return (math.nan, math.inf) if U else (float(_frontier(x, y, np.zeros(1), q)[0]), 0.0)
    grid = np.unique(np.r_[0.0, np.geomspace(U * 1e-6, U, grid_size),
                           np.linspace(0.0, U, grid_size), L1c])
    k = _order_index(xt.size, q)
    raw = _kth_on_grid(xt, yt, grid, k)
    h = np.maximum(raw, 0.0) + grid * xbar
    j = int(np.argmin(h))  # first minimiser: ties go to the smallest L1
    L1 = float(grid[j])
    i_lo, i_up = max(j - 1, 0), min(j + 1, grid.size - 1)
    lo, up = grid[i_lo], grid[i_up]
    if up > lo:
        kth = _BracketedKth(xt, yt, k, lo, up, raw[i_lo], raw[i_up])
        res = optimize.minimize_scalar(
            lambda t: float(np.maximum(kth(np.array([t]))[0], 0.0) + t * xbar),
            bounds=(lo, up), method="bounded", options={"xatol": 1e-12 * U})
        if res.fun < h[j]:
            L1 = float(res.x)
    with np.errstate(over="ignore"):
        L1 *= sy / sx
    return (float(_frontier(x, y, L1, q)), L1) if math.isfinite(L1) else (math.nan, math.inf)


def envelope_fit(x: Any, y: Any, quantile: float = 1.0, *, grid_size: int = 257) -> FitResult:
    r"""One (L0, L1) on the envelope frontier: the covering line tightest at the typical norm.

    Criterion (q = 1), a linear program in (L0, L1):

    .. math:: \min_{L_0, L_1 \ge 0}\; L_0 + L_1 \bar x \quad\text{s.t.}\quad
              L_0 + L_1 x_i \ge y_i \;\forall i, \qquad \bar x = \tfrac1n\textstyle\sum_i x_i .

    Of all valid lines, it is lowest at the mean gradient norm (the smoothness bound it certifies
    where training spends its time), and minimising the mean height
    :math:`\tfrac1n\sum_i (L_0 + L_1 x_i)` is the same objective. Its optimum is the supporting
    line of the upper convex hull of the samples at :math:`\bar x`, computed exactly (Andrew's
    monotone chain, O(n log n)); if that line has a negative intercept the optimum is the line
    through the origin, :math:`L_1 = \max_i y_i/x_i`; if its slope is negative, L1 = 0. Ties
    (x-bar at a hull vertex) go to the smaller L1, attributing as little as possible to
    gradient-norm growth. The tests cross-check the optimum against ``scipy.optimize.linprog``.

    For q < 1 the same criterion uses the quantile frontier,
    :math:`\min_{L_1\ge0} L_0^*_q(L_1) + L_1\bar x` (see :func:`envelope_frontier`). It is
    piecewise linear but not convex, so it is evaluated (on x / max x, y / max y) on a guard grid:
    0, ``grid_size`` geometric points on [1e-6, 1] * U, as many linear points on [0, U], and the
    q = 1 optimum; then refined by bounded Brent between the neighbours of the best grid point.
    Here :math:`U = L_1^{(1)} + L_0^{(1)}/\bar x` from the q = 1 optimum: as
    :math:`L_0^*_q \ge 0`, any :math:`L_1 > U` has criterion above the q = 1 value, which the
    grid already attains -- so the criterion at q is never larger than at q = 1. L1 is accurate
    to Brent's tolerance (about 1e-8 relative); L0 is then the exact order statistic at that L1.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Finite, >= 0, n >= 2, at least two distinct x values.
    quantile : float, optional
        Coverage level q in (0, 1].
    grid_size : int, optional
        Points per guard grid (q < 1 only), >= 2.

    Returns
    -------
    FitResult
        ``extra``: ``x_mean``, ``height_at_mean`` (the criterion value), ``n_above`` (points
        strictly above the line; 0 when q = 1), ``solver``.
    """
    x, y = _check_xy(x, y, 2, spread=True)
    q = _check_q(quantile)
    if not (int(grid_size) == grid_size and grid_size >= 2):
        raise ValueError("grid_size must be an integer >= 2")
    L0, L1 = _cover_fit(x, y) if q == 1.0 else _quantile_fit(x, y, q, int(grid_size))
    if not math.isfinite(L0 + L1 * float(np.max(x))):
        raise ValueError("the fitted line must be finite in float64 (y / x-spacing overflows)")
    on, above = _counts(x, y, L0, L1)
    xbar = float(np.mean(x))
    return FitResult(L0, L1, "envelope", q, int(x.size), n_on_or_above=on, extra={
        "x_mean": xbar, "height_at_mean": L0 + L1 * xbar, "n_above": above,
        "solver": "upper convex hull (exact)" if q == 1.0 else "grid guard + bounded Brent"})
