"""Thm 6: fixed-step GD with h = 1/(2(M L1 + L0)) against its (reconstructed) upper bound.

Zhang, He, Sra, Jadbabaie, ICLR 2020, Thm 6 (docs/statements.md §4, Theorem 6): under
Assumptions 1-4 on S, GD x+ = x − h f'(x) with h = 1/(2(M L1 + L0)) [paper] reaches |f'(x_t)| <= ε
within

    T_ε <= 4 (M L1 + L0) Δ/ε²,   Δ = f(x0) − f*      [reconstructed]

where M = sup{|f'(x)| : f(x) <= f(x0)} (Assumption 4) comes from
:func:`theory.smoothness.sublevel.sublevel_gradient_sup` (exact and rounded up where sympy can; a
guarded numeric value otherwise, recorded as ``M_certified = False``). Instances, counting,
censoring
and verdicts as in :mod:`synthetic.checks._shared`. With a poor start M is large, the step tiny
and the count grows like M: that is Remark 5's point, and such runs are often censored at the
cap (``inconclusive``: the bound, larger still, is out of reach).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass


from synthetic.checks._shared import (QUICK_SIZES, RECONSTRUCTED_NOTE, CatalogueConfig,
                                      catalogue_records, make_record, run_batch, start_delta,
                                      usable_pairs)
from synthetic.checks._witness import QUICK_WITNESSES, WITNESS_INSTANCES, witness_record
from synthetic.checks.thm3 import catalogue_units as _catalogue_units
from theory.expressions.objective import Objective
from theory.records import ResultRecord
from theory.smoothness.sublevel import SublevelSup, sublevel_gradient_sup
from theory.statements.bounds import thm6_bound
from theory.statements.steps import rule_parameters

__all__ = ["negative_control", "FULL", "QUICK", "Config", "check_instance", "run", "sublevel_M",
           "units"]


@dataclass(frozen=True)
class Config(CatalogueConfig):
    """Sizes of the Thm 6 check (defaults: the full check, under 90 s)."""

    sublevel_timeout: float = 1.0                # seconds per symbolic step of M (then numeric)
    witnesses: tuple = WITNESS_INSTANCES  # (L0, L1, M, ε, Δ) of the worst-case witnesses


FULL = Config()
QUICK = Config(**QUICK_SIZES, witnesses=QUICK_WITNESSES)


def units(config: Config) -> int:
    """Number of records (= progress calls) of :func:`run`: one per (pair, start, ε), as in
    Thm 3, and one per witness."""
    return 2 * len(config.witnesses) + _catalogue_units(config)


def witness_records(instances, progress: Callable[[str], None] | None = None
                    ) -> list[ResultRecord]:
    """GD with Thm 6's step at the witness's M on the certified walled slope of each instance
    (its sublevel M is the class's) and on the dip slope (its M is the slope's), against
    Thm 6's bound (synthetic.checks._witness)."""
    out = []
    for inst in instances:
        for kind in ("walled_slope", "dip_slope"):
            out.append(witness_record(
                "thm6", "gd", kind, inst,
                lambda L0, L1, M: rule_parameters("thm6", L0, L1, M=M),
                lambda L0, L1, M, eps, D: thm6_bound(L0, L1, M, eps, D),
                notes=f"Thm 6, GD with h = 1/(2(M L1 + L0)); {RECONSTRUCTED_NOTE}"))
            if progress is not None:
                progress(out[-1].check_id)
    return out


@functools.lru_cache(maxsize=512)
def sublevel_M(expression: str, level: float, timeout: float = 2.0) -> SublevelSup:
    """Cached :func:`theory.smoothness.sublevel.sublevel_gradient_sup` of a catalogue expression."""
    return sublevel_gradient_sup(expression, "x", level, timeout)


def _job(L0, L1, x0, eps, Delta, sup: SublevelSup, label, step_override=None) -> dict:
    M = sup.M
    h = rule_parameters("thm6", L0, L1, M=M)[1]["h"] if step_override is None else \
        float(step_override)
    bound = thm6_bound(L0, L1, M, eps, Delta)
    params = {"L0": L0, "L1": L1, "eps": eps, "Delta": Delta, "x0": x0, "h": h, "M": M,
              "M_certified": sup.certified, "M_method": sup.method,
              "step_override": step_override is not None}
    return {"method": "gd", "params": {"h": h}, "x0": x0, "bound": bound.value, "B": bound,
            "record_params": params, "id": f"thm6/{label}/L1={L1:g}/x0={x0:.6g}/eps={eps:g}"}


def _records(obj: Objective, eps: float, jobs: list[dict], cap: int) -> list[ResultRecord]:
    outcomes = run_batch(obj, eps, jobs, cap)
    out = []
    for j, o in zip(jobs, outcomes):
        how = "overridden step (negative control)" if j["record_params"]["step_override"] \
            else "h = 1/(2(M L1 + L0))"
        out.append(make_record(j["id"], j["B"], j["record_params"], o,
                               f"Thm 6, GD with {how}, M from the sublevel set "
                               f"({j['record_params']['M_method']}); {RECONSTRUCTED_NOTE}"))
    return out


def check_instance(expr: str, L0: float, L1: float, x0: float, eps: float, *, f_star: float,
                   label: str = "custom", cap: int = 10_000, step_override: float | None = None,
                   timeout: float = 2.0) -> ResultRecord:
    """One Thm 6 record for f = ``expr`` (a string in x) from ``x0`` with claimed (L0, L1).

    ``step_override`` replaces the theorem's step (negative control: a step above 2/L must
    make the record fail); M is always the sublevel supremum at f(x0).
    """
    obj, level, Delta = start_delta(expr, x0, f_star)
    sup = sublevel_M(expr, level, timeout)
    return _records(obj, eps, [_job(L0, L1, x0, eps, Delta, sup, label, step_override)], cap)[0]



def run(config: Config = FULL, progress: Callable[[str], None] | None = None
        ) -> list[ResultRecord]:
    """All Thm 6 records of ``config`` (batched per entry and ε; M computed once per start,
    :func:`sublevel_M` being cached)."""
    def jobs_of(entry, eps, x0s, values):
        if entry.variables != ("x",):
            raise ValueError(f"entry {entry.id!r}: the sublevel supremum needs variable x")
        levels = [float(v) for v in values]
        sups = [sublevel_M(entry.expression, lv, config.sublevel_timeout) for lv in levels]
        return [_job(L0, L1, x0, eps, lv - entry.f_star, sup, entry.id)
                for L0, L1 in usable_pairs(entry) for x0, lv, sup in zip(x0s, levels, sups)]

    return witness_records(config.witnesses, progress) + \
        catalogue_records(config, jobs_of, _records, progress)


def negative_control() -> list[ResultRecord]:
    """A step above 2/L (2.5 on x²/2, L = 1): GD diverges, the record fails."""
    return [check_instance("x**2/2", 1.0, 0.0, 5.0, 1e-2, f_star=0.0, label="control",
                           step_override=2.5)]
