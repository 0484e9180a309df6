"""f' of a 1-D construction as plain pieces, for the exact fast counter (no sympy).

:class:`GradientPiece` is the one piece type of :func:`synthetic.fastcount.gd_count`: the
toolkit's :func:`theory.functions.toolkit.gradient_pieces` builds it from any construction
(through sympy), and :func:`construction_b_gradient` writes construction B's in closed form for
the fast path (docs/statements.md §5, "Construction B"). Construction B's two shape constants
live here once, :data:`B_SLOPE` and :data:`B_HALF_WIDTH`, and every definition of B
(:func:`theory.functions.constructions.construction_b`, the catalogue's ``construction-B``
entry, :func:`construction_b_gradient`) reads them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

__all__ = ["GradientPiece", "B_SLOPE", "B_HALF_WIDTH", "construction_b_gradient"]

B_SLOPE = 2             # construction B's slope beyond the bowl is s = B_SLOPE·ε
B_HALF_WIDTH = Fraction(1, 2)  # ... and its bowl has half-width w


@dataclass(frozen=True)
class GradientPiece:
    """f' on [lo, hi]: ``kind`` constant (exact ``slope``), affine (a x + b), or general
    (callable ``grad``; every kind also carries ``grad`` for the plain loop)."""

    lo: float
    hi: float
    kind: str
    slope: Fraction | None = None
    a: float | None = None
    b: float | None = None
    grad: Callable[[float], float] | None = None


def construction_b_gradient(eps: float) -> list[GradientPiece]:
    """f_B' of construction B in closed form (the fast path, without sympy).

    s = 2ε, w = 1/2: f' = -s on (-oo, -w], (s/2)(3x/w - (x/w)³) = ε(6x - 8x³) on [-w, w],
    s on [w, oo). ``tests/synthetic/test_fastcount.py`` checks it against the toolkit's
    :func:`theory.functions.toolkit.gradient_pieces` of
    :func:`theory.functions.constructions.construction_b`.
    """
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be finite and > 0, got {eps}")
    if B_SLOPE != 2 or B_HALF_WIDTH != Fraction(1, 2):  # the closed form below is for these
        raise AssertionError("construction_b_gradient is written for s = 2ε, w = 1/2")
    s = B_SLOPE * Fraction(eps)
    e = float(eps)
    w = float(B_HALF_WIDTH)
    return [GradientPiece(-math.inf, -w, "constant", slope=-s, grad=lambda x: -float(s)),
            GradientPiece(-w, w, "general", grad=lambda x: e * (6 * x - 8 * x**3)),
            GradientPiece(w, math.inf, "constant", slope=s, grad=lambda x: float(s))]
