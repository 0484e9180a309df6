r"""Thm 7 check: stochastic clipped GD against the reconstructed complexity bound.

Zhang, He, Sra, Jadbabaie, ICLR 2020, Thm 7 (docs/statements.md §4, Theorem 7). Under Assumptions
1-3 and 5 globally (f* > -oo, f (L0,L1)-smooth with L1 > 0, oracle g = ∇f + ξ with E ξ = 0 and
||ξ|| <= τ), clipped SGD

.. math:: x_{k+1} = x_k - h_k g_k,\quad h_k = \min\{\eta, 1/(16L_1(\|g_k\| + \tau))\},\quad
   \eta = \min\{1/(20L_0), 1/(128L_1\tau), 1/\sqrt T\}

reaches ||∇f(x)|| <= ε within (reconstructed bound, :func:`theory.statements.bounds.thm7_bound`)

.. math:: T_\varepsilon \le \Delta'\max\{128L_1/\varepsilon, 4\Delta'/\varepsilon^4,
   (80L_0 + 512L_1\tau)/\varepsilon^2\},\quad
   \Delta' = \Delta + (5L_0 + 2L_1\tau)\tau^2 + 9\tau L_0^2/L_1 .

Marks: step sizes [paper] (h is the natural reading of the paper's typeset
1/(16ηL1(||g||+τ)), see :func:`theory.statements.steps.thm7_step`); the bound [reconstructed]. The
statement is for a run of length T, so the horizon in η's 1/√T is T = ceil(bound) and the runs
are capped at T iterations. The stochastic T_ε is the median hitting time over seeds
(docs/statements.md §4,
[reconstructed]). A run that does not reach ε within the cap counts as T_ε >= cap + 1, so the
median is known from below; when more than half the runs are censored the verdict is ``fail``
if even that lower value exceeds the bound (a certain failure of an upper bound) and
``inconclusive`` otherwise, never ``pass``.

Beside the catalogue, worst-case witness records (:mod:`synthetic.checks._witness_sgd`): B_δ
(docs/statements.md §5c) with the bounded unbiased noise law that minimises the expected
progress per step (the symmetric ±τ law when the clip engages; every law ties otherwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from synthetic.checks._shared import (delta_at, expression_objective, instance_records,
                                      median_summary)
from synthetic.checks._witness_sgd import (QUICK_SGD_WITNESSES, SGD_WITNESSES, STREAM,
                                           witness_record)
from synthetic.stochastic import NOISES, run_stochastic
from theory.functions.catalogue import CatalogueEntry, get
from theory.records import ResultRecord, verdict_for
from theory.statements.bounds import thm7_bound
from theory.statements.steps import thm7_eta

__all__ = ["negative_control", "Config", "FULL", "QUICK", "run", "units", "check_instance",
           "declared_L0", "clipped_parameters", "witness_records"]


@dataclass(frozen=True)
class Config:
    """Thm 7 check sizes; the defaults are the full check."""

    # (catalogue id, L1 of a declared finite (L0, L1) pair, eps values); eps keeps the bound
    # (= horizon and cap) below max_bound: its 4Δ'²/ε⁴ term explodes as ε -> 0
    instances: tuple = (("construction-A", 1.0, (0.25, 0.5)), ("extremal", 1.0, (0.25, 0.5)),
                        ("scaled-cosh", 2.0, (0.25, 0.5)), ("quartic", 2.0, (0.5, 1.0)))
    tau_factors: tuple = (0.1, 0.5, 1.0)  # noise level τ = factor·ε (noise relative to target)
    noises: tuple = ("uniform-ball", "two-point")  # Assumption 5 oracles (synthetic.stochastic)
    runs: int = 50  # seeds per instance, one vectorised call; T_ε is their median
    seed: int = 0  # instance i draws from default_rng([seed, i])
    max_bound: float = 1e6  # refuse an instance whose bound (horizon T) exceeds this
    tolerance: float = 0.0  # one-sided bound: plain <=
    witnesses: tuple = SGD_WITNESSES  # (L0, L1, τ, ε, Δ) of the B_δ witnesses (_witness_sgd)


FULL = Config()
QUICK = Config(instances=(("extremal", 1.0, (1.0,)), ("scaled-cosh", 2.0, (1.0,))),
               tau_factors=(0.5,), witnesses=QUICK_SGD_WITNESSES)


def declared_L0(entry: CatalogueEntry, L1: float) -> float:
    """The catalogue's declared L0 at ``L1`` (ValueError unless declared, finite and L1 > 0)."""
    for d in entry.declared:
        if d.L1 == L1 and d.L0 is not None and L1 > 0:
            return float(d.L0)
    raise ValueError(f"{entry.id}: a declared finite L0 at L1 = {L1} > 0 required")


