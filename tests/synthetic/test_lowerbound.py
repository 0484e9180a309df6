"""Thm 4 records on the certified constructions, Remark 5's separation, and their commands."""
from __future__ import annotations

import json
import math
import os
from fractions import Fraction

import numpy as np
import pytest

from synthetic.checks import rem5, thm4
from synthetic.cli import main
from synthetic.checks.thm4 import h_grid, lower_bound_record
from synthetic.fastcount import gd_count
from theory.statements.steps import step_rule
from theory.statements.bounds import thm4_bound
from theory.functions.constructions import h_threshold

BASE = dict(L0=1.0, L1=1.0, M=10.0, eps=0.1, Delta=10.0)


def _candidate(record, name):
    return next(c for c in record.extra["candidates"] if c["name"] == name)


def test_small_step_uses_b_delta_and_b_follows_its_closed_form():
    thr = h_threshold(1.0, 1.0, 10.0)
    r = lower_bound_record(**BASE, h=thr / 2)  # below h_2c: the slopes are the hard members
    assert r.params["construction"] == "B_delta" and r.verdict == "pass"
    b = _candidate(r, "B")
    x0 = Fraction(b["x0"])  # the slope is left at the first x_k <= w = 1/2
    slope_steps = math.ceil((x0 - Fraction(1, 2)) / (Fraction(thr / 2) * Fraction(1, 5)))
    assert b["measured"] >= slope_steps and b["jumped"] == slope_steps
    assert r.measured > 1.9 * b["measured"]  # slope 1.01ε against 2ε: about 4x
    assert r.bound == pytest.approx(thm4_bound(1, 1, 10, 0.1, 10).value)


def test_large_step_uses_the_extremal_function_which_never_converges():
    r = lower_bound_record(**BASE, h=1.5 * h_threshold(1.0, 1.0, 10.0))
    assert r.params["construction"] == "extremal" and r.measured == math.inf
    assert r.extra["iterations"] is None and r.status == "diverged" and r.verdict == "pass"
    assert _candidate(r, "A")["status"] == "not used"  # one certified never-converging member


def test_one_member_below_a_lower_bound_is_not_a_fail():
    """The former FINDING: at h = 0.05, L1 > L0, construction B needs fewer steps than the
    reconstructed bound; a lower bound needs only *some* member: the extremal function never
    converges there (h > h_2c), so the record passes, and no record can ever say fail."""
    r = lower_bound_record(2.0, 4.0, 50.0, 0.1, 20.0, h=0.05)
    c, report, pieces = thm4.certified_member("B", 2.0, 4.0, 50.0, 0.1, 20.0)
    b = gd_count(pieces, float(c.x0), 0.1, step_rule("gd", h=0.05))
    assert report.certified and b.iterations == 10_010 < r.bound  # B alone 'fails' the bound
    assert r.verdict == "pass" and r.params["construction"] == "extremal"
    assert _candidate(r, "B")["status"] == "not used"


def test_a_member_outside_the_class_is_not_used():
    r = lower_bound_record(1.0, 1.0, 10.0, 0.1, 5.0, h=2 * h_threshold(1.0, 1.0, 10.0))
    report = thm4.certified_member("A", 1.0, 1.0, 10.0, 0.1, 5.0)[1]
    assert not report.member  # Δ_A = 9.5 > 5
    assert r.params["construction"] == "extremal" and r.verdict == "pass"
    low = lower_bound_record(1.0, 1.0, 10.0, 0.1, 5.0, h=h_threshold(1.0, 1.0, 10.0) / 2)
    a = _candidate(low, "A")  # below h_2c the extremal converges: A is looked at, not run
    assert a["certified"] is False and a["status"] == "not a member"


