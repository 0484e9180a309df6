"""Numeric search for (L0,L1)-smoothness of a multivariate sympy expression on a box.

f is (L0,L1)-smooth (Zhang, He, Sra, Jadbabaie, ICLR 2020, Definition 1; docs/statements.md §1)
if

    ||∇²f(x)||_2 <= L0 + L1 ||∇f(x)||_2   for all x,

with the operator 2-norm of the Hessian. The valid pairs form a convex set whose lower boundary
is the frontier L0*(L1) = sup_x (||∇²f(x)|| - L1 ||∇f(x)||) (the workbench's definition,
docs/statements.md §1, "The frontier L0*(L1)").

Everything here is an *estimate* (``method = "numeric-search"``, ``certified = False``): the
supremum over the box is searched on quasi-random points, structured points and local refinement.
A violation found is a certificate of failure (up to floating point); no violation found is only
evidence, and a frontier value is a lower bound on the true L0*(L1) on the box.

This module holds the results (:class:`MultivariateCheck`, :class:`FrontierEstimate`) and the two
searches (:func:`check_l0l1`, :func:`estimate_frontier`); the evaluator, the points and the local
refinement they share are in :mod:`theory.smoothness.multivariate_search`, whose
:func:`evaluate_norms` and ``MAX_SAMPLES`` are importable from here too.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from plumbing.jsonio import to_jsonable
from theory.smoothness.multivariate_search import (MAX_SAMPLES, Box, _nonneg, _prepare,
                                                  _search, evaluate_norms)

METHOD = "numeric-search"

__all__ = ["MultivariateCheck", "FrontierEstimate", "check_l0l1", "estimate_frontier",
           "evaluate_norms", "MAX_SAMPLES"]


class _Record:
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (strict JSON: non-finite floats become strings)."""
        return to_jsonable(asdict(self))  # type: ignore[call-overload]


@dataclass(frozen=True)
class MultivariateCheck(_Record):
    """Result of :func:`check_l0l1` (an estimate, never a certificate of validity).

    Attributes
    ----------
    holds : bool
        ``verdict == "pass"``: no violation found and every evaluation was finite.
    verdict : str
        ``"fail"`` (a point with excess > 0 was found), ``"inconclusive"`` (none found, but some
        evaluations overflowed) or ``"pass"``.
    worst_point : tuple of float
        Point of largest excess found.
    worst_excess : float
        max over evaluated x of ||∇²f(x)|| - (L0 + L1||∇f(x)||); > 0 is a violation.
    worst_ratio : float
        ||∇²f|| / (L0 + L1||∇f||) at ``worst_point`` (inf if the denominator is 0 < ||∇²f||).
    hess_norm, grad_norm : float
        ||∇²f|| and ||∇f|| at ``worst_point``.
    n_evaluations, n_nonfinite : int
        Points evaluated; of these, how many gave non-finite values (float overflow).
    """

    expr: str
    variables: tuple[str, ...]
    L0: float
    L1: float
    box: tuple[tuple[float, float], ...]
    holds: bool
    verdict: str
    worst_point: tuple[float, ...]
    worst_excess: float
    worst_ratio: float
    hess_norm: float
    grad_norm: float
    n_evaluations: int
    n_nonfinite: int
    method: str = METHOD
    certified: bool = False


@dataclass(frozen=True)
class FrontierEstimate(_Record):
    """Result of :func:`estimate_frontier`: per L1, an estimated *lower bound* on L0*(L1).

    ``L0_lower[i]`` = max found of ||∇²f(x)|| - L1_values[i]·||∇f(x)||, attained at
    ``argmax[i]`` with norms ``hess_norm[i]``, ``grad_norm[i]``. ``bound_kind = "lower"``: a
    numeric search can only under-estimate a supremum.
    """

    expr: str
    variables: tuple[str, ...]
    box: tuple[tuple[float, float], ...]
    L1_values: tuple[float, ...]
    L0_lower: tuple[float, ...]
    argmax: tuple[tuple[float, ...], ...]
    hess_norm: tuple[float, ...]
    grad_norm: tuple[float, ...]
    n_evaluations: int
    n_nonfinite: int
    bound_kind: str = "lower"
    method: str = METHOD
    certified: bool = False


