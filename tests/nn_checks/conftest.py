"""Fixtures shared by the test files of tests/nn_checks (helpers that are not fixtures live in
the *_helpers.py modules beside this file)."""
from __future__ import annotations

import pytest


@pytest.fixture
def small_batches(monkeypatch):
    """CIFAR-10 batch files of 2 images: the reader's count check, not 10,000 (test_nn_data_*)."""
    from nn_checks.data import imagefiles as FILES

    monkeypatch.setattr(FILES, "CIFAR10_PER_BATCH", 2)  # generated batches hold 2, real ones 10,000