def test_bound_out_of_reach_is_inconclusive_never_fail(monkeypatch):
    """A bound 100x too large: no certified member reaches it below h_2c (inconclusive)."""
    import dataclasses
    real = thm4.thm4_bound
    monkeypatch.setattr(thm4, "thm4_bound", lambda *a, **k: dataclasses.replace(
        real(*a, **k), value=100 * real(*a, **k).value))
    r = lower_bound_record(**BASE, h=h_threshold(1.0, 1.0, 10.0) / 2)
    assert r.verdict == "inconclusive" and "no witness reaches the bound" in r.notes


def test_censored_counts():
    h = h_threshold(1.0, 1.0, 10.0) / 10
    bound = thm4_bound(1, 1, 10, 0.1, 10).value
    low = lower_bound_record(**BASE, h=h, max_iter=int(bound) - 10)
    high = lower_bound_record(**BASE, h=h, max_iter=int(bound) + 10)
    assert low.status == high.status == "max_iter"
    assert low.verdict == "inconclusive" and high.verdict == "pass"


def test_grid_spans_six_decades_and_contains_the_threshold():
    hs = h_grid(1.0, 1.0, 10.0, 25)
    thr = h_threshold(1.0, 1.0, 10.0)
    assert np.log10(hs.max() / hs.min()) >= 6 - 1e-9 and np.any(hs == thr)


def test_thm4_quick_check_records():
    records = thm4.run(thm4.QUICK)
    members = [r for r in records if "/member/" in r.check_id]
    assert {r.verdict for r in members if not r.check_id.endswith("extremal")} == {"pass"}
    steps = [r for r in records if "/h=" in r.check_id]
    assert len(steps) >= 2 * thm4.QUICK.points
    assert all(r.mark == "reconstructed" and r.bound_kind == "lower" for r in steps)
    assert all(r.verdict == "pass" for r in steps)  # every instance, every step
    assert all(r.measured >= 3 * r.bound for r in steps)  # by at least 3x
    assert all(r.extra["minimax_1d"] >= r.bound for r in steps)


