"""``python -m nn_checks fit``: metrics.csv checked against its schema before anything is written,
a refused fit leaves an existing fit.json byte-identical, bounded work, atomic writes."""
from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from nn_checks.cli import main
from nn_checks.metrics import read_metrics, smoothness_pairs
from nn_checks.runfolder import METRICS
from plumbing.locks import RunLock


def write_metrics(folder, n=60, seed=3, header=METRICS, diverged=None):
    """A metrics.csv as measure writes it: its header, repr floats, CRLF line ends."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "metrics.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(header)
        for i in range(n):
            g = float(np.exp(rng.normal()))
            row = {"step": i, "epoch": i // 30, "lr": 30.0, "loss": 6.0 - i / n,
                   "grad_norm": repr(g), "clipped": int(g > 0.25), "update_norm": 7.5,
                   "smoothness": repr(float(1.0 + 2.0 * g + rng.uniform(0, 1))),
                   "hessian_top_eig": "", "n_hvps": "", "probe_grad_norm": repr(g)}
            w.writerow([row.get(c, "") for c in header])
        if diverged is not None:  # the writer leaves a non-finite loss empty (older files: "nan")
            w.writerow([n, (n - 1) // 30, 30.0, diverged] + [""] * (len(header) - 4))
    return folder / "metrics.csv"


def fit(folder, *extra):
    return main(["fit", str(folder), "--n-boot", "20", *extra])


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("nn_checks: error:") and "\n" not in err and "Traceback" not in err
    return err


@pytest.fixture
def good(tmp_path):
    """A run folder with a good metrics.csv and the good fit.json fitted from it."""
    write_metrics(tmp_path)
    assert fit(tmp_path) == 0
    return tmp_path


def test_good_metrics_fit_and_the_q1_envelope_is_reported(good, capsys):
    assert fit(good) == 0
    data = json.loads((good / "fit.json").read_text())
    assert data["status"] == "fitted" and data["n"] == 60 and data["source"]["x"] == \
        "probe_grad_norm"
    assert [e["quantile"] for e in data["envelope"]] == [1.0, 0.9]
    out = capsys.readouterr().out
    assert f"L1 = {data['envelope'][0]['L1']:.4g}" in out and "envelope (q = 1)" in out


def test_the_reported_envelope_is_the_q1_entry_wherever_it_stands(tmp_path, capsys,
                                                                  monkeypatch):
    """Negative control of a positional pick (``fit["envelope"][0]``): with the quantiles fitted
    in the order (0.9, 1.0), fit.json lists q = 0.9 first, and the line printed is still the
    q = 1 entry's; the two entries' constants differ, so the wrong pick would show."""
    from nn_checks import analyse

    monkeypatch.setattr(analyse, "FIT_QUANTILES", (0.9, 1.0))
    write_metrics(tmp_path)
    assert fit(tmp_path) == 0
    data = json.loads((tmp_path / "fit.json").read_text())
    assert [e["quantile"] for e in data["envelope"]] == [0.9, 1.0]
    q09, q1 = data["envelope"]
    assert f"{q09['L1']:.4g}" != f"{q1['L1']:.4g}"
    out = capsys.readouterr().out
    assert f"envelope (q = 1): L0 = {q1['L0']:.4g}, L1 = {q1['L1']:.4g};" in out
    assert f"L1 = {q09['L1']:.4g};" not in out


def test_the_fit_records_the_runs_state_and_notes_an_unfinished_run(tmp_path, capsys):
    """fit.json's source says what the run was when fitted: a running run (config.json of a
    run in progress) gets a note on stderr and run_status "running"; a finished one none."""
    write_metrics(tmp_path)
    config = {"config": {}, "status": "running", "steps": 60, "data_sha256": "ab" * 32}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert fit(tmp_path) == 0
    source = json.loads((tmp_path / "fit.json").read_text())["source"]
    assert (source["run_status"], source["run_steps"], source["data_sha256"]) == \
        ("running", 60, "ab" * 32)
    assert "still in progress (60 steps so far)" in capsys.readouterr().err
    (tmp_path / "config.json").write_text(json.dumps({**config, "status": "finished"}))
    assert fit(tmp_path) == 0
    assert json.loads((tmp_path / "fit.json").read_text())["source"]["run_status"] == "finished"
    assert "in progress" not in capsys.readouterr().err
    (tmp_path / "config.json").unlink()  # the fit itself needs only metrics.csv
    assert fit(tmp_path) == 0
    assert json.loads((tmp_path / "fit.json").read_text())["source"]["run_status"] is None
    before = (tmp_path / "fit.json").read_bytes()
    capsys.readouterr()
    for damaged in ("{ damaged", json.dumps({**config, "steps": "many"}),
                    json.dumps({**config, "data_sha256": 12}), json.dumps([config])):
        (tmp_path / "config.json").write_text(damaged)
        assert fit(tmp_path) == 2 and "config.json" in one_line(capsys)
        assert (tmp_path / "fit.json").read_bytes() == before


@pytest.mark.parametrize("damage,what", [
    (lambda t: t[:-7], "is truncated (no line end)"),  # cut in the last line
    (lambda t: t.replace("\r\n10,0,", "\r\n9,0,", 1), "line 12: step 9 does not increase"),
    (lambda t: t.replace(",7.5,", ",abc,", 1), "line 2: column update_norm = 'abc'"),
    (lambda t: t.replace(",7.5,", ",-7.5,", 1), "line 2: column update_norm = '-7.5'"),
    (lambda t: t.replace(",30.0,", ",30.0,,", 1), f"line 2: {len(METRICS) + 1} fields, the header has {len(METRICS)}"),
    (lambda t: t.replace("step,epoch", "epoch,step", 1), "line 1: header"),
    (lambda t: t.replace(t.split("\r\n")[1], "0,0,30.0,nan" + "," * (len(METRICS) - 4), 1),
     "line 2: a diverged step"),  # a diverged row before the last
    (lambda t: "\ufeff" + t, "line 1: header"),
    (lambda t: "", "empty file"),
])
def test_damaged_metrics_refused_and_good_fit_json_untouched(good, capsys, damage, what):
    """Today's bug: fit on a truncated CSV overwrote a good fit.json."""
    path = good / "metrics.csv"
    with open(path, newline="") as handle:
        text = handle.read()
    assert damage(text) != text
    path.write_text(damage(text), newline="")
    before = (good / "fit.json").read_bytes()
    listing = sorted(os.listdir(good))
    for extra in ((), ("--allow-insufficient",)):  # damage is never "insufficient"
        assert fit(good, *extra) == 2
        err = one_line(capsys)
        assert str(path) in err and what in err
        assert (good / "fit.json").read_bytes() == before
        assert sorted(os.listdir(good)) == listing  # no temporary or lock file either


