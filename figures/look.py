"""The look of every figure and how it is saved (matplotlib): rcParams, panel notes, png + pdf.

:func:`apply` sets the shared rcParams; :func:`save` writes ``name.png`` and ``name.pdf``
atomically with every text drawn literally (:func:`literal_texts`); :func:`missing`,
:func:`note`, :func:`dropped_note`, :func:`wrap`, :func:`legend_with_notes` and :func:`key`
annotate panels; :func:`panel_grid` lays out one panel per instance; :func:`short_minor_labels`
keeps narrow log axes readable. Re-exported by :mod:`figures.style`.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on these machines
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from figures.layout import plain  # noqa: E402
from plumbing.files import WriteError, atomic_write  # noqa: E402

__all__ = ["DPI", "OutputError", "apply", "save", "literal_texts", "wrap", "missing", "note",
           "dropped_note", "short_minor_labels", "legend_label", "legend_with_notes",
           "panel_grid", "key"]

DPI = 150
OutputError = WriteError  # a figure file that cannot be written (one line, exit code 2)


def apply() -> None:
    """Set the shared rcParams: readable font sizes, a light grid, constrained layout."""
    plt.rcParams.update({
        "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 8,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.grid": True, "grid.alpha": 0.3,
        "figure.constrained_layout.use": True, "savefig.dpi": DPI, "legend.framealpha": 0.8,
    })


def save(fig, out: Path, name: str) -> list[Path]:
    """Write ``out/name.png`` (dpi :data:`DPI`) and ``out/name.pdf`` atomically, close ``fig``.

    Each file is rendered to a temporary file in ``out``, fsync-ed and moved in place
    (:func:`plumbing.files.atomic_write`), so a reader never sees a half-written figure and a
    failed write leaves the previous file. ``out`` is created. The layout computed for the png
    is kept for the pdf (constrained layout is half the cost). A failure is
    :class:`OutputError` "cannot write <path>: <reason>".
    """
    out = Path(out)
    written = []
    literal_texts(fig)
    try:
        for ext in ("png", "pdf"):
            final = out / f"{name}.{ext}"
            atomic_write(final, lambda handle, ext=ext: fig.savefig(handle, format=ext, dpi=DPI))
            written.append(final)
            fig.set_layout_engine("none")  # freeze the positions found for the png
    finally:
        plt.close(fig)
    return written


def literal_texts(fig) -> None:
    """Draw every text of ``fig`` as written -- titles, labels, legends, notes, which may hold
    text from result files -- never as mathtext (a ``$`` in a data set name would otherwise be
    parsed, and fail on malformed TeX); tick labels and offsets keep their mathtext powers."""
    for text in _texts(fig):
        text.set_parse_math(False)


def _texts(artist):
    """The Text artists below ``artist``, not descending into axes' tick machinery (an axis
    contributes its label only; walking its ticks would create them)."""
    for child in artist.get_children():
        if isinstance(child, Axis):
            yield child.label
        elif isinstance(child, Text):
            yield child
            yield from _texts(child)
        else:
            yield from _texts(child)


def wrap(text: str, width: int = 48) -> str:
    """Break ``text`` into lines of at most ``width`` characters after spaces, slashes, commas."""
    lines = [""]
    for token in re.split(r"(?<=[/ ,])", str(text)):
        if lines[-1] and len(lines[-1]) + len(token) > width:
            lines.append("")
        lines[-1] += token
    return "\n".join(line.rstrip() for line in lines)


def missing(ax, path) -> None:
    """Replace a panel's data by a centred ``missing: <path>`` text."""
    ax.text(0.5, 0.5, wrap(f"missing: {path}"), transform=ax.transAxes, ha="center",
            va="center", fontsize=8, color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])


def note(ax, text: str, where: str = "lower right") -> None:
    """A small grey note in a panel corner (dropped points, clipped values, missing runs)."""
    x, ha = (0.98, "right") if "right" in where else (0.02, "left")
    y, va = (0.02, "bottom") if "lower" in where else (0.98, "top")
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=7, color="0.3",
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.8})


def dropped_note(ax, n: int) -> None:
    """Say in the panel how many points a log axis could not show."""
    if n:
        note(ax, f"{n} point{'s' if n != 1 else ''} ≤ 0 not shown")


def legend_label(name: str, width: int = 40) -> str:
    """A name from a file as a legend label: shown literally, at most ``width`` characters (a
    leading "_" would make matplotlib hide the entry: a thin space goes before it)."""
    text = plain(name, width)
    return "\u2009" + text if text.startswith("_") else text


def legend_with_notes(fig, ax, notes: list[str], title: str, width: int = 34) -> None:
    """The legend of ``ax`` right of the figure, ``notes`` (wrapped at ``width``) listed under
    its entries, off the data."""
    handles, labels = ax.get_legend_handles_labels()
    blank = Line2D([], [], ls="none")
    fig.legend(handles + [blank] * len(notes), labels + [wrap(n, width) for n in notes],
               loc="outside right upper", title_fontsize=8, title=title)


def panel_grid(n: int, cols: int = 3, size: tuple = (5.2, 4.2), pad: float = 0.8):
    """A figure of max(1, n) panels of ``size`` inches, at most ``cols`` a row (``pad`` inches
    more for the legend), the unused places hidden: (fig, the max(1, n) axes, columns)."""
    n = max(1, n)
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows + pad),
                             squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return fig, list(axes.flat[:n]), cols


def key(*entries) -> list[Line2D]:
    """Legend handles drawing no data: one per (label, Line2D properties) entry."""
    return [Line2D([], [], label=label, **props) for label, props in entries]


def short_minor_labels(ax) -> None:
    """On log axes spanning about a decade matplotlib labels minor ticks as 2×10⁻¹, 3×10⁻¹, …
    which collide in narrow panels: label them as plain numbers (0.2, 0.3), smaller."""
    from matplotlib.ticker import LogFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    ax.tick_params(which="minor", labelsize=7)
