"""Fast, exact iteration counts of 1-D GD / clipped GD / normalized GD on piecewise constructions.

The lower-bound constructions (arXiv:1905.11881, proof of Thm 4) need T_ε up to 10⁸ and
beyond. The iteration is x_{t+1} = x_t - h(|f'(x_t)|) f'(x_t) with the rule h(·) of
:mod:`theory.statements.steps`; T_ε is the first t with |f'(x_t)| <= ε.

**Exact jump over constant-slope pieces.** Where f' = s is constant on [lo, hi] and |s| > ε, the
step is the constant c = h(|s|)·s, so x_k = x - k c exactly and the iterate leaves the piece at

    k* = floor((x - lo)/c) + 1   (c > 0),     k* = floor((hi - x)/|c|) + 1   (c < 0),

computed in rational arithmetic (``fractions.Fraction``) from the exact values of x, the double
step h and the slope (rational for the paper's constructions). x_{k*} is rounded once to a
double. This is the count of GD in *real* arithmetic; a plain double-precision loop instead
subtracts fl(c) rounded to the spacing of x every step, a systematic drift of up to
k·ulp(x)/(2|c|) iterations, so the two may differ by that much (tests compare the jump with a
rational brute-force loop, exactly, and with the plain loop within that drift).

**Elsewhere** a tight double-precision loop per piece (the same operations as a plain loop).
Overflow (``math.exp``) or |x| beyond ``blowup`` ends the run as ``diverged``; a constant slope
that never leaves an unbounded piece (f -> -oo) also diverges. A step below the spacing of
doubles at x, or an optional wall-clock limit, censors the count (``max_iter`` with a note); the
limit is looked at between jumps and piece changes too, so an iterate bouncing between pieces
(e.g. on |x|) stops on time.

Pure Python (no numpy): jumped steps cost nothing, stepped ones ~0.5 µs each; the whole process
of a 10⁷-step count on construction B takes ~0.2 s (``benchmarks/bench_fastcount.py``).
"""
from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence


__all__ = ["Count", "gd_count"]


@dataclass(frozen=True)
class Count:
    """One run: ``iterations`` is T_ε (None unless converged); ``jumped`` steps done in closed
    form."""

    iterations: int | None
    status: str
    steps: int
    final_x: float
    final_grad_norm: float
    jumped: int
    note: str = ""

    def record(self) -> dict:
        """The command line's fields; ``final_grad_norm`` is None when no finite |f'| was seen
        (an overflow at x0), so the answer is strict JSON."""
        g = self.final_grad_norm
        out = {"iterations": self.iterations, "status": self.status,
               "final_grad_norm": g if math.isfinite(g) else None}
        return out | ({"note": self.note} if self.note else {})


def _leave_after(x: Fraction, c: Fraction, lo: float, hi: float) -> int | None:
    """Steps of length c until x - k c leaves the piece (None: never).

    A breakpoint belongs to the piece on its left (the lookup is ``bisect_left``), so moving
    left (c > 0) the piece is left at the first k with x - k c <= lo, moving right at the first
    k with x - k c > hi; at least one step is taken.
    """
    if c > 0:
        return None if math.isinf(lo) else max(1, math.ceil((x - Fraction(lo)) / c))
    return None if math.isinf(hi) else max(1, math.floor((Fraction(hi) - x) / -c) + 1)


def _piece_of(starts: list[float], exact: Fraction, rounded: float) -> int:
    """Index of the piece holding the exact point (past a breakpoint even if its double rounds
    onto it): a float bisection, then exact comparisons at the one breakpoint it may miss."""
    i = bisect.bisect_left(starts, rounded)
    while i > 0 and exact <= starts[i - 1]:
        i -= 1
    while i < len(starts) and exact > starts[i]:
        i += 1
    return i


