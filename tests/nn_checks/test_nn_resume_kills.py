"""Byte-exact resume after kills: kill -9 halfway through a checkpoint write (the default run)
and at six chosen moments in a row on one folder (slow); a resume carrying dropout masks,
AWD-LSTM's variable windows, ResNet20's BatchNorm buffers and SGD momentum. After each, the
resumed CSV files are byte-identical to an uninterrupted run's and config.json differs only in
wall_seconds. (What the byte comparison must catch: test_nn_resume_controls.py.)"""
from __future__ import annotations

import signal

import pytest
import torch

from nn_checks.config import resolve
from nn_checks.train import measure
from nn_fixtures import needs_ptb, synthetic_images
from resume_helpers import (
    RESUMED,
    SMALL,
    _config_without_wall,
    _drive,
    _interrupted_then_resumed,
)

pytestmark = needs_ptb

# the default run's kill: one epoch of 5 windows, no probe (the probed rows are resumed under a
# SIGKILL in test_second_writer_is_refused_and_an_arbitrary_kill_resumes, in
# test_nn_resume_writer.py)
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
