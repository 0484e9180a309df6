"""Fit the (L0, L1) relaxed-smoothness line to sampled (gradient norm, smoothness) pairs.

Mark: **ours** -- the paper (Zhang, He, Sra, Jadbabaie, ICLR 2020, Figs 1-3) plots measured
smoothness against the gradient norm but reports no fitted L0/L1. Samples are pairs
(x_i, y_i) = (||grad f(theta_t)||, L_hat(theta_t)), x_i, y_i >= 0, and Definition 1 asks for

    y_i <= L0 + L1 * x_i   for all i,   L0, L1 >= 0.

Three estimators: the covering *envelope* (the sample version of the frontier
L0*(L1) = sup_x (||Hess|| - L1 ||grad||), README "Symbols"), its *quantile* relaxation (a
fraction q of the points on or below the line; robust to outliers), and a *regression* of the
mean trend. When y comes from the secant estimator (README, "nn_checks") it is a directional
lower bound on ||Hess||, so every fitted pair is a lower estimate of the true constants.

Cost. The bootstrap refits every resample exactly, with the same floating-point operations as a
fit on all points, but touches fewer points: the q = 1 hull is built from the points that can be
its vertices (:func:`_hull_candidates`) and the q < 1 frontier is evaluated on the points that
can hold the order statistic's rank (:class:`_BracketedKth`); below 256 points every point is
used, as before. Measured with :func:`fit_all` on 78,000 points, 999 resamples, one core: about
14.5 CPU-minutes with every point in every refit, 58 s pruned, with identical numbers.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Literal

import numpy as np
from scipy import optimize, stats

from plumbing.jsonio import to_jsonable

_ON_LINE_RTOL = 1e-12  # a point within this relative distance of the line counts as "on" it
_HULL_RTOL = 1e-12  # turns this close to collinear are treated as collinear in the hull
_RNG_KW = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


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
        Bootstrap confidence intervals (set by :func:`bootstrap_fit`).
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


def _order_index(n: int, q: float) -> int:
    """0-based index of the order statistic r_(j), j = ceil(q n), clipped to [1, n]."""
    return min(max(math.ceil(q * n - 1e-9), 1), n) - 1  # 1e-9: 0.9 * 10 must give 9, not 10


def _kth_residual(x: np.ndarray, y: np.ndarray, L1: np.ndarray, k: int) -> np.ndarray:
    """r_(k+1)(L1) for each L1 of the 1-D array: the (0-based) k-th smallest of y - L1 x."""
    out = np.empty(L1.size)
    step = max(1, 2**22 // max(x.size, 1))  # bound the (len(L1), n) residual block to ~32 MB
    for s in range(0, L1.size, step):
        r = y[None, :] - L1[s:s + step, None] * x[None, :]
        out[s:s + step] = r.max(axis=1) if k == x.size - 1 else np.partition(r, k, axis=1)[:, k]
    return out


def _frontier(x: np.ndarray, y: np.ndarray, L1: np.ndarray, q: float) -> np.ndarray:
    flat = np.atleast_1d(np.asarray(L1, dtype=float)).ravel()
    out = _kth_residual(x, y, flat, _order_index(x.size, q))
    return np.maximum(out, 0.0).reshape(np.shape(L1))


class _BracketedKth:
    r"""The k-th smallest residual r_(k)(L1) for L1 in a bracket [lo, hi], on fewer points.

    Every residual r_i(L1) = y_i - L1 x_i (x_i >= 0) is non-increasing in L1, in floating point
    too (rounding is monotone), and so is r_(k). On [lo, hi] therefore
    r_(k)(hi) <= r_(k)(L1) <= r_(k)(lo). A point with y_i - lo x_i < r_(k)(hi) is strictly below
    the k-th value everywhere in the bracket, one with y_i - hi x_i > r_(k)(lo) strictly above;
    dropping the d points below and the points above leaves the same value as the (k - d)-th
    smallest of the rest: the same float, computed the same way, from far fewer points.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, k: int, lo: float, hi: float,
                 r_lo: float, r_hi: float):
        below = (y - lo * x) < r_hi
        keep = ~below & ~((y - hi * x) > r_lo)
        self.lo, self.hi = lo, hi
        self.x, self.y, self.k = x[keep], y[keep], k - int(np.count_nonzero(below))
        self._full = (x, y, k)

    def __call__(self, L1: np.ndarray) -> np.ndarray:
        if np.all((L1 >= self.lo) & (L1 <= self.hi)):
            return _kth_residual(self.x, self.y, L1, self.k)
        return _kth_residual(*self._full[:2], L1, self._full[2])  # outside: all points


_LEAF = 512  # brackets with at most this many candidate points are evaluated directly


