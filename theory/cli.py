"""``python -m theory``: certify expressions, verify the catalogue, check multivariate functions.

Commands
--------
certify [EXPR | --expr EXPR] [--vars x] [--L1 v1,v2,...] [--timeout S] [--json]
    Class, L, L1_min and the frontier L0*(L1); ``--json`` prints one object with at least
    ``expression``, ``variables``, ``class``, ``L``, ``L1_min``, ``frontier`` (list of
    {"L1", "L0"}), ``method``, ``certified``. ``--timeout S`` bounds the whole command: the
    answer comes within S seconds, or exit 2 saying the time ran out.
catalogue [--out DIR] [--only ID,...] [--seed N] [--json]
    Verify every declared constant of :mod:`theory.functions.catalogue`; writes records.jsonl,
    config.json and env.json under DIR (default results/theory/catalogue); exit 1 when a
    declared constant fails.
frontiers [--out DIR] [--only ID,...] [--L1 v1,v2,...]
    L0*(L1) of the univariate catalogue functions on an L1 grid (default 25 points, 10^-2 ..
    10^2, log-spaced) with the class, L1_min and per-point method; writes frontiers.json
    (schema l0l1-frontiers/1), config.json and env.json under DIR (default
    results/theory/frontiers), the input of the frontier figure.
multicheck [EXPR | --expr EXPR] --vars x1,x2 --L0 A --L1 B --box LO:HI[,LO:HI...] [--samples N]
        [--seed S] [--json]
    Numeric search for the worst violation of ||∇²f|| <= L0 + L1||∇f|| on a box (estimated);
    exit 1 when a violation is found (verdict ``fail``).

Bad input gives one line ``theory: error: ...`` on stderr and exit code 2, never a traceback;
everything is validated before anything is computed or written. This module is the package's
only user of tqdm (progress on stderr), imported lazily; it holds the entry point, the parser
and the progress bars, and hands each command to :mod:`theory.commands` (certify, catalogue
and frontiers, multicheck; the option checks in :mod:`theory.commands.arguments`, the help
texts in :mod:`theory.commands.help`). The symbols are those of docs/statements.md §1.
"""
from __future__ import annotations

import argparse
import re
import sys
import time

from plumbing.cli import EXIT_CODES_HELP, UsageError, add_version, guarded
from plumbing.cli import OneLineParser as _Parser
from theory.commands.arguments import FRONTIER_GRID  # noqa: F401 (the limits stay theory.cli's)
from theory.commands.arguments import (DEFAULT_TIMEOUT, MAX_L1_VALUES, MAX_SAMPLES, MAX_SEED,
                                       MAX_TIMEOUT, MAX_VARIABLES, MIN_SAMPLES)
from theory.commands.catalogue import run_catalogue, run_frontiers
from theory.commands.certify import run_certify
from theory.commands.help import (CATALOGUE_EPILOG, CERTIFY_EPILOG, EXPRESSION_HELP,
                                  FRONTIERS_EPILOG, MULTICHECK_EPILOG, SYMBOLS_HELP)
from theory.commands.multicheck import run_multicheck
from theory.expressions.timelimit import LIMIT_EXCEPTIONS

_VALUE_OPTIONS = {"--expr", "--box", "--L1", "--L0", "--timeout", "--samples", "--seed",
                  "--vars", "--var", "--only", "--out"}


class _LazyBar:
    """A tqdm bar created at the first update (after every input check has passed)."""

    def __init__(self, total: int, desc: str, unit: str = "L1"):
        self.total, self.desc, self.unit, self._bar = total, desc, unit, None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.desc, unit=self.unit, leave=False,
                             disable=None)
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _bar_over(entries, **options):
    """A tqdm bar over ``entries`` (the catalogue and frontiers loops)."""
    from tqdm import tqdm

    return tqdm(entries, **options)


