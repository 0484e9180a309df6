"""What the resume tests (test_nn_resume_*.py) share: SMALL (a run of 2 epochs cut at step 9),
DRIVER (measure in a subprocess that SIGKILLs or SIGSTOPs itself at a chosen moment), a folder's
files as bytes, config.json without its wall time, the measure command line, and RESUMED (the
configurations whose resume must carry dropout masks, variable windows, BatchNorm buffers and
SGD momentum) with the run interrupted and resumed on them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nn_checks.config import resolve
from nn_checks.train import measure
from nn_fixtures import synthetic_images

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


ARGV = ["measure", "--model", "lstm", "--preset", "smoke", "--steps", "3", "--probe", "none",
        "--device", "cpu"]


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
