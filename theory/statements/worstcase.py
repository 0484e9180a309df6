"""Worst cases over the 1-D members of the (L0,L1) class (docs/statements.md §5c, ours).

With a = L0/L1 and ψ(u) = sign(u)·log(1 + |u|/a), a C¹ function f on R satisfies
|f''| <= L0 + L1|f'| almost everywhere iff ψ∘f' is L1-Lipschitz (d/dx ψ(f') = f''/(a + |f'|)).
Everything below follows from that one fact:

* **fastest fall** (:func:`fall`): from f' = g the least f' after a distance s is
  δ(s; g) = ψ⁻¹(ψ(g) − L1 s), i.e. (g + a)e^{−L1 s} − a until it reaches 0 at
  s₀(g) = log(1 + g/a)/L1 (:func:`fall_distance`), and −a(e^{L1(s − s₀)} − 1) after;
* **least decrease of one step** (:func:`least_decrease`): a step of length d from a point
  with f' = g1 to one with f' = g2 lowers f by at least
  D*(g1, g2, d) = ∫₀ᵈ max{δ(t; g1), δ(d − t; g2)} dt, attained by the profile that is that
  max (its ψ is the max of two L1-Lipschitz functions); for g1 = g2 = g and a positive dip,
  D* = 2[(g + a)(1 − e^{−L1 d/2})/L1 − a d/2];
* **1-D supremum of T_ε** (:func:`one_d_supremum`): for a step rule h(·) whose steps cannot
  flip the sign of f' (ℓ(g) <= s₀(g) on [ε, M], see "Sign flips" below), every step taken before T_ε lands at |f'| > ε, so each of the first T_ε − 1
  steps lowers f by at least c = D*(ε, ε, h(ε)ε) when the stationary slope is the cheapest
  cycle (checked, see below) and T_ε <= Δ/c + 1; a slope held at ε⁺ with one dip per step
  approaches Δ/c − O(1) (the bowl at the end costs O(1) steps). So sup T_ε = Δ/c + O(1),
  with the O(1) term at most +1;
* **exact non-convergence threshold of fixed-step GD** (:func:`h_2c`): the extremal function
  (a/L1)(e^{L1|x|} − L1|x| − 1) has ψ(f') = L1 x, so from x0 = s₀(M) GD with h = 2s₀(M)/M
  lands at −x0: an exact 2-cycle. Some member never converges iff h >= h_2c =
  2 log(1 + M L1/L0)/(L1 M), provided Δ admits the extremal's own Δ = (M − a log(1 + M/a))/L1
  (otherwise M is replaced by the largest M' whose extremal fits in Δ).

**Sign flips.** A step from f' = g can land where f' has the other sign only when its length
ℓ(g) = h(g)·g exceeds s₀(g), the fastest fall to 0 (:func:`flip_gradient`); for fixed-step GD
that is h > log(1 + M/a)/(L1 M) = h_2c/2 (at M). Where no step can flip, the count above is
proved and ``WorstCase.exact`` is True. Where some step can, Δ/c is still attained (the dip
witness), so it is a lower estimate of the supremum, but nothing bounds the count from above:
near a 2-cycle threshold a member can oscillate across its minimum with almost no decrease per
step, and just below h_2c the supremum is unbounded (found by the workbench's adversarial
tests: at (L0, L1, M, ε, Δ) = (1, 0.01, 1, 0.1, 0.497), h = h_2c − 2e-4, the extremal function
needs 604 steps against Δ/c = 50). Then ``exact`` is False and ``upper`` is None.

The stationary-slope claim is checked by :func:`cheapest_mean_decrease`: the minimum mean
least decrease over cycles of gradients in [ε, M] (Karp's minimum mean cycle on a ψ-grid,
with and without sign flips). Without flips a cheaper cycle is a real, better witness (steps
on disjoint intervals); with flips it is only a lower estimate (intervals overlap).
For L1 = 0 the class is the L0-Lipschitz gradients and δ(s; g) = g − L0 s.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

__all__ = ["psi", "psi_inverse", "fall", "fall_distance", "least_decrease",
           "least_decrease_symmetric", "h_2c", "largest_fitting_M", "extremal_delta",
           "construction_a_threshold",
           "cheapest_mean_decrease", "flip_gradient", "WorstCase", "one_d_supremum",
           "fixed_step_minimax"]


def _class(L0: float, L1: float) -> None:
    if not (math.isfinite(L0) and L0 > 0):
        raise ValueError(f"L0 > 0 finite required, got L0={L0!r}")
    if not (math.isfinite(L1) and L1 >= 0):
        raise ValueError(f"L1 >= 0 finite required, got L1={L1!r}")


def psi(u: float, L0: float, L1: float) -> float:
    """ψ(u) = sign(u)·log(1 + |u|/a), a = L0/L1 (L1 = 0: the limit u/L0 in units of L1·x)."""
    _class(L0, L1)
    if L1 == 0:
        return u / L0
    return math.copysign(math.log1p(abs(u) * L1 / L0), u)


def psi_inverse(p: float, L0: float, L1: float) -> float:
    """ψ⁻¹(p) = sign(p)·a(e^{|p|} − 1)."""
    _class(L0, L1)
    if L1 == 0:
        return p * L0
    return math.copysign(L0 / L1 * math.expm1(abs(p)), p)


def fall(s: float, g: float, L0: float, L1: float) -> float:
    """δ(s; g) = ψ⁻¹(ψ(g) − L1 s): the least f' at distance s >= 0 from a point with f' = g."""
    if not s >= 0:
        raise ValueError(f"s >= 0 required, got s={s!r}")
    if L1 == 0:
        _class(L0, L1)
        return g - L0 * s
    return psi_inverse(psi(g, L0, L1) - L1 * s, L0, L1)


def fall_distance(g: float, L0: float, L1: float) -> float:
    """s₀(g) = log(1 + g/a)/L1, the least distance in which f' can fall from g >= 0 to 0."""
    _class(L0, L1)
    if not g >= 0:
        raise ValueError(f"g >= 0 required, got g={g!r}")
    return g / L0 if L1 == 0 else math.log1p(g * L1 / L0) / L1


