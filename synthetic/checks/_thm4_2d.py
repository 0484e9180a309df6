r"""Thm 4 beyond 1-D: the 2-D member whose exact GD 2-cycle removes the log factor.

docs/statements.md §9. The rescaled member f = A·F(L1 x/K) of
:func:`theory.functions.cycle2d.rescaled` is (0, L1)-smooth (K certified by interval
branch-and-bound), has sup ||∇f|| = M' on its sublevel set and Δ = A·Δ_F ≈ 1.533 M'/L1, and
fixed-step GD on it has an exact 2-cycle at h_cycle = c/(L1 M') (c = h_F·K·M_F ≈ 9.63,
:func:`theory.functions.cycle2d.cycle_certificate`). Here M' is the largest M' <= M whose Δ fits
the instance's Δ.

**Which member at which h.** For h >= h_cycle(M') the member rescaled to M'' = c/(L1 h) <= M'
(still in the class: Δ'' <= Δ) cycles at exactly h; its gradient on the cycle is
||∇f|| = M''·(16√3/11)/M_F, so it never reaches ε when that exceeds ε. For every other h the
1-D members embedded in 2-D (f(x, y) = φ(x): same ||∇f||, ||∇²f|| = |φ''|, M and Δ) are the
hard members: the check's 1-D record at that h (:func:`synthetic.checks.thm4.lower_bound_record`).

**Records.** ``minimax-2d`` (one per instance): the minimum over the check's step grid (which
holds h_cycle(M')·(1 − 1e-9)) of the hardest certified member in 2-D, against Thm 4's bound;
``pass`` when it reaches the bound at every step of the grid, ``inconclusive`` otherwise (a
lower bound is refuted only by a proof about the whole class). Beside it: the 1-D analytic
min-max and the 2-D lower estimate L1·M'(Δ − 5ε/8)/(4cε²) (construction B, slope 2ε, below
h_cycle). ``thresholds-2d`` (one per check run): the thresholds of :func:`cycle2d.thresholds`
for a log grid of M at L0 = L1 = 1 (Fig 10), with the check c >= π: any 2-cycle of a
(0, L1)-smooth function needs h >= π/(L1 M) (its gradient turns by π along a segment of length
<= hM at angular rate <= L1), so a c below π would be a wrong certificate.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from theory.functions import cycle2d
from theory.records import ResultRecord
from theory.statements.bounds import STATEMENTS, thm4_bound
from theory.statements.worstcase import h_2c

__all__ = ["certified_constants", "fitted_M", "cycle_step", "cycle_gradient", "flat_step",
           "never_converges", "analytic_2d", "minimax_record", "orbit_return",
           "sampled_constants", "thresholds_record", "THRESHOLD_MS"]

THRESHOLD_MS = tuple(float(m) for m in np.logspace(0, 5, 41))  # M grid of the thresholds table
CYCLE_GRADIENT = 16 * math.sqrt(3) / 11  # ||∇F|| on F's 2-cycle (cycle2d.cycle_certificate)
MARGIN = 1e-12  # M' is taken this much (relative) below M or the Δ-fitting value


def certified_constants() -> tuple[float, float]:
    """(K_upper, M_F) as the rescaled members use them (:func:`cycle2d.rescaled` at
    L1 = M = 1 has A = K/M_F)."""
    unit = cycle2d.rescaled(1.0, 1.0, 1.0)
    return unit.K, unit.K / unit.A


@functools.lru_cache(maxsize=64)
def fitted_M(L0: float, L1: float, M: float, Delta: float) -> float:
    """The largest M' <= M whose rescaled 2-D member has Δ' = A Δ_F <= Δ (A = M'K/(L1 M_F),
    so Δ' is linear in M'), taken a relative :data:`MARGIN` below: the member's certified
    enclosure of sup ||∇f|| must lie below M, not only its float value."""
    unit = cycle2d.rescaled(L0, L1, 1.0)  # Δ(M') = M'·unit.Delta
    return min(float(M), Delta / unit.Delta) * (1 - MARGIN)


def cycle_step(L0: float, L1: float, M: float, Delta: float) -> float:
    """h_cycle(M') = c/(L1 M') of the fitted member (docs/statements.md §9)."""
    return cycle2d.cycle_constant() / (L1 * fitted_M(L0, L1, M, Delta))


def cycle_gradient(L1: float, h: float) -> float:
    """||∇f|| on the 2-cycle of the member rescaled to cycle at h: M''·(16√3/11)/M_F with
    M'' = c/(L1 h)."""
    if not (L1 > 0 and h > 0 and math.isfinite(h)):
        raise ValueError(f"L1 > 0 and finite h > 0 required, got L1={L1!r}, h={h!r}")
    return cycle2d.cycle_constant() / (L1 * h) * CYCLE_GRADIENT / certified_constants()[1]


def flat_step(L1: float, eps: float) -> float:
    """The step above which the member cycling there has ||∇f|| <= ε (no longer a witness):
    cycle_gradient(L1, h) = ε."""
    return cycle2d.cycle_constant() * CYCLE_GRADIENT / (L1 * eps * certified_constants()[1])


def never_converges(L0: float, L1: float, M: float, eps: float, Delta: float, h: float) -> bool:
    """True when a certified 2-D member of the class cycles at h with ||∇f|| > ε."""
    return h >= cycle_step(L0, L1, M, Delta) and cycle_gradient(L1, h) > eps


def analytic_2d(L0: float, L1: float, M: float, eps: float, Delta: float) -> float | None:
    """L1 M'(Δ − 5ε/8)/(4cε²), the min-max estimate of docs/statements.md §9, or None where
    its argument does not cover every step.

    Below h_cycle construction B (slope 2ε, bowl 5ε/8) needs more than (Δ − 5ε/8)/(4hε²)
    steps; on [h_cycle, h_flat) the 2-D member never converges; for h >= h_flat a
    never-converging member must come from 1-D, whose extremal covers h >= h_2c(M', Δ)
    (:func:`theory.statements.worstcase.h_2c`). So the estimate needs Δ > 5ε/8 and
    h_2c <= h_flat."""
    if not all(v > 0 and math.isfinite(v) for v in (L1, M, eps, Delta)):
        raise ValueError(f"finite L1, M, eps, Delta > 0 required, got {(L1, M, eps, Delta)}")
    if not Delta > 5 * eps / 8 or h_2c(L0, L1, M, Delta) > flat_step(L1, eps):
        return None
    M_fit = fitted_M(L0, L1, M, Delta)
    return L1 * M_fit * (Delta - 5 * eps / 8) / (4 * cycle2d.cycle_constant() * eps**2)


def minimax_record(L0: float, L1: float, M: float, eps: float, Delta: float,
                   one_d: list[ResultRecord]) -> ResultRecord:
    """The ``minimax-2d`` record of one instance from its 1-D step records ``one_d`` (all of
    this instance: ValueError otherwise). A censored 1-D count is T_ε from below, which still
    reaches a lower bound when it is above it; the record says when its minimum is censored."""
    instance = {"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta}
    for r in one_d:
        if any(r.params.get(k) != v for k, v in instance.items()) or r.quantity != "iterations":
            raise ValueError(f"{r.check_id} is not a 1-D step record of the instance {instance}")
    bound = thm4_bound(L0, L1, M, eps, Delta)
    M_fit = fitted_M(L0, L1, M, Delta)
    member = cycle2d.rescaled(L0, L1, M_fit)
    certified = bool(member.member["certified"] and member.M_enclosure[1] <= M and
                     member.Delta <= Delta and cycle2d.cycle_certificate().proved)
    per_h = []
    for r in sorted(one_d, key=lambda r: r.params["h"]):
        h = r.params["h"]
        if certified and never_converges(L0, L1, M, eps, Delta, h):
            per_h.append({"h": h, "measured": math.inf, "member": "cycle2d", "censored": False})
        else:
            per_h.append({"h": h, "measured": r.measured, "member": r.params["construction"],
                          "censored": bool(r.censored)})
    known = [p for p in per_h if p["measured"] is not None]
    worst = min(known, key=lambda p: p["measured"], default=None)
    complete = worst is not None and len(known) == len(per_h)
    measured = None if worst is None else worst["measured"]
    reached = complete and measured >= bound.value
    notes = ("at every step of the grid a certified member (2-D cycle above h_cycle, 1-D "
             "below) reaches the bound" if reached else
             "no witness reaches the bound at some step (a lower bound is refuted only by a "
             "proof about the whole class)" if complete else
             "some step has no certified hard member")
    if not certified:
        notes += "; the 2-D member is not certified for this class, only 1-D members used"
    return ResultRecord(
        check_id=f"thm4/2d/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}",
        theorem=bound.theorem, mark=bound.mark,
        params={**instance, "h": None if worst is None else worst["h"], "M_2d": M_fit,
                "h_cycle": cycle_step(L0, L1, M, Delta),
                "h_2c": one_d[0].params["h_2c"] if one_d else None},
        measured=measured, bound=bound.value, bound_kind="lower", tolerance=0.0,
        verdict="pass" if reached else "inconclusive", notes=notes, quantity="minimax-2d",
        status=None, censored=bool(worst is not None and worst["censored"]),
        extra={"analytic_2d": analytic_2d(L0, L1, M, eps, Delta), "h_flat": flat_step(L1, eps),
               "minimax_1d": one_d[0].extra["minimax_1d"] if one_d else None,
               "ratio": None if measured is None or not bound.value else measured / bound.value,
               "per_h": per_h, "member": {"name": "cycle2d", "certified": certified,
                                          "K": member.K, "A": member.A, "Delta": member.Delta,
                                          "M_enclosure": list(member.M_enclosure),
                                          "reasons": member.member["reasons"]},
               "statement": STATEMENTS["thm4"]["formula"]})


def orbit_return(c: float, L0: float = 1.0, L1: float = 1.0, M: float = 1000.0,
                 dps: int = 60) -> float:
    """Relative distance from the start after two GD steps of step c/(L1 M) on the member
    rescaled to M, started on its cycle, at ``dps`` digits: ~1e-16 (the floats of K, A) on
    the certified c, O(1) on a wrong one. It tests h_F and the cycle point; an error in K or
    M_F cancels (the member is built with the same values), which :func:`sampled_constants`
    tests instead."""
    member = cycle2d.rescaled(L0, L1, M)
    start = member.cycle_points[0]
    orbit = cycle2d.gd_orbit(c / (L1 * M), start, 2, dps=dps, member=member)
    return max(cycle2d.cycle_deviations(orbit, start, dps=dps + 20)) / math.hypot(*start)


def sampled_constants(points: int = 801) -> dict:
    """The certified K_upper and M_F against samples of F itself, independent of both
    certificates: max ||∇F|| over a grid of the sublevel set {F <= F_c} (s ∈ [−40, 40],
    y ∈ [0, 60], refined around the best point) and max ||∇²F||/||∇F|| over s ∈ [−40, 40],
    y ∈ [0, 100] (the ratio tends to its sup λ²/μ as y → ∞ at s = 0, a grid point). Samples
    can only be below a true sup: a sample above a certified value disproves it, a sample far
    below shows a certificate too loose (or wrong) to be the sup."""
    K, M_F = certified_constants()
    F = cycle2d.rescaled(1.0, K, M_F)  # A = 1 and L1/K = 1: this member is F itself
    F_c = float(cycle2d.cycle_certificate().F_c)

    def best_gradient(s, y):
        S, Y = np.meshgrid(s, y)
        g = np.where(F.value((S, Y)) <= F_c, np.hypot(*F.grad((S, Y))), -np.inf)
        k = int(np.argmax(g))
        return float(g.flat[k]), float(S.flat[k]), float(Y.flat[k])

    s, y = np.linspace(-40, 40, points), np.linspace(0, 60, points)
    g, s0, y0 = best_gradient(s, y)
    ds, dy = 2 * (s[1] - s[0]), 2 * (y[1] - y[0])
    g, s0, y0 = max((g, s0, y0), best_gradient(np.linspace(s0 - ds, s0 + ds, 401),
                                                np.linspace(y0 - dy, y0 + dy, 401)))
    S, Y = np.meshgrid(np.linspace(-40, 40, points), np.linspace(0, 100, points))
    ratio = float(np.max(F.hess_norm((S, Y)) / np.hypot(*F.grad((S, Y)))))
    return {"K_upper": K, "K_sampled": ratio, "M_F": M_F, "M_F_sampled": g,
            "M_F_argmax": [s0, y0]}


RETURN_TOLERANCE = 1e-12  # float K, A put ~1e-16 relative into the 60-digit orbit
SAMPLED_GAP = {"M_F": 1e-4, "K": 1e-6}  # how far below a certified sup its samples may stay


def _threshold_checks(c: float, back: float, sampled: dict) -> dict:
    """Every test of the thresholds record: name -> (value, limit, holds)."""
    y_c = float(cycle2d.cycle_certificate_floats()["y_c"])
    K, M_F = sampled["K_upper"], sampled["M_F"]
    return {
        "c >= π (a 2-cycle's gradient turns by π at rate <= L1 along <= hM)": (c, math.pi,
                                                                                c >= math.pi),
        "2·y_c·K >= π (the same along the cycle's own segment h||∇f||)": (
            2 * y_c * K, math.pi, 2 * y_c * K >= math.pi),
        "two 60-digit GD steps at c/(L1 M) return to the cycle point": (
            back, RETURN_TOLERANCE, back <= RETURN_TOLERANCE),
        "sampled sup ||∇F|| on the sublevel set <= M_F": (
            sampled["M_F_sampled"], M_F, sampled["M_F_sampled"] <= M_F * (1 + 1e-12)),
        "sampled sup ||∇F|| on the sublevel set >= M_F (1 − 1e-4)": (
            sampled["M_F_sampled"], M_F * (1 - SAMPLED_GAP["M_F"]),
            sampled["M_F_sampled"] >= M_F * (1 - SAMPLED_GAP["M_F"])),
        "sampled sup ||∇²F||/||∇F|| <= K_upper": (
            sampled["K_sampled"], K, sampled["K_sampled"] <= K * (1 + 1e-12)),
        "sampled sup ||∇²F||/||∇F|| >= K_upper (1 − 1e-6)": (
            sampled["K_sampled"], K * (1 - SAMPLED_GAP["K"]),
            sampled["K_sampled"] >= K * (1 - SAMPLED_GAP["K"]))}


def thresholds_record(Ms=THRESHOLD_MS, L0: float = 1.0, L1: float = 1.0,
                      c: float | None = None) -> ResultRecord:
    """The ``thresholds-2d`` record: the cycle constant c = h_F·K·M_F against the π limit,
    the two-step return of the orbit at c/(L1 M) (:func:`orbit_return`), the certified K and
    M_F against samples of F (:func:`sampled_constants`), and the thresholds table of Fig 10.
    W(2)/(L0 + L1 M) is in the table only: c >= π > W(2) implies it.

    ``c`` overrides the certified cycle constant (negative controls only)."""
    c = cycle2d.cycle_constant() if c is None else float(c)
    back = orbit_return(c, L0, L1)
    sampled = sampled_constants()
    table = []
    for m in Ms:
        t = cycle2d.thresholds(m, L0, L1)
        table.append({"M": m, **t, "h_cycle_2d": c / (L1 * m)})
    checks = _threshold_checks(c, back, sampled)
    failed = [f"{name}: {v:.10g} vs {limit:.10g}" for name, (v, limit, ok) in checks.items()
              if not ok]
    return ResultRecord(
        check_id="thm4/2d/thresholds", theorem="Thm 4", mark="ours",
        params={"L0": L0, "L1": L1},
        measured=c, bound=math.pi, bound_kind="lower", tolerance=0.0,
        verdict="fail" if failed else "pass", quantity="thresholds-2d", status=None,
        censored=False,
        notes="; ".join(failed) if failed else
        "the 2-cycle is where a 2-cycle can be, and K, M_F agree with samples of F",
        extra={"c": c, "crossover_M": cycle2d.crossover_M(L0, L1), "orbit_return": back,
               "sampled": sampled,
               "checks": {k: {"value": v, "limit": lim, "holds": ok}
                          for k, (v, lim, ok) in checks.items()},
               "table": table})
