"""The construction toolkit on the paper's constructions A, B and the extremal function, with
negative controls (a C¹-only join, an understated L1, a class M or Δ too small)."""
from __future__ import annotations

import math

import pytest
import sympy as sp

from theory.functions.toolkit import analyse, construction, expression, gradient_pieces
from theory.functions.constructions import construction_a, construction_b, extremal, h_threshold, x0_a

from tolerances import EXACT_RTOL


@pytest.mark.parametrize("L0,L1,M", [(1.0, 1.0, 10.0), (2.0, 4.0, 50.0), (10.0, 1.0, 5.0)])
def test_construction_a_is_a_certified_member(L0, L1, M):
    c = construction_a(L0, L1, M)
    r = analyse(c, L0, L1, M=M, Delta=1e9)
    assert r.member and r.certified, r.reasons
    assert all(j.ok for j in r.joins) and len(r.joins) == 2
    assert r.f_star == pytest.approx(L0 / (2 * L1**2), rel=EXACT_RTOL)
    assert r.M == pytest.approx(M, rel=1e-12)
    x0 = x0_a(L0, L1, M)
    assert float(c.x0) == pytest.approx(x0, rel=EXACT_RTOL)
    if M * L1 > L0:  # Δ_A = f(x0) - f* = M/L1 - L0/(2 L1²)
        assert r.Delta == pytest.approx(M / L1 - L0 / (2 * L1**2), rel=1e-12)
    # the tails satisfy f'' = L1|f'| exactly and the middle f'' = L0: sup g = L0 on the middle
    assert max(p.sup for p in r.pieces) == pytest.approx(L0, rel=EXACT_RTOL)


@pytest.mark.parametrize("eps,Delta", [(0.1, 10.0), (0.02, 1000.0)])
def test_construction_b_values(eps, Delta):
    c = construction_b(eps, Delta)
    r = analyse(c, 6 * eps, 0.0, M=2 * eps, Delta=Delta)
    assert r.member and r.certified, r.reasons
    assert r.f_star == 0.0
    assert r.Delta == pytest.approx(Delta, rel=1e-12)
    assert r.M == pytest.approx(2 * eps, rel=1e-12)
    assert max(p.sup for p in r.pieces) == pytest.approx(6 * eps, rel=EXACT_RTOL)  # max f''
    kinds = [p.kind for p in gradient_pieces(c)]
    assert kinds == ["constant", "general", "constant"]


def test_extremal_has_equality_everywhere():
    c = extremal(1.0, 2.0, 30.0)
    r = analyse(c, 1.0, 2.0, M=30.0)
    # e^{2x} - 2x - 1 = level has no closed-form root for sympy: M is a padded estimate there
    assert r.member and not r.M_certified and not r.certified
    assert r.M == pytest.approx(30.0, rel=1e-9)
    for p in r.pieces:  # f'' - L1|f'| = L0 exactly, on both pieces
        assert p.sup == pytest.approx(1.0, rel=EXACT_RTOL)


def test_understated_L1_is_rejected():  # negative control
    r = analyse(construction_a(1.0, 1.0, 10.0), 1.0, 0.5)
    assert not r.member and any("L0" in why for why in r.reasons)
    assert any(p.sup is not None and p.sup == math.inf for p in r.pieces)


def test_c1_join_that_is_not_c2_is_rejected():  # negative control
    c = construction("kink", [("x**2/2", "-oo", 0), ("x**2", 0, "oo")], 1)
    r = analyse(c, 10.0, 0.0)
    assert not r.member
    assert [j.ok for j in r.joins] == [False]
    assert r.joins[0].jumps[:2] == (0.0, 0.0) and r.joins[0].jumps[2] == pytest.approx(1.0)


def test_class_M_and_Delta_too_small_are_rejected():  # negative controls
    c = construction_a(1.0, 1.0, 10.0)
    assert not analyse(c, 1.0, 1.0, M=9.0).member
    assert not analyse(c, 1.0, 1.0, Delta=5.0).member  # Δ_A = 9.5


def test_scaling_metamorphic():
    """c·f has (c·L0, L1) frontier values; x -> a x maps L0 -> a² L0 and L1 -> |a| L1."""
    base = construction("b", [("exp(x) + exp(-x)", "-oo", "oo")], 1)
    scaled = construction("s", [("3*(exp(x) + exp(-x))", "-oo", "oo")], 1)
    stretched = construction("t", [("exp(2*x) + exp(-2*x)", "-oo", "oo")], sp.Rational(1, 2))
    a = analyse(base, 10.0, 1.0).pieces[0].sup
    assert analyse(scaled, 30.0, 1.0).pieces[0].sup == pytest.approx(3 * a, rel=EXACT_RTOL)
    assert analyse(stretched, 40.0, 2.0).pieces[0].sup == pytest.approx(4 * a, rel=EXACT_RTOL)


def test_h_threshold_formula():
    assert h_threshold(1, 1, 10) == pytest.approx(2 * (1 + math.log(10)) / 10)
    assert h_threshold(10, 1, 5) == pytest.approx(2 / 10)  # x0 = M/L0 in the middle


def test_expression_round_trip():
    c = construction_b(0.1, 1.0)
    f = expression(c)
    x = c.var
    for point in (-3, -0.5, 0, 0.25, 0.5, 7):
        piece = next(p for p in c.pieces if p.lo <= point <= p.hi)
        assert f.subs(x, point) == piece.expr.subs(x, point)


@pytest.mark.parametrize("pieces,match", [
    ([("x**2", 0, "oo")], "cover R"),
    ([("x**2", "-oo", 0), ("x**2", 1, "oo")], "gap"),
    ([("x**2", "-oo", 2), ("x**2", 2, 1), ("x", 1, "oo")], "must be <"),
    ([("x*y", "-oo", "oo")], "unknown name"),
])
def test_bad_constructions_raise(pieces, match):
    with pytest.raises(ValueError, match=match):
        construction("bad", pieces, 0)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="Delta > 5"):
        construction_b(0.1, 0.01)
    with pytest.raises(ValueError, match="L1 > 0"):
        construction_a(1.0, 0.0, 10.0)


@pytest.mark.parametrize("pieces", [
    [("-x/10**30", "-oo", 0), ("x/10**30", 0, "oo")],            # f' jumps by 2e-30
    [("x**2", "-oo", 0), ("x**2 + 1/10**26", 0, "oo")],           # f itself jumps by 1e-26
    [("x**2", "-oo", 0), ("x**2 + x**2/10**26", 0, "oo")],        # f'' jumps by 2e-26
])
def test_tiny_jumps_are_jumps(pieces):  # the join test is relative, not absolute
    assert not analyse(construction("tiny", pieces, 1), 3.0, 1.0).member
