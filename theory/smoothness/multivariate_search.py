"""The numeric search behind :mod:`theory.smoothness.multivariate`: norms, points, refinement.

For f in several variables, (L0,L1)-smoothness (docs/statements.md §1, Definition 1) compares

    ||∇²f(x)||_2 = max |eigenvalue of ∇²f(x)|   with   L0 + L1 ||∇f(x)||_2,

and the frontier L0*(L1) = sup_x (||∇²f(x)|| - L1 ||∇f(x)||) (docs/statements.md §1, "The
frontier L0*(L1)") is a supremum of φ(x) = ||∇²f(x)|| - L1||∇f(x)|| over the box. This module
holds the pieces that estimate it: :class:`_Evaluator` (∇f and ∇²f derived symbolically once,
compiled to numpy, evaluated in chunks of ``CHUNK_ROWS`` points; non-finite values classified as
overflow or as f not real), the points searched (scrambled Halton points plus the box centre,
axis points and corners), and :func:`_search` (the best sample refined by L-BFGS-B with the box
as bounds). Every value found is an estimate: a lower bound on the supremum.
"""
from __future__ import annotations

import math
from itertools import product
from typing import Callable, Sequence, Union

import numpy as np
import sympy as sp
from scipy.optimize import minimize
from scipy.stats import qmc

from theory.expressions.symbolic import float_safe

MAX_SAMPLES = 1_000_000   # quasi-random points per search (time and memory stay bounded)
CHUNK_ROWS = 65_536       # points evaluated at once
Box = Union[float, Sequence[Sequence[float]]]
# Local refinement: tight tolerances (maxima are often sharp cones at critical points of f, where
# ||∇f|| has a kink), a bounded iteration count.
_LBFGSB_OPTIONS = {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 200}


