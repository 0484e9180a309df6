"""Paper Fig 1: gradient norm vs local smoothness along LSTM language-model training.

Log-log scatter of the gradient norm ‖∇f(x_t)‖ (the probe batch's, ``probe_grad_norm``)
against the secant smoothness estimate along the update, coloured by iteration (darker =
earlier), for
the run ``lstm_lr30clip0.25`` (lr 30, clipping at 0.25), with the fitted envelope
L0 + L1 ‖∇f‖ (quantile 1) and the regression line of ``fit.json``. Reads
``results/nn_checks/<preset>/lstm_lr30clip0.25/{metrics.csv,fit.json}``; in a seed sweep
(``--sweep``) every ``seed<S>/`` run of the setting: each seed faint, the binned median of all
seeds' points with its 25-75 % band, each seed's envelope line (:mod:`figures.seeds`).
The paper's caption: docs/statements.md §6, "Figures".
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from figures import style

NAME = "fig1_lm_smoothness"


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return style.run_inputs([where.run("lstm", "lr30clip0.25")])


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out`` (the seed sweep's runs when ``sweep``);
    return the files written."""
    style.apply()
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    run = where.run("lstm", "lr30clip0.25")
    style.require(style.run_inputs([run], ("metrics.csv",)), where.make_nn)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    style.smoothness_panel(ax, run, f"LSTM language model on {style.dataset_of([run])}, "
                                    f"lr30clip0.25 (preset {preset})")
    return style.save(fig, out, NAME)