def _kth_on_grid(x: np.ndarray, y: np.ndarray, grid: np.ndarray, k: int) -> np.ndarray:
    """:func:`_kth_residual` on an ascending grid, by bisection of brackets: exact at both ends,
    then at each bracket's middle point on the points that can hold rank k in that bracket
    (:class:`_BracketedKth`), whose halves inherit those points. Same values, O(n) work at the
    top and ever fewer points below."""
    if x.size <= _PRUNE_MIN_N or grid.size <= 2:
        return _kth_residual(x, y, grid, k)
    out = np.empty(grid.size)
    out[[0, -1]] = _kth_residual(x, y, grid[[0, -1]], k)
    stack = [(x, y, k, 0, grid.size - 1)]
    while stack:
        px, py, pk, a, b = stack.pop()
        if b - a <= 1:
            continue
        sub = _BracketedKth(px, py, pk, grid[a], grid[b], out[a], out[b])
        if b - a <= 4 or sub.x.size <= _LEAF:
            out[a + 1:b] = sub(grid[a + 1:b])
            continue
        m = (a + b) // 2
        out[m] = sub(grid[m:m + 1])[0]
        stack += [(sub.x, sub.y, sub.k, a, m), (sub.x, sub.y, sub.k, m, b)]
    return out


def envelope_frontier(x: Any, y: Any, L1_values: Any, quantile: float = 1.0) -> np.ndarray:
    r"""Smallest admissible L0 for each L1: the sample frontier of (L0, L1)-smoothness.

    .. math:: L_0^*(L_1) = \max\bigl(0,\; r_{(\lceil qn\rceil)}(L_1)\bigr),
              \qquad r_i(L_1) = y_i - L_1 x_i,

    where :math:`r_{(j)}` is the j-th smallest residual. For q = 1 this is
    :math:`\max_i (y_i - L_1 x_i)`, the sample version of
    :math:`\sup_x(\|\nabla^2 f\| - L_1\|\nabla f\|)` (README "Symbols"): every point lies on or
    below the line, and the frontier is convex and non-increasing in L1. For q < 1 it is the
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


_PRUNE_MIN_N = 256  # below this many points every point enters the hull / the partition
_PRUNE_MARGIN = 1e-9  # on unit-scaled data: far above rounding (1e-16) and _HULL_RTOL


def _hull_candidates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of unit-scaled (x, y) that can be vertices of their upper convex hull U.

    The support points argmax_i (y_i - s x_i) of a fan of slopes s = tan(theta), with the
    leftmost and the rightmost point, are samples; their piecewise-linear interpolant H is at
    each x a convex combination of samples, so H <= U. A point with y_i < H(x_i) - 1e-9 is
    strictly below U by far more than the hull's collinearity tolerance, never a vertex, and is
    dropped: the hull of the rest is the hull of all (the same vertices, so the same line) --
    exactly so in exact arithmetic; in floating point up to the hull's own collinearity
    tolerance (``_HULL_RTOL`` relative), where a near-collinear vertex may be kept or popped
    either way (the fitted slope then differs at that relative level; the line still covers
    every point, since L0 is taken over all of them).
    """
    if x.size <= _PRUNE_MIN_N:
        return x, y
    anchors = [int(np.argmin(x)), int(np.argmax(x))]
    for s in np.tan(np.linspace(-np.pi / 2, np.pi / 2, 35)[1:-1]):
        anchors.append(int(np.argmax(y - s * x)))
    ax, ay = x[anchors], y[anchors]
    o = np.lexsort((ay, ax))
    ax, ay = ax[o], ay[o]
    top = np.r_[ax[1:] != ax[:-1], True]  # the highest anchor at each x
    keep = y >= np.interp(x, ax[top], ay[top]) - _PRUNE_MARGIN
    return x[keep], y[keep]


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


def _ls_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    s = float(np.max(x)) or 1.0  # column scaling for conditioning
    res = optimize.lsq_linear(np.column_stack([np.ones_like(x), x / s]), y,
                              bounds=(0.0, np.inf), method="bvls")
    return float(res.x[0]), float(res.x[1] / s)


def _counts(x: np.ndarray, y: np.ndarray, L0: float, L1: float) -> tuple[int, int]:
    r, tol = y - L1 * x, _ON_LINE_RTOL * (y + L1 * x + L0)  # r as in the frontier: exact ties
    return int(np.sum(r >= L0 - tol)), int(np.sum(r > L0 + tol))


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
        As for :func:`envelope_fit` / :func:`regression_fit`.
    rng : numpy.random.Generator
        Source of randomness (required; no global state).
    fit : {"envelope", "regression"}
    quantile, grid_size : optional
        Passed to :func:`envelope_fit`.
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
