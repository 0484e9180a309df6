"""Certified worst-case witnesses of the 1-D (L0,L1) class (theory.functions.witnesses).

B_δ (the slope at (1 + δ)ε beyond a quartic bowl), the walled slope (Thm 6's witness, a sinh
wall that reaches the class's M) and the extremal function (M certified by symmetry), each
checked against theory.functions.toolkit.analyse, with negative controls showing that the
certificates are not vacuous.
"""
from __future__ import annotations

import math

import pytest
import sympy as sp

from synthetic.fastcount import gd_count
from theory.functions.toolkit import analyse, gradient_pieces
from theory.functions.witnesses import (bowl_slope, bowl_width, extremal_member, walled_member,
                                        walled_slope)
from theory.statements.steps import rule_parameters, step_rule

SMALL = (1.0, 1.0, 10.0, 0.1, 10.0)  # (L0, L1, M, ε, Δ): L1 ε << L0
LARGE = (2.0, 4.0, 50.0, 0.1, 20.0)  # L1 ε = L0/5, L1 > L0


@pytest.mark.parametrize("inst", [SMALL, LARGE], ids=["L0=1,L1=1", "L0=2,L1=4"])
def test_bowl_slope_is_a_certified_member_with_the_class_delta(inst):
    L0, L1, M, eps, Delta = inst
    c = bowl_slope(eps, Delta, L0)
    report = analyse(c, L0, L1, M=M, Delta=Delta)
    assert report.member and report.certified, (report.reasons, report.uncertain)
    assert report.M_certified and report.f_star_certified and report.f_star == 0.0
    assert report.M == pytest.approx(1.01 * eps, rel=1e-12)  # the slope s = (1 + δ)ε, δ = 1/100
    assert report.Delta == pytest.approx(Delta, rel=0, abs=1e-12)  # x0 lands on f = Δ exactly
    assert sp.simplify(c.pieces[-1].expr.subs(c.var, c.x0) - sp.Rational(repr(Delta))) == 0
    assert c.params["w"] == 0.5  # 3s/(2 L0) <= 1/2 here


def test_bowl_slope_exact_count_under_thm3s_rule():
    """T_ε of Thm 3's clipped GD on B_δ at (2, 4, 50, 0.1, 20): 39159, an independently
    computed number (the slope is jumped over exactly, the bowl stepped)."""
    L0, L1, M, eps, Delta = LARGE
    c = bowl_slope(eps, Delta, L0)
    method, params = rule_parameters("thm3", L0, L1)
    count = gd_count(gradient_pieces(c), float(c.x0), eps, step_rule(method, **params))
    assert method == "clipped" and count.status == "converged"
    assert count.iterations == 39159
    assert count.jumped > 0.99 * count.iterations  # nearly all of it on the exact slope


def test_bowl_widens_when_the_curvature_would_exceed_L0_and_stays_a_member():
    L0, L1, M, eps, Delta = 0.1, 1.0, 10.0, 0.1, 10.0
    s = sp.Rational(101, 1000)
    assert 3 * s / (2 * sp.Rational(1, 10)) > sp.Rational(1, 2)  # the case asked for
    assert bowl_width(s, L0) == 3 * s / (2 * sp.Rational(1, 10))
    c = bowl_slope(eps, Delta, L0)
    assert c.params["w"] == pytest.approx(1.515) and c.params["w"] > 0.5
    report = analyse(c, L0, L1, M=M, Delta=Delta)
    assert report.member and report.certified, (report.reasons, report.uncertain)
    bowl = next(p for p in report.pieces if p.lo == -c.params["w"])
    assert bowl.sup == pytest.approx(L0, rel=1e-12)  # f''(0) = 3s/(2w) = L0: tight, not over


def test_negative_control_bowl_curvature_above_L0_is_not_a_member():
    """B_δ built for L0 = 1 (w = 1/2, sup f'' = 3s/(2w) = 3s) analysed with L0' = 1.5 s < 3s:
    at the bowl's centre f' = 0, so |f''| − L1|f'| = 3s > L0' and membership must fail."""
    eps, Delta = 0.1, 10.0
    c = bowl_slope(eps, Delta, 1.0)
    s = c.params["slope"]
    assert c.params["w"] == 0.5 and 3 * s / (2 * c.params["w"]) > 1.5 * s
    report = analyse(c, 1.5 * s, 1.0, M=10.0, Delta=Delta)
    assert not report.member and not report.certified
    assert any("> L0" in r for r in report.reasons), report.reasons
    bowl = next(p for p in report.pieces if p.lo == -0.5)
    assert not bowl.ok and bowl.sup == pytest.approx(3 * s, rel=1e-12)


