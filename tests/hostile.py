"""The one harness of the malformed-input corpora (tests/*/test_*_malformed.py).

Every command of the workbench, given bad input, must exit 2 with exactly one line
``<prog>: error: ...`` on stderr, print nothing on stdout, show no traceback and no "internal
error", answer within a bound (a hang fails the test instead of blocking the suite), write
nothing, and leave every pre-existing file byte-identical. The corpora call the commands'
``main(argv)`` in-process (a whole process per case would cost ~1.5 s of imports each).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import stat
from pathlib import Path
from typing import Callable

BOUND_S = 60  # generous: a refusal answers at once; only a hang gets near it


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so a command's own guard cannot swallow it."""


def snapshot(root: str | Path) -> dict:
    """Every folder and every file's bytes under ``root`` (links and FIFOs by kind, never
    opened), so that any write, creation or removal changes the result."""
    out = {}
    for folder, _dirs, files in os.walk(root):
        out[os.path.relpath(folder, root) + "/"] = None
        for name in files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif not stat.S_ISREG(info.st_mode):
                out[rel] = ("special", stat.S_IFMT(info.st_mode))
            else:
                with open(path, "rb") as handle:
                    out[rel] = handle.read()
    return out


def call(main: Callable[[list[str]], int], argv: list[str],
         bound_s: int = BOUND_S) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured and an alarm after ``bound_s`` seconds.

    ``SystemExit`` (argparse) counts as the exit code it carries.
    """
    out, err = io.StringIO(), io.StringIO()

    def alarm(signum, frame):  # noqa: ARG001
        raise Hang(f"no answer within {bound_s} s: {argv}")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(bound_s)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


ARGPARSE = ("the following arguments are required", "unrecognized arguments", "invalid choice",
            "expected one argument", "invalid int value", "invalid float value",
            "not allowed with argument", "choose a command", "ignored explicit argument")


# the names of positional arguments (an expression, a run folder) as messages call them
POSITIONALS = ("--expr", "expression", "folder")


def names_the_input(err: str, argv: list[str]) -> bool:
    """Does the message name what it refuses: an option (``--lr``; one of ``argv``'s also as
    ``lr``), one of ``argv``'s values (or the file name at the end of a path), a positional
    argument by its name (the expression, the folder), or is it argparse's own usage error?
    (A ``ValueError`` escaping from deep inside numpy names none of them.)"""
    text = err.lower()
    if any(phrase in text for phrase in ARGPARSE + POSITIONALS):
        return True
    if re.search(r"(?<![\w-])--[a-z]", text):  # names an option (one absent, or an alias)
        return True
    for token in argv[1:] if argv and not argv[0].startswith("-") else argv:
        token = token.lower()  # (the sub-command's name alone names nothing)
        if token.startswith("--"):  # an option, by its name as a whole word: "--h", "lr"
            name = token[2:].split("=")[0]
            spellings = {"--" + name, name, name.replace("-", "_"), name.replace("-", " ")}
            if any(re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)
                   for c in spellings if c.strip("-")):
                return True
        else:  # a value, or the file name that ends a path ("1" alone would match anything)
            for c in {token[:24].strip(), token.rstrip("/").rsplit("/", 1)[-1][:24].strip()}:
                if len(c) >= 3 and c in text:
                    return True
    return False


def assert_refused(code: int, out: str, err: str, prog: str, expect: str | None = None) -> None:
    """Exit 2, one line ``<prog>: error: ...`` on stderr (holding ``expect`` when given),
    nothing on stdout, no traceback, no internal error."""
    assert code == 2, (code, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith(f"{prog}: error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert out == "", out
    if expect is not None:
        assert expect in err, err
