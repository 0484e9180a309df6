"""The search box of the worst-case search and its vectorised GD counter (docs/statements.md
§5c, ours; the profiles are :mod:`synthetic._profiles`, the search :mod:`synthetic.search`).

**The box.** A profile (:class:`~synthetic._profiles.Profile`) has a left tail at a level
q_0 < 0 (f' = ψ⁻¹(q_0) on (−∞, b_0]), ``cells`` plateaus at free levels q_1..q_K, each reached
by a ramp of ψ-slope σ_k·L1 (σ_k <= 1 − 10⁻⁴, so that the slope computed from the rounded
breaks stays below L1), and a last ramp to the right tail at q_{K+1} > 0. Every |f'| at a knot
is ε(M/ε)^u, u ∈ [0, 1], so |f'| <= M everywhere and M holds on the sublevel set; the tails may
be mirrored (the same |f'|, a free switch), which makes the sign-flipping 2-cycles of large
steps an open set of parameters. The start x0 is free: on the left or the right tail, where
f − f* = λΔ, λ ∈ (0, 1]; a profile taller than λΔ on that side is not a member and is
penalised by its excess.

**The counter.** :meth:`SearchSpace.count` counts GD on the whole population at once, a numpy
loop where a member on a plateau jumps to the step that leaves it (its steps there are all
equal) and a member on a ramp takes one step. A member that reaches the cap
(max{10·Δ/(h(ε)ε²), 2·upper} + 1000 steps: ten times a slope at ε, twice the upper estimate
of sup T_ε, at most 10¹⁵) or whose state repeats exactly (a cycle) counts as the cap, i.e. as
never converging; one still running after ``max_loops`` passes counts its steps so far (a
lower bound of its T_ε). :func:`array_step` is the step rule on arrays.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from synthetic._profiles import Profile, _psi_inv, _values

__all__ = ["SearchSpace", "array_step", "CONVERGED", "NEVER", "CENSORED", "INVALID", "STATUS"]

CONVERGED, NEVER, CENSORED, INVALID = 0, 1, 2, 3
STATUS = {CONVERGED: "converged", NEVER: "never (cap or cycle)", CENSORED: "censored",
          INVALID: "not a member"}


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
