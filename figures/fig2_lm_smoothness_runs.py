"""Paper Fig 2 (a-c): gradient norm vs local smoothness for three LSTM training methods.

Three log-log panels like Fig 1 for ``lstm_lr30clip0.25`` (lr 30 with clipping),
``lstm_lr2noclip`` (lr 2 without clipping) and ``lstm_lr2clip0.25`` (lr 2 with clipping);
darker = earlier iterations; axis spans are not shared. Reads each run's ``metrics.csv`` and
``fit.json`` under ``results/nn_checks/<preset>/``.
"""
from __future__ import annotations

from pathlib import Path

from figures import style

NAME = "fig2_lm_smoothness_runs"


def draw(results: Path, out: Path, preset: str = "cpu") -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written."""
    return style.runs_figure(results, out, preset, "lstm", style.LM_RUNS, NAME,
                             "LSTM language model")
