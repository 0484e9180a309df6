"""Certify (L0,L1)-smoothness of a univariate function (Definition 1 of the paper).

For f: R -> R twice differentiable, the valid pairs (L0, L1) with |f''(x)| <= L0 + L1|f'(x)|
for all x form a convex set whose lower boundary is the **frontier** (README, theory)

    L0*(L1) = sup_x g(x; L1),   g(x; L1) = |f''(x)| - L1 |f'(x)|,

convex and non-increasing in L1; L1_min = inf{L1 : L0*(L1) < oo}; L = L0*(0) = sup|f''|.

**Exact route.** On a smooth piece, split R further at the roots of f' and f''; there
g = s2 f'' - L1 s1 f' with constant signs, and g' = s2 (f''' - L1 s1 s2 f'') vanishes only at
roots of f''' - L1 f'' or f''' + L1 f'' (or identically). So g is monotone between consecutive
points of R = roots(f') ∪ roots(f'') ∪ roots(f''' ± L1 f'') and

    sup g = max( g on R, g at finite piece ends, lim g at infinite ends ).

Roots come from exact polynomial root isolation (``exact-polynomial``) or a finite
``sympy.solveset`` answer (``exact-symbolic``); tail limits from ``sympy.limit`` of f', f'' and
f''/f' (computed once per end). The value is evaluated in 40-digit arithmetic and reported
rounded *up* to a double, so a reported (L0, L1) is always a valid pair.

**Numeric polynomial roots** (``numeric-polynomial``, ``certified = False``): the same candidate
set, with the roots of a polynomial with irrational coefficients (pi*x**2) found by
``mpmath.polyroots`` at 60 digits instead of exact isolation.

**Guarded numeric route** (``numeric-guarded``, ``certified = False``) when roots or limits are
not exact: a dense grid (linear near the origin, geometric out to 1e6) refined by bounded
scalar maximisation, combined with the symbolic tail limits where known; a maximum at the edge
of the grid with an unknown tail gives no finite L0.

**Class.** At an infinite end with f'' unbounded, rho = lim |f''|/|f'| fixes L1 >= rho (rho = oo:
not (L0,L1)-smooth, e.g. exp(x²)); an unbounded oscillating f'' is refuted along the zeros of
f' (sin(x²): f' = 0 where |f''| -> oo). Bounded f'' at every end means L-smooth.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import mpmath
import sympy as sp

from theory.expressions.parsing import (ExpressionError, check_complexity, parse_expression,
                                        real_symbol)
from theory.smoothness.pieces import check_c2_joins, check_piece_domain, split_pieces
from theory.smoothness.supremum import PieceSupremum, piece_supremum
from theory.expressions.symbolic import GlobalState, TimeLimitExceeded, time_budget, to_rational
from theory.smoothness.tails import EndBehaviour, end_behaviour

__all__ = ["FrontierPoint", "Certificate", "certify", "CLASSES", "METHODS",
           "TimeLimitExceeded"]

CLASSES = ("L-smooth", "L0L1-smooth", "not-L0L1-smooth", "unknown")
METHODS = ("exact-polynomial", "exact-symbolic", "numeric-polynomial",
           "numeric-guarded")  # strongest first


@dataclass(frozen=True)
class FrontierPoint:
    """L0*(L1) at one L1: ``L0`` is None when no finite L0 exists (or none was found)."""

    L1: float
    L0: float | None
    sup: float | None          # the raw supremum (L0 = max(0, sup)); -inf possible
    argmax: float | None       # where the sup is attained; None when approached at +-oo
    attained: bool | None
    method: str
    certified: bool
    note: str | None = None  # e.g. why no L0 was found on the numeric route


@dataclass(frozen=True)
class Certificate:
    """Answer of :func:`certify`; ``to_dict`` is the CLI's JSON object."""

    expression: str
    variable: str
    cls: str
    L: float | None
    L1_min: float | None
    L1_min_attained: bool | None
    frontier: list[FrontierPoint]
    method: str
    certified: bool
    class_certified: bool
    class_method: str
    pieces: list[str]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["class"] = out.pop("cls")
        return out


def _round_up(value) -> float:
    """Nearest double >= value (value an mpf or +-inf)."""
    if value == mpmath.inf:
        return math.inf
    if value == -mpmath.inf:
        return -math.inf
    f = float(value)
    return math.nextafter(f, math.inf) if mpmath.mpf(f) < value else f


def _weakest(methods: list[str]) -> str:
    return max(methods, key=METHODS.index) if methods else METHODS[0]


