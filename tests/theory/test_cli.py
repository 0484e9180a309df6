"""The theory command line: JSON fields scripts rely on, readable output, clean failures."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from theory.cli import main


def run_main(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_certify_json_fields(capsys):
    code, out, err = run_main(capsys, "certify", "x**4", "--L1", "1,2", "--json")
    assert code == 0 and err == ""
    obj = json.loads(out)
    for key in ("class", "L", "L1_min", "frontier", "method", "certified"):
        assert key in obj
    assert obj["class"] == "L0L1-smooth" and obj["L"] is None and obj["L1_min"] == 0
    assert [p["L1"] for p in obj["frontier"]] == [1, 2]
    assert obj["frontier"][0]["L0"] == pytest.approx(16) and obj["frontier"][1]["L0"] == pytest.approx(4)
    assert obj["certified"] is True


def test_certify_json_null_where_no_finite_L0(capsys):
    code, out, _ = run_main(capsys, "certify", "exp(x)", "--L1", "0.5,1", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["frontier"][0]["L0"] is None and obj["frontier"][1]["L0"] == 0


def test_certify_table(capsys):
    code, out, _ = run_main(capsys, "certify", "y**2/2", "--var", "y", "--L1", "0,1")
    assert code == 0
    assert "class    L-smooth" in out and "L0*(L1)" in out and "certified" in out


MALFORMED = [
    ["certify", ""], ["certify", "   "], ["certify", "x**"], ["certify", "exp(x"],
    ["certify", "foo(x)"], ["certify", "y + x"], ["certify", "x.__class__"],
    ["certify", "__import__('os')"], ["certify", "lambda: 1"], ["certify", "x; 1"],
    ["certify", "x[0]"], ["certify", "1/0"], ["certify", "I*x"], ["certify", "x == 1"],
    ["certify", "log(x)"], ["certify", "sqrt(x)"], ["certify", "1/x"], ["certify", "Abs(x)"],
    ["certify", "x**4", "--L1", "-1"], ["certify", "x**4", "--L1", "abc"],
    ["certify", "x**4", "--L1", "1,,2"], ["certify", "x**4", "--L1", "nan"],
    ["certify", "x**4", "--L1", "inf"], ["certify", "x**4", "--var", "1x"],
    ["certify", "x**4", "--var", "exp"], ["certify", "x**4", "--timeout", "0"],
    ["certify"], ["frobnicate"], [], ["certify", "x" * 3000],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "-1", "--L1", "1", "--box", "-1:1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "1", "--L1", "1", "--box", "1:-1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1", "--L0", "1", "--L1", "1", "--box", "-1:1"],
    ["catalogue", "--only", "no-such-id"],
]


@pytest.mark.parametrize("argv", MALFORMED, ids=[" ".join(a)[:40] or "empty" for a in MALFORMED])
def test_malformed_input_fails_cleanly(capsys, argv):
    code, out, err = run_main(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("theory: error: "), err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("argv", [["certify", "exp(x"], ["certify", "x**4", "--L1", "-2"],
                                  ["certify", "Abs(x)", "--json"]])
def test_malformed_input_whole_process(argv):
    proc = subprocess.run([sys.executable, "-m", "theory", *argv], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_multicheck_finds_violation_json(capsys):
    code, out, _ = run_main(capsys, "multicheck", "(w1*w2 - 1)**2", "--vars", "w1,w2", "--L0", "1.9",
                            "--L1", "1", "--box", "-1:1", "--samples", "256", "--json")
    obj = json.loads(out)
    assert code == 1 and obj["verdict"] == "fail" and obj["certified"] is False  # verdict failed
    assert obj["expression"] == "(w1*w2 - 1)**2" and obj["variables"] == ["w1", "w2"]


def test_frontiers_writes_exact_polynomial_frontiers(tmp_path, capsys):
    """quartic: L0*(L1) = 4·2²/L1² = 16/L1² (d(d−2)^(d−2)/L1^(d−2) with d = 4), certified;
    exponential: no finite L0 below L1_min = 1, L0 = 0 from there on."""
    assert main(["frontiers", "--only", "quartic,exponential", "--L1", "0.5,1,4",
                 "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "frontiers.json").read_text())
    assert data["schema"] == "l0l1-frontiers/1"
    quartic, exponential = data["functions"]
    assert [p["L0"] for p in quartic["points"]] == pytest.approx([64.0, 16.0, 1.0])
    assert all(p["certified"] for p in quartic["points"])
    assert exponential["L1_min"] == 1.0
    assert [p["L0"] for p in exponential["points"]] == [None, 0.0, 0.0]
    assert (tmp_path / "env.json").exists() and (tmp_path / "config.json").exists()


@pytest.mark.parametrize("argv", [["frontiers", "--only", "norm-quartic-2d"],
                                  ["frontiers", "--L1", "-1"]])
def test_frontiers_bad_input(argv, tmp_path, capsys):
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("theory: error:") and "\n" not in err
