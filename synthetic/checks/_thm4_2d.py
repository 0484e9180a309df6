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

__all__ = ["fitted_M", "cycle_step", "cycle_gradient", "never_converges", "analytic_2d",
           "minimax_record", "orbit_return", "thresholds_record", "THRESHOLD_MS"]

THRESHOLD_MS = tuple(float(m) for m in np.logspace(0, 5, 41))  # M grid of the thresholds table
CYCLE_GRADIENT = 16 * math.sqrt(3) / 11  # ||∇F|| on F's 2-cycle (cycle2d.cycle_certificate)


@functools.lru_cache(maxsize=64)
def fitted_M(L0: float, L1: float, M: float, Delta: float) -> float:
    """The largest M' <= M whose rescaled 2-D member has Δ' = A Δ_F <= Δ: with
    A = M'K/(L1 M_F), M' = Δ L1 M_F/(K Δ_F), taken a relative 1e-12 below."""
    unit = cycle2d.rescaled(L0, L1, 1.0)  # Δ is linear in M: Δ(M') = M'·unit.Delta
    return min(float(M), Delta / unit.Delta * (1 - 1e-12))


def cycle_step(L0: float, L1: float, M: float, Delta: float) -> float:
    """h_cycle(M') = c/(L1 M') of the fitted member (docs/statements.md §9)."""
    return cycle2d.cycle_constant() / (L1 * fitted_M(L0, L1, M, Delta))


def cycle_gradient(L1: float, h: float) -> float:
    """||∇f|| on the 2-cycle of the member rescaled to cycle at h: M''·(16√3/11)/M_F with
    M'' = c/(L1 h)."""
    return cycle2d.cycle_constant() / (L1 * h) * CYCLE_GRADIENT / cycle2d.sublevel_M().value


def never_converges(L0: float, L1: float, M: float, eps: float, Delta: float, h: float) -> bool:
    """True when a certified 2-D member of the class cycles at h with ||∇f|| > ε."""
    return h >= cycle_step(L0, L1, M, Delta) and cycle_gradient(L1, h) > eps


def analytic_2d(L1: float, M_fit: float, eps: float, Delta: float) -> float | None:
    """L1 M'(Δ − 5ε/8)/(4cε²): below h_cycle construction B (slope 2ε, bowl 5ε/8) needs more
    than (Δ − 5ε/8)/(4hε²) steps (docs/statements.md §9); None when Δ <= 5ε/8."""
    if not Delta > 5 * eps / 8:
        return None
    return L1 * M_fit * (Delta - 5 * eps / 8) / (4 * cycle2d.cycle_constant() * eps**2)


def minimax_record(L0: float, L1: float, M: float, eps: float, Delta: float,
                   one_d: list[ResultRecord]) -> ResultRecord:
    """The ``minimax-2d`` record of one instance from its 1-D step records ``one_d``."""
    bound = thm4_bound(L0, L1, M, eps, Delta)
    M_fit = fitted_M(L0, L1, M, Delta)
    member = cycle2d.rescaled(L0, L1, M_fit)
    certified = bool(member.member["certified"] and cycle2d.cycle_certificate().proved)
    per_h = []
    for r in sorted(one_d, key=lambda r: r.params["h"]):
        h = r.params["h"]
        if certified and never_converges(L0, L1, M, eps, Delta, h):
            per_h.append({"h": h, "measured": math.inf, "member": "cycle2d"})
        else:
            per_h.append({"h": h, "measured": r.measured, "member": r.params["construction"]})
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
    return ResultRecord(
        check_id=f"thm4/2d/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}",
        theorem=bound.theorem, mark=bound.mark,
        params={"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta,
                "h": None if worst is None else worst["h"], "M_2d": M_fit,
                "h_cycle": cycle_step(L0, L1, M, Delta),
                "h_2c": one_d[0].params["h_2c"] if one_d else None},
        measured=measured, bound=bound.value, bound_kind="lower", tolerance=0.0,
        verdict="pass" if reached else "inconclusive", notes=notes, quantity="minimax-2d",
        status=None, censored=False,
        extra={"analytic_2d": analytic_2d(L1, M_fit, eps, Delta),
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
    the certified c, O(1) on a wrong one (an independent check of the cycle constant)."""
    member = cycle2d.rescaled(L0, L1, M)
    start = member.cycle_points[0]
    orbit = cycle2d.gd_orbit(c / (L1 * M), start, 2, dps=dps, member=member)
    return max(cycle2d.cycle_deviations(orbit, start, dps=dps + 20)) / math.hypot(*start)


RETURN_TOLERANCE = 1e-12  # float K, A put ~1e-16 relative into the 60-digit orbit


def thresholds_record(Ms=THRESHOLD_MS, L0: float = 1.0, L1: float = 1.0,
                      c: float | None = None) -> ResultRecord:
    """The ``thresholds-2d`` record: c against its lower limit π, the two-step return of the
    orbit at c/(L1 M) (:func:`orbit_return`), and the thresholds table.

    ``c`` overrides the certified cycle constant (negative controls only)."""
    c = cycle2d.cycle_constant() if c is None else float(c)
    back = orbit_return(c, L0, L1)
    table = []
    for m in Ms:
        t = cycle2d.thresholds(m, L0, L1)
        table.append({"M": m, **t, "h_cycle_2d": c / (L1 * m)})
    below_w2 = [row["M"] for row in table if row["h_cycle_2d"] < row["w2_limit"]]
    ok = c >= math.pi and not below_w2 and back <= RETURN_TOLERANCE
    return ResultRecord(
        check_id="thm4/2d/thresholds", theorem="Thm 4", mark="ours",
        params={"L0": L0, "L1": L1},
        measured=c, bound=math.pi, bound_kind="lower", tolerance=0.0,
        verdict="pass" if ok else "fail", quantity="thresholds-2d", status=None, censored=False,
        notes=("c >= π and c/(L1 M) >= W(2)/(L0 + L1 M) at every M: the 2-cycle is where a "
               "2-cycle can be" if ok else
               f"impossible cycle constant: c = {c:.6g} < π" if c < math.pi else
               f"h_cycle below the descent-lemma limit W(2)/(L0 + L1 M) at M = {below_w2[0]:g}"
               if below_w2 else f"no 2-cycle at c/(L1 M): two GD steps end {back:.3g} "
               "(relative) from the start"),
        extra={"c": c, "crossover_M": cycle2d.crossover_M(L0, L1), "orbit_return": back,
               "table": table})
