"""sup over one smooth piece of g(x; L1) = |f''(x)| - L1|f'(x)|, exactly or by a guarded search.

See :mod:`theory.certify` for the argument that the supremum is attained on the finite set
roots(f') ∪ roots(f'') ∪ roots(f''' - L1 f'') ∪ roots(f''' + L1 f''), the finite ends of the
piece, or approached at an infinite end (whose limit :mod:`theory.tails` supplies).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from theory.pieces import Piece
from theory.symbolic import ALL, DPS, real_roots

__all__ = ["PieceSupremum", "piece_supremum"]


@dataclass(frozen=True)
class PieceSupremum:
    """Supremum ``value`` (mpf, may be +-inf), where it is attained, and how it was found."""

    value: object
    argmax: object
    method: str
    certified: bool


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
                        (sp.lambdify(x, f1, ["scipy", "numpy"]), sp.lambdify(x, f2, ["scipy", "numpy"])),
                        bool(piece.expr.is_polynomial(x)))


@functools.lru_cache(maxsize=1024)
def _roots(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr, timeout: float | None):
    return real_roots(expr, x, lo, hi, timeout)


def _exact(piece: Piece, x, L1, d: _Derivatives, tails, timeout) -> PieceSupremum | None:
    sets = [_roots(e, x, piece.lo, piece.hi, timeout)
            for e in (d.f1, d.f2, sp.expand(d.f3 - L1 * d.f2), sp.expand(d.f3 + L1 * d.f2))]
    if any(s is None for s in sets):
        return None
    points = [mpmath.mpf(str(sp.N(e, DPS))) for e in (piece.lo, piece.hi) if e.is_finite]
    points += [r for s in sets if s is not ALL for r in s]
    best, argmax = -mpmath.inf, None
    with mpmath.workdps(DPS):
        l1 = mpmath.mpf(str(sp.N(L1, DPS)))
        for p in points:
            value = abs(d.mp[1](p)) - l1 * abs(d.mp[0](p))
            if value > best:
                best, argmax = value, p
    for t in tails:
        if t > best:  # approached, not attained, at an infinite end
            best, argmax = t, None
    method = "exact-polynomial" if d.polynomial else "exact-symbolic"
    return PieceSupremum(best, argmax, method, True)


def _grid(piece: Piece) -> np.ndarray:
    lo = float(piece.lo) if piece.lo.is_finite else -np.inf
    hi = float(piece.hi) if piece.hi.is_finite else np.inf
    anchor = min(max(0.0, lo), hi)
    offsets = np.concatenate([np.linspace(0, 50, 4001), np.logspace(-6, 6, 3000)])
    grid = np.concatenate([anchor - offsets, anchor + offsets])
    if np.isfinite(lo) and np.isfinite(hi):
        grid = np.concatenate([grid, np.linspace(lo, hi, 4001)])
    return np.unique(np.clip(grid, lo, hi))


def _numeric(piece: Piece, L1, d: _Derivatives, tails) -> PieceSupremum:
    """Guarded grid search plus bounded refinement; never certified."""
    from scipy.optimize import minimize_scalar  # 0.5 s import, only needed on this route
    l1 = float(L1)
    xs = _grid(piece)

    def g(z):
        with np.errstate(all="ignore"):
            return np.abs(np.asarray(d.np[1](z), dtype=float)) - \
                l1 * np.abs(np.asarray(d.np[0](z), dtype=float))

    values = np.broadcast_to(g(xs), xs.shape).copy()
    ok = np.isfinite(values)
    if not ok.any():
        return PieceSupremum(mpmath.inf, None, "numeric-guarded", False)
    xs, values = xs[ok], values[ok]
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
        outer, inner = side * (xs - anchor) > 1e3, np.abs(xs - anchor) <= 1e3
        inner_best = values[inner].max() if inner.any() else -np.inf
        at_edge = i == (len(xs) - 1 if side == 1 else 0)
        growing = outer.any() and values[outer].max() > inner_best + 1e-6 * abs(inner_best) + 1e-9
        if at_edge or growing:
            return PieceSupremum(mpmath.inf, None, "numeric-guarded", False)
    best, argmax = values[i], xs[i]
    interior = np.flatnonzero((values[1:-1] >= values[:-2]) & (values[1:-1] >= values[2:])) + 1
    for j in interior[np.argsort(values[interior])[-10:]]:
        res = minimize_scalar(lambda z: -float(g(z)), bounds=(xs[j - 1], xs[j + 1]),
                              method="bounded", options={"xatol": 1e-12})
        if np.isfinite(res.fun) and -res.fun > best:
            best, argmax = -res.fun, res.x
    best_mp = mpmath.mpf(float(best))
    for _, t in tails:
        if t is not None and t >= best_mp:
            best_mp, argmax = t, None
    return PieceSupremum(best_mp, None if argmax is None else mpmath.mpf(float(argmax)),
                         "numeric-guarded", False)


def piece_supremum(piece: Piece, x: sp.Symbol, L1: sp.Expr, ends: list,
                   timeout: float | None = 5.0) -> PieceSupremum:
    """sup_{x in piece} |f''| - L1|f'| (exact when roots and tail limits are exact).

    ``ends`` are the :class:`theory.tails.EndBehaviour` of this piece's infinite ends.
    """
    d = _derivatives(piece, x)
    tails = [(e, e.tail_limit(L1)) for e in ends]
    if all(t is not None for _, t in tails):
        exact = _exact(piece, x, L1, d, [t for _, t in tails], timeout)
        if exact is not None:
            return exact
    return _numeric(piece, L1, d, tails)