def _e2(u: float) -> float:
    """e^{−u} − 1 + u without cancellation (u >= 0)."""
    if u < 1e-4:
        return u * u * (0.5 - u * (1 / 6 - u * (1 / 24 - u / 120)))
    return math.expm1(-u) + u


def _drop(a: float, p: float, G: float, u: float) -> float:
    """Φ(p) − Φ(p − u) for u >= 0, Φ(q) = a(e^{|q|} − 1 − |q|) = L1·∫₀^{q/L1} ψ⁻¹; G = e^{|p|} − 1.

    L1·∫ ψ⁻¹(p − L1 t) dt over the segment where ψ falls by u from p."""
    if u <= 0:
        return 0.0
    if p >= u:  # stays >= 0: a[(1 + G)(1 − e^{−u}) − u]
        return a * G * -math.expm1(-u) - a * _e2(u)
    if p <= 0:  # stays <= 0: −(Φ(|p| + u) − Φ(|p|)) = −a[(1 + G)(e^u − 1) − u]
        return -(a * G * math.expm1(u) + a * (math.expm1(u) - u))
    return _drop(a, p, G, p) + _drop(a, 0.0, 0.0, u - p)


def least_decrease(g1: float, g2: float, d: float, L0: float, L1: float,
                   floor: float | None = None) -> float:
    """D*(g1, g2, d) = ∫₀ᵈ max{δ(t; g1), δ(d − t; g2), floor} dt (module docstring); ``inf``
    when no member has f' = g1 and g2 at distance d (|ψ(g1) − ψ(g2)| > L1 d: the step is
    impossible, or an end below ``floor``).

    Exact: the two falls cross at t* = (ψ(g1) − ψ(g2) + L1 d)/(2 L1) and each side integrates in
    closed form (:func:`_drop`). Signs of g1, g2 are arbitrary (a negative g2 is a step that
    lands across a minimum). ``floor`` = −M (<= 0) is the least f' on the sublevel set: a step
    of a rule without the extremal 2-cycle never leaves the sublevel set of its start
    (docs/statements.md §5c), so the dip cannot go below −M; a very long step without a floor
    can lower f by −inf.
    """
    _class(L0, L1)
    for name, v in (("g1", g1), ("g2", g2)):
        if not math.isfinite(v):
            raise ValueError(f"finite {name} required, got {name}={v!r}")
    if not (math.isfinite(d) and d >= 0):
        raise ValueError(f"d >= 0 finite required, got d={d!r}")
    if floor is not None and not (math.isfinite(floor) and floor <= 0):
        raise ValueError(f"floor <= 0 finite required, got floor={floor!r}")
    if floor is not None and min(g1, g2) < floor:
        return math.inf
    if L1 == 0:
        return _least_decrease_lipschitz(g1, g2, d, L0, floor)
    a = L0 / L1
    p1, p2 = psi(g1, L0, L1), psi(g2, L0, L1)
    if abs(p1 - p2) > L1 * d * (1 + 1e-15) + 1e-300:
        return math.inf
    t = min(max((p1 - p2 + L1 * d) / (2 * L1), 0.0), d)
    G1, G2 = abs(g1) / a, abs(g2) / a
    if floor is not None and p1 - L1 * t < (pf := psi(floor, L0, L1)):
        u1, u2 = p1 - pf, p2 - pf
        return ((_drop(a, p1, G1, u1) + _drop(a, p2, G2, u2)) / L1
                + floor * (d - (u1 + u2) / L1))
    try:
        return (_drop(a, p1, G1, L1 * t) + _drop(a, p2, G2, L1 * (d - t))) / L1
    except OverflowError:
        return -math.inf


