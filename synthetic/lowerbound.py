"""Thm 4 (fixed-step GD lower bound) confronted with the constructions of paper.md §5.

For the class of Thm 4 (Assumptions 1-4, L0 >= 1, L1 >= 1, M > 1) and a fixed step h, the
hard member is construction A when h > h_thr = 2 x0_A/M (GD never converges: T_ε = ∞) and
construction B when h <= h_thr (T_ε >= (Δ - 5ε/8)/(4hε²)); both are certified members with
:func:`theory.functions.toolkit.analyse` (C² joins, (L0,L1) on every piece, M on the sublevel set,
Δ) before their counts are used. The count is :func:`synthetic.fastcount.gd_count` (exact jump
over B's slope). The bound is :func:`theory.statements.bounds.thm4_bound` [reconstructed]:
T_ε >= L1 M (Δ - 5ε/8)/(8ε²ℓ) with ℓ = log M + 1; the alternative ℓ = 1 + log(M L1/L0) is
evaluated beside it. A member whose own Δ or M exceeds the class's is not used: the record is
then ``inconclusive`` (no certified hard member), never a pass.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from synthetic.fastcount import gd_count, step_rule
from theory.statements.bounds import STATEMENTS, thm4_bound
from theory.functions.toolkit import analyse, gradient_pieces
from theory.functions.constructions import construction_a, construction_b, h_threshold
from theory.records import ResultRecord, verdict_for

__all__ = ["h_grid", "certified_member", "lower_bound_record", "lower_bound_records"]


def h_grid(L0: float, L1: float, M: float, points: int, decades: tuple[float, float] = (-3, 3)
           ) -> np.ndarray:
    """``points`` log-spaced steps h_thr·10^[lo, hi], with h_thr itself included."""
    if int(points) < 2:
        raise ValueError(f"a grid needs at least 2 points, got {points}")
    h = h_threshold(L0, L1, M) * np.logspace(decades[0], decades[1], int(points))
    return np.unique(np.append(h, h_threshold(L0, L1, M)))


@functools.lru_cache(maxsize=64)
def certified_member(which: str, L0: float, L1: float, M: float, eps: float, Delta: float):
    """(construction, report, gradient pieces) of A or B, analysed against the class."""
    c = construction_a(L0, L1, M) if which == "A" else construction_b(eps, Delta)
    report = analyse(c, L0, L1, M=M, Delta=Delta)
    return c, report, gradient_pieces(c)


def lower_bound_record(L0: float, L1: float, M: float, eps: float, Delta: float, h: float, *,
                       max_iter: int = 10**13, time_limit: float | None = None) -> ResultRecord:
    """One step h: the hard construction's T_ε against Thm 4's bound (a ``lower`` record)."""
    bound = thm4_bound(L0, L1, M, eps, Delta)
    alt = thm4_bound(L0, L1, M, eps, Delta, alt_log=True) if M * L1 > L0 else None
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"h > 0 required, got h={h!r}")
    h_thr = h_threshold(L0, L1, M)
    which = "A" if h > h_thr else "B"
    c, report, pieces = certified_member(which, L0, L1, M, eps, Delta)
    count = gd_count(pieces, float(c.x0), eps, step_rule("gd", h=h), max_iter=max_iter,
                     time_limit=time_limit)
    never = count.status == "diverged"
    censored = count.status == "max_iter"
    measured = math.inf if never else float(count.steps)
    if report.member and report.certified:
        verdict = verdict_for(measured, bound.value, "lower", 0.0, censored=censored)
        alt_verdict = None if alt is None else verdict_for(measured, alt.value, "lower", 0.0,
                                                           censored=censored)
        notes = ""
    else:
        verdict, alt_verdict = "inconclusive", None
        notes = (f"construction {which} is not a certified member of the class: "
                 f"{'; '.join(report.reasons or report.uncertain)}")
    if verdict == "fail":
        notes = ("FINDING: the reconstructed Thm 4 bound (ℓ = log M + 1) exceeds the count of "
                 f"construction {which} at this step" + (f" (the ℓ = 1 + log(M L1/L0) form "
                                                         f"gives {alt_verdict})" if alt else ""))
    return ResultRecord(
        check_id=f"thm4/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}/h={h:.6g}",
        theorem=bound.theorem, mark=bound.mark,
        params={"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta, "h": h, "h_thr": h_thr,
                "construction": which, "x0": float(c.x0)},
        measured=measured if not censored else float(count.steps), bound=bound.value,
        bound_kind="lower", tolerance=0.0, verdict=verdict, notes=notes,
        extra={"status": count.status, "iterations": count.iterations, "jumped": count.jumped,
               "count_note": count.note,
               "ratio": measured / bound.value if bound.value else None,
               "bound_alt_log": None if alt is None else alt.value, "verdict_alt_log": alt_verdict,
               "member": report.member, "member_certified": report.certified,
               "construction_M": report.M, "construction_Delta": report.Delta,
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
