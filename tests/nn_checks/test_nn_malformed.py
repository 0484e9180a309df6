"""Malformed input to ``python -m nn_checks`` (measure, fit, claims, data, the top level) and
``python -m nn_checks.gpu_smoke``.

Every case must give exit code 2, exactly one line ``nn_checks: error: ...`` on stderr, nothing on
stdout, no traceback, an answer within a bound, and leave the working folder -- which holds a
finished smoke run, its fit, and damaged copies of both -- byte-identical (tests/hostile.py).
In-process through the commands' ``main``; the one real training run is made once per module.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from hostile import assert_refused, call, names_the_input, snapshot
from nn_checks import gpu_smoke
from nn_checks.cli import main
from nn_checks.data import missing_reason

PTB_MISSING = missing_reason("ptb")
SMOKE = ["measure", "--model", "lstm", "--preset", "smoke", "--steps", "6"]


def measure(*extra: str, out: str = "new-run") -> list[str]:
    return SMOKE + ["--out", out, *extra]


MEASURE = {
    "no --out": SMOKE,
    "no --model": ["measure", "--preset", "smoke", "--out", "x"],
    "no --preset": ["measure", "--model", "lstm", "--out", "x"],
    "unknown model": ["measure", "--model", "gpt", "--preset", "smoke", "--out", "x"],
    "unknown preset": ["measure", "--model", "lstm", "--preset", "huge", "--out", "x"],
    "run of the other model": measure("--run", "sgdmom"),
    "unknown run": measure("--run", "lr3clip"),
    "clip text": measure("--clip", "abc"),
    "clip negative": measure("--clip", "-1"),
    "clip zero": measure("--clip", "0"),
    "clip nan": measure("--clip", "nan"),
    "clip inf": measure("--clip", "inf"),
    "lr inf": measure("--lr", "inf"),
    "lr -inf": measure("--lr", "-inf"),
    "lr nan": measure("--lr", "nan"),
    "lr zero": measure("--lr", "0"),
    "lr negative": measure("--lr", "-1"),
    "lr text": measure("--lr", "fast"),
    "momentum one": measure("--momentum", "1"),
    "momentum negative": measure("--momentum", "-0.1"),
    "momentum nan": measure("--momentum", "nan"),
    "steps zero": measure("--steps", "0"),
    "steps negative": measure("--steps", "-3"),
    "steps float": measure("--steps", "1e3"),
    "steps and epochs": measure("--epochs", "2"),
    "epochs zero": ["measure", "--model", "lstm", "--preset", "smoke", "--epochs", "0",
                    "--out", "x"],
    "probe unknown": measure("--probe", "curvature"),
    "probe-every zero": measure("--probe-every", "0"),
    "probe-every negative": measure("--probe-every", "-2"),
    "probe-batches zero": measure("--probe-batches", "0"),
    "probe-batches above the epoch": measure("--probe-batches", "100000"),
    "hessian-every zero": measure("--probe", "hessian", "--hessian-every", "0"),
    "max-hvps zero": measure("--probe", "hessian", "--max-hvps", "0"),
    "max-hvps huge": measure("--probe", "hessian", "--max-hvps", "1000000000"),
    "hvp unknown": measure("--hvp", "approximate"),
    "batch-size zero": measure("--batch-size", "0"),
    "batch-size above the data": measure("--batch-size", "100000"),
    "seed negative": measure("--seed", "-1"),
    "seed above 2^32": measure("--seed", str(2 ** 40)),
    "seed text": measure("--seed", "lucky"),
    "device cuda without one": measure("--device", "cuda"),
    "device cuda:0 without one": measure("--device", "cuda:0"),
    "device cuda:-1": measure("--device", "cuda:-1"),
    "device tpu": measure("--device", "tpu"),
    "device empty": measure("--device", ""),
    "checkpoint-every zero": measure("--checkpoint-every", "0"),
    "ptb-dir missing": measure("--ptb-dir", "nowhere"),
    "ptb-dir a file": measure("--ptb-dir", "afile"),
    "ptb-dir partial": measure("--ptb-dir", "partial-ptb"),
    "ptb-dir empty name": measure("--ptb-dir", ""),
    "data-dir partial": measure("--data-dir", "partial-ptb"),
    "image-dir partial cifar": ["measure", "--model", "resnet20", "--preset", "smoke",
                                "--image-dir", "partial-cifar", "--out", "x"],
    "image-dir empty folder": ["measure", "--model", "resnet20", "--preset", "smoke",
                               "--image-dir", "empty", "--out", "x"],
    "out empty": measure(out=""),
    "out a file": measure(out="afile"),
    "out below a file": measure(out="afile/run"),
    "out holds another run's files": measure(out="foreign"),
    "out holds a run of another config": measure("--lr", "3", out="run"),
    "out with a garbage checkpoint": measure(out="garbage-ckpt"),
    "out with a damaged config.json": measure(out="damaged-config"),
    "out with config.json a FIFO": measure(out="special-config-fifo"),
    "out with config.json -> /dev/zero": measure(out="special-config-zero"),
    "out with checkpoint.pt a FIFO": measure(out="special-running-ckpt-fifo"),
    "out with .lock a FIFO": measure(out="special-running-lock-fifo"),
    "out with data_sha256 not a hash": measure(out="special-running-bad-sha"),
    "steps beyond 1e9": measure("--steps", "99999999999999999999"),
    "stray positional": SMOKE + ["--out", "x", "extra"],
    "unknown option": measure("--frobnicate"),
}

FIT = {
    "no folder": ["fit"],
    "folder missing": ["fit", "nowhere"],
    "folder is a file": ["fit", "afile"],
    "no metrics.csv": ["fit", "empty"],
    "metrics.csv truncated mid-line": ["fit", "truncated"],
    "metrics.csv other header": ["fit", "badheader"],
    "metrics.csv text in a number": ["fit", "textcell"],
    "metrics.csv steps going back": ["fit", "backwards"],
    "metrics.csv empty": ["fit", "emptycsv"],
    "n-boot zero": ["fit", "run", "--n-boot", "0"],
    "n-boot one": ["fit", "run", "--n-boot", "1"],
    "n-boot huge": ["fit", "run", "--n-boot", "1000000000"],
    "n-boot text": ["fit", "run", "--n-boot", "many"],
    "seed negative": ["fit", "run", "--seed", "-1"],
    "unknown option": ["fit", "run", "--quantile", "0.9"],
    # special files: never waited on (a FIFO), never read without end (/dev/zero), never a
    # link followed out of the folder (.lock)
    "config.json a FIFO": ["fit", "special-config-fifo"],
    "config.json -> /dev/zero": ["fit", "special-config-zero"],
    "config.json a folder": ["fit", "special-config-dir"],
    "metrics.csv a FIFO": ["fit", "special-metrics-fifo"],
    "metrics.csv -> /dev/zero": ["fit", "special-metrics-zero"],
    "fit.json a folder": ["fit", "special-fitjson-dir"],
    ".lock a FIFO": ["fit", "special-lock-fifo"],
    ".lock a dangling link": ["fit", "special-lock-link"],
    "config.json status wrong": ["fit", "special-config-status"],
    "config.json data_sha256 not a hash": ["fit", "special-running-bad-sha"],
}

CLAIMS = {
    "no folder": ["claims"],
    "folder missing": ["claims", "nowhere"],
    "folder is a file": ["claims", "afile"],
    "no run folders": ["claims", "empty"],
    "pearson_r = 5": ["claims", "claims-r5"],
    "envelope []": ["claims", "claims-noenvelope"],
    "fit.json not JSON": ["claims", "claims-badfit"],
    "config.json not JSON": ["claims", "claims-badconfig"],
    "epochs.csv garbage": ["claims", "claims-badepochs"],
    "resnet config in an lstm folder": ["claims", "claims-wrongmodel"],
    "config.json a FIFO": ["claims", "claims-fifo-config"],
    "fit.json a FIFO": ["claims", "claims-fifo-fit"],
    "metrics.csv a FIFO": ["claims", "claims-fifo-metrics"],
    "epochs.csv -> /dev/zero": ["claims", "claims-zero-epochs"],
}

DATA = {
    "ptb-dir missing": ["data", "--ptb-dir", "nowhere"],
    "ptb-dir partial": ["data", "--ptb-dir", "partial-ptb"],
    "ptb-dir a file": ["data", "--ptb-dir", "afile"],
    "image-dir partial cifar": ["data", "--image-dir", "partial-cifar"],
    "image-dir empty folder": ["data", "--image-dir", "empty"],
    "image-dir a file": ["data", "--image-dir", "afile"],
    "image-dir empty name": ["data", "--image-dir", ""],
    "unknown option": ["data", "--download"],
}

TOP = {
    "no command": [],
    "unknown command": ["train"],
    "unknown option": ["--bogus"],
}

GPU_SMOKE = {  # prog "gpu_smoke"
    "no CUDA device": [],
    "cuda:3 without one": ["--device", "cuda:3"],
    "steps zero": ["--small", "--steps", "0"],
    "steps text": ["--small", "--steps", "few"],
    "checkpoint-every zero": ["--small", "--checkpoint-every", "0"],
    "out a file": ["--small", "--out", "afile"],
    "out below a file": ["--small", "--out", "afile/smoke"],
    "out empty": ["--small", "--out", ""],
    "ptb-dir missing": ["--small", "--ptb-dir", "nowhere"],
    "unknown option": ["--fast"],
}

CASES = {f"{group} {name}": argv for group, table in (
    ("measure", MEASURE), ("fit", FIT), ("claims", CLAIMS), ("data", DATA), ("top", TOP))
    for name, argv in table.items()}


def _edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One finished smoke run with its fit (the only real training of the module)."""
    if PTB_MISSING:
        pytest.skip(PTB_MISSING)
    root = tmp_path_factory.mktemp("made")
    run = root / "lstm_lr30clip0.25"
    assert call(main, measure(out=str(run)))[0] == 0
    assert call(main, ["fit", str(run), "--n-boot", "20"])[0] == 0
    return run


