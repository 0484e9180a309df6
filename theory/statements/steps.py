"""Step-size rules: fixed, clipped and normalized GD, and the theorems' parameter choices.

Each rule is a small pure function of the gradient norm ``||g||`` (numpy-broadcasting over
norms and parameters; a 0-d result is returned as ``float``). The update is always
``x+ = x − h·g`` with ``h`` the returned step. A zero gradient never divides by zero.
References: Zhang, He, Sra, Jadbabaie, ICLR 2020 (arXiv:1905.11881v2), Section 3 and Theorems
3, 6, 7, 8; follow-ups Vankov et al. 2024 and Li et al. 2023 (docs/statements.md §3-§4).
Step sizes of the theorems are **[paper]**; the follow-up steps are **[follow-up]**.

This module is the one definition of the step rules every runner uses
(docs/architecture.md, "Step rules"): the array rules above for the vectorised runners
(:data:`BATCH_RULES`, via :func:`method_parameters`), their scalar twins for the exact 1-D
counter (:func:`step_rule`, the per-step hot loop, where a numpy call costs microseconds;
tests check both give the same doubles), and :func:`rule_parameters`, which turns a named
rule of a theorem or follow-up into a runner method and its parameters.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from .lemmas import li_gradient_bound

Step = float | np.ndarray


def _check(name: str, value: ArrayLike, *, strict: bool = True) -> np.ndarray:
    """Return ``value`` as a float array; raise ValueError unless it is > 0 (or >= 0)."""
    arr = np.asarray(value, dtype=float)
    if not np.all(arr > 0 if strict else arr >= 0):  # NaN fails both comparisons
        raise ValueError(f"{name} {'>' if strict else '>='} 0 required, got {name}={value!r}")
    return arr


def _norm(grad_norm: ArrayLike) -> np.ndarray:
    return _check("grad_norm", grad_norm, strict=False)


def _out(arr: np.ndarray) -> Step:
    return float(arr) if np.ndim(arr) == 0 else arr


def _min_ratio(cap: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """min{cap, num/den} without dividing by zero (den = 0 gives cap)."""
    den_b, num_b, cap_b = np.broadcast_arrays(den, num, cap)
    active = num_b < cap_b * den_b
    safe = np.where(active, den_b, 1.0)
    return np.where(active, num_b / safe, cap_b)


def fixed_step(grad_norm: ArrayLike, h: ArrayLike) -> Step:
    """Plain GD step ``h`` (independent of ||g||), broadcast to the shape of ``grad_norm``."""
    g, h = _norm(grad_norm), _check("h", h)
    return _out(np.broadcast_to(h, np.broadcast_shapes(g.shape, h.shape)).copy())


def clipped_step(grad_norm: ArrayLike, eta: ArrayLike, gamma: ArrayLike) -> Step:
    r"""Clipped-GD step :math:`h_c = \min\{\eta, \gamma\eta/\|g\|\}` (docs/statements.md §3, Thm 3).

    The step length h_c·||g|| = min{η||g||, γη} never exceeds γη. ||g|| = 0 gives η.

    Parameters
    ----------
    grad_norm : array_like
        ||g|| >= 0 (inf allowed: the step is 0).
    eta, gamma : array_like
        Step cap η_c > 0 and clipping threshold γ > 0.
    """
    g, eta, gamma = _norm(grad_norm), _check("eta", eta), _check("gamma", gamma)
    return _out(_min_ratio(eta, gamma * eta, g))


def normalized_step(grad_norm: ArrayLike, eta: ArrayLike, beta: ArrayLike) -> Step:
    r"""Normalized-GD step :math:`h_n = \eta/(\|g\| + \beta)`, β > 0 (docs/statements.md §3)."""
    g, eta, beta = _norm(grad_norm), _check("eta", eta), _check("beta", beta)
    return _out(eta / (g + beta))


def clipped_to_normalized(eta_c: ArrayLike, gamma: ArrayLike) -> tuple[Step, Step]:
    r"""Map clipped parameters to normalized ones: :math:`\eta_n = \gamma\eta_c,\ \beta = \gamma`.

    With this map :math:`h_c/2 \le h_n \le h_c` for every ||g|| (tight: h_n = h_c at g = 0,
    h_n/h_c → 1/2 at ||g|| = γ). The paper (§3) states the looser
    :math:`\tfrac12 h_c \le h_n \le 2h_c`; :func:`normalized_over_clipped` is the exact ratio.
    """
    eta_c, gamma = _check("eta_c", eta_c), _check("gamma", gamma)
    return _out(gamma * eta_c), _out(gamma.copy())


def normalized_to_clipped(eta_n: ArrayLike, beta: ArrayLike) -> tuple[Step, Step]:
    r"""Inverse of :func:`clipped_to_normalized`: :math:`\eta_c = \eta_n/\beta,\ \gamma = \beta`."""
    eta_n, beta = _check("eta_n", eta_n), _check("beta", beta)
    return _out(eta_n / beta), _out(beta.copy())


def normalized_over_clipped(grad_norm: ArrayLike, gamma: ArrayLike) -> Step:
    r"""Exact ratio :math:`h_n/h_c = \max\{\|g\|, \gamma\}/(\|g\| + \gamma) \in [1/2, 1]`.

    Under :func:`clipped_to_normalized`; independent of η_c. Proof: for ||g|| <= γ, h_c = η_c and
    h_n = γη_c/(||g||+γ); otherwise h_c = γη_c/||g||. Equals 1/2 exactly at ||g|| = γ.
    """
    g, gamma = _norm(grad_norm), _check("gamma", gamma)
    return _out(np.maximum(g, gamma) / (g + gamma))


def clip_factor(grad_norm: ArrayLike, c: ArrayLike) -> Step:
    r"""PyTorch ``clip_grad_norm_(c)`` then SGD:
    :math:`\theta \leftarrow \theta - \eta\min\{1, c/\|g\|\}g`.

    Returns the factor min{1, c/||g||}; after it the norm of the gradient is min{||g||, c}.
    η·clip_factor(||g||, γ) equals :func:`clipped_step` (||g||, η, γ).
    """
    g, c = _norm(grad_norm), _check("c", c)
    return _out(_min_ratio(np.ones_like(c), c, g))


def normalized_factor(grad_norm: ArrayLike, c: ArrayLike) -> Step:
    r"""Practical normalized update :math:`\theta \leftarrow \theta - \eta\,c/(\|g\|+c)\,g`.

    Returns the factor c/(||g||+c).

    (η_n/c)·normalized_factor(||g||, c) equals :func:`normalized_step` (||g||, η_n, c).
    """
    g, c = _norm(grad_norm), _check("c", c)
    return _out(c / (g + c))


def thm3_parameters(L0: float, L1: float) -> tuple[float, float]:
    r"""Clipped-GD parameters of Thm 3 [paper]: :math:`\eta_c = 1/(10L_0)`,
    :math:`\gamma = \min\{1/\eta_c, 1/(10L_1\eta_c)\} = \min\{10L_0, L_0/L_1\}` (L1 = 0: 10 L0).

    The largest step length is γη_c = min{1, 1/(10 L1)} <= 1, the radius of the set S on which
    Assumption 3 holds. Requires L0 > 0, L1 >= 0. Returns ``(eta_c, gamma)``.
    """
    L0, L1 = float(_check("L0", L0)), float(_check("L1", L1, strict=False))
    gamma = 10 * L0 if L1 == 0 else min(10 * L0, L0 / L1)
    return 1 / (10 * L0), gamma


def thm6_step(L0: float, L1: float, M: float) -> float:
    r"""Fixed GD step of Thm 6 [paper]: :math:`h = 1/(2(ML_1 + L_0))`. Needs L0 > 0, L1, M >= 0."""
    L0, L1 = float(_check("L0", L0)), float(_check("L1", L1, strict=False))
    M = float(_check("M", M, strict=False))
    return 1 / (2 * (M * L1 + L0))


def thm7_eta(L0: float, L1: float, tau: float, T: float) -> float:
    r"""Step cap of Thm 7 [paper]: :math:`\eta = \min\{1/(20L_0), 1/(128L_1\tau), 1/\sqrt T\}`.

    τ = 0 (exact gradients) drops the middle term. Requires L0 > 0, L1 > 0, τ >= 0, T >= 1.
    """
    L0, L1 = float(_check("L0", L0)), float(_check("L1", L1))
    tau, T = float(_check("tau", tau, strict=False)), float(T)
    if not T >= 1:
        raise ValueError(f"T >= 1 required, got T={T!r}")
    terms = [1 / (20 * L0), 1 / np.sqrt(T)] + ([1 / (128 * L1 * tau)] if tau > 0 else [])
    return float(min(terms))


def thm7_step(grad_norm: ArrayLike, eta: ArrayLike, L1: float, tau: float) -> Step:
    r"""Stochastic clipped-GD step of Thm 7: :math:`h = \min\{\eta, 1/(16L_1(\|g\|+\tau))\}`.

    The paper typesets the second term as 1/(16ηL1(||g_k||+τ)), which is not a step size: it is
    dimensionless (a step has the units of η) and it grows as η shrinks. The form used here is
    the natural reading: clipping with cap η and step length at most 1/(16 L1). ||g|| + τ = 0
    gives η. Requires η > 0, L1 > 0, τ >= 0.
    """
    g, eta = _norm(grad_norm), _check("eta", eta)
    L1, tau = _check("L1", L1), _check("tau", tau, strict=False)
    return _out(_min_ratio(eta, np.ones_like(L1), 16 * L1 * (g + tau)))


def thm8_step(L1: float, M: float, tau: float, T: float) -> float:
    r"""SGD step of Thm 8 [paper]: :math:`h = \min\{1/\sqrt T, 1/(L_1(M+\tau))\}`.

    L1(M + τ) = 0 drops the second term. Requires L1, M, τ >= 0 and T >= 1. Note that no L0
    appears: as L1 → 0 the step is 1/√T whatever L0 (as read from the paper).
    """
    L1, M = float(_check("L1", L1, strict=False)), float(_check("M", M, strict=False))
    tau, T = float(_check("tau", tau, strict=False)), float(T)
    if not T >= 1:
        raise ValueError(f"T >= 1 required, got T={T!r}")
    k = L1 * (M + tau)
    return float(min(1 / np.sqrt(T), 1 / k)) if k > 0 else float(1 / np.sqrt(T))


def vankov_step(grad_norm: ArrayLike, L0: float, L1: float) -> Step:
    r"""Smoothed clipping step :math:`1/(L_0 + 1.5L_1\|g\|)` [follow-up: Vankov et al. 2024].

    Satisfies vankov_step/2 <= :func:`vankov_clipped_step` <= vankov_step. L0 > 0, L1 >= 0.
    """
    g, L0, L1 = _norm(grad_norm), _check("L0", L0), _check("L1", L1, strict=False)
    return _out(1 / (L0 + 1.5 * L1 * g))


def vankov_clipped_step(grad_norm: ArrayLike, L0: float, L1: float) -> Step:
    r"""Clipped step :math:`\min\{1/(2L_0), 1/(3L_1\|g\|)\}` [follow-up: Vankov et al. 2024].

    L1·||g|| = 0 gives 1/(2 L0). Requires L0 > 0, L1 >= 0.
    """
    g, L0, L1 = _norm(grad_norm), _check("L0", L0), _check("L1", L1, strict=False)
    return _out(_min_ratio(1 / (2 * L0), np.ones_like(L0), 3 * L1 * g))


def li_constant_step(L0: float, L1: float, Delta: float) -> float:
    r"""Largest constant GD step of Li et al. 2023 [follow-up]: :math:`1/(L_0 + 2L_1G)`,
    :math:`G = 2L_1\Delta + \sqrt{4L_1^2\Delta^2 + 2L_0\Delta}`
    (:func:`theory.statements.lemmas.li_gradient_bound`).

    The step depends on Δ = f(x0) − f*. Requires L0 > 0, L1 >= 0, Δ >= 0.
    """
    L0, L1 = float(_check("L0", L0)), float(_check("L1", L1, strict=False))
    G = float(li_gradient_bound(L0, L1, Delta))
    return 1 / (L0 + 2 * L1 * G)


# --------------------------------------------------------------------------- rules of runners
METHODS = ("gd", "clipped", "normalized")
PARAMETERS = {"gd": ("h",), "clipped": ("eta", "gamma"), "normalized": ("eta", "beta")}
BATCH_RULES: dict[str, Callable[[np.ndarray, dict], Step]] = {
    "gd": lambda g, p: fixed_step(g, p["h"]),
    "clipped": lambda g, p: clipped_step(g, p["eta"], p["gamma"]),
    "normalized": lambda g, p: normalized_step(g, p["eta"], p["beta"])}


def clipped_offset_step(grad_norm: ArrayLike, eta: ArrayLike, gamma: ArrayLike,
                        offset: ArrayLike) -> np.ndarray:
    r"""Clipped step with an offset, :math:`\min\{\eta, \gamma\eta/(\|g\| + o)\}` (o >= 0):
    Thm 7's clipped-SGD step with γ = 1/(16 L1 η) and o = τ (docs/statements.md §4,
    Theorem 7), computed as ``np.minimum`` (the stochastic runner's rule)."""
    return np.minimum(eta, gamma * eta / (np.asarray(grad_norm) + offset))


def method_parameters(method: str, params: dict) -> dict[str, np.ndarray]:
    """The step parameters of ``method`` (one of :data:`METHODS`) as arrays (ValueError:
    unknown method, missing, extra or non-positive parameters)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    needed = PARAMETERS[method]
    missing = [k for k in needed if params.get(k) is None]
    if missing:
        raise ValueError(f"method {method} needs {', '.join('--' + k for k in missing)}")
    extra = [k for k, v in params.items() if v is not None and k not in needed]
    if extra:
        raise ValueError(f"method {method} does not take {', '.join('--' + k for k in extra)}")
    out = {k: np.atleast_1d(np.asarray(params[k], dtype=float)) for k in needed}
    for k, v in out.items():
        if not (np.all(np.isfinite(v)) and np.all(v > 0)):
            raise ValueError(f"{k} must be finite and > 0, got {params[k]}")
    return out


def step_rule(method: str, **params: float) -> Callable[[float], float]:
    """h(||g||) for ``gd`` (h), ``clipped`` (min{η, γη/||g||}) or ``normalized`` (η/(||g|| + β)).

    Scalar twins of :func:`fixed_step`, :func:`clipped_step` and :func:`normalized_step` for
    the per-step hot loop of the exact 1-D counter (the numpy ones cost microseconds per
    call); tests check both give the same doubles.

    Raises
    ------
    ValueError
        Unknown method, missing or non-positive parameters.
    """
    needed = PARAMETERS.get(method)
    if needed is None:
        raise ValueError(f"unknown method {method!r}; choose gd, clipped or normalized")
    for k in needed:
        v = params.get(k)
        if v is None or not (math.isfinite(v) and v > 0):
            raise ValueError(f"method {method} needs {k} > 0, got {v!r}")
    if method == "gd":
        h = float(params["h"])
        return lambda g: h
    if method == "clipped":
        eta, gamma = float(params["eta"]), float(params["gamma"])
        return lambda g: min(eta, gamma * eta / g) if g > 0 else eta
    eta, beta = float(params["eta"]), float(params["beta"])
    return lambda g: eta / (g + beta)


RULES = ("thm3", "thm6", "vankov", "vankov_clipped", "li")


def rule_parameters(rule: str, L0: float, L1: float, Delta: float | None = None,
                    M: float | None = None) -> tuple[str, dict]:
    """(method, parameters) of a runner for a named rule (one of :data:`RULES`).

    thm3: clipped η = 1/(10 L0), γ = min{10 L0, L0/L1} (:func:`thm3_parameters`);
    thm6: gd with h = 1/(2(M L1 + L0)) (needs M; :func:`thm6_step`);
    vankov: normalized η = 1/(1.5 L1), β = L0/(1.5 L1), i.e. h = 1/(L0 + 1.5 L1|g|)
    (:func:`vankov_step`, exactly);
    vankov_clipped: clipped η = 1/(2 L0), γ = 2 L0/(3 L1), i.e. h = min{1/(2L0), 1/(3L1|g|)}
    (:func:`vankov_clipped_step`); li: gd with h = :func:`li_constant_step` (needs Δ).
    L1 = 0 turns vankov and vankov_clipped into GD with h = 1/L0 and 1/(2 L0).
    """
    if not (L0 > 0 and L1 >= 0):
        raise ValueError(f"L0 > 0 and L1 >= 0 required, got L0={L0!r}, L1={L1!r}")
    if rule == "thm3":
        eta, gamma = thm3_parameters(L0, L1)
        return "clipped", {"eta": eta, "gamma": gamma}
    if rule == "thm6":
        if M is None:
            raise ValueError("rule thm6 needs M")
        return "gd", {"h": thm6_step(L0, L1, M)}
    if rule == "vankov":
        return ("normalized", {"eta": 1 / (1.5 * L1), "beta": L0 / (1.5 * L1)}) if L1 > 0 \
            else ("gd", {"h": 1 / L0})
    if rule == "vankov_clipped":
        return ("clipped", {"eta": 1 / (2 * L0), "gamma": 2 * L0 / (3 * L1)}) if L1 > 0 \
            else ("gd", {"h": 1 / (2 * L0)})
    if rule == "li":
        if Delta is None:
            raise ValueError("rule li needs Delta")
        return "gd", {"h": li_constant_step(L0, L1, Delta)}
    raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
