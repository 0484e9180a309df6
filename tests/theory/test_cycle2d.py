"""The 2-D member with an exact GD 2-cycle (theory/functions/cycle2d.py, docs/statements.md §9):
the exact cycle, the certified sup ||∇²F||/||∇F||, the sublevel M, Δ, the rescaling, the step
thresholds and the orbits, each with a negative control."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq, minimize

from theory.functions import cycle2d as c2

LAM, MU = 0.55, 0.3
K_SUP = LAM**2 / MU  # λ²/μ = 121/120


@pytest.fixture(scope="module")
def cycle():
    return c2.cycle_certificate()


@pytest.fixture(scope="module")
def kcert():
    return c2.certify_K()


@pytest.fixture(scope="module")
def sub():
    return c2.sublevel_M()


def _F_and_grad(s, y):
    d = c2._derivs(s, y, LAM, MU, math)
    return d[0], d[1], d[2]


def test_every_public_name_cites_section_9():
    for name in c2.__all__:
        obj = getattr(c2, name)
        if callable(obj):
            assert "docs/statements.md §9" in (obj.__doc__ or ""), name


# ---- the exact cycle -------------------------------------------------------------------------

def test_cycle_is_proved_exactly(cycle):
    assert cycle.proved and all(cycle.closed_forms.values()), cycle.closed_forms
    assert sp.simplify(cycle.s_c + 10 * sp.log(3) / 11) == 0
    assert sp.simplify(cycle.y_c - 10 * sp.log(sp.Rational(11, 5)) / 3) == 0
    assert sp.simplify(cycle.grad_norm - 16 * sp.sqrt(3) / 11) == 0
    assert sp.simplify(cycle.F_c - (20 * sp.sqrt(3) / 11 - 20 * sp.pi / 33)) == 0
    f = cycle.floats
    assert math.tanh(LAM * f["s_c"]) == pytest.approx(-0.5, rel=1e-14)
    assert math.cosh(MU * f["y_c"]) == pytest.approx(73 / 55, rel=1e-14)
    assert f["h_F"] == pytest.approx(2 * f["y_c"] / f["grad_norm"], rel=1e-14)
    assert f["h_F"] == pytest.approx(2.0864069840664103, rel=1e-14)


def test_cycle_numerically_and_a_wrong_step_is_not_a_cycle(cycle):
    f = cycle.floats
    _, gs, gy = _F_and_grad(f["s_c"], f["y_c"])
    assert abs(gs) < 1e-14 and gy == pytest.approx(f["grad_norm"], rel=1e-14)
    y_next = f["y_c"] - f["h_F"] * gy
    assert y_next == pytest.approx(-f["y_c"], rel=1e-14)
    # negative control: 1% off h_F misses the partner point by ~1% of 2 y_c
    assert abs(f["y_c"] - 1.01 * f["h_F"] * gy + f["y_c"]) > 0.04


def test_closed_form_derivatives_and_a_wrong_one_is_caught():
    assert c2.closed_forms_match()
    expr, (s, y) = c2.F_expr()
    hess = c2.closed_form_derivatives()["hess"]
    wrong = hess[0][0] * sp.Rational(101, 100)
    assert not c2._is_zero(sp.diff(expr, s, 2) - wrong)


def test_F_is_bounded_below_and_has_no_critical_point():
    rng = np.random.default_rng(7)
    s, y = rng.uniform(-40, 40, 20000), rng.uniform(-30, 30, 20000)
    d = c2._derivs(s, y, LAM, MU, c2._NumpyMath)
    assert np.all(d[0] > -math.pi / LAM)
    assert np.all(np.hypot(d[1], d[2]) > 0)
    # the infimum is approached at s -> +inf, y = 0
    assert c2._derivs(60.0, 0.0, LAM, MU, math)[0] == pytest.approx(-math.pi / LAM, abs=1e-12)


# ---- the certified K -------------------------------------------------------------------------

def test_K_upper_is_certified_close_to_lambda2_over_mu(kcert):
    assert kcert.converged
    assert kcert.K_sup == pytest.approx(K_SUP, rel=1e-15)
    assert K_SUP <= kcert.K_upper <= K_SUP * (1 + 2e-8)
    # the sup is not attained: the best point value lies just below it
    assert K_SUP * (1 - 1e-9) < kcert.lower_witness <= K_SUP
    assert float(c2.ratio_at(*kcert.witness_point)) == pytest.approx(kcert.lower_witness,
                                                                       rel=1e-15)
    assert kcert.seconds < 10.0, kcert.seconds


def test_sup_is_approached_as_y_grows():
    values = [float(c2.ratio_at(0.0, y)) for y in (10.0, 30.0, 60.0, 100.0)]
    assert values == sorted(values) and values[-1] < K_SUP
    assert K_SUP - values[-1] < 1e-12
    assert float(c2.ratio_at(0.0, 0.0)) == pytest.approx(1.0, rel=1e-15)  # y = 0: ratio 1


@pytest.mark.parametrize("claim_factor", [0.9, 0.999])
def test_an_understated_K_is_refuted(claim_factor):
    r = c2.certify_K(claim=claim_factor * K_SUP)
    assert r.verdict == "refuted" and r.lower_witness > claim_factor * K_SUP


def test_a_changed_mu_refutes_the_claimed_K():
    r = c2.certify_K(mu=sp.Rational(1, 4), claim=K_SUP)
    assert r.verdict == "refuted"
    assert r.lower_witness == pytest.approx(LAM**2 / 0.25, rel=1e-9)


def test_a_true_claim_is_certified():
    r = c2.certify_K(claim=K_SUP * (1 + 1e-4))
    assert r.verdict == "certified" and r.K_upper <= K_SUP * (1 + 1e-4)


def test_random_points_respect_K_upper(kcert):
    rng = np.random.default_rng(20200214)
    s = np.concatenate([rng.uniform(-30, 30, 40000), rng.normal(0, 0.5, 10000)])
    y = np.concatenate([rng.uniform(-100, 100, 40000), rng.uniform(-100, 100, 10000)])
    ratio = c2.ratio_at(s, y, dps=None)
    assert np.all(np.isfinite(ratio))
    assert ratio.max() <= kcert.K_upper
    assert ratio.max() > K_SUP * (1 - 1e-3)  # the sample does reach the sup region


def test_interval_box_bound_encloses_point_values():
    """The normalised R(τ, w) used by the certifier agrees with the Hessian/gradient ratio:
    a tiny box around each point bounds the point value from above, and tightly."""
    k = c2._iv_constants(c2.LAMBDA, c2.MU)
    rng = np.random.default_rng(3)
    for _ in range(40):
        tau, u = rng.uniform(-0.999, 0.999), rng.uniform(0.0, 5.9)
        s, y = math.atanh(tau) / LAM, u / MU
        value = float(c2.ratio_at(s, y))
        ub = c2._box_upper("core", tau - 1e-9, tau + 1e-9, max(u - 1e-9, 0.0), u + 1e-9, k)
        assert value <= ub <= value * (1 + 1e-6)
        w = 1 / math.cosh(u + 7)  # the same in tail coordinates, u + 7 > U
        ub_t = c2._box_upper("tail", tau - 1e-9, tau + 1e-9, w * (1 - 1e-9), w * (1 + 1e-9), k)
        v_t = float(c2.ratio_at(s, (u + 7) / MU))
        assert v_t <= ub_t <= v_t * (1 + 1e-6)


# ---- the sublevel M and Δ --------------------------------------------------------------------

def test_G_stationarity_is_the_hand_formula(sub):
    th = sub.theta
    lam, mu = c2.LAMBDA, c2.MU
    Q = sub.F_level + (th + sp.pi / 2) / lam
    hand = 2 * lam * Q * sp.cos(th) * (sp.cos(th) + lam * Q * sp.sin(th)) + \
        2 * sp.cos(th) / lam - 2 * Q * sp.sin(th) + 2 * mu**2 * Q / lam
    assert sp.simplify(sp.expand(sub.stationarity - hand)) == 0
    assert sub.closed_form is None  # no closed form found (transcendental equation for θ*)


def test_M_F_enclosure_and_maximiser(sub):
    lo, hi = sub.enclosure
    assert lo <= sub.value <= hi and (hi - lo) < 1e-12 * sub.value
    assert sub.value == pytest.approx(4.5774, abs=5e-5)
    s_star, y_star = sub.maximiser
    F, gs, gy = _F_and_grad(s_star, y_star)
    assert F == pytest.approx(20 * math.sqrt(3) / 11 - 20 * math.pi / 33, rel=1e-12)
    assert math.hypot(gs, gy) == pytest.approx(sub.value, rel=1e-12)


def _feasible(s, y, F_c):
    """Pull an optimiser's point back onto {F <= F_c} along y (F increases with |y|)."""
    if _F_and_grad(s, y)[0] <= F_c:
        return s, y
    if _F_and_grad(s, 0.0)[0] > F_c:
        return None
    return s, brentq(lambda t: _F_and_grad(s, t)[0] - F_c, 0.0, abs(y), xtol=1e-15) * \
        math.copysign(1.0, y)


