"""The lower-bound constructions of docs/statements.md §5 (all [reconstructed]), built with the
toolkit.

Thm 4's class: Assumptions 1-4 with L0 >= 1, L1 >= 1, M > 1. For a fixed step h two 1-D
members cover every h, split at h_thr = 2 x0_A / M:

* **A** (h > h_thr: GD never converges). C², even:
  f_A(x) = L0 exp(L1|x| - 1)/L1² for |x| >= 1/L1 and L0 x²/2 + L0/(2 L1²) for |x| <= 1/L1;
  f'' = L1|f'| on the tails and L0 in the middle; f* = L0/(2 L1²). Start where |f'| = M:
  x0_A = (1 + log(M L1/L0))/L1 when M L1 > L0 (on the tail), else x0_A = M/L0 (in the middle).
  If h M > 2 x0_A the first step lands beyond -x0_A and, f'(x)/x being non-decreasing in |x|,
  the amplitude grows for ever: T_ε = ∞.
* **B** (h <= h_thr: slow). C², even, slope s = 2ε beyond a bowl of half-width w = 1/2:
  f_B = (s/2)(3x²/(2w) - x⁴/(4w³)) on [-w, w], 5ε/8 + s(|x| - w) beyond; (6ε, 0)-smooth,
  sup|f_B'| = 2ε, f* = 0, x0 = w + (Δ - 5ε/8)/(2ε). Every step on the slope lowers f by
  h s² = 4hε², so T_ε >= (Δ - 5ε/8)/(4hε²), which is >= Thm 4's bound exactly when
  h <= 2ℓ/(L1 M) with ℓ = 1 + log(M L1/L0) (= h_thr).
* the **extremal** function (L0/L1²)(e^{L1|x|} - L1|x| - 1), f'' = L0 + L1|f'| everywhere,
  with x0 = log(1 + M L1/L0)/L1 (|f'(x0)| = M); a variant of A.
"""
from __future__ import annotations

import math

import sympy as sp

from theory.expressions.symbolic import to_rational
from theory.functions.gradients import B_HALF_WIDTH, B_SLOPE
from theory.functions.toolkit import Construction, construction

__all__ = ["construction_a", "construction_b", "extremal", "x0_a", "h_threshold"]


def _q(value: float) -> sp.Expr:
    return to_rational(sp.Float(repr(float(value))))


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} > 0 required, got {name}={v!r}")


def x0_a(L0: float, L1: float, M: float) -> float:
    """Where |f_A'| = M: (1 + log(M L1/L0))/L1 if M L1 > L0 (tail), else M/L0 (middle)."""
    _positive(L0=L0, L1=L1, M=M)
    return (1 + math.log(M * L1 / L0)) / L1 if M * L1 > L0 else M / L0


def h_threshold(L0: float, L1: float, M: float) -> float:
    """h_thr = 2 x0_A / M: GD on construction A from x0_A diverges for every h > h_thr."""
    return 2 * x0_a(L0, L1, M) / M


def construction_a(L0: float, L1: float, M: float) -> Construction:
    """Construction A of docs/statements.md §5 for (L0, L1, M) (see the module docstring)."""
    _positive(L0=L0, L1=L1, M=M)
    a0, a1, m = _q(L0), _q(L1), _q(M)
    x = sp.Symbol("x", real=True)
    tail = a0 * sp.exp(a1 * x - 1) / a1**2
    x0 = (1 + sp.log(m * a1 / a0)) / a1 if M * L1 > L0 else m / a0
    return construction("A", [(tail.subs(x, -x), -sp.oo, -1 / a1),
                              (a0 * x**2 / 2 + a0 / (2 * a1**2), -1 / a1, 1 / a1),
                              (tail, 1 / a1, sp.oo)], x0,
                        params={"L0": L0, "L1": L1, "M": M},
                        note="docs/statements.md §5 construction A [reconstructed]")


def construction_b(eps: float, Delta: float) -> Construction:
    """Construction B of docs/statements.md §5 for (ε, Δ); needs Δ > 5ε/8 (see the module
    docstring)."""
    _positive(eps=eps, Delta=Delta)
    e, d = _q(eps), _q(Delta)
    if not d > 5 * e / 8:
        raise ValueError(f"Delta > 5*eps/8 required for construction B, got Delta={Delta}, "
                         f"eps={eps}")
    s, w = B_SLOPE * e, sp.Rational(B_HALF_WIDTH.numerator, B_HALF_WIDTH.denominator)
    x = sp.Symbol("x", real=True)
    bowl = (s / 2) * (3 * x**2 / (2 * w) - x**4 / (4 * w**3))
    return construction("B", [(5 * e / 8 + s * (-x - w), -sp.oo, -w), (bowl, -w, w),
                              (5 * e / 8 + s * (x - w), w, sp.oo)],
                        w + (d - 5 * e / 8) / (2 * e), params={"eps": eps, "Delta": Delta},
                        note="docs/statements.md §5 construction B [reconstructed]")


def extremal(L0: float, L1: float, M: float) -> Construction:
    """(L0/L1²)(e^{L1|x|} - L1|x| - 1) from x0 = log(1 + M L1/L0)/L1, where |f'| = M."""
    _positive(L0=L0, L1=L1, M=M)
    a0, a1, m = _q(L0), _q(L1), _q(M)
    x = sp.Symbol("x", real=True)
    right = a0 / a1**2 * (sp.exp(a1 * x) - a1 * x - 1)
    return construction("extremal", [(right.subs(x, -x), -sp.oo, 0), (right, 0, sp.oo)],
                        sp.log(1 + m * a1 / a0) / a1, params={"L0": L0, "L1": L1, "M": M},
                        note="docs/statements.md §1 extremal function, A's variant [reconstructed]")
