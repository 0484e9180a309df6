"""Paper Fig 4 (a-d): training curves of the training methods of Figs 2 and 3.

(a) LSTM training loss, (b) LSTM validation loss, (c) ResNet20 training loss, (d) ResNet20 test
accuracy; one line per run (legend = run name). Training loss is the per-step cross-entropy of
``metrics.csv`` at x = epoch + fraction of the epoch, drawn raw (faint) and as a running mean
over :data:`WINDOW` steps (fewer at the start); unlike the paper's it does not include the
weight-decay term. Validation loss and test accuracy are the per-epoch points of ``epochs.csv``
at x = epoch + 1. A run whose ``config.json`` says ``diverged`` ends in an "×" and is labelled
"(diverged)" (a run still going: "(running)"); a missing run is named in its panel. Loss
panels switch to a log y-axis when the values span more than a factor :data:`LOG_SPAN`.
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


def epoch_fraction(epoch: np.ndarray) -> np.ndarray:
    """x = epoch + i / n_e for the i-th of the n_e metrics rows of each epoch."""
    x = np.full(len(epoch), np.nan)
    for e in np.unique(epoch[np.isfinite(epoch)]):
        rows = np.flatnonzero(epoch == e)
        x[rows] = e + np.arange(len(rows)) / len(rows)
    return x


def running_mean(y: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean of the last ``window`` values at each step (of all values before step ``window``)."""
    c = np.cumsum(np.insert(y, 0, 0.0))
    n = np.minimum(np.arange(1, len(y) + 1), window)
    return (c[1:] - c[np.arange(1, len(y) + 1) - n]) / n


def curve(path: Path, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Finite (x, y) of one run: per step from metrics.csv or per epoch from epochs.csv."""
    if column == "loss":
        m = style.read_metrics(path)
        x, y = epoch_fraction(m["epoch"]), m["loss"]
    else:
        e = style.read_epochs(path)
        x, y = e["epoch"] + 1, e[column]
    keep, _ = style.positive(x, y, log=False)
    return x[keep], y[keep]


def panel(ax, results: Path, preset: str, model: str, runs, column: str) -> None:
    """All runs of one model in one panel; missing runs are named in the panel."""
    lost, values = [], []
    for i, name in enumerate(runs):
        run = style.run_dir(results, preset, model, name)
        path = run / ("metrics.csv" if column == "loss" else "epochs.csv")
        if not path.exists():
            lost.append(path)
            continue
        x, y = curve(path, column)
        status = (style.read_json(run / "config.json").get("status")
                  if (run / "config.json").exists() else None)
        label = name + (f" ({status})" if status in ("diverged", "running") else "")
        if column == "loss":
            ax.plot(x, y, color=f"C{i}", lw=0.7, alpha=0.25)
            ax.plot(x, running_mean(y), color=f"C{i}", label=label)
        else:
            ax.plot(x, y, "o-", color=f"C{i}", ms=4, label=label)
        if status == "diverged" and len(y):
            ax.plot(x[-1], y[-1], "x", color=f"C{i}", ms=10, mew=2.5)
        values.append(y)
    if len(lost) == len(runs):
        return style.missing(ax, style.compact(lost))
    acc = column == "test_acc"
    y = np.concatenate(values)
    notes = [style.wrap(f"missing: {style.compact(lost)}", 60)] if lost else []
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


def draw(results: Path, out: Path, preset: str = "cpu") -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written."""
    style.apply()
    style.require([style.run_dir(results, preset, m, r) / f for m, runs, _, _ in PANELS
                   for r in runs for f in ("metrics.csv", "epochs.csv")], style.MAKE_NN)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (model, runs, column, title) in zip(axes.flat, PANELS):
        data = style.dataset_of([style.run_dir(results, preset, model, r) for r in runs])
        ax.set_title(f"{title} ({data})")
        panel(ax, results, preset, model, runs, column)
    fig.suptitle(f"Training curves (preset {preset})")
    return style.save(fig, out, NAME)
