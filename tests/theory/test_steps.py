"""Step-size rules: defining properties, the clipped<->normalized equivalence, exact values."""
from __future__ import annotations

import math
import re
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tolerances import ROUNDING_RTOL
from theory.statements import steps
norms = st.floats(0, 1e8, allow_nan=False)
pos = st.floats(1e-6, 1e6, allow_nan=False)
approx = lambda x: pytest.approx(x, rel=ROUNDING_RTOL, abs=0)  # noqa: E731
PROPERTY = settings(max_examples=50, deadline=None)  # fast suite on 2 cores, no flaky deadline


@PROPERTY
@given(g=norms, eta=pos, gamma=pos)
def test_clipped_step_length_is_min_of_eta_g_and_gamma_eta(g, eta, gamma):
    h = steps.clipped_step(g, eta, gamma)
    assert h * g == approx(min(eta * g, gamma * eta))
    assert h <= eta and h * g <= gamma * eta * (1 + ROUNDING_RTOL)


@PROPERTY
@given(g=norms, eta=pos, gamma=pos)
def test_clipped_normalized_equivalence(g, eta, gamma):
    """h_c/2 <= h_n <= h_c (tighter than the paper's h_c/2 <= h_n <= 2h_c), both directions."""
    eta_n, beta = steps.clipped_to_normalized(eta, gamma)
    assert steps.normalized_to_clipped(eta_n, beta) == (approx(eta), approx(gamma))
    h_c, h_n = steps.clipped_step(g, eta, gamma), steps.normalized_step(g, eta_n, beta)
    assert h_c / 2 * (1 - ROUNDING_RTOL) <= h_n <= h_c * (1 + ROUNDING_RTOL)
    assert h_n / h_c == approx(steps.normalized_over_clipped(g, gamma))


def test_equivalence_constants_are_tight():
    eta_n, beta = steps.clipped_to_normalized(0.3, 2.0)
    assert steps.normalized_step(0.0, eta_n, beta) == approx(steps.clipped_step(0.0, 0.3, 2.0))
    assert steps.normalized_over_clipped(2.0, 2.0) == 0.5  # ||g|| = γ: exactly one half
    # the paper's upper factor 2 is never attained: the ratio stays <= 1 on a wide grid
    assert np.all(steps.normalized_over_clipped(np.logspace(-8, 8, 201), 2.0) <= 1.0)


def test_zero_gradient_never_divides():
    with np.errstate(all="raise"):
        assert steps.clipped_step(0.0, 0.1, 1.0) == 0.1
        assert steps.clip_factor(0.0, 0.25) == 1.0
        assert steps.thm7_step(0.0, 0.01, 2.0, 0.0) == 0.01
        assert steps.vankov_clipped_step(0.0, 4.0, 1.0) == 1 / 8
        assert steps.normalized_step(0.0, 1.0, 0.5) == 2.0
        assert steps.vankov_step(0.0, 4.0, 1.0) == 0.25


def test_infinite_gradient_gives_zero_step():
    assert steps.clipped_step(np.inf, 0.1, 1.0) == 0.0
    assert steps.clip_factor(np.inf, 1.0) == 0.0


def test_broadcasting_over_norms_and_parameters():
    g = np.array([0.0, 0.5, 4.0])
    assert np.allclose(steps.clipped_step(g, 1.0, 2.0), [1.0, 1.0, 0.5])
    hs = steps.clipped_step(g[:, None], np.array([1.0, 0.1]), 2.0)
    assert hs.shape == (3, 2) and np.allclose(hs[:, 1], [0.1, 0.1, 0.05])
    assert np.array_equal(steps.fixed_step(g, 0.3), np.full(3, 0.3))
    assert isinstance(steps.clipped_step(1.0, 1.0, 1.0), float)


@PROPERTY
@given(g=norms, c=pos, eta=pos)
def test_practical_forms_match_the_paper_rules(g, c, eta):
    """clip_grad_norm_ then SGD is clipped GD; c/(||g||+c) is normalized GD with η_n = η c."""
    assert steps.clip_factor(g, c) * g == approx(min(g, c))  # clipped gradient norm
    assert eta * steps.clip_factor(g, c) == approx(steps.clipped_step(g, eta, c))
    assert eta * steps.normalized_factor(g, c) == approx(steps.normalized_step(g, eta * c, c))


@PROPERTY
@given(g=norms, eta=pos, gamma=pos, c=st.floats(1e-3, 1e3))
def test_clipped_step_rescales_with_f(g, eta, gamma, c):
    """GD on c·f with step h/c visits the same iterates: (η, γ) -> (η/c, cγ) at gradient c·g."""
    h = steps.clipped_step(g, eta, gamma)
    assert steps.clipped_step(c * g, eta / c, c * gamma) == approx(h / c)


@PROPERTY
@given(L0=pos, L1=st.one_of(st.just(0.0), pos))
def test_thm3_parameters(L0, L1):
    eta_c, gamma = steps.thm3_parameters(L0, L1)
    assert eta_c == approx(1 / (10 * L0))
    other = math.inf if L1 == 0 else 1 / (10 * L1 * eta_c)
    assert gamma == approx(min(1 / eta_c, other))
    # the largest step length is <= 1, the radius of the set S
    assert gamma * eta_c == approx(min(1.0, math.inf if L1 == 0 else 1 / (10 * L1)))


