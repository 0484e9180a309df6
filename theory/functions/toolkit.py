"""Construction toolkit: define a 1-D lower-bound construction from sympy pieces and certify it.

A construction is f: R -> R given piece by piece on consecutive intervals
(-oo, b_1], [b_1, b_2], ..., [b_k, oo) and a starting point x0. Membership of the class of
Thm 4 (docs/statements.md §2, §4) needs

* f twice differentiable: f, f', f'' agree from both sides at every breakpoint (C² joins);
* (L0,L1)-smoothness on every piece: sup_piece |f''| - L1|f'| <= L0 (exact where
  :func:`theory.smoothness.supremum.piece_supremum` is exact);
* f* = inf f > -oo and Δ = f(x0) - f*;
* M = sup{|f'(x)| : f(x) <= f(x0)} (Assumption 4; :mod:`theory.smoothness.sublevel`).

:func:`analyse` returns all of that as a :class:`ConstructionReport` (each item with whether it
is certified), and :func:`gradient_pieces` hands f' to the fast iteration counter of
``synthetic.fastcount`` as plain floats and callables: pieces where f' is constant carry the
exact rational slope (the counter jumps over them exactly), pieces where f' is affine carry
(a, b) with f' = a x + b, the others a ``math``-module callable.

The paper's constructions (docs/statements.md §5, reconstructed) are built with it in
:mod:`theory.functions.constructions`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import mpmath
import sympy as sp

from theory.expressions.parsing import parse_expression, real_symbol
from theory.functions.gradients import GradientPiece
from theory.smoothness.pieces import Piece, _equal_at, _one_sided
from theory.smoothness.supremum import piece_supremum
from theory.expressions.symbolic import ALL, real_roots, safe_limit, to_rational
from theory.smoothness.tails import end_behaviour

__all__ = ["Construction", "JoinCheck", "PieceCheck", "ConstructionReport", "GradientPiece",
           "construction", "from_expression", "analyse", "check_joins", "gradient_pieces",
           "expression"]


@dataclass(frozen=True)
class Construction:
    """f by pieces (``pieces[i]`` on [lo_i, hi_i], consecutive, covering R) and a start x0."""

    name: str
    pieces: tuple[Piece, ...]
    x0: sp.Expr
    var: sp.Symbol
    params: dict = field(default_factory=dict, compare=False)
    note: str = ""

    @property
    def breakpoints(self) -> list[sp.Expr]:
        return [p.hi for p in self.pieces[:-1]]


_INFINITE = {"oo": sp.oo, "+oo": sp.oo, "inf": sp.oo, "-oo": -sp.oo, "-inf": -sp.oo}


def _exact(value, what: str) -> sp.Expr:
    if isinstance(value, str) and value.strip() in _INFINITE:
        return _INFINITE[value.strip()]
    if isinstance(value, float) and math.isinf(value):
        return sp.oo if value > 0 else -sp.oo
    expr = sp.sympify(value) if not isinstance(value, str) else parse_expression(value, [])
    expr = to_rational(expr)
    if expr.free_symbols or not (expr.is_real or expr in (sp.oo, -sp.oo)):
        raise ValueError(f"{what} must be a real number, got {value!r}")
    return expr


def construction(name: str, pieces: list[tuple], x0, var: str = "x", params: dict | None = None,
                 note: str = "") -> Construction:
    """Build a :class:`Construction` from ``[(expr, lo, hi), ...]`` (strings or sympy).

    Floats are read as the decimals they denote; ``lo`` of the first piece must be -oo and
    ``hi`` of the last +oo, and each ``hi`` must equal the next ``lo``.

    Raises
    ------
    ValueError
        Gaps, overlaps, unordered breakpoints, an expression with other free names, x0 not real.
    """
    x = real_symbol(var)
    if not pieces:
        raise ValueError("a construction needs at least one piece")
    built = []
    for i, (expr, lo, hi) in enumerate(pieces):
        e = parse_expression(expr, var) if isinstance(expr, str) else sp.sympify(expr)
        e = to_rational(e.subs({s: real_symbol(s.name) for s in e.free_symbols}))
        if e.free_symbols - {x}:
            raise ValueError(f"piece {i}: unknown name(s) {sorted(map(str, e.free_symbols - {x}))}")
        lo_e, hi_e = _exact(lo, f"piece {i} lo"), _exact(hi, f"piece {i} hi")
        if not bool(lo_e < hi_e):
            raise ValueError(f"piece {i}: lo = {lo} must be < hi = {hi}")
        built.append(Piece(e, lo_e, hi_e))
    if built[0].lo != -sp.oo or built[-1].hi != sp.oo:
        raise ValueError("the pieces must cover R: first lo = -oo, last hi = oo")
    for i, (a, b) in enumerate(zip(built, built[1:])):
        if sp.simplify(a.hi - b.lo) != 0:
            raise ValueError(f"pieces {i} and {i + 1} leave a gap or overlap: {a.hi} vs {b.lo}")
    return Construction(name, tuple(built), _exact(x0, "x0"), x, dict(params or {}), note)


def from_expression(expr: sp.Expr | str, var: str = "x", x0=0, name: str = "f") -> Construction:
    """A :class:`Construction` from one expression (Abs / Piecewise split into smooth pieces).

    Raises
    ------
    ExpressionError
        From the parser or the piecewise split (see :func:`theory.smoothness.pieces.split_pieces`).
    """
    from theory.smoothness.pieces import split_pieces

    x = real_symbol(var)
    e = parse_expression(expr, var) if isinstance(expr, str) else sp.sympify(expr)
    e = to_rational(e.subs({s: real_symbol(s.name) for s in e.free_symbols}))
    pieces, _ = split_pieces(e, x)
    return construction(name, [(p.expr, p.lo, p.hi) for p in pieces], x0, var)


def expression(c: Construction) -> sp.Expr:
    """f as one sympy ``Piecewise`` (for :func:`theory.smoothness.certify.certify` and the sublevel
    set)."""
    args = [(p.expr, c.var <= p.hi) for p in c.pieces[:-1]] + [(c.pieces[-1].expr, True)]
    return sp.Piecewise(*args)


def value_at(c: Construction, point: sp.Expr) -> sp.Expr:
    """f(point), exactly (the piece containing it; joins agree for a C⁰ construction)."""
    for p in c.pieces:
        if bool(p.lo <= point) and bool(point <= p.hi):
            value = p.expr.subs(c.var, point)
            # a number is exact as evaluated; sp.simplify's logcombine can take minutes on
            # logs of rationals with long numerators (and ignores the time limit)
            return value if value.is_number else sp.simplify(value)
    raise ValueError(f"{point} is outside every piece")


@dataclass(frozen=True)
class JoinCheck:
    """f, f', f'' from both sides of a breakpoint; ``ok`` when all three agree."""

    point: float
    jumps: tuple[float, float, float]
    ok: bool


