"""The Thm 7 witness (synthetic.checks._witness_sgd): adversarial noise, exact simulation, counts.

Seeds are stated per test. Margins: exact identities are compared exactly or to rounding; the
adversarial law's minimality is a deterministic inequality (no seed can make it pass); the
statistical comparisons allow 6 standard errors computed from the samples themselves, and the
count window is 2 steps (first-passage overshoot and median-vs-mean offset, O(1 + τ²/s²)) plus
6 standard errors of the median, against a prediction that is ~1 step off on every instance.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate, optimize

from tolerances import EXACT_RTOL, ROUNDING_RTOL
from synthetic.checks import _witness_sgd as W
from synthetic.checks import thm7
from synthetic.stochastic import NOISES, run_stochastic, two_point_atoms, two_point_law
from theory.expressions.objective import objective
from theory.functions.toolkit import expression
from theory.statements.bounds import thm7_bound
from theory.statements.steps import thm7_eta

SEED = 7107


def _setup(inst):
    """(construction, pieces, step parameters, horizon T) of a witness instance, as the check."""
    L0, L1, tau, eps, Delta = inst
    c, report, pieces = W._bowl(L0, L1, eps, Delta)
    T = math.ceil(thm7_bound(L0, L1, tau, eps, report.Delta).value)
    return c, pieces, thm7.clipped_parameters(thm7_eta(L0, L1, tau, T), L1, tau), T


@pytest.fixture(scope="module")
def records():
    return thm7.witness_records(thm7.FULL.witnesses)


def test_two_point_law_is_exactly_unbiased_and_bounded():
    """The adversarial law of every witness: mean exactly 0 (rational arithmetic on the doubles
    returned) and atoms within [−τ, τ]; its sampler draws only those atoms, along the axis."""
    for inst in W.SGD_WITNESSES:
        c, _, params, _ = _setup(inst)
        tau, s = inst[2], float(c.params["slope"])
        a, b, _ = W.adversarial_law(s, tau, params)
        (lo, hi), (p_lo, p_hi) = two_point_atoms(a, b)
        assert Fraction(lo) * Fraction(p_lo) + Fraction(hi) * Fraction(p_hi) == 0
        assert Fraction(p_lo) + Fraction(p_hi) == 1
        assert -tau <= lo <= 0 <= hi <= tau
        xi = two_point_law(a, b, axis=1)(np.random.default_rng(SEED), 20_000, 2)
        assert set(np.unique(xi[:, 1])) <= {lo, hi} and not xi[:, 0].any()
    # an asymmetric law: mean 0 up to the two roundings of p₋, p₊ (|mean| <= 2 ulp(max(a, b)))
    (lo, hi), (p_lo, p_hi) = two_point_atoms(0.03, 0.1)
    assert abs(Fraction(lo) * Fraction(p_lo) + Fraction(hi) * Fraction(p_hi)) <= \
        2 * math.ulp(0.1)
    assert two_point_atoms(0.0, 0.0) == ((0.0, 0.0), (1.0, 0.0))
    with pytest.raises(ValueError, match="a, b >= 0"):
        two_point_atoms(-0.1, 0.1)


@pytest.mark.parametrize("inst", W.SGD_WITNESSES)
def test_adversarial_law_is_the_worst_bounded_unbiased_law(inst):
    """The defining property: m(s) is at most the expected progress of the ±τ law, of the
    uniform law and of every two-point law of a grid and 200 random ones (seeded), at the
    slope s and at ε; it equals the chord ½ψ(s − τ) + ½ψ(s + τ) (concavity, module docstring).
    Where the clip engages it is strictly below the uniform law's and the noiseless step's;
    where it does not, every law ties at ηs."""
    c, _, params, _ = _setup(inst)
    tau, eps = inst[2], inst[3]
    rng = np.random.default_rng(SEED)
    laws = [(a, b) for a in np.linspace(0, tau, 21) for b in np.linspace(0, tau, 21)]
    laws += [tuple(v) for v in rng.uniform(0, tau, (200, 2))]
    for s in (float(c.params["slope"]), eps):
        a, b, m = W.adversarial_law(s, tau, params)
        assert (a, b) == (tau, tau)
        chord = 0.5 * (W.progress(s - tau, params) + W.progress(s + tau, params))
        assert m == pytest.approx(chord, rel=EXACT_RTOL)
        slack = EXACT_RTOL * abs(m)
        assert all(m <= W.expected_progress(s, la, lb, params) + slack for la, lb in laws)
        uniform, noiseless = W.uniform_progress(s, tau, params), float(W.progress(s, params))
        assert m <= uniform + slack and uniform <= noiseless + slack
        clip = params["gamma"] - params["offset"]  # h = η exactly for |g| <= γ − τ
        if s + tau > clip:
            assert m < uniform * (1 - 1e-3) and uniform < noiseless
        else:
            assert m == pytest.approx(params["eta"] * s, rel=ROUNDING_RTOL)
            assert uniform == pytest.approx(m, rel=ROUNDING_RTOL)


def test_the_clip_cannot_engage_where_the_sqrt_T_term_binds():
    """Where 4Δ'²/ε⁴ is the largest term, 16L1(s + 2τ)η <= (1 + δ)/4 + 1/4 < 1 (module
    docstring): the first two instances, with Δ' recomputed from docs/statements.md §4."""
    for inst in W.SGD_WITNESSES[:2]:
        L0, L1, tau, eps, Delta = inst
        c, _, params, T = _setup(inst)
        dp = Delta + (5 * L0 + 2 * L1 * tau) * tau**2 + 9 * tau * L0**2 / L1
        terms = (128 * L1 / eps, 4 * dp / eps**4, (80 * L0 + 512 * L1 * tau) / eps**2)
        assert max(terms) == terms[1] and T == math.ceil(dp * terms[1])
        s = float(c.params["slope"])
        assert 16 * L1 * (s + 2 * tau) * params["eta"] <= (s / eps) / 4 + 1 / 4 < 1


