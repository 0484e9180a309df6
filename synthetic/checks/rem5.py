"""Remark 5 check: the separation T(best fixed step) / T(clipped GD) as M grows.

Remark 5 [paper] (docs/statements.md §4, Remark 5): fixed-step GD needs Ω((L1 M/log M + L0)Δ/ε²)
iterations on the class, clipped GD O(L0Δ/ε² + L1²Δ/L0), so clipped GD is arbitrarily faster when
L1·M is large.

On the class instances (L0, L1, M, ε, Δ) of the Thm 4 check, for each M of a grid (Δ fixed,
large enough for construction A at the largest M):

* T_GD(h) = max{T_A(h), T_B(h)} is the worst case of a fixed step h over the two certified
  members (∞ where GD diverges); T_GD* = min over a log grid of h around h_thr (the best
  fixed step for the class, as far as these members can tell);
* T_clip = max{T_A, T_B} for clipped GD with Thm 3's parameters (η = 1/(10 L0), γ = min{10 L0,
  L0/L1});
* the measured separation T_GD*/T_clip is recorded beside Remark 5's order ratio
  (:func:`theory.statements.bounds.rem5_speedup`, verdict ``shape-only``).

A summary record fits the log-log slope of the measured separation in M. Its verdict is
``pass`` when the separation increases with M over the whole grid and the slope is at least
half the predicted one (d log(M/log M)/d log M), ``fail`` otherwise: the remark's claim is
growth, not constants.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synthetic.checks.thm4 import certified_member
from synthetic.fastcount import gd_count
from theory.statements.bounds import rem5_speedup
from theory.functions.constructions import h_threshold
from theory.records import ResultRecord
from theory.statements.steps import step_rule, thm3_parameters

__all__ = ["negative_control", "Config", "FULL", "QUICK", "run", "units", "separation",
           "summary_record"]


@dataclass(frozen=True)
class Config:
    """Class constants and the grid of M (Δ = the largest M, so A is a member for every M)."""

    L0: float = 1.0
    L1: float = 1.0
    eps: float = 0.1
    Ms: tuple = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)
    h_points: int = 26           # steps h_thr·10^[-2, 0.5] (+ h_thr) for the best fixed step
    max_iter: int = 10**12


FULL = Config()
QUICK = Config(Ms=(10.0, 100.0, 1000.0), h_points=14)


def _T(count) -> float:
    """T_ε, ∞ when GD diverges; a censored count raises (the separation would be unknown)."""
    if count.status == "max_iter":
        raise ValueError(f"a count was censored after {count.steps} steps ({count.note or 'cap'})"
                         "; raise max_iter")
    return float(count.steps) if count.status == "converged" else math.inf


def separation(L0: float, L1: float, M: float, eps: float, Delta: float, h_points: int,
               max_iter: int = 10**12) -> dict:
    """T_GD* (best fixed step over the grid, worst case over A and B), T_clip and their ratio."""
    members = [certified_member(w, L0, L1, M, eps, Delta) for w in ("A", "B")]
    thr = h_threshold(L0, L1, M)
    hs = np.unique(np.append(thr * np.logspace(-2, 0.5, h_points), thr))
    worst = []
    for h in hs:
        rule = step_rule("gd", h=float(h))
        worst.append(max(_T(gd_count(p, float(c.x0), eps, rule, max_iter=max_iter))
                         for c, _, p in members))
    best = int(np.argmin(worst))
    eta, gamma = thm3_parameters(L0, L1)
    clip = step_rule("clipped", eta=eta, gamma=gamma)
    t_clip = max(_T(gd_count(p, float(c.x0), eps, clip, max_iter=max_iter)) for c, _, p in members)
    certified = all(r.member and r.certified for _, r, _ in members)
    return {"T_gd_best": worst[best], "h_best": float(hs[best]), "h_thr": thr,
            "T_clip": t_clip, "separation": worst[best] / t_clip, "members_certified": certified}


def summary_record(Ms, ratios, predicted, params: dict, certified: bool = True
                   ) -> ResultRecord:
    """Growth of the measured separation in M (see the module docstring for the verdict);
    ``inconclusive`` when a construction used was not a certified member."""
    logM = np.log(np.asarray(Ms, dtype=float))
    finite = np.all(np.isfinite(ratios)) and np.all(np.asarray(ratios) > 0)
    slope = float(np.polyfit(logM, np.log(ratios), 1)[0]) if finite else math.nan
    pred = float(np.polyfit(logM, np.log(predicted), 1)[0])
    increasing = finite and bool(np.all(np.diff(ratios) > 0))
    ok = increasing and slope >= 0.5 * pred
    return ResultRecord(
        check_id="rem5/separation-growth", theorem="Rem 5", mark="paper", params=params,
        quantity="growth",
        measured=slope, bound=0.5 * pred, bound_kind="lower", tolerance=0.0,
        verdict=("pass" if ok else "fail") if certified else "inconclusive",
        notes=("log-log slope of T_GD*/T_clip in M against half the slope of Remark 5's "
               "order ratio ((L1 M/log M + L0)/ε²)/(L0/ε² + L1²/L0); pass also needs the "
               "separation to grow at every M"),
        extra={"Ms": list(Ms), "separations": list(ratios), "predicted": list(predicted),
               "predicted_slope": pred, "increasing": increasing})


def units(config: Config) -> int:
    return len(config.Ms)


def run(config: Config = FULL, progress=None) -> list[ResultRecord]:
    """One shape-only record per M, then the growth summary."""
    Delta = max(config.Ms)
    records, ratios, predicted, certified = [], [], [], True
    for M in config.Ms:
        s = separation(config.L0, config.L1, M, config.eps, Delta, config.h_points,
                       config.max_iter)
        order = rem5_speedup(config.L0, config.L1, M, config.eps)
        ratios.append(s["separation"])
        certified &= s["members_certified"]
        predicted.append(order.value)
        records.append(ResultRecord(
            check_id=f"rem5/M={M:g}", theorem="Rem 5", mark="paper",
            params={"L0": config.L0, "L1": config.L1, "M": M, "eps": config.eps, "Delta": Delta},
            measured=s["separation"], bound=order.value, bound_kind="order", tolerance=0.0,
            verdict="shape-only", notes="measured T_GD*/T_clip beside Remark 5's order ratio",
            quantity="ratio",
            extra=s))
        if progress is not None:
            progress(f"rem5 M={M:g}")
    params = {"L0": config.L0, "L1": config.L1, "eps": config.eps, "Delta": Delta}
    records.append(summary_record(config.Ms, ratios, predicted, params, certified))
    return records


def negative_control() -> list[ResultRecord]:
    """A separation that does not grow with M (2, 2, 2.1 at M = 10, 100, 1000) against
    Remark 5's order ratio: the growth record fails."""
    Ms = (10.0, 100.0, 1000.0)
    predicted = [rem5_speedup(1.0, 1.0, M, 0.1).value for M in Ms]
    return [summary_record(Ms, [2.0, 2.0, 2.1], predicted, {"L0": 1.0, "L1": 1.0, "eps": 0.1})]
