"""The dip witness: a slope at ε⁺ with one least-decrease dip per step (docs/statements.md §5c).

The 1-D supremum of T_ε (:func:`theory.statements.worstcase.one_d_supremum`) is Δ/c with
c = D*(ε, ε, ℓ), ℓ = h(g)·g the rule's step at the slope g = ε(1 + δ). This member attains it up
to O(δ + w/ℓ) per step. Left to right, with a = L0/L1 and p_g = ψ(g) = log(1 + g/a):

* f' = −g on (−∞, 0];
* the bowl: ψ(f') rises at slope L1 from −p_g to p_g on [0, 2 s₀(g)] (f* at s₀(g));
* n periods of length ℓ: a plateau f' = g of width w = ``plateau``·ℓ, then a dip of width
  ℓ − w in which ψ(f') falls at slope L1 and rises back to p_g;
* the last plateau [X_n, ∞), x0 in the middle of it.

ψ∘f' is piecewise linear with slopes 0 and ±L1, hence L1-Lipschitz: f is a member of the class
(|f''| <= L0 + L1|f'| wherever f'' exists; docs/statements.md §5c, "Membership"), C¹ with
kinks of f'' where ψ's slope changes. Mollifying ψ with a radius below w/2 gives a C^∞ member
with the same plateaus' interiors, hence the same GD orbit and count. M on the sublevel set is
g. GD lands in the middle of a plateau every step, where f'' = 0, so rounding does not grow:
:func:`synthetic.fastcount.gd_count` jumps plateau to plateau in rational arithmetic and the
count is exact (a landing on a dip would be unstable: a plain double loop there drifts).
Δ is in closed form: the half bowl's (g − a log(1 + g/a))/L1, plus n(g w + D*_dip) and the
half plateau.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from theory.functions.gradients import GradientPiece
from theory.statements.worstcase import extremal_delta, least_decrease

__all__ = ["DipWitness", "dip_slope"]


@dataclass(frozen=True)
class DipWitness:
    """f' as pieces for the counter, the start, and the witness's own Δ and M."""

    pieces: list
    x0: float
    Delta: float
    M: float
    periods: int
    slope: float
    step: float
    plateau: float
    certified: str


def dip_slope(L0: float, L1: float, rule: Callable[[float], float], eps: float, Delta: float,
              *, delta: float = 1e-5, plateau: float = 1e-3,
              max_periods: int = 200_000) -> DipWitness:
    """The dip witness for ``rule`` (h as a function of |f'|) with Δ' <= Δ (module docstring).

    Needs L1 > 0 (the dips are shaped by ψ), a dip that lowers f (checked) and room in Δ for
    at least one period after the bowl.
    """
    for name, v in (("L0", L0), ("L1", L1), ("eps", eps), ("Delta", Delta), ("delta", delta),
                    ("plateau", plateau)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} > 0 finite required, got {name}={v!r}")
    if not plateau < 1:
        raise ValueError(f"plateau < 1 required, got plateau={plateau!r}")
    a = L0 / L1
    gF = Fraction(eps * (1 + delta))
    g = float(gF)
    step = float(Fraction(rule(g)) * gF)  # gd_count's exact step on a plateau
    w = plateau * step
    d = step - w
    pg = math.log1p(g / a)
    xB = 2 * pg / L1
    half_bowl = extremal_delta(g, L0, L1)
    per = g * w + least_decrease(g, g, d, L0, L1)
    if not per > 0:
        raise ValueError(f"the rule's step {step:g} makes a dip without decrease")
    n = int((Delta - half_bowl - g * w / 2) // per)
    if n < 1:
        raise ValueError(f"Delta={Delta!r} leaves no room for a dip after the bowl")
    if n > max_periods:
        raise ValueError(f"the witness needs {n} dips, more than max_periods={max_periods}")
    X = [xB + k * step for k in range(n + 1)]

    def psi_inv(p: float) -> float:
        return math.copysign(a * math.expm1(abs(p)), p)

    def fprime(x: float) -> float:  # one global f': a step may cross a whole dip
        if x <= 0:
            return -g
        if x <= xB:
            return psi_inv(-pg + L1 * x)
        k = min(int((x - xB) // step), n)
        s = x - X[k]
        return g if k == n or s <= w else psi_inv(pg - L1 * min(s - w, d - (s - w)))

    pieces = [GradientPiece(-math.inf, 0.0, "constant", slope=-gF, grad=lambda x: -g),
              GradientPiece(0.0, xB, "general", grad=fprime)]
    for k in range(n):
        pieces.append(GradientPiece(X[k], X[k] + w, "constant", slope=gF, grad=lambda x: g))
        pieces.append(GradientPiece(X[k] + w, X[k + 1], "general", grad=fprime))
    pieces.append(GradientPiece(X[n], math.inf, "constant", slope=gF, grad=lambda x: g))
    x0 = X[n] + w / 2
    return DipWitness(pieces, x0, half_bowl + n * per + g * w / 2, g, n, g, step, w,
                      "by construction: ψ∘f' piecewise linear with slopes 0, ±L1 (a.e. member, "
                      "C¹; mollified below w/2 it is C^∞ with the same count)")
