"""The runs of one setting across seeds: pooled points, the median envelope, mean curves.

A setting folder of a seed sweep (``python -m nn_checks sweep``) holds one run folder per seed,
``seed<S>/`` (:func:`figures.layout.run_folders`). A figure keeps one colour per setting; each
seed is drawn faint and what the seeds share is drawn on top:

* Figs 1-3 and 5, :func:`binned_median`: the (gradient norm x, smoothness y) points of all seeds
  pooled and cut into at most :data:`MAX_BINS` bins at quantiles of the pooled log x (about
  :data:`PER_BIN` points a bin or more); in each bin with at least :data:`MIN_POINTS` points the
  median of log x, the median of log y and the 25 % and 75 % quantiles of log y (numpy's linear
  interpolation), drawn as a line with its 25-75 % band. On linear axes (Fig 5) the same with x
  and y themselves, so the zeros a log axis cannot hold are kept.
* Fig 4, :func:`common_curve`: at each x (epoch) present in every seed's curve, the mean over
  the seeds and the band min..max over the seeds (:data:`BAND`).

With one run per setting every figure draws as it did before seed sweeps.
"""
from __future__ import annotations

from functools import reduce
from pathlib import Path

import numpy as np

from figures.inputs import read_metrics, run_folders
from figures.values import positive, running_mean, tame
from plumbing.layout import setting_runs

__all__ = ["MAX_BINS", "PER_BIN", "MIN_POINTS", "FAINT", "BAND", "seed_label", "labelled_runs",
           "points",
           "binned_median", "draw_median", "common_curve", "draw_curves"]

MAX_BINS, PER_BIN, MIN_POINTS = 12, 10, 3
FAINT = 0.25  # alpha of one seed's points and curves
BAND = "band: min–max over seeds"


def seed_label(folder: Path) -> str:
    """"3 seeds" (or "1 seed") for a setting folder of seed runs; "" for one run of its own."""
    seeds = [s for s, _ in setting_runs(folder) if s is not None]
    return f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''}" if seeds else ""


def labelled_runs(where, settings) -> list[tuple[str, int, Path]]:
    """(legend label, index of the setting, run folder) of every run of the (model, run)
    ``settings`` under ``where`` (a :class:`figures.layout.Layout`): "<model> <run>" for one
    run; for a seed sweep the first seed's label says "(k seeds)", the others are hidden ("_")."""
    out = []
    for i, (model, run) in enumerate(settings):
        count = seed_label(where.run(model, run))
        label = f"{model} {run}" + (f" ({count})" if count else "")
        out += [(label if j == 0 else "_" + label, i, folder)
                for j, folder in enumerate(run_folders(where.run(model, run)))]
    return out


