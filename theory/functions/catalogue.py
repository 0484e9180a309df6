"""Catalogue of test functions with declared (L0,L1) constants (ids unique, all bounded below).

Each entry declares its class and constants *derived by hand* (the derivation is in ``notes``),
never copied from the certifier; ``tests/theory/test_catalogue.py`` verifies every declared constant
with :func:`theory.smoothness.certify.certify` (univariate) or
:func:`theory.smoothness.multivariate.check_l0l1`
(several variables, on the declared box). A declared constant is either

* ``frontier``: the exact value L0*(L1) (checked tight), or
* ``valid``: a pair with L0 >= L0*(L1) (checked one-sided).

Closed forms used below (d = degree, f = x^d, d even): g(x) = d(d-1)x^(d-2) - L1 d|x|^(d-1) is
maximal at |x| = (d-2)/L1, so L0*(L1) = d (d-2)^(d-2) / L1^(d-2) (16/L1² for x⁴).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from theory.expressions.parsing import parse_expression
from theory.functions.gradients import B_HALF_WIDTH, B_SLOPE

__all__ = ["Declared", "CatalogueEntry", "CATALOGUE", "get", "ids", "sympy_expr"]


@dataclass(frozen=True)
class Declared:
    """A declared constant: at L1, L0 is the frontier value (``frontier``) or an upper bound."""

    L1: float
    L0: float | None  # None: no finite L0 at this L1
    kind: str = "frontier"


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogue function; ``x0`` is a sensible start, ``f_star`` = inf f (> -oo)."""

    id: str
    expression: str
    variables: tuple[str, ...]
    cls: str
    declared: tuple[Declared, ...]
    f_star: float
    x0: tuple[float, ...]
    source: str
    mark: str
    notes: str = ""
    region: tuple[tuple[float, float], ...] | None = None  # box where constants hold (n-D)
    params: dict = field(default_factory=dict)
    # n-D refutation witness: a curve x(t), t -> oo, along which ||∇f|| stays bounded while a
    # Hessian diagonal entry (a lower bound on ||∇²f||) diverges.
    witness: tuple[str, ...] | None = None


def _poly_frontier(d: int, L1: float) -> float:
    return d * (d - 2) ** (d - 2) / L1 ** (d - 2)


