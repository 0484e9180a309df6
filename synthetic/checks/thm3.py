"""Thm 3: clipped GD with the theorem's parameters against its (reconstructed) upper bound.

Zhang, He, Sra, Jadbabaie, ICLR 2020, Thm 3 (docs/statements.md §4, Theorem 3): under
Assumptions 1-3 on S, clipped GD x+ = x − min{η_c, γη_c/|f'(x)|} f'(x) with η_c = 1/(10 L0),
γ = min{10 L0, L0/L1} [paper] reaches |f'(x_t)| <= ε within

    T_ε <= 20 L0 Δ/ε² + 20 max{1, L1²} Δ/L0,   Δ = f(x0) − f*     [reconstructed]

The check runs every univariate catalogue entry with each declared pair (L0 > 0 finite) from
x0·s for s in ``x0_scales`` and each ε, one record per run; counting, censoring and verdicts
are those of :mod:`synthetic.checks._shared`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from synthetic.checks._witness import QUICK_WITNESSES, WITNESS_INSTANCES, witness_record
from synthetic.checks._shared import (QUICK_SIZES, RECONSTRUCTED_NOTE, CatalogueConfig,
                                      catalogue_records, make_record, plan, run_batch,
                                      start_delta, usable_pairs)
from theory.expressions.objective import Objective
from theory.records import ResultRecord
from theory.statements.bounds import thm3_bound
from theory.statements.steps import clipped_to_normalized, rule_parameters, thm3_parameters

__all__ = ["negative_control", "FULL", "QUICK", "Config", "check_instance", "run", "units"]


@dataclass(frozen=True)
class Config(CatalogueConfig):
    """Sizes of the Thm 3 check (defaults: the full check)."""

    eps_grid: tuple[float, ...] = (1e-1, 1e-2, 1e-3)  # absolute targets on |f'|
    witnesses: tuple = WITNESS_INSTANCES  # (L0, L1, M, ε, Δ) of the worst-case witnesses


FULL = Config()
QUICK = Config(**QUICK_SIZES, witnesses=QUICK_WITNESSES)
WITNESS_RULES = ("clipped", "normalized")  # Thm 3's clipped GD, and normalized GD mapped to it
WITNESS_KINDS = ("B_delta", "dip_slope")


def _job(L0: float, L1: float, x0: float, eps: float, Delta: float, label: str) -> dict:
    method, step = rule_parameters("thm3", L0, L1)
    bound = thm3_bound(L0, L1, eps, Delta)
    params = {"L0": L0, "L1": L1, "eps": eps, "Delta": Delta, "x0": x0, **step}
    return {"method": method, "params": step, "x0": x0,
            "bound": bound.value, "B": bound, "record_params": params,
            "id": f"thm3/{label}/L1={L1:g}/x0={x0:.6g}/eps={eps:g}"}


def _records(obj: Objective, eps: float, jobs: list[dict], cap: int) -> list[ResultRecord]:
    outcomes = run_batch(obj, eps, jobs, cap)
    return [make_record(j["id"], j["B"], j["record_params"], o,
                        f"Thm 3, clipped GD (η_c = 1/(10 L0), γ = min{{10 L0, L0/L1}}); "
                        f"{RECONSTRUCTED_NOTE}") for j, o in zip(jobs, outcomes)]


def check_instance(expr, L0: float, L1: float, x0: float, eps: float, *, f_star: float,
                   label: str = "custom", cap: int = 10_000) -> ResultRecord:
    """One Thm 3 record for f = ``expr`` (string or sympy) from ``x0`` with constants (L0, L1).

    The constants are *claimed*, not checked: understated ones (a negative control) break the
    theorem's hypothesis and should make the record fail.
    """
    obj, _, Delta = start_delta(expr, x0, f_star)
    return _records(obj, eps, [_job(L0, L1, x0, eps, Delta, label)], cap)[0]


def _rule_of(label: str):
    if label == "clipped":
        return lambda L0, L1, M: rule_parameters("thm3", L0, L1)

    def normalized(L0, L1, M):
        eta, beta = clipped_to_normalized(*thm3_parameters(L0, L1))
        return "normalized", {"eta": eta, "beta": beta}
    return normalized


def witness_records(instances, progress: Callable[[str], None] | None = None
                    ) -> list[ResultRecord]:
    """Thm 3's clipped GD and normalized GD (η_n = γη_c, β = γ) on the certified witnesses B_δ
    and the dip slope of each instance, against Thm 3's bound (synthetic.checks._witness)."""
    out = []
    for inst in instances:
        for label, kind in ((r, k) for r in WITNESS_RULES for k in WITNESS_KINDS):
            out.append(witness_record(
                "thm3", label, kind, inst, _rule_of(label),
                lambda L0, L1, M, eps, D: thm3_bound(L0, L1, eps, D),
                notes=f"Thm 3's bound on {label} GD; {RECONSTRUCTED_NOTE}"))
            if progress is not None:
                progress(out[-1].check_id)
    return out


def units(config: Config) -> int:
    """Number of records (= progress calls) of :func:`run`."""
    return len(config.witnesses) * len(WITNESS_RULES) * len(WITNESS_KINDS) + \
        catalogue_units(config)


def catalogue_units(config) -> int:
    """Catalogue records of a catalogue check: one per (pair, start, ε)."""
    return sum(len(usable_pairs(e)) * len(x0s) * len(config.eps_grid)
               for e, _, x0s in plan(config))


def run(config: Config = FULL, progress: Callable[[str], None] | None = None
        ) -> list[ResultRecord]:
    """All Thm 3 records of ``config`` (batched per entry and ε), then the witnesses'."""
    return witness_records(config.witnesses, progress) + catalogue_records(
        config, lambda entry, eps, x0s, values: [
            _job(L0, L1, x0, eps, float(v) - entry.f_star, entry.id)
            for L0, L1 in usable_pairs(entry) for x0, v in zip(x0s, values)],
        _records, progress)


def negative_control() -> list[ResultRecord]:
    """Understated constants: (L0, L1) = (1/100, 1/1000) claimed for x²/2 (true (1, 0)), so
    η = 10 and γ = 0.1: from 0.5 the iterate jumps between ±0.5 for ever; the cap exceeds the
    bound, so the record fails."""
    return [check_instance("x**2/2", 0.01, 0.001, 0.5, 0.1, f_star=0.0, label="control")]
