"""Run configurations: presets (model and data sizes) and the paper's six named settings.

One frozen dataclass, :class:`RunConfig`, with a comment on each default (nanoGPT style);
:func:`resolve` builds it from a model, a preset, a named run and ``--key value`` overrides,
each override type-checked against the field's declared type, every number finite (nan and inf
are refused). The resolved config is saved beside every result (``config.json``).

Named runs (docs/statements.md §6, Figs 2-4; legend names as in the paper). The ResNet settings
are known only from the captions, and sgdmom's lr, momentum and weight decay are ours
(docs/statements.md §7 and §8 item 9):

========  =============  ====================================================
model     run            setting
========  =============  ====================================================
lstm      lr30clip0.25   SGD lr 30, clip the global gradient norm at 0.25 (the authors' default)
lstm      lr2noclip      SGD lr 2, no clipping
lstm      lr2clip0.25    SGD lr 2, clip at 0.25
resnet20  sgdmom         SGD lr 0.1, momentum 0.9, weight decay 5e-4, no clipping (baseline)
resnet20  lr1noclip      SGD lr 1, no clipping
resnet20  lr5clip0.25    SGD lr 5, clip at 0.25
========  =============  ====================================================
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

__all__ = ["RunConfig", "PRESETS", "RUNS", "MODELS", "HVP_CHOICES", "PROBES", "resolve",
           "hessian_steps", "probe_kind", "describe_presets"]

MODELS = ("lstm", "resnet20")


@dataclass(frozen=True)
class RunConfig:
    """Everything one training run needs; see :func:`resolve`."""

    model: str = "lstm"            # lstm | resnet20
    preset: str = "cpu"            # smoke | cpu | long | paper
    run: str = "lr30clip0.25"      # one of RUNS[model]
    # data
    dataset: str = "ptb"           # ptb | auto | cifar10 | fashion-mnist
    train_tokens: int | None = None  # LM: use only the first N training tokens (None: all)
    train_images: int | None = None  # images: use only the first N training images
    eval_images: int | None = None   # images: evaluate on the first N test images (None: all)
    # LSTM language model (authors' released default: 2 x 512, embedding 200, no dropout)
    layers: int = 2
    hidden: int = 512
    embedding: int = 200
    dropout: float = 0.0           # output dropout
    dropouth: float = 0.0          # between LSTM layers
    dropouti: float = 0.0          # on the input embeddings
    dropoute: float = 0.0          # whole embedding rows
    tie_weights: bool = False
    bptt: int = 70                 # truncated-backprop window (tokens)
    variable_bptt: bool = False    # AWD-LSTM's random windows: N(bptt, 5) (bptt/2 w.p. 0.05),
                                   # lr scaled by window/bptt
    # optimisation
    batch_size: int = 256          # sequences (LM) or images per step
    lr: float = 30.0
    momentum: float = 0.0
    weight_decay: float = 0.0
    clip: float | None = 0.25      # clip the global gradient norm at this value (None: no clip)
    lr_halving_patience: int = 5   # halve lr when validation has not improved for this many epochs
    epochs: int = 1
    steps: int | None = None       # stop after this many steps (None: run the epochs)
    seed: int = 1111               # the authors' seed
    diverge_factor: float = 100.0  # a loss above this multiple of the first loss = divergence
    # smoothness probe
    probe: str = "secant"          # none | secant | hessian | secant+hessian
    probe_every: int = 1           # probe every K steps
    gammas: tuple = (0.5,)         # points of the secant estimator along the update
    probe_batches: int = 1         # 1: the step's own batch (its gradient is reused); k > 1: the
                                   # mean loss over the step's batch and the next k - 1 (the
                                   # authors' large-batch variant, all gradients on that mean)
    # top Hessian eigenvalue (probe hessian or secant+hessian)
    hessian_every: int | None = None  # Hessian on steps with step % K == 0 (None: probe_every)
    hvp: str = "auto"              # auto (exact by double backward where it works, finite
                                   # differences on cuDNN RNNs) | exact | finite-difference
    max_hvps: int = 100            # Hessian-vector products per eigenvalue (Lanczos budget)


_LM_RUNS = {"lr30clip0.25": dict(lr=30.0, clip=0.25), "lr2noclip": dict(lr=2.0, clip=None),
            "lr2clip0.25": dict(lr=2.0, clip=0.25)}
_RESNET_RUNS = {"sgdmom": dict(lr=0.1, momentum=0.9, weight_decay=5e-4, clip=None),
                "lr1noclip": dict(lr=1.0, clip=None), "lr5clip0.25": dict(lr=5.0, clip=0.25)}
RUNS = {"lstm": _LM_RUNS, "resnet20": _RESNET_RUNS}

PRESETS = {
    "lstm": {
        # a tiny model on a real slice of PTB: under a minute on a CPU
        "smoke": dict(layers=1, hidden=32, embedding=32, batch_size=16, bptt=20,
                      train_tokens=20_000, steps=30),
        # the authors' released model (2 x 512, embedding 200, bptt 70) sized for ~3 minutes
        # per run on 2 cores: batch 16 instead of 256 (a step at 256 takes ~11 s there),
        # 2 epochs over the first 56,000 training tokens (50 steps each)
        "cpu": dict(layers=2, hidden=512, embedding=200, batch_size=16, bptt=70,
                    train_tokens=56_000, epochs=2),
        # the released model over the full PTB training set (929,589 tokens: 415 steps of 32 x
        # 70 per epoch) for 15 epochs (6,225 steps), probed every 10th step: measured 1.1 s per
        # step on 2 cores, ~2 hours (README, "The long preset")
        "long": dict(layers=2, hidden=512, embedding=200, batch_size=32, bptt=70, epochs=15,
                     probe_every=10),
        # the standard AWD-LSTM PTB model, for a GPU
        "paper": dict(layers=3, hidden=1150, embedding=400, dropout=0.4, dropouth=0.25,
                      dropouti=0.4, dropoute=0.1, tie_weights=True, batch_size=80,
                      variable_bptt=True, epochs=2),
    },
    "resnet20": {
        "smoke": dict(dataset="auto", batch_size=32, train_images=1_024, steps=20),
        # 3 epochs of 62 steps over 8,000 images, tested on 2,000: ~2.5 minutes on 2 cores
        "cpu": dict(dataset="auto", batch_size=128, train_images=8_000, eval_images=2_000,
                    epochs=3),
        # the full training set (Fashion-MNIST: 60,000 images, 469 steps per epoch) for 40
        # epochs (18,760 steps), tested on the full test set, probed every 10th step: measured
        # 0.45 s per step on 2 cores, ~2.5 hours (README, "The long preset")
        "long": dict(dataset="auto", batch_size=128, epochs=40, probe_every=10),
        # 200 epochs of 390 steps (78,000) on CIFAR-10: the secant probe on every 10th step
        # (a probed step costs about 2.5 plain ones) makes a run ~1.15 x 78,000 plain steps,
        # ~6 GPU-minutes at ~4 ms per step; `python -m nn_checks.gpu_smoke` measures it
        "paper": dict(dataset="auto", batch_size=128, epochs=200, probe_every=10),
    },
}


HVP_CHOICES = ("auto", "exact", "finite-difference")
PROBES = ("none", "secant", "hessian", "secant+hessian")
MAX_SEED = 2**32 - 1
MAX_STEPS = 10**9  # steps or epochs of one run: more is a typo, not an experiment
MAX_HVPS = 10_000  # Lanczos budget cap: each product costs about two gradients


def _kind(name: str) -> str:
    """The declared type of a field without None: "bool", "int", "float", "str" or "tuple"."""
    declared = {f.name: str(f.type) for f in dataclasses.fields(RunConfig)}[name]
    return declared.replace(" | None", "").strip()


def _check_override(name: str, value):
    if name not in {f.name for f in dataclasses.fields(RunConfig)}:
        raise ValueError(f"unknown setting {name!r}")
    if value is None:
        return None
    kind = _kind(name)
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if kind == "str" and not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {value!r}")
    if kind == "tuple":
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{name} must be a list of numbers, got {value!r}")
        value = tuple(value)
    return float(value) if kind == "float" else value


def resolve(model: str, preset: str = "cpu", run: str | None = None, **overrides) -> RunConfig:
    """The config of ``model`` at ``preset`` with the named ``run`` and explicit overrides.

    Raises
    ------
    ValueError
        Unknown model, preset, run or setting; an override of the wrong type; a non-finite
        number (nan, inf) anywhere; a non-positive size, lr or clip; a dropout outside [0, 1);
        an unknown probe or HVP mode; a seed outside [0, 2^32 - 1]; max_hvps outside
        [1, 10,000].
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose {', '.join(MODELS)}")
    if preset not in PRESETS[model]:
        raise ValueError(f"unknown preset {preset!r}; choose {', '.join(PRESETS[model])}")
    run = run or next(iter(RUNS[model]))
    if run not in RUNS[model]:
        raise ValueError(f"unknown run {run!r} for {model}; choose {', '.join(RUNS[model])}")
    values = {"model": model, "preset": preset, "run": run,
              **({"dataset": "auto", "lr": 0.1, "clip": None} if model == "resnet20" else {}),
              **PRESETS[model][preset], **RUNS[model][run]}
    for name, value in overrides.items():
        values[name] = _check_override(name, value)
    config = dataclasses.replace(RunConfig(), **values)
    _validate(config)
    return config