def test_theorem_steps_exact_values():
    assert steps.thm3_parameters(2, 0) == (approx(1 / 20), approx(20))
    assert steps.thm3_parameters(2, 4) == (approx(1 / 20), approx(0.5))
    assert steps.thm6_step(3, 2, 5) == approx(float(1 / (2 * (F(5) * 2 + 3))))
    # Thm 7 cap: each of the three terms can be the binding one
    assert steps.thm7_eta(1, 1, 0, 10**6) == approx(1e-3)
    assert steps.thm7_eta(1, 1, 1, 1) == approx(1 / 128)
    assert steps.thm7_eta(1e-3, 1e-3, 0.0, 4) == approx(0.5)
    assert steps.thm7_step(3.0, 1.0, 2.0, 1.0) == approx(float(F(1, 16 * 2 * 4)))
    assert steps.thm8_step(2, 3, 1, 4) == approx(float(F(1, 8)))
    assert steps.thm8_step(0, 3, 1, 4) == approx(0.5)
    assert steps.vankov_step(2.0, 1.0, 2.0) == approx(float(1 / (1 + F(3, 2) * 2 * 2)))
    assert steps.vankov_clipped_step(2.0, 1.0, 2.0) == approx(1 / 12)


def test_li_constant_step_against_sympy():
    L0, L1, D = sp.Rational(3), sp.Rational(1, 2), sp.Rational(7, 5)
    G = 2 * L1 * D + sp.sqrt(4 * L1**2 * D**2 + 2 * L0 * D)
    assert steps.li_constant_step(3, 0.5, 1.4) == approx(float(1 / (L0 + 2 * L1 * G)))
    assert steps.li_constant_step(3, 0.0, 1.4) == approx(1 / 3)  # L-smooth: 1/L0


@PROPERTY
@given(g=norms, L0=pos, L1=pos)
def test_vankov_steps_are_within_factor_two(g, L0, L1):
    h, hc = steps.vankov_step(g, L0, L1), steps.vankov_clipped_step(g, L0, L1)
    assert h / 2 * (1 - ROUNDING_RTOL) <= hc <= h * (1 + ROUNDING_RTOL)


@PROPERTY
@given(g=norms, eta=pos, L1=pos, tau=st.floats(0, 1e3))
def test_thm7_step_length_at_most_one_over_16_L1(g, eta, L1, tau):
    h = steps.thm7_step(g, eta, L1, tau)
    assert h <= eta and h * g <= (1 + ROUNDING_RTOL) / (16 * L1)


BAD = [
    (steps.fixed_step, (1.0, 0.0), "h > 0"),
    (steps.fixed_step, (-1.0, 1.0), "grad_norm >= 0"),
    (steps.clipped_step, (np.nan, 1.0, 1.0), "grad_norm >= 0"),
    (steps.clipped_step, (1.0, -1.0, 1.0), "eta > 0"),
    (steps.clipped_step, (1.0, 1.0, 0.0), "gamma > 0"),
    (steps.normalized_step, (1.0, 1.0, 0.0), "beta > 0"),
    (steps.normalized_step, (1.0, 0.0, 1.0), "eta > 0"),
    (steps.clipped_to_normalized, (0.0, 1.0), "eta_c > 0"),
    (steps.clipped_to_normalized, (1.0, -2.0), "gamma > 0"),
    (steps.normalized_to_clipped, (1.0, 0.0), "beta > 0"),
    (steps.normalized_over_clipped, (1.0, 0.0), "gamma > 0"),
    (steps.clip_factor, (1.0, 0.0), "c > 0"),
    (steps.normalized_factor, (1.0, -1.0), "c > 0"),
    (steps.thm3_parameters, (0.0, 1.0), "L0 > 0"),
    (steps.thm3_parameters, (1.0, -1.0), "L1 >= 0"),
    (steps.thm6_step, (1.0, 1.0, -1.0), "M >= 0"),
    (steps.thm7_eta, (1.0, 0.0, 1.0, 10), "L1 > 0"),
    (steps.thm7_eta, (1.0, 1.0, -1.0, 10), "tau >= 0"),
    (steps.thm7_eta, (1.0, 1.0, 1.0, 0.5), "T >= 1"),
    (steps.thm7_step, (1.0, 1.0, 0.0, 1.0), "L1 > 0"),
    (steps.thm8_step, (1.0, 1.0, 1.0, 0), "T >= 1"),
    (steps.thm8_step, (1.0, -1.0, 1.0, 4), "M >= 0"),
    (steps.vankov_step, (1.0, 0.0, 1.0), "L0 > 0"),
    (steps.vankov_clipped_step, (1.0, 1.0, -1.0), "L1 >= 0"),
    (steps.li_constant_step, (1.0, 1.0, -1.0), "Delta >= 0"),
    (steps.li_constant_step, (0.0, 1.0, 1.0), "L0 > 0"),
]


@pytest.mark.parametrize("fn,args,condition", BAD, ids=[f"{b[0].__name__}-{b[2]}" for b in BAD])
def test_preconditions_raise(fn, args, condition):
    with pytest.raises(ValueError, match=re.escape(condition)):
        fn(*args)