def test_earlier_header_and_lf_line_ends_are_read(tmp_path):
    old = METRICS[:METRICS.index("probe_grad_norm")]  # before probe_grad_norm existed
    write_metrics(tmp_path, header=old)
    x, y, column = smoothness_pairs(tmp_path / "metrics.csv")
    assert column == "grad_norm" and x.size == 60
    text = (tmp_path / "metrics.csv").read_bytes().replace(b"\r\n", b"\n")
    (tmp_path / "metrics.csv").write_bytes(text)
    assert smoothness_pairs(tmp_path / "metrics.csv")[0].size == 60
    too_short = METRICS[:METRICS.index("smoothness")]  # negative control: no smoothness column
    write_metrics(tmp_path, header=too_short)
    with pytest.raises(ValueError, match="header"):
        read_metrics(tmp_path / "metrics.csv")


@pytest.mark.parametrize("loss", ["", "nan", "1234.5"])
def test_a_diverged_last_row_is_read_and_dropped(tmp_path, loss):
    write_metrics(tmp_path, n=10, diverged=loss)
    header, rows = read_metrics(tmp_path / "metrics.csv")
    assert len(rows) == 11 and rows[-1]["grad_norm"] is None
    assert smoothness_pairs(tmp_path / "metrics.csv")[0].size == 10
    with open(tmp_path / "metrics.csv", newline="") as handle:  # the same row mid-file: damage
        lines = handle.read().splitlines(keepends=True)
    (tmp_path / "metrics.csv").write_text("".join(lines[:5] + lines[-1:] + lines[5:-1]),
                                          newline="")
    with pytest.raises(ValueError, match="line 6: step 10 does not increase|line 6: a diverged"):
        read_metrics(tmp_path / "metrics.csv")


@pytest.mark.parametrize("argv,match", [
    (["--n-boot", "1"], "--n-boot must be between 2 and 100000, got 1"),
    (["--n-boot", "0"], "--n-boot must be between 2 and 100000"),
    (["--n-boot", "100001"], "--n-boot must be between 2 and 100000"),
    (["--n-boot", "1e8"], "invalid int value"),
    (["--seed", "-1"], "--seed must be between 0"),
])
def test_bad_options_refused_before_work(good, capsys, argv, match):
    before = (good / "fit.json").read_bytes()
    assert main(["fit", str(good), *argv]) == 2
    assert match in one_line(capsys)
    assert (good / "fit.json").read_bytes() == before


def test_work_bound_names_the_largest_n_boot(tmp_path, capsys):
    write_metrics(tmp_path, n=2_000)
    assert main(["fit", str(tmp_path), "--n-boot", "60000"]) == 2  # 1.2e8 resampled points
    err = one_line(capsys)
    assert "--n-boot 60000" in err and "use n_boot <= 50000" in err
    assert not (tmp_path / "fit.json").exists()


def test_missing_folder_or_file(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "absent")]) == 2
    assert "no such run folder" in one_line(capsys)
    assert main(["fit", str(tmp_path)]) == 2
    assert "metrics.csv not found" in one_line(capsys)


def test_a_folder_being_written_is_refused(good, capsys):
    before = (good / "fit.json").read_bytes()
    with RunLock(good, "measure"):
        assert fit(good) == 2
        assert "being written by another process" in one_line(capsys)
    assert (good / "fit.json").read_bytes() == before


def test_failed_write_keeps_the_old_fit_json_and_no_temp_file(good, capsys, monkeypatch):
    before = (good / "fit.json").read_bytes()
    write_metrics(good, seed=11)  # new data: the fit would change

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", refuse)
    assert fit(good) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress bar
    assert last.startswith("nn_checks: error: cannot write") and "fit.json" in last
    assert (good / "fit.json").read_bytes() == before
    assert not [p for p in os.listdir(good) if p.endswith(".tmp")]
