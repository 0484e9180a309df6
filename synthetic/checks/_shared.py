"""Machinery shared by the theorem checks (private: the checks' modules are its only users).

Deterministic catalogue checks (Thm 3, Thm 6, the follow-ups): every univariate catalogue
entry with a declared pair (L0 > 0 finite), started from x0·s for each scale s, one run per
(pair, start, ε). A run's T_ε is exact (1-D: :func:`synthetic.fastcount.gd_count`; several
variables: :func:`synthetic.runners.run_deterministic`); a diverged run is T_ε = oo (a certain
fail of an upper bound); a run stopped at ``max_iter`` is censored (measured = max_iter), so
an upper bound is ``fail`` only if even the cap exceeds it and ``inconclusive`` otherwise.
``max_iter`` = min(ceil(1.01·bound) + 10, cap): censoring below the bound happens only at the
cap.

Stochastic checks (Thm 7, Thm 8): T_ε is the median hitting time over seeds
(docs/statements.md §4, "Hitting time T_ε"); when over half the runs miss ε within the cap the
median is censored and known from below (:func:`median_summary`).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from synthetic.fastcount import gd_count
from synthetic.runners import RunResult, run_deterministic
from synthetic.stochastic import median_hitting_time
from theory.expressions.objective import Objective, objective
from theory.functions import catalogue
from theory.functions.toolkit import from_expression, gradient_pieces
from theory.records import ResultRecord
from theory.statements.bounds import Bound
from theory.statements.steps import step_rule

__all__ = ["CatalogueConfig", "QUICK_SIZES", "RECONSTRUCTED_NOTE", "Outcome", "usable_pairs",
           "usable_entries", "starts", "plan", "entry_objective", "expression_objective",
           "run_batch", "make_record", "catalogue_records", "instance_records", "start_delta",
           "MedianTime", "median_summary", "delta_at"]

RECONSTRUCTED_NOTE = ("the bound is RECONSTRUCTED (docs/statements.md §4): a fail is a finding "
                      "about the reconstruction or the declared constants, not to be tuned away")


@dataclass(frozen=True)
class CatalogueConfig:
    """Sizes of a deterministic catalogue check (each check's ``Config`` derives from it and
    may change a default or add a field)."""

    entries: tuple[str, ...] | None = None      # catalogue ids; None: every usable entry
    x0_scales: tuple[float, ...] = (1.0, 3.0, 10.0)  # starts x0·s (poor initialisation)
    eps_grid: tuple[float, ...] = (1e-1, 1e-2)   # absolute targets on |f'|
    max_iter_cap: int = 1_000_000  # most steps per run (~0.5 µs per step, 1-D counter)


# the ``check --quick`` sizes of every catalogue check: three entries, two starts, one ε
QUICK_SIZES = {"entries": ("quadratic", "construction-A", "construction-B"),
               "x0_scales": (1.0, 3.0), "eps_grid": (1e-2,), "max_iter_cap": 2_000}


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


@functools.lru_cache(maxsize=None)
def entry_objective(eid: str) -> Objective:
    """f and ∇f of a catalogue entry, compiled once (``units()`` and ``run()`` both walk it)."""
    entry = catalogue.get(eid)
    return objective(catalogue.sympy_expr(entry), list(entry.variables))


@functools.lru_cache(maxsize=None)
def expression_objective(expression: str, variables: tuple[str, ...]) -> Objective:
    """f and ∇f of an expression string, compiled once."""
    return objective(expression, list(variables))


def plan(config) -> Iterator[tuple[catalogue.CatalogueEntry, Objective, list[float]]]:
    """(entry, objective, starts) for each entry of ``config`` (a catalogue check's Config:
    ``entries``, ``x0_scales``)."""
    for eid in config.entries or usable_entries():
        entry = catalogue.get(eid)
        if len(entry.variables) != 1 or not usable_pairs(entry):
            raise ValueError(f"entry {eid!r} is not univariate with a finite L0 > 0")
        obj = entry_objective(eid)
        yield entry, obj, starts(obj, entry.x0[0], config.x0_scales)


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


def _outcome(status: str, iterations: float, max_iter: int) -> Outcome:
    measured = {"converged": float(iterations), "diverged": math.inf,
                "max_iter": float(max_iter)}[status]
    return Outcome(measured, status == "max_iter", status, max_iter)


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
            out[i] = _outcome(count.status, count.steps, max_iter)
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
            out[i] = _outcome(str(res.status[k]), res.iterations[k], max_iter)
    return out


_FROM_BOUND = object()


def make_record(check_id: str, bound: Bound, params: dict, outcome: Outcome, notes: str,
                bound_value=_FROM_BOUND, verdict: str | None = None, **extra) -> ResultRecord:
    """The record of one run against ``bound`` (``bound_value`` replaces its value; None: no
    bound on T_ε, kind ``none``; ``verdict``: the check's own rule, default the comparison).

    ``extra`` gets ratio = measured/bound (a lower bound on the ratio when censored), max_iter
    and the bound's formula; the run's status and censoring are the record's own fields.
    """
    value = bound.value if bound_value is _FROM_BOUND else bound_value
    kind = bound.kind if value is not None else "none"
    ratio = None if not value else outcome.measured / value
    return ResultRecord(check_id, bound.theorem, bound.mark, params, outcome.measured, value,
                        kind, 0.0, verdict, notes,
                        {"ratio": ratio, "max_iter": outcome.max_iter, "formula": bound.formula,
                         **extra},
                        quantity="iterations", status=outcome.status, censored=outcome.censored)


def catalogue_records(config, jobs_of: Callable, records_of: Callable,
                      progress: Callable[[str], None] | None = None) -> list[ResultRecord]:
    """The loop of every deterministic catalogue check: for each entry of :func:`plan` and
    each ε of ``config.eps_grid``, ``jobs_of(entry, eps, x0s, values)`` builds the runs and
    ``records_of(obj, eps, jobs, cap)`` their records (``progress(check_id)`` after each)."""
    records = []
    for entry, obj, x0s in plan(config):
        values = obj.value(np.array(x0s, dtype=float).reshape(-1, 1))
        for eps in config.eps_grid:
            for rec in records_of(obj, eps, jobs_of(entry, eps, x0s, values),
                                  config.max_iter_cap):
                records.append(rec)
                if progress is not None:
                    progress(rec.check_id)
    return records


def instance_records(grid, make: Callable, progress: Callable[[str], None] | None = None
                     ) -> list[ResultRecord]:
    """The loop of the stochastic checks: ``make(i, instance)`` for each instance of ``grid``
    in order (``i`` seeds the instance: ``default_rng([seed, i])``), ``progress(check_id)``
    after each."""
    records = []
    for i, instance in enumerate(grid):
        rec = make(i, instance)
        records.append(rec)
        if progress is not None:
            progress(rec.check_id)
    return records


def start_delta(expr, x0: float, f_star: float) -> tuple[Objective, float, float]:
    """(objective, f(x0), Δ = f(x0) - f*) of one instance (``check_instance`` of a catalogue
    check; ``expr`` a string, a sympy expression or an Objective); ValueError when Δ < 0."""
    obj = objective(expr) if not isinstance(expr, Objective) else expr
    level = float(obj.value(np.array([[x0]]))[0])
    Delta = level - f_star
    if not Delta >= 0:
        raise ValueError(f"f(x0) >= f_star required, got Delta={Delta!r}")
    return obj, level, Delta


def delta_at(obj: Objective, entry: catalogue.CatalogueEntry, x0: np.ndarray) -> float:
    """Δ = f(x0) - f* of a catalogue entry (ValueError unless finite and >= 0)."""
    delta = float(obj.value(x0.reshape(1, -1))[0]) - entry.f_star
    if not (math.isfinite(delta) and delta >= 0):
        raise ValueError(f"{entry.id}: f(x0) - f* >= 0 finite required, got {delta}")
    return delta


@dataclass(frozen=True)
class MedianTime:
    """The median hitting time of stochastic runs, censored when over half missed ε."""

    measured: float
    censored: bool
    converged: np.ndarray
    times: np.ndarray
    q25: float
    q75: float

    def note(self, cap: int) -> str:
        """The sentence a censored record's notes carry ('' when not censored)."""
        return (f" Censored: over half the runs missed ε within {cap}; median >= measured."
                if self.censored else "")


def median_summary(result: RunResult, cap: int) -> MedianTime:
    """Median T_ε over runs; a run censored at the cap has T_ε >= cap + 1, so a censored
    median is the median of min(T_ε, cap + 1), a lower bound."""
    converged = result.status == "converged"
    times = np.where(converged, result.iterations, np.inf).astype(float)
    median = median_hitting_time(result)
    censored = median is None
    measured = float(np.median(np.minimum(times, cap + 1))) if censored else median
    q25, q75 = np.quantile(times, [0.25, 0.75], method="inverted_cdf")
    return MedianTime(measured, censored, converged, times, q25, q75)