def _frontier_point(L1: float, sups: list[PieceSupremum]) -> FrontierPoint:
    method = _weakest([s.method for s in sups])
    certified = all(s.certified for s in sups)
    undecided = [s.undecided for s in sups if s.undecided]
    if undecided:
        return FrontierPoint(L1, None, None, None, None, method, False, undecided[0])
    best = max(sups, key=lambda s: s.value)
    if best.value == mpmath.inf:
        return FrontierPoint(L1, None, None, None, None, method, certified)
    raw = _round_up(best.value)
    if math.isinf(raw) and raw > 0:
        raise ExpressionError(f"L0*(L1 = {L1:g}) = {mpmath.nstr(best.value, 6)} exceeds double "
                              "precision: rescale f")
    return FrontierPoint(L1, max(0.0, raw), raw, None if best.argmax is None
                         else float(best.argmax), best.argmax is not None, method, certified)


def _classify(ends: list[EndBehaviour]) -> tuple[str, sp.Expr | None, bool, str]:
    """Class, exact L1_min (or None), whether the class is certified, and the class method."""
    if any(e.refuted for e in ends):
        e = next(e for e in ends if e.refuted)
        return "not-L0L1-smooth", None, e.exact, e.how
    if any(e.rho is None for e in ends):
        return "unknown", None, False, "numeric-guarded"
    rhos = [e.rho for e in ends]
    how = _weakest([e.how for e in ends])
    if all(e.bounded for e in ends):
        return "L-smooth", sp.Integer(0), True, how
    return "L0L1-smooth", max(rhos, key=lambda r: float(r)), True, how


def _numeric_class(frontier_at) -> tuple[str, str]:
    """Estimated class when the tails are undecided: is a finite L0 found at L1 = 0, 1, 10, 100?"""
    for L1 in (0, 1, 10, 100):
        point = frontier_at(sp.Integer(L1))
        if point.note is not None:
            return "unknown", f"class undecided numerically at L1 = {L1}: {point.note}"
        if point.L0 is not None:
            cls = "L-smooth" if L1 == 0 else "L0L1-smooth"
            return cls, f"class estimated numerically: first finite L0*(L1) found at L1 = {L1}"
    return "not-L0L1-smooth", "class estimated numerically: no finite L0 found for L1 <= 100"


def certify(expr: sp.Expr | str, var: str | sp.Symbol = "x",
            L1_values: list[float] | tuple[float, ...] | None = None,
            timeout: float | None = 10.0, budget: float | None = None,
            progress: Callable[[int, int], None] | None = None) -> Certificate:
    """Decide the (L0,L1)-class of a univariate f and its frontier L0*(L1).

    Parameters
    ----------
    expr : sympy.Expr or str
        f(x); strings go through :func:`theory.expressions.parsing.parse_expression`. Floats are
        read as the decimals they denote (0.1 = 1/10). Expressions above the size limits of
        :func:`theory.expressions.parsing.check_complexity` (degree 1000) are refused.
    var : str or sympy.Symbol
        The variable (real).
    L1_values : sequence of float, optional
        Where to evaluate the frontier (each >= 0). Default: L1_min (when finite) and 0.5, 1, 2, 4.
    timeout : float, optional
        Seconds allowed for each symbolic operation before falling back to the numeric route
        (None: no limit per operation).
    budget : float, optional
        Wall-clock limit of the whole call in seconds (any thread). Symbolic operations end at
        the latest when half of it is spent (they then fall back to the numeric route); when
        all of it is spent, :class:`theory.expressions.symbolic.TimeLimitExceeded` is raised.
    progress : callable, optional
        ``progress(done, total)`` after each requested frontier point.

    Returns
    -------
    Certificate
        Class (one of :data:`CLASSES`), L = sup|f''| when finite, L1_min, the frontier, and for
        each answer the method and whether it is certified (exact) or estimated (numeric).

    Raises
    ------
    ExpressionError
        Malformed input; f not real, not defined on all of R, or not twice differentiable, or
        beyond the size limits.
    ValueError
        A negative or non-finite L1, or a budget that is not finite and > 0.
    TimeLimitExceeded
        The budget ran out before an answer.
    """
    if budget is None:
        return _guarded_certify(expr, var, L1_values, timeout, progress)
    limit = time_budget(budget)
    import scipy.optimize  # noqa: F401 - imported before the clock runs: an interrupted
    # import would leave a half-initialised module behind
    state = GlobalState()
    try:
        with limit:
            return _guarded_certify(expr, var, L1_values, timeout, progress)
    except limit.spent:  # only if the exception arrived as the block was being left
        raise TimeLimitExceeded(f"the time limit of {limit.seconds:g} s ran out before an "
                                "answer") from None
    finally:
        limit.close()
        state.restore()  # an interrupted context manager may have left a setting changed


