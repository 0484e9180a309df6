"""Negative controls of the byte-exact resume: what the byte comparison of test_nn_resume_kills.py
must catch. A checkpoint carrying another learning rate, a resume that does not install the
checkpoint's random generator state (dropout masks), and a checkpoint whose SGD momentum
buffers were zeroed (ResNet20) each write rows that differ from the uninterrupted run's."""
from __future__ import annotations

import pytest
import torch

from nn_checks.config import resolve
from nn_checks.train import measure
from nn_fixtures import needs_ptb, synthetic_images
from resume_helpers import RESUMED, SMALL, _interrupted_then_resumed

pytestmark = needs_ptb


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


def test_the_resume_comparison_sees_a_random_state_not_restored(tmp_path, monkeypatch):
    """Negative control: with the checkpoint's RNG state not installed (restore_rng a no-op), the
    dropout masks after the resume differ and so do the rows -- the byte comparison of
    test_nn_resume_kills.py would catch a resume that forgot the generator."""
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
