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
is certified; with ``symmetric=True``, for an even f convex on [0, ∞), M, f* and the left half
by the argument of :func:`symmetric_sublevel` instead of searches), and :func:`gradient_pieces`
hands f' to the fast iteration counter of ``synthetic.fastcount`` as plain floats and callables: pieces where f' is constant carry the
exact rational slope (the counter jumps over them exactly), pieces where f' is affine carry
(a, b) with f' = a x + b, the others a ``math``-module callable.

The paper's constructions (docs/statements.md §5, reconstructed) are built with it in
:mod:`theory.functions.constructions`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import mpmath
import sympy as sp

from theory.expressions.parsing import parse_expression, real_symbol
from theory.functions.gradients import GradientPiece
from theory.smoothness.pieces import Piece, _equal_at, _one_sided
from theory.smoothness.supremum import piece_supremum
from theory.expressions.symbolic import (ALL, DPS, ApproxRoots, real_roots, safe_limit,
                                         to_rational)
from theory.smoothness.tails import end_behaviour

__all__ = ["Construction", "JoinCheck", "PieceCheck", "ConstructionReport", "GradientPiece",
           "construction", "from_expression", "analyse", "check_joins", "gradient_pieces",
           "expression", "symmetric_sublevel"]


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


def _check_pieces(c: Construction, L0: float, L1: float, timeout,
                  mirrored: bool = False) -> list[PieceCheck]:
    """One :class:`PieceCheck` per piece. ``mirrored``: f is even (checked by the caller), so a
    piece left of 0 takes the check of its mirror image, |f''(−x)| − L1|f'(−x)| being the
    mirror's value at x."""
    exact_L1 = sp.Rational(repr(float(L1)))
    out: list[PieceCheck | None] = []
    for p in c.pieces:
        if mirrored and not p.hi.is_extended_positive:
            out.append(None)  # filled from its mirror below
            continue
        ends = [end_behaviour(p, c.var, e, timeout) for e in (p.lo, p.hi) if e in (sp.oo, -sp.oo)]
        s = piece_supremum(p, c.var, exact_L1, ends, timeout)
        value = None if s.undecided else float(mpmath.mpf(s.value)) if mpmath.isfinite(s.value) \
            else math.inf
        ok = value is not None and value <= L0 * (1 + 1e-15)
        out.append(PieceCheck(float(p.lo), float(p.hi), str(p.expr), value, ok,
                              bool(s.certified) and value is not None, s.method))
    for i, (p, check) in enumerate(zip(c.pieces, out)):
        if check is None:
            out[i] = dataclasses.replace(out[len(out) - 1 - i], lo=float(p.lo), hi=float(p.hi),
                                         expression=str(p.expr))
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
            Delta: float | None = None, timeout: float | None = 10.0,
            symmetric: bool = False) -> ConstructionReport:
    """Check every condition of Thm 4's class on a construction (see the module docstring).

    ``member`` is true when the joins are C², every piece satisfies |f''| <= L0 + L1|f'|, and,
    when given, the construction's own M and Δ do not exceed the class's ``M`` and ``Delta``.
    ``certified`` adds that every one of these facts was decided exactly.

    M = sup{|f'| : f <= f(x0)} comes from the sublevel root search
    (:func:`theory.smoothness.sublevel.sublevel_gradient_sup`, exact where the roots of
    f − f(x0) are) and f* from the critical points and limits of every piece. With
    ``symmetric`` the argument of :func:`symmetric_sublevel` replaces both searches, each
    premise decided exactly (f even, C² joins, f'' >= 0 on [0, ∞), f'(0) >= 0, f'(|x0|) > 0):
    the sublevel set is [−|x0|, |x0|], M = |f'(x0)|, f* = f(0), and a piece left of 0 has the
    check of its mirror image; it raises ValueError when a premise fails or cannot be decided
    (the search then decides). Several times cheaper on B_δ and the extremal function.
    """
    from theory.smoothness.sublevel import sublevel_gradient_sup

    if not (L0 > 0 and L1 >= 0 and math.isfinite(L0) and math.isfinite(L1)):
        raise ValueError(f"need L0 > 0 and L1 >= 0, got L0={L0}, L1={L1}")
    joins = check_joins(c)
    if symmetric:  # first: a refusal costs nothing more
        sub = symmetric_sublevel(c, value_at(c, c.x0), joins, timeout)
    pieces = _check_pieces(c, L0, L1, timeout, mirrored=symmetric)
    # even and non-decreasing on [0, ∞): f* = f(0)
    f_star, f_star_exact = (float(sp.N(value_at(c, sp.Integer(0)), 40)), True) if symmetric \
        else _infimum(c, timeout)
    level = value_at(c, c.x0)
    Delta_c = float(sp.N(level, 40)) - f_star
    if not symmetric:
        sub = sublevel_gradient_sup(expression(c), c.var.name, level, timeout=timeout)
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