def _least_decrease_lipschitz(g1, g2, d, L0, floor) -> float:
    """L1 = 0: f' falls at rate L0 at most; the integrand is max of two lines (and floor)."""
    if abs(g1 - g2) > L0 * d * (1 + 1e-15):
        return math.inf
    t = min(max((g1 - g2 + L0 * d) / (2 * L0), 0.0), d)
    if floor is not None and g1 - L0 * t < floor:
        t1, t2 = (g1 - floor) / L0, (g2 - floor) / L0
        return (g1 + floor) * t1 / 2 + (g2 + floor) * t2 / 2 + floor * (d - t1 - t2)
    return g1 * t - L0 * t * t / 2 + g2 * (d - t) - L0 * (d - t) ** 2 / 2


def least_decrease_symmetric(g: float, d: float, L0: float, L1: float) -> float:
    """The closed form D*(g, g, d) = 2[(g + a)(1 − e^{−L1 d/2})/L1 − a d/2] (positive dip:
    δ(d/2; g) >= 0); L1 = 0: g d − L0 d²/4."""
    _class(L0, L1)
    if L1 == 0:
        return g * d - L0 * d * d / 4
    a = L0 / L1
    return 2 * ((g + a) * -math.expm1(-L1 * d / 2) / L1 - a * d / 2)


def extremal_delta(M: float, L0: float, L1: float) -> float:
    """Δ of the extremal function started where |f'| = M: (M − a log(1 + M/a))/L1 (the least Δ
    of any member on which |f'| reaches M at both ends of its sublevel set); L1 = 0: M²/(2 L0)."""
    _class(L0, L1)
    if L1 == 0:
        return M * M / (2 * L0)
    a = L0 / L1
    return (M - a * math.log1p(M / a)) / L1


def largest_fitting_M(M: float, Delta: float, L0: float, L1: float) -> float:
    """min{M, M'} with extremal_delta(M') = Δ (the extremal's Δ grows with M)."""
    if extremal_delta(M, L0, L1) <= Delta:
        return M
    lo, hi = 0.0, M
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if extremal_delta(mid, L0, L1) <= Delta else (lo, mid)
    return lo


def h_2c(L0: float, L1: float, M: float, Delta: float | None = None) -> float:
    """The exact non-convergence threshold of fixed-step GD over 1-D members:
    h_2c = 2 s₀(M)/M = 2 log(1 + M L1/L0)/(L1 M) (L1 = 0: 2/L0).

    With ``Delta`` given, M is first lowered to the largest M' whose extremal function fits in
    Δ (:func:`extremal_delta`); the threshold is then 2 s₀(M')/M'.
    """
    _class(L0, L1)
    if not (math.isfinite(M) and M > 0):
        raise ValueError(f"M > 0 finite required, got M={M!r}")
    if Delta is not None:
        if not (math.isfinite(Delta) and Delta > 0):
            raise ValueError(f"Delta > 0 finite required, got Delta={Delta!r}")
        M = largest_fitting_M(M, Delta, L0, L1)
    return 2 * fall_distance(M, L0, L1) / M


def construction_a_threshold(L0: float, L1: float, M: float) -> float:
    """Construction A's threshold 2(1 + log(M L1/L0))/(L1 M) (M L1 > L0), which exceeds
    :func:`h_2c`: A is the weaker non-convergence witness (docs/statements.md §5)."""
    _class(L0, L1)
    if not (L1 > 0 and M * L1 > L0):
        raise ValueError(f"M*L1 > L0 required, got M={M!r}, L1={L1!r}, L0={L0!r}")
    return 2 * (1 + math.log(M * L1 / L0)) / (L1 * M)