@pytest.fixture(scope="module")
def folders(tmp_path_factory, made):
    """The working folder every case runs in: the run, damaged copies, stray files."""
    root = tmp_path_factory.mktemp("work")
    shutil.copytree(made, root / "run")
    (root / "afile").write_text("not a folder\n")
    (root / "empty").mkdir()
    (root / "partial-ptb").mkdir()
    (root / "partial-ptb" / "ptb.train.txt").write_text("a b c\n")
    (root / "partial-cifar" / "cifar-10-batches-py").mkdir(parents=True)
    for name in ("data_batch_1", "data_batch_2", "batches.meta"):
        (root / "partial-cifar" / "cifar-10-batches-py" / name).write_bytes(b"\x80\x04N.")
    (root / "foreign").mkdir()
    (root / "foreign" / "metrics.csv").write_text("another tool's file\n")
    def unfinished_with_garbage(folder: Path) -> None:  # a finished run never reads it
        _edit_json(folder / "config.json", lambda d: d.update(status="running"))
        (folder / "checkpoint.pt").write_bytes(b"PK junk")

    for name, edit in (("garbage-ckpt", unfinished_with_garbage),
                       ("damaged-config", lambda f: (f / "config.json").write_text('{"config":'))):
        shutil.copytree(made, root / name)
        edit(root / name)
    metrics = (made / "metrics.csv").read_text()
    lines = metrics.splitlines(keepends=True)
    csv_edits = {
        "truncated": metrics[:-7],
        "badheader": "step,epoch,loss\n" + "".join(lines[1:]),
        "textcell": lines[0] + lines[1].replace(lines[1].split(",")[3], "lots", 1)
        + "".join(lines[2:]),
        "backwards": lines[0] + lines[2] + lines[1] + "".join(lines[3:]),
        "emptycsv": "",
    }
    for name, text in csv_edits.items():
        shutil.copytree(made, root / name)
        (root / name / "metrics.csv").write_text(text)
    claims_edits = {
        "claims-r5": lambda f: _edit_json(f / "fit.json",
                                          lambda d: d["correlation"].update(pearson_r=5)),
        "claims-noenvelope": lambda f: _edit_json(f / "fit.json",
                                                  lambda d: d.update(envelope=[])),
        "claims-badfit": lambda f: (f / "fit.json").write_text("{\"schema\": "),
        "claims-badconfig": lambda f: (f / "config.json").write_text("[1, 2"),
        "claims-badepochs": lambda f: (f / "epochs.csv").write_bytes(b"\x00\xff\x00 garbage\n"),
        "claims-wrongmodel": lambda f: _edit_json(
            f / "config.json", lambda d: d["config"].update(model="resnet20", run="sgdmom")),
    }
    for name, edit in claims_edits.items():
        shutil.copytree(made, root / name / "lstm_lr30clip0.25")
        edit(root / name / "lstm_lr30clip0.25")

    def fifo(path: Path) -> None:
        path.unlink(missing_ok=True)
        os.mkfifo(path)

    def zero(path: Path) -> None:
        path.unlink(missing_ok=True)
        path.symlink_to("/dev/zero")

    def folder(path: Path) -> None:
        path.unlink(missing_ok=True)
        path.mkdir()

    special = {  # folder: (file, how)
        "special-config-fifo": ("config.json", fifo),
        "special-config-zero": ("config.json", zero),
        "special-config-dir": ("config.json", folder),
        "special-metrics-fifo": ("metrics.csv", fifo),
        "special-metrics-zero": ("metrics.csv", zero),
        "special-fitjson-dir": ("fit.json", folder),
        "special-lock-fifo": (".lock", fifo),
        "special-lock-link": (".lock", lambda p: (p.unlink(missing_ok=True),
                                                  p.symlink_to(root / "made-by-the-lock"))),
        "special-config-status": ("config.json", lambda p: _edit_json(
            p, lambda d: d.update(status="half-done"))),
        "special-running-ckpt-fifo": ("checkpoint.pt", fifo),
        "special-running-lock-fifo": (".lock", fifo),
        "special-running-bad-sha": ("config.json", lambda p: _edit_json(
            p, lambda d: d.update(data_sha256=12))),
        "claims-fifo-config/lstm_lr30clip0.25": ("config.json", fifo),
        "claims-fifo-fit/lstm_lr30clip0.25": ("fit.json", fifo),
        "claims-fifo-metrics/lstm_lr30clip0.25": ("metrics.csv", fifo),
        "claims-zero-epochs/lstm_lr30clip0.25": ("epochs.csv", zero),
    }
    for name, (file, how) in special.items():
        shutil.copytree(made, root / name)
        if name.startswith("special-running-"):
            _edit_json(root / name / "config.json", lambda d: d.update(status="running"))
        how(root / name / file)
    return root


