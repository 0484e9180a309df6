"""Certified worst-case witnesses of the 1-D (L0,L1) class (docs/statements.md §5c, ours).

The 1-D supremum of T_ε (:mod:`theory.statements.worstcase`) is approached by a slope whose
gradient is held just above ε. These members realise it, each certified by
:func:`theory.functions.toolkit.analyse` (C² joins, |f''| <= L0 + L1|f'| exactly on every
piece, f*, Δ and M decided exactly):

* **B_δ** (:func:`bowl_slope`): construction B's quartic bowl of half-width w with the slope
  s = (1 + δ)ε instead of 2ε: f = (s/2)(3x²/(2w) − x⁴/(4w³)) on [−w, w], 5sw/8 + s(|x| − w)
  beyond; f'' <= 3s/(2w) <= L0 (w = max{1/2, 3s/(2L0)}), f* = 0, x0 = w + (Δ − 5sw/8)/s;
  M = s by symmetry (:func:`bowl_member`: even, convex on [0, ∞), so the sublevel set is
  [−x0, x0]).
  Every step on the slope lowers f by h(s)s², so T_ε ≈ Δ/(h(s)s²): without dips it reaches
  D*(ε, ε, h(ε)ε)/(h(ε)ε²) of the supremum (≈ 1 − (L0 + L1ε)h/4).
* **the walled slope** (:func:`walled_slope`, for Thm 6, whose step depends on M): B_δ with its
  left side replaced by a wall f = 5sw/8 + s·sinh(κu)/κ, u = −w − x >= 0, which joins C²
  (f'' = sκ sinh(κu) vanishes at u = 0) and is a member for κ <= L1
  (sκ sinh(κu) <= L1 s cosh(κu) = L1|f'|). The wall meets the level f(x0) = Δ where
  sinh(κu) = z = κ(Δ − 5sw/8)/s, so M = s·sqrt(1 + z²) exactly; κ = sqrt(M² − s²)/(Δ − 5sw/8)
  (rounded down to a rational, capped at L1) makes M the class's M. GD from x0 on the right
  slope never meets the wall: the count is B_δ's, with Thm 6's step at this M.
* **the extremal function** (:func:`extremal_member`): (a/L1)(e^{L1|x|} − L1|x| − 1) from
  x0 = s₀(M); it is even and increasing in |x|, so its sublevel set is [−x0, x0] and
  M = f'(x0) exactly (checked symbolically); GD with h >= h_2c never converges on it.
"""
from __future__ import annotations

import dataclasses
import math

import sympy as sp

from theory.expressions.symbolic import to_rational
from theory.functions.toolkit import Construction, analyse, construction

__all__ = ["DEFAULT_DELTA", "bowl_width", "bowl_slope", "bowl_member", "walled_slope",
           "walled_member", "extremal_member", "pieces_json",
           "wall_kappa"]

DEFAULT_DELTA = sp.Rational(1, 100)  # the slope is (1 + δ)ε


def _q(value: float) -> sp.Rational:
    return to_rational(sp.Float(repr(float(value))))


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} > 0 finite required, got {name}={v!r}")


def _edge(v: sp.Expr) -> str:
    return "-oo" if v == -sp.oo else "oo" if v == sp.oo else str(v)


def pieces_json(c: Construction) -> list[list[str]]:
    """[[expr, lo, hi], ...] of a construction, sympy strings, ``-oo``/``oo`` at the ends (the
    ``witness.pieces`` of ``synthetic worst-case``; :func:`construction` reads them back)."""
    return [[str(p.expr), _edge(p.lo), _edge(p.hi)] for p in c.pieces]


def bowl_width(s: sp.Expr, L0: float) -> sp.Rational:
    """w = max{1/2, 3s/(2 L0)} rounded up to a rational: the bowl's f'' <= 3s/(2w) <= L0."""
    need = 3 * s / (2 * _q(L0))
    return max(sp.Rational(1, 2), need)


def _bowl_pieces(s, w):
    x = sp.Symbol("x", real=True)
    depth = 5 * s * w / 8
    bowl = (s / 2) * (3 * x**2 / (2 * w) - x**4 / (4 * w**3))
    return x, depth, bowl


def _delta(delta) -> sp.Rational:
    d = sp.Rational(delta) if not isinstance(delta, float) else _q(delta)
    if not d > 0:
        raise ValueError(f"delta > 0 required, got delta={delta!r}")
    return d


