"""Image sets for the ResNet checks: Fashion-MNIST (IDX files, the Debian package path as the
offline default) and CIFAR-10 (torchvision's python layout), as float32 ``N x C x H x W`` in
``[0, 1]``."""
from __future__ import annotations

import gzip
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from nn_checks.data.errors import DataNotFoundError

__all__ = ["ImageData", "load_fashion_mnist", "load_cifar10", "load_images",
           "FASHION_MNIST_FILES", "FASHION_MNIST_SYSTEM_DIRS", "CIFAR10_CLASSES",
           "FASHION_MNIST_CLASSES"]

# Where apt-get install dataset-fashion-mnist puts the IDX files (checked with dpkg -L).
FASHION_MNIST_SYSTEM_DIRS = (Path("/usr/share/datasets/fashion-mnist"),)
FASHION_MNIST_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
                       "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")
CIFAR10_DIRNAME = "cifar-10-batches-py"
CIFAR10_TRAIN = tuple(f"data_batch_{k}" for k in range(1, 6))
CIFAR10_TEST = "test_batch"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck")
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049  # 0x0803: ubyte, 3 dims; 0x0801: ubyte, 1 dim

HOW_FASHION = ("apt-get install dataset-fashion-mnist, or pass --data-dir DIR holding "
               + ", ".join(FASHION_MNIST_FILES["train"] + FASHION_MNIST_FILES["test"]))
HOW_CIFAR = (f"pass --data-dir DIR holding CIFAR-10 in torchvision's python layout "
             f"(DIR/{CIFAR10_DIRNAME}/data_batch_1..5 and test_batch)")


@dataclass(eq=False)
class ImageData:
    """An image classification set as tensors.

    Attributes
    ----------
    name : str
        ``"cifar10"`` or ``"fashion-mnist"``.
    train_x, test_x : torch.Tensor
        ``float32`` images ``N x C x H x W`` with values in ``[0, 1]`` (pixel / 255).
    train_y, test_y : torch.LongTensor
        Class indices in ``0 .. len(classes) - 1``.
    classes : tuple of str
        Class names, indexed by label.
    source : str
        The directory read.
    """

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...] = field(default=())
    source: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape ``(C, H, W)`` of one image."""
        return tuple(self.train_x.shape[1:])



# ------------------------------------------------------------------------------ Fashion-MNIST

def _unit_float(pixels: np.ndarray) -> torch.Tensor:
    """``uint8`` pixels as ``float32`` in ``[0, 1]`` (one float allocation; numpy's
    ``astype(...) / 255`` makes two and is several times slower on 60k images)."""
    return torch.from_numpy(pixels).to(torch.float32).div_(255.0)


def _read_idx(path: Path, magic: int, limit: int | None) -> np.ndarray:
    """An IDX file (gzip) as ``uint8``: header of big-endian int32 (magic, count[, rows, cols]),
    then the bytes. The header count must match the payload (a truncated file raises)."""
    ndim = magic - 2048
    with gzip.open(path, "rb") as f:
        header = np.frombuffer(f.read(4 * (1 + ndim)), dtype=">i4")
        if len(header) != 1 + ndim or header[0] != magic:
            raise ValueError(f"{path}: not an IDX file with magic number {magic}")
        dims = [int(d) for d in header[1:]]
        n = dims[0] if limit is None else min(limit, dims[0])
        size = n * int(np.prod(dims[1:], dtype=np.int64))
        payload = bytearray(f.read(size))  # writable, so torch.from_numpy shares it
        if len(payload) != size or (limit is None and f.read(1)):
            raise ValueError(f"{path}: payload does not match the header's {dims[0]} items")
    return np.frombuffer(payload, dtype=np.uint8).reshape([n] + dims[1:])


def _fashion_mnist_split(folder: Path, split: str, limit: int | None):
    images_name, labels_name = FASHION_MNIST_FILES[split]
    images = _read_idx(folder / images_name, IDX_IMAGES_MAGIC, limit)
    labels = _read_idx(folder / labels_name, IDX_LABELS_MAGIC, limit)
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} {split} images but {len(labels)} labels")
    return _unit_float(images).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def _has_fashion_mnist(folder: Path) -> bool:
    return all((folder / name).is_file() for pair in FASHION_MNIST_FILES.values() for name in pair)


def load_fashion_mnist(data_dir: str | Path | None = None, limit: int | None = None) -> ImageData:
    """Load Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from its original IDX files.

    60,000 training and 10,000 test images, 28x28 grey, 10 balanced classes. Images are scaled
    to ``[0, 1]`` (pixel / 255) and returned as ``N x 1 x 28 x 28``.

    Parameters
    ----------
    data_dir : str or Path, optional
        A directory holding the four ``*-idx?-ubyte.gz`` files. When given it is the only place
        looked at; when ``None``, :data:`FASHION_MNIST_SYSTEM_DIRS` (the Debian package
        ``dataset-fashion-mnist``) is searched.
    limit : int, optional
        Read only the first ``limit`` images of each split (only those bytes are decompressed).

    Returns
    -------
    ImageData

    Raises
    ------
    DataNotFoundError
        No directory with all four files; the message names the places tried.
    ValueError
        A file is not IDX with the expected magic number (2051 images, 2049 labels), its
        payload does not match its header, images and labels disagree in number, or
        ``limit < 1``.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of images, got {limit}")
    folders = [Path(data_dir)] if data_dir is not None else list(FASHION_MNIST_SYSTEM_DIRS)
    folder = next((f for f in folders if _has_fashion_mnist(f)), None)
    if folder is None:
        raise DataNotFoundError("Fashion-MNIST", [str(f) for f in folders], HOW_FASHION)
    train_x, train_y = _fashion_mnist_split(folder, "train", limit)
    test_x, test_y = _fashion_mnist_split(folder, "test", limit)
    return ImageData("fashion-mnist", train_x, train_y, test_x, test_y, FASHION_MNIST_CLASSES,
                     str(folder))


