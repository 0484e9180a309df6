"""Command line: ``python -m figures [--results DIR] [--preset P] [--sweep] [--check C |
--check-dir DIR] [--out DIR] [--only ...]``.

Draws every figure of :data:`FIGURES` (or those named in ``--only``, by key ``fig1`` or full
name ``fig1_lm_smoothness``) into the preset's figure folder (:func:`figures.style.layout`;
with ``--sweep`` the seed sweep's runs, into its own figure folder),
printing one line per file written. Every input of the requested figures is checked against
what its producer writes before anything is drawn: a malformed file is one line naming the file
and the field, exit status 2, nothing written. A figure whose inputs are all missing is one line
``figures: error: <figure>: no input found ...; run `make ...``` and is skipped (status 2, the
others are drawn); a missing run inside a figure is a "missing" panel. Bad arguments, an
unusable ``--out`` or ``--results``: one line, status 2. A bug: one line, status 3.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from figures import (
    fig1_lm_smoothness,
    fig2_lm_smoothness_runs,
    fig3_resnet_smoothness_runs,
    fig4_training_curves,
    fig5_smoothness_linear,
    fig6_lower_bound,
    fig7_separation,
    fig8_frontiers,
    fig9_tightness,
    fig10_thresholds,
    style,
)
from figures.layout import add_source_arguments
from plumbing.cli import (EXIT_BAD_INPUT, EXIT_OK, OneLineParser, UsageError, add_version, guarded,
                          one_line)
from plumbing.files import check_output_folder
from plumbing.locks import FolderLock
from figures.readers import InputError

FIGURES = {module.NAME.split("_")[0]: module for module in (  # key "fig1" -> module
    fig1_lm_smoothness, fig2_lm_smoothness_runs, fig3_resnet_smoothness_runs,
    fig4_training_curves, fig5_smoothness_linear, fig6_lower_bound, fig7_separation,
    fig8_frontiers, fig9_tightness, fig10_thresholds)}
PROG = "figures"

EPILOG = f"""\
presets (--preset, the nn_checks preset whose six runs are drawn):
  {", ".join(style.PRESETS)}; cpu is the default of `make reproduce`, paper the paper's scale.

read (under --results):
  nn_checks/<preset>/<model>_<run>/{{metrics.csv,epochs.csv,config.json,fit.json}}
      for the six runs {", ".join(style.RUN_NAMES[:3])},
      {", ".join(style.RUN_NAMES[3:])}          (Figs 1-5, 8)
  --sweep: nn_checks/<preset>-sweep/<model>_<run>/seed<S>/{{...the same files}} instead, every
      seed of each setting (make sweep): seeds faint, with the binned median of their points
      and its 25-75% band (Figs 1-3, 5), the mean over seeds with its min-max band (Fig 4)
  synthetic/<check>/records.jsonl (Figs 6, 7, 10) and summary.json (Fig 9): --check check
      (make synthetic-check, the default) or check-quick (make synthetic-quick), or any check
      folder given by --check-dir
  theory/frontiers/frontiers.json (make frontiers)                                    (Fig 8)

written:
  <results>/figures/figN_<name>.{{png,pdf}} for the cpu preset, <results>/figures-<preset>/ for
  the others (the Makefile's FIG_DIR), with --sweep figures-sweep/ (cpu) or
  figures-<preset>-sweep/, or --out DIR; one line per file written. Each file is replaced
  atomically; nothing is written when an input is malformed (in any seed's folder too).

figures (--only takes the key or the name):
{chr(10).join(f"  {k}  {m.NAME}" for k, m in FIGURES.items())}

exit codes: 0 every figure drawn; 2 bad input or refused (one line on stderr, nothing written),
  or a figure with no input at all (one line per such figure, the others drawn); 3 internal
  error; 130 interrupted
"""


def parser() -> OneLineParser:
    """The argument parser (``--help`` explains presets, folders and defaults)."""
    p = OneLineParser(prog=f"python -m {PROG}", epilog=EPILOG,
                      description="Draw the figures of the paper and ours from result files "
                                  "(never trains or refits).")
    add_source_arguments(p, "results folder read")
    p.add_argument("--out", default=None,
                   help="output folder (default: RESULTS/figures for cpu, "
                        "RESULTS/figures-<preset> otherwise; -sweep appended with --sweep)")
    p.add_argument("--only", default=None,
                   help="comma-separated figures, e.g. fig1,fig6 (default: all)")
    add_version(p)
    return p


def parse(argv: list[str] | None):
    """Parsed and checked arguments (:class:`UsageError` for anything unusable): ``where`` is
    the layout, ``out`` the output folder, ``only`` a list of :data:`FIGURES` keys."""
    args = parser().parse_args(argv)
    if not args.results.strip():
        raise UsageError("--results: empty folder name (give a path, e.g. results)")
    args.results = Path(args.results)
    if args.results.exists() and not args.results.is_dir():
        raise UsageError(f"--results {args.results}: not a folder")
    if args.check_dir is not None and not (args.check_dir.strip() and
                                           Path(args.check_dir).is_dir()):
        raise UsageError(f"--check-dir {args.check_dir}: not a folder (run `python -m "
                         "synthetic check --out DIR` to write one)")
    try:
        args.where = style.layout(args.results, args.preset, args.check or "check",
                                  args.check_dir, sweep=args.sweep)
    except ValueError as err:
        raise UsageError(str(err)) from None
    args.out = check_output_folder(args.out if args.out is not None else args.where.figures)
    if args.only is None:
        args.only = list(FIGURES)
    else:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        keys = [n.split("_")[0] for n in names]
        bad = [n for n, k in zip(names, keys) if k not in FIGURES or
               (n != k and n != FIGURES[k].NAME)]
        if bad or not names:
            raise UsageError(f"unknown figure(s) in --only: {', '.join(bad) or '(none given)'}; "
                             f"choose from {', '.join(FIGURES)}")
        args.only = list(dict.fromkeys(keys))
    return args


def run(argv: list[str] | None) -> int:
    """Check every input, then draw; the exit status (see the module docstring)."""
    args = parse(argv)
    where = args.where
    style.validate(p for key in args.only for p in FIGURES[key].inputs(where))
    with FolderLock(args.out):  # one writer per output folder
        return _draw(args, where)


def _draw(args, where) -> int:
    """Draw every figure of ``args.only`` into ``args.out`` (holding its lock)."""
    status = EXIT_OK
    for key in args.only:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)  # overflow in a mean: drawn nan
                written = FIGURES[key].draw(where.results, args.out, where.preset, where.check,
                                            where.sweep)
        except FileNotFoundError as err:  # style.require: none of the inputs exists
            if err.filename is not None:  # not require's message: an input vanished
                raise
            sys.stderr.write(f"{PROG}: error: {FIGURES[key].NAME}: {one_line(err)}\n")
            status = EXIT_BAD_INPUT
            continue
        except InputError:  # a file changed after it was checked
            raise
        except ValueError as err:  # every input was checked: matplotlib refusing is our bug
            raise RuntimeError(f"{FIGURES[key].NAME}: {err}") from err
        for path in written:
            print(path, flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 all drawn, 2 bad input or a figure without input, 3 internal error."""
    return guarded(PROG, lambda: run(argv))


if __name__ == "__main__":
    sys.exit(main())