def test_M_F_against_numerical_optimisation(sub):
    F_c = 20 * math.sqrt(3) / 11 - 20 * math.pi / 33
    best = 0.0
    for s0 in np.linspace(-6, 8, 8):
        for y0 in (0.5, 3.0, 6.0):
            res = minimize(lambda v: -(_F_and_grad(*v)[1] ** 2 + _F_and_grad(*v)[2] ** 2),
                           (s0, y0), method="SLSQP", bounds=[(-15, 15), (-30, 30)],
                           options={"ftol": 1e-15, "maxiter": 500},
                           constraints=[{"type": "ineq",
                                         "fun": lambda v: F_c - _F_and_grad(*v)[0]}])
            point = _feasible(*res.x, F_c)
            if point is not None:
                _, gs, gy = _F_and_grad(*point)
                best = max(best, math.hypot(gs, gy))
    assert best <= sub.value * (1 + 1e-9)
    assert best >= sub.value * (1 - 1e-6)
    # negative control: the endpoint value Δ_F sqrt(λ²+μ²) (s -> +inf) is strictly smaller
    assert float(c2.Delta_F()) * math.hypot(LAM, MU) < sub.value * 0.96


def test_Delta_F_exact_and_the_ratio_1_533(sub, kcert):
    D = c2.Delta_F()
    assert sp.simplify(D - (20 * sp.sqrt(3) / 11 + 40 * sp.pi / 33)) == 0
    assert float(D) == pytest.approx(6.957, abs=5e-4)
    # Δ = 1.533·M/L1 after rescaling: Δ/(M/L1) = Δ_F K/M_F
    assert float(D) * kcert.K_upper / sub.value == pytest.approx(1.533, abs=5e-4)


