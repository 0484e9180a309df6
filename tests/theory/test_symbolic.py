"""Exact root isolation + 40-digit refinement against sympy's own CRootOf (the reference)."""
from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.expressions.symbolic import ALL, ApproxRoots, SymbolicTimeout, real_roots, safe_limit, time_limit

x = sp.Symbol("x", real=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=9), st.integers(0, 3))
def test_polynomial_roots_match_sympy_to_35_digits(coeffs, repeat):
    poly = sum(c * x**k for k, c in enumerate(coeffs)) * (x - sp.Rational(1, 3)) ** repeat
    if sp.expand(poly) == 0:
        return
    ours = real_roots(sp.expand(poly), x, -sp.oo, sp.oo)
    reference = sorted({sp.N(r, 45) for r in sp.Poly(poly, x).real_roots()})
    assert not isinstance(ours, ApproxRoots) and len(ours) == len(reference)
    with mpmath.workdps(50):
        for a, b in zip(ours, reference):
            assert abs(a - mpmath.mpf(str(b))) <= mpmath.mpf(10) ** -35 * max(1, abs(a))


def test_interval_restriction_and_rational_endpoint_roots():
    roots = real_roots(x * (3 * x - 2) * (x**2 - 2), x, sp.Integer(0), sp.Integer(1))
    assert [float(r) for r in roots] == pytest.approx([0, 2 / 3])


def test_identically_zero_and_unsolvable():
    assert real_roots(sp.Integer(0) * x, x, -sp.oo, sp.oo) == ALL
    assert real_roots(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1, x, -sp.oo, sp.oo) == ALL
    assert real_roots(sp.sin(x) - x / 10, x, -sp.oo, sp.oo) is None  # not exactly solvable


def test_irrational_coefficients_are_marked_approximate():
    roots = real_roots(sp.pi * x**2 - 2, x, -sp.oo, sp.oo)
    assert isinstance(roots, ApproxRoots)
    assert float(roots[1]) == pytest.approx(float(sp.sqrt(2 / sp.pi)), rel=1e-15)


def test_limits_and_time_limit():
    assert safe_limit(sp.exp(x) / x**3, x, sp.oo) == sp.oo
    assert isinstance(safe_limit(sp.sin(x), x, sp.oo), sp.AccumBounds)
    with pytest.raises(SymbolicTimeout):
        with time_limit(0.05):
            while True:
                pass
