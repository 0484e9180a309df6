"""Consequences of (L0,L1)-smoothness that make numeric checks (docs/statements.md §1).

A C² function is (L0,L1)-smooth when ``||∇²f(x)|| <= L0 + L1 ||∇f(x)||`` (Zhang, He, Sra,
Jadbabaie, ICLR 2020, Definition 1). The lemmas below are *not* in that paper; each docstring
gives its mark:

- Grönwall bounds: **reconstructed** (derived by integrating the definition along a segment);
  tight, with equality, on the extremal function ``f(x) = (L0/L1²)(e^{L1|x|} − L1|x| − 1)``.
- Local Lipschitz constants A0, A1: **follow-up**, B. Zhang, Jin, Fang, Wang, NeurIPS 2020.
- Global upper model: **follow-up**, Vankov et al. 2024.
- Gradient bound on a sublevel set: **follow-up**, Li et al. 2023, Lemma 3.5.

All functions broadcast with numpy; a 0-d result is returned as ``float``.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

_SERIES_CUTOFF = 1e-4  # below this argument, Taylor series replace (e^c−1)/c and e^t−t−1


def _check(name: str, value: ArrayLike, *, strict: bool) -> np.ndarray:
    """Return ``value`` as a float array; raise ValueError unless it is > 0 (or >= 0)."""
    arr = np.asarray(value, dtype=float)
    if not np.all(arr > 0 if strict else arr >= 0):  # NaN fails both comparisons
        raise ValueError(f"{name} {'>' if strict else '>='} 0 required, got {name}={value!r}")
    return arr


def _out(arr: np.ndarray) -> float | np.ndarray:
    return float(arr) if np.ndim(arr) == 0 else arr


def gronwall_gradient_bound(grad_norm_x: ArrayLike, c: ArrayLike, L0: float,
                            L1: float) -> float | np.ndarray:
    r"""Gradient growth over a ball of radius c/L1 (Grönwall) [reconstructed].

    For (L0,L1)-smooth f and ``||y − x|| <= c/L1``,

    .. math:: \|\nabla f(y)\| \le e^{c}\|\nabla f(x)\| + (e^{c}-1)\,L_0/L_1 .

    Proof: u(s) = ||∇f(x + s·d)|| with unit d satisfies u' <= L0 + L1 u, so
    (u + L0/L1) grows at most like e^{L1 s}. Equality holds on the extremal function for x >= 0,
    y = x + c/L1 (docs/statements.md §1, "Grönwall consequence").

    Parameters
    ----------
    grad_norm_x : array_like
        ||∇f(x)||, >= 0.
    c : array_like
        Radius in units of 1/L1, c >= 0.
    L0, L1 : float
        Smoothness constants, L0 >= 0, L1 > 0.
    """
    g = _check("grad_norm_x", grad_norm_x, strict=False)
    c = _check("c", c, strict=False)
    L0 = _check("L0", L0, strict=False)
    L1 = _check("L1", L1, strict=True)
    return _out(np.exp(c) * g + np.expm1(c) * L0 / L1)


def gronwall_hessian_bound(grad_norm_x: ArrayLike, c: ArrayLike, L0: float,
                           L1: float) -> float | np.ndarray:
    r"""Hessian growth over a ball of radius c/L1 [reconstructed].

    For ``||y − x|| <= c/L1``: :math:`\|\nabla^2 f(y)\| \le e^{c}(L_0 + L_1\|\nabla f(x)\|)`,
    i.e. Definition 1 at y combined with :func:`gronwall_gradient_bound`. Tight on the extremal
    function (there ``f'' = L0 e^{L1 x}``). Parameters as in :func:`gronwall_gradient_bound`.
    """
    g = _check("grad_norm_x", grad_norm_x, strict=False)
    c = _check("c", c, strict=False)
    L0 = _check("L0", L0, strict=False)
    L1 = _check("L1", L1, strict=True)
    return _out(np.exp(c) * (L0 + L1 * g))


def local_lipschitz_constants(c: ArrayLike) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Constants of the local Lipschitz form [follow-up: B. Zhang et al. 2020].

    For ``L1 ||x − y|| <= c``,

    .. math:: \|\nabla f(x)-\nabla f(y)\| \le (A_0(c)L_0 + A_1(c)L_1\|\nabla f(x)\|)\,\|x-y\|,
       \quad A_0(c) = 1 + e^{c} - \frac{e^{c}-1}{c},\quad A_1(c) = \frac{e^{c}-1}{c}.

    At c = 0 both equal 1 (the limit); for c < 1e-4 the series 1 + c/2 + c²/6 + c³/24 replaces
    the quotient, so there is never a 0/0. A1 is the tight constant (equality on the extremal
    function moving outward); A0 >= A1 (their difference is c²/6 + O(c³)).

    Parameters
    ----------
    c : array_like
        c >= 0.

    Returns
    -------
    (A0, A1) : tuple of float or ndarray
    """
    c = _check("c", c, strict=False)
    small = c < _SERIES_CUTOFF
    c_safe = np.where(small, 1.0, c)
    a1 = np.where(small, 1 + c / 2 + c**2 / 6 + c**3 / 24, np.expm1(c_safe) / c_safe)
    a0 = 1 + np.exp(c) - a1
    return _out(a0), _out(a1)


