"""Bounded-noise oracles and stochastic runners: bounds, unbiasedness, reduction to GD."""
from __future__ import annotations

import numpy as np
import pytest

from synthetic.runners import run_deterministic
from synthetic.stochastic import median_hitting_time, run_stochastic, two_point, uniform_ball
from theory.expressions.objective import objective

SEED = 20260


@pytest.mark.parametrize("make", [uniform_ball, two_point])
@pytest.mark.parametrize("d", [1, 3])
def test_noise_is_bounded_and_unbiased(make, d):
    tau, n = 0.7, 200_000
    xi = make(tau)(np.random.default_rng(SEED), n, d)
    assert xi.shape == (n, d) and np.all(np.linalg.norm(xi, axis=1) <= tau * (1 + 1e-12))
    # each coordinate has variance <= tau²; 6 standard errors: fails with probability ~1e-9
    assert np.all(np.abs(xi.mean(axis=0)) <= 6 * tau / np.sqrt(n))
    if make is two_point:
        assert np.allclose(np.linalg.norm(xi, axis=1), tau)


def test_zero_noise_reduces_to_deterministic_gd_and_clipping():
    obj = objective("x**4 - 3*x**2 + x")
    rng = np.random.default_rng(SEED)
    for method, det, params in [("sgd", "gd", {"h": 0.01}),
                                ("clipped-sgd", "clipped", {"eta": 0.1, "gamma": 2.0})]:
        s = run_stochastic(obj, 1.7, method, 1e-6, two_point(0.0), rng, runs=3, **params)
        d = run_deterministic(obj, 1.7, det, 1e-6, **params)
        assert list(s.iterations) == [d.iterations[0]] * 3 and set(s.status) == {"converged"}


def test_reproducible_for_a_seed_and_different_across_seeds():
    obj = objective("x**2/2")
    run = lambda seed: run_stochastic(obj, 5.0, "sgd", 0.05, uniform_ball(0.02),  # noqa: E731
                                      np.random.default_rng(seed), runs=20, h=0.1)
    a, b, c = run(1), run(1), run(2)
    assert np.array_equal(a.iterations, b.iterations) and not np.array_equal(a.iterations,
                                                                             c.iterations)


def test_median_hitting_time_and_censoring():
    obj = objective("x**2/2")
    r = run_stochastic(obj, 5.0, "sgd", 0.05, uniform_ball(0.02), np.random.default_rng(SEED),
                       runs=51, h=0.1)
    m = median_hitting_time(r)
    assert m is not None and m == np.median(r.iterations)
    # noise larger than eps keeps most runs from ever hitting: the median is unknown
    noisy = run_stochastic(obj, 5.0, "sgd", 1e-4, two_point(1.0), np.random.default_rng(SEED),
                           runs=51, h=0.5, max_iter=200)
    assert median_hitting_time(noisy) is None


def test_thm7_offset_form_of_the_clipped_step():
    """offset = tau turns the rule into min{eta, gamma*eta/(||g|| + tau)} (Thm 7's step)."""
    obj = objective("x**2/2")
    a = run_stochastic(obj, 3.0, "clipped-sgd", 1e-3, two_point(0.0), np.random.default_rng(0),
                       eta=1.0, gamma=0.5, offset=0.5, max_iter=1)
    # one step from x = 3, g = 3: h = min(1, 0.5/(3 + 0.5)) = 1/7
    assert a.final_x[0, 0] == pytest.approx(3 - 3 / 7, rel=1e-15)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(method="adam", h=1.0), "unknown method"), (dict(method="sgd"), "needs h"),
    (dict(method="clipped-sgd", eta=1.0, gamma=-1.0), "gamma must be > 0"),
])
def test_bad_input(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        run_stochastic(objective("x**2"), 1.0, eps=1e-3, noise=two_point(0.1),
                       rng=np.random.default_rng(0), **kwargs)


def test_noise_parameters_and_rng_type():
    with pytest.raises(ValueError):
        uniform_ball(-1.0)
    with pytest.raises(ValueError, match="Generator"):
        run_stochastic(objective("x**2"), 1.0, "sgd", 1e-3, two_point(0.1), 0, h=0.1)