def _add_expression(p: argparse.ArgumentParser, default_vars: str | None) -> None:
    p.add_argument("expr", nargs="?", metavar="EXPR",
                   help="the function f, e.g. 'x**4' (syntax below; or --expr)")
    p.add_argument("--expr", dest="expr_option", metavar="EXPR",
                   help="the function f (same as the positional EXPR)")
    if default_vars is None:
        p.add_argument("--vars", "--var", dest="var", required=True, metavar="NAMES",
                       help=f"comma-separated variable names, at most {MAX_VARIABLES} "
                            "(--var is the old spelling; required)")
    else:
        p.add_argument("--vars", "--var", dest="var", default=default_vars, metavar="NAME",
                       help="the variable, real; --var is the old spelling "
                            "(default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m theory`` (every default shown in --help)."""
    parser = _Parser(prog="python -m theory",
                     description="Certify (L0,L1)-smoothness of expressions, verify the "
                                 "catalogue of test functions, check multivariate functions.",
                     epilog="commands: certify, catalogue, frontiers, multicheck "
                            "(python -m theory COMMAND --help for each)\n\n" + EXPRESSION_HELP
                            + "\n" + SYMBOLS_HELP + "\n" + EXIT_CODES_HELP)
    add_version(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    c = sub.add_parser("certify", help="class and frontier of a univariate expression",
                       description="Class, L, L1_min and the frontier L0*(L1) of a univariate "
                                   "f, exact where sympy can decide, estimated otherwise.",
                       epilog=CERTIFY_EPILOG)
    add_version(c)
    _add_expression(c, "x")
    c.add_argument("--L1", help=f"comma-separated L1 values >= 0, at most {MAX_L1_VALUES} "
                                "(default: L1_min and 0.5, 1, 2, 4)")
    c.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds for the whole command, at most {MAX_TIMEOUT:g} "
                        "(default: %(default)s)")
    c.add_argument("--json", action="store_true", help="print one JSON object (default: off)")
    k = sub.add_parser("catalogue", help="verify every declared constant of the catalogue",
                       description="Verify the declared class, constants and f* of every "
                                   "catalogue function.", epilog=CATALOGUE_EPILOG)
    add_version(k)
    k.add_argument("--out", default="results/theory/catalogue",
                   help="output folder (default: %(default)s)")
    k.add_argument("--only", help="comma-separated entry ids (default: every entry)")
    k.add_argument("--seed", type=int, default=0,
                   help=f"seed of the multivariate searches, 0 to {MAX_SEED} "
                        "(default: %(default)s)")
    k.add_argument("--json", action="store_true", help="print the records as one JSON list "
                                                       "(default: off)")
    fr = sub.add_parser("frontiers", help="L0*(L1) of the univariate catalogue on an L1 grid",
                        description="L0*(L1) of the univariate catalogue functions on an L1 "
                                    "grid: the input of the frontier figure.",
                        epilog=FRONTIERS_EPILOG)
    add_version(fr)
    fr.add_argument("--out", default="results/theory/frontiers",
                    help="output folder (default: %(default)s)")
    fr.add_argument("--only", help="comma-separated univariate entry ids (default: all)")
    fr.add_argument("--L1", help=f"comma-separated L1 values >= 0, at most {MAX_L1_VALUES} "
                                 "(default: 25 values from 0.01 to 100, evenly spaced in log L1)")
    m = sub.add_parser("multicheck", help="numeric (L0,L1) check of a multivariate expression",
                       description="Numeric search for the worst violation of "
                                   "||∇²f|| <= L0 + L1||∇f|| on a box (an estimate).",
                       epilog=MULTICHECK_EPILOG)
    add_version(m)
    _add_expression(m, None)
    m.add_argument("--L0", required=True, help="candidate L0 >= 0 (required)")
    m.add_argument("--L1", required=True, help="candidate L1 >= 0 (required)")
    m.add_argument("--box", required=True, metavar="LO:HI[,LO:HI...]",
                   help="the box: one LO:HI per variable, or one for all (required)")
    m.add_argument("--samples", type=int, default=4096,
                   help=f"quasi-random points, {MIN_SAMPLES} to {MAX_SAMPLES} "
                        "(default: %(default)s)")
    m.add_argument("--seed", type=int, default=0,
                   help=f"seed of the search, 0 to {MAX_SEED} (default: %(default)s)")
    m.add_argument("--json", action="store_true", help="print one JSON object (default: off)")
    return parser


def _join_values(argv: list[str]) -> list[str]:
    """``--box -1:1`` or ``--expr -x**2`` would read as an option: join a value option and a
    value starting with one '-' as ``--box=-1:1``; after certify or multicheck, a word starting
    with one '-' that is no option (``-x**2``) is the expression (``--expr=-x**2``)."""
    out, i = [], 0
    takes_expression = bool(argv) and argv[0] in ("certify", "multicheck")
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv) and re.match(r"-(?!-)", argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        if takes_expression and i > 0 and re.match(r"-(?!-)", argv[i]) and argv[i] != "-h":
            out.append(f"--expr={argv[i]}")
        else:
            out.append(argv[i])
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a verdict failed, 2 bad input, 3 a bug)."""
    started = time.monotonic()
    argv = _join_values(list(sys.argv[1:] if argv is None else argv))

    def command() -> int:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: certify, catalogue, frontiers or multicheck "
                             "(see --help)")
        if args.command == "certify":
            return run_certify(args, started, _LazyBar)
        if args.command == "multicheck":
            return run_multicheck(args, _LazyBar)
        return {"catalogue": run_catalogue, "frontiers": run_frontiers}[args.command](
            args, _bar_over)
    return guarded("theory", command, limit_exceptions=LIMIT_EXCEPTIONS)