def points(run: Path, log: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(x, y, iteration, dropped) of one run's metrics.csv: the probe's gradient norm (the
    step's where no probe ran), the secant smoothness, the step, where finite (and > 0 when
    ``log``), and how many finite points a log axis cannot show."""
    m = read_metrics(run / "metrics.csv")
    xkey = "probe_grad_norm" if np.isfinite(m["probe_grad_norm"]).any() else "grad_norm"
    x, y = tame(m[xkey]), tame(m["smoothness"])
    keep, dropped = positive(x, y, log=log)
    it = m["step"] if "step" in m else np.arange(len(keep), dtype=float)
    return x[keep], y[keep], it[keep], dropped


def binned_median(x, y, log: bool = True, max_bins: int = MAX_BINS, per_bin: int = PER_BIN,
                  min_points: int = MIN_POINTS) -> dict[str, np.ndarray]:
    """The binned median envelope of the pooled points (x, y), in data units.

    Bins: edges at the quantiles 0, 1/k, ..., 1 of log x (of x when not ``log``), k = min(
    ``max_bins``, n // ``per_bin``) or 1, repeated edges merged; bin i holds edge_i <= u <
    edge_i+1, the last bin its upper edge too. A bin with fewer than ``min_points`` points is
    skipped. Returns ``x`` (median of the bin's log x), ``median`` (of log y), ``low`` and
    ``high`` (25 % and 75 % quantiles of log y) mapped back by exp, and ``n`` (points per bin).
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    keep, _ = positive(x, y, log=log)
    u, v = (np.log(x[keep]), np.log(y[keep])) if log else (x[keep], y[keep])
    out = {k: [] for k in ("x", "median", "low", "high", "n")}
    if len(u) >= min_points:
        edges = np.unique(np.quantile(u, np.linspace(0, 1, max(1, min(max_bins,
                                                                     len(u) // per_bin)) + 1)))
        index = np.clip(np.searchsorted(edges, u, side="right") - 1, 0, max(len(edges) - 2, 0))
        for i in range(max(len(edges) - 1, 1)):
            vs = v[index == i]
            if len(vs) >= min_points:
                out["x"].append(np.median(u[index == i]))
                out["median"].append(np.median(vs))
                out["low"].append(np.quantile(vs, 0.25))
                out["high"].append(np.quantile(vs, 0.75))
                out["n"].append(len(vs))
    back = np.exp if log else np.asarray
    return {k: (np.array(w, dtype=int) if k == "n" else back(np.array(w, dtype=float)))
            for k, w in out.items()}


def draw_median(ax, env: dict, n_seeds: int) -> list:
    """The binned median as a black line with its grey 25-75 % band; the legend handles."""
    if not len(env["x"]):
        return []
    band = ax.fill_between(env["x"], env["low"], env["high"], color="0.3", alpha=0.25, lw=0,
                           label="25–75 % of the points in each bin")
    line, = ax.plot(env["x"], env["median"], "-o", color="k", lw=1.6, ms=3,
                    label=f"binned median of all {n_seeds} seeds' points")
    return [line, band]


def common_curve(curves) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, mean, min, max) over the seeds' curves ``[(x, y), ...]`` at each x present in every
    curve (x compared to 1e-9: the same step or epoch of each seed)."""
    keys = [np.round(np.asarray(x, dtype=float), 9) for x, _ in curves]
    common = reduce(np.intersect1d, keys) if keys else np.zeros(0)
    ys = []
    for key, (_, y) in zip(keys, curves):
        order = np.argsort(key, kind="stable")
        ys.append(np.asarray(y, dtype=float)[order[np.searchsorted(key[order], common)]])
    ys = np.array(ys).reshape(len(curves), len(common))
    if not len(common):
        return common, *(np.zeros(0),) * 3
    return common, ys.mean(axis=0), ys.min(axis=0), ys.max(axis=0)


def _mark_diverged(ax, x, y, status, color) -> None:
    if status == "diverged" and len(y):
        ax.plot(x[-1], y[-1], "x", color=color, ms=10, mew=2.5)


def draw_curves(ax, curves, column: str, color: str, name: str, window: int) -> None:
    """One setting's training curve: ``curves`` holds (x, y, status) of each run read.

    One run: as before seed sweeps (training loss raw and faint plus its running mean over
    ``window`` steps; epoch values as markers; a diverged run ends in "×"). Several seeds: each
    seed faint, then the mean over the seeds at every x all of them reached, with the band
    min..max over the seeds; the label says how many seeds and how many diverged or still run.
    """
    loss = column == "loss"
    if len(curves) == 1:
        (x, y, status), = curves
        label = name + (f" ({status})" if status in ("diverged", "running") else "")
        if loss:
            ax.plot(x, y, color=color, lw=0.7, alpha=0.25)
            ax.plot(x, running_mean(y, window), color=color, label=label)
        else:
            ax.plot(x, y, "o-", color=color, ms=4, label=label)
        return _mark_diverged(ax, x, y, status, color)
    shown = [(x, running_mean(y, window) if loss else y, s) for x, y, s in curves]
    for x, y, status in shown:
        ax.plot(x, y, "-" if loss else ".-", color=color, lw=0.6, ms=3, alpha=FAINT)
        _mark_diverged(ax, x, y, status, color)
    cx, mean, low, high = common_curve([(x, y) for x, y, _ in shown])
    states = [s for _, _, s in curves]
    extra = "".join(f", {states.count(s)} {s}" for s in ("diverged", "running") if s in states)
    ax.fill_between(cx, low, high, color=color, alpha=0.2, lw=0)
    ax.plot(cx, mean, "-" if loss else "o-", color=color, ms=4,
            label=f"{name} (mean of {len(curves)} seeds, {BAND}{extra})")