def bowl_slope(eps: float, Delta: float, L0: float, delta=DEFAULT_DELTA) -> Construction:
    """B_δ: slope (1 + δ)ε beyond a quartic bowl (module docstring); needs Δ > 5sw/8. When Δ
    is too small for w = max{1/2, 3s/(2L0)}, the narrowest bowl w = 3s/(2L0) (f'' <= L0 still)
    is used: the 1/2 is in absolute x-units and refused members that exist."""
    _positive(eps=eps, Delta=Delta, L0=L0)
    s, w = _slope_and_width(eps, L0, delta, Delta)
    D = _q(Delta)
    x, depth, bowl = _bowl_pieces(s, w)
    if not D > depth:
        raise ValueError(f"Delta > {float(depth):.6g} (the bowl's depth 5sw/8) required for "
                         f"B_delta, got Delta={Delta}")
    return construction("B_delta", [(depth + s * (-x - w), -sp.oo, -w), (bowl, -w, w),
                                    (depth + s * (x - w), w, sp.oo)], w + (D - depth) / s,
                        params={"eps": eps, "Delta": Delta, "L0": L0, "delta": float(delta),
                                "slope": float(s), "w": float(w)},
                        note="docs/statements.md §5c B_δ: slope (1 + δ)ε, certified member")


def _slope_and_width(eps: float, L0: float, delta, Delta: float
                     ) -> tuple[sp.Rational, sp.Rational]:
    """s = (1 + δ)ε and the bowl's half-width w (exact rationals): :func:`bowl_width`, or the
    narrowest bowl 3s/(2L0) (f'' <= L0 still) when Δ leaves no room for that one (its 1/2 is in
    absolute x-units and refused members that exist)."""
    s = (1 + _delta(delta)) * _q(eps)
    w = bowl_width(s, L0)
    if not _q(Delta) > 5 * s * w / 8:
        w = 3 * s / (2 * _q(L0))
    return s, w


def wall_kappa(s: sp.Expr, depth: sp.Expr, L1: float, M: float, Delta: float) -> sp.Rational:
    """κ = min{L1, sqrt(M² − s²)/(Δ − depth)} as a rational not above the real value, so the
    wall's M = s·sqrt(1 + (κ(Δ − depth)/s)²) does not exceed M."""
    target = math.sqrt(max(M * M - float(s) ** 2, 0.0)) / (Delta - float(depth))
    k = min(float(L1), target) * (1 - 1e-12)
    if not k > 0:
        raise ValueError(f"M > slope required for a wall, got M={M!r}")
    return to_rational(sp.Float(repr(k)))


def walled_slope(L0: float, L1: float, M: float, eps: float, Delta: float,
                 delta=DEFAULT_DELTA) -> Construction:
    """B_δ with a sinh wall on the left reaching |f'| = M on the sublevel set (module
    docstring): the Thm 6 witness. Needs L1 > 0, M > (1 + δ)ε and Δ > 5sw/8."""
    _positive(L0=L0, L1=L1, M=M, eps=eps, Delta=Delta)
    s, w = _slope_and_width(eps, L0, delta, Delta)
    if not M > float(s):
        raise ValueError(f"M > (1 + delta)*eps required for the wall, got M={M}, eps={eps}")
    x, depth, bowl = _bowl_pieces(s, w)
    D = _q(Delta)
    if not D > depth:
        raise ValueError(f"Delta > {float(depth):.6g} (the bowl's depth) required, got "
                         f"Delta={Delta}")
    k = wall_kappa(s, depth, L1, M, Delta)
    wall = depth + s * sp.sinh(k * (-x - w)) / k
    return construction("walled_slope", [(wall, -sp.oo, -w), (bowl, -w, w),
                                         (depth + s * (x - w), w, sp.oo)], w + (D - depth) / s,
                        params={"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta,
                                "delta": float(delta), "slope": float(s), "w": float(w),
                                "kappa": float(k)},
                        note="docs/statements.md §5c walled slope: Thm 6's witness")


def bowl_member(L0: float, L1: float, M: float, eps: float, Delta: float,
                delta=DEFAULT_DELTA, *, timeout: float | None = 10.0):
    """(construction, report) of :func:`bowl_slope`, its M certified by symmetry
    (:func:`theory.functions.toolkit.analyse` with ``symmetric=True``): B_δ is even, and
    convex on [0, ∞) (f'' = (3s/(2w))(1 − x²/w²) >= 0 on [0, w], 0 beyond), f'(0) = 0 and
    f'(x0) = s > 0, so {f <= f(x0)} = [−x0, x0], M = s and f* = f(0) = 0; analyse decides each
    premise exactly, and searches should it refuse."""
    c = bowl_slope(eps, Delta, L0, delta)
    try:
        return c, analyse(c, L0, L1, M=M, Delta=Delta, timeout=timeout, symmetric=True)
    except ValueError:
        return c, analyse(c, L0, L1, M=M, Delta=Delta, timeout=timeout)


