"""Objective functions: f and ∇f compiled from sympy to numpy, vectorised over a batch.

Lives in theory (the only package that may import sympy) so that synthetic's runners get numpy
callables without touching sympy themselves.

A batch of points is an array of shape (B, d); ``gradient(X)`` returns (B, d) and ``value(X)``
returns (B,). Expressions come from :func:`theory.expressions.parsing.parse_expression` (strings)
or the catalogue, so the same safe parser and real symbols are used everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from theory.expressions.parsing import parse_expression, real_symbol
from theory.expressions.symbolic import float_safe

__all__ = ["Objective", "objective"]


@dataclass(frozen=True)
class Objective:
    """f and ∇f of a sympy expression in ``variables`` (numpy callables on (B, d) batches)."""

    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    _f: Callable
    _grad: Callable

    @property
    def dim(self) -> int:
        return len(self.variables)

    def value(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(self._f(*X.T), dtype=float), X.shape[:1]).copy()

    def gradient(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        with np.errstate(all="ignore"):
            parts = self._grad(*X.T)
        return np.stack([np.broadcast_to(np.asarray(p, dtype=float), X.shape[:1])
                         for p in parts], axis=1)


def objective(expr: sp.Expr | str, variables: str | list[str] = "x") -> Objective:
    """Compile ``expr`` (a sympy expression or a string for the safe parser).

    Raises
    ------
    ValueError
        From the parser (malformed, unknown names, ...).
    """
    names = [variables] if isinstance(variables, str) else list(variables)
    if isinstance(expr, str):
        expr = parse_expression(expr, names)
    symbols = tuple(real_symbol(n) for n in names)
    expr = sp.sympify(expr).subs({s: real_symbol(s.name) for s in expr.free_symbols})
    grad = [sp.diff(expr, s) for s in symbols]
    modules = ["scipy", "numpy"]
    return Objective(expr, symbols, sp.lambdify(symbols, float_safe(expr), modules),
                     sp.lambdify(symbols, [float_safe(g) for g in grad], modules))
