"""Guarded symbolic primitives used by certification: time limits, exact real roots, limits.

Every helper either returns an exact answer or says it could not (``None``); none of them
guesses. Roots are returned as 40-digit ``mpmath.mpf`` approximations of *exactly isolated*
roots (isolating intervals narrower than 1e-30 for polynomials; sympy's closed forms
otherwise), so that a supremum evaluated at them is exact to far below double precision.

Time limits work in every thread (a signal-based timer works only in the main thread). A
watchdog thread raises the limit's exception in the limited thread with
``PyThreadState_SetAsyncExc``; like a signal handler's, the exception arrives between two
bytecodes (one long C call, such as a single huge integer product, is not interrupted until it
returns). :func:`time_limit` bounds one symbolic step: it raises :class:`SymbolicTimeout`, and
again every 50 ms for at most 2 s while its block has not exited (an asynchronous exception that
lands in a finalizer or a garbage-collector callback is dropped by Python, so one firing could be
lost), and its caller falls back to the numeric route. :func:`time_budget` bounds a whole call: once
spent it raises again every 50 ms until its block has exited (so a library that swallows the
exception cannot run on past it), and the caller sees :class:`TimeLimitExceeded`; the symbolic
steps inside a budget are clamped to its first part, leaving the rest to the numeric route.
Limits nest; an exited limit never raises (a pending exception is withdrawn), and the watchdog
thread exits when no limit is armed.
"""
from __future__ import annotations

import ctypes
import math
import os
import threading
import time

import mpmath
import numpy as np
import sympy as sp

__all__ = ["SymbolicTimeout", "TimeLimitExceeded", "BudgetSpent", "time_limit", "time_budget",
           "ALL", "ApproxRoots", "real_roots", "real_roots_checked", "safe_limit", "is_finite_real",
           "to_rational", "float_safe", "GlobalState"]

DPS = 40
ALL = "all"  # sentinel: the expression vanishes identically on the interval


class SymbolicTimeout(BaseException):
    """Raised inside a :func:`time_limit` block (BaseException so sympy cannot swallow it)."""


class TimeLimitExceeded(TimeoutError):
    """The wall-clock budget of a whole call (:func:`time_budget`) ran out before an answer."""


class BudgetSpent(BaseException):
    """Raised asynchronously inside a spent :func:`time_budget` (one subclass per budget);
    the budget turns it into :class:`TimeLimitExceeded` when the block exits."""


_REFIRE_SECONDS = 0.05  # a spent budget raises again this often ...
_REFIRE_FOR = 10.0       # ... for at most this long (no stray exceptions for ever)
_STEP_REFIRE_FOR = 2.0   # a step limit re-raises for this long (a firing dropped in a finalizer)
_SET_ASYNC_EXC = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> bool:
    """Make ``thread_id`` raise ``exception`` at its next bytecode (None: drop a pending one)."""
    arg = ctypes.py_object(exception) if exception is not None else None
    count = _SET_ASYNC_EXC(ctypes.c_ulong(thread_id), arg)
    if count > 1:  # cannot happen for a valid id; undo as the C API asks
        _SET_ASYNC_EXC(ctypes.c_ulong(thread_id), None)
        return False
    return count == 1


class _Limit:
    """One armed limit: the thread it bounds, when it expires, what it raises there."""

    __slots__ = ("thread_id", "expires", "exception", "next_fire", "fired", "budget")

    def __init__(self, thread_id: int, expires: float, exception: type[BaseException]):
        self.thread_id, self.expires, self.exception = thread_id, expires, exception
        self.next_fire, self.fired = expires, False
        self.budget = issubclass(exception, BudgetSpent)


