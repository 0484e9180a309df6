"""Search for harder 1-D members: T_ε maximised over ψ profiles (docs/statements.md §5c, ours).

**Profiles.** With a = L0/L1 and ψ(u) = sign(u)·log(1 + |u|/a), a C¹ function f is an a.e.
member of the (L0,L1) class iff ψ∘f' is L1-Lipschitz (§5c, "Membership"); the search runs over
ψ∘f' piecewise linear: two tails and ``cells`` plateaus joined by ramps of ψ-slope below L1,
every |f'| at a knot in [ε, M], a start x0 on a tail at most Δ above f*
(:mod:`synthetic._profiles`: the profiles, their membership, pieces and exact count;
:mod:`synthetic._population`: the box of parameters and the population counter).

**Objective.** scipy's differential evolution (``vectorized=True``, seeded) maximises T_ε:
each generation counts GD on the whole population at once
(:meth:`~synthetic._population.SearchSpace.count`: a member on a plateau jumps to the step
that leaves it, a member on a ramp takes one step; the cap or an exact cycle counts as never
converging, ``max_loops`` passes censor). A first evolution on the 0-cell profiles (a bowl
between two tails, six parameters) seeds the second on ``cells`` plateaus.

**Distillation.** The best profile is counted exactly (:func:`plateau_count`, i.e.
:func:`synthetic.fastcount.gd_count`) and replaced by the certified motif it resembles: no
convergence → the extremal function (exact 2-cycle for h >= h_2c,
:func:`theory.functions.witnesses.extremal_member`); otherwise the plateau where the orbit took
most steps gives the level g* and δ = g*/ε − 1 (two digits), and the motif is the dip witness
at that δ when the orbit landed once on each of several plateaus near g*
(:func:`theory.functions.dips.dip_slope`), else the slope: B_δ
(:func:`theory.functions.witnesses.bowl_member`, M certified by symmetry) or, for fixed-step
GD, the walled slope (:func:`theory.functions.witnesses.walled_member`).
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from synthetic._population import (CENSORED, CONVERGED, INVALID, NEVER, STATUS, SearchSpace,
                                   array_step)
from synthetic._profiles import Profile, check_member, plateau_count, profile_pieces

__all__ = ["Profile", "SearchSpace", "SearchResult", "array_step", "check_member",
           "profile_pieces", "search_worst_case", "distill", "plateau_count",
           "CONVERGED", "NEVER", "CENSORED", "INVALID", "STATUS"]


# ----------------------------------------------------------------------------- the search
@dataclass(frozen=True)
class SearchResult:
    """One search (module docstring).

    ``best_iterations`` is the exact count (:func:`plateau_count`, i.e. ``gd_count``) of the
    best profile, None when it did not converge (``best_status``, ``best_note``: ``max_iter``
    without a note is ``cap`` steps without converging, with a note a censored count);
    ``search_value`` the population counter's value for it; ``sup_T`` the 1-D supremum
    (:func:`theory.statements.worstcase.one_d_supremum`, None: some member never converges)
    and ``ratio`` = best_iterations/sup_T; ``non_converging`` says the best member never
    converged; ``distilled`` the certified motif (:func:`distill`: name, pieces, x0,
    certified, iterations, ...); ``profile`` the best profile; ``members`` and ``rejected``
    the evaluated parameter vectors whose profile was a member (counted) or not (penalised);
    ``stopped`` why the search ended (``maxiter``, ``time_limit`` or ``converged``).
    """

    best_iterations: int | None
    best_status: str
    best_note: str
    search_value: float
    sup_T: float | None
    ratio: float | None
    non_converging: bool
    distilled: dict | None
    profile: dict | None
    cap: int
    seed: int
    cells: int
    popsize: int
    maxiter: int
    generations: int
    members: int
    rejected: int
    stopped: str
    seconds: float
    search_seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def _de_seed_keyword() -> str:
    from scipy.optimize import differential_evolution

    return "rng" if "rng" in inspect.signature(differential_evolution).parameters else "seed"


def _evolve(space: SearchSpace, tally: dict, *, seed, maxiter, popsize, max_loops, deadline,
            progress, x0=None):
    """One differential evolution over ``space`` (maximising T_ε); the best vector."""
    from scipy.optimize import differential_evolution

    best = [math.inf]

    def objective(Z):
        out = space.objective(Z, max_loops)
        tally["members"] += int(np.sum(out <= 0))
        tally["rejected"] += int(np.sum(out > 0))
        best[0] = min(best[0], float(np.min(out)))
        return out

    def callback(xk, convergence=None):
        tally["generations"] += 1
        if progress is not None:
            progress(tally["generations"], -best[0])
        if deadline is not None and time.perf_counter() > deadline:
            tally["stopped"] = "time_limit"
            return True
        return False

    result = differential_evolution(
        objective, space.bounds, maxiter=maxiter, popsize=popsize, tol=0.0, polish=False,
        updating="deferred", vectorized=True, init="latinhypercube", callback=callback, x0=x0,
        **{_de_seed_keyword(): np.random.default_rng(seed)})
    return np.asarray(result.x, float)


def search_worst_case(method: str, params: dict, L0: float, L1: float, M: float, eps: float,
                      Delta: float, *, cells: int = 4, seed: int = 0, maxiter: int = 40,
                      popsize: int = 12, max_loops: int = 4000,
                      time_limit: float | None = None, distil: bool = True,
                      progress: Callable[[int, float], None] | None = None) -> SearchResult:
    """Maximise T_ε over ψ profiles with up to ``cells`` plateaus (module docstring).

    Two differential evolutions: a quarter of the generations on the 0-cell profiles (a bowl
    between two tails: 6 parameters, three times the population), where the sign-flipping
    2-cycles are easy to meet, then the rest on ``cells`` plateaus, started from the first's
    best (:meth:`SearchSpace.embed`).

    Parameters
    ----------
    method, params : str, dict
        The step rule (:func:`theory.statements.steps.step_rule`: ``gd`` with h, ``clipped``
        with eta and gamma, ``normalized`` with eta and beta).
    L0, L1, M, eps, Delta : float
        The class and the target (all > 0, M > eps).
    cells : int
        Plateaus between the tails, 0..12 (3·cells + 6 parameters).
    seed : int
        Seed of the search's generator (``numpy.random.default_rng``); a run that is not cut
        by ``time_limit`` is reproducible.
    maxiter, popsize : int
        Generations in all (>= 2) and differential evolution's population factor.
    max_loops : int
        Passes of the population counter per generation (a member still running is censored).
    time_limit : float, optional
        Seconds for the generations (checked after each, a quarter for the first search); the
        exact recount and the distillation come on top.
    distil : bool
        Distil the best profile into a certified witness (:func:`distill`; imports sympy).
    progress : callable, optional
        Called after each generation with (generation, best value so far).

    Raises
    ------
    ValueError
        Bad class parameters, rule, cells, seed, maxiter, popsize or time_limit.
    """
    from theory.statements.steps import step_rule
    from theory.statements.worstcase import one_d_supremum

    started = time.perf_counter()
    for name, v, low in (("seed", seed, 0), ("maxiter", maxiter, 2), ("popsize", popsize, 2),
                         ("max_loops", max_loops, 1)):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low):
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be finite and > 0 seconds, got {time_limit!r}")
    wc = one_d_supremum(step_rule(method, **params), L0, L1, M, eps, Delta,
                        fixed_h=params["h"] if method == "gd" else None)
    space = SearchSpace(method, params, L0, L1, M, eps, Delta, cells, wc.upper)
    bowl = SearchSpace(method, params, L0, L1, M, eps, Delta, 0, wc.upper)
    tally = {"members": 0, "rejected": 0, "generations": 0, "stopped": "maxiter"}
    first = max(1, maxiter // 4) if cells else maxiter
    common = dict(max_loops=max_loops, progress=progress)
    z = _evolve(bowl, tally, seed=seed, maxiter=first, popsize=3 * popsize, deadline=None if
                time_limit is None else started + time_limit * first / maxiter, **common)
    if cells:
        tally["stopped"] = "maxiter"
        z = _evolve(space, tally, seed=seed + 1, maxiter=maxiter - first, popsize=popsize,
                    deadline=None if time_limit is None else started + time_limit,
                    x0=space.embed(z), **common)
    search_seconds = time.perf_counter() - started
    profile = space.profile(z) if cells else bowl.profile(z)
    best, status, note, value, trace = None, "not a member", "", 0.0, None
    if profile is not None:
        count = plateau_count(profile_pieces(profile, L0, L1), profile.x0, eps, space.rule,
                              max_iter=space.cap, time_limit=30.0)
        best, status, note = count.iterations, count.status, count.note
        b, q = np.asarray(profile.breaks)[None], np.asarray(profile.levels)[None]
        vals, _, _, trace = space.count(b, q, np.array([profile.x0]), np.array([True]),
                                        max_loops, trace=True)
        value = float(vals[0])
    # cap steps without converging, or a blow-up; a stall, the time limit or a cap truncated
    # to MAX_CAP only censor the count
    never = status == "diverged" or (status == "max_iter" and not note)
    if never and space.cap_truncated:
        never, note = False, f"at the cap of {space.cap:.3g} steps, the most the counter takes"
    distilled = distill(space, profile, trace, never, wc) if distil else None
    return SearchResult(
        best, status, note, value, wc.sup_T, None if best is None or not wc.sup_T else best / wc.sup_T,
        never, distilled, None if profile is None else profile.to_dict(), space.cap, int(seed),
        cells, popsize, maxiter, tally["generations"], tally["members"], tally["rejected"],
        tally["stopped"], time.perf_counter() - started, search_seconds)


# ----------------------------------------------------------------------------- distillation
def _plateau_levels(profile: Profile) -> list[float | None]:
    """ψ level of each piece numbered as in :meth:`SearchSpace.count` (None: a ramp)."""
    q = profile.levels
    inner = [q[j - 1] if q[j - 1] == q[j] else None for j in range(1, len(q))]
    return [q[0]] + inner + [q[-1]]


def _short(value: float) -> float:
    """Two significant digits (a short rational keeps the symbolic certification fast)."""
    return float(f"{value:.2g}")


def distill(space: SearchSpace, profile: Profile | None, trace, never: bool, wc) -> dict | None:
    """The certified motif the best profile resembles (module docstring), counted exactly.

    ``trace`` holds the steps per piece of the best profile's orbit, ``never`` says it did not
    converge, ``wc`` is :func:`~theory.statements.worstcase.one_d_supremum`'s answer. Returns
    {name, motif, pieces ([[expr, lo, hi], ...] or None for the dip witness), x0, certified,
    iterations (exact; None: never converges), level, delta, note}; name None when no motif
    applies (the note says why).
    """
    from synthetic.fastcount import gd_count
    from theory.functions.toolkit import gradient_pieces
    from theory.functions.witnesses import bowl_member, extremal_member, pieces_json, \
        walled_member

    if profile is None:
        return None
    L0, L1, M, eps, Delta, rule = (space.L0, space.L1, space.M, space.eps, space.Delta,
                                   space.rule)
    if never:
        g = wc.two_cycle_gradient
        if g is None:
            return {"name": None, "motif": "no convergence", "note": "the best member did not "
                    "converge within the cap but the class has no exact 2-cycle here: a finding "
                    "to check (float stall or cycle of the counter?)"}
        c, report = extremal_member(L0, L1, g if g == M else math.floor(g * 1e9) / 1e9, Delta)
        return {"name": "extremal", "motif": "2-cycle", "pieces": pieces_json(c),
                "x0": str(c.x0), "certified": bool(report.member and report.certified),
                "iterations": None, "level": float(g), "delta": None,
                "note": "exact 2-cycle of the extremal function (h >= h_2c): never converges"}
    levels = _plateau_levels(profile)
    flat = [(int(trace[j]), j) for j, p in enumerate(levels) if p is not None and trace[j] > 0]
    if not flat:
        return {"name": None, "motif": "ramps", "note": "the orbit never landed on a plateau"}
    steps, j = max(flat)

    def magnitude(k: int) -> float:
        return space.a * math.expm1(abs(levels[k]))

    level = magnitude(j)
    delta = max(_short(level / eps - 1), 1e-6)
    near = [k for s, k in flat if s == 1 and abs(magnitude(k) - level) <= 0.1 * level]
    try:
        if len(near) >= 2 and len(near) >= steps:  # single landings dominate: dips
            from theory.functions.dips import dip_slope

            dw = dip_slope(L0, L1, rule, eps, Delta, delta=delta)
            n = plateau_count(dw.pieces, dw.x0, eps, rule, time_limit=30.0).iterations
            return {"name": "dip_witness", "motif": "dips", "pieces": None, "x0": repr(dw.x0),
                    "certified": True, "iterations": n, "level": level, "delta": delta,
                    "periods": dw.periods, "note": dw.certified}
        if space.method == "gd" and M > eps * (1 + delta) * (1 + 1e-9):
            c, report = walled_member(L0, L1, M, eps, Delta, delta=delta)
            name = "walled_slope"
        else:
            (c, report), name = bowl_member(L0, L1, M, eps, Delta, delta=delta), "B_delta"
    except ValueError as e:
        return {"name": None, "motif": "slope", "level": level, "delta": delta,
                "note": f"no certified slope witness: {e}"}
    # the walled slope's wall is never visited from x0: its f' is built only if it is
    count = gd_count(gradient_pieces(c, lazy=name == "walled_slope"), float(c.x0), eps, rule,
                     time_limit=30.0)
    return {"name": name, "motif": "slope", "pieces": pieces_json(c), "x0": str(c.x0),
            "certified": bool(report.member and report.certified),
            "iterations": count.iterations, "count_status": count.status + (
                f" ({count.note})" if count.note else ""), "level": level, "delta": delta,
            "note": f"the slope the search settled at, |f'| = {level:.6g} = (1 + {delta:g})ε, "
                    f"{steps} of the orbit's steps"}
