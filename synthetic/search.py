"""Search for harder 1-D members: T_ε maximised over ψ profiles (docs/statements.md §5c, ours).

**Parametrisation.** With a = L0/L1 and ψ(u) = sign(u)·log(1 + |u|/a), a C¹ function f is an
a.e. member of the (L0,L1) class iff ψ∘f' is L1-Lipschitz (§5c, "Membership"). A profile is
ψ∘f' piecewise linear: a left tail at a level q_0 < 0 (f' = ψ⁻¹(q_0) on (−∞, b_0]),
``cells`` plateaus at free levels q_1..q_K, each reached by a ramp of ψ-slope σ_k·L1
(σ_k <= 1 − 10⁻⁴, so that the slope computed from the rounded breaks stays below L1), and a
last ramp to the right tail at q_{K+1} > 0. Every |f'| at a knot is ε(M/ε)^u, u ∈ [0, 1], so
|f'| <= M everywhere and M holds on the sublevel set; the tails may be mirrored (the same
|f'|, a free switch), which makes the sign-flipping 2-cycles of large steps an open set of
parameters. On a ramp f integrates in closed form, f(b') − f(b) = (b' − b)(Φ(q') − Φ(q))/
(q' − q), Φ(q) = a(e^{|q|} − 1 − |q|) (Φ' = ψ⁻¹); on a plateau f is linear; f* = min f is
finite (the tails point into the bowl) and attained at a knot or where ψ crosses 0 upwards.
The start x0 is free: on the left or the right tail, where f − f* = λΔ, λ ∈ (0, 1]; a profile
taller than λΔ on that side is not a member and is penalised by its excess.

**Objective.** scipy's differential evolution (``vectorized=True``, seeded) maximises T_ε:
each generation counts GD on the whole population at once, a numpy loop where a member on a
plateau jumps to the step that leaves it (its steps there are all equal) and a member on a
ramp takes one step. A member that reaches the cap (max{10·Δ/(h(ε)ε²), 2·upper} + 1000
steps: ten times a slope at ε, twice the upper estimate of sup T_ε, at most 10¹⁵) or whose
state repeats exactly (a cycle) counts as the cap, i.e. as never converging; one still running after ``max_loops`` passes counts its steps so far (a lower
bound of its T_ε). A first evolution on the 0-cell profiles (a bowl between two tails, six
parameters) seeds the second on ``cells`` plateaus.

**Distillation.** The best profile is counted exactly (:func:`plateau_count`, i.e.
:func:`synthetic.fastcount.gd_count`) and replaced by the certified motif it resembles: no
convergence → the extremal function (exact 2-cycle for h >= h_2c,
:func:`theory.functions.witnesses.extremal_member`); otherwise the plateau where the orbit took
most steps gives the level g* and δ = g*/ε − 1 (two digits), and the motif is the dip witness
at that δ when the orbit landed once on each of several plateaus near g*
(:func:`theory.functions.dips.dip_slope`), else the slope: B_δ
(:func:`theory.functions.witnesses.bowl_slope`, certified by ``analyse``) or, for fixed-step
GD, the walled slope (:func:`theory.functions.witnesses.walled_member`).

:func:`plateau_count` is :func:`synthetic.fastcount.gd_count` with its one-step jumps over
constant pieces done by ``math.fsum`` instead of ``Fraction`` (the same doubles: a product of
two doubles is the exact sum of two doubles, and ``fsum`` rounds correctly); on the dip witness,
which lands on a plateau at every step, the exact count is 10-25× faster.
"""
from __future__ import annotations

import bisect
import inspect
import math
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

__all__ = ["Profile", "SearchSpace", "SearchResult", "array_step", "check_member",
           "profile_pieces", "search_worst_case", "distill", "plateau_count"]

CONVERGED, NEVER, CENSORED, INVALID = 0, 1, 2, 3
STATUS = {CONVERGED: "converged", NEVER: "never (cap or cycle)", CENSORED: "censored",
          INVALID: "not a member"}


