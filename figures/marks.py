"""Marks of the step figures (matplotlib): one marker and colour per Thm 4 construction, values
that never converge as triangles at a panel's top edge, a curve T(h) drawn as steps with gaps
where it is infinite, reference lines at finite positive levels, and the 2-D member of a Fig 6
panel (docs/statements.md §4, §5 and §9). Re-exported by :mod:`figures.style`.
"""
from __future__ import annotations

import math

import numpy as np

from figures import look
from figures.layout import plain
from figures.values import num, positive, tame

__all__ = ["CONSTRUCTIONS", "construction_look", "construction_label", "construction_points",
           "top_edge", "step_curve", "level_lines", "two_d_member"]

# a Thm 4 construction (a record's params.construction) -> (marker, colour); any other name
# (a construction added later) gets OTHER, no name (no certified member) too
CONSTRUCTIONS = {"extremal": ("o", "C0"), "A": ("s", "C1"), "B": ("D", "C2"),
                 "B_delta": ("v", "C4")}
OTHER = ("P", "0.45")


def construction_look(name) -> dict:
    """Line2D properties (marker, colour, no line) of the points of one construction."""
    marker, color = CONSTRUCTIONS.get(name, OTHER)
    return {"ls": "none", "marker": marker, "color": color}


def construction_label(name) -> str:
    """The legend label of a construction's points (the name shown literally, 24 characters at
    most)."""
    return "hardest certified: " + ("none named" if name is None else plain(name, 24))


def construction_points(ax, x, y, names: list, keep, hollow, never) -> None:
    """The points ``keep`` of (x, y), marker and colour by construction name (``names``, one a
    point), filled, or hollow where ``hollow``; the steps ``never`` as triangles at the top edge
    in the colour of their construction (:func:`top_edge`)."""
    for name in dict.fromkeys(names):
        mine, props = np.array([n == name for n in names], dtype=bool), construction_look(name)
        for filled in (True, False):
            sel = keep & mine & (hollow != filled)
            ax.plot(x[sel], y[sel], ms=6, **(props if filled else {**props, "mfc": "none"}))
        top_edge(ax, x, never & mine, color=props["color"])


def top_edge(ax, x: np.ndarray, mask: np.ndarray, y: float = 0.97, **props) -> None:
    """Triangles at height ``y`` (axes fraction) above the positive ``x[mask]``: a step h at
    which a count is infinite (never converges), off the data's log axis."""
    mask = mask & (x > 0)
    if not mask.any():  # an empty line off the clip box would collapse the constrained layout
        return
    ax.plot(x[mask], np.full(int(np.sum(mask)), y), ls="none", marker="^", ms=8,
            transform=ax.get_xaxis_transform(), clip_on=False, **props)


def step_curve(ax, x: np.ndarray, y: np.ndarray, color: str, edge: float) -> int:
    """y(x) as a step line (a step per grid point) where finite and positive, with gaps
    elsewhere; infinite values as hollow triangles at height ``edge`` (:func:`top_edge`).
    Returns how many finite values ≤ 0 could not be shown."""
    keep, dropped = positive(x, y)
    ax.step(x, np.where(keep, y, np.nan), where="mid", color=color, lw=1.4)
    top_edge(ax, x, np.isinf(y), edge, color=color, mfc="none")
    return dropped


def level_lines(ax, lines) -> None:
    """Each (value, "h" or "v", Line2D properties) of ``lines`` as a horizontal or vertical
    line, when the value is finite and positive (no other level sits on a log axis)."""
    for value, kind, props in lines:
        if 0 < value < math.inf:
            (ax.axhline if kind == "h" else ax.axvline)(value, lw=1.3, **props)


def two_d_member(ax, rec: dict, color: str) -> int:
    """The 2-D member of one Thm 4 instance (a checked "minimax-2d" record): T_ε at each step
    of ``extra.per_h`` (:func:`step_curve`), the exact 2-cycle step ``params.h_cycle`` (dashed
    vertical), a note with M' (``params.M_2d``) and the minimum over the grid (``measured``).
    Returns the values ≤ 0 not shown."""
    per_h = sorted(rec["extra"]["per_h"], key=lambda e: num(e["h"]))
    h, t = (tame([num(e.get(k)) for e in per_h]) for k in ("h", "measured"))
    dropped = step_curve(ax, h, t, color, 0.91)
    p = rec["params"]
    cycle, m2, low = tame([num(v) for v in (p["h_cycle"], p.get("M_2d"), rec["measured"])])
    level_lines(ax, [(cycle, "v", {"color": color, "ls": "--"})])
    look.note(ax, f"2-D member: M' = {m2:.4g}, min over h of T_ε = {low:.4g}", "lower left")
    return dropped