class _Watchdog:
    """The thread that fires expired limits; it exits when no limit is armed (none leaks).

    A limited thread may receive an exception between any two bytecodes, so it touches only
    C-level locks here (``with lock:`` on a plain :class:`threading.Lock` is released by the
    with-statement whatever arrives; a :class:`threading.Condition`'s Python-level enter and
    exit could be interrupted holding its lock, and every later limit would deadlock). The
    watchdog sleeps on a second lock that :meth:`arm` releases to wake it early.
    """

    IDLE_EXIT_SECONDS = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()   # guards _limits and _thread
        self._wake = threading.Lock()   # held while the watchdog sleeps; released to wake it
        self._wake.acquire()
        self._limits: set[_Limit] = set()
        self._thread: threading.Thread | None = None

    def arm(self, limit: _Limit) -> None:
        with self._lock:
            self._limits.add(limit)
            if self._thread is None:  # no limit is armed, so nothing can interrupt the start
                self._thread = threading.Thread(target=self._run, name="theory-time-limit",
                                                daemon=True)
                self._thread.start()
        try:
            self._wake.release()  # one C call: wake the watchdog to see the new deadline
        except RuntimeError:
            pass  # already woken

    def disarm(self, limit: _Limit) -> None:
        """Idempotent; once the set no longer holds ``limit`` it raises nothing more, and an
        exception it fired but the thread has not yet raised is withdrawn."""
        with self._lock:
            self._limits.discard(limit)
            if limit.fired:
                limit.fired = False
                _raise_in(limit.thread_id, None)

    def armed(self) -> int:
        """How many limits are armed (0 when every block has exited)."""
        with self._lock:
            return len(self._limits)

    def _run(self) -> None:
        idle_since = None
        while True:
            with self._lock:
                now = time.monotonic()
                if not self._limits:
                    idle_since = now if idle_since is None else idle_since
                    if now - idle_since > self.IDLE_EXIT_SECONDS:
                        self._thread = None
                        return
                    wait = self.IDLE_EXIT_SECONDS
                else:
                    idle_since = None
                    self._fire([lim for lim in self._limits if lim.next_fire <= now], now)
                    wait = min((lim.next_fire for lim in self._limits), default=now) - now
            self._wake.acquire(timeout=min(max(wait, 0.001), self.IDLE_EXIT_SECONDS))

    def _fire(self, due: list[_Limit], now: float) -> None:
        # Only one exception can be pending per thread: a spent budget fires last (it then
        # wins), and a step limit never fires over a spent budget of its thread.
        spent = {limit.thread_id for limit in self._limits if limit.budget and limit.fired}
        for limit in sorted(due, key=lambda lim: lim.budget):
            if not limit.budget and limit.thread_id in spent:
                limit.next_fire = now + _REFIRE_SECONDS
                continue
            limit.fired = True
            alive = _raise_in(limit.thread_id, limit.exception)
            window = _REFIRE_FOR if limit.budget else _STEP_REFIRE_FOR
            if alive and now < limit.expires + window:  # until the block exits (disarm)
                limit.next_fire = now + _REFIRE_SECONDS
                if limit.budget:
                    spent.add(limit.thread_id)
            else:
                self._limits.discard(limit)

    def after_fork(self) -> None:
        self.__init__()


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WATCHDOG.after_fork)
_WINDOWS = threading.local()  # per thread: the open budgets (their symbolic windows)


def _symbolic_window_end() -> float:
    return min((b.window_end for b in getattr(_WINDOWS, "budgets", ()) if b.open),
               default=math.inf)


class time_limit:  # noqa: N801 - used like a function: ``with time_limit(5): ...``
    """Raise :class:`SymbolicTimeout` in the block after ``seconds`` (any thread).

    ``seconds=None`` sets no limit of its own; ``seconds <= 0`` raises at once. Inside a
    :func:`time_budget` the limit also ends when the budget's symbolic share is spent.
    """

    def __init__(self, seconds: float | None, _exception: type[BaseException] = SymbolicTimeout):
        self.seconds, self._exception, self._limit = seconds, _exception, None

    def __enter__(self) -> "time_limit":
        now = time.monotonic()
        expires = math.inf if self.seconds is None else now + self.seconds
        if self._exception is SymbolicTimeout:
            expires = min(expires, _symbolic_window_end())
        if expires <= now:
            raise self._exception()
        if math.isinf(expires) or _SET_ASYNC_EXC is None:
            return self
        limit = _Limit(threading.get_ident(), expires, self._exception)
        self._limit = limit
        try:
            _WATCHDOG.arm(limit)
        except BaseException:  # expired while arming (a limit of microseconds)
            _WATCHDOG.disarm(limit)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.close()
        return False

    def close(self) -> None:
        """Disarm (idempotent); ``__exit__`` does it."""
        if self._limit is not None:
            _WATCHDOG.disarm(self._limit)


class time_budget:  # noqa: N801 - used like a function: ``with time_budget(60): ...``
    """Wall-clock limit of a whole call: :class:`TimeLimitExceeded` after ``seconds``.

    Symbolic steps (:func:`time_limit`) inside the block end at the latest when the fraction
    ``symbolic_share`` of the budget is spent, and their callers fall back to the numeric route,
    which then has the rest; the hard limit also interrupts that route. :meth:`close` (called
    by ``__exit__``, idempotent) may be called again from a ``finally`` for extra safety.
    """

    def __init__(self, seconds: float, symbolic_share: float = 0.5):
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
            raise ValueError(f"time budget must be finite and > 0 seconds, got {seconds!r}")
        if not 0 <= symbolic_share <= 1:
            raise ValueError(f"symbolic_share must be in [0, 1], got {symbolic_share!r}")
        self.seconds, self.symbolic_share = float(seconds), float(symbolic_share)
        self.spent = type("BudgetSpent", (BudgetSpent,), {})  # this budget's own exception
        self._limit = time_limit(self.seconds, self.spent)
        self.started, self.window_end, self.open = None, math.inf, False

    def __enter__(self) -> "time_budget":
        self.started = time.monotonic()
        self.window_end = self.started + self.symbolic_share * self.seconds
        self.open = True
        stack = getattr(_WINDOWS, "budgets", None)
        if stack is None:
            stack = _WINDOWS.budgets = []
        stack[:] = [b for b in stack if b.open] + [self]
        try:
            self._limit.__enter__()
        except BaseException:
            self.close()
            raise
        return self

    def elapsed(self) -> float:
        """Seconds since the block was entered."""
        return time.monotonic() - self.started

    def close(self) -> None:
        """Disarm and forget the symbolic window (idempotent)."""
        self.open = False
        self._limit.close()

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.close()
        if exc_type is not None and issubclass(exc_type, self.spent):
            raise TimeLimitExceeded(f"the time limit of {self.seconds:g} s ran out before an "
                                    "answer") from None
        return False


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
