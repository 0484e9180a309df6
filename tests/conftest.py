"""Shared test configuration: the hypothesis profile, markers, and the GPU skip.

Tolerance tiers live in ``tests/tolerances.py`` (each with its reason).

Hypothesis profile
------------------
``ci`` (the default, used by ``make test`` and CI): derandomized and without the example
database, so a failure found once is found again on every machine and replays from its output.
``dev`` (``HYPOTHESIS_PROFILE=dev``): random exploration with the database, for hunting new
counterexamples locally; a failure it finds should become an ``@example``.
"""
from __future__ import annotations

import os

# Tiny linear-algebra problems (L-BFGS-B refinements) run ~7x faster single-threaded on 2 cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header(config):
    return f"hypothesis profile: {HYPOTHESIS_PROFILE}"


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``gpu`` when CUDA is unavailable (torch may be absent in theory-only
    envs)."""
    try:
        import torch  # noqa: F401  (only to query CUDA)

        has_cuda = bool(torch.cuda.is_available())
    except Exception:  # torch missing or broken: no GPU tests
        has_cuda = False
    if has_cuda:
        return
    skip_gpu = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)