# ---- rescaling -------------------------------------------------------------------------------

@pytest.mark.parametrize("L0,L1,M", [(1.0, 1.0, 10.0), (0.0, 2.5, 100.0), (3.0, 0.3, 7.0)])
def test_rescaled_member_hits_its_targets(L0, L1, M, sub, kcert):
    r = c2.rescaled(L0, L1, M)
    assert r.member["certified"], r.member["reasons"]
    assert r.K == kcert.K_upper
    rng = np.random.default_rng(11)
    scale = r.K / L1
    x = (scale * rng.uniform(-20, 20, 5000), scale * rng.uniform(-60, 60, 5000))
    ratio = r.hess_norm(x) / np.hypot(*r.grad(x))
    assert ratio.max() <= L1  # (0, L1)-smooth with the certified K
    near_sup = (0.0, scale * 100.0)
    assert r.hess_norm(near_sup) / np.hypot(*r.grad(near_sup)) == pytest.approx(L1, rel=2e-6)
    x_star = (scale * sub.maximiser[0], scale * sub.maximiser[1])
    assert np.hypot(*r.grad(x_star)) == pytest.approx(M, rel=1e-12)
    x0 = r.cycle_points[0]
    assert r.value(x_star) == pytest.approx(r.value(x0), rel=1e-12)  # on the boundary
    assert r.M_enclosure[0] <= M * (1 + 1e-15) and r.M_enclosure[1] >= M * (1 - 1e-15)
    assert r.value(x0) - r.f_inf == pytest.approx(r.Delta, rel=1e-12)
    assert r.h_cycle == pytest.approx(c2.cycle_constant() / (L1 * M), rel=1e-12)
    orbit = c2.gd_orbit(r.h_cycle, x0, 2, dps=None, member=r)
    assert orbit[1] == pytest.approx(r.cycle_points[1], rel=1e-12, abs=1e-12 * scale)
    assert orbit[2] == pytest.approx(x0, rel=1e-12, abs=1e-12 * scale)


