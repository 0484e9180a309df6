"""Pieces shared by the command lines of the workbench (``python -m theory``, ``-m synthetic``).

Bad input is a :class:`UsageError` (or ``ValueError``) printed as one line with exit code 2;
argparse's own errors are turned into the same one line by :class:`OneLineParser`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable

__all__ = ["EXIT_BAD_INPUT", "UsageError", "OneLineParser", "emit", "guarded"]

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus an error and exits; this raises :class:`UsageError` instead."""

    def error(self, message: str):
        raise UsageError(message)


def emit(payload: dict, as_json: bool) -> None:
    """Print a result object as strict JSON (one line) or as aligned ``key value`` lines."""
    if as_json:
        print(json.dumps(payload, allow_nan=False))
        return
    for key, value in payload.items():
        print(f"{key:<16} {value}")


def guarded(prog: str, command: Callable[[], int], interrupted: str = "interrupted") -> int:
    """Run a command; map every failure to one line on stderr and an exit code.

    Bad input (:class:`UsageError`, ``ValueError`` — the library's precondition errors — and an
    ``OSError`` such as an unwritable output folder) exits 2; Ctrl-C exits 130 with
    ``interrupted``; anything else is a bug: one line and exit 1, or the traceback when the
    environment variable ``<PROG>_DEBUG`` is set.
    """
    try:
        return command()
    except (UsageError, ValueError) as exc:
        message = " ".join(str(exc).split())
        print(f"{prog}: error: {message if len(message) <= 300 else message[:297] + '...'}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"{prog}: error: cannot write {exc.filename or ''}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: {interrupted}", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug, not bad input
        debug = f"{prog.upper()}_DEBUG"
        if os.environ.get(debug):
            raise
        print(f"{prog}: internal error ({type(exc).__name__}): "
              f"{' '.join(str(exc).split())[:250]} -- rerun with {debug}=1 for the traceback",
              file=sys.stderr)
        return 1
