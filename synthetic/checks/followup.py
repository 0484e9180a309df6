"""The follow-up bound set beside the paper's: Vankov et al. 2024 and Li et al. 2023.

docs/statements.md §4, "Follow-up bound" sections, [follow-up] marks. With Δ = f(x0) − f* and T_ε
the first t with |f'(x_t)| <= ε:

* **vankov** — GD with h = 1/(L0 + 1.5 L1|f'|) (:func:`theory.statements.steps.vankov_step`):
  min_{k<=K} |f'(x_k)| <= ε once K + 1 >= V, V = 2 L0 Δ/ε² + 3 L1 Δ/ε
  (:func:`theory.statements.bounds.vankov_bound`). The smallest such integer K is ceil(V) − 1, so
  the
  statement is exactly T_ε <= ceil(V) − 1: that is the recorded bound.
  Run as normalized GD, η/(|g| + β) with η = 1/(1.5 L1), β = L0/(1.5 L1), which is the same
  step exactly (L1 = 0: plain GD with h = 1/L0).
* **vankov_clipped** — h = min{1/(2 L0), 1/(3 L1|f'|)}
  (:func:`theory.statements.steps.vankov_clipped_step`),
  the same statement with a = 1/2 (:func:`theory.statements.bounds.vankov_clipped_bound`). Run as
  clipped GD min{η, γη/|g|} with η = 1/(2 L0), γ = 2 L0/(3 L1) (L1 = 0: GD with h = 1/(2 L0)).
* **li** — constant-step GD with h = 1/(L0 + 2 L1 G), G = 2 L1 Δ + sqrt(4 L1² Δ² + 2 L0 Δ)
  (:func:`theory.statements.steps.li_constant_step`). The rate is not encoded: the record reports
  T_ε with
  bound kind ``none`` (``shape-only``), except that divergence refutes the convergence claim
  (``fail``) and a censored run is ``inconclusive``.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


from synthetic.checks._witness import QUICK_WITNESSES, WITNESS_INSTANCES, witness_record
from synthetic.checks._shared import (QUICK_SIZES, CatalogueConfig, Outcome, catalogue_records,
                                      make_record, plan, run_batch, start_delta, usable_pairs)
from theory.expressions.objective import Objective
from theory.records import ResultRecord
from theory.statements.bounds import li_step_bound, vankov_bound, vankov_clipped_bound
from theory.statements.steps import rule_parameters

__all__ = ["negative_control", "FULL", "QUICK", "RULES", "Config", "check_instance", "run",
           "runner_parameters", "units"]

RULES = ("vankov", "vankov_clipped", "li")


@dataclass(frozen=True)
class Config(CatalogueConfig):
    """Sizes of the follow-up check (defaults: the full check, under 90 s)."""

    rules: tuple[str, ...] = RULES               # which follow-up statements
    witnesses: tuple = WITNESS_INSTANCES  # (L0, L1, M, ε, Δ) of the worst-case witnesses


FULL = Config()
QUICK = Config(**QUICK_SIZES, witnesses=QUICK_WITNESSES)
WITNESS_RULES = ("vankov", "vankov_clipped")  # the rules with a bound on T_ε


def runner_parameters(rule: str, L0: float, L1: float, Delta: float) -> tuple[str, dict]:
    """(method, parameters) of a runner for ``rule`` (one of :data:`RULES`): the one
    definition, :func:`theory.statements.steps.rule_parameters`."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    return rule_parameters(rule, L0, L1, Delta)


def _job(rule, L0, L1, x0, eps, Delta, label) -> dict:
    method, p = runner_parameters(rule, L0, L1, Delta)
    if rule == "li":
        bound, value = li_step_bound(L0, L1, Delta), None
    else:
        bound = (vankov_bound if rule == "vankov" else vankov_clipped_bound)(L0, L1, eps, Delta)
        value = max(0.0, math.ceil(bound.value) - 1.0)  # T_ε <= K with K + 1 >= V
    params = {"L0": L0, "L1": L1, "eps": eps, "Delta": Delta, "x0": x0, "method": method, **p}
    return {"method": method, "params": p, "x0": x0, "bound": value, "B": bound, "value": value,
            "rule": rule, "record_params": params,
            "id": f"followup/{rule}/{label}/L1={L1:g}/x0={x0:.6g}/eps={eps:g}"}