@pytest.mark.parametrize("args,name", [((-1.0, 1.0, 1.0), "L0"), ((1.0, 0.0, 1.0), "L1"),
                                       ((1.0, 1.0, math.inf), "M"), ((1.0, math.nan, 1.0), "L1"),
                                       ((1.0, 1.0, -2.0), "M"), (("x", 1.0, 1.0), "L0")])
def test_rescaled_rejects_bad_parameters(args, name):
    with pytest.raises(ValueError, match=name) as err:
        c2.rescaled(*args)
    assert "\n" not in str(err.value)


# ---- c, thresholds, crossover ----------------------------------------------------------------

def test_cycle_constant_against_the_claim(cycle, sub, kcert):
    c = c2.cycle_constant()
    assert c == pytest.approx(cycle.floats["h_F"] * kcert.K_upper * sub.value, rel=1e-15)
    ideal = c2.cycle_constant(K_SUP)
    assert ideal == pytest.approx(9.629856458850071, rel=1e-12)  # 40-digit hand computation
    assert c >= ideal and c - ideal < 2e-6 * ideal
    # the claim "c ≈ 9.632" holds only to ~2e-4 relative: its 4th digit is off (9.6299)
    assert abs(c - 9.632) < 3e-3
    assert abs(c - 9.632) > 1e-3


@pytest.mark.parametrize("M", [10.0, 100.0, 1e3, 1e4])
def test_thresholds_table_ordering(M):
    t = c2.thresholds(M)
    assert t["w2_limit"] < t["pi_limit"] < t["h_cycle_2d"]
    assert t["pi_limit"] < t["h_2c_1d"]
    assert (t["h_cycle_2d"] > t["h_2c_1d"]) == (M < 122.3)
    assert t["w2_limit"] == pytest.approx(0.8526055020137255 / (1 + M), rel=1e-14)


def test_pi_limit_is_not_a_bound_when_L0_dominates():
    """The π/(L1 M) limit holds for L0 = 0 (the gradient must turn by π); with L0 > 0 the 1-D
    extremal function cycles below it when M L1/L0 < e^{π/2} − 1."""
    t = c2.thresholds(2.0)
    assert t["h_2c_1d"] < t["pi_limit"]
    assert c2.thresholds(2.0, L0=0.0)["h_2c_1d"] == math.inf


@pytest.mark.parametrize("L0,L1", [(1.0, 1.0), (2.0, 3.0)])
def test_crossover(L0, L1):
    m = c2.crossover_M(L0, L1)
    assert m == pytest.approx(L0 / L1 * (math.exp(c2.cycle_constant() / 2) - 1), rel=1e-12)
    t = c2.thresholds(m, L0, L1)
    assert t["h_2c_1d"] == pytest.approx(t["h_cycle_2d"], rel=1e-12)
    if (L0, L1) == (1.0, 1.0):
        assert 120.0 < m < 125.0  # claimed ≈ 120; the computed value is 122.34


# ---- orbits ----------------------------------------------------------------------------------

def test_high_precision_orbit_keeps_the_cycle():
    s_c, y_c, h = c2.cycle_start_mp(150)
    orbit = c2.gd_orbit(h, (s_c, y_c), 200, dps=150)
    dev = c2.cycle_deviations(orbit, (s_c, y_c))
    assert len(dev) == 201 and c2.escape_step(dev, 1e-30) is None


def test_fifty_digits_do_not_last_200_steps():
    """The cycle repels (monodromy |eig| ≈ 5.57 per period), so 50 digits lose 1e-30 early."""
    s_c, y_c, h = c2.cycle_start_mp(50)
    dev = c2.cycle_deviations(c2.gd_orbit(h, (s_c, y_c), 200, dps=50), (s_c, y_c))
    assert 40 < c2.escape_step(dev, 1e-30) < 80


def test_double_precision_orbit_leaves_the_cycle(cycle):
    f = cycle.floats
    dev = c2.cycle_deviations(c2.gd_orbit(f["h_F"], (f["s_c"], f["y_c"]), 80, dps=None),
                              (f["s_c"], f["y_c"]))
    k = c2.escape_step(dev, 1e-3)
    assert k is not None and 28 <= k <= 40, k  # measured: 34
    assert max(dev) > 1.0 and dev[1] < 1e-14


def test_gd_orbit_rejects_negative_steps():
    with pytest.raises(ValueError, match="steps"):
        c2.gd_orbit(1.0, (0.0, 0.0), -1)