def test_rem5_separation_grows_and_a_flat_separation_fails():
    records = rem5.run(rem5.QUICK)
    summary = records[-1]
    ratios = summary.extra["separations"]
    assert summary.verdict == "pass" and all(np.diff(ratios) > 0)
    assert all(r.verdict == "shape-only" for r in records[:-1])
    flat = rem5.summary_record([10, 100, 1000], [2.0, 2.0, 2.1], summary.extra["predicted"], {})
    assert flat.verdict == "fail"  # negative control: no separation
    uncertified = rem5.summary_record([10, 100, 1000], ratios, summary.extra["predicted"], {},
                                      certified=False)
    assert uncertified.verdict == "inconclusive"


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lower_bound_cli_json_fields(capsys):
    code, out, _ = run_cli(capsys, "lower-bound", "--L0", "1", "--L1", "1", "--M", "10",
                           "--eps", "0.1", "--delta", "10", "--grid", "5", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 5
    for row in rows:
        assert {"h", "construction", "iterations", "bound", "verdict"} <= set(row)
        assert row["construction"] in thm4.HARD_MEMBERS
        assert (row["iterations"] is None) == (row["construction"] in ("A", "extremal"))


@pytest.mark.parametrize("argv,match", [
    (["--L0", "0", "--L1", "1", "--M", "10", "--eps", "0.1", "--delta", "10", "--h", "1"], "L0"),
    (["--L0", "1", "--L1", "1", "--M", "10", "--eps", "0", "--delta", "10", "--h", "1"], "eps"),
    (["--L0", "1", "--L1", "1", "--M", "1", "--eps", "0.1", "--delta", "10", "--h", "1"], "M"),
    (["--L0", "1", "--L1", "1", "--M", "10", "--eps", "0.1", "--delta", "10"], "exactly one"),
    (["--L0", "1", "--L1", "1", "--M", "10", "--eps", "0.1", "--delta", "10", "--h", "1",
      "--grid", "3"], "exactly one"),
    (["--L0", "1", "--L1", "1", "--M", "10", "--eps", "0.5", "--delta", "10", "--h", "1"],
     "eps <= L0/6"),
    (["--L0", "1", "--L1", "1", "--M", "10", "--eps", "0.1", "--delta", "10", "--h", "-1"], "h"),
    (["--L0", "1", "--L1", "1", "--M", "10", "--eps", "x", "--delta", "10", "--h", "1"], "number"),
])
def test_lower_bound_cli_bad_input(capsys, argv, match):
    code, out, err = run_cli(capsys, "lower-bound", *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and match in err


def test_check_cli_writes_and_resumes(capsys, tmp_path):
    out = tmp_path / "chk"
    code, text, _ = run_cli(capsys, "check", "--quick", "--only", "rem5", "--out", str(out))
    assert code == 0 and "rem5" in text
    for name in ("records.jsonl", "config.json", "env.json", "parts/rem5.jsonl"):
        assert (out / name).exists()
    part = out / "parts" / "rem5.jsonl"
    before = os.stat(part).st_mtime_ns
    code, text, _ = run_cli(capsys, "check", "--quick", "--only", "rem5", "--out", str(out),
                            "--json")
    assert code == 0 and os.stat(part).st_mtime_ns == before  # kept, not recomputed
    assert json.loads(text)["summary"][0]["check"] == "rem5"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == json.loads(text)["summary"] and summary["fails"] == []
    seconds = json.loads((out / "config.json").read_text())["seconds"]
    assert seconds["rem5"] > 0  # the kept part's compute time, carried over


def test_check_cli_unknown_check(capsys, tmp_path):
    code, _, err = run_cli(capsys, "check", "--only", "thm99", "--out", str(tmp_path))
    assert code == 2 and "thm99" in err


def test_check_cli_unwritable_out(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run_cli(capsys, "check", "--quick", "--only", "rem5", "--out",
                           str(blocker / "sub"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "is a file, not a folder" in err


def test_check_cli_empty_selection_and_damaged_part(capsys, tmp_path):
    code, _, err = run_cli(capsys, "check", "--only", ",", "--out", str(tmp_path))
    assert code == 2 and "no check" in err
    out = tmp_path / "chk"
    (out / "parts").mkdir(parents=True)
    (out / "parts" / "rem5.jsonl").write_text("{torn")
    code, _, _ = run_cli(capsys, "check", "--quick", "--only", "rem5", "--out", str(out))
    assert code == 0 and (out / "parts" / "rem5.jsonl").read_text().startswith('{"fingerprint"')


def test_lower_bound_cli_guards(capsys):
    code, _, err = run_cli(capsys, "lower-bound", "--L0", "1", "--L1", "1e300", "--M", "10",
                           "--eps", "0.1", "--delta", "10", "--h", "0.1")
    assert code == 2 and "supported range" in err
    code, _, err = run_cli(capsys, "lower-bound", "--L0", "1", "--L1", "1", "--M", "10",
                           "--eps", "0.1", "--delta", "10", "--grid", "100000000")
    assert code == 2 and "grid" in err
    code, out, err = run_cli(capsys, "lower-bound", "--L0", "1", "--L1", "2", "--M", "10",
                             "--eps", "0.1", "--delta", "3", "--h", "1e-16", "--max-iter",
                             str(10**20), "--json")
    assert code == 2 and "--max-iter must be between 1 and" in err  # documented maximum
    code, out, _ = run_cli(capsys, "lower-bound", "--L0", "1", "--L1", "2", "--M", "10",
                           "--eps", "0.1", "--delta", "3", "--h", "1e-16", "--max-iter",
                           str(10**18), "--json")
    row = json.loads(out)[0]  # a step below double resolution: censored, and decided
    assert code == 0 and row["status"] == "max_iter"
    assert any("stalled" in (c.get("note") or "") for c in row["candidates"])  # B's plain loop
    assert row["verdict"] == "pass"  # the jumped slope steps alone exceed the bound
