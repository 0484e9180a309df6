"""Wall-clock limits that hold in any thread: one symbolic step (:func:`time_limit`) and a whole
call (:func:`time_budget`).

A signal-based timer works only in the main thread (``SIGALRM`` silently does nothing in a
thread pool or a Dask worker). Here a watchdog thread raises the limit's exception in the limited
thread with ``PyThreadState_SetAsyncExc``; like a signal handler's, the exception arrives
between two bytecodes (one long C call, such as a single huge integer product, is not
interrupted until it returns). :func:`time_limit` bounds one symbolic step: it raises
:class:`SymbolicTimeout`, and again every 50 ms for at most 2 s while its block has not exited
(an asynchronous exception that lands in a finalizer or a garbage-collector callback is dropped
by Python, so one firing could be lost), and its caller falls back to the numeric route.
:func:`time_budget` bounds a whole call: once spent it raises again every 50 ms until its block
has exited (so a library that swallows the exception cannot run on past it), and the caller
sees :class:`TimeLimitExceeded`; the symbolic steps inside a budget are clamped to its first
part, leaving the rest to the numeric route. Limits nest; leaving a block disarms its limit
even when a firing arrives during the exit (the disarm is retried), an exited limit never raises
(a pending exception is withdrawn), and the watchdog thread exits when no limit is armed.

Only the standard library is imported, so command lines can catch :data:`LIMIT_EXCEPTIONS`
without loading sympy.
"""
from __future__ import annotations

import ctypes
import math
import os
import threading
import time

__all__ = ["SymbolicTimeout", "TimeLimitExceeded", "BudgetSpent", "LIMIT_EXCEPTIONS",
           "time_limit", "time_budget"]


class SymbolicTimeout(BaseException):
    """Raised inside a :func:`time_limit` block (BaseException so sympy cannot swallow it)."""


class TimeLimitExceeded(TimeoutError):
    """The wall-clock budget of a whole call (:func:`time_budget`) ran out before an answer."""


class BudgetSpent(BaseException):
    """Raised asynchronously inside a spent :func:`time_budget` (one subclass per budget);
    the budget turns it into :class:`TimeLimitExceeded` when the block exits."""


LIMIT_EXCEPTIONS = (SymbolicTimeout, BudgetSpent)  # raised asynchronously by the watchdog

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
        """Disarm (idempotent); ``__exit__`` does it.

        A firing may arrive while the block is being left, before the disarm has taken the
        watchdog's lock: it is absorbed and the disarm retried, so that no limit stays armed
        and fires into the code after the block (the block is ending anyway; a budget that
        fired re-fires 50 ms later, so its exception is only postponed).
        """
        while self._limit is not None:
            try:
                _WATCHDOG.disarm(self._limit)
                self._limit = None
            except LIMIT_EXCEPTIONS:
                continue


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
