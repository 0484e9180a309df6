"""Guarded symbolic primitives used by certification: time limits, exact real roots, limits.

Every helper either returns an exact answer or says it could not (``None``); none of them
guesses. Roots are returned as 40-digit ``mpmath.mpf`` approximations of *exactly isolated*
roots (isolating intervals narrower than 1e-30 for polynomials; sympy's closed forms
otherwise), so that a supremum evaluated at them is exact to far below double precision.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

import mpmath
import sympy as sp

__all__ = ["SymbolicTimeout", "time_limit", "ALL", "ApproxRoots", "real_roots", "safe_limit", "is_finite_real",
           "to_rational"]

DPS = 40
ALL = "all"  # sentinel: the expression vanishes identically on the interval


class SymbolicTimeout(BaseException):
    """Raised inside a :func:`time_limit` block (BaseException so sympy cannot swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread with SIGALRM only; else no limit)."""
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _raise(signum, frame):  # noqa: ARG001
        raise SymbolicTimeout()

    previous = signal.signal(signal.SIGALRM, _raise)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:  # an enclosing limit: re-arm what was left of it (approximately)
            signal.setitimer(signal.ITIMER_REAL, old_delay)


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
    bracket 4096-fold so Newton starts in its basin), to the working precision."""
    fa = value(a)
    t = (a + b) / 2
    tol = mpmath.mpf(10) ** -(DPS + 5)
    for k in range(312):
        v, dv = value(t, derivative=True)
        if v == 0:
            return t
        if (v > 0) == (fa > 0):
            a, fa = t, v
        else:
            b = t
        step = v / dv if dv != 0 and k >= 12 else None
        if step is not None and abs(step) <= tol * max(1, abs(t)):
            return t - step  # converged (t - step may round to t, a bracket end)
        if step is None or not a < t - step < b:
            t_next = (a + b) / 2
        else:
            t_next = t - step
        if abs(t_next - t) <= tol * max(1, abs(t)):
            return t_next
        t = t_next
    return t


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
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    try:
        with time_limit(timeout):
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
    except SymbolicTimeout:
        return None
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return None


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
    except (NotImplementedError, ValueError, TypeError, RecursionError, ZeroDivisionError):
        return None
    if isinstance(value, sp.AccumBounds):
        return value
    if isinstance(value, sp.Limit) or value.has(sp.Limit) or value.has(sp.AccumBounds) \
            or value.free_symbols or value is sp.nan or value.has(sp.zoo):
        return None
    return value
