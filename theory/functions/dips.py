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

The 2n + 3 pieces (n is ~10⁴-10⁵) are a :class:`DipPieces` sequence that builds each
:class:`~theory.functions.gradients.GradientPiece` when it is indexed (building them all costs
more than counting on them) and hands the counters the columns they locate pieces by.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from theory.functions.gradients import GradientPiece
from theory.statements.worstcase import extremal_delta, least_decrease

__all__ = ["DipPieces", "DipWitness", "dip_slope"]


class DipPieces(Sequence):
    """f' of the dip witness as a sequence of :class:`GradientPiece`, each built when indexed:
    0 the left tail (−∞, 0], 1 the bowl [0, X_0], 2 + 2k the plateau [X_k, X_k + w] (constant
    g, exact slope ``gF``), 3 + 2k the dip [X_k + w, X_{k+1}] (``fprime``), 2n + 2 the last
    plateau [X_n, ∞) (module docstring); pieces[i] equals the list the eager construction made.

    ``starts`` (``lo`` of pieces[1:], what the counters bisect) and ``columns`` (lists of every
    piece's lo, hi, kind and slope) let a counter locate and jump plateaus without building
    them (:func:`synthetic.fastcount.gd_count`, ``synthetic.search.plateau_count``).
    """

    def __init__(self, X: list[float], w: float, g: float, gF: Fraction,
                 fprime: Callable[[float], float]):
        self._X, self._w, self._g, self._gF, self._fprime = X, w, g, gF, fprime
        self._n = len(X) - 1
        mids = [0.0] * (2 * self._n)
        mids[0::2] = X[:-1]
        mids[1::2] = [x + w for x in X[:-1]]
        self.starts = [0.0] + mids + [X[-1]]

    def __len__(self) -> int:
        return 2 * self._n + 3

    def _plateau(self, x: float) -> float:
        return self._g

    def _left(self, x: float) -> float:
        return -self._g

    def _build(self, i: int) -> GradientPiece:
        X, w, n = self._X, self._w, self._n
        if i == 0:
            return GradientPiece(-math.inf, 0.0, "constant", slope=-self._gF, grad=self._left)
        if i == 1:
            return GradientPiece(0.0, X[0], "general", grad=self._fprime)
        if i == 2 * n + 2:
            return GradientPiece(X[n], math.inf, "constant", slope=self._gF, grad=self._plateau)
        k, dip = divmod(i - 2, 2)
        if dip:
            return GradientPiece(X[k] + w, X[k + 1], "general", grad=self._fprime)
        return GradientPiece(X[k], X[k] + w, "constant", slope=self._gF, grad=self._plateau)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._build(j) for j in range(*i.indices(len(self)))]
        j = i + len(self) if i < 0 else i
        if not 0 <= j < len(self):
            raise IndexError(f"piece {i} of {len(self)}")
        return self._build(j)

    @property
    def columns(self) -> tuple[list, list, list, list]:
        """(lo, hi, kind, slope) of every piece, as lists (slope None where not constant)."""
        n = self._n
        lo = [-math.inf] + self.starts
        hi = self.starts + [math.inf]
        kind = ["constant", "general"] + ["constant", "general"] * n + ["constant"]
        slope = [-self._gF, None] + [self._gF, None] * n + [self._gF]
        return lo, hi, kind, slope


@dataclass(frozen=True)
class DipWitness:
    """f' as pieces for the counter (a :class:`DipPieces`), the start, and the witness's own
    Δ and M."""

    pieces: Sequence
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

    x0 = X[n] + w / 2
    return DipWitness(DipPieces(X, w, g, gF, fprime), x0, half_bowl + n * per + g * w / 2, g, n,
                      g, step, w, "by construction: ψ∘f' piecewise linear with slopes 0, ±L1 (a.e. member, "
                      "C¹; mollified below w/2 it is C^∞ with the same count)")