@dataclass(frozen=True)
class PieceCheck:
    """sup over the piece of |f''| - L1|f'| and whether it is <= L0."""

    lo: float
    hi: float
    expression: str
    sup: float | None
    ok: bool
    certified: bool
    method: str


@dataclass(frozen=True)
class ConstructionReport:
    """Everything Thm 4's class asks of a construction, with what is certified."""

    name: str
    L0: float
    L1: float
    joins: list[JoinCheck]
    pieces: list[PieceCheck]
    f_star: float
    f_star_certified: bool
    x0: float
    Delta: float
    M: float
    M_certified: bool
    member: bool
    certified: bool
    reasons: list[str]
    uncertain: list[str] = field(default_factory=list)  # facts only estimated numerically

    def to_dict(self) -> dict:
        return asdict(self)


def check_joins(c: Construction) -> list[JoinCheck]:
    """C² at every join: f, f', f'' from the left equal those from the right (exactly, by
    sympy; a jump is reported as a float), one :class:`JoinCheck` per interior boundary."""
    out = []
    for left, right in zip(c.pieces, c.pieces[1:]):
        b, jumps, ok = left.hi, [], True
        for order in range(3):
            lval = _one_sided(sp.diff(left.expr, c.var, order), c.var, b, "-")
            rval = _one_sided(sp.diff(right.expr, c.var, order), c.var, b, "+")
            same = _equal_at(lval, rval)
            ok &= same
            jumps.append(0.0 if same else float(sp.N(rval - lval, 20)))
        out.append(JoinCheck(float(b), tuple(jumps), ok))
    return out


def _check_pieces(c: Construction, L0: float, L1: float, timeout) -> list[PieceCheck]:
    exact_L1 = sp.Rational(repr(float(L1)))
    out = []
    for p in c.pieces:
        ends = [end_behaviour(p, c.var, e, timeout) for e in (p.lo, p.hi) if e in (sp.oo, -sp.oo)]
        s = piece_supremum(p, c.var, exact_L1, ends, timeout)
        value = None if s.undecided else float(mpmath.mpf(s.value)) if mpmath.isfinite(s.value) \
            else math.inf
        ok = value is not None and value <= L0 * (1 + 1e-15)
        out.append(PieceCheck(float(p.lo), float(p.hi), str(p.expr), value, ok,
                              bool(s.certified) and value is not None, s.method))
    return out