def extremal_member(L0: float, L1: float, M: float, Delta: float | None = None, *,
                    timeout: float | None = 10.0):
    """(construction, report) of the extremal function from x0 = s₀(M), its M certified by
    the symmetry argument of the module docstring (even, f'' > 0 for x > 0, f'(x0) = M exactly)
    instead of the sublevel root search: :func:`~theory.functions.toolkit.analyse` with
    ``symmetric=True`` decides the premises exactly; where it refuses (or the report is
    not a member), the search's report with the closed-form checks below."""
    from theory.functions.constructions import extremal

    c = extremal(L0, L1, M)
    right = c.pieces[-1].expr
    gap = sp.diff(right, c.var).subs(c.var, c.x0) - _q(M)
    if gap == 0 or sp.simplify(gap) == 0:  # f'(x0) = M exactly: M is the class's M as given
        try:
            report = analyse(c, L0, L1, M=M, Delta=Delta, timeout=timeout, symmetric=True)
        except ValueError:
            report = None
        if report is not None and report.member:
            return c, dataclasses.replace(report, M=float(M))
    report = analyse(c, L0, L1, M=M, Delta=Delta, timeout=timeout)
    slope_at_x0 = sp.simplify(sp.diff(right, c.var).subs(c.var, c.x0))
    exact_M = sp.simplify(slope_at_x0 - _q(M)) == 0
    convex = sp.simplify(sp.diff(right, c.var, 2) - _q(L0) * sp.exp(_q(L1) * c.var)) == 0
    if not (exact_M and convex and report.member):
        return c, report
    uncertain = [u for u in report.uncertain if not u.startswith("M on the sublevel set")]
    return c, dataclasses.replace(report, M=float(M), M_certified=True, uncertain=uncertain,
                                  certified=not uncertain)


def walled_member(L0: float, L1: float, M: float, eps: float, Delta: float,
                  delta=DEFAULT_DELTA):
    """(construction, report) of :func:`walled_slope`, certified without a symbolic search on the
    wall: the bowl and the right slope are B_δ's (:func:`analyse`), the joins are checked
    exactly, and on the wall |f''| − L1|f'| = s(κ sinh(κu) − L1 cosh(κu)) <= 0 <= L0 because
    κ <= L1 (an exact rational comparison); f* = 0 (the wall is >= 5sw/8 > 0), Δ = f(x0) and
    M = s·sqrt(1 + z²), z = κ(Δ − 5sw/8)/s, in closed form (module docstring)."""
    from theory.functions.toolkit import PieceCheck, check_joins

    c = walled_slope(L0, L1, M, eps, Delta, delta)
    _, base = bowl_member(L0, L1, None, eps, Delta, delta)
    k, (s, w) = _q(c.params["kappa"]), _slope_and_width(eps, L0, delta, Delta)
    u = sp.Symbol("u", nonnegative=True)
    wall = c.pieces[0].expr.subs(c.var, -w - u)
    f1, f2 = -sp.diff(wall, u), sp.diff(wall, u, 2)  # f'(x) = −d/du, f''(x) = d²/du²
    shape = all(d == 0 or sp.simplify(d) == 0  # sympy cancels them as built: no simplify
                for d in (f1 + s * sp.cosh(k * u), f2 - s * k * sp.sinh(k * u)))
    argument = shape and bool(k <= _q(L1))
    wall_check = PieceCheck(float(c.pieces[0].lo), float(c.pieces[0].hi), str(c.pieces[0].expr),
                            0.0 if argument else None, argument, argument,
                            "argument: κ <= L1, κ sinh <= L1 cosh")
    depth = 5 * s * w / 8
    z = k * (_q(Delta) - depth) / s
    exact_M = s * sp.sqrt(1 + z**2)
    joins = check_joins(c)
    reasons = [f"f, f', f'' jump by {j.jumps} at x = {j.point}" for j in joins if not j.ok]
    reasons += [] if argument else ["the wall's membership argument does not apply"]
    if float(exact_M) > M * (1 + 1e-12):
        reasons.append(f"M on the sublevel set is {float(exact_M)} > M = {M}")
    member = not reasons and base.member
    uncertain = list(base.uncertain)
    return c, dataclasses.replace(
        base, name=c.name, joins=joins, pieces=[wall_check] + list(base.pieces[1:]),
        x0=float(c.x0), M=float(exact_M), M_certified=True, member=member,
        certified=member and not uncertain, reasons=reasons + base.reasons, uncertain=uncertain)
