"""Text from result files inside the report's Markdown, shown literally and never interpreted.

The report is Markdown rendered to HTML by the ``markdown`` package (tables extension). Only the
report's own template may produce markup; every string read from a file (data set names, notes,
check ids, claim texts, criteria, statuses, run names, paths, git revision, platform ...) goes
through :func:`text` (or :func:`code`, :func:`cell`) before it enters the Markdown:

1. made one line, control and format characters replaced by U+FFFD
   (:func:`figures.style.plain`), so a newline cannot start a heading, list or table row;
2. HTML-escaped (``& < > " '`` become entities), so no tag or attribute can appear;
3. every character with a Markdown meaning in running text (the backslash, `` ` * _ [ ] { } ``
   and the table separator ``|``) backslash-escaped, so no emphasis, code span, link or image
   (``[x](javascript:...)``) and no extra table cell can appear.

Markdown shows an escaped character as itself, so the rendered page reads exactly as the file.
"""
from __future__ import annotations

import html
import re

from figures.layout import plain

__all__ = ["text", "code", "cell", "number", "Raw", "table"]

_MARKDOWN = {ord(c): "\\" + c for c in "\\`*_[]{}|"}
_SAFE_CODE = re.compile(r"[A-Za-z0-9_.,:;=+\-/() ]+")  # nothing a code span could misread


def text(value) -> str:
    """``value`` as literal Markdown text (steps 1-3 of the module docstring)."""
    return html.escape(plain(value), quote=True).translate(_MARKDOWN)


def code(value) -> str:
    """``value`` in a code span: backticks for plain identifiers (readable in report.md), else
    an HTML ``<code>`` element around :func:`text` (which no backtick can break out of)."""
    shown = plain(value)
    return f"`{shown}`" if _SAFE_CODE.fullmatch(shown) else f"<code>{text(shown)}</code>"


def number(value, digits: int = 3) -> str:
    """A checked number (or null, or a producer's "inf"/"nan") as table text."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, int):
        return str(value)
    return text(value)


def cell(value, digits: int = 3) -> str:
    """One table cell: a number formatted, a string escaped (its ``|`` cannot split the row)."""
    return number(value, digits)


class Raw(str):
    """A table cell already formatted by the template (not escaped again)."""


def table(head: list[str], rows: list[list]) -> list[str]:
    """A Markdown table; ``head`` is template text, every cell not :class:`Raw` goes through
    :func:`cell`."""
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(c if isinstance(c, Raw) else cell(c) for c in row) + " |"
                  for row in rows]