def _karp(cost: np.ndarray) -> float:
    """Minimum mean cycle of a complete digraph with weights ``cost`` (inf: no edge)."""
    n = cost.shape[0]
    D = np.full((n + 1, n), np.inf)
    D[0] = 0.0
    for k in range(1, n + 1):
        D[k] = np.min(D[k - 1][:, None] + cost, axis=0)
    with np.errstate(invalid="ignore"):
        ks = np.arange(n)[:, None]
        ratios = (D[n][None, :] - D[:n]) / (n - ks)
        ratios = np.where(np.isfinite(D[:n]), ratios, -np.inf)
    best = np.max(ratios, axis=0)
    best = best[np.isfinite(D[n])]
    return float(np.min(best)) if best.size else math.inf


def cheapest_mean_decrease(step_length: Callable[[float], float], L0: float, L1: float,
                           eps: float, M: float, nodes: int = 48) -> dict:
    """Least mean decrease per step over cycles of gradients g ∈ [ε, M] (ψ-grid of ``nodes``).

    Edge g_i → g_j costs D*(g_i, ±g_j, ℓ(g_i)) with the floor −M, ℓ(g) = h(g)·g the step
    length; a grid, so nothing is proved between its nodes (a diagnostic). Returns
    ``same_side`` (no sign flips: achievable, steps on disjoint intervals), ``with_flips`` (a
    lower estimate: flipping steps overlap) and ``stationary`` = D*(ε, ε, ℓ(ε)).
    """
    lo, hi = psi(eps, L0, L1), psi(max(M, eps), L0, L1)
    gs = np.array([psi_inverse(p, L0, L1) for p in np.linspace(lo, hi, nodes)])
    gs[0] = eps
    same = np.full((nodes, nodes), np.inf)
    flip = np.full((nodes, nodes), np.inf)
    for i, g1 in enumerate(gs):
        d = step_length(float(g1))
        for j, g2 in enumerate(gs):
            same[i, j] = least_decrease(float(g1), float(g2), d, L0, L1, -M)
            flip[i, j] = least_decrease(float(g1), -float(g2), d, L0, L1, -M)
    stationary = least_decrease(eps, eps, step_length(eps), L0, L1)
    return {"same_side": min(_karp(same), stationary), "with_flips":
            min(_karp(np.minimum(same, flip)), stationary), "stationary": stationary,
            "nodes": nodes}


def flip_gradient(step_length: Callable[[float], float], L0: float, L1: float, eps: float,
                  M: float, points: int = 4000) -> float | None:
    """The least g ∈ [ε, M] on a grid (``points`` ψ-spaced nodes and both ends) whose step can
    flip the sign of f': ℓ(g) > s₀(g) (:func:`fall_distance`); None when no node can. For
    fixed-step GD ℓ(g)/s₀(g) = hL1 g/log(1 + g/a) increases in g, so the end M decides
    exactly; for other rules the grid is a check, not a proof, between its nodes."""
    if M <= eps:
        gs = np.array([eps])
    else:
        gs = np.array([psi_inverse(p, L0, L1) for p in
                       np.linspace(psi(eps, L0, L1), psi(M, L0, L1), points)])
        gs[0], gs[-1] = eps, M
    for g in gs:
        if step_length(float(g)) > fall_distance(float(g), L0, L1):
            return float(g)
    return None


@dataclass(frozen=True)
class WorstCase:
    """The 1-D supremum of T_ε for one rule and instance (see the module docstring).

    ``sup_T`` is Δ/c with c the least mean decrease per step of the achievable cycles (None when
    some member never converges): the supremum up to +1 when ``exact`` (no step of the rule can
    flip the sign of f'), a lower estimate otherwise (the dip witness attains it, sign-flipping
    members may need more); ``upper`` = Δ/c + 1 when exact (proved), None otherwise;
    ``per_step`` = c; ``stationary`` says whether the slope at ε⁺ is the cheapest cycle;
    ``flips_cheaper`` whether the grid found a sign-flipping cycle cheaper than c;
    ``flip_gradient`` the least g whose step can flip the sign (:func:`flip_gradient`);
    ``two_cycle_gradient`` is the g ∈ (ε, M] where ℓ(g) = 2 s₀(g) (the extremal function's
    exact 2-cycle), when there is one.
    """

    sup_T: float | None
    upper: float | None
    per_step: float
    stationary: bool
    flips_cheaper: bool
    two_cycle_gradient: float | None
    assumptions: str
    exact: bool = True
    flip_gradient: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _two_cycle(step_length, L0, L1, eps, M) -> float | None:
    """Largest g ∈ (ε, M] with ℓ(g) >= 2 s₀(g) on a log grid, refined by bisection to the
    root of ℓ(g) − 2 s₀(g) (an exact 2-cycle of the extremal function started at s₀(g))."""
    def gap(g):
        return step_length(g) - 2 * fall_distance(g, L0, L1)
    if M <= eps:
        return None
    gs = np.geomspace(eps * (1 + 1e-12), M, 400)
    signs = [gap(float(g)) >= 0 for g in gs]
    if not any(signs):
        return None
    k = max(i for i, s in enumerate(signs) if s)
    if k == len(gs) - 1 or signs[-1]:
        return float(M)  # ℓ(M) >= 2 s₀(M): from x0 = s₀(M) the amplitude does not shrink
    lo, hi = float(gs[k]), float(gs[k + 1])
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) >= 0 else (lo, mid)
    return lo