# ----------------------------------------------------------------------------- exact counting
def plateau_count(pieces: Sequence, x0: float, eps: float, rule: Callable[[float], float], *,
                  max_iter: int = 10**12, time_limit: float | None = None):
    """:func:`synthetic.fastcount.gd_count` (same :class:`~synthetic.fastcount.Count`), faster
    on orbits that leave each constant piece after one step.

    Such a step is x' = round(x − c) with c = h·s the exact product of two doubles; c = c_hi +
    c_lo exactly (checked in ``Fraction``), so x' = fsum([x, −c_hi, −c_lo]). A step is done
    here only when the one-step exit is certain from floats with a margin and x' is not a
    breakpoint; at the first other piece the rest of the run is handed to ``gd_count`` from
    the current state, which it then continues exactly as its own loop would.
    """
    from synthetic.fastcount import Count, gd_count

    if not (math.isfinite(eps) and eps > 0 and math.isfinite(x0)):
        return gd_count(pieces, x0, eps, rule, max_iter=max_iter, time_limit=time_limit)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    starts = [p.lo for p in pieces[1:]]
    split: dict[tuple[int, int], tuple[float, float] | None] = {}  # slope -> (c_hi, c_lo)
    x, t = float(x0), 0
    i = bisect.bisect_left(starts, x)
    while True:
        p = pieces[i]
        if p.kind != "constant" or t >= max_iter or (
                deadline is not None and not t & 0xFFF and time.perf_counter() > deadline):
            break
        key = (p.slope.numerator, p.slope.denominator)
        if key not in split:
            g = abs(float(p.slope))
            c = Fraction(rule(g)) * Fraction(p.slope)
            c_hi = float(c)
            c_lo = float(c - Fraction(c_hi))
            exact = Fraction(c_hi) + Fraction(c_lo) == c and c_hi != 0
            split[key] = (c_hi, c_lo) if g > eps and exact else None
        parts = split[key]
        if parts is None:
            break  # converged here, or a step that is not a sum of two doubles: gd_count
        c_hi, c_lo = parts
        room = (x - p.lo) if c_hi > 0 else (p.hi - x)  # inf on an unbounded side
        if not room * (1 + 2**-50) < abs(c_hi) * (1 - 2**-50):
            break  # more than one step on this piece (or not certain): gd_count's jump
        moved = math.fsum((x, -c_hi, -c_lo))
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


# ----------------------------------------------------------------------------- search space
def array_step(method: str, params: dict) -> Callable[[np.ndarray], np.ndarray]:
    """h(|g|) for arrays of |g| > 0 with the doubles of
    :func:`theory.statements.steps.step_rule` (the same operations in the same order; tested),
    without the checks of the runners' array rules (25× cheaper in the counter's loop)."""
    from theory.statements.steps import step_rule

    step_rule(method, **params)  # the one validation of the rule and its parameters
    if method == "gd":
        h = float(params["h"])
        return lambda g: np.full(np.shape(g), h)
    if method == "clipped":
        eta, gamma = float(params["eta"]), float(params["gamma"])
        return lambda g: np.minimum(eta, gamma * eta / g)
    eta, beta = float(params["eta"]), float(params["beta"])
    return lambda g: eta / (g + beta)


SIGMA_MAX = 1 - 1e-4  # ramps' ψ-slope <= SIGMA_MAX·L1: below L1 after the breaks are rounded
LOG_SIGMA = (-2.0, 0.5)  # σ = min{10^s, SIGMA_MAX}: a fifth of the range is the steepest ramp
LEVEL_U = 1.1  # |f'| = ε(M/ε)^min{u, 1}: a tenth of the range is |f'| = M
LOG_PLATEAU = (-6.0, 1.0)  # plateau widths U·10^[-6, 1]
LEVEL = (0.02, 1.1)  # f(x0) − f* = min{λ, 1}·Δ: the start is free below the level Δ
MIN_RAMP = 1e-6  # ramps at least MIN_RAMP·U wide (the rounding of the breaks stays <= 1e-6)
MAX_CAP = 10**15  # the counter's steps are int64 (and a double x - k·c stays meaningful)