def test_simulation_equals_run_stochastic_step_for_step():
    """A constant oracle error (deterministic): the exact simulation and run_stochastic on the
    witness's Piecewise objective give the same T_ε and the same final iterate, bit for bit."""
    inst = W.SGD_WITNESSES[2]
    c, pieces, params, T = _setup(inst)
    tau, eps = inst[2], inst[3]
    obj = objective(expression(c))
    for xi in (0.0, tau / 2, -tau / 2, tau, -tau):
        noise = lambda rng, n, d, xi=xi: np.full((n, d), xi)  # noqa: E731
        ours = W.hitting_times(pieces, float(c.x0), eps, params, noise, tau,
                               np.random.default_rng(0), runs=1, cap=T)
        loop = run_stochastic(obj, [float(c.x0)], "clipped-sgd", eps, noise,
                              np.random.default_rng(0), runs=1, max_iter=T, **params)
        assert ours.iterations[0] == loop.iterations[0] > 0 and ours.status[0] == "converged"
        assert ours.final_x[0, 0] == loop.final_x[0, 0]


def test_simulation_has_run_stochastic_s_law_of_counts():
    """±τ noise, 400 runs each (seeds SEED, SEED + 1): the mean hitting times agree within 6
    standard errors of their difference (computed from the two samples)."""
    inst = W.SGD_WITNESSES[2]
    c, pieces, params, T = _setup(inst)
    tau, eps, n = inst[2], inst[3], 400
    ours = W.hitting_times(pieces, float(c.x0), eps, params, two_point_law(tau, tau), tau,
                           np.random.default_rng(SEED), runs=n, cap=T).iterations
    loop = run_stochastic(objective(expression(c)), [float(c.x0)], "clipped-sgd", eps,
                          two_point_law(tau, tau), np.random.default_rng(SEED + 1), runs=n,
                          max_iter=T, **params).iterations
    assert ours.min() > 0 and loop.min() > 0
    se = math.sqrt(ours.var(ddof=1) / n + loop.var(ddof=1) / n)
    assert abs(ours.mean() - loop.mean()) <= 6 * se, (ours.mean(), loop.mean(), se)


def test_adversarial_noise_slows_the_walk_where_the_clip_engages():
    """Clip-engaged instance, 400 runs per law (seed SEED): the adversarial law's mean T_ε
    exceeds the uniform law's by the gap predicted from the expected progress on the slope,
    within 6 standard errors (the gap itself is ~50 of them)."""
    inst = W.SGD_WITNESSES[2]
    c, pieces, params, T = _setup(inst)
    tau, eps, n = inst[2], inst[3], 400
    s = float(c.params["slope"])
    m_adv, m_uni = W.adversarial_law(s, tau, params)[2], W.uniform_progress(s, tau, params)
    runs = {}
    for name, noise in (("adversarial", two_point_law(tau, tau)),
                        ("uniform", NOISES["uniform-ball"](tau))):
        runs[name] = W.hitting_times(pieces, float(c.x0), eps, params, noise, tau,
                                     np.random.default_rng(SEED), runs=n, cap=T).iterations
    se = math.sqrt(sum(v.var(ddof=1) for v in runs.values()) / n)
    gap = runs["adversarial"].mean() - runs["uniform"].mean()
    predicted = (float(c.x0) - c.params["w"]) * (1 / m_adv - 1 / m_uni)
    assert predicted > 8 * se and abs(gap - predicted) <= 6 * se, (gap, predicted, se)


