"""sup over one smooth piece of g(x; L1) = |f''(x)| - L1|f'(x)|, exactly or by a guarded search.

See :mod:`theory.smoothness.certify` for the argument that the supremum is attained on the finite
set roots(f') ∪ roots(f'') ∪ roots(f''' - L1 f'') ∪ roots(f''' + L1 f''), the finite ends of the
piece, or approached at an infinite end (whose limit :mod:`theory.smoothness.tails` supplies).
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from theory.smoothness.pieces import Piece
from theory.expressions.symbolic import (ALL, DPS, ApproxRoots, SymbolicTimeout, float_safe,
                             real_roots_checked, time_limit)

__all__ = ["PieceSupremum", "piece_supremum"]


@dataclass(frozen=True)
class PieceSupremum:
    """Supremum ``value`` (mpf, may be +-inf), where it is attained, and how it was found."""

    value: object
    argmax: object
    method: str
    certified: bool
    undecided: str | None = None  # numeric route: why no verdict (not evidence of infinity)


@dataclass(frozen=True)
class _Derivatives:
    f1: sp.Expr
    f2: sp.Expr
    f3: sp.Expr
    mp: tuple          # mpmath callables for f', f''
    np: tuple          # numpy callables for f', f''
    polynomial: bool


@functools.lru_cache(maxsize=256)
def _derivatives(piece: Piece, x: sp.Symbol) -> _Derivatives:
    f1 = sp.diff(piece.expr, x)
    f2 = sp.diff(f1, x)
    f3 = sp.diff(f2, x)
    return _Derivatives(f1, f2, f3, (sp.lambdify(x, f1, "mpmath"), sp.lambdify(x, f2, "mpmath")),
                        (sp.lambdify(x, float_safe(f1), ["scipy", "numpy"]),
                         sp.lambdify(x, float_safe(f2), ["scipy", "numpy"])),
                        bool(piece.expr.is_polynomial(x)))


_ROOTS: dict = {}
_ROOTS_LOCK = threading.Lock()
MAX_CACHED_ROOTS = 1024


def _roots(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr, timeout: float | None):
    """:func:`real_roots`, cached; an answer cut short by the time limit is not cached (with
    more time, e.g. outside a spent budget, the roots may be found)."""
    key = (expr, x, lo, hi, timeout)
    with _ROOTS_LOCK:
        if key in _ROOTS:
            return _ROOTS[key]
    roots, timed_out = real_roots_checked(expr, x, lo, hi, timeout)
    if not timed_out:
        with _ROOTS_LOCK:
            if len(_ROOTS) >= MAX_CACHED_ROOTS:
                del _ROOTS[next(iter(_ROOTS))]
            _ROOTS[key] = roots
    return roots


@functools.lru_cache(maxsize=256)
def _end_values(piece: Piece, x: sp.Symbol) -> tuple:
    """(f'(b), f''(b)) at each finite end b, as one-sided limits where substitution fails."""
    out = []
    d = _derivatives(piece, x)
    for b, direction in ((piece.lo, "+"), (piece.hi, "-")):
        if not b.is_finite:
            continue
        pair = []
        for e in (d.f1, d.f2):
            v = e.subs(x, b)
            if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
                v = sp.limit(e, x, b, dir=direction)
            pair.append(mpmath.mpf(str(sp.N(v, DPS))))
        out.append((mpmath.mpf(str(sp.N(b, DPS))), pair[0], pair[1]))
    return tuple(out)


def _g_at(d: _Derivatives, x: sp.Symbol, p, l1):
    """|f''(p)| - l1|f'(p)| in 40 digits; a removable singularity falls back to sympy limits."""
    try:
        return abs(d.mp[1](p)) - l1 * abs(d.mp[0](p))
    except (ZeroDivisionError, ValueError):
        point = sp.Float(str(p), DPS)
        v1, v2 = (mpmath.mpf(str(sp.N(sp.limit(e, x, point), DPS))) for e in (d.f1, d.f2))
        return abs(v2) - l1 * abs(v1)


def _exact(piece: Piece, x, L1, d: _Derivatives, tails, timeout) -> PieceSupremum | None:
    try:
        with time_limit(timeout):  # the expansion alone takes seconds for (x + 1)**999
            shifted = [sp.expand(d.f3 - L1 * d.f2), sp.expand(d.f3 + L1 * d.f2)]
    except SymbolicTimeout:
        return None
    sets = []
    for e in (d.f1, d.f2, *shifted):
        sets.append(_roots(e, x, piece.lo, piece.hi, timeout))
        if sets[-1] is None:  # one unknown root set: no exact answer; skip the others
            return None
    best, argmax = -mpmath.inf, None
    with mpmath.workdps(DPS):
        l1 = mpmath.mpf(str(sp.N(L1, DPS)))
        for p, v1, v2 in _end_values(piece, x):
            value = abs(v2) - l1 * abs(v1)
            if value > best:
                best, argmax = value, p
        for p in (r for s in sets if s is not ALL for r in s):
            value = _g_at(d, x, p, l1)
            if value > best:
                best, argmax = value, p
    for t in tails:
        if t > best:  # approached, not attained, at an infinite end
            best, argmax = t, None
    if any(isinstance(s, ApproxRoots) for s in sets):
        return PieceSupremum(best, argmax, "numeric-polynomial", False)
    method = "exact-polynomial" if d.polynomial else "exact-symbolic"
    return PieceSupremum(best, argmax, method, True)


def _grid(piece: Piece) -> np.ndarray:
    lo = float(piece.lo) if piece.lo.is_finite else -np.inf
    hi = float(piece.hi) if piece.hi.is_finite else np.inf
    return search_grid(lo, hi)


def search_grid(lo: float, hi: float) -> np.ndarray:
    """Dense search grid on [lo, hi]: linear near the origin (or the nearer end), geometric out
    to 1e6, plus a uniform grid across a finite interval."""
    anchor = min(max(0.0, lo), hi)
    offsets = np.concatenate([np.linspace(0, 50, 4001), np.logspace(-6, 6, 3000)])
    grid = np.concatenate([anchor - offsets, anchor + offsets])
    if np.isfinite(lo) and np.isfinite(hi):
        grid = np.concatenate([grid, np.linspace(lo, hi, 4001)])
    return np.unique(np.clip(grid, lo, hi))


NUMERIC_PAD = 1e-12  # relative upward pad of numeric estimates (location error of the maximiser)
MAX_MP_POINTS = 3000  # grid points re-evaluated in mpmath when double precision fails
MAX_DIGITS = 300      # most digits spent on one cancelling point
UNEVALUABLE = "f'' and f' cancel beyond 300 digits (or f is undefined) on an unexplored side"


def _mp_value(d: _Derivatives, x: float, l1: float):
    """g(x) in enough digits that cancellation between |f''| and l1|f'| leaves 1e-9 relative
    accuracy (up to MAX_DIGITS); None when that is not reachable or f is undefined there."""
    digits = DPS
    while digits <= MAX_DIGITS:
        with mpmath.workdps(digits):
            try:
                a1, a2 = abs(d.mp[0](mpmath.mpf(x))), abs(d.mp[1](mpmath.mpf(x)))
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
            value = a2 - l1 * a1
            if not (mpmath.isfinite(value) and mpmath.im(value) == 0):
                return None
            scale = a2 + l1 * a1
            if scale == 0 or abs(value) > scale * mpmath.mpf(10) ** (9 - digits):
                return +mpmath.re(value)
            digits = min(MAX_DIGITS + 1, digits + int(mpmath.log10(scale / max(abs(value),
                                                                          1e-300))) + 10)
    return None


def _grid_values(d: _Derivatives, xs: np.ndarray, l1: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """g on the grid; points where double precision fails (overflow, or cancellation: rounding
    error above 1e-9 of |g|) are re-evaluated in as many digits as the cancellation needs.

    Returns the points kept, their values (mpf where re-evaluated) and the points that could
    not be evaluated reliably (cancellation beyond MAX_DIGITS, e.g. e^x - (e^x - 2x) at 1e6).
    """
    with np.errstate(all="ignore"):
        a1 = np.abs(np.broadcast_to(np.asarray(d.np[0](xs), dtype=float), xs.shape))
        a2 = np.abs(np.broadcast_to(np.asarray(d.np[1](xs), dtype=float), xs.shape))
        values = a2 - l1 * a1
        error = 8 * np.finfo(float).eps * (a2 + l1 * a1)
        poor = ~np.isfinite(values) | (error > 1e-9 * np.maximum(1.0, np.abs(values)))
    out = values.astype(object)
    keep = ~poor
    idx = np.flatnonzero(poor)
    if len(idx) > MAX_MP_POINTS:
        idx = idx[np.linspace(0, len(idx) - 1, MAX_MP_POINTS).astype(int)]
    unreliable = []
    for i in idx:
        value = _mp_value(d, float(xs[i]), l1)
        if value is None:
            unreliable.append(xs[i])
        else:
            out[i], keep[i] = value, True
    return xs[keep], out[keep], np.array(unreliable)


def _kinks(d: _Derivatives, xs: np.ndarray) -> list[float]:
    """Roots of f' and f'' bracketed by sign changes on the grid, refined by brentq."""
    from scipy.optimize import brentq

    roots = []
    for fn in d.np:
        with np.errstate(all="ignore"):
            v = np.broadcast_to(np.asarray(fn(xs), dtype=float), xs.shape)
        ok = np.isfinite(v[:-1]) & np.isfinite(v[1:])
        for i in np.flatnonzero(ok & (np.sign(v[:-1]) * np.sign(v[1:]) < 0))[:2000]:
            try:
                roots.append(brentq(lambda z: float(fn(z)), xs[i], xs[i + 1], xtol=1e-15))
            except (ValueError, RuntimeError):
                continue
    return roots


def _numeric(piece: Piece, x: sp.Symbol, L1, d: _Derivatives, tails) -> PieceSupremum:
    """Guarded grid search, kink roots and bounded refinement; never certified."""
    with np.errstate(all="ignore"):
        return _numeric_search(piece, x, float(L1), d, tails)


def _numeric_search(piece, x, l1, d, tails) -> PieceSupremum:
    from scipy.optimize import minimize_scalar  # 0.5 s import, only needed on this route

    none = PieceSupremum(mpmath.inf, None, "numeric-guarded", False)
    xs, values, unreliable = _grid_values(d, _grid(piece), l1)
    if len(xs) == 0:
        return PieceSupremum(None, None, "numeric-guarded", False, UNEVALUABLE)
    i = int(np.argmax(values))
    # Guards for an infinite side whose tail limit is unknown: a maximum at the edge of the
    # searched region, or a supremum still growing between |x - anchor| <= 1e3 and <= 1e6,
    # means the supremum may be infinite: report no finite L0.
    known = {e.end: t is not None for e, t in tails}
    anchor = min(max(0.0, float(piece.lo) if piece.lo.is_finite else -np.inf),
                 float(piece.hi) if piece.hi.is_finite else np.inf)
    for side, end in ((1, sp.oo), (-1, -sp.oo)):
        if (end == sp.oo and piece.hi.is_finite) or (end == -sp.oo and piece.lo.is_finite) \
                or known.get(end, False):
            continue
        if (side * (unreliable - anchor) > 0).any():  # cannot see that side: no verdict
            return PieceSupremum(None, None, "numeric-guarded", False, UNEVALUABLE)
        outer, inner = side * (xs - anchor) > 1e3, np.abs(xs - anchor) <= 1e3
        inner_best = max(values[inner]) if inner.any() else -mpmath.inf
        at_edge = i == (len(xs) - 1 if side == 1 else 0)
        growing = outer.any() and max(values[outer]) > inner_best + 1e-6 * abs(inner_best) + 1e-9
        if growing:  # evidence that the supremum is infinite
            return none
        if at_edge:  # the sup may be approached at infinity, or lie beyond: no verdict
            return PieceSupremum(None, None, "numeric-guarded", False,
                                 "the maximum sits at the edge of the search (|x| = 1e6) and "
                                 "the tail limit is unknown")
    best, argmax = values[i], xs[i]
    candidates = list(_kinks(d, xs))
    interior = np.flatnonzero([values[k] >= values[k - 1] and values[k] >= values[k + 1]
                               for k in range(1, len(values) - 1)]) + 1
    order = sorted(interior, key=lambda k: values[k])[-10:]
    for j in order:
        res = minimize_scalar(lambda z: -float(abs(d.np[1](z)) - l1 * abs(d.np[0](z))),
                              bounds=(xs[j - 1], xs[j + 1]), method="bounded",
                              options={"xatol": 1e-12})
        candidates.append(res.x)
    with mpmath.workdps(DPS):
        for c in candidates:
            try:
                value = _g_at(d, x, mpmath.mpf(float(c)), l1)
            except (ValueError, TypeError, ZeroDivisionError):
                continue
            if mpmath.isfinite(value) and value > best:
                best, argmax = value, c
    best_mp = mpmath.mpf(best)
    best_mp += abs(best_mp) * NUMERIC_PAD
    for _, t in tails:
        if t is not None and t > best_mp:
            best_mp, argmax = t, None
    return PieceSupremum(best_mp, None if argmax is None else mpmath.mpf(float(argmax)),
                         "numeric-guarded", False)


def piece_supremum(piece: Piece, x: sp.Symbol, L1: sp.Expr, ends: list,
                   timeout: float | None = 10.0) -> PieceSupremum:
    """sup_{x in piece} |f''| - L1|f'| (exact when roots and tail limits are exact).

    ``ends`` are the :class:`theory.smoothness.tails.EndBehaviour` of this piece's infinite ends.
    """
    d = _derivatives(piece, x)
    tails = [(e, e.tail_limit(L1)) for e in ends]
    if all(t is not None for _, t in tails):
        exact = _exact(piece, x, L1, d, [t for _, t in tails], timeout)
        if exact is not None:
            return exact
    return _numeric(piece, x, L1, d, tails)
