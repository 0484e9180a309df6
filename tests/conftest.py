"""Shared test configuration: named tolerance tiers (each with its reason) and markers.

Tolerance tiers
---------------
EXACT_RTOL
    Quantities computed from exact symbolic roots and evaluated in 30-digit arithmetic, then
    rounded once to double precision (and nudged up by at most one ulp so the pair is valid).
    Agreement to 1e-12 relative is the double-precision floor with a margin.
ROUNDING_RTOL
    Closed-form identities evaluated in double precision through several operations
    (bounds, step-size rules, metamorphic rescalings): a few hundred ulps.
NUMERIC_RTOL
    Guarded numeric suprema (grid + bounded local refinement by scipy): the refinement stops at
    xatol ~1e-10 in x, so the supremum is accurate to ~1e-6 relative on smooth maxima.
STAT_RTOL
    Statistical estimates (bootstrap, regression on noisy samples): set per test from the
    sample size; this is the default for well-conditioned fits with n >= 2000.
"""
from __future__ import annotations

import os

# Tiny linear-algebra problems (L-BFGS-B refinements) run ~7x faster single-threaded on 2 cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402

EXACT_RTOL = 1e-12
ROUNDING_RTOL = 1e-9
NUMERIC_RTOL = 1e-6
STAT_RTOL = 0.05


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``gpu`` when CUDA is unavailable (torch may be absent in theory-only envs)."""
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


os.environ.setdefault("MPLBACKEND", "Agg")
