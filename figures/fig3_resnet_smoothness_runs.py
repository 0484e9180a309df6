"""Paper Fig 3 (a-c): gradient norm vs local smoothness for three ResNet20 training methods.

Three log-log panels like Fig 1 for ResNet20 (on CIFAR-10 in the paper; the title names the
data set the runs read, Fashion-MNIST offline): ``resnet20_sgdmom`` (SGD with
momentum), ``resnet20_lr1noclip`` (lr 1 without clipping) and ``resnet20_lr5clip0.25`` (lr 5 with
clipping); darker = earlier iterations; axis spans are not shared. Reads each run's
``metrics.csv`` and ``fit.json`` under ``results/nn_checks/<preset>/`` (in a seed sweep, each
seed's: drawn faint, with the binned median of all seeds' points and its 25-75 % band,
:mod:`figures.seeds`).
The paper's caption: docs/statements.md §6, "Figures".
"""
from __future__ import annotations

from pathlib import Path

from figures import style

NAME = "fig3_resnet_smoothness_runs"


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return style.run_inputs([where.run("resnet20", r) for r in style.RESNET_RUNS])


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out`` (the seed sweep's runs when ``sweep``);
    return the files written."""
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    return style.runs_figure(where, out, "resnet20", style.RESNET_RUNS, NAME, "ResNet20")
