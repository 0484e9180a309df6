"""Paper Fig 4 (a-d): training curves of the training methods of Figs 2 and 3.

(a) LSTM training loss, (b) LSTM validation loss, (c) ResNet20 training loss, (d) ResNet20 test
accuracy; one line per run (legend = run name). x counts the updates made before a value was
measured, in epochs: step i = 0, 1, ... of epoch e is at x = e + i / len_e, the ``epochs.csv`` row
of epoch e at x = e + n_e / len_e (e + 1 for a complete epoch), with n_e the steps recorded in
epoch e and len_e its number of batches (:func:`figures.values.epoch_lengths`). A run diverging
at its 4th of 50 steps thus ends at x = 3/50 (the diverging update is never made); a run stopped
after 4 steps is evaluated at 4/50. Training loss: per-step cross-entropy of ``metrics.csv``
(without the weight-decay term), raw (faint) and as a running mean over :data:`WINDOW` steps
(fewer at the start). A run whose ``config.json`` says ``diverged`` ends in an "×" and is
labelled "(diverged)" (still going: "(running)"); a missing run is named in its panel. A setting
of a seed sweep is drawn as the mean over its seeds at every x all seeds reached, with the band
min..max over the seeds, each seed faint (:func:`figures.seeds.draw_curves`; the legend says how
many seeds, and how many diverged). Loss
panels switch to a log y-axis when the values span more than a factor :data:`LOG_SPAN`. The
paper's panels: docs/statements.md §6, "Figures".
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures import style

NAME = "fig4_training_curves"
WINDOW, LOG_SPAN = 10, 20.0
PANELS = (("lstm", style.LM_RUNS, "loss", "(a) LSTM training loss"),
          ("lstm", style.LM_RUNS, "val_loss", "(b) LSTM validation loss"),
          ("resnet20", style.RESNET_RUNS, "loss", "(c) ResNet20 training loss"),
          ("resnet20", style.RESNET_RUNS, "test_acc", "(d) ResNet20 test accuracy"))
YLABEL = {"loss": "training loss\n(cross-entropy, no weight-decay term)",
          "val_loss": "validation loss", "test_acc": "test accuracy"}


def panel(ax, where: style.Layout, model: str, runs, column: str) -> None:
    """All settings of one model in one panel, each over its seeds (one run, or the mean of its
    seeds with the band min..max); missing runs are named in the panel."""
    lost, values, guessed, drawn = [], [], False, 0
    file = "metrics.csv" if column == "loss" else "epochs.csv"
    for i, name in enumerate(runs):
        folders = style.run_folders(where.run(model, name))
        lost += [f / file for f in folders if not (f / file).exists()]
        curves = []
        for run in (f for f in folders if (f / file).exists()):
            config = style.read_run_config(run / "config.json") \
                if (run / "config.json").exists() else {}
            x, y, guess = style.training_curve(run, column, config)
            guessed = guessed or guess
            curves.append((x, y, config.get("status")))
            values.append(y)
        if curves:
            drawn += 1
            style.draw_curves(ax, curves, column, f"C{i}", name, WINDOW)
    if not drawn:
        return style.missing(ax, style.compact(lost))
    acc = column == "test_acc"
    y = np.concatenate(values)
    notes = [style.wrap(f"missing: {style.compact(lost)}", 60)] if lost else []
    notes += ["epoch length not recorded: partial epochs drawn as full"] if guessed else []
    if not len(y):
        notes.append("no finite values yet")
        ax.set_xticks([])
        ax.set_yticks([])
    if notes:
        style.note(ax, "\n".join(notes), "upper left" if acc else "lower left")
    if not acc and len(y) and y.min() > 0 and y.max() / y.min() > LOG_SPAN:
        ax.set_yscale("log")
    ax.legend(loc="lower right" if acc else "best")  # a diverged run ends top right
    ax.set_xlabel("epoch")
    ax.set_ylabel(YLABEL[column])


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return style.run_inputs(where.runs(), ("metrics.csv", "epochs.csv", "config.json"))


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out`` (the seed sweep's runs when ``sweep``);
    return the files written."""
    style.apply()
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    style.require(style.run_inputs([where.run(m, r) for m, runs, _, _ in PANELS for r in runs],
                                   ("metrics.csv", "epochs.csv")), where.make_nn)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (model, runs, column, title) in zip(axes.flat, PANELS):
        data = style.dataset_of([where.run(model, r) for r in runs])
        ax.set_title(f"{title} ({data})")
        panel(ax, where, model, runs, column)
    fig.suptitle(f"Training curves (preset {preset})")
    return style.save(fig, out, NAME)
