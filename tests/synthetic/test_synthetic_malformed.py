"""Malformed input to ``python -m synthetic`` (run, lower-bound, check, the top level).

Every case must give exit code 2, exactly one line ``synthetic: error: ...`` on stderr, nothing
on stdout, no traceback, finish within a bound (an alarm, not a timing assertion: a hang fails
the test instead of blocking the suite), write nothing in the working folder and leave a
pre-existing run folder byte-identical. In-process through :func:`synthetic.cli.main`.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hostile import assert_refused, call, names_the_input, snapshot
from synthetic.cli import main

RUN = ["run", "--expr", "x**2", "--method", "gd", "--h", "0.1", "--x0", "1", "--eps", "1e-3"]
LB = ["lower-bound", "--L0", "1", "--L1", "1", "--M", "10", "--eps", "0.1", "--delta", "10"]


def run_with(**changes) -> list[str]:
    argv = list(RUN)
    for key, value in changes.items():
        option = "--" + key.replace("_", "-")
        if option in argv:
            i = argv.index(option)
            if value is None:
                del argv[i:i + 2]
            else:
                argv[i + 1] = value
        elif value is not None:
            argv += [option, value]
    return argv


def lb_with(*extra: str, **changes) -> list[str]:
    argv = list(LB)
    for key, value in changes.items():
        i = argv.index("--" + key)
        argv[i + 1] = value
    return argv + list(extra)


MANY = ",".join(f"v{i}" for i in range(1001))
CASES = {
    # top level
    "no command": [],
    "unknown command": ["frobnicate"],
    "unknown option": ["--bogus"],
    "short unknown option": ["-x"],
    "run without arguments": ["run"],
    "lower-bound without arguments": ["lower-bound"],
    "option without value": ["run", "--expr"],
    "check unknown option": ["check", "--frobnicate"],
    "check stray positional": ["check", "--quick", "--only", "thm7", "extra"],
    # run: the expression
    "expr truncated": run_with(expr="x**"),
    "expr empty": run_with(expr=""),
    "expr dunder import": run_with(expr="__import__('os').system('true')"),
    "expr attribute access": run_with(expr="x.real"),
    "expr unknown variable": run_with(expr="y**2"),
    "expr unknown function": run_with(expr="open(x)"),
    "expr string literal": run_with(expr="'x'"),
    "expr too long": run_with(expr="+".join(["x"] * 1500)),
    "expr constant beyond double": run_with(expr="x**2 + 1e400"),
    "expr degree too high": run_with(expr="x**100000"),
    # run: method and step parameters
    "method unknown": run_with(method="newton"),
    "gd without h": run_with(h=None),
    "gd with eta": run_with(eta="0.1"),
    "clipped without gamma": run_with(method="clipped", h=None, eta="0.1"),
    "normalized without beta": run_with(method="normalized", h=None, eta="0.1"),
    "clipped gamma negative": run_with(method="clipped", h=None, eta="0.1", gamma="-1"),
    "h zero": run_with(h="0"),
    "h negative": run_with(h="-1"),
    "h nan": run_with(h="nan"),
    "h inf": run_with(h="inf"),
    "h text": run_with(h="abc"),
    "h two numbers": run_with(h="1,2"),
    "h empty": run_with(h=""),
    "h overflowing literal": run_with(h="1e999"),
    # run: start, target, limits
    "x0 nan": run_with(x0="nan"),
    "x0 inf": run_with(x0="-inf"),
    "x0 overflowing literal": run_with(x0="1e999"),
    "x0 too many coordinates": run_with(x0="1,2"),
    "x0 empty": run_with(x0=""),
    "x0 text": run_with(x0="one"),
    "eps zero": run_with(eps="0"),
    "eps negative": run_with(eps="-1e-3"),
    "eps nan": run_with(eps="nan"),
    "eps inf": run_with(eps="inf"),
    "max-iter negative": run_with(max_iter="-1"),
    "max-iter float": run_with(max_iter="1e6"),
    "max-iter beyond maximum": run_with(max_iter=str(10**19)),
    "time-limit zero": run_with(time_limit="0"),
    "time-limit negative": run_with(time_limit="-1"),
    "time-limit nan": run_with(time_limit="nan"),
    "time-limit inf": run_with(time_limit="inf"),
    "time-limit beyond maximum": run_with(time_limit="1e9"),
    "time-limit text": run_with(time_limit="soon"),
    # run: variables
    "vars duplicate": run_with(vars="x,x", x0="1,1"),
    "vars trailing comma": run_with(vars="x,", x0="1,1"),
    "vars bad name": run_with(vars="1x"),
    "vars clash with function": run_with(vars="exp", expr="exp**2"),
    "vars too many": run_with(vars=MANY, x0=",".join(["1"] * 1001)),
    "old --f and --expr missing value": ["run", "--f"],
    # lower-bound
    "lb L0 zero": lb_with("--h", "0.1", L0="0"),
    "lb L0 below one": lb_with("--h", "0.1", L0="0.5"),
    "lb L0 beyond range": lb_with("--h", "0.1", L0="1e9"),
    "lb L0 nan": lb_with("--h", "0.1", L0="nan"),
    "lb L0 text": lb_with("--h", "0.1", L0="abc"),
    "lb L0 two numbers": lb_with("--h", "0.1", L0="1,2"),
    "lb L1 inf": lb_with("--h", "0.1", L1="inf"),
    "lb M one": lb_with("--h", "0.1", M="1"),
    "lb M below one": lb_with("--h", "0.1", M="0.5"),
    "lb eps above L0/6": lb_with("--h", "0.1", eps="0.5"),
    "lb eps zero": lb_with("--h", "0.1", eps="0"),
    "lb eps nan": lb_with("--h", "0.1", eps="nan"),
    "lb delta below 5eps/8": lb_with("--h", "0.1", delta="0.01"),
    "lb delta negative": lb_with("--h", "0.1", delta="-1"),
    "lb h and grid": lb_with("--h", "0.1", "--grid", "5"),
    "lb neither h nor grid": lb_with(),
    "lb grid one": lb_with("--grid", "1"),
    "lb grid beyond maximum": lb_with("--grid", "10001"),
    "lb grid huge": lb_with("--grid", "100000000"),
    "lb grid text": lb_with("--grid", "many"),
    "lb h zero": lb_with("--h", "0"),
    "lb h negative": lb_with("--h", "-0.1"),
    "lb h list with nan": lb_with("--h", "0.1,nan"),
    "lb h list too long": lb_with("--h", ",".join(["0.1"] * 10001)),
    "lb max-iter zero": lb_with("--h", "0.1", "--max-iter", "0"),
    "lb max-iter beyond maximum": lb_with("--h", "0.1", "--max-iter", str(10**19)),
    "lb time-limit nan": lb_with("--h", "0.1", "--time-limit", "nan"),
    "lb time-limit inf": lb_with("--h", "0.1", "--time-limit", "inf"),
    "lb time-limit zero": lb_with("--h", "0.1", "--time-limit", "0"),
    "lb time-limit beyond maximum": lb_with("--h", "0.1", "--time-limit", "3601"),
    "lb missing L1": LB[:3] + LB[5:] + ["--h", "0.1"],
    # check: selection (the default --out would be created in the working folder)
    "check only unknown": ["check", "--quick", "--only", "nope"],
    "check only empty": ["check", "--quick", "--only", ""],
    "check only commas": ["check", "--quick", "--only", ",,"],
    "check only one unknown of two": ["check", "--quick", "--only", "thm7,thm99"],
    # check: the run folder
    "check out empty": ["check", "--quick", "--only", "thm7", "--out", ""],
    "check out blank": ["check", "--quick", "--only", "thm7", "--out", "  "],
    "check out a file": ["check", "--quick", "--only", "thm7", "--out", "afile.txt"],
    "check out below a file": ["check", "--quick", "--only", "thm7", "--out", "afile.txt/sub"],
    "check quick run, full call": ["check", "--only", "thm7", "--out", "res"],
    "check full run, quick call": ["check", "--quick", "--only", "thm7", "--out", "full"],
    "check another command's folder": ["check", "--quick", "--only", "thm7", "--out", "foreign"],
    "check config not json": ["check", "--quick", "--only", "thm7", "--out", "damaged"],
    "check config not an object": ["check", "--quick", "--only", "thm7", "--out", "listcfg"],
    "check config bad field": ["check", "--quick", "--only", "thm7", "--out", "badfield"],
    "check config unknown check": ["check", "--quick", "--only", "thm7", "--out", "badcheck"],
    "check records without config": ["check", "--quick", "--only", "thm7", "--out", "recsonly"],
    "check records edited": ["check", "--quick", "--only", "thm7", "--out", "edited"],
    "check records missing": ["check", "--quick", "--only", "thm7", "--out", "norecs"],
    "check records not json": ["check", "--quick", "--only", "thm7", "--out", "badrecs"],
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("made") / "res"
    assert main(["check", "--quick", "--only", "thm7,followup", "--out", str(out)]) == 0
    return out


def _variant(root: Path, source: Path, name: str, edit) -> None:
    folder = root / name
    shutil.copytree(source, folder)
    edit(folder)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, quick_run):
    """A working folder with a finished run (res) and damaged or foreign run folders (shared:
    every case compares its own before/after snapshot, so one that wrote would fail itself)."""
    tmp_path = tmp_path_factory.mktemp("work")
    shutil.copytree(quick_run, tmp_path / "res")
    (tmp_path / "afile.txt").write_text("not a folder\n")
    config = json.loads((quick_run / "config.json").read_text())
    records = (quick_run / "records.jsonl").read_bytes()

    def write(name: str, text: str):
        return lambda folder: (folder / name).write_text(text)

    _variant(tmp_path, quick_run, "full", write("config.json", json.dumps({**config,
                                                                            "quick": False})))
    _variant(tmp_path, quick_run, "foreign", write("config.json", json.dumps(
        {"command": "measure", "run": "lstm"})))
    _variant(tmp_path, quick_run, "damaged", write("config.json", '{"command": "check", '))
    _variant(tmp_path, quick_run, "listcfg", write("config.json", "[1, 2]"))
    _variant(tmp_path, quick_run, "badfield", write("config.json", json.dumps(
        {**config, "seconds": {"thm7": "fast"}})))
    _variant(tmp_path, quick_run, "badcheck", write("config.json", json.dumps(
        {**config, "checks": ["thm7", "thm99"]})))
    _variant(tmp_path, quick_run, "recsonly", lambda f: (f / "config.json").unlink())
    _variant(tmp_path, quick_run, "edited", lambda f: (f / "records.jsonl").write_bytes(
        records.replace(b'"pass"', b'"fail"', 1)))
    _variant(tmp_path, quick_run, "norecs", lambda f: (f / "records.jsonl").unlink())
    _variant(tmp_path, quick_run, "badrecs", lambda f: (f / "records.jsonl").write_bytes(
        records[:-40]))
    for name in ("norecs", "badrecs"):  # no digest: the damage itself must be caught
        cfg = json.loads((tmp_path / name / "config.json").read_text())
        del cfg["records_sha256"]
        (tmp_path / name / "config.json").write_text(json.dumps(cfg))
    return tmp_path


@pytest.fixture
def workdir(folders, monkeypatch):
    monkeypatch.chdir(folders)
    return folders


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("argv", list(CASES.values()), ids=list(CASES))
def test_malformed_input_is_one_line_exit_2_and_writes_nothing(argv, workdir):
    before = snapshot(workdir)
    code, out, err = call(main, argv)
    assert_refused(code, out, err, "synthetic")
    assert names_the_input(err, argv), err
    assert snapshot(workdir) == before


def test_the_harness_sees_a_write_and_a_success(tmp_path, quick_run):
    """Negative control of the corpus's checks: a valid call exits 0 and changes the run."""
    shutil.copytree(quick_run, tmp_path / "res")
    before = snapshot(tmp_path)
    assert call(main, ["check", "--quick", "--only", "thm7", "--out", str(tmp_path / "res")])[0] == 0
    after = snapshot(tmp_path)
    assert after != before and after["res/config.json"] != before["res/config.json"]