def _construction_b(eps: float) -> str:
    """Construction B (docs/statements.md §5) as one Piecewise expression: the slope
    s = B_SLOPE·ε beyond the bowl of half-width w = 1/2 (the form below is for that w)."""
    assert B_HALF_WIDTH == Fraction(1, 2)
    s = B_SLOPE * eps
    return (f"Piecewise(({s / 2}*(3*x**2 - 2*x**4), Abs(x) <= 1/2), "
            f"({5 * eps / 8} + {s}*(Abs(x) - 1/2), True))")


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry("quadratic", "x**2/2", ("x",), "L-smooth",
                   (Declared(0, 1.0), Declared(1, 1.0)), 0.0, (5.0,), "textbook", "paper",
                   "f'' = 1 everywhere; g = 1 - L1|x| peaks at x = 0."),
    CatalogueEntry("quartic", "x**4", ("x",), "L0L1-smooth",
                   (Declared(0, None), Declared(0.5, _poly_frontier(4, 0.5)),
                    Declared(1, 16.0), Declared(2, 4.0)), 0.0, (3.0,),
                   "Lemma 2 (degree >= 3 polynomials)", "paper", "L0*(L1) = 16/L1² at x = 2/L1."),
    CatalogueEntry("sextic", "x**6", ("x",), "L0L1-smooth",
                   (Declared(1, _poly_frontier(6, 1)), Declared(4, _poly_frontier(6, 4))),
                   0.0, (2.0,), "Lemma 2", "paper", "L0*(L1) = 1536/L1⁴ at x = 4/L1."),
    CatalogueEntry("octic", "x**8/8", ("x",), "L0L1-smooth",
                   (Declared(1, _poly_frontier(8, 1) / 8), Declared(3, _poly_frontier(8, 3) / 8)),
                   0.0, (1.5,), "Lemma 2", "paper",
                   "c·f scales L0 by c: L0*(L1) = 8·6⁶/(8 L1⁶) = 46656/L1⁶ at x = 6/L1."),
    CatalogueEntry("double-well", "x**4/4 - x**2/2", ("x",), "L0L1-smooth",
                   (Declared(1, 47.0, "valid"), Declared(3, 11.0, "valid")), -0.25, (2.0,),
                   "Lemma 2", "paper",
                   "f' = x³ - x, f'' = 3x² - 1. L1 = 3: for |x| >= 2, 3|x|(x²-1) >= 6x²-6 "
                   ">= 3x²-1; "
                   "for |x| <= 2, |f''| <= 11. L1 = 1: for |x| >= 4, |x|(x²-1) >= 4x²-4 >= 3x²-1; "
                   "for |x| <= 4, |f''| <= 47. Crude valid pairs; minima at x = ±1, f* = -1/4."),
    CatalogueEntry("extremal", "exp(Abs(x)) - Abs(x) - 1", ("x",), "L0L1-smooth",
                   (Declared(0.5, None), Declared(1, 1.0), Declared(3, 1.0)), 0.0, (3.0,),
                   "docs/statements.md §1 extremal function, L0 = L1 = 1", "reconstructed",
                   "f'' = L0 + L1|f'| with equality everywhere: L0*(L1') = L0 for L1' >= L1, "
                   "oo below.", params={"L0": 1.0, "L1": 1.0}),
    CatalogueEntry("extremal-2-3", "2/9*(exp(3*Abs(x)) - 3*Abs(x) - 1)", ("x",), "L0L1-smooth",
                   (Declared(2.5, None), Declared(3, 2.0), Declared(5, 2.0)), 0.0, (1.0,),
                   "docs/statements.md §1 extremal function, L0 = 2, L1 = 3", "reconstructed",
                   "(L0/L1²)(e^{L1|x|} - L1|x| - 1) with L0 = 2, L1 = 3.",
                   params={"L0": 2.0, "L1": 3.0}),
    CatalogueEntry("scaled-cosh", "cosh(2*x)/4", ("x",), "L0L1-smooth",
                   (Declared(1, None), Declared(2, 1.0), Declared(4, 1.0)), 0.25, (2.0,),
                   "docs/statements.md §1: (L0/L1²)cosh(L1 x), L0 = 1, L1 = 2", "reconstructed",
                   "f'' = cosh 2x, f' = sinh(2x)/2; g = cosh 2x - L1|sinh 2x|/2 <= 1 iff L1 >= 2.",
                   params={"L0": 1.0, "L1": 2.0}),
    CatalogueEntry("log-cosh", "log(exp(x) + exp(-x))", ("x",), "L-smooth",
                   (Declared(0, 1.0), Declared(1, 1.0), Declared(10, 1.0)), math.log(2), (3.0,),
                   "docs/statements.md §1: refutes the public claim that it is (0, L1)-smooth",
                   "reconstructed",
                   "f' = tanh x, f'' = sech² x = 1 - t², t = |tanh x|: g = 1 - t² - L1 t peaks at "
                   "x = 0 with value 1 for every L1, so L0 >= 1 always."),
    CatalogueEntry("softplus", "log(1 + exp(x))", ("x",), "L-smooth",
                   (Declared(0, 0.25), Declared(0.5, 0.0625), Declared(1, 0.0), Declared(2, 0.0)),
                   0.0, (3.0,), "ours", "reconstructed",
                   "f' = s = sigmoid(x), f'' = s(1-s): g = s(1 - s - L1) peaks at s = (1-L1)/2: "
                   "L0*(L1) = (1-L1)²/4 for L1 <= 1, 0 beyond (approached as x -> -oo)."),
    CatalogueEntry("pseudo-huber", "sqrt(1 + x**2) - 1", ("x",), "L-smooth",
                   (Declared(0, 1.0), Declared(2, 1.0)), 0.0, (4.0,), "ours", "reconstructed",
                   "f'' = (1+x²)^(-3/2) decreases and |f'| increases in |x|: peak at 0, value 1."),
    CatalogueEntry("exponential", "exp(x)", ("x",), "L0L1-smooth",
                   (Declared(0.5, None), Declared(1, 0.0), Declared(2, 0.0)), 0.0, (2.0,),
                   "docs/statements.md §1: e^x is (0,1)-smooth", "reconstructed",
                   "g = (1 - L1)e^x: oo for L1 < 1, sup 0 (approached at -oo) for L1 >= 1."),
    CatalogueEntry("construction-A", "Piecewise((exp(Abs(x) - 1), Abs(x) >= 1), "
                   "(x**2/2 + 1/2, True))", ("x",), "L0L1-smooth",
                   (Declared(0.5, None), Declared(1, 1.0), Declared(2, 1.0)), 0.5,
                   (1 + math.log(10.0),),
                   "docs/statements.md §5 construction A, L0 = L1 = 1, M = 10",
                   "reconstructed",
                   "tails f'' = L1|f'|, middle f'' = L0: L0*(L1') = L0 for L1' >= L1; x0 = "
                   "(1 + log(M L1/L0))/L1 where |f'| = M.",
                   params={"L0": 1.0, "L1": 1.0, "M": 10.0}),
    CatalogueEntry("construction-B", _construction_b(0.1), ("x",), "L-smooth",
                   (Declared(0, 0.6), Declared(1, 0.6)), 0.0, (0.5 + (1 - 5 * 0.1 / 8) / 0.2,),
                   "docs/statements.md §5 construction B, eps = 0.1, Delta = 1", "reconstructed",
                   "max f'' = 3s/(2w) = 6 eps at x = 0 where f' = 0; g decreases on [0, w].",
                   params={"eps": 0.1, "Delta": 1.0}),
    CatalogueEntry("exp-square", "exp(x**2)", ("x",), "not-L0L1-smooth",
                   (Declared(1, None), Declared(100, None)), 1.0, (1.0,),
                   "docs/statements.md §1 negative example", "reconstructed",
                   "|f''|/|f'| = (1 + 2x²)/|x| -> oo."),
    CatalogueEntry("sin-square", "sin(x**2)", ("x",), "not-L0L1-smooth",
                   (Declared(1, None), Declared(100, None)), -1.0, (1.0,),
                   "docs/statements.md §1 negative example", "reconstructed",
                   "f' = 0 at x = sqrt(n pi + pi/2) where |f''| = 4x² -> oo."),
    CatalogueEntry("norm-quartic-2d", "(x1**2 + x2**2)**2", ("x1", "x2"), "L0L1-smooth",
                   (Declared(1, 16.0), Declared(2, 4.0)), 0.0, (1.5, 1.0),
                   "||x||⁴-type function", "reconstructed",
                   "||∇f|| = 4r³, ||∇²f|| = 12r²: L0*(L1) = 16/L1² at r = 2/L1 (box [-3,3]²).",
                   region=((-3.0, 3.0), (-3.0, 3.0))),
    CatalogueEntry("deep-linear-scalar", "(w1*w2 - 1)**2", ("w1", "w2"), "not-L0L1-smooth",
                   (Declared(0, 26.0),), 0.0, (0.1, 0.2),
                   "docs/statements.md §1, deep linear networks, scalar case", "paper",
                   "∇²f = 2[[a, b],[b, c]], a = w2², c = w1², b = 2w1w2-1, with norm "
                   "2((a+c)/2 + sqrt(((a-c)/2)² + b²)) <= 2(max(a, c) + |b|) <= 2(4 + 9) = 26 "
                   "on the "
                   "box [-2,2]², equality at (2,-2). Not (L0,L1)-smooth on R²: "
                   "on w1 w2 = 1 the gradient vanishes while the Hessian grows (witness (t, 1/t)).",
                   region=((-2.0, 2.0), (-2.0, 2.0)), witness=("t", "1/t")),
)


def ids() -> list[str]:
    """Entry ids in catalogue order."""
    return [e.id for e in CATALOGUE]


def get(entry_id: str) -> CatalogueEntry:
    """The entry with this id (ValueError listing the ids if unknown)."""
    for entry in CATALOGUE:
        if entry.id == entry_id:
            return entry
    raise ValueError(f"unknown catalogue id {entry_id!r}; known: {', '.join(ids())}")


def sympy_expr(entry: CatalogueEntry) -> sp.Expr:
    """The entry's expression parsed in its variables (real symbols)."""
    return parse_expression(entry.expression, list(entry.variables))