def _parse_box(box: Box, n: int) -> np.ndarray:
    """Return the box as an (n, 2) array; a scalar r > 0 means [-r, r]^n."""
    if np.isscalar(box):
        r = float(box)  # type: ignore[arg-type]
        if not (math.isfinite(r) and r > 0):
            raise ValueError(f"box radius must be finite and > 0, got {box!r}")
        return np.tile([-r, r], (n, 1))
    b = np.asarray(box, dtype=float)
    if b.shape != (n, 2):
        raise ValueError(f"box must give one (lo, hi) per variable: expected shape ({n}, 2), "
                         f"got {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError(f"box must be finite, got {b.tolist()}")
    if not np.all(b[:, 0] < b[:, 1]):
        raise ValueError(f"box needs lo < hi in every coordinate, got {b.tolist()}")
    return b


class _Evaluator:
    """f, ∇f, ∇²f derived symbolically once, lambdified to numpy, evaluated in batches."""

    def __init__(self, expr: sp.Expr, variables: Sequence[sp.Symbol]) -> None:
        self.expr, self.vars = sp.sympify(expr), tuple(variables)
        n = len(self.vars)
        if n == 0:
            raise ValueError("need at least one variable")
        if not all(isinstance(v, sp.Symbol) for v in self.vars) or len(set(self.vars)) != n:
            raise ValueError(f"variables must be distinct sympy Symbols, got {self.vars}")
        extra = self.expr.free_symbols - set(self.vars)
        if extra:
            raise ValueError("expr must depend only on the given variables; "
                             f"also uses {sorted(map(str, extra))}")
        grad = list(sp.derive_by_array(self.expr, self.vars))
        hess = sp.hessian(self.expr, self.vars)
        self.iu = np.triu_indices(n)
        self.entries = [self.expr, *grad, *(hess[i, j] for i, j in zip(*self.iu))]
        if any(e.has(sp.DiracDelta) for e in self.entries):
            raise ValueError("the second derivatives contain DiracDelta (Abs/Max/Heaviside kinks):"
                             " the multivariate check needs a twice-differentiable expression "
                             "written without kinks")
        self.fn: Callable[..., list] = sp.lambdify(self.vars, [float_safe(e) for e in self.entries],
                                                   modules="numpy")
        self.n, self.n_evaluations, self.n_nonfinite, self.n_classified = n, 0, 0, 0

    def norms(self, X: np.ndarray, progress: Callable[[int, int], None] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """||∇²f|| (max |eigenvalue|) and ||∇f|| at the rows of X; NaN where not finite.

        Evaluated in chunks of CHUNK_ROWS points, so that memory stays bounded (a few hundred
        MB for 10 variables) however many points are asked for."""
        X = np.atleast_2d(X)
        if len(X) <= CHUNK_ROWS:
            return self._norms(X)
        parts = []
        for i in range(0, len(X), CHUNK_ROWS):
            parts.append(self._norms(X[i:i + CHUNK_ROWS]))
            if progress is not None:
                progress(min(i + CHUNK_ROWS, len(X)), len(X))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _norms(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m, n = X.shape
        with np.errstate(all="ignore"):
            vals = np.array([np.broadcast_to(np.asarray(v), (m,)) for v in self.fn(*X.T)])
        if np.iscomplexobj(vals):
            bad = np.any(np.abs(vals.imag) > 0, axis=0)
            if np.any(bad):
                x_bad = tuple(map(float, X[bad][0]))
                raise ValueError(f"expression is not real on the box: complex value at x = {x_bad}")
            vals = vals.real
        vals = vals.astype(float)
        ok = np.all(np.isfinite(vals), axis=0)
        self._classify(X[~ok][: max(0, min(3, 30 - self.n_classified))])
        self.n_evaluations += m
        self.n_nonfinite += int(np.sum(~ok))
        g = vals[1 : n + 1].T
        H = np.zeros((m, n, n))
        H[:, self.iu[0], self.iu[1]] = vals[n + 1 :].T
        H[:, self.iu[1], self.iu[0]] = vals[n + 1 :].T
        hn = np.full(m, np.nan)
        gn = np.full(m, np.nan)
        if np.any(ok):
            hn[ok] = np.max(np.abs(np.linalg.eigvalsh(H[ok])), axis=1)
            scale = np.max(np.abs(g[ok]), axis=1)  # scaled norm: no overflow in squaring
            scale[scale == 0] = 1.0
            gn[ok] = scale * np.linalg.norm(g[ok] / scale[:, None], axis=1)
        return hn, gn

    def _classify(self, X: np.ndarray) -> None:
        """Re-evaluate non-finite points in 30 digits: raise if not real/finite, else it is
        overflow.

        Only the first 30 non-finite points met are classified; later ones count as overflow.
        """
        problems = []
        for x in X:
            self.n_classified += 1
            subs = dict(zip(self.vars, (sp.Float(float(t), 30) for t in x)))
            for e in self.entries:
                try:
                    val = sp.sympify(e).evalf(30, subs=subs)
                except (ArithmeticError, TypeError):  # e.g. mpmath's 1/0
                    val = sp.zoo
                if (not val.is_number or val.has(sp.nan, sp.zoo, sp.oo, -sp.oo)
                        or val.is_finite is False):
                    problems.append((1, "expression (or a derivative) is not finite "
                                        + _where(x, e, val)))
                elif sp.im(val).is_zero is False:
                    problems.append((0, "expression is not real " + _where(x, e, val)))
        if problems:  # "not real" is named first: it is the root cause when both occur
            raise ValueError(min(problems)[1])


def _where(x: np.ndarray, e: sp.Expr, val: sp.Expr) -> str:
    """'on the box at x = (...): e = val' with both sides cut short (a value such as
    exp(1e300) has a 434294481903251827651-digit exponent that does not even format)."""
    try:
        shown = str(sp.N(val, 8))
    except (ArithmeticError, ValueError, TypeError):
        shown = "a number beyond any float"
    text = str(e)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"on the box at x = {tuple(map(float, x))}: {text} = {shown[:60]}"


def _structured_points(b: np.ndarray) -> np.ndarray:
    """Box centre, points on the axes through it (at the faces and halfway), and corners (n <=
    10)."""
    c = b.mean(axis=1)
    pts = [c]
    for i in range(len(c)):
        for t in (b[i, 0], 0.5 * (b[i, 0] + c[i]), 0.5 * (c[i] + b[i, 1]), b[i, 1]):
            p = c.copy()
            p[i] = t
            pts.append(p)
    if len(c) <= 10:
        pts.extend(np.array(corner) for corner in product(*b))
    return np.array(pts)


def _sample(b: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Scrambled Halton points in the box (seeded from ``rng``) plus structured points."""
    try:
        eng = qmc.Halton(len(b), scramble=True, rng=rng)
    except TypeError:  # scipy < 1.15 spells it ``seed``
        eng = qmc.Halton(len(b), scramble=True, seed=rng)
    U = qmc.scale(eng.random(n_samples), b[:, 0], b[:, 1])
    return np.vstack([_structured_points(b), U])


def _search(ev: _Evaluator, b: np.ndarray, X: np.ndarray, hn: np.ndarray, gn: np.ndarray,
            L1: float, n_refine: int) -> tuple[np.ndarray, float, float, float]:
    """Maximise φ(x) = ||∇²f(x)|| - L1||∇f(x)|| from the samples, then L-BFGS-B from the top k."""
    phi = hn - L1 * gn
    if not np.any(np.isfinite(phi)):
        raise ValueError("no finite evaluation on the box: every point overflowed")
    order = np.argsort(np.where(np.isfinite(phi), -phi, np.inf))
    best = int(order[0])
    x_best, h_best, g_best, phi_best = X[best], hn[best], gn[best], phi[best]

    def neg_phi_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        # -φ and its central-difference gradient from one batched evaluation of 2n + 1 points
        h = np.diag(1e-8 * np.maximum(1.0, np.abs(x)))
        P = np.vstack([x, np.clip(x + h, b[:, 0], b[:, 1]), np.clip(x - h, b[:, 0], b[:, 1])])
        hn_, gn_ = ev.norms(P)
        v = hn_ - L1 * gn_
        if not math.isfinite(v[0]):
            return 1e300, np.zeros(len(x))
        n = len(x)
        grad = (v[1 : n + 1] - v[n + 1 :]) / np.diag(P[1 : n + 1] - P[n + 1 :])
        return -float(v[0]), -np.where(np.isfinite(grad), grad, 0.0)

    starts: list[np.ndarray] = []  # best points first, at least 5% of the box apart (max-norm)
    for i in order[: int(np.sum(np.isfinite(phi)))]:
        if len(starts) == n_refine:
            break
        if all(np.max(np.abs(X[i] - s) / (b[:, 1] - b[:, 0])) > 0.05 for s in starts):
            starts.append(X[i])
    for x0 in starts:
        res = minimize(neg_phi_and_grad, x0, jac=True, method="L-BFGS-B", bounds=b,
                       options=_LBFGSB_OPTIONS)
        x = np.clip(res.x, b[:, 0], b[:, 1])
        h, g = ev.norms(x[None, :])
        v = h[0] - L1 * g[0]
        if math.isfinite(v) and v > phi_best:
            x_best, h_best, g_best, phi_best = x, h[0], g[0], v
    return x_best, float(h_best), float(g_best), float(phi_best)


def _nonneg(name: str, value: float) -> float:
    """``float(value)``, or ValueError unless finite and >= 0."""
    if not (math.isfinite(float(value)) and float(value) >= 0):
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)


def _prepare(expr: sp.Expr, variables: Sequence[sp.Symbol], box: Box, n_samples: int,
             n_refine: int, rng: np.random.Generator) -> tuple[_Evaluator, np.ndarray, np.ndarray]:
    """Validate, compile, sample: the evaluator, the box array and the sample points."""
    if not 1 <= int(n_samples) <= MAX_SAMPLES or not 0 <= int(n_refine) <= 1000:
        raise ValueError(f"need 1 <= n_samples <= {MAX_SAMPLES} and 0 <= n_refine <= 1000, got "
                         f"{n_samples}, {n_refine}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (reproducibility), got {rng!r}")
    if isinstance(expr, str):
        raise ValueError("expr must be a sympy expression (use "
                         "theory.expressions.parsing.parse_expression)")
    ev = _Evaluator(expr, variables)
    b = _parse_box(box, ev.n)
    return ev, b, _sample(b, int(n_samples), rng)


def evaluate_norms(expr: sp.Expr, variables: Sequence[sp.Symbol],
                   points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """||∇²f(x)||_2 (largest |eigenvalue|) and ||∇f(x)||_2 at given points, as used by the search.

    Parameters
    ----------
    expr, variables
        As in :func:`theory.smoothness.multivariate.check_l0l1`.
    points : array_like, shape (m, n) or (n,)
        Evaluation points, one per row.

    Returns
    -------
    hess_norm, grad_norm : numpy.ndarray, shape (m,)
        NaN where a value overflowed; ValueError where f is not real and finite.
    """
    ev = _Evaluator(expr, variables)
    X = np.atleast_2d(np.asarray(points, dtype=float))
    if X.shape[1] != ev.n:
        raise ValueError(f"points must have {ev.n} columns, got shape {X.shape}")
    return ev.norms(X)
