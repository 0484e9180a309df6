"""Who may write a run folder: a second writer is refused while the first holds the folder's
lock (the first, stopped and then killed with SIGKILL where it stands, resumes byte-exactly); a
folder that is not a run's (another run's files, a damaged config.json) is never touched; a full
disk keeps the previous checkpoint and the rerun finishes byte-identically. Every refusal is one
line, exit 2, and leaves the folder's files byte-identical."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys

import pytest
import torch

from nn_checks.cli import main
from nn_checks.config import resolve
from nn_checks.train import measure
from nn_fixtures import needs_ptb
from resume_helpers import ARGV, DRIVER, ROOT, _files

pytestmark = needs_ptb


def test_second_writer_is_refused_and_an_arbitrary_kill_resumes(tmp_path, capsys):
    """A runs in a subprocess and stops itself (SIGSTOP) at step 5, after its first checkpoint,
    still holding the folder: a second measure exits 2 naming A's pid and changes nothing. A is
    then killed with SIGKILL where it stands; a rerun resumes to the end and the files equal an
    uninterrupted run's. (A stops itself, so no timing decides where it is.)"""
    out, whole = tmp_path / "run", tmp_path / "whole"
    steps = {"steps": 12}
    argv = ["measure", "--model", "lstm", "--preset", "smoke", "--steps", "12",
            "--checkpoint-every", "2", "--device", "cpu", "--out", str(out)]
    a = subprocess.Popen([sys.executable, "-c", DRIVER, str(out), "stop:5", json.dumps(steps)],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _, status = os.waitpid(a.pid, os.WUNTRACED)  # returns once A has stopped (or died)
        assert os.WIFSTOPPED(status), f"A ended before stopping itself (status {status})"
        assert (out / "checkpoint.pt").exists()
        before = _files(out)
        assert main(argv) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and f"pid {a.pid}" in lines[0] and "another process" in lines[0]
        assert _files(out) == before
    finally:
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=60)
    assert a.returncode == -signal.SIGKILL
    assert main(argv) == 0
    measure(resolve("lstm", "smoke", **steps), whole)
    for name in ("metrics.csv", "epochs.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


@pytest.mark.parametrize("name", ["metrics.csv", "epochs.csv", "checkpoint.pt"])
def test_another_runs_files_are_never_touched(name, tmp_path, capsys):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / name).write_bytes(b"step,loss\n0,1.5\n")
    (folder / "notes.txt").write_text("mine")
    before = _files(folder)
    assert main(ARGV + ["--out", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no config.json" in err[0] and name in err[0]
    assert _files(folder) == before  # no .lock either


def test_damaged_config_json_is_refused(tmp_path, capsys):
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / "config.json").write_text('{"config": ')
    before = _files(folder)
    assert main(ARGV + ["--out", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "config.json" in err[0]
    assert _files(folder) == before


def test_disk_full_keeps_the_previous_checkpoint(tmp_path, monkeypatch, capsys):
    """The third checkpoint write fails with ENOSPC: one line, exit 2, no temporary file, the
    checkpoint of step 4 intact; the rerun finishes byte-identically."""
    import nn_checks.checkpoint as ck

    whole, out = tmp_path / "whole", tmp_path / "full"
    measure(resolve("lstm", "smoke", steps=8, probe="none"), whole)
    real, calls = ck.atomic_write, [0]

    def full(path, write):
        calls[0] += 1
        if calls[0] == 3:
            def write(handle):
                handle.write(b"partial")
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, write)
    monkeypatch.setattr(ck, "atomic_write", full)
    argv = ["measure", "--model", "lstm", "--preset", "smoke", "--steps", "8", "--probe", "none",
            "--device", "cpu", "--checkpoint-every", "2", "--out", str(out)]
    assert main(argv) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("nn_checks: error: cannot write")
    assert "checkpoint.pt" in errors[0] and "no space left" in errors[0]
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    state = torch.load(out / "checkpoint.pt", map_location="cpu", weights_only=True)["state"]
    assert state["step"] == 4
    monkeypatch.setattr(ck, "atomic_write", real)
    assert main(argv) == 0
    for name in ("metrics.csv", "epochs.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
