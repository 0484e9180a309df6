"""Thm 7 (clipped SGD, reconstructed bound) and Thm 8 (SGD, bound not recovered) checks.

Seeds are fixed per test; the verdict tests have margins of orders of magnitude (honest medians
sit ~1e-2 of the bound; the negative control's steps are 1000x too small), so no test depends on
a lucky seed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from tolerances import ROUNDING_RTOL
from synthetic.checks import thm7, thm8
from synthetic.stochastic import NOISES, run_stochastic
from theory.statements.bounds import thm7_bound
from theory.functions.catalogue import get
from theory.expressions.objective import objective
from theory.records import ResultRecord
from theory.statements.steps import thm7_step, thm8_step

SEED = 7031


def test_runner_parameters_reproduce_thm7_step():
    """One clipped-SGD step with γ = 1/(16 L1 η), offset = τ equals x - thm7_step(|g|)·g."""
    L1, tau, eta = 2.0, 0.3, 0.01
    x0 = np.array([0.05, 0.1, 2.0, 2.8, 3.1, 10.0, 1e3, -5.0])  # both branches of the min
    xi = np.where(np.arange(x0.size) % 2 == 0, tau, -tau).reshape(-1, 1)  # no run stops early
    fixed_noise = lambda rng, n, d: xi[:n]  # noqa: E731  (deterministic |ξ| = τ)
    res = run_stochastic(objective("x**2/2"), x0.reshape(-1, 1), "clipped-sgd", 1e-12,
                         fixed_noise, np.random.default_rng(0), runs=x0.size, max_iter=1,
                         **thm7.clipped_parameters(eta, L1, tau))
    g = x0 + xi[:, 0]
    h = thm7_step(np.abs(g), eta, L1, tau)
    assert np.any(h < eta) and np.any(h == eta)
    np.testing.assert_allclose(res.final_x[:, 0], x0 - h * g, rtol=ROUNDING_RTOL, atol=1e-15)


@pytest.mark.parametrize("name", sorted(NOISES))
@pytest.mark.parametrize("d", [1, 2])
def test_oracles_satisfy_assumption_5(name, d):
    """||g - ∇f|| = ||ξ|| <= τ for every draw, and E ξ = 0 within 6 standard errors."""
    for tau in (0.025, 0.5, 100.0):
        xi = NOISES[name](tau)(np.random.default_rng(SEED), 50_000, d)
        assert np.all(np.linalg.norm(xi, axis=1) <= tau * (1 + 1e-12))
        assert np.all(np.abs(xi.mean(axis=0)) <= 6 * tau / math.sqrt(xi.shape[0]))


def _progress_run(module, config):
    labels = []
    records = module.run(config, progress=labels.append)
    assert len(labels) == module.units(config)
    return records


def test_thm7_quick_records():
    records = _progress_run(thm7, thm7.QUICK)
    assert len(records) == thm7.units(thm7.QUICK) and all(isinstance(r, ResultRecord)
                                                          for r in records)
    assert len({r.check_id for r in records}) == len(records)
    for r in records:
        assert r.verdict in ("pass", "fail", "inconclusive")
        assert r.theorem == "Thm 7" and r.mark == "reconstructed" and r.bound_kind == "upper"
        assert math.isfinite(r.bound) and r.bound > 0 and r.measured > 0
        p = r.params
        assert p["T"] == math.ceil(r.bound) == p["max_iter"] and p["runs"] >= 50
        assert r.bound == thm7_bound(p["L0"], p["L1"], p["tau"], p["eps"], p["Delta"]).value
        assert r.extra["ratio"] == pytest.approx(r.measured / r.bound, rel=ROUNDING_RTOL)
        assert "reconstructed" in r.notes and "horizon T = ceil(bound)" in r.notes
    # an honest instance far inside the bound: the reconstructed Thm 7 bound holds
    assert {r.verdict for r in records} == {"pass"}


def test_thm8_quick_records_and_fits():
    records = _progress_run(thm8, thm8.QUICK)
    inst = [r for r in records if "/slope-vs-" not in r.check_id]
    fits = [r for r in records if "/slope-vs-" in r.check_id]
    cfg = thm8.QUICK
    assert len(inst) == thm8.units(cfg) and len(fits) == len(cfg.taus) + len(cfg.Ms)
    for r in records:
        assert r.verdict == "shape-only" and r.bound is None and r.bound_kind == "none"
        assert r.theorem == "Thm 8" and "not recovered" in r.notes.lower()
    for r in inst:
        p = r.params
        assert p["h"] == thm8_step(p["L1"], p["M"], p["tau"], p["T"]) and r.measured > 0
    for r in fits:
        assert math.isfinite(r.measured) and "larger M or τ" in r.notes
    # in the 1/(L1(M+τ)) regime the step is 1/M, so T_ε grows with M: positive slope
    assert all(r.measured > 0 for r in fits if "slope-vs-M" in r.check_id)


def test_same_seed_same_records_and_seed_matters():
    a = thm7.check_instance("extremal", 1.0, 1.0, 0.5, 1.0, "uniform-ball", seed=[3, 1])
    b = thm7.check_instance("extremal", 1.0, 1.0, 0.5, 1.0, "uniform-ball", seed=[3, 1])
    c = thm8.check_instance("extremal", 100.0, 10.0, 0.1, T=10_000, seed=5)
    d = thm8.check_instance("extremal", 100.0, 10.0, 0.1, T=10_000, seed=5)
    e = thm8.check_instance("extremal", 100.0, 10.0, 0.1, T=10_000, seed=6)
    assert a.to_dict() == b.to_dict() and c.to_dict() == d.to_dict()
    assert (c.measured, c.extra["q25"], c.extra["q75"]) != (e.measured, e.extra["q25"],
                                                            e.extra["q75"])


def test_negative_control_steps_too_small_fail():
    """Step built from an overstated L0 (x1000): every run is censored at T = ceil(bound), so the
    median is >= T + 1 > bound, a certain failure of the (honest) upper bound."""
    honest = thm7.check_instance("extremal", 1.0, 1.0, 0.1, 1.0, seed=SEED)
    control = thm7.check_instance("extremal", 1.0, 1.0, 0.1, 1.0, seed=SEED, step_L0=1000.0)
    assert honest.verdict == "pass" and control.bound == honest.bound
    assert control.verdict == "fail", control
    assert control.censored and control.measured == control.params["max_iter"] + 1
    assert control.measured > control.bound and "NEGATIVE CONTROL" in control.notes


def test_censored_below_the_bound_is_inconclusive_never_pass():
    r = thm7.check_instance("extremal", 1.0, 1.0, 0.5, 1.0, seed=SEED, max_iter=10)
    assert r.verdict == "inconclusive" and r.censored
    assert r.measured == 11 and r.extra["converged_fraction"] == 0.0 and r.measured < r.bound


@pytest.mark.parametrize("family", ["construction-A", "extremal"])
@pytest.mark.parametrize("M", [3.0, 10.0, 1000.0])
def test_closed_form_M_matches_a_dense_grid(family, M):
    """sup{|f'| : f <= f(x0)} on a dense grid (numeric) equals the closed form |f'(x0)| = M."""
    x0, _, _ = thm8.start_for_M(family, M)
    obj = objective(get(family).expression)
    xs = np.append(np.linspace(-2 * x0, 2 * x0, 200_001), [-x0, x0]).reshape(-1, 1)
    f, g = obj.value(xs), np.abs(obj.gradient(xs)[:, 0])
    inside = f <= obj.value(np.array([[x0]]))[0]
    assert np.abs(xs[inside, 0]).max() == pytest.approx(x0, rel=1e-4)  # sublevel set [-x0, x0]
    assert g[inside].max() == pytest.approx(M, rel=ROUNDING_RTOL)


def test_preconditions_raise():
    with pytest.raises(ValueError, match="declared finite L0"):
        thm7.declared_L0(get("quartic"), 0.0)
    with pytest.raises(ValueError, match="max_bound"):
        thm7.run(thm7.Config(instances=(("extremal", 1.0, (1.0,)),), max_bound=100.0))
    with pytest.raises(ValueError, match="noise"):
        thm7.check_instance("extremal", 1.0, 1.0, 0.5, 1.0, "gaussian")
    with pytest.raises(ValueError, match="L1 > 0"):
        thm7.check_instance("extremal", 1.0, 0.0, 0.5, 1.0)
    with pytest.raises(ValueError, match="M\\*L1 > L0"):
        thm8.start_for_M("construction-A", 0.5)
    with pytest.raises(ValueError, match="entry"):
        thm8.start_for_M("quartic", 10.0)


def test_thm7_quick_run_carries_the_witness_records_and_their_tightness():
    """The quick run ends with its B_δ witness records (synthetic.checks._witness_sgd); the
    report's summary picks their ratio and analytic ratio as Thm 7's tightness columns."""
    from synthetic import checkrun

    records = thm7.run(thm7.QUICK)
    witnesses = [r for r in records if r.quantity == "witness-iterations"]
    assert len(witnesses) == len(thm7.QUICK.witnesses) >= 1
    assert records[-len(witnesses):] == witnesses
    for r, inst in zip(witnesses, thm7.QUICK.witnesses):
        p = r.params
        assert (p["L0"], p["L1"], p["tau"], p["eps"], p["class_Delta"]) == inst
        assert r.check_id == (f"thm7/witness/adversarial/B_delta/L0={inst[0]:g},"
                              f"L1={inst[1]:g},tau={inst[2]:g},eps={inst[3]:g},"
                              f"Delta={inst[4]:g}")
        assert p["noise"] == "adversarial" and p["runs"] == thm7.QUICK.runs
        assert max(abs(v) for v in p["law"]["atoms"]) <= p["tau"]
        assert sum(p["law"]["probabilities"]) == 1
        assert p["seed"][0] == thm7.QUICK.seed and r.verdict == "pass"
    (row,) = checkrun.summary_rows([r.to_dict() for r in records])
    assert row["tightness_witness"] == max(r.extra["ratio"] for r in witnesses)
    assert row["tightness_analytic"] == max(r.extra["analytic_ratio"] for r in witnesses)
