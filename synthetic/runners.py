"""Deterministic runners: GD, clipped GD and normalized GD, vectorised over a batch of runs.

One call runs B independent runs (different steps, starting points or both) in lock-step:

    x_{t+1} = x_t - h_t ∇f(x_t),   h_t = rule(||∇f(x_t)||)    (docs/statements.md §3)

with ``rule`` fixed (h), clipped (h_c = min{η, γη/||g||}) or normalized (h_n = η/(||g|| + β)),
from :mod:`theory.statements.steps`. T_ε is the first t with ||∇f(x_t)|| <= ε, an exact integer
count of gradient steps (x_0 counts as t = 0). Each run ends with a status:

* ``converged`` — ||∇f(x_t)|| <= ε at t = T_ε;
* ``diverged`` — a non-finite iterate or gradient, or max|x_t| beyond ``blowup``; the run stops
  at the first bad value, so no NaN is ever passed on (``final_grad_norm`` is the last finite
  one: NaN in the arrays, None in :meth:`RunResult.record`, when already ∇f(x_0) overflows);
* ``max_iter`` — censored: no ε-stationary point within ``max_iter`` steps (T_ε > max_iter).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from plumbing.contract import RUN_STATUSES
from theory.expressions.objective import Objective
from theory.statements.steps import BATCH_RULES, method_parameters

__all__ = ["RunResult", "STATUSES", "run_deterministic", "iterate"]

STATUSES = RUN_STATUSES  # how a run ends: the result contract's statuses


@dataclass(frozen=True)
class RunResult:
    """Outcome of B runs: ``iterations`` is T_ε (-1 where not converged)."""

    iterations: np.ndarray
    status: np.ndarray
    final_grad_norm: np.ndarray
    final_x: np.ndarray

    def record(self, i: int = 0) -> dict:
        """The command line's JSON fields for run ``i``: iterations None unless converged,
        final_grad_norm None when no gradient norm was finite (strict JSON, never NaN)."""
        converged = self.status[i] == "converged"
        g = float(self.final_grad_norm[i])
        return {"iterations": int(self.iterations[i]) if converged else None,
                "status": str(self.status[i]), "final_grad_norm": g if np.isfinite(g) else None}


def run_deterministic(obj: Objective, x0, method: str, eps: float, *, max_iter: int = 1_000_000,
                      blowup: float = 1e150, time_limit: float | None = None,
                      **params) -> RunResult:
    """Run B deterministic runs until each converges, diverges or hits ``max_iter``.

    Parameters
    ----------
    obj : Objective
        f and ∇f (:func:`theory.expressions.objective.objective`).
    x0 : array_like, shape (d,) or (B, d) (a scalar or (B,) when d = 1)
        Starting points.
    method : {"gd", "clipped", "normalized"}
    eps : float
        Target gradient norm, > 0.
    max_iter : int
        Most gradient steps per run, >= 0.
    blowup : float
        max|x| beyond max(blowup, 1e20·max|x0|) (at most 1e300) counts as divergence.
    time_limit : float, optional
        Seconds of iterating (finite, > 0); beyond, the runs still active are censored
        (``max_iter``).
    **params : float or array of shape (B,)
        ``h`` (gd), ``eta`` and ``gamma`` (clipped), ``eta`` and ``beta`` (normalized); arrays
        give one run per entry, broadcast against the starting points.

    Raises
    ------
    ValueError
        Unknown method, missing/extra/non-positive parameters, eps <= 0, max_iter < 0,
        time_limit not finite and > 0, shapes.
    """
    p = method_parameters(method, params)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be finite and > 0, got {eps}")
    if int(max_iter) < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter}")
    if time_limit is not None and not (np.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be finite and > 0 seconds, got {time_limit}")
    X = np.asarray(x0, dtype=float)
    X = X.reshape(-1, 1) if obj.dim == 1 else np.atleast_2d(X)
    if X.shape[1] != obj.dim or not np.all(np.isfinite(X)):
        raise ValueError(f"x0 must be finite with {obj.dim} coordinate(s), got shape {X.shape}")
    try:
        batch = np.broadcast_shapes((X.shape[0],), *(v.shape for v in p.values()))[0]
    except ValueError:
        raise ValueError("x0 and the step parameters have incompatible batch sizes") from None
    X = np.broadcast_to(X, (batch, obj.dim)).copy()
    p = {k: np.broadcast_to(v, (batch,)) for k, v in p.items()}
    rule = BATCH_RULES[method]

    def displacement(active: np.ndarray, G: np.ndarray, gn: np.ndarray) -> np.ndarray:
        h = np.asarray(rule(gn, {k: v[active] for k, v in p.items()}), dtype=float)
        return h.reshape(-1, 1) * G

    return iterate(obj, X, eps, int(max_iter), blowup, displacement, time_limit)


def iterate(obj: Objective, X: np.ndarray, eps: float, max_iter: int, blowup: float,
            displacement, time_limit: float | None = None) -> RunResult:
    """The lock-step loop shared by every runner: x_{t+1} = x_t - displacement(active, ∇f, ||∇f||).

    Stops each run at its first ε-stationary iterate (converged), first non-finite gradient or
    max|x| > blowup (diverged), or after ``max_iter`` steps (max_iter). ``X`` is updated in place.
    """
    batch = X.shape[0]
    iterations = np.full(batch, -1, dtype=np.int64)
    status = np.full(batch, "max_iter", dtype=object)
    final_gn = np.full(batch, np.nan)
    active = np.arange(batch)
    start = X.copy()
    with np.errstate(all="ignore"):
        blowup = np.maximum(blowup, np.minimum(1e300, 1e20 * np.abs(start).max(axis=1)))
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    for t in range(max_iter + 1):
        G = obj.gradient(X[active])
        with np.errstate(all="ignore"):
            gn = np.linalg.norm(G, axis=1)
        bad = ~np.isfinite(gn) | (np.abs(X[active]).max(axis=1) > blowup[active])
        done = ~bad & (gn <= eps)
        status[active[bad]], status[active[done]] = "diverged", "converged"
        iterations[active[done]] = t
        finite = np.isfinite(gn)  # a diverged run reports its last finite gradient norm
        final_gn[active[finite]] = gn[finite]
        keep = ~(bad | done)
        active, G, gn = active[keep], G[keep], gn[keep]
        if active.size == 0 or t == max_iter:
            break
        if deadline is not None and not t & 1023 and time.perf_counter() > deadline:
            break  # the active runs stay censored (status max_iter)
        with np.errstate(all="ignore"):
            X[active] -= displacement(active, G, gn)
    return RunResult(iterations, status.astype(str), final_gn, X)