def clipped_parameters(eta: float, L1: float, tau: float) -> dict:
    r"""``run_stochastic`` arguments for Thm 7's step :math:`\min\{\eta, 1/(16L_1(\|g\|+\tau))\}`.

    The runner's clipped rule is min{η, γη/(||g|| + offset)}; γ = 1/(16 L1 η) and offset = τ
    make γη = 1/(16 L1), i.e. exactly :func:`theory.statements.steps.thm7_step`.
    """
    if not (eta > 0 and L1 > 0 and tau >= 0):
        raise ValueError(f"eta > 0, L1 > 0, tau >= 0 required, got {eta}, {L1}, {tau}")
    return {"eta": eta, "gamma": 1.0 / (16.0 * L1 * eta), "offset": tau}


def check_instance(entry: str | CatalogueEntry, L0: float, L1: float, tau: float, eps: float,
                   noise: str = "two-point", *, runs: int = 50, seed: int | Sequence[int] = 0,
                   x0: Sequence[float] | None = None, step_L0: float | None = None,
                   step_L1: float | None = None, max_iter: int | None = None,
                   tolerance: float = 0.0) -> ResultRecord:
    """Median hitting time of Thm 7's clipped SGD on one instance, against the Thm 7 bound.

    Parameters
    ----------
    entry : str or CatalogueEntry
        Catalogue function; (L0, L1) must be valid constants for it (the caller's claim).
    L0, L1, tau, eps : float
        Smoothness constants (L0 > 0, L1 > 0), noise level τ >= 0 and target ε > 0.
    noise : {"uniform-ball", "two-point"}
    runs, seed : int
        Independent runs, all drawn from ``numpy.random.default_rng(seed)``.
    x0 : sequence of float, optional
        Start (default: the entry's).
    step_L0, step_L1 : float, optional
        Constants used in the *step* only (default L0, L1): a negative control overstates L0
        (steps too small) while the bound keeps the honest constants.
    max_iter : int, optional
        Iteration cap (default the horizon T = ceil(bound)); a smaller cap censors.
    tolerance : float
        Relative tolerance of the upper-bound verdict.

    Raises
    ------
    ValueError
        Unknown entry or noise, L0 <= 0, L1 <= 0, τ < 0, ε <= 0, runs < 1, Δ < 0.
    """
    entry = get(entry) if isinstance(entry, str) else entry
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {sorted(NOISES)}, got {noise!r}")
    if int(runs) < 1:
        raise ValueError(f"runs >= 1 required, got {runs}")
    obj = expression_objective(entry.expression, entry.variables)
    start = np.asarray(entry.x0 if x0 is None else x0, dtype=float)
    delta = delta_at(obj, entry, start)
    bound = thm7_bound(L0, L1, tau, eps, delta)
    T = math.ceil(bound.value)
    sL0, sL1 = L0 if step_L0 is None else step_L0, L1 if step_L1 is None else step_L1
    eta = thm7_eta(sL0, sL1, tau, T)
    cap = T if max_iter is None else int(max_iter)
    result = run_stochastic(obj, start, "clipped-sgd", eps, NOISES[noise](tau),
                            np.random.default_rng(seed), runs=int(runs), max_iter=cap,
                            **clipped_parameters(eta, sL1, tau))
    med = median_summary(result, cap)
    measured, censored = med.measured, med.censored
    verdict = verdict_for(measured, bound.value, "upper", tolerance, censored=censored)
    honest = step_L0 is None and step_L1 is None
    notes = (f"Thm 7: steps [paper], bound [reconstructed]; horizon T = ceil(bound) = {T} in "
             f"η = min{{1/(20L0), 1/(128L1τ), 1/√T}} and cap = {cap} iterations; h = min{{η, "
             f"1/(16L1(||g||+τ))}} (natural reading of the typeset form); T_ε = median over "
             f"{runs} runs.")
    notes += med.note(cap)
    if not honest:
        notes += f" NEGATIVE CONTROL: step uses L0 = {sL0}, L1 = {sL1}, bound the honest pair."
    elif verdict == "fail":
        notes += " FINDING: the reconstructed Thm 7 bound fails on an honest instance."
    tau_s, eps_s = f"{tau:g}", f"{eps:g}"
    return ResultRecord(
        check_id=f"thm7/{entry.id}/tau={tau_s}/noise={noise}/eps={eps_s}",
        theorem=bound.theorem, mark=bound.mark,
        params={"entry": entry.id, "L0": L0, "L1": L1, "tau": tau, "eps": eps, "Delta": delta,
                "x0": start.tolist(), "eta": eta, "T": T, "max_iter": cap, "runs": int(runs),
                "seed": seed, "noise": noise, "step_L0": sL0, "step_L1": sL1},
        measured=measured, bound=bound.value, bound_kind="upper", tolerance=tolerance,
        verdict=verdict, notes=notes, quantity="median-iterations", censored=censored,
        extra={"ratio": measured / bound.value, "converged_fraction": float(med.converged.mean()),
               "diverged_fraction": float(np.mean(result.status == "diverged")),
               "q25": med.q25, "q75": med.q75, "formula": bound.formula})


