"""Ours: how tight the upper bounds are, as T_ε over the bound: catalogue, witness, analytic.

One row per upper-bound theorem of the check's ``summary.json`` (``results/synthetic/check/``
by default, ``check-quick`` or any check folder on request; the title names the folder read):
the rows whose ``tightness_witness`` or ``tightness_analytic`` is not null, labelled by
``theorem`` and, where the row names one, ``algorithm`` (at most :data:`MAX_ROWS`, the rest
counted). On a log axis, three dots per row, each a fraction of the row's bound and printed
beside it (on the side away from the line at 1): the catalogue best ``ratio_max`` (the largest
measured/bound over the catalogue runs), the best certified worst-case witness
``tightness_witness`` and the analytic supremum of T_ε over the 1-D members
``tightness_analytic``. The vertical line at 1 is the bound: a dot in the shaded part right of
it is a violated upper bound. Absent (null), non-positive and huge (> 1e100) values are not
drawn, and counted. The witnesses and the supremum: docs/statements.md §5c.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures import style

NAME = "fig9_tightness"
MAX_ROWS = 30
SERIES = (("ratio_max", "catalogue best (max measured/bound)", "o", "C0", -0.22),
          ("tightness_witness", "certified worst-case witness", "s", "C1", 0.0),
          ("tightness_analytic", "analytic sup over 1-D members", "D", "C2", 0.22))


def rows(summary: dict) -> list[tuple[str, np.ndarray]]:
    """(label, [ratio_max, tightness_witness, tightness_analytic]) of every row with a
    tightness, in file order; a label shared by two rows gets the row's check in brackets."""
    picked = [r for r in summary["rows"] if r.get("tightness_witness") is not None or
              r.get("tightness_analytic") is not None]
    labels = [style.plain(r["theorem"], 60) + (f", {style.plain(r['algorithm'], 30)}"
                                               if r.get("algorithm") else "") for r in picked]
    labels = [f"{lab} [{style.plain(r['check'], 16)}]" if labels.count(lab) > 1 else lab
              for lab, r in zip(labels, picked)]
    return [(style.wrap(lab, 26), style.tame([style.num(r.get(key)) for key, *_ in SERIES]))
            for lab, r in zip(labels, picked)]


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return [where.check / "summary.json"]


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written (``sweep``: the
    common interface; this figure reads no network run)."""
    style.apply()
    where = style.layout(results, preset, check_dir=check, sweep=sweep)
    path = inputs(where)[0]
    style.require([path], where.make_check)
    found = rows(style.read_summary(path))
    shown = found[:MAX_ROWS]
    fig, ax = plt.subplots(figsize=(8.4, 1.9 + 0.6 * max(1, len(shown))))
    ax.set_title("Tightness of the upper bounds: T_ε as a fraction of the bound\n"
                 f"(summary of {style.plain(where.shown(where.check))})")
    if not shown:
        style.missing(ax, f"upper-bound rows with a tightness (tightness_witness or "
                          f"tightness_analytic) in {path}")
        return style.save(fig, out, NAME)
    values = np.array([v for _, v in shown])
    keep, dropped = style.positive(values)
    low = values[keep].min() if keep.any() else 0.1
    high = max(1.0, values[keep].max() if keep.any() else 1.0) * 4
    for j, (key, label, marker, color, dy) in enumerate(SERIES):
        y = np.arange(len(shown)) + dy
        ax.plot(values[keep[:, j], j], y[keep[:, j]], marker, color=color, ms=7, label=label)
        for x, yy in zip(values[keep[:, j], j], y[keep[:, j]]):
            ax.annotate(f"{x:.3g}", (x, yy), xytext=(7 if x > 1 else -7, 0), fontsize=7,
                        textcoords="offset points", ha="left" if x > 1 else "right",
                        va="center", color=color)  # off the line at 1
    ax.axvline(1.0, color="k", lw=1.3, label="the bound (ratio 1)")
    ax.axvspan(1.0, high, color="red", alpha=0.07, lw=0, label="above the bound: violated")
    ax.set(xscale="log", xlim=(low / 8, high), ylim=(len(shown) - 0.5, -0.5),
           xlabel="T_ε / bound (log)")
    ax.set_yticks(np.arange(len(shown)), [lab for lab, _ in shown])
    for tick in ax.get_yticklabels():  # text from the file, drawn as written (no mathtext)
        tick.set_parse_math(False)
    ax.grid(False, axis="y")
    absent, huge = int(np.sum(np.isnan(values))), int(np.sum(np.isinf(values)))
    notes = [f"{absent} value(s) absent (null)" if absent else "",
             f"{dropped} value(s) ≤ 0 not shown" if dropped else "",
             f"{huge} value(s) above 1e100 not shown" if huge else "",
             f"first {len(shown)} of {len(found)} rows" if len(found) > len(shown) else ""]
    if any(notes):
        style.note(ax, "; ".join(n for n in notes if n), "lower left")
    fig.legend(loc="outside lower center", ncols=3)
    return style.save(fig, out, NAME)
