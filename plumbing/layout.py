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
==================  ================================================  ======================

The Makefile is the one documented exception that spells these paths itself (Make cannot
import Python); ``make -s layout`` prints its values and ``tests/plumbing/test_layout.py``
compares them with :func:`make_variables`, so the two cannot drift apart.
Standard library only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PRESETS", "LM_RUNS", "RESNET_RUNS", "RUN_NAMES", "CHECK_FOLDERS", "ResultsTree",
           "results_tree", "make_variables"]

PRESETS = ("smoke", "cpu", "paper")  # nn_checks.config's presets (a test keeps them equal)
LM_RUNS = ("lr30clip0.25", "lr2noclip", "lr2clip0.25")  # paper Fig 2 (a-c)
RESNET_RUNS = ("sgdmom", "lr1noclip", "lr5clip0.25")  # paper Fig 3 (a-c)
RUN_NAMES = tuple(f"lstm_{r}" for r in LM_RUNS) + tuple(f"resnet20_{r}" for r in RESNET_RUNS)
CHECK_FOLDERS = ("check", "check-quick")  # results/synthetic/<name>: make synthetic-check/-quick


@dataclass(frozen=True)
class ResultsTree:
    """The paths of one preset under ``results`` (see the module docstring)."""

    results: Path
    preset: str

    @property
    def suffix(self) -> str:
        """'' for the ``cpu`` preset, ``-P`` for another preset P (figures and report)."""
        return "" if self.preset == "cpu" else f"-{self.preset}"

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
        return self.results / "nn_checks" / self.preset

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


def results_tree(results: str | Path = "results", preset: str = "cpu") -> ResultsTree:
    """The layout of ``preset`` under ``results``; ``ValueError`` for an unknown preset (so a
    preset never names a path such as ``../x``)."""
    if preset not in PRESETS:
        raise ValueError(f"--preset {preset!r}: unknown preset; choose from {', '.join(PRESETS)}")
    return ResultsTree(Path(results), preset)


def make_variables(results: str = "results", preset: str = "cpu") -> dict[str, str]:
    """The Makefile's path variables as this module computes them (``make -s layout``)."""
    tree = results_tree(results, preset)
    return {"NN_DIR": str(tree.nn), "NN_RUNS": " ".join(RUN_NAMES),
            "CHECK_DIR": str(tree.check()), "FRONTIERS": str(tree.frontiers),
            "CATALOGUE": str(tree.catalogue / "records.jsonl"), "FIG_DIR": str(tree.figures),
            "REPORT": str(tree.report) + ".html", "CLAIMS": str(tree.claims)}
