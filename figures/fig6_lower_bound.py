"""Ours: Theorem 4's lower bound against fixed-step gradient descent on its construction.

One panel per Thm 4 instance (L0, L1, M, ε, Δ) of the check's ``records.jsonl``
(``results/synthetic/check/`` by default, ``check-quick`` or any check folder on request; the
title names the folder read; at most :data:`MAX_PANELS` panels, the rest counted):
x = the fixed step h, y = iterations until |f'| ≤ ε (both log). Measured counts are points
(red = verdict fail, hollow = inconclusive, e.g. censored by the iteration cap); steps at which GD
never converges are triangles at the top edge. The horizontal line is the lower bound (dashed:
the bound under the alternative log factor, when different); the dotted vertical line is h_thr.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from figures import style

NAME = "fig6_lower_bound"
KEYS = (("L0", "L0"), ("L1", "L1"), ("M", "M"), ("ε", "eps"), ("Δ", "Delta"))
MAX_PANELS = 12


def instances(records: list[dict]) -> dict[str, list[dict]]:
    """Thm 4 step records grouped by instance (check id before "/h="), sorted by h."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        cid = str(r.get("check_id", ""))
        if cid.startswith("thm4/") and "/member/" not in cid and "/h=" in cid:
            groups.setdefault(cid.split("/h=")[0], []).append(r)
    return {k: sorted(v, key=lambda r: style.num(r["params"].get("h"))) for k, v in groups.items()}


def panel(ax, recs: list[dict]) -> None:
    """Counts, never-converging steps, bound(s) and h_thr of one instance."""
    p = recs[0]["params"]
    ax.set_title("(L0, L1, M, ε, Δ) = (" + ", ".join(f"{style.num(p.get(k)):g}" for _, k in KEYS)
                 + ")")
    h = style.tame([style.num(r["params"].get("h")) for r in recs])
    t = style.tame([style.num(r.get("measured")) for r in recs])
    verdict = np.array([r.get("verdict") for r in recs])
    keep, dropped = style.positive(h, t)
    for mask, kw in ((verdict == "pass", {"color": "C0"}), (verdict == "fail", {"color": "red"}),
                     (verdict == "inconclusive", {"mfc": "none", "color": "C0"})):
        ax.plot(h[keep & mask], t[keep & mask], "o", ms=6, **kw)
    never = np.isnan(t) | np.isinf(t)
    ax.plot(h[never & (h > 0)], np.full(int(np.sum(never & (h > 0))), 0.97), "^", color="0.3",
            ms=8, transform=ax.get_xaxis_transform(), clip_on=False)
    bound, alt, thr = style.tame([style.num(recs[0].get("bound")), style.num(
        (recs[0].get("extra") or {}).get("bound_alt_log")), style.num(p.get("h_thr"))])
    if 0 < bound < math.inf:  # an infinite bound (or h_thr) has no line on these axes
        ax.axhline(bound, color="k", lw=1.3)
    if 0 < alt < math.inf and not math.isclose(alt, bound, rel_tol=1e-9):
        ax.axhline(alt, color="k", lw=1.3, ls="--")
    if 0 < thr < math.inf:
        ax.axvline(thr, color="0.4", ls=":", lw=1.3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.margins(y=0.15)
    ax.set_xlabel("fixed step h")
    ax.set_ylabel("iterations until |f'| ≤ ε")
    style.dropped_note(ax, dropped)


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return [where.check / "records.jsonl"]


def draw(results: Path, out: Path, preset: str = "cpu",
         check: Path | None = None) -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written."""
    style.apply()
    where = style.layout(results, preset, check_dir=check)
    path = where.check / "records.jsonl"
    style.require([path], where.make_check)
    groups = instances(style.read_records(path))
    total = len(groups)
    groups = dict(list(groups.items())[:MAX_PANELS])
    n = max(1, len(groups))
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.2 * rows + 0.8), squeeze=False)
    for ax, recs in zip(axes.flat, groups.values()):
        panel(ax, recs)
    for ax in axes.flat[len(groups):]:
        ax.set_axis_off()
    if not groups:
        style.missing(axes.flat[0], f"Thm 4 step records in {path}")
        axes.flat[0].set_axis_on()
    handles = [Line2D([], [], ls="none", marker="o", color="C0", label="GD iterations (pass)"),
               Line2D([], [], ls="none", marker="o", color="red", label="fail"),
               Line2D([], [], ls="none", marker="o", mfc="none", color="C0", label="inconclusive"),
               Line2D([], [], ls="none", marker="^", color="0.3", label="never converges"),
               Line2D([], [], color="k", label="Thm 4 lower bound"),
               Line2D([], [], color="k", ls="--", label="bound, alternative log factor"),
               Line2D([], [], color="0.4", ls=":", label="h_thr")]
    fig.legend(handles=handles, loc="outside lower center", ncols={1: 2, 2: 4}.get(cols, 7))
    more = f"; first {len(groups)} of {total} instances" if total > len(groups) else ""
    fig.suptitle("Theorem 4: iterations of fixed-step GD vs the lower bound\n"
                 f"(records of {style.plain(where.shown(where.check))}{more})")
    return style.save(fig, out, NAME)
