"""Checks of Thm 3, Thm 6 and the follow-up bounds (synthetic.checks.thm3 / thm6 / followup).

Closed forms on f = x²/2: GD with step h gives x_t = (1 − h)^t x0 and |f'(x_t)| = |x_t|, so
T_ε = ceil(log(ε/|x0|)/log|1 − h|) (the instances keep that ratio far from an integer).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from tolerances import ROUNDING_RTOL

from synthetic.checks import followup, thm3, thm6
from synthetic.runners import run_deterministic
from theory.functions import catalogue
from theory.expressions.objective import objective
from theory.records import VERDICTS
from theory.statements.steps import (clipped_step, normalized_step, thm6_step, vankov_clipped_step,
                          vankov_step)

QUAD = "x**2/2"


def closed_form_T(h: float, x0: float, eps: float) -> int:
    return math.ceil(math.log(eps / abs(x0)) / math.log(abs(1 - h)))


@pytest.fixture(scope="module")
def quick():
    return {m.__name__.rsplit(".", 1)[1]: m.run(m.QUICK) for m in (thm3, thm6, followup)}


# ---- step-rule identities used to run the follow-up steps on the existing runners ----------

@pytest.mark.parametrize("L0, L1", [(1.0, 1.0), (16.0, 0.5), (0.25, 3.0), (1536.0, 4.0)])
def test_vankov_steps_are_normalized_and_clipped_steps(L0, L1):
    g = np.concatenate([[0.0], np.logspace(-6, 8, 200)])
    method, p = followup.runner_parameters("vankov", L0, L1, 1.0)
    assert method == "normalized"
    np.testing.assert_allclose(normalized_step(g, p["eta"], p["beta"]), vankov_step(g, L0, L1),
                               rtol=ROUNDING_RTOL)
    method, p = followup.runner_parameters("vankov_clipped", L0, L1, 1.0)
    assert method == "clipped"
    np.testing.assert_allclose(clipped_step(g, p["eta"], p["gamma"]),
                               vankov_clipped_step(g, L0, L1), rtol=ROUNDING_RTOL)


def test_vankov_steps_with_L1_zero_are_fixed_steps():
    assert followup.runner_parameters("vankov", 4.0, 0.0, 1.0) == ("gd", {"h": 0.25})
    assert followup.runner_parameters("vankov_clipped", 4.0, 0.0, 1.0) == ("gd", {"h": 0.125})
    with pytest.raises(ValueError, match="unknown rule"):
        followup.runner_parameters("adam", 1.0, 1.0, 1.0)


# ---- exact counts on the quadratic ------------------------------------------------------------

@pytest.mark.parametrize("L1, eps", [(0.0, 1e-2), (1.0, 1e-2), (1.0, 3e-3)])
def test_thm6_count_matches_closed_form(L1, eps):
    rec = thm6.check_instance(QUAD, 1.0, L1, 5.0, eps, f_star=0.0)
    h = thm6_step(1.0, L1, 5.0)  # M = |x0| = 5 on {x²/2 <= 12.5}
    assert rec.params["M"] == 5.0 and rec.params["M_certified"] and rec.params["h"] == h
    assert rec.measured == closed_form_T(h, 5.0, eps)
    assert rec.bound == pytest.approx(4 * (5 * L1 + 1) * 12.5 / eps**2, rel=ROUNDING_RTOL)
    assert rec.verdict == "pass" and rec.mark == "reconstructed" and rec.theorem == "Thm 6"
    assert rec.extra["ratio"] == pytest.approx(rec.measured / rec.bound, rel=ROUNDING_RTOL)


def test_thm3_count_matches_closed_form_when_never_clipped():
    # L1 = 0: η = 0.1, γ = 10 L0 = 10 > |f'(x_t)|, so clipped GD is GD with h = 0.1
    rec = thm3.check_instance(QUAD, 1.0, 0.0, 5.0, 1e-2, f_star=0.0)
    assert rec.params["eta"] == 0.1 and rec.params["gamma"] == 10.0
    assert rec.measured == closed_form_T(0.1, 5.0, 1e-2) == 59
    assert rec.bound == pytest.approx(20 * 12.5 / 1e-4 + 20 * 12.5, rel=ROUNDING_RTOL)
    assert rec.verdict == "pass" and rec.check_id == "thm3/custom/L1=0/x0=5/eps=0.01"


def test_vankov_counts_and_integer_reading_of_the_bound():
    rec = followup.check_instance(QUAD, "vankov", 1.0, 0.0, 5.0, 1e-2, f_star=0.0)
    assert rec.measured == 1  # h = 1/L0 = 1 lands on the minimiser
    V = 2 * 12.5 / 1e-4
    assert rec.bound == math.ceil(V) - 1 and rec.extra["V"] == pytest.approx(V)
    rec = followup.check_instance(QUAD, "vankov_clipped", 1.0, 0.0, 5.0, 1e-2, f_star=0.0)
    assert rec.measured == closed_form_T(0.5, 5.0, 1e-2) and rec.verdict == "pass"


def test_li_step_record_is_shape_only():
    rec = followup.check_instance(QUAD, "li", 1.0, 1.0, 5.0, 1e-2, f_star=0.0)
    assert rec.verdict == "shape-only" and rec.bound is None and rec.bound_kind == "none"
    assert rec.status == "converged" and rec.mark == "follow-up"
    assert rec.measured == closed_form_T(rec.params["h"], 5.0, 1e-2)


def test_batched_counts_equal_single_runs():
    obj = objective("x**4")
    jobs = [{"method": "clipped", "params": {"eta": 1 / (10 * L0), "gamma": g}, "x0": x0,
             "bound": 1e9} for L0, g, x0 in [(16.0, 16.0, 3.0), (4.0, 2.0, 9.0), (64.0, 1.0, 1.0)]]
    batched = thm3.run_batch(obj, 1e-1, jobs, cap=50_000)
    for job, out in zip(jobs, batched):
        single = run_deterministic(obj, [job["x0"]], "clipped", 1e-1, max_iter=50_000,
                                   **job["params"])
        assert out.status == "converged" and out.measured == single.iterations[0]


# ---- negative controls: each must fail -----------------------------------------------------

def test_thm6_step_above_two_over_L_fails():
    rec = thm6.check_instance(QUAD, 1.0, 0.0, 5.0, 1e-2, f_star=0.0, step_override=2.5)
    assert rec.status == "diverged" and rec.measured == math.inf
    assert rec.verdict == "fail" and rec.params["step_override"]


def test_thm3_understated_constants_fail():
    # claimed (L0, L1) = (1/100, 1/1000) for x²/2 (true (1, 0)): η = 10, γ = 0.1, so from 0.5
    # the iterate jumps between ±0.5 forever; the cap (1.01·bound + 10) exceeds the bound
    rec = thm3.check_instance(QUAD, 0.01, 0.001, 0.5, 0.1, f_star=0.0)
    assert rec.bound == pytest.approx(252.5, rel=ROUNDING_RTOL)
    assert rec.status == "max_iter" and rec.measured > rec.bound
    assert rec.verdict == "fail"


def test_thm3_understated_L1_alone_is_not_detected():
    """A limit of this check's power, not a pass to be proud of: with L0 intact, L1/1000 on
    construction-A (true L1 = 1) keeps the clipped step length <= 1 and the run converges in
    ~30 steps, far below the loose reconstructed bound (~2e4)."""
    x0 = 1 + math.log(10.0)
    rec = thm3.check_instance(catalogue.get("construction-A").expression, 1.0, 1e-3, x0, 0.1,
                              f_star=0.5)
    assert rec.verdict == "pass" and rec.extra["ratio"] < 1e-2


@pytest.mark.parametrize("rule", ["vankov", "li"])
def test_followup_understated_L0_fails(rule):
    rec = followup.check_instance(QUAD, rule, 0.25, 0.0, 5.0, 1e-2, f_star=0.0)  # h = 4
    assert rec.status == "diverged" and rec.verdict == "fail"


def test_censored_run_below_the_bound_is_inconclusive():
    rec = thm3.check_instance("x**4", 16.0, 1.0, 3.0, 1e-3, f_star=0.0, cap=5)
    assert rec.status == "max_iter" and rec.measured == 5 < rec.bound
    assert rec.verdict == "inconclusive" and rec.censored


def test_bad_start_raises():
    with pytest.raises(ValueError, match="f_star"):
        thm3.check_instance(QUAD, 1.0, 1.0, 1.0, 1e-2, f_star=1.0)


# ---- the QUICK runs ------------------------------------------------------------------------

def test_quick_records_are_well_formed(quick):
    for name, records in quick.items():
        assert records, name
        ids = [r.check_id for r in records]
        assert len(ids) == len(set(ids)), name
        for r in records:
            assert r.verdict in VERDICTS and r.check_id.startswith(
                "followup/" if name == "followup" else name + "/")
            assert "ratio" in r.extra and r.status in ("converged", "diverged", "max_iter")
            assert r.quantity in ("iterations", "witness-iterations")
            assert r.censored == (r.status == "max_iter")
            if r.bound_kind == "upper":
                assert math.isfinite(r.bound) and r.bound > 0
                assert r.extra["ratio"] == pytest.approx(r.measured / r.bound)
            else:
                assert r.bound is None and r.verdict in ("shape-only", "inconclusive", "fail")
            assert r.mark == {"thm3": "reconstructed", "thm6": "reconstructed"}.get(
                name, "follow-up")
            if r.status == "max_iter":
                assert r.verdict in ("inconclusive", "fail")
    # the reconstructed bounds hold on the QUICK instances (a fail here is a finding)
    assert all(r.verdict != "fail" for rs in quick.values() for r in rs)
    assert sum(r.verdict == "pass" for r in quick["thm3"]) == len(quick["thm3"])


def test_units_and_progress_agree():
    calls = []
    records = thm3.run(thm3.QUICK, progress=calls.append)
    assert len(calls) == len(records) == thm3.units(thm3.QUICK)
    # catalogue records plus the witnesses' (two kinds per rule and instance)
    assert thm6.units(thm6.QUICK) == 12 + 2 and followup.units(followup.QUICK) == 36 + 4
    for module in (thm6, followup):
        calls = []
        assert len(module.run(module.QUICK, progress=calls.append)) == len(calls) == \
            module.units(module.QUICK)


def test_unknown_entry_raises():
    with pytest.raises(ValueError, match="unknown catalogue id"):
        thm3.run(thm3.Config(entries=("no-such-entry",)))
    with pytest.raises(ValueError, match="univariate"):
        thm6.run(thm6.Config(entries=("exponential",)))  # its declared L0 are 0 or None
