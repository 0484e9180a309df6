"""Guarded symbolic primitives used by certification: exact real roots, limits, safe floats.

Every helper either returns an exact answer or says it could not (``None``); none of them
guesses. Roots are returned as 40-digit ``mpmath.mpf`` approximations of *exactly isolated*
roots (isolating intervals narrower than 1e-30 for polynomials; sympy's closed forms
otherwise), so that a supremum evaluated at them is exact to far below double precision.
The wall-clock limits of every symbolic step (:func:`time_limit`, :func:`time_budget`) live in
:mod:`theory.expressions.timelimit` and are re-exported here.
"""
from __future__ import annotations


import mpmath
import numpy as np
import sympy as sp

__all__ = ["SymbolicTimeout", "TimeLimitExceeded", "BudgetSpent", "time_limit", "time_budget",
           "ALL", "ApproxRoots", "real_roots", "real_roots_checked", "safe_limit", "is_finite_real",
           "to_rational", "float_safe", "GlobalState"]

from theory.expressions.timelimit import (BudgetSpent, SymbolicTimeout, TimeLimitExceeded,
                                          time_budget, time_limit)

DPS = 40
ALL = "all"  # sentinel: the expression vanishes identically on the interval


_DOUBLE_RANGE = (sp.Rational(1, 10**300), sp.Integer(10) ** 300)


