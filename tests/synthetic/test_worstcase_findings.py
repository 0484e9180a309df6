"""``synthetic worst-case`` on the cases adversarial testing found wrong (docs/statements.md
§5c, "Correction"): sign flips make the supremum a lower estimate, a "never converges" witness
must be one for the step given, and a censored count is not "never"."""
from __future__ import annotations

import json

from synthetic.cli import main
from synthetic.fastcount import gd_count
from theory.functions.constructions import extremal
from theory.functions.toolkit import gradient_pieces
from theory.statements.worstcase import h_2c


def _json(capsys, *argv) -> dict:
    assert main(["worst-case", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_flips_below_h_2c_give_a_lower_estimate(capsys):
    """h = h_2c − 2e-4 > h_2c/2: the extremal function needs 604 steps, Δ/c is 50."""
    args = ["--method", "gd", "--h", "1.98986716402", "--L0", "1", "--L1", "0.01", "--M", "1",
            "--eps", "0.1", "--delta", "0.497188"]
    out = _json(capsys, *args)
    assert out["exact"] is False and out["upper"] is None and out["flip_gradient"] is not None
    c = extremal(1.0, 0.01, 1.0)
    count = gd_count(gradient_pieces(c), float(c.x0), 0.1, lambda g: 1.98986716402)
    assert count.iterations > 5 * out["sup_T"]  # why sup_T can only be a lower estimate
    assert main(["worst-case", *args]) == 0
    assert "at least" in capsys.readouterr().out


def test_never_converges_only_for_a_witness_that_cycles_at_this_step(capsys):
    """h = h_2c(M')·(1 + 1e-12): a witness whose M was floored to 9 digits would have its own
    threshold above h and converge (28 steps); the witness's M keeps h >= h_2c(M)."""
    h = 1.0681174552310824
    out = _json(capsys, "--method", "gd", "--h", repr(h), "--L0", "1", "--L1", "1", "--M", "10",
                "--eps", "0.1", "--delta", "1")
    w = out["witness"]
    assert out["sup_T"] is None and w["name"] == "extremal" and w["iterations"] is None
    assert w["status"] == "never converges" and h >= h_2c(1.0, 1.0, w["M"])
    floored = int(w["M"] * 1e9) / 1e9  # the old choice: its threshold is above h
    assert h < h_2c(1.0, 1.0, floored)


def test_a_censored_count_is_not_never(capsys):
    out = _json(capsys, "--method", "gd", "--h", "1e-300", "--L0", "1", "--L1", "1", "--M",
                "10", "--eps", "0.1", "--delta", "10")
    w = out["witness"]
    assert w["iterations"] is None and w["status"] == "censored"
    assert w["iterations_at_least"] >= 10**6


def test_a_small_delta_takes_the_narrow_bowl(capsys):
    """Δ = 0.02 < 5sw/8 with w = 1/2 (the old refusal): the bowl w = 3s/(2L0) is a certified
    member (f'' <= 3s/(2w) = L0) and both witnesses answer; with the old width it would not
    fit (negative control on the arithmetic)."""
    from theory.functions.witnesses import bowl_member, walled_member

    L0, L1, M, eps, Delta = 10.0, 1.0, 1.0, 0.1, 0.02
    for make in (lambda: bowl_member(L0, L1, M, eps, Delta),
                 lambda: walled_member(L0, L1, M, eps, Delta)):
        c, report = make()
        s, w = c.params["slope"], c.params["w"]
        assert report.member and report.certified and report.Delta <= Delta
        assert abs(w - 1.5 * s / L0) < 1e-15 and 5 * s * 0.5 / 8 > Delta
    out = _json(capsys, "--rule", "thm3", "--L0", "10", "--L1", "1", "--M", "1", "--eps",
                "0.1", "--delta", "0.02")
    assert out["witness"]["certified"] and out["witness"]["iterations"] <= out["sup_T"] + 1


def test_an_unproved_cycle_is_censored_at_a_short_cap(capsys):
    """Clipped GD whose extremal witness has a 2-cycle gradient: the cycle is not exact in
    doubles, so its count is censored at EXTREMAL_CAP steps (it ran to a 30 s limit before),
    never reported as converged or as "never" without proof."""
    from synthetic.cli_worstcase import EXTREMAL_CAP

    out = _json(capsys, "--method", "clipped", "--eta", "0.5", "--gamma", "5", "--L0", "10",
                "--L1", "1", "--M", "100", "--eps", "0.1", "--delta", "5")
    w = out["witness"]
    assert out["sup_T"] is None and w["name"] == "extremal"
    assert w["status"] == "censored" and w["iterations_at_least"] == EXTREMAL_CAP