def _exact_point(t) -> sp.Expr:
    """A sympy number as is, an mpmath root (a binary float) as the rational it is exactly."""
    if isinstance(t, sp.Basic):
        return t
    man, exp = mpmath.mpf(t).man_exp
    return sp.Integer(man) * sp.Integer(2) ** int(exp)


def _nonnegative_on(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr, timeout) -> str | None:
    """Why ``expr`` (smooth on [lo, hi]) is not shown >= 0 there; None when it is.

    The exactly isolated real roots of ``expr`` on [lo, hi]
    (:func:`theory.expressions.symbolic.real_roots`) cut it into intervals on which its sign
    is constant; one exact value inside each (sympy decides its sign) is >= 0. The roots are
    the 40-digit values of exactly isolated roots, as in the sublevel search."""
    roots = real_roots(expr, x, lo, hi, timeout)
    if roots is ALL:
        return None
    if roots is None or isinstance(roots, ApproxRoots):
        return f"the roots of {expr} on [{lo}, {hi}] are not known exactly"
    cuts = [lo] + [_exact_point(r) for r in roots] + [hi]
    for a, b in zip(cuts, cuts[1:]):
        if a == b:
            continue
        t = (a + b) / 2 if a.is_finite and b.is_finite else a + 1 if a.is_finite else b - 1
        value = expr.subs(x, t)
        if value.is_nonnegative is not True:
            return f"{expr} is not shown >= 0 at x = {float(t):.6g}"
    return None


