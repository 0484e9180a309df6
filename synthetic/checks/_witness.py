"""Worst-case witness records of the upper-bound checks (private: the checks use it).

For an upper bound on T_ε, a catalogue function far from the worst case says little about the
constant. Each upper-bound check therefore also runs its rule on a certified worst-case witness
(docs/statements.md §5c): B_δ, the slope at (1 + δ)ε beyond a quartic bowl; where the step
depends on M (Thm 6), the walled slope whose sublevel M is the class's; and the dip witness
(:func:`theory.functions.dips.dip_slope`), the slope with one least-decrease dip per step,
which approaches the 1-D supremum. The count is exact
(:func:`synthetic.fastcount.gd_count`, exact jumps over the slope); the record (quantity
``witness-iterations``) confronts it with the bound and carries the analytic 1-D supremum
(:func:`theory.statements.worstcase.one_d_supremum`) beside it: ``ratio`` = witness / bound and
``analytic_ratio`` = supremum / bound are the report's tightness column. A witness above a
reconstructed upper bound is a ``fail`` and a FINDING, never tuned away.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable

from synthetic.fastcount import gd_count
from theory.functions.dips import dip_slope
from theory.functions.toolkit import analyse, gradient_pieces
from theory.functions.witnesses import bowl_slope, pieces_json, walled_member
from theory.records import ResultRecord, verdict_for
from theory.statements.bounds import Bound
from theory.statements.steps import step_rule
from theory.statements.worstcase import one_d_supremum

__all__ = ["WITNESS_INSTANCES", "QUICK_WITNESSES", "witness", "witness_record"]

# (L0, L1, M, ε, Δ): L1 ε << L0 (the leading term dominates), L1 ε = L0/5, and L0 >> L1
WITNESS_INSTANCES = ((1.0, 1.0, 10.0, 0.1, 10.0), (2.0, 4.0, 50.0, 0.1, 20.0),
                     (10.0, 1.0, 100.0, 0.1, 5.0))
QUICK_WITNESSES = WITNESS_INSTANCES[:1]
DIP_DELTA = 1e-5  # the dip witness's slope is (1 + DIP_DELTA)ε


@functools.lru_cache(maxsize=64)
def witness(kind: str, L0: float, L1: float, M: float, eps: float, Delta: float):
    """(construction, report, gradient pieces) of the witness ``kind`` ("B_delta" or
    "walled_slope"), certified against the class (L0, L1, M, Δ)."""
    if kind == "walled_slope":
        c, report = walled_member(L0, L1, M, eps, Delta)
    elif kind == "B_delta":
        c = bowl_slope(eps, Delta, L0)
        report = analyse(c, L0, L1, M=M, Delta=Delta)
    else:
        raise ValueError(f"unknown witness {kind!r}")
    return c, report, gradient_pieces(c)


def witness_record(check: str, label: str, kind: str, instance: tuple, rule_of: Callable,
                   bound_of: Callable[..., Bound], *, bound_value: Callable | None = None,
                   notes: str = "", max_iter: int = 10**10) -> ResultRecord:
    """One witness record: ``rule_of(L0, L1, M_w) -> (method, params)`` is the check's rule
    at the witness's own M, ``bound_of(L0, L1, M_w, eps, Delta_w)`` its bound (looked up when
    called, so a mutated bound is seen), ``bound_value(bound) -> float`` the value compared
    (default ``bound.value``)."""
    L0, L1, M, eps, Delta = instance
    if kind == "dip_slope":
        g = eps * (1 + DIP_DELTA)
        method, params = rule_of(L0, L1, g)
        rule = step_rule(method, **params)
        dw = dip_slope(L0, L1, rule, eps, Delta, delta=DIP_DELTA)
        M_w, Delta_w, pieces, x0 = dw.M, dw.Delta, dw.pieces, dw.x0
        certified, description = True, {
            "name": kind, "pieces": None, "x0": repr(x0), "certified": True,
            "motif": "slope (1 + δ)ε with one least-decrease dip per step", "delta": DIP_DELTA,
            "plateau": dw.plateau, "periods": dw.periods, "how": dw.certified}
    else:
        c, report, pieces = witness(kind, L0, L1, M, eps, Delta)
        M_w, Delta_w, x0 = report.M, report.Delta, float(c.x0)
        method, params = rule_of(L0, L1, M_w)
        rule = step_rule(method, **params)
        certified = bool(report.member and report.certified)
        description = {"name": kind, "pieces": pieces_json(c), "x0": str(c.x0),
                       "certified": certified}
    bound = bound_of(L0, L1, M_w, eps, Delta_w)
    value = bound.value if bound_value is None else bound_value(bound)
    count = gd_count(pieces, x0, eps, rule, max_iter=max_iter)
    censored = count.status == "max_iter"
    measured = math.inf if count.status == "diverged" else float(count.steps)
    sup = one_d_supremum(rule, L0, L1, M_w, eps, Delta_w,
                         fixed_h=params["h"] if method == "gd" else None)
    verdict = verdict_for(measured, value, bound.kind, 0.0, censored=censored) if certified \
        else "inconclusive"
    why = notes + (f" Witness {kind} is not certified: "
                   f"{'; '.join(report.reasons or report.uncertain)}." if not certified else "")
    if verdict == "fail":
        why = (f"FINDING: the certified witness {kind} needs more steps than the reconstructed "
               f"bound. {why}")
    return ResultRecord(
        check_id=f"{check}/witness/{label}/{kind}/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},"
                 f"Delta={Delta:g}",
        theorem=bound.theorem, mark=bound.mark,
        params={"L0": L0, "L1": L1, "M": M_w, "eps": eps, "Delta": Delta_w, "method": method,
                **params, "witness": kind, "class_M": M, "class_Delta": Delta},
        measured=measured, bound=value, bound_kind=bound.kind, tolerance=0.0, verdict=verdict,
        notes=why.strip(), quantity="witness-iterations", status=count.status,
        censored=censored,
        extra={"ratio": measured / value if value else None,
               "analytic_sup": sup.sup_T, "analytic_upper": sup.upper,
               "analytic_ratio": None if sup.sup_T is None or not value else sup.sup_T / value,
               "analytic_stationary": sup.stationary, "formula": bound.formula,
               "witness": {**description, "iterations": count.iterations}})