# ------------------------------------------------------------------------------ CIFAR-10

def _cifar_dir(data_dir: Path) -> Path | None:
    """``data_dir/cifar-10-batches-py`` or ``data_dir`` itself, whichever holds all six batches."""
    for folder in (data_dir / CIFAR10_DIRNAME, data_dir):
        if all((folder / name).is_file() for name in CIFAR10_TRAIN + (CIFAR10_TEST,)):
            return folder
    return None


def _cifar_batches(paths: list[Path], limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys, n = [], [], 0
    for path in paths:
        if limit is not None and n >= limit:
            break
        with open(path, "rb") as f:  # a local, user-provided file: pickle is the format
            batch = pickle.load(f, encoding="bytes")
        x = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        y = np.asarray(batch[b"labels"], dtype=np.int64)
        if len(x) != len(y):
            raise ValueError(f"{path}: {len(x)} images but {len(y)} labels")
        xs.append(x)
        ys.append(y)
        n += len(x)
    x, y = np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]
    return _unit_float(x), torch.from_numpy(y)


def load_cifar10(data_dir: str | Path, limit: int | None = None) -> ImageData:
    """Load CIFAR-10 (Krizhevsky 2009) from torchvision's python layout.

    50,000 training and 10,000 test images, 32x32 RGB, returned as ``N x 3 x 32 x 32`` in
    ``[0, 1]``. Each batch file is a pickled dict with ``b'data'`` (``N x 3072`` uint8, channel
    planes R, G, B, row-major) and ``b'labels'``.

    Parameters
    ----------
    data_dir : str or Path
        A directory holding ``cifar-10-batches-py/`` (as ``torchvision.datasets.CIFAR10(root)``
        leaves it), or that folder itself.
    limit : int, optional
        Keep only the first ``limit`` images of each split (later batch files are not read).

    Returns
    -------
    ImageData

    Raises
    ------
    DataNotFoundError
        Neither place holds ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of images, got {limit}")
    data_dir = Path(data_dir)
    folder = _cifar_dir(data_dir)
    if folder is None:
        raise DataNotFoundError("CIFAR-10", [str(data_dir / CIFAR10_DIRNAME), str(data_dir)],
                                HOW_CIFAR)
    train_x, train_y = _cifar_batches([folder / name for name in CIFAR10_TRAIN], limit)
    test_x, test_y = _cifar_batches([folder / CIFAR10_TEST], limit)
    return ImageData("cifar10", train_x, train_y, test_x, test_y, CIFAR10_CLASSES, str(folder))


def load_images(name: str = "auto", data_dir: str | Path | None = None,
                limit: int | None = None) -> ImageData:
    """Load the image set for the ResNet checks.

    Parameters
    ----------
    name : {"auto", "cifar10", "fashion-mnist"}
        ``"auto"``: CIFAR-10 (the paper's data) when ``data_dir`` holds a copy, else
        Fashion-MNIST from ``data_dir``, else from the Debian package path (the offline
        fallback).
    data_dir : str or Path, optional
        Directory to look in first (required for ``"cifar10"``).
    limit : int, optional
        Keep only the first ``limit`` images of each split.

    Returns
    -------
    ImageData

    Raises
    ------
    DataNotFoundError
        Nothing found; for ``"auto"`` the message lists every place tried for both sets.
    ValueError
        Unknown ``name``.
    """
    if name == "cifar10":
        if data_dir is None:
            raise DataNotFoundError("CIFAR-10", ["no --data-dir given"], HOW_CIFAR)
        return load_cifar10(data_dir, limit)
    if name == "fashion-mnist":
        return load_fashion_mnist(data_dir, limit)
    if name != "auto":
        raise ValueError(f"unknown image set {name!r}; expected 'auto', 'cifar10' or "
                         "'fashion-mnist'")
    tried = []
    if data_dir is not None:
        data_dir = Path(data_dir)
        if _cifar_dir(data_dir) is not None:
            return load_cifar10(data_dir, limit)
        tried += [str(data_dir / CIFAR10_DIRNAME), str(data_dir)]
        if _has_fashion_mnist(data_dir):
            return load_fashion_mnist(data_dir, limit)
    for folder in FASHION_MNIST_SYSTEM_DIRS:
        if _has_fashion_mnist(folder):
            return load_fashion_mnist(folder, limit)
        tried.append(str(folder))
    raise DataNotFoundError("CIFAR-10 or Fashion-MNIST", tried, f"{HOW_CIFAR}; or {HOW_FASHION}")
