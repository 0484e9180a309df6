"""The theory command line's conventions: --expr / --vars spellings, JSON keys, exit codes,
--help and --version, output folders checked first and written file by file atomically."""
from __future__ import annotations

import json

import pytest

from theory import cli
from theory.cli import main
from theory.smoothness.multivariate import MAX_SAMPLES


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["certify", "y**2/2"], ["certify", "--expr", "y**2/2"],
                                  ["certify", "--expr=y**2/2"]])
@pytest.mark.parametrize("vars_flag", ["--vars", "--var"])
def test_certify_expression_and_variable_spellings(capsys, argv, vars_flag):
    code, out, err = run(capsys, *argv, vars_flag, "y", "--L1", "1", "--json")
    obj = json.loads(out)
    assert code == 0 and err == ""
    assert obj["expression"] == "y**2/2" and obj["variables"] == ["y"] and obj["variable"] == "y"
    assert obj["L"] == 1 and obj["frontier"][0]["L0"] == 1


def test_certify_expression_starting_with_a_minus(capsys):
    code, out, _ = run(capsys, "certify", "-x**2", "--L1", "0", "--json")
    assert code == 0 and json.loads(out)["L"] == 2


def test_multicheck_exit_codes_and_json_keys(capsys):
    """Exit 1 when a violation is found, 0 when none is (an estimate either way); negative
    control: the same function with a valid pair passes. (w1 w2 - 1)^2 on [-1, 1]²: at the
    origin ||∇²f|| = 2 and ∇f = 0, so L0 = 1.9 is violated; on the box
    ||∇²f|| <= 2(1 + 3) = 8, so L0 = 8.5 holds with L1 = 0."""
    base = ["multicheck", "--expr", "(w1*w2 - 1)**2", "--var", "w1,w2", "--box", "-1:1",
            "--samples", "256", "--json"]
    code, out, _ = run(capsys, *base, "--L0", "1.9", "--L1", "1")
    obj = json.loads(out)
    assert code == 1 and obj["verdict"] == "fail"
    assert obj["expression"] == "(w1*w2 - 1)**2" and obj["variables"] == ["w1", "w2"]
    code, out, _ = run(capsys, *base, "--L0", "8.5", "--L1", "0")
    assert code == 0 and json.loads(out)["verdict"] == "pass"


def test_help_explains_syntax_symbols_defaults_and_exit_codes(capsys):
    code, top, _ = run(capsys, "--help")
    top = " ".join(top.split())
    assert code == 0
    for needle in ("Piecewise", "^ and ** are powers", "implicit multiplication", "real",
                   "degree at most 1000", "L1_min", "L0*(L1)", "C²", "exit codes"):
        assert needle in top, needle
    for command, needles in (("certify", ("(default: 60.0)", "(default: x)", "L1_min",
                                          "within S seconds", "exit codes")),
                             ("catalogue", ("(default: results/theory/catalogue)",
                                            "(default: 0)", "Exit 1")),
                             ("frontiers", ("(default: results/theory/frontiers)",
                                            "25 values from 0.01 to 100")),
                             ("multicheck", ("(default: 4096)", f"{MAX_SAMPLES}", "exit 1",
                                             "Abs, Max"))):
        code, text, _ = run(capsys, command, "--help")
        text = " ".join(text.split())  # argparse wraps the option help
        assert code == 0
        for needle in needles:
            assert needle in text, (command, needle)


def test_version_at_top_level_and_per_command(capsys):
    for argv in (["--version"], ["certify", "--version"], ["multicheck", "--version"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and "l0l1-workbench" in out


def test_cli_limits_match_the_library():
    assert cli.MAX_SAMPLES == MAX_SAMPLES


def _tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_catalogue_refuses_an_empty_out_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def no_work(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("the catalogue ran before --out was checked")

    monkeypatch.setattr("theory.functions.verify.verify_entry", no_work)
    code, out, err = run(capsys, "catalogue", "--out", "", "--only", "quadratic")
    assert code == 2 and "--out" in err and out == "" and list(tmp_path.iterdir()) == []


def test_a_failed_write_midway_leaves_every_file_intact(tmp_path, monkeypatch, capsys):
    """frontiers replaces frontiers.json, config.json, env.json together: when the second
    rename fails the first is rolled back, every file keeps its old bytes, no temporary file is
    left, exit 2."""
    out = tmp_path / "fr"
    assert main(["frontiers", "--only", "quadratic", "--L1", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    old = _tree(out)
    import plumbing.files as storage

    real, calls = storage.os.replace, []

    def failing_second(src, dst):
        if str(dst).endswith(("frontiers.json", "config.json", "env.json")):
            calls.append(dst)
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(storage.os, "replace", failing_second)
    code, _, err = run(capsys, "frontiers", "--only", "quadratic", "--L1", "1,2", "--out",
                       str(out))
    assert code == 2 and err.count("\n") == 1 and "no space left on device" in err
    assert len(calls) >= 2 and _tree(out) == old  # the first rename was rolled back
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_frontiers_records_variables(tmp_path):
    assert main(["frontiers", "--only", "quartic", "--L1", "1", "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "frontiers.json").read_text())
    assert data["functions"][0]["variables"] == ["x"]
    assert data["functions"][0]["points"][0]["L0"] == pytest.approx(16)
