"""The results-folder layout: where every producer writes and every reader looks.

All results live under a git-ignored ``results/`` (``RESULTS`` in the Makefile):

==================  ================================================  ======================
what                path (``cpu`` preset)                             any other preset P
==================  ================================================  ======================
catalogue           ``results/theory/catalogue/records.jsonl``        (no preset)
frontiers           ``results/theory/frontiers/frontiers.json``       (no preset)
theorem checks      ``results/synthetic/check/`` (``check-quick``)    (no preset)
network runs        ``results/nn_checks/cpu/<model>_<run>/``          ``nn_checks/P/...``
claims              ``results/nn_checks/cpu/claims.json``             ``nn_checks/P/...``
figures             ``results/figures/``                              ``results/figures-P/``
report              ``results/report.{md,html}``                      ``results/report-P.*``
seed sweep          ``results/nn_checks/cpu-sweep/<model>_<run>/seed<S>/``  ``P-sweep/...``
sweep figures       ``results/figures-sweep/``                        ``figures-P-sweep/``
sweep report        ``results/report-sweep.{md,html}``                ``report-P-sweep.*``
==================  ================================================  ======================

A *setting folder* ``<model>_<run>/`` holds either one run (its ``config.json``: what ``make
reproduce`` writes) or, in a seed sweep (``python -m nn_checks sweep``), one run folder per seed,
``seed<S>/`` (:func:`seed_folder_name`, :func:`setting_runs`).

The Makefile is the one documented exception that spells these paths itself (Make cannot
import Python); ``make -s layout`` prints its values and ``tests/plumbing/test_layout.py``
compares them with :func:`make_variables`, so the two cannot drift apart.
Standard library only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PRESETS", "LM_RUNS", "RESNET_RUNS", "RUN_NAMES", "CHECK_FOLDERS", "ResultsTree",
           "results_tree", "make_variables", "seed_folder_name", "setting_runs"]

PRESETS = ("smoke", "cpu", "long", "paper")  # nn_checks.config's presets (a test keeps them equal)
LM_RUNS = ("lr30clip0.25", "lr2noclip", "lr2clip0.25")  # paper Fig 2 (a-c)
RESNET_RUNS = ("sgdmom", "lr1noclip", "lr5clip0.25")  # paper Fig 3 (a-c)
RUN_NAMES = tuple(f"lstm_{r}" for r in LM_RUNS) + tuple(f"resnet20_{r}" for r in RESNET_RUNS)
CHECK_FOLDERS = ("check", "check-quick")  # results/synthetic/<name>: make synthetic-check/-quick


@dataclass(frozen=True)
class ResultsTree:
    """The paths of one preset under ``results`` (see the module docstring)."""

    results: Path
    preset: str
    sweep: bool = False  # the seed sweep's tree (network runs, figures, report)

    @property
    def suffix(self) -> str:
        """'' for the ``cpu`` preset, ``-P`` for another preset P (figures and report), then
        ``-sweep`` for a seed sweep's."""
        return ("" if self.preset == "cpu" else f"-{self.preset}") + \
            ("-sweep" if self.sweep else "")

    @property
    def catalogue(self) -> Path:
        return self.results / "theory" / "catalogue"

    @property
    def frontiers(self) -> Path:
        return self.results / "theory" / "frontiers" / "frontiers.json"

    def check(self, name: str = "check") -> Path:
        """The folder of ``synthetic check`` (``check``) or ``synthetic check --quick``."""
        if name not in CHECK_FOLDERS:
            raise ValueError(f"--check {name!r}: unknown check; choose from "
                             f"{', '.join(CHECK_FOLDERS)} (or give --check-dir DIR)")
        return self.results / "synthetic" / name

    @property
    def nn(self) -> Path:
        """The setting folders: ``nn_checks/P`` (one run each) or ``nn_checks/P-sweep``."""
        return self.results / "nn_checks" / (self.preset + ("-sweep" if self.sweep else ""))

    def run(self, name: str) -> Path:
        """One network run's folder, ``<nn>/<model>_<run>``."""
        return self.nn / name

    @property
    def claims(self) -> Path:
        return self.nn / "claims.json"

    @property
    def figures(self) -> Path:
        return self.results / f"figures{self.suffix}"

    @property
    def report(self) -> Path:
        """The report's path without suffix (``.md`` and ``.html`` are written)."""
        return self.results / f"report{self.suffix}"


def results_tree(results: str | Path = "results", preset: str = "cpu",
                 sweep: bool = False) -> ResultsTree:
    """The layout of ``preset`` (of its seed sweep when ``sweep``) under ``results``;
    ``ValueError`` for an unknown preset (so a preset never names a path such as ``../x``)."""
    if preset not in PRESETS:
        raise ValueError(f"--preset {preset!r}: unknown preset; choose from {', '.join(PRESETS)}")
    return ResultsTree(Path(results), preset, bool(sweep))


SEED_PREFIX = "seed"
MAX_SEED = 2**32 - 1  # nn_checks.config.MAX_SEED (a test keeps them equal)


def seed_folder_name(seed: int) -> str:
    """The run folder of one seed inside a setting folder: ``seed<S>`` (decimal, no padding)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer in [0, {MAX_SEED}], got {seed!r}")
    return f"{SEED_PREFIX}{seed}"


def _seed_of(name: str) -> int | None:
    digits = name[len(SEED_PREFIX):]
    if not name.startswith(SEED_PREFIX) or not digits.isascii() or not digits.isdigit() or \
            (len(digits) > 1 and digits[0] == "0") or int(digits) > MAX_SEED:
        return None
    return int(digits)


def setting_runs(folder: str | Path) -> list[tuple[int | None, Path]]:
    """The run folders of one setting folder, as (seed, path) in increasing seed order.

    A folder holding ``config.json`` is one run: ``[(None, folder)]`` (its seed is in its
    config). Otherwise its ``seed<S>/`` subfolders (exactly :func:`seed_folder_name`'s names;
    ``seed01``, ``seedx`` or files are ignored), possibly none; a missing folder gives ``[]``.
    """
    folder = Path(folder)
    if (folder / "config.json").exists():
        return [(None, folder)]
    if not folder.is_dir():
        return []
    seeds = [(s, p) for p in folder.iterdir()
             if (s := _seed_of(p.name)) is not None and p.is_dir() and not p.is_symlink()]
    return sorted(seeds)


def make_variables(results: str = "results", preset: str = "cpu") -> dict[str, str]:
    """The Makefile's path variables as this module computes them (``make -s layout``)."""
    tree = results_tree(results, preset)
    return {"NN_DIR": str(tree.nn), "NN_RUNS": " ".join(RUN_NAMES),
            "CHECK_DIR": str(tree.check()), "FRONTIERS": str(tree.frontiers),
            "CATALOGUE": str(tree.catalogue / "records.jsonl"), "FIG_DIR": str(tree.figures),
            "REPORT": str(tree.report) + ".html", "CLAIMS": str(tree.claims),
            "SWEEP_DIR": str(results_tree(results, preset, sweep=True).nn)}
