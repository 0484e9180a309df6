"""Follow-up lemmas checked on the extremal function and on (L0/L1²)cosh(L1 x), with
understated-L1 negative controls."""
from __future__ import annotations

import re

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from tolerances import ROUNDING_RTOL
from theory.statements import lemmas
TINY = 1e-300  # absolute floor: below it doubles are (near-)subnormal and lose relative accuracy
approx = lambda x: pytest.approx(x, rel=ROUNDING_RTOL, abs=TINY)  # noqa: E731
PROPERTY = settings(max_examples=50, deadline=None)  # fast suite on 2 cores, no flaky deadline
consts = st.floats(0.1, 10.0)


def extremal(x, L0, L1):
    """f = (L0/L1²)(e^{L1|x|} − L1|x| − 1), f'' = L0 + L1|f'| everywhere; returns f, f', f''."""
    t = L1 * np.abs(x)
    # e^t − t − 1 by a series near 0 (an independent rewrite of lemmas.vankov_phi)
    phi = np.where(t < 1e-3, t * t / 2 * (1 + t / 3 + t * t / 12), np.expm1(t) - t)
    return (L0 / L1**2 * phi, np.sign(x) * L0 / L1 * np.expm1(t), L0 * np.exp(t))


def cosh_fn(x, L0, L1):
    """(L0/L1²)cosh(L1 x), shifted so f* = 0: (L0,L1)-smooth since cosh <= 1 + |sinh|."""
    t = L1 * x  # cosh(t) − 1 = 2 sinh²(t/2), free of cancellation near 0
    return (L0 / L1**2 * 2 * np.sinh(t / 2) ** 2, L0 / L1 * np.sinh(t), L0 * np.cosh(t))


@PROPERTY
@given(x=st.floats(0, 5), c=st.floats(0, 3), L0=consts, L1=consts)
def test_gronwall_equality_on_extremal(x, c, L0, L1):
    """x >= 0, y = x + c/L1: f'(y) = e^c f'(x) + (e^c−1)L0/L1 and f''(y) = e^c(L0 + L1 f'(x))."""
    _, gx, _ = extremal(x / L1, L0, L1)
    _, gy, hy = extremal(x / L1 + c / L1, L0, L1)
    assert gy == approx(lemmas.gronwall_gradient_bound(gx, c, L0, L1))
    assert hy == approx(lemmas.gronwall_hessian_bound(gx, c, L0, L1))


@PROPERTY
@given(x=st.floats(-5, 5), u=st.floats(-1, 1), c=st.floats(0.01, 3), L0=consts, L1=consts)
def test_gronwall_bounds_hold_in_the_ball(x, u, c, L0, L1):
    for fn in (extremal, cosh_fn):
        _, gx, _ = fn(x / L1, L0, L1)
        _, gy, hy = fn(x / L1 + u * c / L1, L0, L1)
        assert abs(gy) <= lemmas.gronwall_gradient_bound(abs(gx), c, L0, L1) * (1 + ROUNDING_RTOL)
        assert hy <= lemmas.gronwall_hessian_bound(abs(gx), c, L0, L1) * (1 + ROUNDING_RTOL)


@PROPERTY
@given(x=st.floats(0, 5), r=st.floats(0.05, 2), L0=consts, L1=consts, rho=st.floats(0.1, 0.9))
def test_gronwall_with_understated_L1_is_violated(x, r, L0, L1, rho):
    """Negative control: the bound for L1' = ρL1 over the same distance fails on the extremal f."""
    _, gx, _ = extremal(x / L1, L0, L1)
    _, gy, _ = extremal(x / L1 + r / L1, L0, L1)
    L1_low = rho * L1
    assert gy > lemmas.gronwall_gradient_bound(gx, L1_low * r / L1, L0, L1_low) * (1 + 1e-6)


