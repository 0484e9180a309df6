"""Image sets for the ResNet checks: Fashion-MNIST (IDX files, the Debian package path as the
offline default) and CIFAR-10 (torchvision's python layout), as float32 ``N x C x H x W`` in
``[0, 1]`` (docs/statements.md §6, "Data"; Fashion-MNIST as the offline substitute: §8 item 8).

Where the images come from (:func:`find_images`): a directory the user names (``--image-dir``)
is the only place looked at, and it is used or refused -- an incomplete copy (3 of the 6 CIFAR-10
batch files, 2 of the 4 Fashion-MNIST files) or a folder holding neither set is a
:class:`~nn_checks.data.errors.DataError` naming what is missing, never replaced by another
copy. Without a named directory the Debian package's folder is used
(:data:`FASHION_MNIST_SYSTEM_DIRS`).

Every file is checked while it is read (:mod:`nn_checks.data.imagefiles`), and a damaged one is
a one-line ``DataError`` naming it: a truncated or corrupt gzip stream, a wrong IDX magic number
or image size, a payload that does not match its header, labels outside 0..9, a CIFAR-10 batch
that is not a dict of ``N x 3072`` uint8 pixels and N labels (N = 10,000). CIFAR-10 batches are
pickles; they are read by the restricted unpickler of :mod:`nn_checks.data.cifar_pickle`, which
admits only the globals that format needs (numpy's array and dtype reconstruction, latin-1 byte
strings) and refuses any other, so a crafted file cannot run code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from nn_checks.data.errors import DataError, DataNotFoundError
from nn_checks.data.imagefiles import read_cifar_batches, read_fashion_split

__all__ = ["ImageData", "ImageSource", "find_images", "load_fashion_mnist", "load_cifar10",
           "load_images", "IMAGE_SETS", "FASHION_MNIST_FILES", "FASHION_MNIST_SYSTEM_DIRS",
           "FASHION_MNIST_PACKAGE", "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "HOW_IMAGES"]

IMAGE_SETS = ("auto", "cifar10", "fashion-mnist")
# Where apt-get install dataset-fashion-mnist puts the IDX files (checked with dpkg -L).
FASHION_MNIST_SYSTEM_DIRS = (Path("/usr/share/datasets/fashion-mnist"),)
FASHION_MNIST_PACKAGE = "dataset-fashion-mnist"
FASHION_MNIST_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
                       "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")
CIFAR10_DIRNAME = "cifar-10-batches-py"
CIFAR10_TRAIN = tuple(f"data_batch_{k}" for k in range(1, 6))
CIFAR10_TEST = "test_batch"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck")
_FASHION_NAMES = FASHION_MNIST_FILES["train"] + FASHION_MNIST_FILES["test"]
_CIFAR_NAMES = CIFAR10_TRAIN + (CIFAR10_TEST,)
HOW_CIFAR = (f"pass --image-dir DIR (make: IMAGE_DIR=DIR) holding CIFAR-10 in the python layout "
             f"(DIR/{CIFAR10_DIRNAME}/data_batch_1..5 and test_batch)")
HOW_FASHION = (f"run make data (as root it runs apt-get install -y {FASHION_MNIST_PACKAGE}), or "
               f"pass --image-dir DIR (make: IMAGE_DIR=DIR) holding {', '.join(_FASHION_NAMES)}")
HOW_IMAGES = (f"run make data (as root it runs apt-get install -y {FASHION_MNIST_PACKAGE}), or "
              f"pass --image-dir DIR (make: IMAGE_DIR=DIR) holding CIFAR-10 "
              f"(DIR/{CIFAR10_DIRNAME}/data_batch_1..5 and test_batch) or Fashion-MNIST "
              f"({', '.join(_FASHION_NAMES)})")


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


@dataclass(frozen=True)
class ImageSource:
    """Where an image set was found (by :func:`find_images`; nothing read yet).

    Attributes
    ----------
    name : str
        ``"cifar10"`` or ``"fashion-mnist"``.
    folder : Path
        The directory holding the files.
    named : bool
        True when the folder was named by the user (``--image-dir``), False for the system copy.
    """

    name: str
    folder: Path
    named: bool


# ------------------------------------------------------------------------------ finding

def _present(folder: Path, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if (folder / name).is_file()]


def _incomplete(folder: Path, what: str, names: tuple[str, ...], present: list[str],
                remedy: str) -> DataError:
    missing = [n for n in names if n not in present]
    return DataError(f"{folder}: incomplete {what}: {len(present)} of {len(names)} files, missing "
                     f"{', '.join(missing)}; {remedy}")


def _find_named(name: str, folder: Path) -> ImageSource:
    """The set in a directory the user named: used if complete, else refused (never replaced)."""
    if not folder.exists():
        raise DataError(f"--image-dir {folder}: no such folder")
    if not folder.is_dir():
        raise DataError(f"--image-dir {folder}: not a folder")
    remedy = "complete the copy or name another --image-dir"
    if name in ("auto", "cifar10"):
        for candidate in (folder / CIFAR10_DIRNAME, folder):
            present = _present(candidate, _CIFAR_NAMES)
            if len(present) == len(_CIFAR_NAMES):
                return ImageSource("cifar10", candidate, True)
            if present or (candidate != folder and candidate.is_dir()):
                raise _incomplete(candidate, "CIFAR-10 (python layout)", _CIFAR_NAMES, present,
                                  remedy)
    if name in ("auto", "fashion-mnist"):
        present = _present(folder, _FASHION_NAMES)
        if len(present) == len(_FASHION_NAMES):
            return ImageSource("fashion-mnist", folder, True)
        if present:
            raise _incomplete(folder, "Fashion-MNIST", _FASHION_NAMES, present, remedy)
    wanted = {"auto": f"CIFAR-10 ({CIFAR10_DIRNAME}/data_batch_1..5 and test_batch) nor "
                      f"Fashion-MNIST ({', '.join(_FASHION_NAMES)})",
              "cifar10": f"CIFAR-10 ({CIFAR10_DIRNAME}/data_batch_1..5 and test_batch)",
              "fashion-mnist": f"Fashion-MNIST ({', '.join(_FASHION_NAMES)})"}[name]
    raise DataError(f"--image-dir {folder} holds {'neither' if name == 'auto' else 'no'} "
                    f"{wanted}; name a folder that does")


def find_images(name: str = "auto", image_dir: str | Path | None = None) -> ImageSource:
    """Locate an image set without reading it.

    Parameters
    ----------
    name : {"auto", "cifar10", "fashion-mnist"}
        ``"auto"``: CIFAR-10 (the paper's data) when ``image_dir`` holds it, else Fashion-MNIST
        from ``image_dir``; without ``image_dir``, Fashion-MNIST from the Debian package path.
    image_dir : str or Path, optional
        A directory the user named: the only place looked at; a complete set there is used, and
        anything else refused. CIFAR-10 is looked for in ``image_dir/cifar-10-batches-py`` and
        in ``image_dir`` itself.

    Returns
    -------
    ImageSource

    Raises
    ------
    DataError
        ``image_dir`` does not exist, is not a folder, holds an incomplete set (the message
        names the missing files) or no set at all; or the system copy is incomplete.
    DataNotFoundError
        No ``image_dir`` and no system copy (the message names the places tried and how to
        provide the data: ``make data``, which installs the Debian package, or ``--image-dir``).
    ValueError
        Unknown ``name``.
    """
    if name not in IMAGE_SETS:
        raise ValueError(f"unknown image set {name!r}; expected one of {', '.join(IMAGE_SETS)}")
    if image_dir is not None:
        if not str(image_dir).strip():
            raise DataError("--image-dir: empty folder name (give a path)")
        return _find_named(name, Path(image_dir))
    if name == "cifar10":
        raise DataNotFoundError("CIFAR-10", ["no --image-dir given"], HOW_CIFAR)
    tried = []
    for folder in FASHION_MNIST_SYSTEM_DIRS:
        present = _present(folder, _FASHION_NAMES)
        if len(present) == len(_FASHION_NAMES):
            return ImageSource("fashion-mnist", folder, False)
        if present:
            raise _incomplete(folder, "Fashion-MNIST", _FASHION_NAMES, present,
                              f"reinstall it (apt-get install --reinstall -y "
                              f"{FASHION_MNIST_PACKAGE}) or pass --image-dir DIR")
        tried.append(str(folder))
    what = "Fashion-MNIST" if name == "fashion-mnist" else "image data (CIFAR-10 or Fashion-MNIST)"
    raise DataNotFoundError(what, tried, HOW_FASHION if name == "fashion-mnist" else HOW_IMAGES)


# ------------------------------------------------------------------------------ loading

def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive number of images, got {limit!r}")


def _load_fashion(source: ImageSource, limit: int | None) -> ImageData:
    train_x, train_y = read_fashion_split(source.folder, "train", *FASHION_MNIST_FILES["train"],
                                          limit)
    test_x, test_y = read_fashion_split(source.folder, "test", *FASHION_MNIST_FILES["test"], limit)
    return ImageData("fashion-mnist", train_x, train_y, test_x, test_y, FASHION_MNIST_CLASSES,
                     str(source.folder))


def load_fashion_mnist(data_dir: str | Path | None = None, limit: int | None = None) -> ImageData:
    """Load Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from its original IDX files.

    60,000 training and 10,000 test images, 28x28 grey, 10 balanced classes. Images are scaled
    to ``[0, 1]`` (pixel / 255) and returned as ``N x 1 x 28 x 28``.

    Parameters
    ----------
    data_dir : str or Path, optional
        A directory holding the four ``*-idx?-ubyte.gz`` files: the only place looked at, used
        or refused. When ``None``, :data:`FASHION_MNIST_SYSTEM_DIRS` (the Debian package
        ``dataset-fashion-mnist``) is searched.
    limit : int, optional
        Read only the first ``limit`` images of each split (only those bytes are decompressed).

    Returns
    -------
    ImageData

    Raises
    ------
    DataNotFoundError
        No ``data_dir`` and no system copy; the message names the places tried.
    DataError
        ``data_dir`` lacks a file; a file is damaged (gzip stream, IDX magic 2051 / 2049, image
        size, payload vs header), images and labels disagree in number, a label is outside
        0..9.
    ValueError
        ``limit < 1``.
    """
    _check_limit(limit)
    return _load_fashion(find_images("fashion-mnist", data_dir), limit)


def _load_cifar(source: ImageSource, limit: int | None) -> ImageData:
    folder = source.folder
    train_x, train_y = read_cifar_batches([folder / name for name in CIFAR10_TRAIN], limit)
    test_x, test_y = read_cifar_batches([folder / CIFAR10_TEST], limit)
    return ImageData("cifar10", train_x, train_y, test_x, test_y, CIFAR10_CLASSES, str(folder))


def load_cifar10(data_dir: str | Path, limit: int | None = None) -> ImageData:
    """Load CIFAR-10 (Krizhevsky 2009) from torchvision's python layout.

    50,000 training and 10,000 test images, 32x32 RGB, returned as ``N x 3 x 32 x 32`` in
    ``[0, 1]``. Each batch file is a pickled dict with ``b'data'`` (``10000 x 3072`` uint8,
    channel planes R, G, B, row-major) and ``b'labels'`` (10,000 ints in 0..9); ``str`` keys are
    accepted too. It is read by a restricted unpickler (:mod:`nn_checks.data.cifar_pickle`).

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
    DataError
        Neither place holds all of ``data_batch_1`` .. ``data_batch_5`` and ``test_batch`` (the
        message names the missing ones); a batch file is damaged, holds a refused pickle global,
        or has the wrong shape, dtype, count or labels.
    """
    _check_limit(limit)
    return _load_cifar(find_images("cifar10", data_dir), limit)


def load_images(name: str = "auto", data_dir: str | Path | None = None,
                limit: int | None = None) -> ImageData:
    """Load the image set for the ResNet checks (located by :func:`find_images`).

    Parameters
    ----------
    name : {"auto", "cifar10", "fashion-mnist"}
        ``"auto"``: CIFAR-10 (the paper's data) when ``data_dir`` holds a copy, else
        Fashion-MNIST from ``data_dir``; without ``data_dir``, Fashion-MNIST from the Debian
        package path.
    data_dir : str or Path, optional
        The image directory the user named (``--image-dir``); used or refused, never replaced.
    limit : int, optional
        Keep only the first ``limit`` images of each split.

    Returns
    -------
    ImageData

    Raises
    ------
    DataNotFoundError, DataError, ValueError
        As for :func:`find_images`, :func:`load_cifar10` and :func:`load_fashion_mnist`.
    """
    _check_limit(limit)
    source = find_images(name, data_dir)
    return (_load_cifar if source.name == "cifar10" else _load_fashion)(source, limit)
