"""Hostile input to ``python -m theory``: every case exits 2 with one line on stderr, prints
nothing on stdout, shows no traceback, finishes (a hang fails the test), writes nothing in the
working folder and leaves a pre-existing results folder byte-identical.

Run in-process through theory.cli.main for speed (tests/hostile.py: an alarm stands guard
against hangs); a few run as whole processes.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile import assert_refused, call, names_the_input, snapshot
from theory.cli import main

MULTI = ["--vars", "w1,w2", "--L0", "1", "--L1", "1", "--box", "-1:1"]
ONE = ["--vars", "w1", "--L0", "1", "--L1", "1", "--box", "-1:1"]
MANY_L1 = ",".join(["1"] * 101)

CASES = [
    # top level
    [], ["frobnicate"], ["--frobnicate"], ["certify", "x**4", "--bogus"],
    ["certify", "x**4", "extra-word"],
    # certify: the expression
    ["certify"], ["certify", ""], ["certify", "   "], ["certify", "x**"], ["certify", "exp(x"],
    ["certify", "foo(x)"], ["certify", "y + x"], ["certify", "x.__class__"],
    ["certify", "__import__('os')"], ["certify", "lambda: 1"], ["certify", "x; 1"],
    ["certify", "x[0]"], ["certify", "1/0"], ["certify", "I*x"], ["certify", "x == 1"],
    ["certify", "x$"], ["certify", "'x'"], ["certify", "x" * 3000],
    ["certify", "(" * 250 + "x" + ")" * 250],
    ["certify", "sin(" * 150 + "x" + ")" * 150],
    # certify: sizes and constants (hangs, memory blow-ups and overflows before)
    ["certify", "((x+1)**999)**999"], ["certify", "x**100000"], ["certify", "10**10**10"],
    ["certify", "sin(x**3)**400"], ["certify", "x**999*exp(x**2)"],
    ["certify", "1/(x**2+1e-320)"], ["certify", "1e999*x"], ["certify", "exp(1000)*x**2"],
    ["certify", "exp(-1000)*x**2"], ["certify", "x*1e200*1e200"], ["certify", "2**-2000*x"],
    ["certify", "(-8)**(1/3)*x"], ["certify", "log(0)*x"], ["certify", "x**1000"],
    ["certify", "x**999 + x"], ["certify", "+".join(f"Abs(x - {i})**3" for i in range(8))],
    # certify: outside the assumptions (domain, C²)
    ["certify", "log(x)"], ["certify", "sqrt(x)"], ["certify", "1/x"], ["certify", "Abs(x)"],
    ["certify", "Heaviside(x)"], ["certify", "Abs(x)**1.5"], ["certify", "tan(x)"],
    ["certify", "Min(x**2, 1)"], ["certify", "Piecewise((x**2, x < 0))"],
    # certify: options
    ["certify", "x**4", "--L1", "-1"], ["certify", "x**4", "--L1", "abc"],
    ["certify", "x**4", "--L1", "1,,2"], ["certify", "x**4", "--L1", "nan"],
    ["certify", "x**4", "--L1", "inf"], ["certify", "x**4", "--L1", MANY_L1],
    ["certify", "x**4", "--var", "1x"], ["certify", "x**4", "--vars", "exp"],
    ["certify", "x**4", "--vars", "x,y"], ["certify", "x**4", "--vars", ""],
    ["certify", "x**4", "--timeout", "0"], ["certify", "x**4", "--timeout", "-5"],
    ["certify", "x**4", "--timeout", "nan"], ["certify", "x**4", "--timeout", "inf"],
    ["certify", "x**4", "--timeout", "1e9"], ["certify", "x**4", "--timeout", "abc"],
    ["certify", "x**4", "--expr", "x**2"], ["certify", "--expr"],
    # catalogue
    ["catalogue", "--out", ""], ["catalogue", "--out", "afile"],
    ["catalogue", "--out", "afile/sub"], ["catalogue", "--only", "no-such-id"],
    ["catalogue", "--only", ""], ["catalogue", "--only", "quadratic,,quartic"],
    ["catalogue", "--seed", "-1"], ["catalogue", "--seed", str(2**40)],
    ["catalogue", "--seed", "1.5"], ["catalogue", "--bogus"],
    # frontiers
    ["frontiers", "--out", ""], ["frontiers", "--out", "afile"],
    ["frontiers", "--only", "norm-quartic-2d"], ["frontiers", "--only", "nope"],
    ["frontiers", "--L1", "-1"], ["frontiers", "--L1", ""], ["frontiers", "--L1", MANY_L1],
    # multicheck
    ["multicheck", "(w1*w2-1)**2", *MULTI, "--samples", "100000000"],
    ["multicheck", "(w1*w2-1)**2", *MULTI, "--samples", "1e8"],
    ["multicheck", "(w1*w2-1)**2", *MULTI, "--samples", "0"],
    ["multicheck", "(w1*w2-1)**2", *MULTI, "--seed", "-1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "-1", "--L1", "1", "--box", "-1:1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "inf", "--L1", "1", "--box", "0:1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "1", "--L1", "nan", "--box", "0:1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "1", "--L1", "1", "--box", "1:-1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "1", "--L1", "1", "--box", "nan:1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "1", "--L1", "1", "--box", "0:1:2"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1,w2", "--L0", "1", "--L1", "1",
     "--box", "0:1,0:1,0:1"],
    ["multicheck", "(w1*w2-1)**2", "--vars", "w1", "--L0", "1", "--L1", "1", "--box", "-1:1"],
    ["multicheck", "w1", "--vars", "w1,w1", "--L0", "1", "--L1", "1", "--box", "-1:1"],
    ["multicheck", "a0", "--vars", ",".join(f"a{i}" for i in range(11)), "--L0", "1",
     "--L1", "1", "--box", "-1:1"],
    ["multicheck", "w1", "--vars", "", "--L0", "1", "--L1", "1", "--box", "-1:1"],
    ["multicheck", "log(w1)", *ONE], ["multicheck", "Abs(w1)", *ONE], ["multicheck", "1/w1", *ONE],
    ["multicheck", "sin(1e300*w1)", *ONE], ["multicheck", "((w1+w2)**999)**999", *MULTI],
    ["multicheck", *MULTI], ["multicheck", "w1*w2", "--L0", "1", "--L1", "1", "--box", "0:1"],
]

SUBPROCESS_CASES = [
    ["certify", "((x+1)**999)**999"], ["certify", "1/(x**2+1e-320)"],
    ["multicheck", "(w1*w2-1)**2", *MULTI, "--samples", "100000000"], ["catalogue", "--out", ""],
]


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """A working folder holding earlier results (at the default --out paths) and a file."""
    for folder, names in (("results/theory/catalogue", ("records.jsonl", "config.json",
                                                        "env.json")),
                          ("results/theory/frontiers", ("frontiers.json", "config.json"))):
        (tmp_path / folder).mkdir(parents=True)
        for name in names:
            (tmp_path / folder / name).write_bytes(f"earlier {folder}/{name}\r\n".encode())
    (tmp_path / "afile").write_bytes(b"not a folder")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_corpus_is_large_and_covers_every_command():
    assert len(CASES) >= 60
    commands = {c[0] if c and not c[0].startswith("-") else "top" for c in CASES}
    assert {"certify", "catalogue", "frontiers", "multicheck", "top"} <= commands


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(a)[:48] or "no-arguments" for a in CASES])
def test_malformed_input_is_refused_cleanly(argv, workdir):
    before = snapshot(workdir)
    code, out, err = call(main, argv, bound_s=120)
    assert_refused(code, out, err, "theory")
    assert names_the_input(err, argv), err
    assert snapshot(workdir) == before


@pytest.mark.parametrize("argv", SUBPROCESS_CASES, ids=[" ".join(a)[:40] for a in SUBPROCESS_CASES])
def test_malformed_input_whole_process(argv, workdir):
    before = snapshot(workdir)
    proc = subprocess.run([sys.executable, "-m", "theory", *argv], capture_output=True,
                          text=True, timeout=120, cwd=workdir,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert_refused(proc.returncode, proc.stdout, proc.stderr, "theory")
    assert snapshot(workdir) == before
