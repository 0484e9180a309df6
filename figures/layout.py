"""The layout of the result tree, one function for ``python -m figures`` and the report.

:func:`layout` decides where a preset's figures, report, network runs and synthetic check live
(those of its seed sweep with ``sweep=True``) and which ``make`` target writes each;
:func:`run_folders` lists the run folders of one setting (itself, or its ``seed<S>/`` folders);
:func:`plain` makes text from a result file safe to show.
The paths are :mod:`plumbing.layout`'s (the one results layout, which the Makefile mirrors);
this module adds the ``make`` target that writes each. Imports only the standard library and
plumbing (the report uses it without loading matplotlib); :mod:`figures.style` re-exports both.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from plumbing.layout import CHECK_FOLDERS as CHECKS
from plumbing.layout import PRESETS, RUN_NAMES, results_tree, setting_runs

__all__ = ["CHECKS", "Layout", "layout", "run_folders", "plain", "add_source_arguments"]

MAKE_CHECKS = {"check": "make synthetic-check", "check-quick": "make synthetic-quick"}
MAKE_FRONTIERS = "make frontiers"


@dataclass(frozen=True)
class Layout:
    """Where one preset's inputs and outputs live under ``results`` (see :func:`layout`)."""

    results: Path
    preset: str
    check: Path  # the synthetic check folder read (Figs 6, 7, the report's theorem section)
    figures: Path  # the figure folder
    report: Path  # the report's path without suffix (.md and .html are written)
    nn: Path  # the folder of the six network settings (one run each, or seed<S>/ runs)
    make_nn: str
    make_check: str
    make_figures: str
    make_report: str
    sweep: bool = False  # the seed sweep's tree (nn_checks/P-sweep, figures-...-sweep)

    def run(self, model: str, run: str) -> Path:
        """Folder of one network setting: ``<nn>/<model>_<run>`` (one run, or its seeds')."""
        return self.nn / f"{model}_{run}"

    def runs(self) -> list[Path]:
        """The six setting folders, LSTM runs first (paper Figs 2 and 3)."""
        return [self.nn / name for name in RUN_NAMES]

    def run_name(self, folder: Path) -> str:
        """A run folder as the report names it: ``<model>_<run>`` or ``<model>_<run>/seed<S>``
        (relative to :attr:`nn`)."""
        try:
            return Path(folder).relative_to(self.nn).as_posix()
        except ValueError:
            return Path(folder).name

    def shown(self, path: Path) -> str:
        """``path`` relative to ``results`` when it lies below it (as the report shows it)."""
        try:
            return str(Path(path).relative_to(self.results))
        except ValueError:
            return str(path)


def layout(results="results", preset: str = "cpu", check: str = "check",
           check_dir=None, sweep: bool = False) -> Layout:
    """The one layout of the result tree, shared by ``python -m figures`` and the report.

    ============  ================================================  =========================
    what          ``cpu`` preset                                    any other preset P
    ============  ================================================  =========================
    figures       ``results/figures/``                              ``results/figures-P/``
    report        ``results/report.{md,html}``                      ``results/report-P.*``
    network runs  ``results/nn_checks/cpu/<model>_<run>/``          ``.../nn_checks/P/...``
    check         ``results/synthetic/<check>/`` (``check`` or ``check-quick``) or ``check_dir``
    ============  ================================================  =========================

    With ``sweep`` (the seed sweep of ``python -m nn_checks sweep``, ``make sweep``): the network
    runs ``results/nn_checks/P-sweep/<model>_<run>/seed<S>/``, the figures
    ``results/figures-sweep/`` (cpu) or ``figures-P-sweep/``, the report ``report-sweep.*`` or
    ``report-P-sweep.*`` (:func:`plumbing.layout.results_tree`); the check, the frontiers and the
    catalogue are the same as without. Every network, figure and report target is then
    ``make sweep`` (``make sweep PRESET=P``).
    The figure folder and the report stem are the Makefile's ``FIG_DIR`` and ``REPORT``.
    ``ValueError`` for a preset not in :data:`plumbing.layout.PRESETS` (so a preset never
    names a path such as ``../x``), a check not in :data:`CHECKS`, or an empty ``check_dir``.
    """
    tree = results_tree(results, preset, sweep)  # ValueError for an unknown preset
    results = tree.results
    folder = tree.check(check)  # ValueError for an unknown check
    if check_dir is not None:
        if not str(check_dir).strip():
            raise ValueError("--check-dir: empty folder name (give a check folder, e.g. "
                             "results/synthetic/check-quick)")
        folder = Path(check_dir)
    named = next((MAKE_CHECKS[c] for c in CHECKS if folder == tree.check(c)),
                 f"python -m synthetic check --out {folder}")
    option = "" if preset == "cpu" else f" PRESET={preset}"
    nn, figures, report = (("sweep",) * 3) if sweep else ("nn", "figures", "report")
    return Layout(results=results, preset=preset, check=folder, figures=tree.figures,
                  report=tree.report, nn=tree.nn, make_nn=f"make {nn}{option}",
                  make_check=named, make_figures=f"make {figures}{option}",
                  make_report=f"make {report}{option}", sweep=bool(sweep))


def run_folders(folder) -> list[Path]:
    """The run folders of one setting folder: the folder itself when it holds one run (today's
    layout) or none yet (a "missing" panel names it), else its ``seed<S>/`` run folders in
    increasing seed order (:func:`plumbing.layout.setting_runs`)."""
    return [path for _, path in setting_runs(folder)] or [Path(folder)]


def plain(text, width: int | None = None) -> str:
    """Text from a result file made safe to show: one line, control and format characters
    (which could hide or reorder what is shown) replaced by U+FFFD, at most ``width``
    characters."""
    text = " ".join(str(text).split())
    text = "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
    return text if width is None or len(text) <= width else text[:width - 1].rstrip() + "…"


def add_source_arguments(parser, results_help: str) -> None:
    """The options both commands read their inputs by: ``--results``, ``--preset`` and one of
    ``--check`` / ``--check-dir`` (the defaults stay None where a given value must be told
    from the default)."""
    parser.add_argument("--results", default="results",
                        help=f"{results_help} (default: %(default)s)")
    parser.add_argument("--preset", default="cpu",
                        help=f"network-run preset (default: %(default)s): {', '.join(PRESETS)}")
    parser.add_argument("--sweep", action="store_true",
                        help="read the preset's seed sweep (nn_checks/<preset>-sweep/, written by "
                             "make sweep) instead of its single runs")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", default=None,
                       help=f"synthetic check folder results/synthetic/<CHECK>: "
                            f"{', '.join(CHECKS)} (default: check)")
    group.add_argument("--check-dir", default=None,
                       help="any check folder instead (default: results/synthetic/<CHECK>)")
