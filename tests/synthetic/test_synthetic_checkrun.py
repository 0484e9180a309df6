"""``python -m synthetic check`` as a run-folder writer: --only adds to a run, one writer at a
time, an interrupted call changes nothing, parts are resumed or redone, exit codes 0/1/2.

Uses the two fastest quick checks (thm7, followup: well under a second together).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import synthetic.checks.followup as followup
import synthetic.checks.thm7 as thm7
from synthetic.checkrun import check_of
from synthetic.cli import main
from plumbing.locks import RunLock

ROOT = Path(__file__).resolve().parents[2]


def check(capsys, out, *extra):
    code = main(["check", "--quick", "--out", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def lines_of(path: Path, name: str) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines(keepends=True)
            if check_of(json.loads(line)) == name]


def published(folder: Path) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes()
            for n in ("records.jsonl", "summary.json", "config.json", "env.json")}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A finished quick run of thm7 and followup (copied by each test that changes it)."""
    out = tmp_path_factory.mktemp("made") / "run"
    assert main(["check", "--quick", "--only", "thm7,followup", "--out", str(out)]) == 0
    return out


@pytest.fixture
def run(made, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(made, out)
    return out


def test_only_adds_to_a_run_and_keeps_the_other_checks_records_byte_identical(run, capsys):
    before_followup = lines_of(run / "records.jsonl", "followup")
    before_thm7 = lines_of(run / "records.jsonl", "thm7")
    assert len(before_followup) > 10 and len(before_thm7) > 0
    (run / "parts" / "thm7.jsonl").unlink()  # thm7 is really recomputed, not resumed
    code, out, _ = check(capsys, run, "--only", "thm7")
    assert code == 0 and "kept from earlier calls: followup" in out
    assert lines_of(run / "records.jsonl", "followup") == before_followup
    assert lines_of(run / "records.jsonl", "thm7") == before_thm7  # deterministic check
    config = json.loads((run / "config.json").read_text())
    assert config["checks"] == ["thm7", "followup"] and config["quick"] is True
    assert set(config["configs"]) == set(config["seconds"]) == {"thm7", "followup"}
    assert [i["checks"] for i in config["invocations"]] == [["thm7", "followup"], ["thm7"]]
    assert config["invocations"][-1]["ran"] == ["thm7"]
    data = (run / "records.jsonl").read_bytes()
    assert config["records_sha256"] == hashlib.sha256(data).hexdigest()
    summary = json.loads((run / "summary.json").read_text())
    counts = {}
    for row in summary["rows"]:
        counts[row["check"]] = counts.get(row["check"], 0) + row["records"]
    assert counts == {"thm7": len(before_thm7), "followup": len(before_followup)}


def test_only_a_new_check_is_added_to_the_union(tmp_path, capsys):
    out = tmp_path / "run"
    assert check(capsys, out, "--only", "thm7")[0] == 0
    first = lines_of(out / "records.jsonl", "thm7")
    code, text, _ = check(capsys, out, "--only", "followup", "--json")
    answer = json.loads(text)
    assert code == 0 and answer["kept"] == ["thm7"] and answer["checks"] == ["followup"]
    assert lines_of(out / "records.jsonl", "thm7") == first
    assert answer["records"] == len((out / "records.jsonl").read_bytes().splitlines())
    assert {check_of(json.loads(x)) for x in (out / "records.jsonl").read_bytes().splitlines()} \
        == {"thm7", "followup"}


def test_refusals_change_nothing(run, capsys):
    before = published(run)
    code = main(["check", "--out", str(run), "--only", "thm7"])  # not --quick
    err = capsys.readouterr().err
    assert code == 2 and "--quick" in err and "followup" in err and err.count("\n") == 1
    config = json.loads((run / "config.json").read_text())
    (run / "records.jsonl").write_bytes(before["records.jsonl"].replace(b"pass", b"fail", 1))
    code, _, err = check(capsys, run, "--only", "thm7")
    assert code == 2 and "records_sha256" in err  # an edit is not silently carried over
    (run / "records.jsonl").write_bytes(before["records.jsonl"])
    (run / "config.json").write_text(json.dumps({**config, "quick": "yes"}))
    code, _, err = check(capsys, run, "--only", "thm7")
    assert code == 2 and "'quick'" in err and "config.json" in err
    (run / "config.json").write_bytes(before["config.json"])
    assert published(run) == before


def test_a_second_writer_is_refused_naming_the_holder(run, capsys):
    before = published(run)
    with RunLock(run, "test holder"):
        code, _, err = check(capsys, run, "--only", "thm7")
    assert code == 2 and err.count("\n") == 1 and f"pid {os.getpid()}" in err
    assert "being written by another process" in err and published(run) == before
    assert check(capsys, run, "--only", "thm7")[0] == 0  # released: the next call runs


def test_a_second_process_is_refused_while_the_first_holds_the_lock(run):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with RunLock(run, "first writer"):
        proc = subprocess.run([sys.executable, "-m", "synthetic", "check", "--quick", "--only",
                               "thm7", "--out", str(run)], capture_output=True, text=True,
                              timeout=120, env=env, cwd=run.parent)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and f"pid {os.getpid()}" in proc.stderr
    assert "being written by another process" in proc.stderr


def test_an_interrupted_call_leaves_the_published_files_as_they_were(run, capsys, monkeypatch):
    before = published(run)
    for part in (run / "parts").iterdir():
        part.unlink()

    def interrupted(config, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(followup, "run", interrupted)
    code, _, err = check(capsys, run, "--only", "thm7,followup")
    assert code == 130 and "resume" in err
    assert published(run) == before
    assert (run / "parts" / "thm7.jsonl").exists()  # the finished part is kept for the resume
    assert not (run / "parts" / "followup.jsonl").exists()


def test_finished_parts_are_resumed_and_damaged_or_stale_ones_redone(run, capsys, monkeypatch):
    calls = []
    real = thm7.run

    def counted(config, progress=None):
        calls.append(1)
        return real(config, progress=progress)

    monkeypatch.setattr(thm7, "run", counted)
    before = lines_of(run / "records.jsonl", "thm7")
    code, _, _ = check(capsys, run, "--only", "thm7")
    config = json.loads((run / "config.json").read_text())
    assert code == 0 and calls == [] and config["invocations"][-1]["resumed"] == ["thm7"]
    (run / "parts" / "thm7.jsonl").write_text('{"fingerprint": "x"\n')  # damaged
    code, _, _ = check(capsys, run, "--only", "thm7")
    assert code == 0 and calls == [1] and lines_of(run / "records.jsonl", "thm7") == before
    part = (run / "parts" / "thm7.jsonl").read_text().splitlines()
    stale = json.dumps({**json.loads(part[0]), "fingerprint": "0" * 16})
    (run / "parts" / "thm7.jsonl").write_text("\n".join([stale] + part[1:]) + "\n")
    assert check(capsys, run, "--only", "thm7")[0] == 0 and calls == [1, 1]  # stale: redone


def test_exit_code_one_when_a_selected_check_fails(run, capsys, monkeypatch):
    real = thm7.run

    def one_fails(config, progress=None):  # the verdict logic is thm7's; here the exit code
        import dataclasses

        records = real(config, progress=progress)
        return [dataclasses.replace(records[0], verdict="fail")] + records[1:]

    (run / "parts" / "thm7.jsonl").unlink()
    monkeypatch.setattr(thm7, "run", one_fails)
    code, out, _ = check(capsys, run, "--only", "thm7")
    assert code == 1 and "FAIL thm7/" in out
    rows = [json.loads(x) for x in (run / "records.jsonl").read_bytes().splitlines()]
    assert sum(r["verdict"] == "fail" for r in rows) == 1  # written all the same
    assert json.loads((run / "summary.json").read_text())["fails"][0]["check_id"].startswith(
        "thm7/")
    code, _, _ = check(capsys, run, "--only", "followup")
    assert code == 0  # a kept check's fail is not this call's verdict


def test_out_is_validated_before_anything_is_created(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = check(capsys, "")
    assert code == 2 and "--out: empty folder name" in err
    (tmp_path / "file").write_text("x")
    code, _, err = check(capsys, tmp_path / "file", "--only", "thm7")
    assert code == 2 and "not a folder" in err
    code, _, err = check(capsys, tmp_path / "file" / "sub", "--only", "thm7")
    assert code == 2 and "is a file, not a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_run_written_before_invocations_were_recorded_is_extended(run, capsys):
    config = json.loads((run / "config.json").read_text())
    old = {k: v for k, v in config.items() if k not in ("invocations", "records_sha256")}
    (run / "config.json").write_text(json.dumps(old))
    before = lines_of(run / "records.jsonl", "followup")
    (run / "parts" / "thm7.jsonl").unlink()
    assert check(capsys, run, "--only", "thm7")[0] == 0
    config = json.loads((run / "config.json").read_text())
    assert [i["checks"] for i in config["invocations"]] == [["thm7", "followup"], ["thm7"]]
    assert config["invocations"][0]["finished_utc"] is None  # not known for the old call
    assert lines_of(run / "records.jsonl", "followup") == before


def test_selecting_every_check_of_the_run_replaces_it(run, capsys):
    """Nothing would be kept, so a call with the other --quick setting is not refused: the
    run is replaced as a whole (and its invocations start afresh)."""
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "quick": False,
                                                 "checks": ["followup"]}))
    code, _, _ = check(capsys, run, "--only", "followup")
    config = json.loads((run / "config.json").read_text())
    assert code == 0 and config["quick"] is True and config["checks"] == ["followup"]
    assert [i["checks"] for i in config["invocations"]] == [["followup"]]
    assert {check_of(json.loads(x)) for x in (run / "records.jsonl").read_bytes().splitlines()} \
        == {"followup"}


def test_records_of_an_older_version_are_refused_by_name(run, capsys):
    """A records.jsonl written before the result contract (no ``check`` field, digest intact)
    cannot have its other checks kept: one line saying so, nothing changed."""
    import hashlib

    rows = [json.loads(x) for x in (run / "records.jsonl").read_bytes().splitlines()]
    for r in rows:
        r.pop("check")
    data = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()
    (run / "records.jsonl").write_bytes(data)
    config = json.loads((run / "config.json").read_text())
    config["records_sha256"] = hashlib.sha256(data).hexdigest()
    (run / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    code, out, err = check(capsys, run, "--only", "thm7")
    assert code == 2 and err.count("\n") == 1
    assert "record 1 has no check field (written by an older version" in err, err
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before