def _validate(c: RunConfig) -> None:
    for f in dataclasses.fields(c):
        value = getattr(c, f.name)
        numbers = value if isinstance(value, tuple) else (value,)
        if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
            raise ValueError(f"{f.name} must be a finite number, got {value}")
    positive = {"lr": c.lr, "batch_size": c.batch_size, "bptt": c.bptt, "epochs": c.epochs,
                "probe_every": c.probe_every, "layers": c.layers, "hidden": c.hidden,
                "embedding": c.embedding}
    for name, value in positive.items():
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    if not (isinstance(c.probe_batches, int) and c.probe_batches >= 1):
        raise ValueError(f"probe_batches must be an integer >= 1, got {c.probe_batches}")
    for name in ("train_tokens", "train_images", "eval_images"):
        if getattr(c, name) is not None and getattr(c, name) < 1:
            raise ValueError(f"{name} must be >= 1 (or none), got {getattr(c, name)}")
    if not c.diverge_factor > 1:
        raise ValueError(f"diverge_factor must be > 1, got {c.diverge_factor}")
    if c.clip is not None and not c.clip > 0:
        raise ValueError(f"clip must be > 0 (or none), got {c.clip}")
    if c.steps is not None and not 1 <= c.steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 1 and {MAX_STEPS:.0e}, got {c.steps}")
    if c.epochs > MAX_STEPS:
        raise ValueError(f"epochs must be at most {MAX_STEPS:.0e}, got {c.epochs}")
    if not 0 <= c.momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {c.momentum}")
    if not c.weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {c.weight_decay}")
    for name in ("dropout", "dropouth", "dropouti", "dropoute"):
        if not 0 <= getattr(c, name) < 1:
            raise ValueError(f"{name} must be in [0, 1), got {getattr(c, name)}")
    if c.probe not in PROBES:
        raise ValueError(f"unknown probe {c.probe!r}; choose {', '.join(PROBES)}")
    if not c.gammas or not all(isinstance(g, (int, float)) and 0 < g <= 1 for g in c.gammas):
        raise ValueError(f"gammas must lie in (0, 1], got {c.gammas}")
    if c.hessian_every is not None and c.hessian_every < 1:
        raise ValueError(f"hessian_every must be >= 1 (or none), got {c.hessian_every}")
    if c.hvp not in HVP_CHOICES:
        raise ValueError(f"unknown hvp {c.hvp!r}; choose {', '.join(HVP_CHOICES)}")
    if not 1 <= c.max_hvps <= MAX_HVPS:
        raise ValueError(f"max_hvps must be between 1 and {MAX_HVPS}, got {c.max_hvps}")
    if not 0 <= c.seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}, got {c.seed}")
    if c.dataset not in ("ptb", "auto", "cifar10", "fashion-mnist"):
        raise ValueError(f"unknown dataset {c.dataset!r}; choose ptb, auto, cifar10, "
                         "fashion-mnist")


