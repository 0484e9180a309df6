"""Presets and the paper's six named runs resolve to what arXiv:1905.11881, Sec. 6 says; bad input
raises; every number is finite."""
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


@pytest.mark.parametrize("kwargs", [
    dict(lr=float("inf")), dict(lr=float("nan")), dict(lr=-float("inf")),
    dict(momentum=float("nan")), dict(weight_decay=float("inf")), dict(clip=float("inf")),
    dict(clip=float("nan")), dict(dropout=float("nan")), dict(diverge_factor=float("inf")),
    dict(gammas=(0.5, float("nan")))])
def test_non_finite_numbers_are_refused(kwargs):
    with pytest.raises(ValueError, match="finite"):
        resolve("lstm", "smoke", **kwargs)


@pytest.mark.parametrize("kwargs,match", [
    (dict(seed=-1), "seed"), (dict(seed=2**32), "seed"), (dict(max_hvps=0), "max_hvps"),
    (dict(max_hvps=10_001), "max_hvps"), (dict(hessian_every=0), "hessian_every"),
    (dict(hvp="lanczos"), "hvp"), (dict(steps=2.5), "integer"), (dict(hessian_every=1.5),
                                                                  "integer"),
    (dict(seed=True), "integer"), (dict(hvp=3), "string")])
def test_curvature_and_seed_settings_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        resolve("lstm", "smoke", **kwargs)


def test_curvature_defaults_and_schedule():
    from nn_checks.config import hessian_steps

    c = resolve("lstm", "smoke")
    assert (c.hvp, c.max_hvps, c.hessian_every, c.seed) == ("auto", 100, None, 1111)
    assert hessian_steps(c) is None  # secant only
    assert hessian_steps(resolve("lstm", "smoke", probe="hessian", probe_every=3)) == 3
    assert hessian_steps(resolve("lstm", "smoke", probe="secant+hessian", hessian_every=7)) == 7
    assert resolve("lstm", "smoke", lr=2).lr == 2.0 and isinstance(resolve("lstm", lr=2).lr,
                                                                    float)


def test_resnet_paper_preset_probes_every_tenth_step():
    """78,000 steps: the secant on every 10th keeps the three runs within the GPU budget; so
    does the long CPU preset (thousands of steps); every other preset probes every step."""
    assert resolve("resnet20", "paper").probe_every == 10
    for model in RUNS:
        assert resolve(model, "long").probe_every == 10
        for preset in PRESETS[model]:
            if (model, preset) not in (("resnet20", "paper"), (model, "long")):
                assert resolve(model, preset).probe_every == 1


def test_folders_of_an_earlier_version_match_on_new_defaults():
    """A saved config without the settings added since (hessian_every, hvp, max_hvps) is the
    same run when those are at their defaults, another when not."""
    import dataclasses
    import json

    from nn_checks.config import RunConfig
    from nn_checks.runfolder import same_config

    def plain(c):
        return json.loads(json.dumps(dataclasses.asdict(c)))
    defaults = plain(RunConfig())
    current = plain(resolve("lstm", "cpu"))
    old = {k: v for k, v in current.items() if k not in ("hessian_every", "hvp", "max_hvps")}
    assert same_config(old, current, defaults)
    assert not same_config(old, plain(resolve("lstm", "cpu", max_hvps=50)), defaults)
    assert not same_config({**old, "lr": 2.0}, current, defaults)
    assert not same_config({**current, "extra": 1}, current, defaults)


def test_describe_presets_names_every_preset_and_run():
    from nn_checks.config import describe_presets

    text = describe_presets()
    for model in RUNS:
        for name in list(PRESETS[model]) + list(RUNS[model]):
            assert name in text
