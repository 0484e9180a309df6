"""Ours: Theorem 4's lower bound against fixed-step gradient descent on its construction.

One panel per Thm 4 instance (L0, L1, M, ε, Δ) of the check's ``records.jsonl``
(``results/synthetic/check/`` by default, ``check-quick`` or any check folder on request; the
title names the folder read; at most :data:`MAX_PANELS` panels, the rest counted):
x = the fixed step h, y = iterations until |f'| ≤ ε (both log). The records drawn are those
with ``check`` "thm4" and ``quantity`` "iterations", grouped by their ``params`` (never by their
check id). Measured counts are points (red = verdict fail, hollow = inconclusive or censored by
the iteration cap); steps at which GD never converges (status "diverged", or no finite count)
are triangles at the top edge. The horizontal line is the lower bound (dashed: the bound under
the alternative log factor, when different); the dotted vertical line is h_thr. The theorem and
its constructions: docs/statements.md §4 (Theorem 4) and §5.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from figures import style

NAME = "fig6_lower_bound"
KEYS = ("L0", "L1", "M", "eps", "Delta")  # an instance: figures.schemas.INSTANCE
MAX_PANELS = 12
POINT = {"ls": "none", "marker": "o", "color": "C0"}
LEGEND = (("GD iterations (pass)", POINT), ("fail", {**POINT, "color": "red"}),
          ("inconclusive / censored", {**POINT, "mfc": "none"}),
          ("never converges", {"ls": "none", "marker": "^", "color": "0.3"}),
          ("Thm 4 lower bound", {"color": "k"}),
          ("bound, alternative log factor", {"color": "k", "ls": "--"}),
          ("h_thr", {"color": "0.4", "ls": ":"}))


def instances(records: list[dict]) -> dict[tuple, list[dict]]:
    """Thm 4 iteration counts grouped by instance (params L0, L1, M, eps, Delta, in the
    order first seen), each sorted by the step h."""
    groups: dict[tuple, list[dict]] = {}
    for r in style.select(records, "thm4", "iterations"):
        groups.setdefault(tuple(style.num(r["params"][k]) for k in KEYS), []).append(r)
    return {k: sorted(v, key=lambda r: style.num(r["params"]["h"])) for k, v in groups.items()}


def panel(ax, recs: list[dict]) -> None:
    """Counts, never-converging steps, bound(s) and h_thr of one instance."""
    p = recs[0]["params"]
    ax.set_title("(L0, L1, M, ε, Δ) = (" + ", ".join(f"{style.num(p[k]):g}" for k in KEYS) + ")")
    h = style.tame([style.num(r["params"]["h"]) for r in recs])
    t = style.tame([style.num(r["measured"]) for r in recs])
    verdict = np.array([r["verdict"] for r in recs])
    hollow = (verdict == "inconclusive") | np.array([r["censored"] for r in recs], dtype=bool)
    never = np.isnan(t) | np.isinf(t) | np.array([r["status"] == "diverged" for r in recs])
    keep, dropped = style.positive(h, t)
    keep &= ~never
    for mask, kw in (((verdict == "pass") & ~hollow, {"color": "C0"}),
                     ((verdict == "fail") & ~hollow, {"color": "red"}),
                     (hollow, {"mfc": "none", "color": "C0"})):
        ax.plot(h[keep & mask], t[keep & mask], "o", ms=6, **kw)
    ax.plot(h[never & (h > 0)], np.full(int(np.sum(never & (h > 0))), 0.97), "^", color="0.3",
            ms=8, transform=ax.get_xaxis_transform(), clip_on=False)
    bound, alt, thr = style.tame([style.num(recs[0]["bound"]), style.num(
        recs[0]["extra"].get("bound_alt_log")), style.num(p.get("h_thr"))])
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
    where, path, records = style.check_records(results, preset, check)
    groups = instances(records)
    total = len(groups)
    groups = dict(list(groups.items())[:MAX_PANELS])
    fig, axes, cols = style.panel_grid(len(groups))
    for ax, recs in zip(axes, groups.values()):
        panel(ax, recs)
    if not groups:
        style.missing(axes[0], f"Thm 4 step records in {path}")
    fig.legend(handles=style.key(*LEGEND), loc="outside lower center",
               ncols={1: 2, 2: 4}.get(cols, 7))
    more = f"; first {len(groups)} of {total} instances" if total > len(groups) else ""
    fig.suptitle("Theorem 4: iterations of fixed-step GD vs the lower bound\n"
                 f"(records of {style.plain(where.shown(where.check))}{more})")
    return style.save(fig, out, NAME)