def _predicted_count(r):
    """(x0 − w)/m(s) + ∫_{x_ε}^{w} dx/m(f'(x)): the walk's drift on the slope and in the bowl
    under the record's law (x_ε: f'(x_ε) = ε, by brentq)."""
    p = r.params
    c, _, pieces = W._bowl(p["L0"], p["L1"], p["eps"], p["class_Delta"])
    step = {k: p[k] for k in ("eta", "gamma", "offset")}
    a, b = -p["law"]["atoms"][0], p["law"]["atoms"][1]
    m = lambda g: W.expected_progress(g, a, b, step)  # noqa: E731
    w, bowl = float(c.params["w"]), pieces[1].grad
    x_eps = optimize.brentq(lambda x: bowl(x) - p["eps"], 0.0, w, xtol=1e-15)
    inside, _ = integrate.quad(lambda x: 1 / m(bowl(x)), x_eps, w)
    return (float(c.x0) - w) / m(float(c.params["slope"])) + inside


def test_witness_records_pass_with_ratio_in_a_computed_window(records):
    """Each record passes, certified; its median is the predicted count within 2 + 6 SE steps
    (SE of the median from the interquartile range); so its ratio lies in that window around
    predicted/bound, below the analytic ratio Δ/(ε m(ε))/bound; in the 1/√T regime the
    analytic ratio is Δ√T/(ε² bound) = Δ/(2Δ') up to the ceiling of T."""
    assert [r.params["tau"] for r in records] == [w[2] for w in thm7.FULL.witnesses]
    for r in records:
        p = r.params
        assert r.verdict == "pass" and not r.censored and r.status == "converged", r.notes
        assert r.quantity == "witness-iterations" and r.extra["witness"]["certified"]
        assert r.check_id.startswith("thm7/witness/adversarial/B_delta/L0=")
        assert r.extra["converged_fraction"] == 1.0 and p["T"] == math.ceil(r.bound)
        se = 1.2533 * (r.extra["q75"] - r.extra["q25"]) / 1.349 / math.sqrt(p["runs"])
        window = 2 + 6 * se
        predicted = _predicted_count(r)
        assert abs(r.measured - predicted) <= window, (r.check_id, r.measured, predicted)
        assert abs(r.extra["ratio"] - predicted / r.bound) <= window / r.bound
        assert r.measured <= r.extra["analytic_sup"] + window
        assert r.extra["analytic_ratio"] == pytest.approx(r.extra["analytic_sup"] / r.bound)
        if p["step_term"] == "1/sqrt(T)" and not p["clip_engaged"]:
            L0, L1, tau, eps, Delta = (p[k] for k in ("L0", "L1", "tau", "eps", "Delta"))
            dp = Delta + (5 * L0 + 2 * L1 * tau) * tau**2 + 9 * tau * L0**2 / L1
            sqrt_law = Delta * math.sqrt(p["T"]) / (eps**2 * r.bound)  # η = 1/√T, m = ηε
            assert r.extra["analytic_ratio"] == pytest.approx(sqrt_law, rel=ROUNDING_RTOL)
            assert r.extra["analytic_ratio"] == pytest.approx(Delta / (2 * dp), rel=1 / p["T"])
    assert any(r.params["clip_engaged"] for r in records)
    assert any(r.params["step_term"] == "1/sqrt(T)" and not r.params["clip_engaged"]
               for r in records)


def test_same_seed_same_record_and_a_failing_witness_is_a_finding():
    inst = W.QUICK_SGD_WITNESSES[0]
    a = W.witness_record(inst, thm7_bound, thm7.clipped_parameters, runs=50, seed=[3, 7, 0])
    b = W.witness_record(inst, thm7_bound, thm7.clipped_parameters, runs=50, seed=[3, 7, 0])
    assert a.to_dict() == b.to_dict()
    low = W.witness_record(inst, thm7_bound, thm7.clipped_parameters, runs=50, seed=[3, 7, 0],
                           bound_value=lambda bd: 0.5 * a.measured)
    assert low.measured == a.measured and low.verdict == "fail"
    assert low.notes.startswith("FINDING:")
