r"""Thm 8 check: SGD with the paper's step, measured complexity and its scaling in M and τ.

Zhang, He, Sra, Jadbabaie, ICLR 2020, Thm 8 (docs/statements.md §4, Theorem 8): under Assumptions
1-5 (f (L0,L1)-smooth, M = sup{|f'(x)| : f(x) <= f(x0)} < oo, oracle g = ∇f + ξ, E ξ = 0,
||ξ|| <= τ), SGD x_{k+1} = x_k - h g_k with

.. math:: h = \min\{1/\sqrt T, 1/(L_1(M + \tau))\}

(:func:`theory.statements.steps.thm8_step`, step [paper]) has an upper bound on T_ε whose formula
was
**not recovered** (:func:`theory.statements.bounds.thm8_bound` returns None). So every record is
``shape-only``: the median hitting time over seeds on a grid of M and τ, plus one summary record
per least-squares fit of log T_ε against log M (τ fixed) and against log τ (M fixed).
T in 1/√T is a fixed horizon (``Config.T``), also the iteration cap.

Instances: univariate even functions with a tunable start where M is known in closed form.
Both are strictly increasing in |x| with |f'| increasing in |x|, so the sublevel set
{f <= f(x0)} is [-x0, x0] and M = |f'(x0)| exactly:

* ``construction-A`` (docs/statements.md §5, L0 = L1 = 1): f' = (L0/L1)e^{L1|x| - 1} on the tails,
  so
  x0 = (1 + log(M L1/L0))/L1 (needs M L1 > L0);
* ``extremal`` (docs/statements.md §1): f' = (L0/L1)(e^{L1|x|} - 1), so x0 = log(1 + M L1/L0)/L1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from synthetic.checks._shared import (delta_at, expression_objective, instance_records,
                                      median_summary)
from synthetic.stochastic import NOISES, run_stochastic
from theory.functions.catalogue import get
from theory.records import ResultRecord
from theory.statements.bounds import thm8_bound
from theory.statements.steps import thm8_step

__all__ = ["negative_control", "NO_CONTROL", "Config", "FULL", "QUICK", "run", "units",
           "check_instance", "start_for_M", "scaling_fits"]

_STARTS = {"construction-A": lambda M, L0, L1: (1 + math.log(M * L1 / L0)) / L1,
           "extremal": lambda M, L0, L1: math.log(1 + M * L1 / L0) / L1}


@dataclass(frozen=True)
class Config:
    """Thm 8 check sizes; the defaults are the full check."""

    entries: tuple = ("construction-A", "extremal")  # families with closed-form M (docstring)
    Ms: tuple = (10.0, 100.0, 1000.0, 5000.0)  # M = |f'(x0)|, set through the start x0
    taus: tuple = (0.1, 1.0, 10.0, 100.0)  # noise levels τ
    eps: float = 0.1  # target ||∇f|| <= ε
    T: int = 100_000  # horizon in h's 1/√T, and the iteration cap
    noise: str = "two-point"  # ||ξ|| = τ exactly: the largest noise Assumption 5 allows
    runs: int = 50  # seeds per instance, one vectorised call; T_ε is their median
    seed: int = 0  # instance i draws from default_rng([seed, i])


FULL = Config()
QUICK = Config(entries=("extremal",), Ms=(10.0, 100.0, 1000.0), taus=(0.1, 10.0), T=10_000)


def start_for_M(entry_id: str, M: float) -> tuple[float, float, float]:
    """``(x0, L0, L1)`` with |f'(x0)| = M = sup of |f'| on {f <= f(x0)} (closed form).

    Raises
    ------
    ValueError
        Unknown family, M <= 0, or (construction-A) M L1 <= L0 (x0 would not be on a tail).
    """
    if entry_id not in _STARTS:
        raise ValueError(f"entry must be one of {sorted(_STARTS)}, got {entry_id!r}")
    L0, L1 = (float(get(entry_id).params[k]) for k in ("L0", "L1"))
    if not (M > 0 and (entry_id != "construction-A" or M * L1 > L0)):
        raise ValueError(f"M > 0 (and M*L1 > L0 for construction-A) required, got M={M}")
    return _STARTS[entry_id](M, L0, L1), L0, L1


def check_instance(entry_id: str, M: float, tau: float, eps: float, *, T: int,
                   noise: str = "two-point", runs: int = 50, seed: int | Sequence[int] = 0,
                   max_iter: int | None = None) -> ResultRecord:
    """Median hitting time of SGD with Thm 8's step on one (family, M, τ); verdict shape-only.

    Raises
    ------
    ValueError
        Bad family or M (see :func:`start_for_M`), τ < 0, ε <= 0, T < 1, runs < 1, noise.
    """
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {sorted(NOISES)}, got {noise!r}")
    if int(runs) < 1:
        raise ValueError(f"runs >= 1 required, got {runs}")
    x0, L0, L1 = start_for_M(entry_id, M)
    entry = get(entry_id)
    obj = expression_objective(entry.expression, entry.variables)
    delta = delta_at(obj, entry, np.array([x0]))
    bound = thm8_bound(L1, M, tau, eps, delta)
    h = thm8_step(L1, M, tau, T)
    cap = int(T) if max_iter is None else int(max_iter)
    result = run_stochastic(obj, [x0], "sgd", eps, NOISES[noise](tau),
                            np.random.default_rng(seed), runs=int(runs), max_iter=cap, h=h)
    med = median_summary(result, cap)
    measured, censored = med.measured, med.censored
    regime = "1/sqrt(T)" if h == 1 / math.sqrt(T) else "1/(L1(M+tau))"
    notes = (f"Thm 8: step [paper], bound NOT recovered (shape-only); horizon T = {T} in "
             f"h = min{{1/√T, 1/(L1(M+τ))}} = {h:.4g} ({regime} active) and cap; M = |f'(x0)| "
             f"in closed form; T_ε = median over {runs} runs.")
    notes += med.note(cap)
    return ResultRecord(
        check_id=f"thm8/{entry_id}/M={M:g}/tau={tau:g}/eps={eps:g}", theorem=bound.theorem,
        mark=bound.mark,
        params={"entry": entry_id, "L0": L0, "L1": L1, "M": M, "M_method": "closed form",
                "tau": tau, "eps": eps, "Delta": delta, "x0": x0, "h": h, "T": int(T),
                "max_iter": cap, "runs": int(runs), "seed": seed, "noise": noise},
        measured=measured, bound=None, bound_kind="none", tolerance=0.0,
        notes=notes, quantity="median-iterations", censored=censored,
        extra={"converged_fraction": float(med.converged.mean()),
               "diverged_fraction": float(np.mean(result.status == "diverged")),
               "q25": med.q25, "q75": med.q75, "step_regime": regime})


_PREDICTION = ("the paper's step h = min{1/√T, 1/(L1(M+τ))} is non-increasing in M and τ, so "
               "qualitatively larger M or τ -> smaller step -> more iterations (the step only "
               "moves once L1(M+τ) > √T); Thm 8's bound was not recovered: no pass/fail.")


def _fit(entry_id: str, axis: str, fixed: str, rows: list[ResultRecord]) -> ResultRecord:
    """log T_ε = a + b log(axis value) over uncensored ``rows``; measured = slope b."""
    used = [r for r in rows if not r.censored]
    xs = np.log([r.params[axis] for r in used])
    ys = np.log([r.measured for r in used])
    slope, intercept = (np.polyfit(xs, ys, 1) if len(set(xs)) >= 2 else (None, None))
    local = (np.diff(ys) / np.diff(xs)).tolist()  # between consecutive grid points
    p0 = rows[0].params
    fixed_value = p0[fixed]
    return ResultRecord(
        check_id=f"thm8/{entry_id}/slope-vs-{axis}/{fixed}={fixed_value:g}/eps={p0['eps']:g}",
        theorem="Thm 8", mark=rows[0].mark,
        params={"entry": entry_id, fixed: fixed_value, "eps": p0["eps"], "T": p0["T"],
                axis + "_values": [r.params[axis] for r in rows], "runs": p0["runs"]},
        measured=None if slope is None else float(slope), bound=None, bound_kind="none",
        tolerance=0.0, verdict="shape-only", quantity="slope",
        notes=f"numpy.polyfit slope of log T_ε vs log {axis} ({fixed} fixed, censored points "
              f"dropped: {len(rows) - len(used)}); {_PREDICTION}",
        extra={"intercept": None if intercept is None else float(intercept),
               "local_slopes": local, "direction": None if slope is None else
               ("increasing" if slope > 0 else "non-increasing"),
               "medians": [r.measured for r in rows], "censored": [r.censored for r in rows]})


def scaling_fits(records: list[ResultRecord]) -> list[ResultRecord]:
    """One slope record per (family, τ) over M and per (family, M) over τ (>= 2 values each)."""
    fits = []
    for axis, fixed in (("M", "tau"), ("tau", "M")):
        groups: dict = {}
        for r in records:
            groups.setdefault((r.params["entry"], r.params[fixed]), []).append(r)
        for (entry_id, _), rows in groups.items():
            if len({r.params[axis] for r in rows}) >= 2:
                fits.append(_fit(entry_id, axis, fixed, sorted(rows, key=lambda r: r.params[axis])))
    return fits


def _grid(config: Config) -> list[tuple]:
    if int(config.runs) < 1 or not config.taus or not config.Ms:
        raise ValueError("runs >= 1 and non-empty Ms and taus required")
    return [(e, M, tau) for e in config.entries for M in config.Ms for tau in config.taus]


def units(config: Config) -> int:
    """Number of instances (calls of ``progress``); the fits are not counted."""
    return len(_grid(config))


def run(config: Config = FULL, progress: Callable[[str], None] | None = None
        ) -> list[ResultRecord]:
    """Instance records for every (family, M, τ) of ``config``, then the slope records."""
    records = instance_records(
        _grid(config), lambda i, inst: check_instance(
            inst[0], inst[1], inst[2], config.eps, T=config.T, noise=config.noise,
            runs=config.runs, seed=[config.seed, i]), progress)
    return records + scaling_fits(records)


negative_control = None
NO_CONTROL = ("Thm 8's bound was not recovered (docs/statements.md §4, Theorem 8): every record "
              "is shape-only, so there is no verdict a control could make fail")
