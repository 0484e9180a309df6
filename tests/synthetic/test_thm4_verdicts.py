"""Thm 4's verdicts on the hardest certified member per step (synthetic.checks.thm4).

A lower bound says that *some* member needs the bound's steps: a record passes when the
hardest certified member (HARD_MEMBERS) reaches it at that h and is inconclusive otherwise,
never ``fail`` from one member. A mutated bound (10× too large) shows the verdict can move.
"""
from __future__ import annotations

import dataclasses
import math

import pytest

from synthetic.checks import thm4
from theory.statements.worstcase import h_2c

SMALL = (1.0, 1.0, 10.0, 0.1, 10.0)
LARGE = (2.0, 4.0, 50.0, 0.1, 20.0)
INSTANCES = pytest.mark.parametrize("inst", [SMALL, LARGE], ids=["L0=1,L1=1", "L0=2,L1=4"])


def _steps(inst):
    """A few steps around the thresholds: tiny, moderate, just below h_2c (the hardest
    converging fixed step), at h_2c, at h_thr (A's threshold), and far above."""
    L0, L1, M, eps, Delta = inst
    hc = h_2c(L0, L1, M, Delta)
    thr = thm4.h_threshold(L0, L1, M)
    return [hc * 1e-2, hc * 0.3, hc * (1 - 1e-9), hc * (1 + 1e-6), thr, 10 * thr]


@INSTANCES
def test_every_step_passes_with_the_real_bound(inst):
    records = [thm4.lower_bound_record(*inst, h=h) for h in _steps(inst)]
    assert [r.verdict for r in records] == ["pass"] * len(records), \
        [(r.params["h"], r.params["construction"], r.measured, r.bound) for r in records]
    for r in records:
        assert r.bound_kind == "lower" and r.quantity == "iterations"
        assert r.measured >= r.bound and r.notes.endswith("reaches the bound")
        assert r.extra["minimax_1d"] is not None and r.extra["minimax_1d"] >= r.bound
        assert {c["name"] for c in r.extra["candidates"]} == set(thm4.HARD_MEMBERS)


@INSTANCES
def test_just_below_h2c_the_hardest_member_is_B_delta_at_three_times_the_bound(inst):
    L0, L1, M, eps, Delta = inst
    h = h_2c(L0, L1, M, Delta) * (1 - 1e-9)
    r = thm4.lower_bound_record(*inst, h=h)
    assert r.verdict == "pass" and r.params["construction"] == "B_delta"
    assert r.status == "converged" and math.isfinite(r.measured)
    assert r.measured / r.bound >= 3, r.measured / r.bound
    assert r.extra["ratio"] == pytest.approx(r.measured / r.bound)
    by_name = {c["name"]: c for c in r.extra["candidates"]}
    assert by_name["extremal"]["measured"] is None  # h < h_2c: the 2-cycle argument is silent
    assert all(by_name["B_delta"]["measured"] >= c["measured"]
               for c in by_name.values() if c["measured"] is not None)
    assert r.extra["minimax_1d"] >= r.bound


@INSTANCES
def test_above_h2c_the_extremal_never_converges(inst):
    L0, L1, M, eps, Delta = inst
    hc = h_2c(L0, L1, M, Delta)
    for h in (hc * (1 + 1e-6), 2 * hc, 100 * hc):
        r = thm4.lower_bound_record(*inst, h=h)
        assert r.params["construction"] == "extremal" and r.measured == math.inf
        assert r.status == "diverged" and r.verdict == "pass"
        assert r.extra["minimax_1d"] >= r.bound
        # once a certified member never converges, the others are not run
        assert all(c["status"] == "not used" for c in r.extra["candidates"][1:])


@pytest.fixture
def tenfold_bound(monkeypatch):
    """Mutation: thm4_bound returns a bound 10× too large (its alt_log form too)."""
    real = thm4.thm4_bound

    def inflated(*args, **kwargs):
        bound = real(*args, **kwargs)
        return dataclasses.replace(bound, value=bound.value * 10)
    monkeypatch.setattr(thm4, "thm4_bound", inflated)
    return real


@INSTANCES
def test_a_bound_ten_times_too_large_is_inconclusive_never_fail(inst, tenfold_bound):
    L0, L1, M, eps, Delta = inst
    records = [thm4.lower_bound_record(*inst, h=h) for h in _steps(inst)]
    verdicts = [r.verdict for r in records]
    assert "fail" not in verdicts, verdicts
    assert "inconclusive" in verdicts, verdicts  # the mutation is seen
    real = tenfold_bound(L0, L1, M, eps, Delta).value
    for r in records:
        assert r.bound == pytest.approx(10 * real)
        if r.verdict == "inconclusive":
            assert r.measured < r.bound and "no witness reaches the bound" in r.notes
        else:  # small steps (long counts) and T_ε = ∞ still reach a 10× bound
            assert r.measured >= r.bound
    # just below h_2c B_δ reaches ~4-5× the real bound, not 10×
    near = records[2]
    assert near.params["construction"] == "B_delta" and near.verdict == "inconclusive"


def test_quick_run_never_fails():
    records = thm4.run(thm4.QUICK)
    assert records
    assert not [r.check_id for r in records if r.verdict == "fail"]
    steps = [r for r in records if r.quantity == "iterations"]
    assert steps and all(r.bound_kind == "lower" for r in steps)
    members = [r for r in records if r.quantity == "membership"]
    assert len(members) == len(thm4.HARD_MEMBERS) * len(thm4.QUICK.instances)
