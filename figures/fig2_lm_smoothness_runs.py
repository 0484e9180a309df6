"""Paper Fig 2 (a-c): gradient norm vs local smoothness for three LSTM training methods.

Three log-log panels like Fig 1 for ``lstm_lr30clip0.25`` (lr 30 with clipping),
``lstm_lr2noclip`` (lr 2 without clipping) and ``lstm_lr2clip0.25`` (lr 2 with clipping);
darker = earlier iterations; axis spans are not shared. Reads each run's ``metrics.csv`` and
``fit.json`` under ``results/nn_checks/<preset>/`` (in a seed sweep, each seed's: drawn faint,
with the binned median of all seeds' points and its 25-75 % band, :mod:`figures.seeds`).
The paper's caption: docs/statements.md §6, "Figures".
"""
from __future__ import annotations

from pathlib import Path

from figures import style

NAME = "fig2_lm_smoothness_runs"


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return style.run_inputs([where.run("lstm", r) for r in style.LM_RUNS])


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out`` (the seed sweep's runs when ``sweep``);
    return the files written."""
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    return style.runs_figure(where, out, "lstm", style.LM_RUNS, NAME, "LSTM language model")
