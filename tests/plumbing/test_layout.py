"""plumbing.layout is the one results layout; the Makefile spells the same paths (its one
documented exception), and `make -s layout` lets a test hold the two together."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from plumbing.layout import PRESETS, RUN_NAMES, make_variables, results_tree

ROOT = Path(__file__).resolve().parents[2]
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_layout(*args: str) -> dict[str, str]:
    out = subprocess.run(["make", "-s", "--no-print-directory", "layout", *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


@needs_make
@pytest.mark.parametrize("preset", ["cpu", "paper", "smoke"])
def test_the_makefile_and_plumbing_agree(preset):
    assert make_layout(f"PRESET={preset}") == make_variables("results", preset)


@needs_make
def test_the_comparison_can_fail():
    """Negative control: another results folder in Make gives other paths, and the test above
    would see it."""
    assert make_layout("RESULTS=elsewhere") != make_variables("results", "cpu")
    assert make_layout("RESULTS=elsewhere") == make_variables("elsewhere", "cpu")


def test_presets_and_runs_are_the_producers():
    from nn_checks.config import PRESETS as NN_PRESETS, RUNS

    assert set(PRESETS) == set(next(iter(NN_PRESETS.values())))
    assert RUN_NAMES == tuple(f"{m}_{r}" for m in RUNS for r in RUNS[m])


def test_a_preset_never_names_a_path():
    with pytest.raises(ValueError, match="unknown preset"):
        results_tree("results", "../x")
    tree = results_tree("r", "paper")
    assert tree.figures == Path("r/figures-paper") and tree.report == Path("r/report-paper")
    assert results_tree("r").figures == Path("r/figures")
