"""Ours: the step thresholds of fixed-step GD against M, in one and in two dimensions.

Log-log lines from the check's "thresholds-2d" record (``check`` "thm4", ``quantity``
"thresholds-2d" in ``records.jsonl``: ``results/synthetic/check/`` by default, ``check-quick``
or any check folder on request; the title names the folder read), one point per row of its
``extra.table`` (x = ``M``), at the (L0, L1) of its ``params``: the 1-D threshold
h_2c = 2 log(1 + L1 M/L0)/(L1 M) below which GD converges on every 1-D member (``h_2c_1d``);
the exact 2-cycle step c/(L1 M) of the 2-D member (``h_cycle_2d``, c = ``extra.c``); π/(L1 M),
below which no (0, L1)-smooth function has a 2-cycle when L0 = 0 (``pi_limit``; with L0 > 0 the
1-D extremal function cycles below it when M L1/L0 < e^{π/2} − 1); W(2)/(L0 + L1 M), below
which the descent lemma makes every step decrease f (``w2_limit``; computed, not re-proved).
The dotted vertical line is ``extra.crossover_M``:
right of it (shaded) the 2-D member's cycle step lies below the 1-D threshold: a step that is
safe on every 1-D member can cycle in 2-D. Non-finite and non-positive values are not drawn,
and counted. The thresholds and the 2-D member: docs/statements.md §9.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures import style

NAME = "fig10_thresholds"
LINES = (("h_2c_1d", "1-D threshold h_2c = 2 log(1 + L1 M/L0)/(L1 M)", "-", "C0"),
         ("h_cycle_2d", "2-D exact 2-cycle step c/(L1 M)", "-", "C3"),
         ("pi_limit", "π/(L1 M): 2-cycle limit if L0 = 0", "--", "0.35"),
         ("w2_limit", "W(2)/(L0 + L1 M): descent-lemma step", "-.", "C2"))


def table(records: list[dict]) -> tuple[dict | None, np.ndarray, np.ndarray]:
    """(the first thresholds-2d record or None, M sorted, the four thresholds of
    :data:`LINES` per M as columns)."""
    rec = next(iter(style.select(records, "thm4", "thresholds-2d")), None)
    rows = sorted(rec["extra"]["table"] if rec else [], key=lambda row: style.num(row["M"]))
    M = style.tame([style.num(row["M"]) for row in rows])
    values = style.tame([[style.num(row[key]) for key, *_ in LINES] for row in rows])
    return rec, M, values.reshape(len(rows), len(LINES))


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return [where.check / "records.jsonl"]


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written (``sweep``: the
    common interface; this figure reads no network run)."""
    style.apply()
    where, path, records = style.check_records(results, preset, check)
    rec, M, values = table(records)
    fig, ax = plt.subplots(figsize=(7.6, 5.4))
    title = "Step thresholds of fixed-step GD vs M: 1-D and 2-D members"
    ax.set_title(f"{title}\n(records of {style.plain(where.shown(where.check))})")
    if rec is None or not len(M):
        what = "record" if rec is None else "record with table rows"
        style.missing(ax, f"Thm 4 step thresholds ({what}, quantity thresholds-2d) in {path}")
        return style.save(fig, out, NAME)
    p, extra = rec["params"], rec["extra"]
    c = next((v for v in map(style.num, (extra.get("c"), rec["measured"])) if v == v), math.nan)
    dropped = 0
    for j, (key, label, ls, color) in enumerate(LINES):
        keep, lost = style.positive(M, values[:, j])
        dropped += lost + int(np.sum(~np.isfinite(values[:, j]) & np.isfinite(M)))
        ax.plot(M[keep], values[keep, j], ls, color=color, lw=1.6,
                label=label + (f", c = {c:.4g}" if key == "h_cycle_2d" else ""))
    ax.set(xscale="log", yscale="log", xlabel="M = sup |f'| on {f ≤ f(x0)}",
           ylabel="step size h")
    cross = style.tame([style.num(extra.get("crossover_M"))])[0]
    if 0 < cross < math.inf:
        ax.axvline(cross, color="k", ls=":", lw=1.3, label=f"crossover M = {cross:.4g}")
        right = max(ax.get_xlim()[1], cross * 1.5)
        ax.axvspan(cross, right, color="C3", alpha=0.06, lw=0, label="2-D cycle step below h_2c")
        ax.set_xlim(right=right)
    ax.legend(loc="lower left", title=f"L0 = {style.num(p['L0']):g}, L1 = "
                                      f"{style.num(p['L1']):g}")
    if dropped:
        style.note(ax, f"{dropped} value(s) not finite or ≤ 0 not shown", "upper right")
    return style.save(fig, out, NAME)
