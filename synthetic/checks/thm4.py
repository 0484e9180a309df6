"""Thm 4: fixed-step GD against the reconstructed lower bound, on certified hard members.

For the class of Thm 4 (docs/statements.md §4, Theorem 4: Assumptions 1-4, L0 >= 1, L1 >= 1,
M > 1, ε <= L0/6, 2ε <= M) and a fixed step h, a lower bound says that *some* member needs at
least the bound's steps. For every instance (L0, L1, M, ε, Δ):

1. certify the hard members with :func:`theory.functions.toolkit.analyse` (one record each,
   quantity ``membership``): the extremal function at the largest M' <= M that fits in Δ (its
   M certified by symmetry, :func:`theory.functions.witnesses.extremal_member`), constructions
   A and B (docs/statements.md §5) and B_δ, the slope at (1 + δ)ε (§5c);
2. for a log grid of steps spanning ``decades`` around A's h_thr, the hardest certified member
   at each h (:data:`HARD_MEMBERS`): the extremal never converges for h >= h_2c(M') (its exact
   2-cycle, §5c), A diverges above h_thr, B and B_δ are counted exactly
   (:func:`synthetic.fastcount.gd_count`); quantity ``iterations``, :func:`lower_bound_record`.

The verdict is ``pass`` when the hardest certified member reaches the bound at that h and
``inconclusive`` ("no witness reaches the bound") otherwise: one member below a lower bound
refutes nothing. Beside the bound each record carries a lower estimate of the inf over h of
the 1-D supremum (:func:`theory.statements.worstcase.fixed_step_minimax`).

Bound [reconstructed] (:func:`theory.statements.bounds.thm4_bound`):
T_ε >= L1 M (Δ - 5ε/8)/(8ε²ℓ) with ℓ = log M + 1; the alternative ℓ = 1 + log(M L1/L0) is
evaluated beside it.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from synthetic.checks import _thm4_2d as thm4_2d
from synthetic.fastcount import gd_count
from theory.functions.constructions import construction_a, construction_b, h_threshold
from theory.functions.toolkit import analyse, gradient_pieces
from theory.functions.witnesses import bowl_slope, extremal_member
from theory.records import ResultRecord
from theory.statements.bounds import STATEMENTS, thm4_bound
from theory.statements.steps import step_rule
from theory.statements.worstcase import fixed_step_minimax, h_2c, largest_fitting_M

__all__ = ["negative_control", "Config", "FULL", "QUICK", "run", "units", "membership_record",
           "h_grid", "certified_member", "lower_bound_record", "lower_bound_records"]


def h_grid(L0: float, L1: float, M: float, points: int, decades: tuple[float, float] = (-3, 3),
           Delta: float | None = None) -> np.ndarray:
    """``points`` log-spaced steps h_thr·10^[lo, hi], with h_thr itself included and, given Δ,
    the hardest fixed steps h_2c(M', Δ)·(1 − 1e-9), just below the 1-D non-convergence
    threshold, and h_cycle(M')·(1 − 1e-9), just below the 2-D member's cycle
    (:mod:`synthetic.checks._thm4_2d`)."""
    if int(points) < 2:
        raise ValueError(f"a grid needs at least 2 points, got {points}")
    h = h_threshold(L0, L1, M) * np.logspace(decades[0], decades[1], int(points))
    extra = [h_threshold(L0, L1, M)] + ([] if Delta is None else [
        h_2c(L0, L1, M, Delta) * (1 - 1e-9), thm4_2d.cycle_step(L0, L1, M, Delta) * (1 - 1e-9)])
    return np.unique(np.append(h, extra))


@functools.lru_cache(maxsize=64)
def certified_member(which: str, L0: float, L1: float, M: float, eps: float, Delta: float):
    """(construction, report, gradient pieces) of A, B, B_delta or the extremal function (the
    latter at the largest M' <= M whose extremal fits in Δ), analysed against the class."""
    if which == "extremal":
        c, report = extremal_member(L0, L1, fitting_M(L0, L1, M, Delta), Delta)
        report = dataclasses.replace(report, member=report.member and report.M <= M)
        return c, report, gradient_pieces(c)
    c = construction_a(L0, L1, M) if which == "A" else construction_b(eps, Delta) \
        if which == "B" else bowl_slope(eps, Delta, L0)
    report = analyse(c, L0, L1, M=M, Delta=Delta)
    return c, report, gradient_pieces(c)


def fitting_M(L0: float, L1: float, M: float, Delta: float) -> float:
    """The largest M' <= M whose extremal function has Δ' <= Δ (docs/statements.md §5c)."""
    root = largest_fitting_M(M, Delta, L0, L1)
    if root == M:
        return M
    digits = 9 - math.floor(math.log10(root))  # a short decimal below it keeps sympy fast
    return math.floor(root * (1 - 1e-12) * 10**digits) / 10**digits


HARD_MEMBERS = ("extremal", "A", "B", "B_delta")


def _candidate(which, L0, L1, M, eps, Delta, h, max_iter, time_limit) -> dict:
    """One member's T_ε at step h: the extremal's is ∞ by the 2-cycle argument when
    h >= h_2c(M') (no simulation: the cycle repels in doubles), the others are counted."""
    c, report, pieces = certified_member(which, L0, L1, M, eps, Delta)
    member = bool(report.member and report.certified)
    if not member:  # only certified members count: no run
        return {"name": which, "certified": False, "measured": None, "status": "not a member",
                "iterations": None, "censored": False, "x0": float(c.x0), "M": report.M,
                "Delta": report.Delta}
    if which == "extremal":
        never = h >= h_2c(L0, L1, report.M) * (1 + 1e-12)
        return {"name": which, "certified": member, "measured": math.inf if never else None,
                "status": "diverged" if never else "not used", "iterations": None,
                "censored": False, "x0": float(c.x0), "M": report.M, "Delta": report.Delta}
    count = gd_count(pieces, float(c.x0), eps, step_rule("gd", h=h), max_iter=max_iter,
                     time_limit=time_limit)
    measured = math.inf if count.status == "diverged" else float(count.steps)
    return {"name": which, "certified": member, "measured": measured, "status": count.status,
            "iterations": count.iterations, "censored": count.status == "max_iter",
            "x0": float(c.x0), "M": report.M, "Delta": report.Delta, "jumped": count.jumped,
            "note": count.note}


@functools.lru_cache(maxsize=64)
def minimax(L0: float, L1: float, M: float, eps: float, Delta: float) -> dict:
    """A lower estimate of the inf over h of the 1-D supremum of T_ε (docs/statements.md §5c)."""
    return fixed_step_minimax(L0, L1, M, eps, Delta)


def lower_bound_record(L0: float, L1: float, M: float, eps: float, Delta: float, h: float, *,
                       max_iter: int = 10**13, time_limit: float | None = None) -> ResultRecord:
    """One step h: the hardest certified member's T_ε against Thm 4's bound (a ``lower`` record).

    A lower bound says some member needs at least the bound: the record passes when a
    certified member reaches it at this h and is ``inconclusive`` ("no witness reaches the
    bound") otherwise, never ``fail`` from one member (docs/statements.md §5c)."""
    bound = thm4_bound(L0, L1, M, eps, Delta)
    alt = thm4_bound(L0, L1, M, eps, Delta, alt_log=True) if M * L1 > L0 else None
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"h > 0 required, got h={h!r}")
    cands = []
    for w in HARD_MEMBERS:  # once a certified member never converges, the rest are not needed
        if any(c["certified"] and c["measured"] == math.inf for c in cands):
            cands.append({"name": w, "certified": None, "measured": None, "status": "not used",
                          "iterations": None, "censored": False})
            continue
        cands.append(_candidate(w, L0, L1, M, eps, Delta, h, max_iter, time_limit))
    usable = [c for c in cands if c["certified"] and c["measured"] is not None]
    best = max(usable, key=lambda c: c["measured"], default=None)
    measured = None if best is None else best["measured"]
    reached = best is not None and measured >= bound.value and not (
        best["censored"] and measured < bound.value)
    verdict = "pass" if reached else "inconclusive"
    notes = (f"{best['name']} reaches the bound" if reached else
             "no witness reaches the bound (a lower bound is refuted only by a proof about "
             "the whole class)" if best is not None else "no certified hard member")
    mm = minimax(L0, L1, M, eps, Delta)
    return ResultRecord(
        check_id=f"thm4/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}/h={h:.6g}",
        theorem=bound.theorem, mark=bound.mark,
        params={"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta, "h": h,
                "h_thr": h_threshold(L0, L1, M), "h_2c": h_2c(L0, L1, M, Delta),
                "construction": None if best is None else best["name"],
                "x0": None if best is None else best["x0"]},
        measured=measured, bound=bound.value, bound_kind="lower", tolerance=0.0,
        verdict=verdict, notes=notes, quantity="iterations",
        status=None if best is None else best["status"],
        censored=bool(best is not None and best["censored"]),
        extra={"iterations": None if best is None else best["iterations"],
               "ratio": None if best is None or not bound.value else measured / bound.value,
               "bound_alt_log": None if alt is None else alt.value,
               "candidates": cands, "minimax_1d": mm["value"], "minimax_h": mm["h_2c"],
               "minimax_stationary": mm["stationary"],
               "statement": STATEMENTS["thm4"]["formula"]})


def lower_bound_records(L0: float, L1: float, M: float, eps: float, Delta: float, hs, *,
                        max_iter: int = 10**13, time_limit: float | None = None,
                        progress=None) -> list[ResultRecord]:
    """:func:`lower_bound_record` for every h in ``hs`` (``progress(label)`` after each)."""
    out = []
    for h in np.atleast_1d(np.asarray(hs, dtype=float)):
        out.append(lower_bound_record(L0, L1, M, eps, Delta, float(h), max_iter=max_iter,
                                      time_limit=time_limit))
        if progress is not None:
            progress(f"h={h:.3g}")
    return out


# (L0, L1, M, eps, Delta): L0 = L1 as in the paper's log M + 1; a case with L1 > L0 where the two
# forms of the log factor differ; a case with M L1 < L0 where x0_A sits in the quadratic middle;
# M = 1e4 with Δ >= 1.533 M/L1, where the 2-D member (docs/statements.md §9) removes the log.
FULL_INSTANCES = ((1.0, 1.0, 10.0, 0.1, 10.0), (1.0, 1.0, 100.0, 0.05, 100.0),
                  (1.0, 1.0, 1000.0, 0.02, 1000.0), (2.0, 4.0, 50.0, 0.1, 20.0),
                  (10.0, 1.0, 5.0, 0.5, 5.0), (1.0, 1.0, 1e4, 0.1, 2e4))


@dataclass(frozen=True)
class Config:
    """Instances and the step grid (``points`` steps over h_thr·10^decades)."""

    instances: tuple = FULL_INSTANCES
    points: int = 25            # log-spaced steps per instance (+ h_thr itself)
    decades: tuple = (-3.0, 3.0)  # six decades around h_thr (at least six are wanted)


FULL = Config()
QUICK = Config(instances=FULL_INSTANCES[:1] + FULL_INSTANCES[3:4], points=13)


def membership_record(name: str, report, L0: float, L1: float, M: float, eps: float,
                      Delta: float) -> ResultRecord:
    """A record of whether a construction is a certified member of Thm 4's class."""
    worst = max((p.sup for p in report.pieces if p.sup is not None), default=None)
    verdict = "pass" if report.member and report.certified else \
        "fail" if not report.member else "inconclusive"
    return ResultRecord(
        check_id=f"thm4/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}/member/{name}",
        theorem="Thm 4", mark="reconstructed",
        params={"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta, "construction": name},
        measured=worst, bound=L0, bound_kind="upper", tolerance=0.0, verdict=verdict,
        quantity="membership",
        notes="; ".join(report.reasons) or ("member, but not certified: " + "; ".join(
            report.uncertain) if report.uncertain else "certified: C² joins, (L0,L1) on every "
            "piece, M and Δ within the class"),
        extra={"joins_C2": all(j.ok for j in report.joins), "f_star": report.f_star,
               "Delta": report.Delta, "M": report.M, "certified": report.certified,
               "pieces": [{"lo": p.lo, "hi": p.hi, "sup": p.sup, "method": p.method}
                          for p in report.pieces]})


def units(config: Config) -> int:
    return len(config.instances)


def run(config: Config = FULL, progress=None) -> list[ResultRecord]:
    """All records of the Thm 4 check: per instance the memberships, one record per step and
    the 2-D min-max record; then the 2-D thresholds record (:mod:`synthetic.checks._thm4_2d`)."""
    records = []
    for L0, L1, M, eps, Delta in config.instances:
        for name in HARD_MEMBERS:
            report = certified_member(name, L0, L1, M, eps, Delta)[1]
            records.append(membership_record(name, report, L0, L1, M, eps, Delta))
        hs = h_grid(L0, L1, M, config.points, tuple(config.decades), Delta)
        steps = lower_bound_records(L0, L1, M, eps, Delta, hs)
        records += steps + [thm4_2d.minimax_record(L0, L1, M, eps, Delta, steps)]
        if progress is not None:
            progress(f"thm4 M={M:g}")
    return records + [thm4_2d.thresholds_record()]


def negative_control() -> list[ResultRecord]:
    """Construction A claimed with L1 understated 2x: on its tails f'' = L1|f'|, so
    sup(|f''| - (L1/2)|f'|) is unbounded and the membership record fails."""
    L0, L1, M, eps, Delta = FULL_INSTANCES[0]
    report = analyse(construction_a(L0, L1, M), L0, L1 / 2, M=M, Delta=Delta)
    return [membership_record("A-L1-halved", report, L0, L1 / 2, M, eps, Delta)]
