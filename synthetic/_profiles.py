"""ψ profiles of the worst-case search: the functions, their membership, pieces and exact
count (docs/statements.md §5c, ours; the search itself is :mod:`synthetic.search`).

**Parametrisation.** With a = L0/L1 and ψ(u) = sign(u)·log(1 + |u|/a), a C¹ function f is an
a.e. member of the (L0,L1) class iff ψ∘f' is L1-Lipschitz (§5c, "Membership"). A
:class:`Profile` is ψ∘f' piecewise linear: ``levels[i]`` = ψ(f'(breaks[i])), linear in
between, constant on the tails (−∞, breaks[0]] and [breaks[-1], ∞) (the tails point into the
bowl: q_0 < 0 < q_n), and a start x0 on a tail. On a ramp f integrates in closed form,
f(b') − f(b) = (b' − b)(Φ(q') − Φ(q))/(q' − q), Φ(q) = a(e^{|q|} − 1 − |q|) (Φ' = ψ⁻¹); on a
plateau f is linear; f* = min f is finite and attained at a knot or where ψ crosses 0
upwards. f' is monotone on each piece, so max |f'| over the knots bounds |f'| everywhere, the
sublevel set included: :func:`check_member` decides membership with M and Δ from the knots.

**Exact count.** :func:`profile_pieces` hands f' to the exact counter
(:func:`synthetic.fastcount.gd_count`); :func:`plateau_count` is ``gd_count`` with its
one-step jumps over constant pieces done by ``math.fsum`` instead of ``Fraction`` (the same
doubles: a product of two doubles is the exact sum of two doubles, and ``fsum`` rounds
correctly); on the dip witness, which lands on a plateau at every step, the exact count is
10-25× faster.
"""
from __future__ import annotations

import bisect
import math
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

__all__ = ["Profile", "check_member", "profile_pieces", "plateau_count"]


# ----------------------------------------------------------------------------- profiles
@dataclass(frozen=True)
class Profile:
    """ψ∘f' piecewise linear: ``levels[i]`` = ψ(f'(breaks[i])), linear in between, constant on
    the tails (−∞, breaks[0]] and [breaks[-1], ∞); the start ``x0`` (on a tail)."""

    breaks: tuple[float, ...]
    levels: tuple[float, ...]
    x0: float

    def to_dict(self) -> dict:
        return asdict(self)


def _psi_inv(p, a):
    return np.sign(p) * a * np.expm1(np.abs(p))


def _Phi(p, a):
    return a * (np.expm1(np.abs(p)) - np.abs(p))


def _increments(b, q, a):
    """f(b_{i+1}) − f(b_i) for every piece of the window (arrays ``(..., n)``)."""
    d, q1, q2 = np.diff(b, axis=-1), q[..., :-1], q[..., 1:]
    dq = q2 - q1
    small = np.abs(dq) < 1e-7
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = d * (_Phi(q2, a) - _Phi(q1, a)) / np.where(small, 1.0, dq)
    return np.where(small, d * _psi_inv((q1 + q2) / 2, a), ramp)


