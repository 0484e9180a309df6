"""Paper Fig 5 (appendix): the smoothness plot on linear axes.

Two panels, ``lstm_lr30clip0.25`` and ``resnet20_sgdmom``: gradient norm vs the secant smoothness
estimate on linear scales (so points at or near zero stay visible), coloured by iteration
(darker = earlier), with the fitted envelope L0 + L1 ‖∇f‖ and the regression line of
``fit.json``. Reads ``results/nn_checks/<preset>/<run>/{metrics.csv,fit.json}``; in a seed
sweep every seed's run, faint, with the binned median of the pooled points (of x and y
themselves on these linear axes) and its 25-75 % band (:mod:`figures.seeds`).
The paper's caption: docs/statements.md §6, "Figures".
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from figures import style

NAME = "fig5_smoothness_linear"
PANELS = (("lstm", "lr30clip0.25", "(a) LSTM lr30clip0.25"),
          ("resnet20", "sgdmom", "(b) ResNet20 sgdmom"))


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return style.run_inputs([where.run(model, run) for model, run, _ in PANELS])


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out`` (the seed sweep's runs when ``sweep``);
    return the files written."""
    style.apply()
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    runs = [where.run(model, run) for model, run, _ in PANELS]
    style.require(style.run_inputs(runs, ("metrics.csv",)), where.make_nn)
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.8))
    for ax, run, (_, _, title) in zip(axes, runs, PANELS):
        style.smoothness_panel(ax, run, title, log=False)
    fig.suptitle(f"Gradient norm vs smoothness, linear scale ({style.dataset_of(runs[:1])} / "
                 f"{style.dataset_of(runs[1:])}, preset {preset})")
    return style.save(fig, out, NAME)
