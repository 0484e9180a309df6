"""Stochastic runners (SGD, clipped SGD) and bounded-noise oracles (Assumption 5).

Assumption 5 (docs/statements.md §2): the oracle returns g = ∇f(x) + ξ with E ξ = 0 and ||ξ|| <= τ
almost surely. Two oracles, each unbiased and bounded, drawing only from the generator passed in:

* ``uniform_ball``: ξ uniform in the d-ball of radius τ (radius τ U^{1/d}, uniform direction);
* ``two_point``: ξ = ±τ e with e a uniform unit direction (||ξ|| = τ exactly; ±τ in 1-D).

Beyond :data:`NOISES`, :func:`two_point_law` is the general two-point law along a fixed axis,
ξ = −a w.p. b/(a + b) and +b w.p. a/(a + b) (mean 0, ||ξ|| <= max{a, b}): the adversarial laws
of the Thm 7 witness (:mod:`synthetic.checks._witness_sgd`) are of this form.

The step rule sees g, not ∇f (docs/statements.md §3: "including inside the step-size rule"):

* ``sgd``: h = h (Thm 8 uses h = min{1/√T, 1/(L1(M + τ))}, see
  :func:`theory.statements.steps.thm8_step`);
* ``clipped-sgd``: h = min{η, γη/(||g|| + offset)}; with γη = 1/(16 L1) and offset = τ this is
  Thm 7's step min{η, 1/(16 L1(||g_k|| + τ))} (see :func:`theory.statements.steps.thm7_step`).

Hitting time: the first t with ||∇f(x_t)|| <= ε (the true gradient), per run; the paper's
stochastic T_ε is the median over runs (docs/statements.md §4, reconstructed),
:func:`median_hitting_time`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from synthetic.runners import RunResult, iterate
from theory.expressions.objective import Objective
from theory.statements.steps import clipped_offset_step

__all__ = ["uniform_ball", "two_point", "two_point_law", "two_point_atoms", "NOISES",
           "run_stochastic", "median_hitting_time"]

Noise = Callable[[np.random.Generator, int, int], np.ndarray]


def _directions(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.standard_normal((n, d))
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms == 0, 1.0, norms)


def uniform_ball(tau: float) -> Noise:
    """ξ uniform in the ball of radius ``tau`` (unbiased, ||ξ|| <= tau)."""
    if not (np.isfinite(tau) and tau >= 0):
        raise ValueError(f"tau must be finite and >= 0, got {tau}")
    return lambda rng, n, d: _directions(rng, n, d) * (tau * rng.random((n, 1)) ** (1.0 / d))


def two_point(tau: float) -> Noise:
    """ξ = tau·e, e a uniform unit direction (symmetric, so unbiased; ||ξ|| = tau)."""
    if not (np.isfinite(tau) and tau >= 0):
        raise ValueError(f"tau must be finite and >= 0, got {tau}")
    return lambda rng, n, d: tau * _directions(rng, n, d)


NOISES = {"uniform-ball": uniform_ball, "two-point": two_point}


def two_point_atoms(a: float, b: float) -> tuple[tuple[float, float], tuple[float, float]]:
    r"""((−a, b), (p₋, p₊)) of the law ξ ∈ {−a, b} with p₋ = b/(a + b), p₊ = a/(a + b).

    Its mean is −a p₋ + b p₊ = (−ab + ba)/(a + b) = 0 (in exact arithmetic; the doubles p₋,
    p₊ carry one rounding each) and its support lies in [−max{a, b}, max{a, b}]; a = b gives
    p₋ = p₊ = 1/2 exactly. a = b = 0 is the point mass at 0. Requires a, b >= 0 finite.
    """
    if not all(isinstance(v, (int, float)) and np.isfinite(v) and v >= 0 for v in (a, b)):
        raise ValueError(f"a, b >= 0 finite required, got a={a!r}, b={b!r}")
    a, b = float(a), float(b)
    if a + b == 0:
        return (0.0, 0.0), (1.0, 0.0)
    return (-a, b), (b / (a + b), a / (a + b))


def two_point_law(a: float, b: float, axis: int = 0) -> Noise:
    """ξ = u·e_axis with u = −a w.p. b/(a + b), +b w.p. a/(a + b) (:func:`two_point_atoms`):
    unbiased, ||ξ|| <= max{a, b}. A fixed axis, not a random direction: in 1-D a random sign
    would symmetrise the law."""
    (lo, hi), (_, p_plus) = two_point_atoms(a, b)

    def draw(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        if not 0 <= axis < d:
            raise ValueError(f"axis {axis} outside dimension {d}")
        xi = np.zeros((n, d))
        xi[:, axis] = np.where(rng.random(n) < p_plus, hi, lo)
        return xi
    return draw


def _rule(method: str, params: dict) -> Callable[[np.ndarray, dict], np.ndarray]:
    """The step rule of ``method`` from :mod:`theory.statements.steps` (sgd: a fixed step;
    clipped-sgd: :func:`theory.statements.steps.clipped_offset_step`)."""
    needed = {"sgd": ("h",), "clipped-sgd": ("eta", "gamma")}.get(method)
    if needed is None:
        raise ValueError(f"unknown method {method!r}; choose sgd or clipped-sgd")
    missing = [k for k in needed if params.get(k) is None]
    if missing:
        raise ValueError(f"method {method} needs {', '.join(missing)}")
    for k in needed:
        if not np.all(np.asarray(params[k], dtype=float) > 0):
            raise ValueError(f"{k} must be > 0, got {params[k]}")
    if method == "sgd":
        return lambda gn, p: np.broadcast_to(p["h"], gn.shape)
    return lambda gn, p: clipped_offset_step(gn, p["eta"], p["gamma"], p["offset"])


def run_stochastic(obj: Objective, x0, method: str, eps: float, noise: Noise,
                   rng: np.random.Generator, *, runs: int = 1, max_iter: int = 100_000,
                   blowup: float = 1e150, offset: float = 0.0, **params) -> RunResult:
    """``runs`` independent stochastic runs (times any per-run parameter arrays), in lock-step.

    Parameters
    ----------
    obj, x0, eps, max_iter, blowup
        As in :func:`synthetic.runners.run_deterministic`.
    method : {"sgd", "clipped-sgd"}
    noise : callable
        An oracle from :data:`NOISES` (``noise(rng, n, d)`` -> (n, d) noise).
    rng : numpy.random.Generator
        The only source of randomness (reproducible for a given seed).
    runs : int
        Independent repetitions of every parameter setting (seeds of one generator).
    offset : float
        Added to ||g|| in the clipped rule (τ for Thm 7's step).
    **params
        ``h`` (sgd) or ``eta``, ``gamma`` (clipped-sgd); floats or per-setting arrays.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")
    if not (np.isfinite(eps) and eps > 0) or int(max_iter) < 0 or int(runs) < 1:
        raise ValueError(f"need eps > 0, max_iter >= 0, runs >= 1; got {eps}, {max_iter}, {runs}")
    rule = _rule(method, params)
    p = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items() if v is not None}
    settings = max([v.size for v in p.values()] + [1])
    p = {k: np.tile(np.broadcast_to(v, (settings,)), runs) for k, v in p.items()}
    p["offset"] = np.full(settings * runs, float(offset))
    X = np.asarray(x0, dtype=float)
    X = X.reshape(-1, 1) if obj.dim == 1 else np.atleast_2d(X)
    batch = settings * int(runs)
    X = np.broadcast_to(X[:1] if X.shape[0] == 1 else X, (batch, obj.dim)).copy()

    def displacement(active: np.ndarray, G: np.ndarray, gn: np.ndarray) -> np.ndarray:
        g = G + noise(rng, active.size, obj.dim)
        h = rule(np.linalg.norm(g, axis=1), {k: v[active] for k, v in p.items()})
        return np.asarray(h, dtype=float).reshape(-1, 1) * g

    return iterate(obj, X, eps, int(max_iter), blowup, displacement)


def median_hitting_time(result: RunResult) -> float | None:
    """Median of T_ε over runs, censored and diverged runs counting as +oo.

    None when more than half the runs did not converge (the median is then unknown: only a
    lower bound, ``max_iter``, is known), which a check must report as inconclusive.
    """
    times = np.where(result.status == "converged", result.iterations, np.inf).astype(float)
    median = float(np.median(times))
    return None if not np.isfinite(median) else median
