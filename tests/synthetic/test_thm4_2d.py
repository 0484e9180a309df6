"""Thm 4 in 2-D (synthetic.checks._thm4_2d, docs/statements.md §9): the min-max record and the
thresholds record, with negative controls."""
from __future__ import annotations

import dataclasses
import math

import pytest

from synthetic.checks import _thm4_2d as thm4_2d
from synthetic.checks import thm4
from theory.functions import cycle2d
from theory.statements.bounds import thm4_bound
from theory.statements.worstcase import h_2c

BIG = (1.0, 1.0, 1e4, 0.1, 2e4)   # Δ >= 1.533 M/L1 and M above the crossover: the 2-D case
SMALL = (2.0, 4.0, 50.0, 0.1, 20.0)  # M L1/L0 = 100 < crossover 122: the 1-D extremal wins


@pytest.fixture(scope="module")
def big_steps():
    L0, L1, M, eps, Delta = BIG
    h_cyc = thm4_2d.cycle_step(L0, L1, M, Delta)
    hs = [h_cyc * 0.5, h_cyc * (1 - 1e-9), h_cyc, h_cyc * 3]
    return thm4.lower_bound_records(*BIG, hs)


def test_fitted_member_fits_delta_and_binds():
    for L0, L1, M, eps, Delta in (BIG, SMALL, (1.0, 1.0, 10.0, 0.1, 10.0)):
        m_fit = thm4_2d.fitted_M(L0, L1, M, Delta)
        member = cycle2d.rescaled(L0, L1, m_fit)
        assert member.M_enclosure[1] <= M and member.Delta <= Delta  # certified, not just floats
        if cycle2d.rescaled(L0, L1, M).Delta > Delta:  # Δ binds: a larger M' would not fit
            assert cycle2d.rescaled(L0, L1, m_fit * (1 + 1e-9)).Delta > Delta
        else:
            assert m_fit == pytest.approx(M, rel=2 * thm4_2d.MARGIN)


def test_cycle_gradient_is_the_member_gradient_on_its_cycle():
    L0, L1, M, eps, Delta = BIG
    h = thm4_2d.cycle_step(L0, L1, M, Delta)
    member = cycle2d.rescaled(L0, L1, thm4_2d.fitted_M(L0, L1, M, Delta))
    g = math.hypot(*member.grad(member.cycle_points[0]))
    assert thm4_2d.cycle_gradient(L1, h) == pytest.approx(g, rel=1e-12)
    assert thm4_2d.never_converges(*BIG, h) and not thm4_2d.never_converges(*BIG, h * 0.999)
    # so large a step that the member cycling there has ||∇f|| <= ε: no witness
    h_flat = cycle2d.cycle_constant() * thm4_2d.CYCLE_GRADIENT / (
        L1 * eps * cycle2d.sublevel_M().value)
    assert not thm4_2d.never_converges(*BIG, h_flat * 1.01)
    assert thm4_2d.never_converges(*BIG, h_flat * 0.99)


def test_minimax_record_uses_the_cycle_above_and_1d_members_below(big_steps):
    rec = thm4_2d.minimax_record(*BIG, big_steps)
    h_cyc = rec.params["h_cycle"]
    for p, one in zip(rec.extra["per_h"], sorted(big_steps, key=lambda r: r.params["h"])):
        if p["h"] >= h_cyc:
            assert p["measured"] == math.inf and p["member"] == "cycle2d"
        else:
            assert p["measured"] == one.measured and p["member"] == one.params["construction"]
    # the minimum is just below the cycle step, where B_δ is slowest among the large steps
    assert rec.params["h"] == pytest.approx(h_cyc * (1 - 1e-9), rel=1e-12)
    bound = thm4_bound(*BIG).value
    assert rec.bound == bound and rec.verdict == "pass" and rec.measured >= bound
    assert rec.measured >= rec.extra["analytic_2d"] >= bound
    assert rec.extra["member"]["certified"]


def test_analytic_2d_over_the_bound_is_the_log_factor():
    """L1M'(Δ − 5ε/8)/(4cε²) over L1M(Δ − 5ε/8)/(8ε²(log M + 1)) = 2(log M + 1)/c·M'/M."""
    L0, L1, M, eps, Delta = BIG
    ratio = thm4_2d.analytic_2d(*BIG) / thm4_bound(*BIG).value
    M_fit = thm4_2d.fitted_M(L0, L1, M, Delta)
    assert ratio == pytest.approx(2 * (math.log(M) + 1) / cycle2d.cycle_constant() * M_fit / M,
                                  rel=1e-12)
    assert thm4_2d.analytic_2d(L0, L1, M, eps, 5 * eps / 8) is None


