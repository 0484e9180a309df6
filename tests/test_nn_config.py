"""Presets and the paper's six named runs resolve to what paper.md §6 says; bad input raises."""
from __future__ import annotations

import pytest

from nn_checks.config import PRESETS, RUNS, resolve


@pytest.mark.parametrize("model,run,lr,clip,momentum", [
    ("lstm", "lr30clip0.25", 30.0, 0.25, 0.0), ("lstm", "lr2noclip", 2.0, None, 0.0),
    ("lstm", "lr2clip0.25", 2.0, 0.25, 0.0), ("resnet20", "sgdmom", 0.1, None, 0.9),
    ("resnet20", "lr1noclip", 1.0, None, 0.0), ("resnet20", "lr5clip0.25", 5.0, 0.25, 0.0)])
def test_the_six_settings(model, run, lr, clip, momentum):
    c = resolve(model, "cpu", run)
    assert (c.lr, c.clip, c.momentum) == (lr, clip, momentum)


def test_authors_lm_config_and_awd_paper_preset():
    cpu = resolve("lstm", "cpu")
    assert (cpu.layers, cpu.hidden, cpu.embedding, cpu.batch_size, cpu.bptt, cpu.seed) == \
        (2, 512, 200, 16, 70, 1111)  # batch 16, not the authors' 256: see PRESETS
    paper = resolve("lstm", "paper")
    assert (paper.layers, paper.hidden, paper.embedding, paper.tie_weights) == (3, 1150, 400, True)
    assert paper.variable_bptt and not cpu.variable_bptt


def test_every_preset_and_run_resolves():
    for model in RUNS:
        for preset in PRESETS[model]:
            for run in RUNS[model]:
                assert resolve(model, preset, run).run == run


def test_overrides_are_type_checked():
    assert resolve("lstm", "smoke", lr=1.5, clip=None).clip is None
    with pytest.raises(ValueError, match="integer"):
        resolve("lstm", "smoke", bptt=2.5)
    with pytest.raises(ValueError, match="unknown setting"):
        resolve("lstm", "smoke", learning_rate=1.0)


@pytest.mark.parametrize("args,kwargs,match", [
    (("gpt",), {}, "unknown model"), (("lstm", "huge"), {}, "unknown preset"),
    (("lstm", "cpu", "lr5clip0.25"), {}, "unknown run"), (("lstm",), dict(lr=-1.0), "lr"),
    (("lstm",), dict(clip=0.0), "clip"), (("lstm",), dict(probe="fisher"), "probe"),
    (("lstm",), dict(dropout=1.0), "dropout"), (("lstm",), dict(gammas=(0.0,)), "gammas"),
    (("lstm",), dict(probe_batches=0), "probe_batches"),
    (("resnet20",), dict(eval_images=0), "eval_images")])
def test_bad_input_raises(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        resolve(*args, **kwargs)