class SearchSpace:
    """The box of parameters, its profiles and the population's GD counts (module docstring).

    Parameters of one member (3K + 6, K = ``cells``): u_L, v_1..v_K, u_R (the levels:
    |f'| = ε(M/ε)^min{|u|, 1}, v signed), log10 σ of the K + 1 ramps (σ capped at
    :data:`SIGMA_MAX`), log10 of the K plateau widths over the unit U = max{ℓ(ε), ℓ(M), s₀(M)}
    (ℓ(g) = h(g)·g the rule's step, s₀ the fastest fall to 0), the side of the start (< 1/2:
    the left tail), the mirror switch (>= 1/2: u_L = u_R) and λ (min{λ, 1}·Δ above f*).
    ``upper`` (the upper estimate of sup T_ε, when finite) raises the cap to twice it; the cap
    is at most :data:`MAX_CAP` (``cap_truncated`` then: reaching it only censors a count).
    """

    def __init__(self, method: str, params: dict, L0: float, L1: float, M: float, eps: float,
                 Delta: float, cells: int = 4, upper: float | None = None):
        from theory.statements.steps import step_rule

        for name, v in (("L0", L0), ("L1", L1), ("M", M), ("eps", eps), ("Delta", Delta)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} > 0 finite required, got {name}={v!r}")
        if not M > eps:
            raise ValueError(f"M > eps required, got M={M!r}, eps={eps!r}")
        if not (isinstance(cells, int) and 0 <= cells <= 12):
            raise ValueError(f"cells must be an integer in [0, 12], got {cells!r}")
        self.method, self.params = method, dict(params)
        self.rule = step_rule(method, **params)
        self.batch_rule = array_step(method, params)
        self.L0, self.L1, self.M, self.eps, self.Delta, self.cells = L0, L1, M, eps, Delta, cells
        self.a = L0 / L1
        self.unit = max(self.rule(eps) * eps, self.rule(M) * M, math.log1p(M / self.a) / L1)
        # ten times a slope at ε, and twice the upper estimate of sup T_ε when there is one
        steps = max(10 * Delta / (self.rule(eps) * eps * eps), 2 * (upper or 0)) + 1000
        self.cap = int(min(math.ceil(steps), MAX_CAP))
        self.cap_truncated = steps > MAX_CAP  # reaching the cap then only censors a count
        K = cells
        self.bounds = ([(0.0, LEVEL_U)] + [(-LEVEL_U, LEVEL_U)] * K + [(0.0, LEVEL_U)]
                       + [LOG_SIGMA] * (K + 1)
                       + [LOG_PLATEAU] * K + [(0.0, 1.0), (0.0, 1.0), LEVEL])

    def _magnitude(self, u):
        return self.eps * (self.M / self.eps) ** np.clip(u, 0.0, 1.0)

    def decode(self, Z: np.ndarray):
        """Profiles of the population ``Z`` (n_params × S): breaks and levels (S × (2K + 2)),
        x0, whether x0 could be placed (the side is at most Δ tall) and the excess if not."""
        Z = np.asarray(Z, float)
        if Z.ndim != 2 or Z.shape[0] != len(self.bounds):
            raise ValueError(f"a population is n_params × S = {len(self.bounds)} × S, got "
                             f"shape {Z.shape}")
        K, a, L1 = self.cells, self.a, self.L1
        uR, v = Z[K + 1], Z[1:K + 1]
        uL = np.where(Z[3 * K + 4] >= 0.5, uR, Z[0])  # mirrored tails: |f'| equal at both ends
        sig = np.minimum(10.0 ** Z[K + 2:2 * K + 3], SIGMA_MAX)
        plate = self.unit * 10.0 ** Z[2 * K + 3:3 * K + 3]
        side = Z[3 * K + 3] >= 0.5
        height = np.minimum(Z[3 * K + 5], 1.0) * self.Delta
        g = np.vstack([-self._magnitude(uL), np.where(v >= 0, 1.0, -1.0) *
                       self._magnitude(np.abs(v)), self._magnitude(uR)])  # (K + 2, S)
        psi = np.sign(g) * np.log1p(np.abs(g) / a)
        ramp = np.maximum(np.abs(np.diff(psi, axis=0)) / (sig * L1), MIN_RAMP * self.unit)
        S = Z.shape[1]
        widths = np.empty((2 * K + 1, S))
        widths[0::2], widths[1::2] = ramp, plate
        b = np.concatenate([np.zeros((1, S)), np.cumsum(widths, axis=0)]).T
        q = np.empty((S, 2 * K + 2))
        q[:, 0::2], q[:, 1::2] = psi[:-1].T, psi[1:].T
        f, fstar = _values(b, q, a)
        level = fstar + height
        right_excess, left_excess = f[:, -1] - level, f[:, 0] - level
        excess = np.where(side, right_excess, left_excess)
        valid = excess <= 0
        gR, gL = _psi_inv(q[:, -1], a), _psi_inv(q[:, 0], a)
        with np.errstate(divide="ignore", invalid="ignore"):
            x0 = np.where(side, b[:, -1] - right_excess / gR, b[:, 0] - left_excess / gL)
        return b, q, x0, valid, np.maximum(excess, 0.0)

    def profile(self, z: np.ndarray) -> Profile | None:
        """The profile of one parameter vector (None: its x0 cannot be placed)."""
        b, q, x0, valid, _ = self.decode(np.asarray(z, float)[:, None])
        if not valid[0]:
            return None
        return Profile(tuple(map(float, b[0])), tuple(map(float, q[0])), float(x0[0]))

    def embed(self, z: np.ndarray) -> np.ndarray:
        """The parameters of a 0-cell profile (a bowl between two tails) in this space: every
        plateau at the right tail's level, as narrow as the box allows (the same profile up to
        K·10⁻⁶·U of extra window)."""
        z = np.asarray(z, float)
        if z.shape != (6,):
            raise ValueError(f"a 0-cell parameter vector has 6 entries, got shape {z.shape}")
        K = self.cells
        uL, uR, s0, side, mirror, level = z
        return np.array([uL] + [uR] * K + [uR, s0] + [LOG_SIGMA[1]] * K + [LOG_PLATEAU[0]] * K
                        + [side, mirror, level])

    def count(self, b, q, x0, valid, max_loops: int = 4000, trace: bool = False):
        """T_ε of GD on every profile (module docstring): (values, status, steps[, trace]).

        values: T_ε when converged, the cap when the member reached it or cycled exactly, the
        steps so far when censored by ``max_loops``, 0 when not a member (``status``).
        ``trace`` (one member): steps per piece, numbered 0 (left tail) .. n + 1 (right tail).
        """
        S, n = b.shape[0], b.shape[1] - 1
        P, eps, cap, a = n + 2, self.eps, self.cap, self.a
        values, steps = np.zeros(S), np.zeros(S, dtype=np.int64)
        status = np.full(S, INVALID)
        per_piece = np.zeros(P, dtype=np.int64)
        active = np.flatnonzero(valid)
        B = b[active]
        d, dq = np.diff(B, axis=1), np.diff(q[active], axis=1)
        m = active.size
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.hstack([np.zeros((m, 1)), np.where(d > 0, dq / d, 0.0), np.zeros((m, 1))])
        start = np.hstack([q[active, :1], q[active]])
        lo = np.hstack([B[:, :1], B])  # finite: the left tail's ψ is its start level anyway
        lo_k = np.hstack([np.full((m, 1), -np.inf), B])
        hi_k = np.hstack([B, np.full((m, 1), np.inf)])
        flat = slope == 0
        g_flat = _psi_inv(start, a)
        c_flat = np.where(flat, self.batch_rule(np.maximum(np.abs(g_flat), eps)) * g_flat, 0.0)
        x, t = x0[active].astype(float), np.zeros(m, dtype=np.int64)
        hist = np.full((3, m), np.nan)
        rows = np.arange(m) * P
        for _ in range(max_loops):
            if active.size == 0:
                break
            j = (x[:, None] > B).sum(axis=1)
            at = rows + j
            s = slope.ravel()[at]
            ramp = s != 0
            p = start.ravel()[at] + s * (x - lo.ravel()[at])
            grad = _psi_inv(p, a)
            mag = np.abs(grad)
            conv = mag <= eps
            c = c_flat.ravel()[at]
            if ramp.any():
                c = np.where(ramp, self.batch_rule(np.maximum(mag, eps)) * grad, c)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                k = np.where(c > 0, np.ceil((x - lo_k.ravel()[at]) / c),
                             np.floor((hi_k.ravel()[at] - x) / -c) + 1)
            k = np.where(ramp | ~(k >= 1), 1.0, np.minimum(k, np.maximum(cap - t, 1)))
            k = k.astype(np.int64)
            xn, tn = x - k * c, t + k
            if trace:
                per_piece[j[0]] += 0 if conv[0] else k[0]
            never = ~conv & ((tn >= cap) | ~np.isfinite(xn) | (xn == hist).any(axis=0))
            stall = ~conv & ~never & (xn == x)
            stop = conv | never | stall
            if stop.any():
                ids = active[stop]
                values[ids] = np.where(never[stop], cap, t[stop])
                status[ids] = np.where(conv[stop], CONVERGED,
                                       np.where(never[stop], NEVER, CENSORED))
                steps[ids] = np.where(never[stop], np.minimum(tn[stop], cap), t[stop])
                keep = ~stop
                active, x, t, xn, tn = active[keep], x[keep], t[keep], xn[keep], tn[keep]
                hist, B, slope, start, lo, lo_k, hi_k, c_flat = (
                    hist[:, keep], B[keep], slope[keep], start[keep], lo[keep], lo_k[keep],
                    hi_k[keep], c_flat[keep])
                rows = np.arange(active.size) * P
            hist = np.vstack([x[None], hist[:2]])
            x, t = xn, tn
        values[active], status[active], steps[active] = t, CENSORED, t
        out = (values, status, steps)
        return out + (per_piece,) if trace else out

    def objective(self, Z: np.ndarray, max_loops: int = 4000) -> np.ndarray:
        """−T_ε for the population (differential evolution minimises), +excess/Δ if invalid."""
        b, q, x0, valid, excess = self.decode(Z)
        values, status, _ = self.count(b, q, x0, valid, max_loops)
        return np.where(valid, -values, excess / self.Delta)