def _values(b, q, a):
    """f at the breaks (f(b_0) = 0) and f* (the least of f at breaks and at upward zero
    crossings of ψ on ramps)."""
    f = np.concatenate([np.zeros(b.shape[:-1] + (1,)), np.cumsum(_increments(b, q, a), -1)],
                       axis=-1)
    q1, q2, d = q[..., :-1], q[..., 1:], np.diff(b, axis=-1)
    up = (q1 < 0) & (q2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # from b_i to the zero of ψ: Φ(0) − Φ(q1) over the ψ-slope (q2 − q1)/d
        cross = f[..., :-1] - _Phi(q1, a) * d / np.where(up, q2 - q1, 1.0)
    fstar = np.minimum(f.min(-1), np.where(up, cross, np.inf).min(-1))
    return f, fstar


def check_member(profile: Profile, L0: float, L1: float, M: float, Delta: float,
                 rtol: float = 1e-9) -> list[str]:
    """Why ``profile`` is not an a.e. member with this M and Δ (empty list: it is).

    |Δψ/Δx| <= L1 on every piece (§5c, "Membership"); q_0 < 0 < q_n (f* finite); x0 on a tail
    with f(x0) − f* <= Δ (up to ``rtol``); max |f'| over the knots <= M, which bounds |f'|
    everywhere, the sublevel set included (f' is monotone on each piece).
    """
    a = L0 / L1
    b, q = np.asarray(profile.breaks, float), np.asarray(profile.levels, float)
    reasons = []
    if b.ndim != 1 or b.shape != q.shape or b.size < 2 or not np.all(np.isfinite(b)) \
            or not np.all(np.isfinite(q)) or not np.all(np.diff(b) >= 0):
        return ["breaks and levels must be finite, of one length >= 2, breaks non-decreasing"]
    d, dq = np.diff(b), np.abs(np.diff(q))
    steep = dq > L1 * d * (1 + rtol) + 1e-300
    if np.any(steep):
        k = int(np.argmax(np.where(steep, dq / np.maximum(d, 1e-300), 0)))
        reasons.append(f"|dψ/dx| = {dq[k] / max(d[k], 1e-300):.6g} > L1 = {L1:g} on piece {k}")
    if not (q[0] < 0 < q[-1]):
        reasons.append("the tails must point into the bowl (q_0 < 0 < q_n), or f* = −inf")
    top = float(np.max(np.abs(_psi_inv(q, a))))
    if top > M * (1 + rtol):
        reasons.append(f"sup |f'| on the sublevel set may reach {top:.6g} > M = {M:g}")
    f, fstar = _values(b, q, a)
    x0 = profile.x0
    if x0 >= b[-1]:
        fx0 = f[-1] + _psi_inv(q[-1], a) * (x0 - b[-1])
    elif x0 <= b[0]:
        fx0 = f[0] + _psi_inv(q[0], a) * (x0 - b[0])
    else:
        return reasons + ["x0 must lie on a tail"]
    if not fx0 - fstar <= Delta * (1 + rtol):
        reasons.append(f"f(x0) − f* = {fx0 - fstar:.9g} > Δ = {Delta:g}")
    return reasons


def profile_pieces(profile: Profile, L0: float, L1: float) -> list:
    """f' as :class:`~theory.functions.gradients.GradientPiece` for the exact counter: the
    tails and plateaus ``constant`` (the double ψ⁻¹(q) as an exact Fraction), ramps
    ``general``."""
    from theory.functions.gradients import GradientPiece

    a = L0 / L1
    b, q = profile.breaks, profile.levels

    def inv(p: float) -> float:
        return math.copysign(a * math.expm1(abs(p)), p)

    def const(lo, hi, level):
        g = inv(level)
        return GradientPiece(lo, hi, "constant", slope=Fraction(g), grad=lambda x: g)

    out = [const(-math.inf, b[0], q[0])]
    for lo, hi, q1, q2 in zip(b[:-1], b[1:], q[:-1], q[1:]):
        if hi <= lo:
            continue
        if q1 == q2:
            out.append(const(lo, hi, q1))
        else:
            s = (q2 - q1) / (hi - lo)
            out.append(GradientPiece(lo, hi, "general",
                                     grad=lambda x, lo=lo, q1=q1, s=s: inv(q1 + s * (x - lo))))
    return out + [const(b[-1], math.inf, q[-1])]


# ----------------------------------------------------------------------------- exact counting
def _two_doubles(slope: Fraction, rule: Callable[[float], float], eps: float):
    """(c_hi, c_lo) with c_hi + c_lo = h(|s|)·s exactly, c = gd_count's step on a constant
    piece of slope s; None when |s| <= ε (converged there) or c is not such a sum."""
    g = abs(float(slope))
    c = Fraction(rule(g)) * Fraction(slope)
    c_hi = float(c)
    c_lo = float(c - Fraction(c_hi))
    exact = Fraction(c_hi) + Fraction(c_lo) == c and c_hi != 0
    return (c_hi, c_lo) if g > eps and exact else None


def plateau_count(pieces: Sequence, x0: float, eps: float, rule: Callable[[float], float], *,
                  max_iter: int = 10**12, time_limit: float | None = None):
    """:func:`synthetic.fastcount.gd_count` (same :class:`~synthetic.fastcount.Count`), faster
    on orbits that leave each constant piece after one step.

    Such a step is x' = round(x − c) with c = h·s the exact product of two doubles; c = c_hi +
    c_lo exactly (checked in ``Fraction``), so x' = fsum([x, −c_hi, −c_lo]). A step is done
    here only when the one-step exit is certain from floats with a margin and x' is not a
    breakpoint; at the first other piece the rest of the run is handed to ``gd_count`` from
    the current state, which it then continues exactly as its own loop would. A sequence that
    builds its pieces when indexed (:class:`theory.functions.dips.DipPieces`) hands over the
    columns lo, hi, kind and slope instead (and ``gd_count`` its ``starts``).
    """
    from synthetic.fastcount import Count, gd_count

    if not (math.isfinite(eps) and eps > 0 and math.isfinite(x0)):
        return gd_count(pieces, x0, eps, rule, max_iter=max_iter, time_limit=time_limit)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    columns = getattr(pieces, "columns", None)  # a lazy sequence: theory.functions.dips
    los, his, kinds, slopes = columns if columns is not None else (
        [p.lo for p in pieces], [p.hi for p in pieces], [p.kind for p in pieces],
        [p.slope for p in pieces])
    starts = los[1:]
    split: dict[tuple[int, int], tuple[float, float] | None] = {}  # slope -> (c_hi, c_lo)
    x, t = float(x0), 0
    i = bisect.bisect_left(starts, x)
    last = parts = None  # the slope of the previous step and its split (pieces share slopes)
    while True:
        if kinds[i] != "constant" or t >= max_iter or (
                deadline is not None and not t & 0xFFF and time.perf_counter() > deadline):
            break
        slope = slopes[i]
        if slope is not last:
            key = (slope.numerator, slope.denominator)
            if key not in split:
                split[key] = _two_doubles(slope, rule, eps)
            last, parts = slope, split[key]
            if parts is not None:
                c_hi, c_lo = parts
                neg_hi, neg_lo, leftward = -c_hi, -c_lo, c_hi > 0
                need = abs(c_hi) * (1 - 2**-50)
        if parts is None:
            break  # converged here, or a step that is not a sum of two doubles: gd_count
        room = (x - los[i]) if leftward else (his[i] - x)  # inf on an unbounded side
        if not room * (1 + 2**-50) < need:
            break  # more than one step on this piece (or not certain): gd_count's jump
        moved = math.fsum((x, neg_hi, neg_lo))
        j = bisect.bisect_left(starts, moved)
        if j < len(starts) and starts[j] == moved:
            break  # rounded onto a breakpoint: gd_count decides the piece exactly
        x, t, i = moved, t + 1, j
    if deadline is not None and time.perf_counter() > deadline:
        return Count(None, "max_iter", t, x, math.nan, t, f"time limit of {time_limit:g} s reached")
    rest = gd_count(pieces, x, eps, rule, max_iter=max_iter - t, blowup=max(1e150, min(
        1e300, 1e20 * abs(x0))), time_limit=None if deadline is None else max(
        deadline - time.perf_counter(), 1e-9))
    return Count(None if rest.iterations is None else rest.iterations + t, rest.status,
                 rest.steps + t, rest.final_x, rest.final_grad_norm, rest.jumped + t, rest.note)
