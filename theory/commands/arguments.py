"""Checks of the option values of ``python -m theory``, each refusal naming its option.

Every value is checked before anything is computed or written; a bad one is a
:class:`plumbing.cli.UsageError` (one line ``theory: error: ...``, exit 2). Here: the limits
that bound each command's work (at most ``MAX_L1_VALUES`` slopes L1 >= 0 for the frontier
L0*(L1) of docs/statements.md §1, ``--timeout`` up to ``MAX_TIMEOUT`` seconds, ``--samples``
between ``MIN_SAMPLES`` and ``MAX_SAMPLES``, at most ``MAX_VARIABLES`` variables), the default
L1 grid of ``frontiers`` (25 points 10^-2 .. 10^2, log-spaced), and the readers of the
expression, its variables, number lists, ``--only`` selections, ``--box`` and ``--out``.

``_float_list`` is :func:`plumbing.cli.number_list` with the minimum 0.
"""
from __future__ import annotations

import math
from pathlib import Path

from plumbing.cli import UsageError, number_list
from theory.expressions.parsing import ExpressionError

MAX_L1_VALUES = 100          # --L1 values per certify / frontiers call
MAX_TIMEOUT = 3600.0         # --timeout of certify, seconds
DEFAULT_TIMEOUT = 60.0
MAX_SAMPLES = 1_000_000      # --samples of multicheck
MIN_SAMPLES = 16
MAX_VARIABLES = 10           # --vars of multicheck
MAX_SEED = 2**32 - 1
FRONTIER_GRID = tuple(float(f"{10 ** (k / 6 - 2):.6g}") for k in range(25))  # 1e-2 .. 1e2


def _float_list(text: str, name: str) -> list[float]:
    """Comma-separated finite numbers >= 0, at most MAX_L1_VALUES of them."""
    return number_list(text, name, minimum=0.0, max_count=MAX_L1_VALUES)


def _number(text: str, name: str, minimum: float = 0.0) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise UsageError(f"{name} must be finite and >= {minimum:g}, got {text}")
    return value


def _fmt(value) -> str:
    if value is None:
        return "none"
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _expression_text(args) -> str:
    """EXPR from the positional argument or --expr (one of them, not two different ones)."""
    given = [e for e in (args.expr, args.expr_option) if e is not None]
    if not given:
        raise UsageError("give the expression, as EXPR or --expr EXPR")
    if len(given) == 2 and given[0] != given[1]:
        raise UsageError("give the expression once: EXPR and --expr differ")
    return given[0]


def _variable_names(text: str, option: str = "--vars") -> list[str]:
    from theory.expressions.parsing import real_symbol

    names = [v.strip() for v in text.split(",")]
    if not all(names):
        raise UsageError(f"{option}: empty variable name in {text!r}")
    if len(names) > MAX_VARIABLES:
        raise UsageError(f"{option}: at most {MAX_VARIABLES} variables, got {len(names)}")
    if len(set(names)) != len(names):
        raise UsageError(f"{option}: a variable is named twice in {text!r}")
    try:
        for name in names:
            real_symbol(name)
    except ExpressionError as exc:
        raise UsageError(f"{option}: {exc}") from None
    return names


def _parse(text: str, names: list[str]):
    from theory.expressions.parsing import parse_expression

    try:
        return parse_expression(text, names)
    except ExpressionError as exc:
        raise UsageError(f"--expr: {exc}") from None


def _timeout(value: float) -> float:
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise UsageError(f"--timeout must be > 0 and at most {MAX_TIMEOUT:g} seconds, got "
                         f"{value:g}")
    return value


def _select(entries, only: str | None, what: str) -> list:
    """The entries named in ``--only`` (all when None); an unknown or empty id: UsageError."""
    if only is None:
        return list(entries)
    wanted = [w.strip() for w in only.split(",")]
    if not all(wanted):
        raise UsageError(f"--only: empty entry id in {only!r} (omit --only for every entry)")
    chosen = [e for e in entries if e.id in set(wanted)]
    unknown = sorted(set(wanted) - {e.id for e in chosen})
    if unknown:
        raise UsageError(f"--only: {what}: {', '.join(unknown)}; choose from "
                         f"{', '.join(e.id for e in entries)}")
    return chosen


def _box(text: str, n: int) -> list[tuple[float, float]]:
    parts = [p for p in text.split(",")]
    if len(parts) == 1 and n > 1:
        parts *= n
    if len(parts) != n:
        raise UsageError(f"--box: need {n} intervals LO:HI, got {len(parts)}")
    box = []
    for part in parts:
        try:
            lo, hi = (float(v) for v in part.split(":"))
        except ValueError:
            raise UsageError(f"--box: {part!r} is not LO:HI") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise UsageError(f"--box: need finite LO < HI, got {part!r}")
        box.append((lo, hi))
    return box


def _output_folder(text: str) -> Path:
    """``--out`` checked before any work (plumbing.files.check_output_folder: not empty, not a
    file, not below a file, writable; nothing is created here)."""
    from plumbing.files import check_output_folder

    return check_output_folder(text, "--out")