def test_walled_member_reaches_the_class_M():
    L0, L1, M, eps, Delta = LARGE
    c, report = walled_member(L0, L1, M, eps, Delta)
    assert report.member and report.certified, (report.reasons, report.uncertain)
    assert report.M_certified and report.M <= M and abs(report.M - M) <= 1e-9
    assert report.Delta == pytest.approx(Delta, abs=1e-12)
    kappa = c.params["kappa"]
    assert 0 < kappa <= L1
    assert sp.Rational(repr(kappa)) <= sp.Rational(repr(L1))
    assert report.pieces[0].method.startswith("argument") and report.pieces[0].ok
    # the closed form M = s·sqrt(1 + z²), z = κ(Δ − 5sw/8)/s, checked numerically here
    s, w = c.params["slope"], c.params["w"]
    z = kappa * (Delta - 5 * s * w / 8) / s
    assert report.M == pytest.approx(s * math.hypot(1.0, z), rel=1e-9)


def test_walled_member_caps_kappa_at_L1_and_then_M_is_below_the_class_M():
    """At (1, 1, 10, 0.1, 10) reaching M = 10 would need κ > L1 = 1: κ is capped at L1 and the
    wall's M falls short of 10 (still a certified member, with a smaller M)."""
    L0, L1, M, eps, Delta = SMALL
    c, report = walled_member(L0, L1, M, eps, Delta)
    assert report.member and report.certified, (report.reasons, report.uncertain)
    kappa = c.params["kappa"]
    assert kappa <= L1 and kappa == pytest.approx(L1, rel=1e-9)  # capped (rounded down)
    assert report.M < M and report.M == pytest.approx(9.96895, rel=1e-5)


def test_negative_control_wall_steeper_than_L1_breaks_the_inequality():
    """The wall's membership argument needs κ <= L1. With L1' = κ/2 (so κ > L1') the wall has
    f'' = sκ sinh(κu) and |f'| = s cosh(κu), so f'' − L1'|f'| = sκ(sinh − cosh/2)(κu) grows
    without bound: a point on the wall, inside the sublevel set, violates
    |f''| <= L0 + L1'|f'|."""
    L0, L1, M, eps, Delta = LARGE
    c = walled_slope(L0, L1, M, eps, Delta)
    kappa = c.params["kappa"]
    L1_bad = kappa / 2
    wall = c.pieces[0]
    x = c.var
    f = sp.lambdify(x, wall.expr, "mpmath")
    f1 = sp.lambdify(x, sp.diff(wall.expr, x), "mpmath")
    f2 = sp.lambdify(x, sp.diff(wall.expr, x, 2), "mpmath")
    w = c.params["w"]
    # a point of the wall on the sublevel set f <= Δ: halfway to where the wall meets f = Δ
    s = c.params["slope"]
    u_edge = math.asinh(kappa * (Delta - 5 * s * w / 8) / s) / kappa
    point = -w - 0.9 * u_edge
    assert float(wall.lo) < point < float(wall.hi) and float(f(point)) <= Delta
    excess = float(abs(f2(point)) - (L0 + L1_bad * abs(f1(point))))
    assert excess > 0, excess  # |f''| > L0 + L1'|f'| on the wall
    # ... while with the real L1 (>= κ) the same point satisfies the inequality
    assert float(abs(f2(point)) - (L0 + L1 * abs(f1(point)))) <= 0


@pytest.mark.parametrize("inst", [SMALL, LARGE], ids=["L0=1,L1=1", "L0=2,L1=4"])
def test_extremal_member_M_certified_exactly(inst):
    L0, L1, M, eps, Delta = inst
    c, report = extremal_member(L0, L1, M, Delta)
    assert report.member and report.certified, (report.reasons, report.uncertain)
    assert report.M_certified and report.M == M
    a = L0 / L1
    assert report.Delta == pytest.approx((M - a * math.log1p(M / a)) / L1, rel=1e-12)
    assert report.Delta <= Delta


@pytest.mark.parametrize("call,name", [
    (lambda: bowl_slope(0.0, 10.0, 1.0), "eps"),
    (lambda: bowl_slope(-0.1, 10.0, 1.0), "eps"),
    (lambda: bowl_slope(0.1, 0.005, 1.0), "Delta"),  # below even the narrow bowl (0.0096)
    (lambda: walled_slope(1.0, 1.0, 10.0, 0.0, 10.0), "eps"),
    (lambda: walled_slope(1.0, 1.0, 10.0, 0.1, 0.005), "Delta"),
    (lambda: walled_slope(1.0, 1.0, 0.1, 0.1, 10.0), "M"),  # M <= s = 0.101
    (lambda: walled_slope(1.0, 1.0, 0.101, 0.1, 10.0), "M"),
    (lambda: walled_member(1.0, 1.0, 0.05, 0.1, 10.0), "M"),
], ids=["eps=0", "eps<0", "bowl-Delta", "wall-eps=0", "wall-Delta", "M<slope", "M=slope",
        "member-M<slope"])
def test_bad_inputs_are_refused_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
