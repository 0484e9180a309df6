"""Certified worst-case witnesses of the 1-D (L0,L1) class (theory.functions.witnesses).

B_δ (the slope at (1 + δ)ε beyond a quartic bowl), the walled slope (Thm 6's witness, a sinh
wall that reaches the class's M) and the extremal function (M certified by symmetry), each
checked against theory.functions.toolkit.analyse, with negative controls showing that the
certificates are not vacuous; analyse(symmetric=True) (M, f* and the left half by symmetry)
against the searches, refused where its premises fail; gradient_pieces(lazy=True) against the
eager pieces.
"""
from __future__ import annotations

import math

import pytest
import sympy as sp

from synthetic.fastcount import gd_count
from theory.functions import toolkit
from theory.functions.constructions import extremal
from theory.functions.toolkit import (analyse, construction, expression, gradient_pieces,
                                      symmetric_sublevel, value_at)
from theory.functions.witnesses import (bowl_member, bowl_slope, bowl_width, extremal_member,
                                        walled_member, walled_slope)
from theory.smoothness.sublevel import sublevel_gradient_sup
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


# ------------------------------------------------ M and f* by symmetry (analyse(symmetric=True))
SYMMETRIC = [SMALL, LARGE, (10.0, 1.0, 100.0, 0.1, 5.0), (0.1, 1.0, 10.0, 0.1, 10.0)]


@pytest.mark.parametrize("inst", SYMMETRIC, ids=["small", "large", "L0=10", "wide-bowl"])
def test_symmetric_analyse_of_B_delta_is_the_search_report(inst):
    """On B_δ, where the sublevel search and the infimum search are exact, the symmetry
    argument gives the same report field by field (M, f*, Δ, every piece check)."""
    L0, L1, M, eps, Delta = inst
    c = bowl_slope(eps, Delta, L0)
    searched = analyse(c, L0, L1, M=M, Delta=Delta)
    assert analyse(c, L0, L1, M=M, Delta=Delta, symmetric=True) == searched
    assert bowl_member(L0, L1, M, eps, Delta)[1] == searched
    assert searched.certified and searched.M_certified


@pytest.mark.parametrize("inst", [SMALL, LARGE], ids=["small", "large"])
def test_symmetric_M_of_the_extremal_function_against_samples(inst):
    """The argument's sublevel set [−x0, x0] and M = f'(x0), checked on samples of f and f'
    (the search can only estimate M here: f = f(x0) has no exact roots)."""
    L0, L1, M, eps, Delta = inst
    c = extremal(L0, L1, M)
    level = value_at(c, c.x0)
    sub = symmetric_sublevel(c, level)
    x0 = float(c.x0)
    assert sub.certified and sub.method == "symmetry" and sub.intervals == [(-x0, x0)]
    assert M <= sub.M <= math.nextafter(M, math.inf)  # f'(x0) = M, rounded up
    f = sp.lambdify(c.var, c.pieces[-1].expr.subs(c.var, sp.Abs(c.var)), "mpmath")
    f1 = sp.lambdify(c.var, sp.diff(c.pieces[-1].expr, c.var), "mpmath")
    lev = float(level)
    for t in (0.0, 0.3, 0.9, 0.999):
        assert float(f(t * x0)) <= lev and float(f(-t * x0)) <= lev
        assert float(abs(f1(t * x0))) <= sub.M
    for t in (1.001, 1.5, 3.0):
        assert float(f(t * x0)) > lev and float(f(-t * x0)) > lev
    report = analyse(c, L0, L1, M=M, Delta=Delta, symmetric=True)
    estimated = analyse(c, L0, L1, M=M, Delta=Delta)
    assert report.certified and not estimated.M_certified
    assert report.M == pytest.approx(estimated.M, rel=1e-9)  # the padded numeric estimate
    assert report.f_star == estimated.f_star == 0.0 and report.pieces == estimated.pieces