# ----------------------------------------------------------------------------- the search
@dataclass(frozen=True)
class SearchResult:
    """One search (module docstring).

    ``best_iterations`` is the exact count (:func:`plateau_count`, i.e. ``gd_count``) of the
    best profile, None when it did not converge (``best_status``, ``best_note``: ``max_iter``
    without a note is ``cap`` steps without converging, with a note a censored count);
    ``search_value`` the population counter's value for it; ``sup_T`` the 1-D supremum
    (:func:`theory.statements.worstcase.one_d_supremum`, None: some member never converges)
    and ``ratio`` = best_iterations/sup_T; ``non_converging`` says the best member never
    converged; ``distilled`` the certified motif (:func:`distill`: name, pieces, x0,
    certified, iterations, ...); ``profile`` the best profile; ``members`` and ``rejected``
    the evaluated parameter vectors whose profile was a member (counted) or not (penalised);
    ``stopped`` why the search ended (``maxiter``, ``time_limit`` or ``converged``).
    """

    best_iterations: int | None
    best_status: str
    best_note: str
    search_value: float
    sup_T: float | None
    ratio: float | None
    non_converging: bool
    distilled: dict | None
    profile: dict | None
    cap: int
    seed: int
    cells: int
    popsize: int
    maxiter: int
    generations: int
    members: int
    rejected: int
    stopped: str
    seconds: float
    search_seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def _de_seed_keyword() -> str:
    from scipy.optimize import differential_evolution

    return "rng" if "rng" in inspect.signature(differential_evolution).parameters else "seed"


