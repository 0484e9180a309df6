"""Ours: Theorem 4's lower bound against fixed-step gradient descent on its construction.

One panel per Thm 4 instance (L0, L1, M, ε, Δ) of the check's ``records.jsonl`` (by default
``results/synthetic/check/``, or the folder asked for, named in the title; at most
:data:`MAX_PANELS` panels, the rest counted): x = the fixed step h, y = iterations until
|f'| ≤ ε (both log). Points: the records with ``check`` "thm4" and ``quantity`` "iterations",
grouped by ``params`` (never by check id), the hardest certified member's count at each h, its
name ``params.construction`` (extremal, A, B, B_delta) setting marker and colour; hollow =
inconclusive or censored by the iteration cap, red ring = verdict fail; triangles at the top
edge = steps at which GD never converges (status "diverged", or no finite count). Horizontal:
the lower bound ``bound`` (dashed: ``extra.bound_alt_log`` when different) and the analytic
inf over h of the 1-D supremum of T_ε ``extra.minimax_1d`` (dash-dotted); dotted vertical:
``params.h_thr``. In red, from the instance's "minimax-2d" record (else a "missing" note): the
hardest 2-D member's T_ε per step (``extra.per_h``, a step line; hollow triangles: never
converges) and its exact 2-cycle step ``params.h_cycle`` (dashed). docs/statements.md §4
(Theorem 4), §5 (the constructions), §9 (the 2-D member).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from figures import style

NAME = "fig6_lower_bound"
KEYS = ("L0", "L1", "M", "eps", "Delta")  # an instance: figures.schemas.INSTANCE
MAX_PANELS = 12
TWO_D, MINIMAX = "C3", "C5"
HOLLOW = {"ls": "none", "marker": "o", "mfc": "none"}
NEVER = {"ls": "none", "marker": "^", "color": "0.3"}
LEGEND = (("inconclusive / censored (hollow)", {**HOLLOW, "color": "0.3"}),
          ("fail (red ring)", {**HOLLOW, "color": "red", "ms": 9}),
          ("never converges (colour: member)", NEVER), ("Thm 4 lower bound", {"color": "k"}),
          ("bound, alternative log factor", {"color": "k", "ls": "--"}),
          ("h_thr", {"color": "0.4", "ls": ":"}))
LEGEND_1D = (("lower estimate of inf_h sup 1-D T_ε", {"color": MINIMAX, "ls": "-."}),)
LEGEND_2D = (("2-D hardest member T_ε(h)", {"color": TWO_D, "drawstyle": "steps-mid"}),
             ("2-D never converges", {**NEVER, "mfc": "none", "color": TWO_D}),
             ("h_cycle (2-D exact 2-cycle)", {"color": TWO_D, "ls": "--"}))


def instances(records: list[dict], quantity: str = "iterations") -> dict[tuple, list[dict]]:
    """Thm 4 records of ``quantity`` grouped by instance (params L0, L1, M, eps, Delta, in the
    order first seen), each sorted by the step h."""
    groups: dict[tuple, list[dict]] = {}
    for r in style.select(records, "thm4", quantity):
        groups.setdefault(tuple(style.num(r["params"][k]) for k in KEYS), []).append(r)
    return {k: sorted(v, key=lambda r: style.num(r["params"].get("h"))) for k, v in
            groups.items()}


def panel(ax, recs: list[dict], rec_2d: dict | None) -> None:
    """Counts by construction, never-converging steps, bound(s), min-max, h_thr, 2-D member."""
    p, extra = recs[0]["params"], recs[0]["extra"]
    ax.set_title("(L0, L1, M, ε, Δ) = (" + ", ".join(f"{style.num(p[k]):g}" for k in KEYS) + ")")
    h = style.tame([style.num(r["params"]["h"]) for r in recs])
    t = style.tame([style.num(r["measured"]) for r in recs])
    verdict = np.array([r["verdict"] for r in recs])
    hollow = (verdict == "inconclusive") | np.array([r["censored"] for r in recs], dtype=bool)
    never = np.isnan(t) | np.isinf(t) | np.array([r["status"] == "diverged" for r in recs])
    keep, dropped = style.positive(h, t)
    keep &= ~never
    style.construction_points(ax, h, t, [r["params"].get("construction") for r in recs], keep,
                              hollow, never)
    fail = keep & (verdict == "fail")
    ax.plot(h[fail], t[fail], ms=11, mew=1.5, **{**HOLLOW, "color": "red"})
    bound, alt, thr, mm = style.tame([style.num(v) for v in (
        recs[0]["bound"], extra.get("bound_alt_log"), p.get("h_thr"), extra.get("minimax_1d"))])
    style.level_lines(ax, [(bound, "h", {"color": "k"}),  # an infinite level has no line
                           (math.nan if math.isclose(alt, bound, rel_tol=1e-9) else alt, "h",
                            {"color": "k", "ls": "--"}),
                           (mm, "h", {"color": MINIMAX, "ls": "-."}),
                           (thr, "v", {"color": "0.4", "ls": ":"})])
    if rec_2d is None:
        style.note(ax, "missing: 2-D record (quantity minimax-2d)", "lower left")
    else:
        dropped += style.two_d_member(ax, rec_2d, TWO_D)
    ax.set(xscale="log", yscale="log", xlabel="fixed step h", ylabel="iterations until |f'| ≤ ε")
    ax.margins(y=0.2)  # room above the data for the triangles at 0.91 and 0.97
    style.dropped_note(ax, dropped)


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return [where.check / "records.jsonl"]


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written (``sweep``: the
    common interface; this figure reads no network run)."""
    style.apply()
    where, path, records = style.check_records(results, preset, check)
    groups = instances(records)
    found = {k: v[0] for k, v in instances(records, "minimax-2d").items()}  # the 2-D members
    total = len(groups)
    groups = dict(list(groups.items())[:MAX_PANELS])
    fig, axes, cols = style.panel_grid(len(groups))
    for ax, (inst, recs) in zip(axes, groups.items()):
        panel(ax, recs, found.get(inst))
    if not groups:
        style.missing(axes[0], f"Thm 4 step records in {path}")
    seen = {r["params"].get("construction") for recs in groups.values() for r in recs}
    names = [n for n in dict.fromkeys([*style.CONSTRUCTIONS, *seen]) if n in seen]
    minimax = [style.num(recs[0]["extra"].get("minimax_1d")) for recs in groups.values()]
    handles = style.key(*[(style.construction_label(n), style.construction_look(n))
                          for n in names], *LEGEND,
                        *(LEGEND_1D if any(0 < v < style.LARGE for v in minimax) else ()),
                        *(LEGEND_2D if any(k in found for k in groups) else ()))
    fig.legend(handles=handles, loc="outside lower center", ncols={1: 2, 2: 4}.get(cols, 6))
    more = f"; first {len(groups)} of {total} instances" if total > len(groups) else ""
    fig.suptitle("Theorem 4: iterations of fixed-step GD vs the lower bound\n"
                 f"(records of {style.plain(where.shown(where.check))}{more})")
    return style.save(fig, out, NAME)
