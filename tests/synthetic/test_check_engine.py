"""synthetic check --engine dask: the parts computed by subprocess tasks on a LocalCluster give
the same records.jsonl and summary.json, byte for byte, as the local engine; a check past its
time limit is killed and nothing is published."""
from __future__ import annotations

import json

from synthetic.cli import main

CHECKS = "rem5,thm7,followup"  # quick sizes: seconds each


def test_dask_with_two_workers_writes_the_local_files(tmp_path, capsys):
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert main(["check", "--quick", "--only", CHECKS, "--out", str(local)]) in (0, 1)
    assert main(["check", "--quick", "--only", CHECKS, "--out", str(dask), "--engine", "dask",
                 "--workers", "2"]) in (0, 1)
    for name in ("records.jsonl", "summary.json"):
        assert (local / name).read_bytes() == (dask / name).read_bytes(), name
    assert sorted(p.name for p in (dask / "parts").iterdir()) == \
        ["followup.jsonl", "rem5.jsonl", "thm7.jsonl"]
    assert not (dask / ".engine").exists()  # scratch folders adopted and removed
    last = json.loads((dask / "config.json").read_text())["invocations"][-1]
    assert last["engine"] == "dask" and last["ran"] == ["rem5", "thm7", "followup"]
    # a rerun resumes every part on the engine too: nothing is recomputed
    assert main(["check", "--quick", "--only", CHECKS, "--out", str(dask), "--engine", "dask",
                 "--workers", "2"]) in (0, 1)
    last = json.loads((dask / "config.json").read_text())["invocations"][-1]
    assert last["ran"] == [] and last["resumed"] == ["rem5", "thm7", "followup"]
    assert (local / "records.jsonl").read_bytes() == (dask / "records.jsonl").read_bytes()


def test_a_check_past_its_time_limit_is_killed_and_nothing_is_published(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["check", "--quick", "--only", "thm4", "--out", str(out), "--engine", "dask",
                 "--workers", "1", "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "thm4 (timed out" in err and err.count("\n") == 1
    assert not (out / "records.jsonl").exists() and not (out / "parts" / "thm4.jsonl").exists()


def test_engine_options_are_checked_before_any_work(tmp_path, capsys):
    for args, words in ((["--workers", "2"], "--engine dask"),
                        (["--engine", "dask", "--workers", "0"], "--workers must be"),
                        (["--timeout", "5"], "--timeout needs --engine dask"),
                        (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"],
                         "cannot connect")):
        out = tmp_path / "x"
        assert main(["check", "--quick", "--only", "thm7", "--out", str(out), *args]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err
        assert not (out / "records.jsonl").exists()


def test_a_damaged_scratch_folder_is_refused_before_any_task(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    for make in (lambda s: s.write_text("x"),  # .engine a file
                 lambda s: s.symlink_to(elsewhere),  # .engine a link
                 lambda s: (s.mkdir(), (s / "thm7").symlink_to(elsewhere)),
                 lambda s: (s.mkdir(), (s / "thm7.log").symlink_to(elsewhere / "keep.txt")),
                 lambda s: (s.mkdir(), (s / "thm7").write_text("x"))):
        out = tmp_path / "run"
        if out.exists():
            import shutil
            shutil.rmtree(out)
        out.mkdir()
        make(out / ".engine")
        code = main(["check", "--quick", "--only", "thm7", "--out", str(out), "--engine", "dask",
                     "--workers", "1"])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "remove it" in err, err
        assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
        assert (elsewhere / "keep.txt").read_text() == "mine"
        assert not (out / "records.jsonl").exists() and not (out / "parts").exists()