def one_d_supremum(rule: Callable[[float], float], L0: float, L1: float, M: float,
                   eps: float, Delta: float, *, fixed_h: float | None = None,
                   nodes: int = 48) -> WorstCase:
    """sup over 1-D members of T_ε for the step rule ``rule`` (h as a function of |f'|).

    ``fixed_h`` marks fixed-step GD, whose non-convergence threshold is exact
    (:func:`h_2c` with Δ). Other rules: non-convergence when the extremal function has an exact
    2-cycle at some g ∈ (ε, M'] (M' the largest M whose extremal fits in Δ).
    """
    _class(L0, L1)
    for name, v in (("M", M), ("eps", eps), ("Delta", Delta)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} > 0 finite required, got {name}={v!r}")
    if not M >= eps:
        raise ValueError(f"M >= eps required, got M={M!r}, eps={eps!r}")

    def length(g: float) -> float:
        return rule(g) * g

    fits = largest_fitting_M(M, Delta, L0, L1)
    cycle = None
    if fixed_h is not None:
        if fits > eps and fixed_h >= h_2c(L0, L1, fits):
            cycle = fits
    elif fits > eps:
        cycle = _two_cycle(length, L0, L1, eps, fits)
    cheap = cheapest_mean_decrease(length, L0, L1, eps, M, nodes)
    c, c_flip, c_stat = cheap["same_side"], cheap["with_flips"], cheap["stationary"]
    note = ("Δ/c + O(1), c the least mean decrease per step of a cycle of gradients in [ε, M] "
            "(slope at ε⁺ with one dip per step when stationary); O(1) <= +1 without flips")
    if not c > 0:  # the grid relaxation ignores Δ within a step: fall back on the slope
        c = c_stat
        note += "; the grid found cycles without decrease (Δ ignored per step): sup_T is the "\
                "stationary slope's, a lower estimate, and no upper estimate is given"
    never = cycle is not None or not c > 0
    flip = flip_gradient(length, L0, L1, eps, M)
    stationary = c >= c_stat * (1 - 1e-9) and cheap["same_side"] > 0
    exact = flip is None and stationary  # the proof needs both (stationarity: grid-checked)
    if flip is not None:
        note += (f"; a step can flip the sign of f' (from |f'| = {flip:.6g}): sup_T is a lower "
                 "estimate (the dip witness attains it) and no upper estimate is proved")
    return WorstCase(None if never else Delta / c,
                     None if never or not exact else Delta / c + 1,
                     c, stationary, c_flip < c * (1 - 1e-9), cycle, note, exact and not never,
                     flip)


def fixed_step_minimax(L0: float, L1: float, M: float, eps: float, Delta: float) -> dict:
    """A lower estimate of inf over h of the 1-D supremum of fixed-step GD's T_ε (the analytic
    counterpart of a lower bound over every h): sup_f T_ε(h) is infinite for h >= h_2c, and for
    h < h_2c it is at least Δ/D*(ε, ε, hε) (the dip witness), which decreases in h; so
    inf_h sup_f T_ε >= Δ/D*(ε, ε, h_2c ε) (``value``). It is not the infimum itself: for
    h > h_2c/2 steps can flip the sign of f', and sign-flipping members near h_2c need more
    steps (their supremum is unbounded as h → h_2c⁻), so the infimum may sit at a smaller h
    and be larger."""
    h = h_2c(L0, L1, M, Delta)
    below = h * (1 - 1e-9)
    wc = one_d_supremum(lambda g: below, L0, L1, M, eps, Delta, fixed_h=below)
    return {"h_2c": h, "value": wc.sup_T, "stationary": wc.stationary,
            "flips_cheaper": wc.flips_cheaper, "kind": "lower estimate"}