def _guarded_certify(expr, var, L1_values, timeout, progress) -> Certificate:
    state = GlobalState()
    try:
        return _certify(expr, var, L1_values, timeout, progress)
    except RecursionError:
        raise ExpressionError("f nests too deeply for the symbolic analysis (Python's recursion "
                              "limit was reached): simplify f") from None
    finally:
        state.restore()  # a time limit may have interrupted a context manager's exit


def _certify(expr, var, L1_values, timeout, progress) -> Certificate:
    start = time.perf_counter()
    x = var if isinstance(var, sp.Symbol) else real_symbol(var)
    if isinstance(expr, str):
        expr = parse_expression(expr, x.name)
    expr = sp.sympify(expr).subs({s: real_symbol(s.name) for s in expr.free_symbols})
    if expr.free_symbols - {x}:
        raise ExpressionError(f"unknown name(s) {sorted(map(str, expr.free_symbols - {x}))}")
    check_complexity(expr)
    if L1_values is not None:
        L1_values = [float(v) for v in L1_values]
        if not L1_values:
            raise ValueError("L1 values: empty list")
        bad = [v for v in L1_values if not math.isfinite(v) or v < 0]
        if bad:
            raise ValueError(f"L1 values must be finite and >= 0, got {bad[0]}")
    exact_expr = to_rational(expr)
    pieces, points = split_pieces(exact_expr, x, timeout)
    check_c2_joins(pieces, points, x)
    for piece in pieces:
        check_piece_domain(piece, x, timeout)
    ends = [end_behaviour(p, x, end, timeout) for p in pieces for end in (p.lo, p.hi)
            if end in (sp.oo, -sp.oo)]
    cls, L1_min, class_certified, class_method = _classify(ends)
    notes = [e.note for e in ends if e.note]
    requested = list(L1_values) if L1_values is not None else [0.5, 1.0, 2.0, 4.0]
    if L1_values is None and L1_min is not None and L1_min > 0:
        requested = sorted({float(L1_min), *requested})

    memo: dict = {}

    def frontier_at(L1) -> FrontierPoint:
        exact_L1 = L1 if isinstance(L1, sp.Expr) else sp.Rational(repr(float(L1)))
        if exact_L1 not in memo:
            memo[exact_L1] = _frontier_at(exact_L1)
        return memo[exact_L1]

    def _frontier_at(exact_L1) -> FrontierPoint:
        L1 = float(exact_L1)
        if cls == "not-L0L1-smooth" or (L1_min is not None and exact_L1 < L1_min):
            # g -> +oo at some end: no finite L0 (as certain as the class analysis)
            return FrontierPoint(float(L1), None, None, None, None, class_method, class_certified)
        sups = [piece_supremum(p, x, exact_L1, [e for e in ends if e.piece is p], timeout)
                for p in pieces]
        return _frontier_point(float(L1), sups)

    if cls == "unknown":  # symbolic tail analysis failed: estimate the class numerically
        cls, note = _numeric_class(frontier_at)
        class_certified, class_method = False, "numeric-guarded"
        L1_min = sp.Integer(0) if cls == "L-smooth" else None  # L0*(0) finite: L1_min = 0
        notes.append(note)
    frontier = []
    for v in requested:
        frontier.append(frontier_at(v))
        if progress is not None:
            progress(len(frontier), len(requested))
    at_zero = frontier_at(sp.Integer(0)) if cls == "L-smooth" else None
    L = at_zero.L0 if at_zero is not None else None
    if cls == "L-smooth" and L is None:
        notes.append("f'' is bounded at both ends but the search found no finite sup|f''|")
    attained = None
    if L1_min is not None and cls != "not-L0L1-smooth":
        attained = frontier_at(L1_min).L0 is not None
    used = [pt.method for pt in frontier] + ([at_zero.method] if at_zero else [])
    certified = class_certified and all(pt.certified for pt in frontier) and \
        (at_zero is None or at_zero.certified)
    return Certificate(
        expression=str(expr), variable=x.name, cls=cls, L=L if cls == "L-smooth" else None,
        L1_min=None if L1_min is None else float(L1_min), L1_min_attained=attained,
        frontier=frontier, method=_weakest(used + [class_method]), certified=certified,
        class_certified=class_certified, class_method=class_method,
        pieces=[f"[{p.lo}, {p.hi}]: {p.expr}" for p in pieces], notes=notes,
        seconds=time.perf_counter() - start)