def test_local_lipschitz_constants_against_mpmath_and_limit():
    assert lemmas.local_lipschitz_constants(0.0) == (1.0, 1.0)
    for c in (1e-12, 1e-5, 1e-4, 0.3, 1.0, 5.0):
        with mp.workdps(40):
            a1 = mp.expm1(c) / c
            want = (float(1 + mp.exp(c) - a1), float(a1))
        assert lemmas.local_lipschitz_constants(c) == (approx(want[0]), approx(want[1]))
    a0, a1 = lemmas.local_lipschitz_constants(np.array([0.0, 0.5, 2.0]))
    assert np.all(a0 >= a1) and np.all(np.diff(a1) > 0)


@PROPERTY
@given(x=st.floats(-4, 4), u=st.floats(-1, 1), c=st.floats(0.01, 3), L0=consts, L1=consts)
def test_local_lipschitz_form_holds(x, u, c, L0, L1):
    a0, a1 = lemmas.local_lipschitz_constants(c)
    for fn in (extremal, cosh_fn):
        y = x / L1 + u * c / L1
        _, gx, _ = fn(x / L1, L0, L1)
        _, gy, _ = fn(y, L0, L1)
        rhs = (a0 * L0 + a1 * L1 * abs(gx)) * abs(y - x / L1)  # the distance actually realised
        floor = 8 * np.finfo(float).eps * (abs(gx) + abs(gy))  # rounding of gy − gx
        assert abs(gy - gx) <= rhs * (1 + ROUNDING_RTOL) + floor + TINY


def test_local_lipschitz_without_A_factors_fails():
    """Negative control: L0 + L1|f'(x)| alone is not a Lipschitz constant over a distance c/L1."""
    L0, L1, c = 1.0, 2.0, 1.0
    _, gx, _ = extremal(0.3, L0, L1)
    _, gy, _ = extremal(0.3 + c / L1, L0, L1)
    assert abs(gy - gx) > (L0 + L1 * abs(gx)) * c / L1


def test_vankov_phi_accuracy_near_zero():
    for t in (0.0, 1e-9, 1e-5, 9.9e-5, 1e-4, 0.01, 3.0):
        with mp.workdps(40):
            want = float(mp.expm1(t) - t)
        assert lemmas.vankov_phi(t) == approx(want)


@PROPERTY
@given(x=st.floats(-5, 5), y=st.floats(-5, 5), L0=consts, L1=consts)
def test_vankov_model_holds_on_extremal_and_cosh(x, y, L0, L1):
    for fn in (extremal, cosh_fn):
        (fx, gx, _), (fy, _, _) = fn(x / L1, L0, L1), fn(y / L1, L0, L1)
        model = lemmas.vankov_upper_model(fx, gx, x / L1, y / L1, L0, L1)
        assert fy <= model + ROUNDING_RTOL * (abs(fy) + abs(fx) + abs(gx * (y - x) / L1)) + TINY


@PROPERTY
@given(x=st.floats(0, 4), r=st.floats(0, 4), L0=consts, L1=consts)
def test_vankov_model_is_tight_on_extremal_outward(x, r, L0, L1):
    (fx, gx, _), (fy, _, _) = extremal(x / L1, L0, L1), extremal((x + r) / L1, L0, L1)
    model = lemmas.vankov_upper_model(fx, gx, x / L1, (x + r) / L1, L0, L1)
    floor = ROUNDING_RTOL * (fx + abs(gx) * r / L1) + TINY
    assert fy == pytest.approx(model, rel=ROUNDING_RTOL, abs=floor)


@PROPERTY
@given(x=st.floats(0, 4), r=st.floats(0.1, 4), L0=consts, L1=consts, rho=st.floats(0.1, 0.9))
def test_vankov_model_with_understated_L1_fails(x, r, L0, L1, rho):
    (fx, gx, _), (fy, _, _) = extremal(x / L1, L0, L1), extremal((x + r) / L1, L0, L1)
    assert fy > lemmas.vankov_upper_model(fx, gx, x / L1, (x + r) / L1, L0, rho * L1) * (1 + 1e-6)


