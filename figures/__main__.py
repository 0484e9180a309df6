"""Command line: ``python -m figures [--results DIR] [--out DIR] [--preset cpu] [--only ...]``.

Draws every figure of :data:`FIGURES` (or those named in ``--only``, by key ``fig1`` or
full name ``fig1_lm_smoothness``), printing one line per file written. A figure whose inputs
are all missing (or with a malformed input) is reported as ``figures: error: ...`` on stderr
and skipped; the exit status is then 2, else 0. An unwritable ``--out`` is one line
``figures: error: cannot write ...`` and status 2. Bad arguments: one line on stderr, status 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from figures import (
    fig1_lm_smoothness,
    fig2_lm_smoothness_runs,
    fig3_resnet_smoothness_runs,
    fig4_training_curves,
    fig5_smoothness_linear,
    fig6_lower_bound,
    fig7_separation,
    fig8_frontiers,
    style,
)

FIGURES = {module.NAME.split("_")[0]: module for module in (  # key "fig1" -> module
    fig1_lm_smoothness, fig2_lm_smoothness_runs, fig3_resnet_smoothness_runs,
    fig4_training_curves, fig5_smoothness_linear, fig6_lower_bound, fig7_separation,
    fig8_frontiers)}


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), no usage dump."""

    def error(self, message: str):
        sys.stderr.write(f"figures: error: {message}\n")
        raise SystemExit(2)


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parsed arguments; ``--only`` becomes a list of :data:`FIGURES` keys."""
    parser = Parser(prog="python -m figures", description="Draw the figures from result files.")
    parser.add_argument("--results", type=Path, default=Path("results"),
                        help="results folder (default: results)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: RESULTS/figures)")
    parser.add_argument("--preset", default="cpu", help="network-run preset (default: cpu)")
    parser.add_argument("--only", default=None, help="comma-separated figures, e.g. fig1,fig6")
    args = parser.parse_args(argv)
    args.out = args.out if args.out is not None else args.results / "figures"
    if args.only is None:
        args.only = list(FIGURES)
    else:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        keys = [n.split("_")[0] for n in names]
        bad = [n for n, k in zip(names, keys) if k not in FIGURES or
               (n != k and n != FIGURES[k].NAME)]
        if bad or not names:
            parser.error(f"unknown figure(s) in --only: {', '.join(bad) or '(none given)'}; "
                         f"choose from {', '.join(FIGURES)}")
        args.only = list(dict.fromkeys(keys))
    return args


def main(argv: list[str] | None = None) -> int:
    """Draw the requested figures; return 0, or 2 when a figure could not be drawn.

    No input at all, an unreadable input (:class:`figures.style.InputError`, raised by the
    readers with the file's name) or any other error a malformed input may cause while drawing
    (then shown with its type, as it may also be a bug) skips the figure with one line on
    stderr. An unwritable ``--out`` (:class:`figures.style.OutputError`) stops at once.
    """
    args = parse(argv)
    status = 0
    for key in args.only:
        try:
            written = FIGURES[key].draw(args.results, args.out, args.preset)
        except style.OutputError as err:  # every other figure would fail the same way
            sys.stderr.write("figures: error: " + str(err).replace("\n", " ") + "\n")
            return 2
        except FileNotFoundError as err:  # style.require: none of the inputs exists
            message = str(err)
        except style.InputError as err:
            message = f"unreadable input: {err}"
        except (OSError, ValueError, KeyError, AttributeError, TypeError, IndexError) as err:
            message = f"malformed input or a bug: {type(err).__name__}: {err}"
        else:
            for path in written:
                print(path)
            continue
        message = message.replace("\n", " ")
        sys.stderr.write(f"figures: error: {FIGURES[key].NAME}: {message}\n")
        status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
