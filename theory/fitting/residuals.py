r"""Residuals of a line, their order statistics, and the points that can matter.

For samples (x_i, y_i), x_i, y_i >= 0, and a slope L1 the residuals are r_i(L1) = y_i - L1 x_i;
the sample frontier of (L0, L1)-smoothness (docs/statements.md §1, "The frontier L0*(L1)"; §6,
"Fitting (L0, L1)") is an order statistic of them,

    L0*_q(L1) = max(0, r_(ceil(q n))(L1)),

the largest residual for q = 1. :func:`_kth_residual` computes r_(k)(L1) for many slopes at
once, in bounded memory.

Pruning, exact: the bootstrap refits thousands of resamples, so two helpers drop points that
cannot change the answer, leaving the same floats computed the same way.

* :class:`_BracketedKth` -- every r_i(L1) is non-increasing in L1 (in floating point too), so on
  a bracket [lo, hi] a point strictly below r_(k)(hi) at lo, or strictly above r_(k)(lo) at hi,
  never holds rank k there; :func:`_kth_on_grid` bisects a grid into such brackets.
* :func:`_hull_candidates` -- a point below the interpolant of a fan of support points is never
  a vertex of the upper convex hull (the q = 1 fit of :mod:`theory.fitting.envelope`).

Below ``_PRUNE_MIN_N`` (256) points every point is used.
"""
from __future__ import annotations

import math

import numpy as np

_PRUNE_MIN_N = 256  # below this many points every point enters the hull / the partition
_PRUNE_MARGIN = 1e-9  # on unit-scaled data: far above rounding (1e-16) and the hull's 1e-12
_LEAF = 512  # brackets with at most this many candidate points are evaluated directly


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


def _hull_candidates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of unit-scaled (x, y) that can be vertices of their upper convex hull U.

    The support points argmax_i (y_i - s x_i) of a fan of slopes s = tan(theta), with the
    leftmost and the rightmost point, are samples; their piecewise-linear interpolant H is at
    each x a convex combination of samples, so H <= U. A point with y_i < H(x_i) - 1e-9 is
    strictly below U by far more than the hull's collinearity tolerance, never a vertex, and is
    dropped: the hull of the rest is the hull of all (the same vertices, so the same line) --
    exactly so in exact arithmetic; in floating point up to the hull's own collinearity
    tolerance (``_HULL_RTOL`` relative, :mod:`theory.fitting.envelope`), where a near-collinear
    vertex may be kept or popped either way (the fitted slope then differs at that relative
    level; the line still covers every point, since L0 is taken over all of them).
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