def _grid(config: Config) -> list[tuple]:
    if int(config.runs) < 1 or not config.tau_factors or not config.noises:
        raise ValueError("runs >= 1 and non-empty tau_factors and noises required")
    return [(eid, L1, eps, fac * eps, noise) for eid, L1, epss in config.instances
            for eps in epss for fac in config.tau_factors for noise in config.noises]


def units(config: Config) -> int:
    """Number of records (calls of ``progress``): instances and witnesses."""
    return len(_grid(config)) + len(config.witnesses)


def witness_records(instances, progress: Callable[[str], None] | None = None, *,
                    runs: int = 50, seed: int = 0) -> list[ResultRecord]:
    """Clipped SGD with the adversarial noise on B_δ for each (L0, L1, τ, ε, Δ) of
    ``instances`` against Thm 7's bound (:mod:`synthetic.checks._witness_sgd`); witness j
    draws from ``default_rng([seed, STREAM, j])``."""
    out = []
    for j, inst in enumerate(instances):
        out.append(witness_record(inst, thm7_bound, clipped_parameters,
                                  runs=runs, seed=[seed, STREAM, j]))
        if progress is not None:
            progress(out[-1].check_id)
    return out


def run(config: Config = FULL, progress: Callable[[str], None] | None = None
        ) -> list[ResultRecord]:
    """One record per (entry, ε, τ, noise) of ``config``, then its witness records;
    ``progress(check_id)`` after each.

    Raises
    ------
    ValueError
        An instance without a declared finite L0 at its L1 > 0, or with a bound above
        ``config.max_bound`` (the cap would make the run infeasible).
    """
    def make(i, instance):
        eid, L1, eps, tau, noise = instance
        entry = get(eid)
        L0 = declared_L0(entry, L1)
        delta = delta_at(expression_objective(entry.expression, entry.variables), entry,
                         np.asarray(entry.x0, dtype=float))
        value = thm7_bound(L0, L1, tau, eps, delta).value
        if value > config.max_bound:
            raise ValueError(f"{eid}, eps={eps}, tau={tau}: bound {value:.3g} <= max_bound "
                             f"{config.max_bound:g} required (raise eps)")
        return check_instance(entry, L0, L1, tau, eps, noise, runs=config.runs,
                              seed=[config.seed, i], tolerance=config.tolerance)

    return instance_records(_grid(config), make, progress) + \
        witness_records(config.witnesses, progress, runs=config.runs, seed=config.seed)


def negative_control() -> list[ResultRecord]:
    """Steps 1000x too small (the step uses L0 = 1000 on the extremal function, L0 = 1): the
    median hitting time passes the bound (censored at the horizon), the record fails."""
    return [check_instance("extremal", 1.0, 1.0, 0.1, 1.0, seed=7031, step_L0=1000.0)]
