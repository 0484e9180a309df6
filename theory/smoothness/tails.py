"""Behaviour of g(x; L1) = |f''| - L1|f'| at an infinite end of a smooth piece.

Computed once per end with exact ``sympy.limit`` calls, then reused for every L1:

* f'' bounded near the end (finite limit or bounded ``AccumBounds``): no constraint on L1
  (rho = 0); lim g = |lim f''| - L1 |lim f'| when both limits exist.
* f'' -> +-oo: rho = lim |f''|/|f'|. rho = oo refutes (L0,L1)-smoothness (exp(x²)); otherwise
  g -> +oo for L1 < rho, -oo for L1 > rho, and lim(|f''| - rho|f'|) at L1 = rho (e.g. 0 for e^x).
* f'' unbounded and oscillating: refuted if |f''| -> oo along a sequence of zeros of f'
  (sympy gives them as ``ImageSet`` families, e.g. sin(x²)); otherwise undecided (rho = None).
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from theory.smoothness.pieces import Piece
from theory.expressions.symbolic import SymbolicTimeout, is_finite_real, safe_limit, time_limit

__all__ = ["EndBehaviour", "end_behaviour"]


@dataclass
class EndBehaviour:
    """What f', f'' do as x -> ``end`` (oo or -oo) on ``piece``; see the module docstring."""

    piece: Piece
    end: sp.Expr
    lim1: object
    lim2: object
    bounded: bool
    rho: sp.Expr | None
    refuted: bool
    exact: bool
    how: str
    note: str
    at_rho: object = None  # lim (|f''| - rho|f'|), computed lazily
    _f1: sp.Expr | None = None
    _f2: sp.Expr | None = None
    _x: sp.Symbol | None = None
    _timeout: float | None = None

    def tail_limit(self, L1: sp.Expr):
        """lim_{x -> end} g(x; L1) as mpf or +-mpmath.inf; None when it is not known exactly."""
        if self.refuted:
            return mpmath.inf
        if self.bounded:
            if is_finite_real(self.lim2) and is_finite_real(self.lim1):
                return mpmath.mpf(str(sp.N(abs(self.lim2) - L1 * abs(self.lim1), 40)))
            if self.lim1 in (sp.oo, -sp.oo) and L1 > 0:
                return -mpmath.inf
            if self.lim1 in (sp.oo, -sp.oo) and is_finite_real(self.lim2):
                return mpmath.mpf(str(sp.N(abs(self.lim2), 40)))
            return None
        if self.rho is None:
            return None
        if L1 != self.rho:
            return mpmath.inf if L1 < self.rho else -mpmath.inf
        if self.at_rho is None and (self.lim1 is None or self.lim2 is None):
            self.at_rho = "unknown"  # a limit ran out of time: the signs at the end are unknown
        if self.at_rho is None:
            s1, s2 = sp.sign(self.lim1), sp.sign(self.lim2)
            self.at_rho = safe_limit(s2 * self._f2 - self.rho * s1 * self._f1, self._x, self.end,
                                     self._timeout)
            if self.at_rho is None:
                self.at_rho = "unknown"
        if self.at_rho == sp.oo:
            return mpmath.inf
        if self.at_rho == -sp.oo:
            return -mpmath.inf
        if is_finite_real(self.at_rho):
            return mpmath.mpf(str(sp.N(self.at_rho, 40)))
        return None


def _bounded(value) -> bool:
    if isinstance(value, sp.AccumBounds):
        return bool(value.min.is_finite and value.max.is_finite)
    return is_finite_real(value)


def _refuted_on_zeros_of_f1(f1, f2, x, piece: Piece, end, timeout) -> bool:
    """True if |f''| -> oo along a family of zeros of f' tending to ``end`` (exact)."""
    n = sp.Symbol("n", integer=True, positive=True)
    domain = sp.S.Reals if piece.lo == -sp.oo and piece.hi == sp.oo else piece.interval()
    try:
        with time_limit(timeout):
            zeros = sp.solveset(f1, x, domain)
            families = zeros.args if isinstance(zeros, sp.Union) else (zeros,)
            for fam in families:
                if not isinstance(fam, sp.ImageSet) or fam.base_sets[0] != sp.S.Integers:
                    continue
                xn = fam.lamda.expr.subs(fam.lamda.variables[0], n)
                if sp.limit(xn, n, sp.oo) == end and \
                        sp.limit(sp.Abs(sp.simplify(f2.subs(x, xn))), n, sp.oo) == sp.oo:
                    return True
    except (SymbolicTimeout, NotImplementedError, ValueError, TypeError):
        return False
    return False


def end_behaviour(piece: Piece, x: sp.Symbol, end: sp.Expr,
                  timeout: float | None = 10.0) -> EndBehaviour:
    """Analyse the infinite ``end`` of ``piece`` exactly (see the module docstring)."""
    f1 = sp.diff(piece.expr, x)
    f2 = sp.diff(f1, x)
    lim1 = safe_limit(f1, x, end, timeout)
    lim2 = safe_limit(f2, x, end, timeout)
    common = dict(piece=piece, end=end, lim1=lim1, lim2=lim2, _f1=f1, _f2=f2, _x=x,
                  _timeout=timeout)
    how = "exact-polynomial" if piece.expr.is_polynomial(x) else "exact-symbolic"
    if _bounded(lim2):
        return EndBehaviour(bounded=True, rho=sp.Integer(0), refuted=False, exact=True,
                            how=how, note="", **common)
    if lim2 in (sp.oo, -sp.oo):
        if _bounded(lim1):
            return EndBehaviour(bounded=False, rho=sp.oo, refuted=True, exact=True,
                                how="exact-symbolic",
                                note=f"at x -> {end}: f'' -> {lim2} while f' stays bounded",
                                **common)
        ratio = safe_limit(f2 / f1, x, end, timeout)
        if ratio is not None and not isinstance(ratio, sp.AccumBounds):
            rho = abs(ratio)
            refuted = rho == sp.oo
            note = f"at x -> {end}: |f''|/|f'| -> oo" if refuted else ""
            return EndBehaviour(bounded=False, rho=rho, refuted=refuted, exact=True,
                                how=how, note=note, **common)
    if _refuted_on_zeros_of_f1(f1, f2, x, piece, end, timeout):
        return EndBehaviour(bounded=False, rho=sp.oo, refuted=True, exact=True,
                            how="exact-symbolic",
                            note=f"at x -> {end}: f' = 0 on a sequence where |f''| -> oo",
                            **common)
    return EndBehaviour(bounded=False, rho=None, refuted=False, exact=False,
                        how="numeric-guarded",
                        note=f"at x -> {end}: limits of f', f'' undecided ({lim1}, {lim2})",
                        **common)
