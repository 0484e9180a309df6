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
from theory.statements.bounds import thm4_bound
from theory.functions.constructions import h_threshold

BASE = dict(L0=1.0, L1=1.0, M=10.0, eps=0.1, Delta=10.0)


def test_small_step_uses_b_and_beats_the_bound_by_the_closed_form():
    thr = h_threshold(1.0, 1.0, 10.0)
    r = lower_bound_record(**BASE, h=thr / 2)
    assert r.params["construction"] == "B" and r.verdict == "pass"
    x0 = Fraction(r.params["x0"])  # the slope is left at the first x_k <= w = 1/2
    slope_steps = math.ceil((x0 - Fraction(1, 2)) / (Fraction(thr / 2) * Fraction(1, 5)))
    assert r.measured >= slope_steps and r.extra["jumped"] == slope_steps
    assert r.bound == pytest.approx(thm4_bound(1, 1, 10, 0.1, 10).value)


def test_large_step_uses_a_and_never_converges():
    r = lower_bound_record(**BASE, h=1.5 * h_threshold(1.0, 1.0, 10.0))
    assert r.params["construction"] == "A" and r.measured == math.inf
    assert r.extra["iterations"] is None and r.status == "diverged"
    assert r.verdict == "pass" and r.extra["member_certified"]


def test_reconstructed_log_factor_fails_when_L1_exceeds_L0():
    """FINDING kept, not tuned away: with L1 > L0, ℓ = log M + 1 < 1 + log(M L1/L0), so just
    below h_thr construction B is faster than the bound; the alternative ℓ passes."""
    r = lower_bound_record(2.0, 4.0, 50.0, 0.1, 20.0, h=0.05)
    assert r.verdict == "fail" and "FINDING" in r.notes
    assert r.extra["verdict_alt_log"] == "pass"
    assert r.measured < r.bound


def test_construction_outside_the_class_is_inconclusive_not_pass():
    r = lower_bound_record(1.0, 1.0, 10.0, 0.1, 5.0, h=2 * h_threshold(1.0, 1.0, 10.0))
    assert r.verdict == "inconclusive" and "Δ" in r.notes  # Δ_A = 9.5 > 5


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
    assert all(r.extra["member_certified"] for r in steps)  # A and B certified: no inconclusive
    assert sum(r.verdict == "pass" for r in steps) >= len(steps) - 1
    # the only failures are the documented finding (L1 > L0, just below h_thr)
    assert all(r.params["L1"] > r.params["L0"] for r in steps if r.verdict == "fail")


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
        assert row["construction"] in ("A", "B")
        assert (row["iterations"] is None) == (row["construction"] == "A")


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
    row = json.loads(out)[0]  # a step below double resolution: censored at once, and decided
    assert code == 0 and row["status"] == "max_iter" and "stalled" in row["note"]
    assert row["verdict"] == "pass"  # the jumped slope steps alone exceed the bound