def test_analytic_2d_only_where_its_argument_covers_every_step():
    """(100, 1000, 32, 16, 1e5) is in Thm 4's class, but the 1-D threshold h_2c lies above
    h_flat, the step above which the cycling member's gradient is below ε: the steps between
    are covered by no never-converging member, so the estimate is not claimed there."""
    inst = (100.0, 1000.0, 32.0, 16.0, 1e5)
    L0, L1, M, eps, Delta = inst
    assert thm4_2d.cycle_step(L0, L1, M, Delta) < thm4_2d.flat_step(L1, eps) < \
        h_2c(L0, L1, M, Delta)
    assert thm4_2d.analytic_2d(*inst) is None
    assert thm4_2d.analytic_2d(*BIG) is not None
    with pytest.raises(ValueError, match="required"):
        thm4_2d.analytic_2d(L0, L1, M, 0.0, Delta)
    with pytest.raises(ValueError, match="required"):
        thm4_2d.cycle_gradient(L1, 0.0)


def test_minimax_record_refuses_records_of_another_instance(big_steps):
    with pytest.raises(ValueError, match="not a 1-D step record"):
        thm4_2d.minimax_record(*SMALL, big_steps)


def test_minimax_record_never_fails_from_one_member(big_steps):
    steps = sorted(big_steps, key=lambda r: r.params["h"])
    for fake, words in ((1.0, "no witness reaches"), (None, "no certified hard member")):
        # the smallest step's member replaced by one far below the bound, or by none
        weak = [dataclasses.replace(steps[0], measured=fake)] + steps[1:]
        rec = thm4_2d.minimax_record(*BIG, weak)
        assert rec.verdict == "inconclusive" and words in rec.notes


def test_thresholds_record_passes_on_the_certified_constant():
    rec = thm4_2d.thresholds_record()
    assert rec.verdict == "pass" and rec.measured == cycle2d.cycle_constant() >= math.pi
    assert rec.extra["orbit_return"] <= thm4_2d.RETURN_TOLERANCE
    assert all(c["holds"] for c in rec.extra["checks"].values())
    assert len(rec.extra["table"]) == len(thm4_2d.THRESHOLD_MS)
    for row in rec.extra["table"]:
        assert row["pi_limit"] <= row["h_cycle_2d"]
    crossing = [row["M"] for row in rec.extra["table"] if row["h_cycle_2d"] < row["h_2c_1d"]]
    assert min(crossing) >= rec.extra["crossover_M"]


@pytest.mark.parametrize("factor", [1.01, 0.5, 2.0, 3.0, 0.3])
def test_thresholds_negative_controls(factor):
    """A cycle constant off by 1 % or by 2-3x is caught: by the orbit (no 2-cycle there) or,
    below π, by the π limit."""
    rec = thm4_2d.thresholds_record(c=cycle2d.cycle_constant() * factor)
    assert rec.verdict == "fail" and "return to the cycle point" in rec.notes
    assert ("c >= π" in rec.notes) == (factor * cycle2d.cycle_constant() < math.pi)


@pytest.mark.parametrize("which, factor", [("M", 1.5), ("M", 0.7), ("K", 1.5), ("K", 0.9)])
def test_thresholds_catch_a_wrong_certificate(monkeypatch, which, factor):
    """A wrong M_F or K certificate moves c, the member and its cycle step together, so the
    orbit still returns (the errors cancel); the samples of F catch it."""
    if which == "M":
        real = cycle2d._default_M()
        monkeypatch.setattr(cycle2d, "_default_M", lambda: dataclasses.replace(
            real, value=real.value * factor,
            enclosure=tuple(e * factor for e in real.enclosure)))
    else:
        real = cycle2d._default_K()
        monkeypatch.setattr(cycle2d, "_default_K", lambda: dataclasses.replace(
            real, K_upper=real.K_upper * factor))
    rec = thm4_2d.thresholds_record()
    assert rec.extra["orbit_return"] <= thm4_2d.RETURN_TOLERANCE  # the orbit cannot see it
    assert rec.verdict == "fail" and "sampled" in rec.notes
