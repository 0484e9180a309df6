"""Reading the image files: Fashion-MNIST's IDX files and CIFAR-10's python batches, each
checked while it is read (:mod:`nn_checks.data.images` finds the files and assembles the sets).

* IDX (Fashion-MNIST, gzip): a header of big-endian int32 -- the magic number 2051 (images,
  0x0803: unsigned bytes, 3 dimensions) or 2049 (labels, 0x0801: 1 dimension), the item count
  and, for images, rows and columns -- then the bytes. The header must be Fashion-MNIST's
  (28 x 28, at most :data:`MAX_IDX_ITEMS` items) and the payload must match it; with a limit only
  the first items are decompressed.
* CIFAR-10: each batch file is a pickled dict read by :func:`nn_checks.data.cifar_pickle.
  unpickle_batch`; ``b'data'`` must be ``uint8`` ``N x 3072`` (channel planes R, G, B, row-major)
  and ``b'labels'`` N ints, N = :data:`CIFAR10_PER_BATCH` (``str`` keys are accepted too).

Pixels become ``float32`` value / 255 in [0, 1] (:func:`unit_float`); labels must lie in
0..9 (:func:`check_labels`). Every damage is a one-line :class:`~nn_checks.data.errors.DataError`
naming the file: a truncated or corrupt gzip stream, a wrong magic number or image size, a
payload that does not match its header, a label out of range, a batch of the wrong shape, dtype
or count.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import torch

from nn_checks.data.cifar_pickle import unpickle_batch
from nn_checks.data.errors import DataError

__all__ = ["read_idx", "read_fashion_split", "read_cifar_batch", "read_cifar_batches",
           "unit_float", "check_labels", "CIFAR10_PER_BATCH", "CIFAR10_PIXELS", "N_CLASSES"]

CIFAR10_PER_BATCH = 10_000  # images in every batch file of the real set
CIFAR10_PIXELS = 3 * 32 * 32
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049  # 0x0803: ubyte, 3 dims; 0x0801: ubyte, 1 dim
FASHION_MNIST_SIDE = 28
MAX_IDX_ITEMS = 100_000  # the real files hold 60,000 and 10,000; bounds what a header can ask
N_CLASSES = 10


def unit_float(pixels: np.ndarray) -> torch.Tensor:
    """``uint8`` pixels as ``float32`` in ``[0, 1]`` (one float allocation; numpy's
    ``astype(...) / 255`` makes two and is several times slower on 60k images)."""
    return torch.from_numpy(pixels).to(torch.float32).div_(255.0)


def read_idx(path: Path, magic: int, limit: int | None) -> np.ndarray:
    """An IDX file (gzip) as ``uint8``: header of big-endian int32 (magic, count[, rows, cols]),
    then the bytes. The header must be Fashion-MNIST's (28 x 28 images, at most MAX_IDX_ITEMS
    items) and the payload must match it; a damaged gzip stream is a :class:`DataError`."""
    ndim = magic - 2048
    try:
        with gzip.open(path, "rb") as f:
            header = np.frombuffer(f.read(4 * (1 + ndim)), dtype=">i4")
            if len(header) != 1 + ndim or header[0] != magic:
                raise DataError(f"{path}: not an IDX file with magic number {magic}")
            dims = [int(d) for d in header[1:]]
            if not 0 <= dims[0] <= MAX_IDX_ITEMS:
                raise DataError(f"{path}: header claims {dims[0]} items (expected 0 to "
                                f"{MAX_IDX_ITEMS})")
            if dims[1:] not in ([], [FASHION_MNIST_SIDE, FASHION_MNIST_SIDE]):
                raise DataError(f"{path}: images of {' x '.join(map(str, dims[1:]))} pixels; "
                                f"Fashion-MNIST's are {FASHION_MNIST_SIDE} x {FASHION_MNIST_SIDE}")
            n = dims[0] if limit is None else min(limit, dims[0])
            size = n * int(np.prod(dims[1:], dtype=np.int64))
            payload = bytearray(f.read(size))  # writable, so torch.from_numpy shares it
            if len(payload) != size or (limit is None and f.read(1)):
                raise DataError(f"{path}: payload does not match the header's {dims[0]} items")
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: damaged gzip file ({exc}); replace it with an intact "
                        "copy") from None
    return np.frombuffer(payload, dtype=np.uint8).reshape([n] + dims[1:])


def check_labels(path: Path, labels: np.ndarray) -> None:
    bad = np.flatnonzero((labels < 0) | (labels >= N_CLASSES))
    if bad.size:
        raise DataError(f"{path}: label {int(labels[bad[0]])} at item {int(bad[0])} is outside "
                        f"0..{N_CLASSES - 1} ({bad.size} such labels)")


def read_fashion_split(folder: Path, split: str, images_name: str, labels_name: str,
                       limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """One Fashion-MNIST split (``split`` names it in messages) from its image and label IDX
    files in ``folder``: images ``N x 1 x 28 x 28`` in [0, 1] and int64 labels in 0..9."""
    images = read_idx(folder / images_name, IDX_IMAGES_MAGIC, limit)
    labels = read_idx(folder / labels_name, IDX_LABELS_MAGIC, limit)
    if len(images) != len(labels):
        raise DataError(f"{folder}: {len(images)} {split} images ({images_name}) but "
                        f"{len(labels)} labels ({labels_name})")
    if len(images) == 0:
        raise DataError(f"{folder / images_name}: holds no images")
    check_labels(folder / labels_name, labels)
    return unit_float(images).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def _field(batch: dict, path: Path, key: str):
    for k in (key.encode(), key):  # bytes keys in the real files, str keys in re-pickled ones
        if k in batch:
            return batch[k]
    raise DataError(f"{path}: no {key!r} entry (a CIFAR-10 batch has b'data' and b'labels')")


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``N x 3072`` uint8 and labels in 0..9 of one batch file, N = CIFAR10_PER_BATCH."""
    batch = unpickle_batch(path)
    x, labels = _field(batch, path, "data"), _field(batch, path, "labels")
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 2 or \
            x.shape[1] != CIFAR10_PIXELS:
        described = (f"{x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray)
                     else type(x).__name__)
        raise DataError(f"{path}: 'data' is a {described}; CIFAR-10 stores uint8 N x "
                        f"{CIFAR10_PIXELS}")
    if not (isinstance(labels, (list, np.ndarray)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in labels)):
        raise DataError(f"{path}: 'labels' must be a list of integers")
    try:
        y = np.asarray(labels, dtype=np.int64).reshape(-1)
    except (OverflowError, ValueError, TypeError):
        raise DataError(f"{path}: 'labels' holds integers outside int64, not class indices "
                        f"0..{N_CLASSES - 1}") from None
    if len(x) != len(y):
        raise DataError(f"{path}: {len(x)} images but {len(y)} labels")
    if len(x) != CIFAR10_PER_BATCH:
        raise DataError(f"{path}: {len(x)} images; every CIFAR-10 batch file holds "
                        f"{CIFAR10_PER_BATCH}")
    check_labels(path, y)
    return x, y


def read_cifar_batches(paths: list[Path], limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch files ``paths`` in order, the first ``limit`` images kept (later files are not
    read once enough are): images ``N x 3 x 32 x 32`` in [0, 1] and int64 labels."""
    xs, ys, n = [], [], 0
    for path in paths:
        if limit is not None and n >= limit:
            break
        x, y = read_cifar_batch(path)
        xs.append(x)
        ys.append(y)
        n += len(x)
    x, y = np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]
    return unit_float(x.reshape(-1, 3, 32, 32)), torch.from_numpy(y)