def symmetric_sublevel(c: Construction, level: sp.Expr, joins: list[JoinCheck] | None = None,
                       timeout: float | None = 10.0):
    """M on the sublevel set {f <= f(x0)} by symmetry, without the sublevel root search.

    The argument: if f is even (the pieces mirror each other: breaks ±b, f_i(x) = f_j(−x)
    exactly), f and f' are continuous (the joins are C², :func:`check_joins`), f'' >= 0 on
    every piece on [0, ∞) (:func:`_nonnegative_on`), f'(0) >= 0 and f'(r) > 0 at r = |x0| > 0,
    then f' is non-decreasing on [0, ∞), so 0 <= f' <= f'(r) on [0, r] and f' >= f'(r) > 0
    beyond: f rises strictly past r, {f <= f(r)} = [−r, r] (f even), and
    M = sup |f'| there = f'(r) = |f'(x0)| (f' odd), exactly; rounded up to a double.
    ``level`` is f(x0) (exact); ``joins`` those of :func:`check_joins` (computed if None).

    Returns a certified :class:`theory.smoothness.sublevel.SublevelSup` (method
    ``"symmetry"``). Raises ValueError naming the first premise that fails or that sympy
    cannot decide exactly (the argument then proves nothing: use the search).
    """
    from theory.smoothness.sublevel import SublevelSup, _round_up

    x, pieces = c.var, c.pieces
    joins = check_joins(c) if joins is None else joins
    refuse = "the symmetry argument for M does not apply: "
    if not all(j.ok for j in joins):
        raise ValueError(refuse + "a join is not C² (f' must be continuous)")
    for i, (p, q) in enumerate(zip(pieces, reversed(pieces))):
        if not (p.lo == -q.hi and p.hi == -q.lo):
            raise ValueError(refuse + f"the breaks are not symmetric (piece {i}: [{p.lo}, "
                             f"{p.hi}] against [{q.lo}, {q.hi}])")
        d = p.expr - q.expr.subs(x, -x)
        if not (d == 0 or sp.expand(d) == 0 or sp.simplify(d) == 0):
            raise ValueError(refuse + f"f is not even (piece {i}: {p.expr} against "
                             f"{q.expr} at -x)")
    r = abs(c.x0)
    if not r.is_positive:
        raise ValueError(refuse + "x0 = 0 (no sublevel interval around it)")
    right = [p for p in pieces if p.hi.is_extended_positive]
    for p in right:
        lo = p.lo if p.lo.is_nonnegative else sp.Integer(0)
        why = _nonnegative_on(sp.diff(p.expr, x, 2), x, lo, p.hi, timeout)
        if why is not None:
            raise ValueError(refuse + f"f'' >= 0 on [0, oo) fails: {why}")
    at_zero = sp.diff(right[0].expr, x).subs(x, 0)
    if at_zero.is_nonnegative is not True:
        raise ValueError(refuse + f"f'(0+) = {at_zero} is not shown >= 0")
    slope = sp.diff(next(p for p in right if p.lo <= r <= p.hi).expr, x).subs(x, r)
    if slope.is_positive is not True:
        raise ValueError(refuse + f"f'(|x0|) = {slope} is not shown > 0")
    with mpmath.workdps(DPS):  # 40 digits, as the search's values, then up to a double
        M = _round_up(mpmath.mpf(str(sp.N(slope, DPS))))
    return SublevelSup(M, [(-float(r), float(r))], float(c.x0), True, "symmetry",
                       float(sp.N(level, 40)))


class _LazyGrad:
    """f' of one piece as the ``math`` callable of :func:`gradient_pieces`,
    ``lambdify(simplify(f'))``, built at its first call."""

    __slots__ = ("_expr", "_var", "_call")

    def __init__(self, expr: sp.Expr, var: sp.Symbol):
        self._expr, self._var, self._call = expr, var, None

    def __call__(self, x: float) -> float:
        if self._call is None:
            self._call = sp.lambdify(self._var, sp.simplify(sp.diff(self._expr, self._var)),
                                     "math")
        return self._call(x)


def _not_affine(p: Piece, x: sp.Symbol) -> bool:
    """f''' is nonzero at one exact point of the piece (sympy decides it), so f'' is not
    constant and :func:`gradient_pieces` files the piece as ``general`` whatever simplify
    makes of f' (simplify keeps values)."""
    lo, hi = p.lo, p.hi
    t = (lo + hi) / 2 if lo.is_finite and hi.is_finite else lo + 1 if lo.is_finite else \
        hi - 1 if hi.is_finite else sp.Integer(0)
    return sp.diff(p.expr, x, 3).subs(x, t).is_zero is False


def gradient_pieces(c: Construction, *, lazy: bool = False) -> list[GradientPiece]:
    """f' of each piece for :func:`synthetic.fastcount.gd_count`.

    A constant f' becomes an exact Fraction when it is rational (else the nearest double, and
    the jump is then exact for that double's value). With ``lazy``, a piece that is not a
    polynomial and whose f' is not affine (:func:`_not_affine`) gets its callable built at its
    first call, the same callable (simplifying a transcendental f' takes ~0.1 s, and GD may
    never visit the piece: the walled slope's wall).
    """
    out = []
    for p in c.pieces:
        lo, hi = float(p.lo), float(p.hi)
        if lazy and not p.expr.is_polynomial(c.var) and _not_affine(p, c.var):
            out.append(GradientPiece(lo, hi, "general", grad=_LazyGrad(p.expr, c.var)))
            continue
        f1 = sp.simplify(sp.diff(p.expr, c.var))
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