def _record(job: dict, outcome: Outcome) -> ResultRecord:
    if job["rule"] != "li":
        return make_record(job["id"], job["B"], job["record_params"], outcome,
                           f"{job['B'].theorem}: T_ε <= ceil(V) − 1 with V = {job['B'].formula}"
                           " (min_k |f'(x_k)| <= ε once K + 1 >= V); follow-up bound as "
                           "restated in third-party notes", bound_value=job["value"],
                           V=job["B"].value)
    # the rate is not encoded (shape-only), but divergence refutes the convergence claim
    verdict = "fail" if outcome.status == "diverged" else \
        "inconclusive" if outcome.censored else None
    return make_record(job["id"], job["B"], job["record_params"], outcome,
                       "Li et al. 2023 constant step: convergence claimed, rate not encoded "
                       "(shape-only); divergence would refute it (fail)", bound_value=None,
                       verdict=verdict, h_max=job["B"].value)


def _records(obj: Objective, eps: float, jobs: list[dict], cap: int) -> list[ResultRecord]:
    return [_record(j, o) for j, o in zip(jobs, run_batch(obj, eps, jobs, cap))]


def check_instance(expr, rule: str, L0: float, L1: float, x0: float, eps: float, *,
                   f_star: float, label: str = "custom", cap: int = 10_000) -> ResultRecord:
    """One follow-up record (``rule`` in :data:`RULES`) for f = ``expr`` from ``x0``.

    The constants are claimed, not checked (understating them is a negative control).
    """
    obj, _, Delta = start_delta(expr, x0, f_star)
    return _records(obj, eps, [_job(rule, L0, L1, x0, eps, Delta, label)], cap)[0]



def witness_records(instances, rules=WITNESS_RULES,
                    progress: Callable[[str], None] | None = None) -> list[ResultRecord]:
    """Each rule with a bound on T_ε on the certified witnesses B_δ
    and the dip slope of each instance, against
    T_ε <= ceil(V) − 1 (synthetic.checks._witness)."""
    bounds = {"vankov": lambda L0, L1, M, eps, D: vankov_bound(L0, L1, eps, D),
              "vankov_clipped": lambda L0, L1, M, eps, D: vankov_clipped_bound(L0, L1, eps, D)}
    out = []
    for inst in instances:
        for rule, kind in ((r, k) for r in rules if r in bounds
                           for k in ("B_delta", "dip_slope")):
            out.append(witness_record(
                "followup", rule, kind, inst,
                lambda L0, L1, M, rule=rule: rule_parameters(rule, L0, L1),
                bounds[rule], bound_value=lambda b: max(0.0, math.ceil(b.value) - 1.0),
                notes=f"{rule}: T_ε <= ceil(V) − 1; follow-up bound as restated in "
                      "third-party notes"))
            if progress is not None:
                progress(out[-1].check_id)
    return out


def units(config: Config) -> int:
    """Number of records (= progress calls) of :func:`run`."""
    witnesses = 2 * len(config.witnesses) * sum(r in WITNESS_RULES for r in config.rules)
    return witnesses + sum(len(usable_pairs(e)) * len(x0s) * len(config.eps_grid)
                           * len(config.rules) for e, _, x0s in plan(config))


def run(config: Config = FULL, progress: Callable[[str], None] | None = None
        ) -> list[ResultRecord]:
    """All follow-up records of ``config`` (batched per entry, ε and runner method)."""
    for rule in config.rules:
        runner_parameters(rule, 1.0, 1.0, 1.0)  # unknown rule: ValueError before any work
    return witness_records(config.witnesses, config.rules, progress) + catalogue_records(
        config, lambda entry, eps, x0s, values: [
            _job(rule, L0, L1, x0, eps, float(v) - entry.f_star, entry.id)
            for rule in config.rules for L0, L1 in usable_pairs(entry)
            for x0, v in zip(x0s, values)],
        _records, progress)


def negative_control() -> list[ResultRecord]:
    """L0 understated 4x for x²/2 (0.25 claimed, true 1): the Vankov and Li steps become 4,
    GD diverges, both records fail."""
    return [check_instance("x**2/2", rule, 0.25, 0.0, 5.0, 1e-2, f_star=0.0, label="control")
            for rule in ("vankov", "li")]
