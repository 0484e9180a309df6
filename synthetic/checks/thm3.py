"""Thm 3: clipped GD with the theorem's parameters against its (reconstructed) upper bound.

Zhang, He, Sra, Jadbabaie, ICLR 2020, Thm 3 (spec ``paper.md`` §4): under Assumptions 1-3 on
S, clipped GD x+ = x − min{η_c, γη_c/|f'(x)|} f'(x) with η_c = 1/(10 L0),
γ = min{10 L0, L0/L1} [paper] reaches |f'(x_t)| <= ε within

    T_ε <= 20 L0 Δ/ε² + 20 max{1, L1²} Δ/L0,   Δ = f(x0) − f*     [reconstructed]

The check runs every univariate catalogue entry with each declared pair (L0 > 0 finite) from
x0·s for s in ``x0_scales`` and each ε, one record per run. The count is exact
(:func:`synthetic.runners.run_deterministic`); a diverged run is T_ε = oo (a certain fail of an
upper bound); a run stopped at ``max_iter`` is censored (measured = max_iter): ``fail`` if even
that exceeds the bound, else ``inconclusive``. ``max_iter`` = min(1.01·bound + 10, cap), so
censoring below the bound happens only at the cap.

Also the shared machinery of :mod:`synthetic.checks.thm6` and :mod:`synthetic.checks.followup`
(:func:`run_batch`, :func:`make_record`, the entry and start-point selection).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from synthetic.fastcount import gd_count, step_rule
from synthetic.runners import run_deterministic
from theory.functions import catalogue
from theory.statements.bounds import Bound, thm3_bound
from theory.functions.toolkit import from_expression, gradient_pieces
from theory.expressions.objective import Objective, objective
from theory.records import ResultRecord, verdict_for
from theory.statements.steps import thm3_parameters

__all__ = ["FULL", "QUICK", "Config", "Outcome", "check_instance", "make_record", "plan", "run",
           "run_batch", "starts", "units", "usable_entries", "usable_pairs"]


@dataclass(frozen=True)
class Config:
    """Sizes of the Thm 3 check (defaults: the full check)."""

    entries: tuple[str, ...] | None = None      # catalogue ids; None: every usable entry
    x0_scales: tuple[float, ...] = (1.0, 3.0, 10.0)  # starts x0·s (poor initialisation)
    eps_grid: tuple[float, ...] = (1e-1, 1e-2, 1e-3)  # absolute targets on |f'|
    max_iter_cap: int = 1_000_000  # most steps per run (~0.5 µs per step, 1-D counter)


FULL = Config()
QUICK = Config(entries=("quadratic", "construction-A", "construction-B"), x0_scales=(1.0, 3.0),
               eps_grid=(1e-2,), max_iter_cap=2_000)

RECONSTRUCTED_NOTE = ("the bound is RECONSTRUCTED (paper.md §4): a fail is a finding about the "
                      "reconstruction or the declared constants, not to be tuned away")


def usable_pairs(entry: catalogue.CatalogueEntry) -> list[tuple[float, float]]:
    """Declared (L0, L1) pairs with a finite L0 > 0 (the theorems need L0 > 0)."""
    return [(d.L0, d.L1) for d in entry.declared if d.L0 is not None and d.L0 > 0]


def usable_entries() -> list[str]:
    """Univariate catalogue entries with at least one usable pair."""
    return [e.id for e in catalogue.CATALOGUE if len(e.variables) == 1 and usable_pairs(e)]


def starts(obj: Objective, x0: float, scales, max_value: float = 1e100) -> list[float]:
    """x0·s for each scale where f is finite (and below ``max_value``)."""
    out = []
    for s in scales:
        value = float(obj.value(np.array([[x0 * s]]))[0])
        if math.isfinite(value) and abs(value) < max_value:
            out.append(x0 * s)
    return out


@dataclass(frozen=True)
class Outcome:
    """One run: measured T_ε (oo if diverged, max_iter if censored), status and the cap."""

    measured: float
    censored: bool
    status: str
    max_iter: int


@functools.lru_cache(maxsize=64)
def _gradient_pieces(expr, var: str):
    return gradient_pieces(from_expression(expr, var))


def run_batch(obj: Objective, eps: float, jobs: list[dict], cap: int) -> list[Outcome]:
    """Run ``jobs`` (dicts with ``method``, ``params``, ``x0``, ``bound``).

    Univariate f: each job in :func:`synthetic.fastcount.gd_count` (the same double-precision
    iteration, no jump: catalogue functions have no constant-slope piece except construction B,
    where the jump is exact) with max_iter = min(ceil(1.01·bound) + 10, cap). Several
    variables: jobs sharing a method go in one :func:`run_deterministic` call with
    max_iter = min(ceil(1.01·max bound) + 10, cap) (bound None: the cap).
    """
    out: list[Outcome | None] = [None] * len(jobs)
    if obj.dim == 1:  # one run at a time in the pure-Python counter: ~300x cheaper per step
        pieces = _gradient_pieces(obj.expr, obj.variables[0].name)
        for i, j in enumerate(jobs):
            top = cap if j["bound"] is None else math.ceil(1.01 * j["bound"]) + 10
            max_iter = int(min(top, cap))
            count = gd_count(pieces, float(j["x0"]), eps, step_rule(j["method"], **j["params"]),
                             max_iter=max_iter)
            measured = {"converged": float(count.steps), "diverged": math.inf,
                        "max_iter": float(max_iter)}[count.status]
            out[i] = Outcome(measured, count.status == "max_iter", count.status, max_iter)
        return out
    for method in dict.fromkeys(j["method"] for j in jobs):
        idx = [i for i, j in enumerate(jobs) if j["method"] == method]
        bounds = [jobs[i]["bound"] for i in idx]
        top = cap if any(b is None for b in bounds) else math.ceil(1.01 * max(bounds)) + 10
        max_iter = int(min(top, cap))
        params = {k: np.array([jobs[i]["params"][k] for i in idx], dtype=float)
                  for k in jobs[idx[0]]["params"]}
        res = run_deterministic(obj, np.array([jobs[i]["x0"] for i in idx], dtype=float),
                                method, eps, max_iter=max_iter, **params)
        for k, i in enumerate(idx):
            status = str(res.status[k])
            measured = {"converged": float(res.iterations[k]), "diverged": math.inf,
                        "max_iter": float(max_iter)}[status]
            out[i] = Outcome(measured, status == "max_iter", status, max_iter)
    return out


_FROM_BOUND = object()


def make_record(check_id: str, bound: Bound, params: dict, outcome: Outcome, notes: str,
                bound_value=_FROM_BOUND, **extra) -> ResultRecord:
    """The result record of one run against ``bound`` (``bound_value`` replaces its value;
    None: no bound on T_ε, kind ``none``).

    ``extra`` gets ratio = measured/bound (a lower bound on the ratio when censored), the
    run's status and max_iter.
    """
    value = bound.value if bound_value is _FROM_BOUND else bound_value
    kind = bound.kind if value is not None else "none"
    verdict = verdict_for(outcome.measured, value, kind, 0.0, censored=outcome.censored)
    ratio = None if not value else outcome.measured / value
    return ResultRecord(check_id, bound.theorem, bound.mark, params, outcome.measured, value,
                        kind, 0.0, verdict, notes,
                        {"ratio": ratio, "status": outcome.status, "max_iter": outcome.max_iter,
                         "censored": outcome.censored, "formula": bound.formula, **extra})


def _job(L0: float, L1: float, x0: float, eps: float, Delta: float, label: str) -> dict:
    eta, gamma = thm3_parameters(L0, L1)
    bound = thm3_bound(L0, L1, eps, Delta)
    params = {"L0": L0, "L1": L1, "eps": eps, "Delta": Delta, "x0": x0, "eta": eta,
              "gamma": gamma}
    return {"method": "clipped", "params": {"eta": eta, "gamma": gamma}, "x0": x0,
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
    obj = objective(expr) if not isinstance(expr, Objective) else expr
    Delta = float(obj.value(np.array([[x0]]))[0]) - f_star
    if not Delta >= 0:
        raise ValueError(f"f(x0) >= f_star required, got Delta={Delta!r}")
    return _records(obj, eps, [_job(L0, L1, x0, eps, Delta, label)], cap)[0]


def plan(config):
    """(entry, objective, starts) for each entry of ``config`` (any check's Config)."""
    for eid in config.entries or usable_entries():
        entry = catalogue.get(eid)
        if len(entry.variables) != 1 or not usable_pairs(entry):
            raise ValueError(f"entry {eid!r} is not univariate with a finite L0 > 0")
        obj = _entry_objective(eid)
        yield entry, obj, starts(obj, entry.x0[0], config.x0_scales)


@functools.lru_cache(maxsize=None)
def _entry_objective(eid: str) -> Objective:
    """f and ∇f of a catalogue entry, compiled once (units() and run() both walk the plan)."""
    entry = catalogue.get(eid)
    return objective(catalogue.sympy_expr(entry), list(entry.variables))


def units(config: Config) -> int:
    """Number of records (= progress calls) of :func:`run`."""
    return sum(len(usable_pairs(e)) * len(x0s) * len(config.eps_grid)
               for e, _, x0s in plan(config))


def run(config: Config = FULL, progress: Callable[[str], None] | None = None
        ) -> list[ResultRecord]:
    """All Thm 3 records of ``config`` (batched per entry and ε)."""
    records = []
    for entry, obj, x0s in plan(config):
        values = obj.value(np.array(x0s, dtype=float).reshape(-1, 1))
        for eps in config.eps_grid:
            jobs = [_job(L0, L1, x0, eps, float(v) - entry.f_star, entry.id)
                    for L0, L1 in usable_pairs(entry) for x0, v in zip(x0s, values)]
            for rec in _records(obj, eps, jobs, config.max_iter_cap):
                records.append(rec)
                if progress is not None:
                    progress(rec.check_id)
    return records