def gd_count(pieces: Sequence, x0: float, eps: float, rule: Callable[[float], float], *,
             max_iter: int = 10**12, blowup: float = 1e150, jump: bool = True,
             time_limit: float | None = None) -> Count:
    """T_ε of x_{t+1} = x_t - rule(|f'(x_t)|) f'(x_t) on a piecewise f' (see module docstring).

    Parameters
    ----------
    pieces : sequence of :class:`theory.functions.gradients.GradientPiece`
        Consecutive pieces covering R (``theory.functions.toolkit.gradient_pieces``); a breakpoint
        belongs to the piece on its left. A sequence that builds its pieces when indexed may
        carry ``starts``, the ``lo`` of pieces[1:] (:class:`theory.functions.dips.DipPieces`):
        they are bisected instead of building every piece to read them.
    x0 : float
    eps : float
        Target |f'| <= ε, > 0.
    rule : callable
        The step size as a function of |g| (:func:`step_rule`).
    max_iter : int
        Most steps (the count is censored beyond: status ``max_iter``).
    blowup : float
        |x| beyond max(blowup, 1e20 |x0|) (at most 1e300) counts as divergence.
    jump : bool
        Jump over constant-slope pieces exactly (False: plain double loop, the reference).
    time_limit : float, optional
        Seconds of stepping allowed (finite, > 0); beyond, the count is censored (``max_iter``,
        with a note). Without it the work is bounded by ``max_iter`` alone.

    Raises
    ------
    ValueError
        eps not finite and > 0, x0 not finite, time_limit not finite and > 0.

    A step smaller than the spacing of doubles at x (x - h f'(x) == x while |f'(x)| > ε) cannot
    be continued in double precision: the count is censored there, with a note.
    """
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be finite and > 0, got {eps}")
    if not math.isfinite(x0):
        raise ValueError(f"x0 must be finite, got {x0}")
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be finite and > 0 seconds, got {time_limit}")
    limit = max(blowup, min(1e300, 1e20 * abs(x0)))
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    starts = getattr(pieces, "starts", None)
    if starts is None:
        starts = [p.lo for p in pieces[1:]]
    x, t, jumped, g = float(x0), 0, 0, math.nan
    i = bisect.bisect_left(starts, x)
    visits = 0
    while True:
        p = pieces[i]
        visits += 1  # a jump or a change of piece: look at the clock every 256 of them
        if deadline is not None and not visits & 0xFF and time.perf_counter() > deadline:
            return Count(None, "max_iter", t, x, g, jumped,
                         f"time limit of {time_limit:g} s reached")
        if jump and p.kind == "constant":
            g = abs(float(p.slope))
            if g <= eps:
                return Count(t, "converged", t, x, g, jumped)
            if t >= max_iter:
                return Count(None, "max_iter", t, x, g, jumped)
            c = Fraction(rule(g)) * Fraction(p.slope)
            k = _leave_after(Fraction(x), c, p.lo, p.hi)
            if k is None:
                return Count(None, "diverged", t, x, g, jumped, "constant slope to infinity")
            leaves = k <= max_iter - t
            k = min(k, max_iter - t)
            exact = Fraction(x) - k * c
            x, t, jumped = float(exact), t + k, jumped + k
            if leaves:  # a long step may cross pieces: the piece of the exact x
                i = _piece_of(starts, exact, x)
            continue
        lo, hi, grad = p.lo, p.hi, p.grad
        try:
            while True:
                d = grad(x)
                if not abs(d) < math.inf:  # report the last finite |f'|
                    return Count(None, "diverged", t, x, g, jumped, "f' not finite")
                g = abs(d)
                if g <= eps:
                    return Count(t, "converged", t, x, g, jumped)
                if t >= max_iter:
                    return Count(None, "max_iter", t, x, g, jumped)
                moved = x - rule(g) * d
                if moved == x:
                    return Count(None, "max_iter", t, x, g, jumped,
                                 "stalled: the step is below the spacing of doubles at x")
                x, t = moved, t + 1
                if not lo < x <= hi:
                    break
                if deadline is not None and not t & 0xFFFF and time.perf_counter() > deadline:
                    return Count(None, "max_iter", t, x, g, jumped,
                                 f"time limit of {time_limit:g} s reached")
        except (OverflowError, ValueError, ZeroDivisionError):
            return Count(None, "diverged", t, x, g, jumped, "overflow")
        if not math.isfinite(x) or abs(x) > limit:
            return Count(None, "diverged", t, x, g, jumped, "blow-up")
        i = bisect.bisect_left(starts, x)
