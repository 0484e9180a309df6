"""Ours: Remark 5's separation between fixed-step GD and clipped GD, as a function of M.

Log-log plot of the measured separation T_GD*/T_clip (best fixed step over a grid, worst case over
the constructions, against clipped GD with Theorem 3's parameters) for each M, beside Remark 5's
order ratio ((L1 M/log M + L0)/ε²)/(L0/ε² + L1²/L0) rescaled to pass through the first measured
point (an order, so only its shape counts). The legend gives both log-log slopes and the verdict
of the growth record. Reads the check's ``records.jsonl`` (``results/synthetic/check/`` by
default, ``check-quick`` or any check folder on request; the title names the folder read), the
records with ``check`` "rem5" (``quantity`` "ratio": one per M; "growth": the slopes), never
parsing their check ids. Remark 5 and the check's criterion: docs/statements.md §4.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures import style

NAME = "fig7_separation"


def series(records: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(M, measured separation, order ratio) sorted by M, and the growth record ({} if none):
    the records with ``check`` "rem5" and ``quantity`` "ratio" (one per M, ``params["M"]``)
    and "growth"; without per-M records, the growth record's lists."""
    per_m = style.select(records, "rem5", "ratio")
    growth = next(iter(style.select(records, "rem5", "growth")), {})
    if per_m:
        per_m.sort(key=lambda r: style.num(r["params"]["M"]))
        M = [r["params"]["M"] for r in per_m]
        sep, pred = [r["measured"] for r in per_m], [r["bound"] for r in per_m]
    else:
        extra = growth.get("extra") or {}
        M, sep, pred = extra.get("Ms", []), extra.get("separations", []), extra.get("predicted", [])
    as_array = lambda v: style.tame([style.num(a) for a in v])
    return as_array(M), as_array(sep), as_array(pred), growth


def inputs(where: style.Layout) -> list[Path]:
    """Every file the figure reads."""
    return [where.check / "records.jsonl"]


def draw(results: Path, out: Path, preset: str = "cpu", check: Path | None = None,
         sweep: bool = False) -> list[Path]:
    """Draw the figure from ``results`` into ``out``; return the files written (``sweep``: the
    common interface; this figure reads no network run)."""
    style.apply()
    where, path, records = style.check_records(results, preset, check)
    M, sep, pred, growth = series(records)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.set_title("Remark 5: separation of fixed-step GD from clipped GD\n"
                 f"(records of {style.plain(where.shown(where.check))})")
    if not len(M):
        style.missing(ax, f"Remark 5 records in {path}")
        return style.save(fig, out, NAME)
    keep, dropped = style.positive(M, sep)
    extra = growth.get("extra") or {}
    slope, pslope = style.num(growth.get("measured")), style.num(extra.get("predicted_slope"))
    ax.plot(M[keep], sep[keep], "o-", color="C0", ms=6,
            label=f"measured T_GD*/T_clip (slope {slope:.2f})")
    inf = np.isinf(sep) & (M > 0)
    if inf.any():
        ax.plot(M[inf], np.full(int(inf.sum()), 0.97), "^", color="C0", ms=8, clip_on=False,
                transform=ax.get_xaxis_transform(), label="T_GD* = ∞ (GD never converges)")
    ok, _ = style.positive(M, pred)
    if keep.any() and ok[np.argmax(keep)]:
        first = np.argmax(keep)
        ax.plot(M[ok], pred[ok] * sep[first] / pred[first], "--", color="C1",
                label=f"Remark 5 order (rescaled) (slope {pslope:.2f})")
    ax.axhline(1.0, color="0.4", lw=1, ls=":", label="no separation")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("M = sup |f'| on {f ≤ f(x0)}")
    ax.set_ylabel("separation T_GD* / T_clip")
    ax.legend(loc="upper left", title=f"growth check: {growth.get('verdict', 'no record')}")
    style.dropped_note(ax, dropped)
    return style.save(fig, out, NAME)
