"""Ours: (L0, L1) frontiers of the catalogue functions beside the constants fitted on networks.

Log-log lines L0*(L1) of every function in ``results/theory/frontiers/frontiers.json`` (filled
markers: certified points), and on the same axes the envelope constants (quantile 1) fitted on
each network run's ``fit.json`` (each seed's, in a seed sweep) with their bootstrap intervals
[lo, hi] as segments (drawn as they are, and counted, when a percentile interval excludes its
estimate). The network constants
are in units of their loss (cross-entropy), so only their placement relative to the lines is
meaningful, not a comparison of magnitudes across functions. Values ≤ ZERO = 1e-12 (L1 = 0, a
lower CI end at 0, an envelope intercept of 1.8e-15 that is rounding in the hull) cannot sit on
a log axis: they are drawn at the axis floor and counted. Functions with no finite L0 anywhere
(not (L0, L1)-smooth) are named in the legend, not drawn; at most :data:`MAX_FUNCTIONS` functions
are drawn, the rest counted.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures import style

NAME = "fig8_frontiers"
RUNS = [("lstm", r) for r in style.LM_RUNS] + [("resnet20", r) for r in style.RESNET_RUNS]
MARKERS = "sDP*Xv"
ZERO = 1e-12  # values at or below are zero on these axes
MAX_FUNCTIONS = 40


def fits(where: style.Layout) -> list[tuple[str, str, Path]]:
    """(label, marker, ``fit.json``) of every network run (each seed's in a sweep: the
    setting's marker, :func:`figures.seeds.labelled_runs`)."""
    return [(label, MARKERS[i], f / "fit.json")
            for label, i, f in style.labelled_runs(where, RUNS)]


def fit_paths(where: style.Layout) -> list[Path]:
    """``fit.json`` of every network run."""
    return [path for *_, path in fits(where)]


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return [where.results / "theory" / "frontiers" / "frontiers.json", *fit_paths(where)]


def nn_constants(where: style.Layout) -> list[tuple[str, str, np.ndarray]]:
    """(label, marker, [L1, L0, L1_lo, L1_hi, L0_lo, L0_hi]) of each run with an envelope fit."""
    found = []
    for label, marker, path in fits(where):
        env = style.envelope(style.read_fit(path)) if path.exists() else None
        if env is not None:
            ci1, ci0 = env.get("ci_L1") or [None] * 2, env.get("ci_L0") or [None] * 2
            vals = style.tame([style.num(v) for v in (env.get("L1"), env.get("L0"), *ci1, *ci0)])
            if np.isfinite(vals[:2]).all():
                found.append((label, marker, vals))
    return found


def curves(funcs: list[dict]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(legend label, [[L1, L0], ...], certified mask) of each function of frontiers.json."""
    return [(style.legend_label(f["name"]),
             style.tame([[style.num(p.get(k)) for k in ("L1", "L0")]
                         for p in f["points"]]).reshape(-1, 2),
             np.array([bool(p.get("certified")) for p in f["points"]], dtype=bool))
            for f in funcs]


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out`` (the seed sweep's runs when ``sweep``);
    return the files written."""
    style.apply()
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    path = inputs(where)[0]
    style.require(inputs(where), f"{style.MAKE_FRONTIERS}` and `{where.make_nn}")
    nn = nn_constants(where)
    funcs = style.read_frontiers(path)["functions"] if path.exists() else []
    drawn = curves(funcs[:MAX_FUNCTIONS])
    flat = [name for name, c, _ in drawn if not np.isfinite(c[:, 1]).any()]
    drawn = [cv for cv in drawn if cv[0] not in flat]
    fx, nx = style.log_floor([c[:, 0] for _, c, _ in drawn] + [v[[0, 2, 3]] for *_, v in nn],
                             ZERO)
    fy, ny = style.log_floor([c[:, 1] for _, c, _ in drawn] + [v[[1, 4, 5]] for *_, v in nn],
                             ZERO)
    unknown = sum(int(np.sum(~np.isfinite(c[:, 1]))) for _, c, _ in drawn)
    fig, ax = plt.subplots(figsize=(9.5, 5.8))
    for i, (name, c, cert) in enumerate(drawn):
        L1, L0 = np.where(c[:, 0] > ZERO, c[:, 0], fx), np.where(c[:, 1] > ZERO, c[:, 1], fy)
        ok = np.isfinite(L1) & np.isfinite(c[:, 1])
        color = f"C{i % 10}"  # ten colours, then dashed
        ax.plot(L1[ok], L0[ok], "-" if i < 10 else "--", color=color, lw=1.3, label=name)
        ax.plot(L1[ok & cert], L0[ok & cert], "o", color=color, ms=4)
    outside = style.estimates_with_intervals(ax, nn, (fx, fy), ZERO)
    for n, f, line in ((nx, fx, ax.axvline), (ny, fy, ax.axhline)):
        if n:
            line(f, color="0.5", ls=":", lw=1)
    notes = [(not path.exists(), f"missing: {path}"),
             (nx + ny, f"{nx + ny} value(s) ≤ {ZERO:g} drawn at the floor (dotted line)"),
             (flat, f"no finite L0 (not (L0, L1)-smooth): {', '.join(flat)}"),
             (unknown, f"{unknown} frontier point(s) with no finite L0 not shown"),
             (len(funcs) > MAX_FUNCTIONS,
              f"{len(funcs) - MAX_FUNCTIONS} more function(s) not drawn"),
             (outside, f"{outside} interval(s) excluding their estimate"),
             (len(nn) < len(fits(where)), f"{len(fits(where)) - len(nn)} network run(s) "
                                          "without an envelope fit")]
    ax.set(xscale="log", yscale="log", xlabel="L1", ylabel="L0 (frontier L0*(L1))",
           title="(L0, L1) frontiers of the catalogue and envelope fits on networks")
    style.legend_with_notes(fig, ax, [text for shown, text in notes if shown],
                            title="lines: L0*(L1), ● certified\nmarkers: networks, in units\n"
                                  "of their loss (95% bootstrap CI)")
    return style.save(fig, out, NAME)
