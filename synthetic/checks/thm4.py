"""Thm 4: fixed-step GD against the reconstructed lower bound, on certified hard members.

For the class of Thm 4 (docs/statements.md §4, Theorem 4: Assumptions 1-4, L0 >= 1, L1 >= 1,
M > 1, ε <= L0/6, 2ε <= M) and a fixed step h, the hard member is construction A when
h > h_thr = 2 x0_A/M (GD never converges: T_ε = ∞) and construction B when h <= h_thr
(T_ε >= (Δ - 5ε/8)/(4hε²)) (docs/statements.md §5). For every instance (L0, L1, M, ε, Δ):

1. certify constructions A and B (and the extremal variant) as members with
   :func:`theory.functions.toolkit.analyse`: one record each (quantity ``membership``),
   ``pass`` only when every condition (C² joins, |f''| <= L0 + L1|f'| on every piece, M and Δ
   within the class) is decided exactly, ``fail`` when one is violated;
2. for a log grid of steps spanning ``decades`` around h_thr (six decades by default), count
   GD's iterations on the hard construction exactly (:func:`synthetic.fastcount.gd_count`, an
   exact jump over B's slope) and compare with the bound (quantity ``iterations``,
   :func:`lower_bound_record`).

Bound [reconstructed] (:func:`theory.statements.bounds.thm4_bound`):
T_ε >= L1 M (Δ - 5ε/8)/(8ε²ℓ) with ℓ = log M + 1; the alternative ℓ = 1 + log(M L1/L0) is
evaluated beside it. A member whose own Δ or M exceeds the class's is not used: the record is
then ``inconclusive`` (no certified hard member), never a pass.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from synthetic.fastcount import gd_count
from theory.functions.constructions import (construction_a, construction_b, extremal,
                                            h_threshold)
from theory.functions.toolkit import analyse, gradient_pieces
from theory.records import ResultRecord, verdict_for
from theory.statements.bounds import STATEMENTS, thm4_bound
from theory.statements.steps import step_rule

__all__ = ["negative_control", "Config", "FULL", "QUICK", "run", "units", "membership_record",
           "h_grid", "certified_member", "lower_bound_record", "lower_bound_records"]


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
        quantity="iterations", status=count.status, censored=censored,
        extra={"iterations": count.iterations, "jumped": count.jumped,
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


# (L0, L1, M, eps, Delta): L0 = L1 as in the paper's log M + 1; a case with L1 > L0 where the two
# forms of the log factor differ; a case with M L1 < L0 where x0_A sits in the quadratic middle.
FULL_INSTANCES = ((1.0, 1.0, 10.0, 0.1, 10.0), (1.0, 1.0, 100.0, 0.05, 100.0),
                  (1.0, 1.0, 1000.0, 0.02, 1000.0), (2.0, 4.0, 50.0, 0.1, 20.0),
                  (10.0, 1.0, 5.0, 0.5, 5.0))


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
    """All records of the Thm 4 check (memberships, then one record per step)."""
    records = []
    for L0, L1, M, eps, Delta in config.instances:
        for name in ("A", "B"):
            report = certified_member(name, L0, L1, M, eps, Delta)[1]
            records.append(membership_record(name, report, L0, L1, M, eps, Delta))
        ext = analyse(extremal(L0, L1, M), L0, L1, M=M, Delta=Delta)
        records.append(membership_record("extremal", ext, L0, L1, M, eps, Delta))
        hs = h_grid(L0, L1, M, config.points, tuple(config.decades))
        records += lower_bound_records(L0, L1, M, eps, Delta, hs)
        if progress is not None:
            progress(f"thm4 M={M:g}")
    return records


def negative_control() -> list[ResultRecord]:
    """Construction A claimed with L1 understated 2x: on its tails f'' = L1|f'|, so
    sup(|f''| - (L1/2)|f'|) is unbounded and the membership record fails."""
    L0, L1, M, eps, Delta = FULL_INSTANCES[0]
    report = analyse(construction_a(L0, L1, M), L0, L1 / 2, M=M, Delta=Delta)
    return [membership_record("A-L1-halved", report, L0, L1 / 2, M, eps, Delta)]
