"""nn_checks sweep: settings x seeds on the local engine and on a Dask LocalCluster give the
same files, byte for byte; refusals of bad sweeps are one line, exit 2, nothing run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nn_checks.cli import main
from nn_checks.data.provision import find_datasets
from nn_checks.sweep import parse_runs, plan_sweep

HAVE_DATA = not any(isinstance(v, Exception) for v in find_datasets().values())
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="PTB or the image set absent: make data")
SETTINGS = "lstm_lr30clip0.25,resnet20_lr5clip0.25"


def sweep(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nn_checks", "sweep", "--runs", SETTINGS,
                           "--seeds", "0-1", "--preset", "smoke", "--out", str(out), "--json",
                           *extra], capture_output=True, text=True, timeout=900)


def files(out: Path) -> dict[str, bytes]:
    names = ("metrics.csv", "epochs.csv", "fit.json")
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.name in names}


def without_wall_time(path: Path) -> dict:
    data = json.loads(path.read_text())
    for row in data["runs"]:
        row["wall_seconds"] = None  # the one number no two runs share (README, "Sweeps")
    return data


@needs_data
def test_local_and_dask_with_two_workers_write_identical_files(tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    a = sweep(local, "--threads-per-run", "1")
    b = sweep(dask, "--engine", "dask", "--workers", "2", "--threads-per-run", "1")
    assert a.returncode == 0, a.stderr[-2000:]
    assert b.returncode == 0, b.stderr[-2000:]
    fa, fb = files(local), files(dask)
    assert len(fa) == 12 and sorted(fa) == sorted(fb)  # 2 settings x 2 seeds x 3 files
    for name in fa:
        assert fa[name] == fb[name], name
    assert without_wall_time(local / "claims.json") == without_wall_time(dask / "claims.json")
    ma, mb = (json.loads((d / "sweep.json").read_text()) for d in (local, dask))
    assert ma["engine"]["engine"] == "local" and mb["engine"] == {
        "engine": "dask", "workers": 2, "scheduler": None, "gpus": None}
    assert ma["threads_per_run"] == mb["threads_per_run"] == 1
    claims = json.loads((dask / "claims.json").read_text())
    assert [s["n_seeds"] for s in claims["settings"]] == [2, 2]
    assert {c["aggregation"] for c in claims["claims"]} <= {"across 2 seeds", "single seed",
                                                             "across 0 seeds"}
    # the seeds differ: the sweep really ran two seeds, not one twice
    assert fa["lstm_lr30clip0.25/seed0/metrics.csv"] != fa["lstm_lr30clip0.25/seed1/metrics.csv"]
    # a rerun resumes: nothing is retrained, the files stay as they are
    stamps = {p: p.stat().st_mtime_ns for p in local.rglob("*") if p.name in
              ("metrics.csv", "fit.json") or p.suffix == ".log"}
    c = sweep(local, "--threads-per-run", "1")
    assert c.returncode == 0 and files(local) == fa
    # not rerun: no measure, no fit (fit.json untouched), nothing logged
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert all(t["kept"] for t in json.loads((local / "sweep.json").read_text())["tasks"])
    # a fit older than its metrics is redone (and only that run's task runs)
    redo = local / "lstm_lr30clip0.25" / "seed1"
    (redo / "fit.json").unlink()
    e = sweep(local, "--threads-per-run", "1")
    assert e.returncode == 0 and files(local) == fa
    kept = {t["key"]: t["kept"] for t in json.loads((local / "sweep.json").read_text())["tasks"]}
    assert kept == {k: k != "lstm_lr30clip0.25/seed1" for k in kept}
    # and another thread count is refused before anything runs (its results would differ)
    d = sweep(local, "--threads-per-run", "2")
    assert d.returncode == 2 and "threads_per_run = 1" in d.stderr and files(local) == fa


def test_runs_are_parsed_in_the_order_of_make():
    assert parse_runs("resnet20_sgdmom,lstm_lr2noclip") == ("lstm_lr2noclip", "resnet20_sgdmom")
    assert len(parse_runs("all")) == 6
    for bad in ("", "lstm", "all,lstm_lr2noclip", "lstm_lr2noclip,", "../x"):
        with pytest.raises(ValueError, match="--runs"):
            parse_runs(bad)


def test_the_tasks_are_measure_then_fit_with_relative_folders(tmp_path):
    plan = plan_sweep(tmp_path / "s", "smoke", ("lstm_lr2noclip",), (3, 7), 2, "cpu")
    tasks = plan.tasks()
    assert [t.key for t in tasks] == ["lstm_lr2noclip/seed3", "lstm_lr2noclip/seed7"]
    measure, fit = tasks[0].commands
    assert measure[1:4] == ("-m", "nn_checks", "measure") and "--seed" in measure
    assert measure[measure.index("--seed") + 1] == "3" and "--out=lstm_lr2noclip/seed3" in measure
    assert fit[-1] == "lstm_lr2noclip/seed3" and tasks[0].cwd == str((tmp_path / "s").absolute())
    assert ("OMP_NUM_THREADS", "2") in tasks[0].env and tasks[0].resources == ()
    gpu = plan_sweep(tmp_path / "g", "paper", ("lstm_lr2noclip",), (0,), None, "cuda").tasks()
    assert gpu[0].resources == (("GPU", 1.0),)  # one training run per GPU at a time


@pytest.mark.parametrize("args, words", [
    (["--runs", "lstm_x", "--seeds", "0", "--preset", "smoke"], "--runs: unknown setting"),
    (["--runs", "all", "--seeds", "4-0", "--preset", "smoke"], "decreases"),
    (["--runs", "all", "--seeds", "0", "--preset", "huge"], "invalid choice"),
    (["--runs", "all", "--seeds", "0", "--preset", "smoke", "--workers", "2"], "--engine dask"),
    (["--runs", "all", "--seeds", "0", "--preset", "smoke", "--engine", "dask",
      "--workers", "0"], "--workers must be"),
    (["--runs", "all", "--seeds", "0", "--preset", "smoke", "--threads-per-run", "0"],
     "--threads-per-run"),
    (["--runs", "all", "--seeds", "0", "--preset", "smoke", "--timeout", "-1"], "--timeout"),
    (["--runs", "all", "--seeds", "0", "--preset", "smoke", "--device", "cuda:1"], "--device"),
    (["--runs", "all", "--seeds", "0", "--preset", "smoke", "--ptb-dir", "/nonexistent"],
     "/nonexistent"),
])
def test_bad_sweeps_are_one_line_and_exit_2(tmp_path, capsys, args, words):
    out = tmp_path / "out"
    assert main(["sweep", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nn_checks: error:") and "\n" not in err and words in err, err
    assert not out.exists()


def test_a_folder_of_single_runs_is_not_a_sweep_folder(tmp_path, capsys):
    out = tmp_path / "cpu"
    (out / "lstm_lr2noclip").mkdir(parents=True)
    (out / "lstm_lr2noclip" / "config.json").write_text("{}")
    assert main(["sweep", "--runs", "lstm_lr2noclip", "--seeds", "0", "--preset", "smoke",
                 "--out", str(out)]) == 2
    assert "holds one run" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "lstm_lr2noclip").iterdir()) == ["config.json"]


@pytest.mark.parametrize("content, words", [
    ("{", "cannot read it as JSON"),
    ('{"schema": "other"}', "not a sweep manifest"),
    ('{"schema": "l0l1-sweep/1", "preset": "cpu", "threads_per_run": 1}', "preset 'cpu'"),
])
def test_a_damaged_or_foreign_manifest_is_refused(tmp_path, capsys, content, words):
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.json").write_text(content)
    assert main(["sweep", "--runs", "lstm_lr2noclip", "--seeds", "0", "--preset", "smoke",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and sorted(p.name for p in out.iterdir()) == ["sweep.json"]


@pytest.mark.parametrize("layout, words", [
    # a make-reproduce tree: another setting than the one swept holds a run (and its claims.json)
    ({"lstm_lr30clip0.25/config.json": "{}", "claims.json": "{}"}, "holds one run"),
    ({"config.json": "{}"}, "holds a run (config.json)"),  # a run folder itself
    ({"records.jsonl": "", "summary.json": "{}"}, "files of another command"),  # synthetic check
    ({"seed0/config.json": "{}"}, "files of another command"),  # a setting folder of a sweep
])
def test_a_folder_of_another_layout_or_command_is_refused_untouched(tmp_path, capsys, layout,
                                                                    words):
    out = tmp_path / "out"
    for name, content in layout.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(content)
    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["sweep", "--runs", "lstm_lr2noclip", "--seeds", "0", "--preset", "smoke",
                 "--timeout", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nn_checks: error:") and "\n" not in err and words in err, err
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("field", ['"runs_all": 5', '"runs_all": [[1]]', '"seeds_all": ["a", 1]',
                                   '"seeds_all": {"x": 1}', '"seeds_all": [-1]',
                                   '"runs_all": ["lstm_x"]'])
def test_a_manifest_with_damaged_lists_is_refused_before_anything_runs(tmp_path, capsys, field):
    out = tmp_path / "out"
    out.mkdir()
    text = '{"schema": "l0l1-sweep/1", "preset": "smoke", "threads_per_run": 1, ' + field + "}"
    (out / "sweep.json").write_text(text)
    assert main(["sweep", "--runs", "lstm_lr2noclip", "--seeds", "0", "--preset", "smoke",
                 "--threads-per-run", "1", "--timeout", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a sweep manifest" in err and "\n" not in err, err
    assert sorted(p.name for p in out.iterdir()) == ["sweep.json"]
    assert (out / "sweep.json").read_text() == text


@pytest.mark.parametrize("name", ["logs", "lstm_lr2noclip", "sweep.json"])
def test_a_linked_entry_of_the_sweep_folder_is_refused(tmp_path, capsys, name):
    """The logs (appended), the run folders and the manifest would be written where a link
    points, outside the sweep folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(elsewhere)
    assert main(["sweep", "--runs", "lstm_lr2noclip", "--seeds", "0", "--preset", "smoke",
                 "--timeout", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "is a symbolic link" in err and "\n" not in err, err
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == [name]


@needs_data
def test_the_printed_manifest_is_the_one_written(tmp_path, capsys, monkeypatch):
    """--json printed a second manifest() (its own finished_utc and git revision)."""
    import nn_checks.sweep as sweep_module

    stamps = iter(range(100))
    monkeypatch.setattr(sweep_module, "git_revision", lambda: f"rev{next(stamps)}")
    out = tmp_path / "out"
    code = main(["sweep", "--runs", "lstm_lr2noclip", "--seeds", "0", "--preset", "smoke",
                 "--threads-per-run", "1", "--timeout", "1e-9", "--out", str(out), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 2 and printed["manifest"]["tasks"][0]["timed_out"] is True  # a time limit
    assert printed["manifest"] == json.loads((out / "sweep.json").read_text())


def test_another_device_than_the_sweeps_is_refused(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    (out / "sweep.json").write_text(json.dumps({
        "schema": "l0l1-sweep/1", "preset": "smoke", "threads_per_run": 1, "device": "cpu",
        "runs_all": ["lstm_lr2noclip"], "seeds_all": [0]}))
    assert plan_sweep(out, "smoke", ("lstm_lr2noclip",), (1,), 1, "cpu").seeds == (1,)
    with pytest.raises(ValueError, match="device 'cpu', not 'cuda'"):
        plan_sweep(out, "smoke", ("lstm_lr2noclip",), (1,), 1, "cuda")