def hessian_steps(c: RunConfig) -> int | None:
    """K of the Hessian schedule (step % K == 0), None when the probe takes no eigenvalue."""
    if c.probe not in ("hessian", "secant+hessian"):
        return None
    return c.hessian_every or c.probe_every


def probe_kind(c: RunConfig, step: int) -> str | None:
    """What the probe measures on ``step``: ``"secant"`` (step % probe_every == 0 with a secant
    probe), ``"hessian"`` (step % :func:`hessian_steps` == 0), ``"both"``, or None."""
    secant = c.probe in ("secant", "secant+hessian") and step % c.probe_every == 0
    every = hessian_steps(c)
    hessian = every is not None and step % every == 0
    return {(True, True): "both", (True, False): "secant", (False, True): "hessian"}.get(
        (secant, hessian))


def describe_presets() -> str:
    """The presets and named runs as text (for ``measure --help``)."""
    lines = ["presets (model: preset = sizes):"]
    for model, presets in PRESETS.items():
        for name, sizes in presets.items():
            shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
            lines.append(f"  {model:<8} {name:<6} {shown}")
    lines.append("named runs (--run; the first is the default):")
    for model, runs in RUNS.items():
        for name, setting in runs.items():
            shown = ", ".join(f"{k}={v}" for k, v in setting.items())
            lines.append(f"  {model:<8} {name:<13} {shown}")
    return "\n".join(lines)
