"""The gradient bound M of Assumption 4 on a sublevel set of a univariate function.

Assumption 4 of the paper (fixed-step GD, Thms 4 and 6): M = sup{|f'(x)| : f(x) <= f(x0)} < oo.
:func:`sublevel_gradient_sup` returns M and the sublevel set as a list of closed intervals.

**Exact route.** On each smooth piece (:func:`theory.smoothness.pieces.split_pieces`), the roots of
f − level (:func:`theory.expressions.symbolic.real_roots`) cut the piece into segments on which f −
level has one sign; a segment belongs to the set iff f <= level at one interior point (40 digits).
On a segment, |f'| is monotone between consecutive roots of f'' (where |f'| is smooth, i.e.
away from roots of f', |f'|' = ±f''; at roots of f' it is at a minimum), so

    sup |f'| = max( |f'| at the segment's finite ends and at the roots of f'' inside,
                    lim |f'| at an infinite end ),

limits from :func:`theory.expressions.symbolic.safe_limit`; 40-digit values, M rounded *up* to a
double.

**Guarded numeric route** (``certified=False``) for a piece where a root set or a limit is not
exact: a dense grid (geometric out to 1e6 on an infinite side), scipy ``brentq`` for the level
crossings and bounded maximisation of |f'| on each segment, padded up by 1e-12 relative.

An unbounded sublevel set is allowed when lim |f'| is finite at its infinite end (e^x at
level 1: the set is (-oo, 0], M = 1); otherwise ValueError names the problem. f is assumed C¹
(Assumption 2 gives C²): joins of pieces are not re-checked here (see
:mod:`theory.smoothness.certify`).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from theory.expressions.parsing import parse_expression, real_symbol
from theory.smoothness.pieces import Piece, split_pieces
from theory.smoothness.supremum import search_grid
from theory.expressions.symbolic import (ALL, DPS, ApproxRoots, float_safe, real_roots, safe_limit,
                                         to_rational)

__all__ = ["SublevelSup", "sublevel_gradient_sup"]

NUMERIC_PAD = 1e-12  # relative upward pad of a numeric supremum (location error of the maximiser)


@dataclass(frozen=True)
class SublevelSup:
    """Answer of :func:`sublevel_gradient_sup`.

    Attributes
    ----------
    M : float
        sup{|f'(x)| : f(x) <= level}, rounded up to a double when ``certified``.
    intervals : list of (float, float)
        The sublevel set as disjoint closed intervals (ends may be ±inf; a point is (a, a)).
    argmax : float or None
        Where M is attained; None when it is only approached at an infinite end.
    certified, method : bool, str
        True with ``"exact"`` when every piece took the exact route; else ``"numeric-guarded"``.
    level : float
        The level used.
    """

    M: float
    intervals: list
    argmax: float | None
    certified: bool
    method: str
    level: float


def _round_up(value) -> float:  # as in theory.smoothness.certify
    """Nearest double >= value (an mpf)."""
    f = float(value)
    return math.nextafter(f, math.inf) if mpmath.mpf(f) < value else f


def _mp(v) -> mpmath.mpf:
    if isinstance(v, mpmath.mpf):
        return v
    if v in (sp.oo, -sp.oo):
        return mpmath.inf if v == sp.oo else -mpmath.inf
    return mpmath.mpf(str(sp.N(v, DPS)))


def _abs_limit(f1: sp.Expr, x: sp.Symbol, end: sp.Expr, timeout):
    """lim |f'| at an infinite end as mpf (inf allowed); None when sympy cannot tell."""
    lim = safe_limit(f1, x, end, timeout)
    if lim is None or isinstance(lim, sp.AccumBounds):
        return None
    return abs(_mp(lim))


def _segments(cuts: list, inside) -> list[tuple]:
    """Closed segments between consecutive cut points whose interior lies in the set;
    a cut point (a root of f − level) with no neighbouring segment is a segment of its own."""
    out = []
    for a, b in itertools.pairwise(cuts):
        if a < b and inside(a, b):
            out.append((a, b))
    for r in cuts[1:-1]:
        if not any(a <= r <= b for a, b in out):
            out.append((r, r))
    return sorted(out)


def _exact_piece(piece: Piece, x, level, timeout):
    """[(segment, sup |f'| on it, argmax)] on the exact route; None if a step is not exact."""
    g, f1 = piece.expr - level, sp.diff(piece.expr, x)
    roots, crit = (real_roots(e, x, piece.lo, piece.hi, timeout) for e in (g, sp.diff(f1, x)))
    if any(r is None or isinstance(r, ApproxRoots) for r in (roots, crit)):
        return None
    lo, hi = _mp(piece.lo), _mp(piece.hi)
    with mpmath.workdps(DPS):
        g_mp, f1_mp = sp.lambdify(x, g, "mpmath"), sp.lambdify(x, f1, "mpmath")

        def inside(a, b):
            t = (a + b) / 2 if mpmath.isfinite(a) and mpmath.isfinite(b) else \
                (b - 1 if mpmath.isfinite(b) else (a + 1 if mpmath.isfinite(a) else 0))
            return roots == ALL or g_mp(mpmath.mpf(t)) <= 0

        cuts = [lo] + ([] if roots == ALL else [r for r in roots if lo < r < hi]) + [hi]
        out = []
        for a, b in _segments(cuts, inside):
            points = [p for p in (a, b) if mpmath.isfinite(p)]
            points += [] if crit == ALL else [c for c in crit if a < c < b]
            best, arg = max(((abs(f1_mp(p)), p) for p in points), default=(-mpmath.inf, None),
                            key=lambda v: v[0])
            for end, endv in ((-sp.oo, a), (sp.oo, b)):
                if not mpmath.isfinite(endv):
                    lim = _abs_limit(f1, x, end, timeout)
                    if lim is None:
                        return None
                    if lim > best:
                        best, arg = lim, None
            out.append(((a, b), best, arg))
    return out


def _numeric_piece(piece: Piece, x, level, timeout):
    """[(segment, sup |f'|, argmax)] by the guarded grid route (see the module docstring)."""
    from scipy.optimize import brentq, minimize_scalar  # only needed on this route

    lo = float(piece.lo) if piece.lo.is_finite else -np.inf
    hi = float(piece.hi) if piece.hi.is_finite else np.inf
    f1 = sp.diff(piece.expr, x)
    g = sp.lambdify(x, float_safe(piece.expr - level), ["scipy", "numpy"])
    d = sp.lambdify(x, float_safe(f1), ["scipy", "numpy"])
    xs = search_grid(lo, hi)
    with np.errstate(all="ignore"):
        gv = np.broadcast_to(np.asarray(g(xs), dtype=float), xs.shape)
        gv = np.where(np.isnan(gv), np.inf, gv)  # overflow or undefined: outside the set
        cuts = [float(xs[0])]
        for i in np.flatnonzero((gv[:-1] <= 0) != (gv[1:] <= 0)):
            a, b = xs[i], xs[i + 1]
            finite = np.isfinite(gv[i]) and np.isfinite(gv[i + 1])
            cuts.append(brentq(lambda z: float(g(z)), a, b, xtol=1e-15) if finite
                        else (a if gv[i] <= 0 else b))
        cuts.append(float(xs[-1]))
        out = []
        for a, b in _segments(cuts, lambda a, b: bool(g((a + b) / 2) <= 0)):
            ends = [a if a > xs[0] or np.isfinite(lo) else -np.inf,
                    b if b < xs[-1] or np.isfinite(hi) else np.inf]
            sub = np.linspace(a, b, 2001)
            vals = np.abs(np.broadcast_to(np.asarray(d(sub), dtype=float), sub.shape))
            k = int(np.nanargmax(vals))
            res = minimize_scalar(lambda z: -abs(float(d(z))), method="bounded",
                                  bounds=(sub[max(k - 1, 0)], sub[min(k + 1, len(sub) - 1)]),
                                  options={"xatol": 1e-12})
            best, arg = max((vals[k], sub[k]), (-res.fun, res.x))
            best = mpmath.mpf(float(best)) * (1 + NUMERIC_PAD)
            for end, endv in ((-sp.oo, ends[0]), (sp.oo, ends[1])):
                if np.isinf(endv):
                    lim = _abs_limit(f1, x, end, timeout)
                    if lim is None:
                        raise ValueError("the sublevel set reaches |x| = 1e6 and lim |f'| at "
                                         f"{end} is unknown: cannot bound M")
                    if lim > best:
                        best, arg = lim, None
            out.append(((mpmath.mpf(ends[0]), mpmath.mpf(ends[1])), best, arg))
    return out


def sublevel_gradient_sup(expr: sp.Expr | str, var: str = "x", level: float | None = None,
                          timeout: float | None = 10.0) -> SublevelSup:
    r"""M = sup{|f'(x)| : f(x) <= level} (Assumption 4 of the paper, with level = f(x0)).

    Parameters
    ----------
    expr : sympy.Expr or str
        Univariate f on R (``Abs`` and ``Piecewise`` allowed); a string goes through
        :func:`theory.expressions.parsing.parse_expression`. Floats are read as the decimals they
        show.
    var : str
        The variable's name.
    level : float or sympy number
        The level (a float is taken as its shortest decimal representation).
    timeout : float
        Seconds allowed to each symbolic step (roots, limits, the piecewise split).

    Returns a :class:`SublevelSup`.

    Raises
    ------
    ValueError
        No level, a non-finite level, other free symbols, an empty sublevel set
        (level < inf f), or M = oo (an unbounded sublevel set along which |f'| is unbounded).
    """
    if level is None:
        raise ValueError("level required (Assumption 4 uses level = f(x0))")
    x = real_symbol(var)
    if isinstance(expr, str):
        expr = parse_expression(expr, [var])
    expr = sp.sympify(expr).subs({s: real_symbol(s.name) for s in sp.sympify(expr).free_symbols})
    if expr.free_symbols - {x}:
        raise ValueError(f"univariate f in {var} required, got symbols {expr.free_symbols}")
    if isinstance(level, (int, float, np.integer, np.floating)):
        lev = sp.Rational(repr(float(level))) if math.isfinite(float(level)) else sp.oo
    else:
        lev = to_rational(sp.sympify(level))
    if not (lev.is_real and lev.is_finite):
        raise ValueError(f"finite real level required, got level={level!r}")
    pieces, _ = split_pieces(to_rational(expr), x, timeout)
    found, certified = [], True
    for piece in pieces:
        part = _exact_piece(piece, x, lev, timeout)
        if part is None:
            part, certified = _numeric_piece(piece, x, lev, timeout), False
        found += part
    if not found:
        raise ValueError(f"the sublevel set {{f <= {float(lev):g}}} is empty: level < inf f")
    best = max(found, key=lambda s: s[1])
    if best[1] == mpmath.inf:
        raise ValueError(f"M = sup |f'| on {{f <= {float(lev):g}}} is infinite: the sublevel set "
                         "is unbounded and |f'| grows without bound along it")
    merged: list[list] = []
    for (a, b), _, _ in sorted(found, key=lambda s: s[0]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return SublevelSup(_round_up(best[1]), [(float(a), float(b)) for a, b in merged],
                       None if best[2] is None else float(best[2]), certified,
                       "exact" if certified else "numeric-guarded", float(lev))