def test_vankov_model_cosh_negative_control_and_vectors():
    L0, L1 = 2.0, 1.5
    (f0, g0, _), (fy, _, _) = cosh_fn(0.0, L0, L1), cosh_fn(5 / L1, L0, L1)
    assert fy <= lemmas.vankov_upper_model(f0, g0, 0.0, 5 / L1, L0, L1)
    assert fy > lemmas.vankov_upper_model(f0, g0, 0.0, 5 / L1, L0, L1 / 2)
    # multivariate: along a unit direction d the vector form reduces to the 1-D one
    d = np.array([0.6, 0.8])
    xs, ys = 0.2 * d, 1.1 * d
    (fx, gx, _), (fy, _, _) = extremal(0.2, L0, L1), extremal(1.1, L0, L1)
    assert lemmas.vankov_upper_model(fx, gx * d, xs, ys, L0, L1) == approx(
        lemmas.vankov_upper_model(fx, gx, 0.2, 1.1, L0, L1))
    two = lambda v: np.stack([v, v])  # noqa: E731
    batch = lemmas.vankov_upper_model([fx, fx], two(gx * d), two(xs), ys, L0, L1)
    assert batch.shape == (2,)


@PROPERTY
@given(Delta=st.floats(1e-3, 50), L0=consts, L1=consts)
def test_li_gradient_bound_on_sublevel_sets(Delta, L0, L1):
    """sup{|f'| : f <= Δ} is attained where f = Δ; it must not exceed G (extremal and cosh)."""
    for fn in (extremal, cosh_fn):
        x = brentq(lambda z: fn(z, L0, L1)[0] - Delta, 0, 50 / L1, xtol=1e-14, rtol=1e-14)
        assert fn(x, L0, L1)[1] <= lemmas.li_gradient_bound(L0, L1, Delta) * (1 + 1e-9)


def test_li_gradient_bound_understated_L1_fails():
    """Negative control: with L1' = L1/10 (or the L-smooth sqrt(2 L0 Δ)) the bound is too small."""
    L0, L1, Delta = 1.0, 1.0, 100.0
    x = brentq(lambda z: extremal(z, L0, L1)[0] - Delta, 0, 50)
    assert extremal(x, L0, L1)[1] > lemmas.li_gradient_bound(L0, L1 / 10, Delta)
    assert extremal(x, L0, L1)[1] > lemmas.li_gradient_bound(L0, 0.0, Delta)
    assert lemmas.li_gradient_bound(2.0, 0.0, 8.0) == approx(np.sqrt(32.0))


BAD = [
    (lemmas.gronwall_gradient_bound, (1.0, 1.0, 1.0, 0.0), "L1 > 0"),
    (lemmas.gronwall_gradient_bound, (-1.0, 1.0, 1.0, 1.0), "grad_norm_x >= 0"),
    (lemmas.gronwall_gradient_bound, (1.0, -1.0, 1.0, 1.0), "c >= 0"),
    (lemmas.gronwall_hessian_bound, (1.0, 1.0, -1.0, 1.0), "L0 >= 0"),
    (lemmas.local_lipschitz_constants, (-0.1,), "c >= 0"),
    (lemmas.vankov_phi, (-1.0,), "t >= 0"),
    (lemmas.vankov_upper_model, (0.0, [1.0], [0.0], [1.0], 1.0, 0.0), "L1 > 0"),
    (lemmas.li_gradient_bound, (1.0, 1.0, -1.0), "Delta >= 0"),
    (lemmas.li_gradient_bound, (float("nan"), 1.0, 1.0), "L0 >= 0"),
]


@pytest.mark.parametrize("fn,args,condition", BAD, ids=[f"{b[0].__name__}-{b[2]}" for b in BAD])
def test_preconditions_raise(fn, args, condition):
    with pytest.raises(ValueError, match=re.escape(condition)):
        fn(*args)