def test_negative_control_symmetry_refused_off_its_premises():
    """Where a premise fails the argument refuses, and its conclusion would be wrong there:
    the walled slope is not even (M = 50 on its wall, not |f'(x0)| = s); −e^{−x²}/2 is even but
    concave beyond 1/√2 (M = e^{−1/2}/√2 at x = 1/√2, not |f'(2)| = 2e^{−4}); x0 = 0."""
    L0, L1, M, eps, Delta = LARGE
    c = walled_slope(L0, L1, M, eps, Delta)
    with pytest.raises(ValueError, match="not even"):
        analyse(c, L0, L1, M=M, Delta=Delta, symmetric=True)
    assert walled_member(L0, L1, M, eps, Delta)[1].M > 100 * c.params["slope"]
    bump = construction("bump", [("-exp(-x**2)/2", "-oo", "oo")], 2)
    with pytest.raises(ValueError, match="f'' >= 0"):
        symmetric_sublevel(bump, value_at(bump, bump.x0))
    searched = sublevel_gradient_sup(expression(bump), "x", value_at(bump, bump.x0))
    assert searched.M == pytest.approx(math.exp(-0.5) / math.sqrt(2), rel=1e-12)
    assert searched.M > 10 * 2 * math.exp(-4)
    flat = construction("x0=0", [("x**2", "-oo", "oo")], 0)
    with pytest.raises(ValueError, match="x0 = 0"):
        symmetric_sublevel(flat, value_at(flat, flat.x0))


def test_members_fall_back_to_the_search_when_symmetry_refuses(monkeypatch):
    """bowl_member and extremal_member keep their certified reports when the argument is
    refused (here forced): the searches decide instead."""
    L0, L1, M, eps, Delta = LARGE
    quick_bowl, quick_extremal = bowl_member(L0, L1, M, eps, Delta)[1], \
        extremal_member(L0, L1, 3.5, Delta)[1]

    def refuse(*args, **kwargs):
        raise ValueError("the symmetry argument for M does not apply: forced")

    monkeypatch.setattr(toolkit, "symmetric_sublevel", refuse)
    with pytest.raises(ValueError, match="forced"):
        analyse(bowl_slope(eps, Delta, L0), L0, L1, M=M, Delta=Delta, symmetric=True)
    assert bowl_member(L0, L1, M, eps, Delta)[1] == quick_bowl
    slow = extremal_member(L0, L1, 3.5, Delta)[1]
    assert slow.certified and slow.M == quick_extremal.M == 3.5
    assert slow.pieces == quick_extremal.pieces and slow.Delta == quick_extremal.Delta


# ------------------------------------------------ gradient_pieces(lazy=True)
def test_lazy_gradient_pieces_are_the_eager_ones():
    """The same kinds, slopes and f' values; the wall's callable is built at its first call."""
    L0, L1, M, eps, Delta = LARGE
    c = walled_slope(L0, L1, M, eps, Delta)
    eager, lazy = gradient_pieces(c), gradient_pieces(c, lazy=True)
    assert [(p.lo, p.hi, p.kind, p.slope, p.a, p.b) for p in eager] == \
        [(p.lo, p.hi, p.kind, p.slope, p.a, p.b) for p in lazy]
    wall = lazy[0].grad
    assert isinstance(wall, toolkit._LazyGrad) and wall._call is None
    for p, q in zip(eager, lazy):
        lo = p.lo if math.isfinite(p.lo) else p.hi - 2.0
        hi = p.hi if math.isfinite(p.hi) else lo + 2.0
        for t in (0.0, 0.1, 0.5, 0.93, 1.0):
            x = lo + t * (hi - lo)
            assert p.grad(x) == q.grad(x)
    assert wall._call is not None
    rule = step_rule("gd", h=0.0415)
    assert gd_count(lazy, float(c.x0), eps, rule) == gd_count(eager, float(c.x0), eps, rule)


def test_negative_control_lazy_keeps_an_affine_derivative_affine():
    """x² + sinh² − cosh² is not a polynomial, but its f' = 2x is affine: lazy must not file it
    as general (the counter would step instead of using the affine form)."""
    c = construction("disguised", [("x**2 + sinh(x)**2 - cosh(x)**2", "-oo", "oo")], 1)
    assert not c.pieces[0].expr.is_polynomial(c.var)
    assert [p.kind for p in gradient_pieces(c, lazy=True)] == ["affine"]
