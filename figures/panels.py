"""Panels shared by several figures (matplotlib): the smoothness scatter of paper Figs 1, 2, 3
and 5 (one run, or one setting over several seeds: :mod:`figures.seeds`) and the runs figure of
Figs 2 and 3 (docs/statements.md §6, "Figures"), the envelope
line of a ``fit.json`` (docs/statements.md §6, "Fitting (L0, L1)"), one run's training curve
of Fig 4 and fitted constants with their bootstrap intervals (Fig 8). Re-exported by
:mod:`figures.style`.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from figures import look, seeds
from figures.inputs import (compact, dataset_of, read_epochs, read_fit, read_metrics, require,
                            run_inputs)
from figures.layout import Layout, plain, run_folders
from figures.readers import Table
from figures.values import (LARGE, epoch_fraction, epoch_lengths, num, positive, shorten,
                            tame)

__all__ = ["envelope", "fitted_line", "smoothness_panel", "seed_panel", "runs_figure",
           "training_curve", "estimates_with_intervals"]


def envelope(fit: dict | None) -> dict | None:
    """The covering envelope (quantile 1.0) of a checked ``fit.json``, None without one."""
    entries = (fit or {}).get("envelope") or []
    return next((e for e in entries if num(e.get("quantile")) == 1.0), None)


def fitted_line(fit: dict | None, key: str):
    """(L0, L1) of the envelope with quantile 1.0 (``key="envelope"``) or of the regression;
    None when absent or not finite."""
    entry = envelope(fit) if key == "envelope" else (fit or {}).get(key)
    if not entry or not all(abs(num(entry.get(k))) <= LARGE for k in ("L0", "L1")):
        return None
    return num(entry["L0"]), num(entry["L1"])


def _fit_lines(ax, fit, xs, log: bool) -> list:
    handles = []
    for key, label, ls in (("envelope", "envelope (q = 1)", "-"),
                           ("regression", "regression", "--")):
        line = fitted_line(fit, key)
        if line is not None:
            ys = line[0] + line[1] * xs
            ok = ys > 0 if log else np.ones_like(ys, bool)
            handles += ax.plot(xs[ok], ys[ok], ls, color="crimson" if ls == "-" else "k",
                               lw=1.5, label=f"{label}: L0={line[0]:.3g}, L1={line[1]:.3g}")
    return handles


def smoothness_panel(ax, run: Path, title: str, log: bool = True) -> bool:
    """Paper Fig 1: gradient norm vs secant smoothness of one setting, coloured by iteration.

    One run: overlays the envelope line L0 + L1 x (quantile 1.0) and the regression line of
    ``fit.json`` with the Pearson r of (log x, log y); a fit.json whose status is not "fitted"
    (e.g. "insufficient": too few probed steps) is shown as "no fit: <reason>". A setting of
    several seeds (``run`` holds ``seed<S>/`` run folders): :func:`seed_panel`. Returns False
    (and shows the missing path) when no run's ``metrics.csv`` exists.
    """
    runs = run_folders(run)
    count = seeds.seed_label(run)
    ax.set_title(f"{title} ({count})" if count else title)
    if len(runs) > 1:
        return seed_panel(ax, runs, log)
    run = runs[0]
    if not (run / "metrics.csv").exists():
        look.missing(ax, run / "metrics.csv")
        return False
    x, y, it, dropped = seeds.points(run, log)
    sc = ax.scatter(x, y, c=it, cmap="viridis", s=9, alpha=0.85, linewidths=0)
    ax.figure.colorbar(sc, ax=ax, label="iteration", pad=0.01)
    fit = read_fit(run / "fit.json") if (run / "fit.json").exists() else None
    handles = _fit_lines(ax, fit, _grid(x, log), log) if len(x) else []
    if fit is None:
        extra = "no fit.json"
    elif fit.get("status", "fitted") != "fitted":
        extra = look.wrap("no fit: " + shorten(plain(fit.get("reason") or fit.get("status")),
                                               100), 44)
    else:
        extra = f"Pearson r (log-log) = {num((fit.get('correlation') or {}).get('pearson_r')):.2f}"
    handles.append(Line2D([], [], ls="none", label=extra))
    _finish(ax, handles, log, dropped, len(x))
    return True


def _grid(x: np.ndarray, log: bool) -> np.ndarray:
    return np.geomspace(x.min(), x.max(), 100) if log else np.linspace(0, x.max(), 100)


def _finish(ax, handles: list, log: bool, dropped: int, n: int) -> None:
    """Axes scales, legend, labels and notes of a smoothness panel."""
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
        look.short_minor_labels(ax)
    ax.legend(handles=handles, loc="upper left", fontsize=7, handlelength=1.5)
    ax.set_xlabel("gradient norm ‖∇f‖")
    ax.set_ylabel("smoothness (secant estimate along the update)")
    look.dropped_note(ax, dropped)
    if not n:
        look.note(ax, "no finite points", "upper right")


def seed_panel(ax, runs: list[Path], log: bool = True) -> bool:
    """The smoothness panel of one setting over several seeds (:mod:`figures.seeds`): each
    seed's points faint and small, coloured by iteration; the binned median of all seeds' points
    with its 25-75 % band; each seed's envelope line (quantile 1.0) thin; the Pearson r (log-log)
    of the fitted seeds as mean ± sd. Seeds without ``metrics.csv`` are named in the panel."""
    have = [r for r in runs if (r / "metrics.csv").exists()]
    if not have:
        look.missing(ax, compact(r / "metrics.csv" for r in runs))
        return False
    got = [seeds.points(r, log) for r in have]
    x, y, it = (np.concatenate([g[k] for g in got]) for k in range(3))
    norm = Normalize(*(np.nanmin(it), np.nanmax(it)) if len(it) else (0, 1))
    for px, py, pit, _ in got:
        sc = ax.scatter(px, py, c=pit, cmap="viridis", norm=norm, s=4, alpha=seeds.FAINT,
                        linewidths=0)
    ax.figure.colorbar(sc, ax=ax, label="iteration", pad=0.01)
    handles = seeds.draw_median(ax, seeds.binned_median(x, y, log), len(have))
    fits = [read_fit(r / "fit.json") for r in have if (r / "fit.json").exists()]
    fits = [f for f in fits if f.get("status", "fitted") == "fitted"]
    lines = [line for line in (fitted_line(f, "envelope") for f in fits) if line is not None]
    xs = _grid(x, log) if len(x) else np.zeros(0)
    for L0, L1 in lines:
        ok = (L0 + L1 * xs > 0) if log else np.ones_like(xs, bool)
        ax.plot(xs[ok], L0 + L1 * xs[ok], "-", color="crimson", lw=0.8, alpha=0.6)
    if lines and len(xs):
        handles.append(Line2D([], [], color="crimson", lw=0.8,
                              label=f"envelope (q = 1) of each seed's fit.json ({len(lines)})"))
    r = np.array([num((f.get("correlation") or {}).get("pearson_r")) for f in fits])
    r = r[np.isfinite(r)]
    extra = f"no fit of any of the {len(runs)} seeds" if not len(r) else \
        f"Pearson r (log-log) = {r[0]:.2f} (1 of {len(runs)} seeds fitted)" if len(r) == 1 else \
        f"Pearson r (log-log) = {r.mean():.2f} ± {r.std(ddof=1):.2f} (mean ± sd, {len(r)} seeds)"
    handles.append(Line2D([], [], ls="none", label=extra))
    _finish(ax, handles, log, sum(g[3] for g in got), len(x))
    if len(have) < len(runs):
        look.note(ax, look.wrap("missing: " + compact(r / "metrics.csv" for r in runs
                                                        if r not in have), 50), "lower left")
    return True


def runs_figure(where: Layout, out: Path, model: str, runs: tuple, name: str,
                label: str) -> list[Path]:
    """Paper Fig 2 / Fig 3 layout: one log-log smoothness panel per run, (a), (b), (c)."""
    look.apply()
    folders = [where.run(model, r) for r in runs]
    require(run_inputs(folders, ("metrics.csv",)), where.make_nn)
    fig, axes = plt.subplots(1, len(runs), figsize=(16, 4.8))
    for ax, letter, run, folder in zip(axes, "abcdef", runs, folders):
        smoothness_panel(ax, folder, f"({letter}) {run}")
    fig.suptitle(f"{label} on {dataset_of(folders)} (preset {where.preset}): gradient norm vs "
                 "smoothness")
    return look.save(fig, out, name)


def training_curve(run: Path, column: str, config: dict) -> tuple[np.ndarray, np.ndarray, bool]:
    """Finite (x, y) of one run, per step from metrics.csv (``column`` "loss") or per epoch from
    epochs.csv, and whether an epoch length was guessed (:func:`figures.values.epoch_lengths`).
    Step i of epoch e is at x = e + i / len_e, the epochs.csv row of epoch e at e + n_e / len_e
    (e + 1 when the steps of epoch e are unknown)."""
    m = read_metrics(run / "metrics.csv") if (run / "metrics.csv").exists() else Table()
    lengths, guessed = epoch_lengths(m["epoch"], config)
    if column == "loss":
        x, y = epoch_fraction(m["epoch"], lengths), m["loss"]
    else:
        e = read_epochs(run / "epochs.csv")
        x, y = np.array([k + (np.sum(m["epoch"] == k) / lengths[k] if k in lengths else 1.0)
                         for k in e["epoch"]]), e[column]
    x, y = tame(x), tame(y)
    keep, _ = positive(x, y, log=False)
    return x[keep], y[keep], guessed


def estimates_with_intervals(ax, points, floors: tuple[float, float], zero: float) -> int:
    """Each (label, marker, [x, y, x_lo, x_hi, y_lo, y_hi]) of ``points`` as a hollow marker
    with its intervals as segments lo..hi (values ≤ ``zero`` at ``floors`` = (x floor, y floor)
    of the log axes); returns how many intervals exclude their estimate (a percentile interval
    may: it is drawn as it is, and counted)."""
    fx, fy = floors
    outside = 0
    for label, marker, v in points:
        (x, y, x0, x1, y0, y1) = np.where(v > zero, v, [fx, fy, fx, fx, fy, fy])
        (x0, x1, y0, y1) = np.where(np.isfinite(v[2:]), (x0, x1, y0, y1), np.nan)
        for xs, ys, cap, (lo, est, hi) in (([x0, x1], [y, y], "|", (x0, x, x1)),
                                           ([x, x], [y0, y1], "_", (y0, y, y1))):
            if np.isfinite([lo, hi]).all():
                ax.plot(xs, ys, "-", marker=cap, color="k", lw=1, ms=7)
                outside += not lo <= est <= hi
        ax.plot(x, y, marker, color="k", mfc="w", ms=8, label=label)
    return outside
