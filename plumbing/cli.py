"""Pieces shared by every command line of the workbench (``python -m theory``, ``-m synthetic``,
``-m nn_checks``, ``-m figures``, ``-m figures.report``). Standard library only.

Exit codes (one policy for every command; README, "Command lines: conventions and exit
codes"):

=====  ====================================================================================
0      ran; no verdict failed (or the command has no verdicts)
1      ran to the end and wrote its results, but at least one verdict is ``fail``
2      bad input or a refusal (malformed argument or file, a run folder locked by another
       process, an unwritable output): one line on stderr, nothing written
3      internal error (a bug): one line on stderr, the traceback with ``<PROG>_DEBUG=1``
130    interrupted (Ctrl-C); rerun to resume where the command supports it
=====  ====================================================================================

Bad input is a :class:`UsageError` (or ``ValueError``) printed as one line; argparse's own
errors are turned into the same one line by :class:`OneLineParser`. Messages are never cut:
the sentence that says what to do stays whole.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Callable, Iterable

from plumbing.files import WriteError

__all__ = ["EXIT_OK", "EXIT_VERDICT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERNAL", "UsageError",
           "OneLineParser", "emit", "guarded", "version_string", "add_version", "int_in_range",
           "one_line", "number_list", "EXIT_CODES_HELP"]

EXIT_OK, EXIT_VERDICT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CODES_HELP = ("exit codes: 0 ran, no verdict failed; 1 ran and wrote its results, some "
                   "verdict failed; 2 bad input or refused (nothing written); 3 internal error; "
                   "130 interrupted")



class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus an error and exits; this raises :class:`UsageError` instead.

    Help texts keep their line breaks (``RawDescriptionHelpFormatter``) so that the syntax and
    symbol tables of the epilogs stay readable.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(message)


def version_string(prog: str) -> str:
    """``<prog> (l0l1-workbench <version>)``, the version of the installed distribution."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        number = version("l0l1-workbench")
    except (ImportError, PackageNotFoundError):  # running from a bare checkout
        number = "unknown (not installed)"
    return f"{prog} (l0l1-workbench {number})"


def add_version(parser: argparse.ArgumentParser) -> None:
    """``--version``: print :func:`version_string` and exit 0."""
    parser.add_argument("--version", action="version", version=version_string(parser.prog))


def int_in_range(name: str, value: int, low: int, high: int) -> int:
    """``value`` if ``low <= value <= high``, else a :class:`UsageError` naming the bounds (the
    upper bound keeps a command's work and memory bounded)."""
    if not low <= value <= high:
        raise UsageError(f"{name} must be between {low} and {high}, got {value}")
    return value


def emit(payload: dict, as_json: bool) -> None:
    """Print a result object as strict JSON (one line) or as aligned ``key value`` lines."""
    if as_json:
        print(json.dumps(payload, allow_nan=False))
        return
    for key, value in payload.items():
        print(f"{key:<16} {value}")


def one_line(text) -> str:
    """``text`` with every run of whitespace (newlines included) turned into one space."""
    return " ".join(str(text).split())


def number_list(text: str, option: str, *, minimum: float | None = None,
                max_count: int | None = None) -> list[float]:
    """Comma-separated finite numbers (``1,2.5,1e-3``), each ``>= minimum`` when given.

    Every refusal is a :class:`UsageError` naming ``option`` and the offending item: an empty
    item, a non-number, a non-finite value, a value below ``minimum``, more than ``max_count``
    items.
    """
    items = [t.strip() for t in str(text).split(",")]
    if max_count is not None and len(items) > max_count:
        raise UsageError(f"{option}: at most {max_count} values, got {len(items)}")
    values = []
    for item in items:
        if not item:
            raise UsageError(f"{option}: empty value in {text!r}")
        try:
            value = float(item)
        except ValueError:
            raise UsageError(f"{option}: {item!r} is not a number") from None
        if not math.isfinite(value) or (minimum is not None and value < minimum):
            need = "finite" if minimum is None else f"finite and >= {minimum:g}"
            raise UsageError(f"{option}: values must be {need}, got {item}")
        values.append(value)
    return values


def guarded(prog: str, command: Callable[[], int], interrupted: str = "interrupted",
            limit_exceptions: Iterable[type[BaseException]] = ()) -> int:
    """Run a command; map every failure to one line on stderr and an exit code (see above).

    Bad input (:class:`UsageError`, ``ValueError`` — the library's precondition errors and the
    readers' refusals —, an ``OSError`` such as an unwritable output folder or an unreadable
    input, a ``MemoryError``, one of ``limit_exceptions``: a time limit that fired where no
    caller expected it) exits 2; Ctrl-C exits 130 with ``interrupted``; anything else is a bug:
    one line and exit 3, or the traceback when the environment variable ``<PROG>_DEBUG`` is set
    (``PROG`` the last word of ``prog``, dots as underscores: ``FIGURES_REPORT_DEBUG``).
    Messages are never cut: the sentence that says what to do stays whole.
    """
    limits = tuple(limit_exceptions)
    try:
        return command()
    except SystemExit as exc:  # argparse's --help / --version; sys.exit("text") means failure
        if exc.code is None or isinstance(exc.code, int):
            return int(exc.code or 0)
        print(f"{prog}: error: {one_line(exc.code)}", file=sys.stderr)
        return EXIT_VERDICT_FAILED
    except (UsageError, ValueError) as exc:
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        if isinstance(exc, WriteError) or exc.filename is None:
            message = exc.strerror or str(exc)  # a WriteError's strerror is the whole sentence
        else:
            message = f"{exc.filename}: {exc.strerror or exc}"
        print(f"{prog}: error: {one_line(message)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print(f"{prog}: error: out of memory: the input asks for more work than this machine "
              "holds (or a file is larger than it holds); use smaller sizes", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: {interrupted}", file=sys.stderr)
        return 130
    except BaseException as exc:  # noqa: BLE001 - a time limit, or a bug
        if limits and isinstance(exc, limits):
            print(f"{prog}: error: the time limit ran out before an answer; give more time "
                  "(--timeout) or a simpler input", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not isinstance(exc, Exception):
            raise
        debug = prog.split()[-1].replace(".", "_").upper() + "_DEBUG"
        if os.environ.get(debug):
            raise
        print(f"{prog}: internal error ({type(exc).__name__}): {one_line(exc)} -- rerun with "
              f"{debug}=1 for the traceback", file=sys.stderr)
        return EXIT_INTERNAL