def _numeric_argmin(p: Piece, x: sp.Symbol) -> float:
    """Where f is smallest on the piece: the dense grid of the numeric route, then refined."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    from theory.smoothness.supremum import search_grid

    lo = float(p.lo) if p.lo.is_finite else -np.inf
    hi = float(p.hi) if p.hi.is_finite else np.inf
    f = sp.lambdify(x, p.expr, ["scipy", "numpy"])
    xs = search_grid(lo, hi)
    with np.errstate(all="ignore"):
        values = np.where(np.isfinite(v := np.asarray(f(xs), dtype=float) * np.ones_like(xs)),
                          v, np.inf)
    k = int(np.argmin(values))
    a, b = xs[max(k - 1, 0)], xs[min(k + 1, xs.size - 1)]
    if a < b:
        res = minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": 1e-14})
        if res.success and res.fun <= values[k]:
            return float(res.x)
    return float(xs[k])


def _infimum(c: Construction, timeout) -> tuple[float, bool]:
    """inf f: the least of f at breakpoints, at critical points and the limits at ±oo."""
    values, certified = [], True
    for p in c.pieces:
        f1 = sp.diff(p.expr, c.var)
        roots = real_roots(f1, c.var, p.lo, p.hi, timeout)
        if roots is ALL:
            roots = []
        if roots is None:  # no exact critical points: a guarded grid search, not certified
            certified = False
            roots = [_numeric_argmin(p, c.var)]
        points = [sp.Float(str(r), 40) for r in roots] + [e for e in (p.lo, p.hi) if e.is_finite]
        values += [sp.N(p.expr.subs(c.var, q), 40) for q in points]
        for end in (p.lo, p.hi):
            if not end.is_finite:
                lim = safe_limit(p.expr, c.var, end, timeout)
                if lim is None:
                    certified = False
                    continue
                if lim == -sp.oo:
                    raise ValueError(f"f is unbounded below as x -> {end} (Assumption 1 fails)")
                values.append(sp.N(lim, 40))
    finite = [float(v) for v in values if v.is_finite]
    return min(finite), certified


def analyse(c: Construction, L0: float, L1: float, *, M: float | None = None,
            Delta: float | None = None, timeout: float | None = 10.0) -> ConstructionReport:
    """Check every condition of Thm 4's class on a construction (see the module docstring).

    ``member`` is true when the joins are C², every piece satisfies |f''| <= L0 + L1|f'|, and,
    when given, the construction's own M and Δ do not exceed the class's ``M`` and ``Delta``.
    ``certified`` adds that every one of these facts was decided exactly.
    """
    from theory.smoothness.sublevel import sublevel_gradient_sup

    if not (L0 > 0 and L1 >= 0 and math.isfinite(L0) and math.isfinite(L1)):
        raise ValueError(f"need L0 > 0 and L1 >= 0, got L0={L0}, L1={L1}")
    joins = check_joins(c)
    pieces = _check_pieces(c, L0, L1, timeout)
    f_star, f_star_exact = _infimum(c, timeout)
    level = value_at(c, c.x0)
    Delta_c = float(sp.N(level, 40)) - f_star
    sub = sublevel_gradient_sup(expression(c), c.var.name, level,
                                timeout=timeout)
    reasons = [f"f, f', f'' jump by {j.jumps} at x = {j.point}" for j in joins if not j.ok]
    reasons += [f"sup |f''| - L1|f'| = {p.sup} > L0 = {L0} on [{p.lo}, {p.hi}]"
                for p in pieces if not p.ok]
    # an estimated (padded) M is compared with a 1e-9 tolerance; the report is then uncertified
    slack = 1e-12 if sub.certified else 1e-9
    if M is not None and sub.M > M * (1 + slack):
        reasons.append(f"M on the sublevel set is {sub.M} > M = {M}")
    if Delta is not None and Delta_c > Delta * (1 + 1e-12):
        reasons.append(f"Δ = f(x0) - f* = {Delta_c} > Delta = {Delta}")
    member = not reasons
    uncertain = [f"sup |f''| - L1|f'| on [{p.lo}, {p.hi}] estimated ({p.method})"
                 for p in pieces if not p.certified]
    if not f_star_exact:
        uncertain.append("f* from a numeric search or undecided limits at infinity")
    if not sub.certified:
        uncertain.append(f"M on the sublevel set estimated ({sub.method}): no exact root of "
                         "f = f(x0) found")
    certified = member and not uncertain
    return ConstructionReport(c.name, float(L0), float(L1), joins, pieces, f_star, f_star_exact,
                              float(sp.N(c.x0, 40)), Delta_c, float(sub.M), bool(sub.certified),
                              member, certified, reasons, uncertain)


def gradient_pieces(c: Construction) -> list[GradientPiece]:
    """f' of each piece for :func:`synthetic.fastcount.gd_count`.

    A constant f' becomes an exact Fraction when it is rational (else the nearest double, and
    the jump is then exact for that double's value).
    """
    out = []
    for p in c.pieces:
        f1 = sp.simplify(sp.diff(p.expr, c.var))
        lo, hi = float(p.lo), float(p.hi)
        f2 = sp.simplify(sp.diff(f1, c.var))
        call = sp.lambdify(c.var, f1, "math")
        if f2 == 0:
            slope = Fraction(int(f1.p), int(f1.q)) if f1.is_Rational else Fraction(float(f1))
            out.append(GradientPiece(lo, hi, "constant", slope=slope, grad=call))
        elif sp.diff(f2, c.var) == 0 and f2.is_number:
            out.append(GradientPiece(lo, hi, "affine", a=float(f2), b=float(f1.subs(c.var, 0)),
                                     grad=call))
        else:
            out.append(GradientPiece(lo, hi, "general", grad=call))
    return out