def check_l0l1(expr: sp.Expr, variables: Sequence[sp.Symbol], L0: float, L1: float, box: Box, *,
               n_samples: int = 2048, rng: np.random.Generator, n_refine: int = 8,
               progress: Callable[[int, int], None] | None = None) -> MultivariateCheck:
    r"""Search a box for a violation of (L0,L1)-smoothness (Definition 1 of Zhang et al. 2020).

    Maximises the excess

    .. math:: e(x) = \|\nabla^2 f(x)\|_2 - (L_0 + L_1 \|\nabla f(x)\|_2), \quad x \in B,

    over scrambled Halton points, the box centre, axis points and corners, then refines the
    ``n_refine`` best by L-BFGS-B with the box as bounds. ∇f and ∇²f are derived symbolically;
    ||∇²f|| is the largest |eigenvalue| of the symmetric Hessian (``numpy.linalg.eigvalsh``).

    Parameters
    ----------
    expr : sympy.Expr
        f, real and twice differentiable on the box.
    variables : sequence of sympy.Symbol
        The coordinates of x; ``expr`` may use no other symbol.
    L0, L1 : float
        Candidate constants, finite and >= 0.
    box : float or sequence of (lo, hi)
        Finite interval per variable with lo < hi, or a radius r > 0 meaning [-r, r]^n.
    n_samples : int
        Quasi-random points (plus structured ones).
    rng : numpy.random.Generator
        Seeds the scrambling; the same seed gives identical results.
    n_refine : int
        Local refinements, started from the points of largest excess.
    progress : callable, optional
        ``progress(done, total)`` after each chunk of CHUNK_ROWS sample points is evaluated.

    Returns
    -------
    MultivariateCheck
        An estimate (``certified = False``). ``verdict == "fail"`` certifies failure up to
        floating point (the point is reported); ``"pass"`` is only evidence. Non-finite
        evaluations (overflow) are counted in ``n_nonfinite`` and make a pass ``"inconclusive"``.

    Raises
    ------
    ValueError
        For L0 < 0, L1 < 0, no variables, a symbol outside ``variables``, a bad box, or an
        expression (or derivative) that is not real and finite somewhere on the box.
    """
    L0, L1 = _nonneg("L0", L0), _nonneg("L1", L1)
    ev, b, X = _prepare(expr, variables, box, n_samples, n_refine, rng)
    hn, gn = ev.norms(X, progress)
    x, h, g, phi = _search(ev, b, X, hn, gn, L1, int(n_refine))
    den = L0 + L1 * g
    ratio = h / den if den > 0 else (math.inf if h > 0 else 0.0)
    excess = phi - L0
    verdict = "fail" if excess > 0 else ("inconclusive" if ev.n_nonfinite else "pass")
    return MultivariateCheck(
        expr=str(ev.expr), variables=tuple(map(str, ev.vars)), L0=L0, L1=L1,
        box=tuple(map(tuple, b.tolist())), holds=verdict == "pass", verdict=verdict,
        worst_point=tuple(map(float, x)), worst_excess=float(excess), worst_ratio=float(ratio),
        hess_norm=h, grad_norm=g, n_evaluations=ev.n_evaluations, n_nonfinite=ev.n_nonfinite)


def estimate_frontier(expr: sp.Expr, variables: Sequence[sp.Symbol], L1_values: Sequence[float],
                      box: Box, *, rng: np.random.Generator, n_samples: int = 2048,
                      n_refine: int = 8) -> FrontierEstimate:
    r"""Estimate the frontier L0*(L1) = sup_{x in B} (||∇²f(x)|| - L1||∇f(x)||) on a box.

    The pair (L0, L1) is valid on B iff L0 >= L0*(L1) (the workbench's frontier,
    docs/statements.md §1; the paper gives none). One batch of samples is shared by all L1; each
    L1 gets its own refinement (see :func:`check_l0l1`). A numeric search can only
    *under*-estimate a supremum, so every value is a lower bound (``bound_kind = "lower"``),
    exact only if the argmax was found.

    Parameters
    ----------
    expr, variables, box, rng, n_samples, n_refine
        As in :func:`check_l0l1`.
    L1_values : sequence of float
        Slopes, each finite and >= 0 (at least one).

    Returns
    -------
    FrontierEstimate
        Per L1: the lower bound, the argmax point and the norms there.

    Raises
    ------
    ValueError
        As :func:`check_l0l1`, or for an empty or negative ``L1_values``.

    Notes
    -----
    Some functions have a frontier only on bounded sets. The deep-linear scalar loss
    f(w1, w2) = (w1·w2 - 1)² has ∇f = 0 on its minimiser set w1·w2 = 1 while ||∇²f|| grows like
    w1² + w2² there, so it is not (L0,L1)-smooth on R² for any constants; its L0*(L1) on
    [-r, r]² grows with r, and a catalogue may declare its constants for a given box only.
    Maxima at critical points of f are sharp cones (||∇f|| has a kink where ∇f = 0); the
    refinement (central differences from one batched evaluation) reaches them to ~1e-9 relative.
    """
    L1s = tuple(_nonneg("L1", v) for v in L1_values)
    if not L1s:
        raise ValueError("L1_values must hold at least one value")
    ev, b, X = _prepare(expr, variables, box, n_samples, n_refine, rng)
    hn, gn = ev.norms(X)
    found = [_search(ev, b, X, hn, gn, L1, int(n_refine)) for L1 in L1s]
    return FrontierEstimate(
        expr=str(ev.expr), variables=tuple(map(str, ev.vars)), box=tuple(map(tuple, b.tolist())),
        L1_values=L1s, L0_lower=tuple(r[3] for r in found),
        argmax=tuple(tuple(map(float, r[0])) for r in found),
        hess_norm=tuple(r[1] for r in found), grad_norm=tuple(r[2] for r in found),
        n_evaluations=ev.n_evaluations, n_nonfinite=ev.n_nonfinite)
