"""Pieces shared by the command lines of the workbench (``python -m theory``, ``-m synthetic``).

Bad input is a :class:`UsageError` (or ``ValueError``) printed as one line with exit code 2;
argparse's own errors are turned into the same one line by :class:`OneLineParser`.
"""
from __future__ import annotations

import argparse
import json

__all__ = ["EXIT_BAD_INPUT", "UsageError", "OneLineParser", "emit"]

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