def _evolve(space: SearchSpace, tally: dict, *, seed, maxiter, popsize, max_loops, deadline,
            progress, x0=None):
    """One differential evolution over ``space`` (maximising T_ε); the best vector."""
    from scipy.optimize import differential_evolution

    best = [math.inf]

    def objective(Z):
        out = space.objective(Z, max_loops)
        tally["members"] += int(np.sum(out <= 0))
        tally["rejected"] += int(np.sum(out > 0))
        best[0] = min(best[0], float(np.min(out)))
        return out

    def callback(xk, convergence=None):
        tally["generations"] += 1
        if progress is not None:
            progress(tally["generations"], -best[0])
        if deadline is not None and time.perf_counter() > deadline:
            tally["stopped"] = "time_limit"
            return True
        return False

    result = differential_evolution(
        objective, space.bounds, maxiter=maxiter, popsize=popsize, tol=0.0, polish=False,
        updating="deferred", vectorized=True, init="latinhypercube", callback=callback, x0=x0,
        **{_de_seed_keyword(): np.random.default_rng(seed)})
    return np.asarray(result.x, float)


def search_worst_case(method: str, params: dict, L0: float, L1: float, M: float, eps: float,
                      Delta: float, *, cells: int = 4, seed: int = 0, maxiter: int = 40,
                      popsize: int = 12, max_loops: int = 4000,
                      time_limit: float | None = None, distil: bool = True,
                      progress: Callable[[int, float], None] | None = None) -> SearchResult:
    """Maximise T_ε over ψ profiles with up to ``cells`` plateaus (module docstring).

    Two differential evolutions: a quarter of the generations on the 0-cell profiles (a bowl
    between two tails: 6 parameters, three times the population), where the sign-flipping
    2-cycles are easy to meet, then the rest on ``cells`` plateaus, started from the first's
    best (:meth:`SearchSpace.embed`).

    Parameters
    ----------
    method, params : str, dict
        The step rule (:func:`theory.statements.steps.step_rule`: ``gd`` with h, ``clipped``
        with eta and gamma, ``normalized`` with eta and beta).
    L0, L1, M, eps, Delta : float
        The class and the target (all > 0, M > eps).
    cells : int
        Plateaus between the tails, 0..12 (3·cells + 6 parameters).
    seed : int
        Seed of the search's generator (``numpy.random.default_rng``); a run that is not cut
        by ``time_limit`` is reproducible.
    maxiter, popsize : int
        Generations in all (>= 2) and differential evolution's population factor.
    max_loops : int
        Passes of the population counter per generation (a member still running is censored).
    time_limit : float, optional
        Seconds for the generations (checked after each, a quarter for the first search); the
        exact recount and the distillation come on top.
    distil : bool
        Distil the best profile into a certified witness (:func:`distill`; imports sympy).
    progress : callable, optional
        Called after each generation with (generation, best value so far).

    Raises
    ------
    ValueError
        Bad class parameters, rule, cells, seed, maxiter, popsize or time_limit.
    """
    from theory.statements.steps import step_rule
    from theory.statements.worstcase import one_d_supremum

    started = time.perf_counter()
    for name, v, low in (("seed", seed, 0), ("maxiter", maxiter, 2), ("popsize", popsize, 2),
                         ("max_loops", max_loops, 1)):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low):
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be finite and > 0 seconds, got {time_limit!r}")
    wc = one_d_supremum(step_rule(method, **params), L0, L1, M, eps, Delta,
                        fixed_h=params["h"] if method == "gd" else None)
    space = SearchSpace(method, params, L0, L1, M, eps, Delta, cells, wc.upper)
    bowl = SearchSpace(method, params, L0, L1, M, eps, Delta, 0, wc.upper)
    tally = {"members": 0, "rejected": 0, "generations": 0, "stopped": "maxiter"}
    first = max(1, maxiter // 4) if cells else maxiter
    common = dict(max_loops=max_loops, progress=progress)
    z = _evolve(bowl, tally, seed=seed, maxiter=first, popsize=3 * popsize, deadline=None if
                time_limit is None else started + time_limit * first / maxiter, **common)
    if cells:
        tally["stopped"] = "maxiter"
        z = _evolve(space, tally, seed=seed + 1, maxiter=maxiter - first, popsize=popsize,
                    deadline=None if time_limit is None else started + time_limit,
                    x0=space.embed(z), **common)
    search_seconds = time.perf_counter() - started
    profile = space.profile(z) if cells else bowl.profile(z)
    best, status, note, value, trace = None, "not a member", "", 0.0, None
    if profile is not None:
        count = plateau_count(profile_pieces(profile, L0, L1), profile.x0, eps, space.rule,
                              max_iter=space.cap, time_limit=30.0)
        best, status, note = count.iterations, count.status, count.note
        b, q = np.asarray(profile.breaks)[None], np.asarray(profile.levels)[None]
        vals, _, _, trace = space.count(b, q, np.array([profile.x0]), np.array([True]),
                                        max_loops, trace=True)
        value = float(vals[0])
    # cap steps without converging, or a blow-up; a stall, the time limit or a cap truncated
    # to MAX_CAP only censor the count
    never = status == "diverged" or (status == "max_iter" and not note)
    if never and space.cap_truncated:
        never, note = False, f"at the cap of {space.cap:.3g} steps, the most the counter takes"
    distilled = distill(space, profile, trace, never, wc) if distil else None
    return SearchResult(
        best, status, note, value, wc.sup_T, None if best is None or not wc.sup_T else best / wc.sup_T,
        never, distilled, None if profile is None else profile.to_dict(), space.cap, int(seed),
        cells, popsize, maxiter, tally["generations"], tally["members"], tally["rejected"],
        tally["stopped"], time.perf_counter() - started, search_seconds)


# ----------------------------------------------------------------------------- distillation
def _plateau_levels(profile: Profile) -> list[float | None]:
    """ψ level of each piece numbered as in :meth:`SearchSpace.count` (None: a ramp)."""
    q = profile.levels
    inner = [q[j - 1] if q[j - 1] == q[j] else None for j in range(1, len(q))]
    return [q[0]] + inner + [q[-1]]


def _short(value: float) -> float:
    """Two significant digits (a short rational keeps the symbolic certification fast)."""
    return float(f"{value:.2g}")


def distill(space: SearchSpace, profile: Profile | None, trace, never: bool, wc) -> dict | None:
    """The certified motif the best profile resembles (module docstring), counted exactly.

    ``trace`` holds the steps per piece of the best profile's orbit, ``never`` says it did not
    converge, ``wc`` is :func:`~theory.statements.worstcase.one_d_supremum`'s answer. Returns
    {name, motif, pieces ([[expr, lo, hi], ...] or None for the dip witness), x0, certified,
    iterations (exact; None: never converges), level, delta, note}; name None when no motif
    applies (the note says why).
    """
    from synthetic.fastcount import gd_count
    from theory.functions.toolkit import analyse, gradient_pieces
    from theory.functions.witnesses import bowl_slope, extremal_member, pieces_json, \
        walled_member

    if profile is None:
        return None
    L0, L1, M, eps, Delta, rule = (space.L0, space.L1, space.M, space.eps, space.Delta,
                                   space.rule)
    if never:
        g = wc.two_cycle_gradient
        if g is None:
            return {"name": None, "motif": "no convergence", "note": "the best member did not "
                    "converge within the cap but the class has no exact 2-cycle here: a finding "
                    "to check (float stall or cycle of the counter?)"}
        c, report = extremal_member(L0, L1, g if g == M else math.floor(g * 1e9) / 1e9, Delta)
        return {"name": "extremal", "motif": "2-cycle", "pieces": pieces_json(c),
                "x0": str(c.x0), "certified": bool(report.member and report.certified),
                "iterations": None, "level": float(g), "delta": None,
                "note": "exact 2-cycle of the extremal function (h >= h_2c): never converges"}
    levels = _plateau_levels(profile)
    flat = [(int(trace[j]), j) for j, p in enumerate(levels) if p is not None and trace[j] > 0]
    if not flat:
        return {"name": None, "motif": "ramps", "note": "the orbit never landed on a plateau"}
    steps, j = max(flat)

    def magnitude(k: int) -> float:
        return space.a * math.expm1(abs(levels[k]))

    level = magnitude(j)
    delta = max(_short(level / eps - 1), 1e-6)
    near = [k for s, k in flat if s == 1 and abs(magnitude(k) - level) <= 0.1 * level]
    try:
        if len(near) >= 2 and len(near) >= steps:  # single landings dominate: dips
            from theory.functions.dips import dip_slope

            dw = dip_slope(L0, L1, rule, eps, Delta, delta=delta)
            n = plateau_count(dw.pieces, dw.x0, eps, rule, time_limit=30.0).iterations
            return {"name": "dip_witness", "motif": "dips", "pieces": None, "x0": repr(dw.x0),
                    "certified": True, "iterations": n, "level": level, "delta": delta,
                    "periods": dw.periods, "note": dw.certified}
        if space.method == "gd" and M > eps * (1 + delta) * (1 + 1e-9):
            c, report = walled_member(L0, L1, M, eps, Delta, delta=delta)
            name = "walled_slope"
        else:
            c = bowl_slope(eps, Delta, L0, delta=delta)
            report, name = analyse(c, L0, L1, M=M, Delta=Delta), "B_delta"
    except ValueError as e:
        return {"name": None, "motif": "slope", "level": level, "delta": delta,
                "note": f"no certified slope witness: {e}"}
    count = gd_count(gradient_pieces(c), float(c.x0), eps, rule, time_limit=30.0)
    return {"name": name, "motif": "slope", "pieces": pieces_json(c), "x0": str(c.x0),
            "certified": bool(report.member and report.certified),
            "iterations": count.iterations, "count_status": count.status + (
                f" ({count.note})" if count.note else ""), "level": level, "delta": delta,
            "note": f"the slope the search settled at, |f'| = {level:.6g} = (1 + {delta:g})ε, "
                    f"{steps} of the orbit's steps"}