def float_safe(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every rational outside 1e-300 <= |r| <= 1e300 replaced by a Float, for
    numeric callables: ``lambdify`` prints a huge integer as is, and numpy raises OverflowError
    converting it to a double, where a Float prints as ``1.0e+600`` and overflows to inf (which
    the numeric routes handle). Derivatives of exact rationals leave double range easily:
    ``sin(10**300 x)'' = -10**600 sin(10**300 x)``."""
    small, large = _DOUBLE_RANGE
    huge = {r: sp.Float(r, 17) for r in expr.atoms(sp.Rational)
            if abs(r) > large or 0 < abs(r) < small}
    return expr.xreplace(huge) if huge else expr


class GlobalState:
    """The process- and thread-wide settings that context managers inside sympy, mpmath and
    numpy change and restore (mpmath's precision, numpy's error handling, sympy's evaluate /
    distribute flags). An exception raised between two bytecodes can land in such a manager's
    ``__exit__`` before it restores them; :meth:`restore` puts back what :meth:`save` saw."""

    def __init__(self) -> None:
        from sympy.core.parameters import global_parameters

        self._sympy = global_parameters
        self.prec = mpmath.mp.prec
        self.numpy = np.geterr()
        self.flags = {k: getattr(global_parameters, k)
                      for k in ("evaluate", "distribute", "exp_is_pow")
                      if hasattr(global_parameters, k)}

    def restore(self) -> None:
        mpmath.mp.prec = self.prec
        np.seterr(**self.numpy)
        for key, value in self.flags.items():
            setattr(self._sympy, key, value)


def to_rational(expr: sp.Expr) -> sp.Expr:
    """Replace floats by the rationals they denote in decimal (0.1 -> 1/10)."""
    if not expr.atoms(sp.Float):
        return expr
    return sp.nsimplify(expr, rational=True)


def is_finite_real(value: object) -> bool:
    """True when ``value`` is a finite real sympy number."""
    return isinstance(value, sp.Expr) and bool(value.is_real) and bool(value.is_finite) \
        and value.is_number


def _polynomial_roots(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr):
    """Real roots on [lo, hi]: exact isolation (sympy, square-free part) + 40-digit bracketing.

    Each isolating interval of the square-free part holds exactly one simple root, so the
    polynomial changes sign across it and the Illinois bracketing solver converges to it.
    """
    poly = sp.Poly(expr, x)
    if poly.is_zero:
        return ALL
    if not poly.domain.is_QQ and not poly.domain.is_ZZ:
        return _approximate_polynomial_roots(poly, lo, hi)
    poly = poly.sqf_part()
    kwargs = {}
    if lo.is_finite:
        kwargs["inf"] = sp.Rational(lo)
    if hi.is_finite:
        kwargs["sup"] = sp.Rational(hi)
    coeffs = poly.all_coeffs()
    roots = []
    with mpmath.workdps(DPS + 10):
        mp_coeffs = [mpmath.mpf(c.p) / c.q for c in map(sp.Rational, coeffs)]

        def value(t, derivative=False):
            return mpmath.polyval(mp_coeffs, t, derivative=derivative)

        for (a, b), _ in poly.intervals(**kwargs):
            if a == b:
                roots.append(mpmath.mpf(a.p) / a.q)
                continue
            # The interval holds exactly one root in its interior, but an endpoint may be
            # another (rational) root: shrink exactly until neither endpoint is a root.
            while poly.eval(a) == 0 or poly.eval(b) == 0:
                m = (a + b) / 2
                if poly.eval(m) == 0:
                    a = b = m
                    break
                if poly.count_roots(a, m) - (poly.eval(a) == 0) >= 1:
                    b = m
                else:
                    a = m
            a_mp, b_mp = mpmath.mpf(a.p) / a.q, mpmath.mpf(b.p) / b.q
            roots.append(a_mp if a == b else _bracketed_root(value, a_mp, b_mp))
    return roots


class ApproxRoots(list):
    """Roots computed numerically (irrational coefficients): accurate, but not certified."""


def _approximate_polynomial_roots(poly: sp.Poly, lo: sp.Expr, hi: sp.Expr):
    """Real roots of a polynomial with real irrational coefficients (pi, sqrt(2), e^3...).

    ``mpmath.polyroots`` (Durand-Kerner) at 60 digits; roots whose imaginary part is below
    1e-25 of their size count as real. Marked :class:`ApproxRoots` (never certified).
    """
    try:
        with mpmath.workdps(DPS + 20):
            coeffs = [mpmath.mpf(str(sp.N(c, DPS + 20))) for c in poly.all_coeffs()]
            if len(coeffs) < 2:
                return ApproxRoots()
            found = mpmath.polyroots(coeffs, maxsteps=400, extraprec=200)
    except (TypeError, ValueError, mpmath.libmp.NoConvergence):
        return None
    lo_f = mpmath.mpf(str(sp.N(lo, DPS))) if lo.is_finite else -mpmath.inf
    hi_f = mpmath.mpf(str(sp.N(hi, DPS))) if hi.is_finite else mpmath.inf
    real = [mpmath.re(r) for r in found
            if abs(mpmath.im(r)) <= mpmath.mpf(10) ** -25 * (1 + abs(r))]
    return ApproxRoots(sorted(r for r in real if lo_f <= r <= hi_f))


def _bracketed_root(value, a, b):
    """Root of ``value`` in [a, b] given a sign change: safeguarded Newton (a bisection step
    whenever Newton would leave the bracket, and for the first 12 steps, which shrink the
    bracket 4096-fold so Newton starts in its basin), to the working precision *relative* to
    the root (an absolute tolerance would misplace a root at 1e-300 completely)."""
    fa = value(a)
    t = (a + b) / 2
    tol = mpmath.mpf(10) ** -(DPS + 5)
    for k in range(MAX_BRACKET_STEPS):
        v, dv = value(t, derivative=True)
        if v == 0:
            return t
        if (v > 0) == (fa > 0):
            a, fa = t, v
        else:
            b = t
        step = v / dv if dv != 0 and k >= 12 else None
        if step is not None and abs(step) <= tol * abs(t):
            return t - step  # converged (t - step may round to t, a bracket end)
        if step is None or not a < t - step < b:
            t_next = (a + b) / 2
        else:
            t_next = t - step
        if abs(t_next - t) <= tol * abs(t_next) or b - a <= tol * min(abs(a), abs(b)):
            return t_next
        t = t_next
    return t


MAX_BRACKET_STEPS = 4000  # bisection alone: 1 -> 1e-345 relative to a root at 1e-300


def _vanishes_at_samples(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> bool:
    """Cheap necessary test for ``expr == 0`` identically: 40-digit values at 7 points."""
    a = float(lo) if lo.is_finite else (float(hi) - 10 if hi.is_finite else -3.0)
    b = float(hi) if hi.is_finite else a + 10
    f = sp.lambdify(x, expr, "mpmath")
    with mpmath.workdps(DPS):
        for t in (0.11, 0.23, 0.37, 0.5, 0.61, 0.77, 0.93):
            try:
                value = f(mpmath.mpf(a) + (b - a) * mpmath.mpf(t))
            except (ZeroDivisionError, ValueError, OverflowError):
                continue
            if abs(value) > mpmath.mpf(10) ** (-DPS // 2):
                return False
    return True


MAX_EXP_DEGREE = 1000


def _huge_exponential_degree(expr: sp.Expr, x: sp.Symbol) -> bool:
    """True when sympy's polynomial machinery would see exp(p x/q) as exp(x/q)^p with a huge p.

    exp(10000001 x/10000000) factors as a polynomial of degree 10⁷ in exp(x/10⁷): minutes of
    work for no answer. Such equations are left to the numeric route.
    """
    for e in expr.atoms(sp.exp):
        coeff = sp.expand(e.args[0]).coeff(x)
        if coeff.is_Rational and max(abs(coeff.p), coeff.q) > MAX_EXP_DEGREE:
            return True
    return False


def real_roots(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr,
               timeout: float | None = 10.0):
    """All real roots of ``expr`` on [lo, hi], exactly isolated.

    Returns
    -------
    list of mpmath.mpf, or ALL, or None
        Sorted roots (40 digits); :data:`ALL` if ``expr`` vanishes identically; ``None`` when
        the root set could not be determined exactly (infinitely many roots, a transcendental
        equation sympy cannot solve, or the time limit).
    """
    return real_roots_checked(expr, x, lo, hi, timeout)[0]


def real_roots_checked(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr,
                       timeout: float | None = 10.0) -> tuple[object, bool]:
    """:func:`real_roots` and whether it gave up for lack of time (such an answer must not be
    cached: with more time the roots may be found)."""
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    try:
        with time_limit(timeout):
            return _real_roots(expr, x, lo, hi), False
    except SymbolicTimeout:
        return None, True
    except (NotImplementedError, ValueError, TypeError, ArithmeticError, RecursionError,
            sp.PolynomialError):
        return None, False


def _real_roots(expr: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr):
    if expr.is_polynomial(x):
        return _polynomial_roots(sp.expand(expr), x, lo, hi)
    # Roots of the numerator (superset of the roots; f is continuous on the piece, so
    # a vanishing denominator is a removable point and one more candidate is harmless).
    numerator = sp.numer(sp.together(expr))
    if numerator.is_polynomial(x):
        return _polynomial_roots(sp.expand(numerator), x, lo, hi)
    if _vanishes_at_samples(expr, x, lo, hi):
        if _huge_exponential_degree(expr, x):  # simplify would expand it too
            return None
        return ALL if sp.simplify(expr) == 0 else None
    if _huge_exponential_degree(numerator, x):
        return None
    numerator = sp.factor(numerator)
    solutions = sp.solveset(numerator, x, sp.Interval(lo, hi))
    if not isinstance(solutions, (sp.FiniteSet, type(sp.S.EmptySet))):
        return None
    with mpmath.workdps(DPS):
        roots = []
        for s in solutions:
            v = sp.N(s, DPS)
            if not v.is_real:
                continue
            roots.append(mpmath.mpf(str(v)))
        return sorted(roots)


def safe_limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, timeout: float | None = 10.0,
               direction: str = "+-"):
    """``sympy.limit`` with a time limit; ``None`` if it fails, times out or is unevaluated.

    An ``AccumBounds`` (a limit that does not exist but stays in a range) is returned as is.
    """
    if point in (sp.oo, -sp.oo):
        direction = "-" if point == sp.oo else "+"
    try:
        with time_limit(timeout):
            value = sp.limit(expr, x, point, dir=direction)
    except SymbolicTimeout:
        return None
    except (NotImplementedError, ValueError, TypeError, RecursionError, ArithmeticError):
        return None
    if isinstance(value, sp.AccumBounds):
        return value
    if isinstance(value, sp.Limit) or value.has(sp.Limit) or value.has(sp.AccumBounds) \
            or value.free_symbols or value is sp.nan or value.has(sp.zoo):
        return None
    return value