def vankov_phi(t: ArrayLike) -> float | np.ndarray:
    r""":math:`\varphi(t) = e^t - t - 1` for t >= 0, accurate near 0 (expm1, then a series)."""
    t = _check("t", t, strict=False)
    small = t < _SERIES_CUTOFF
    series = t**2 / 2 * (1 + t / 3 * (1 + t / 4 * (1 + t / 5)))
    return _out(np.where(small, series, np.expm1(t) - t))


def vankov_upper_model(f_x: ArrayLike, grad_x: ArrayLike, x: ArrayLike, y: ArrayLike,
                       L0: float, L1: float) -> float | np.ndarray:
    r"""Global upper model of an (L0,L1)-smooth function [follow-up: Vankov et al. 2024].

    .. math:: f(y) \le f(x) + \langle\nabla f(x), y-x\rangle
       + \frac{L_0 + L_1\|\nabla f(x)\|}{L_1^2}\,\varphi(L_1\|y-x\|),
       \quad \varphi(t) = e^t - t - 1,

    for all x, y. Equality on the extremal function for 0 <= x <= y (1-D).

    Parameters
    ----------
    f_x : array_like
        f(x).
    grad_x, x, y : array_like
        ∇f(x) and the two points; the last axis is the coordinate axis (scalars are 1-D).
    L0, L1 : float
        L0 >= 0, L1 > 0.

    Returns
    -------
    float or ndarray
        The right-hand side, broadcast over leading axes.
    """
    L0 = _check("L0", L0, strict=False)
    L1 = _check("L1", L1, strict=True)
    grad = np.atleast_1d(np.asarray(grad_x, dtype=float))
    step = np.atleast_1d(np.asarray(y, dtype=float)) - np.atleast_1d(np.asarray(x, dtype=float))
    linear = np.sum(grad * step, axis=-1)
    curv = (L0 + L1 * np.linalg.norm(grad, axis=-1)) / L1**2
    phi = np.asarray(vankov_phi(L1 * np.linalg.norm(step, axis=-1)))
    return _out(np.asarray(f_x, dtype=float) + linear + curv * phi)


def li_gradient_bound(L0: float, L1: float, Delta: ArrayLike) -> float | np.ndarray:
    r"""Largest gradient norm on a sublevel set [follow-up: Li et al. 2023, Lemma 3.5].

    From :math:`\|\nabla f(x)\|^2 \le 2(L_0 + 2L_1\|\nabla f(x)\|)(f(x) - f^*)`, solving the
    quadratic in ||∇f(x)||:

    .. math:: \sup\{\|\nabla f(x)\| : f(x) - f^* \le \Delta\} \le
       G = 2L_1\Delta + \sqrt{4L_1^2\Delta^2 + 2L_0\Delta}.

    So the paper's M (Assumption 4) is bounded by a function of Δ = f(x0) − f*.

    Parameters
    ----------
    L0, L1 : float
        L0 >= 0, L1 >= 0.
    Delta : array_like
        Sublevel gap f(x0) − f*, >= 0.
    """
    L0 = _check("L0", L0, strict=False)
    L1 = _check("L1", L1, strict=False)
    d = _check("Delta", Delta, strict=False)
    return _out(2 * L1 * d + np.sqrt(4 * L1**2 * d**2 + 2 * L0 * d))