@pytest.fixture
def workdir(folders, monkeypatch):
    monkeypatch.chdir(folders)
    return folders


def test_the_corpus_is_large_and_covers_every_command():
    assert len(CASES) + len(GPU_SMOKE) >= 100
    assert {name.split()[0] for name in CASES} == {"measure", "fit", "claims", "data", "top"}


@pytest.mark.parametrize("argv", list(CASES.values()), ids=list(CASES))
def test_malformed_input_is_one_line_exit_2_and_writes_nothing(argv, workdir):
    before = snapshot(workdir)
    code, out, err = call(main, argv)
    assert_refused(code, out, err, "nn_checks")
    assert names_the_input(err, argv), err
    assert snapshot(workdir) == before


@pytest.mark.parametrize("argv", list(GPU_SMOKE.values()), ids=list(GPU_SMOKE))
def test_gpu_smoke_refuses_cleanly(argv, workdir):
    import torch

    if torch.cuda.is_available() and argv == []:
        pytest.skip("a CUDA device is present: the check would run")
    before = snapshot(workdir)
    assert_refused(*call(gpu_smoke.main, argv), "gpu_smoke")
    assert snapshot(workdir) == before


def test_the_harness_sees_a_write_and_a_success(tmp_path, made):
    """Negative control of the corpus's checks: a valid fit exits 0 and changes the run."""
    shutil.copytree(made, tmp_path / "run")
    before = snapshot(tmp_path)
    assert call(main, ["fit", str(tmp_path / "run"), "--n-boot", "30", "--seed", "5"])[0] == 0
    assert snapshot(tmp_path)["run/fit.json"] != before["run/fit.json"]
