"""Image sets for the ResNet checks: Fashion-MNIST (IDX files, the Debian package path as the
offline default) and CIFAR-10 (torchvision's python layout), as float32 ``N x C x H x W`` in
``[0, 1]``.

Where the images come from (:func:`find_images`): a directory the user names (``--image-dir``)
is the only place looked at, and it is used or refused -- an incomplete copy (3 of the 6 CIFAR-10
batch files, 2 of the 4 Fashion-MNIST files) or a folder holding neither set is a
:class:`~nn_checks.data.errors.DataError` naming what is missing, never replaced by another
copy. Without a named directory the Debian package's folder is used
(:data:`FASHION_MNIST_SYSTEM_DIRS`).

Every file is checked while it is read, and a damaged one is a one-line ``DataError`` naming it:
a truncated or corrupt gzip stream, a wrong IDX magic number or image size, a payload that does
not match its header, labels outside 0..9, a CIFAR-10 batch that is not a dict of ``N x 3072``
uint8 pixels and N labels (N = 10,000). CIFAR-10 batches are pickles; they are read by
:class:`_BatchUnpickler`, which admits only the globals that format needs (numpy's array and
dtype reconstruction, latin-1 byte strings) and refuses any other, so a crafted file cannot run
code.
"""
from __future__ import annotations

import gzip
import importlib
import io
import math
import pickle
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from nn_checks.data.errors import DataError, DataNotFoundError

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
CIFAR10_PER_BATCH = 10_000  # images in every batch file of the real set
CIFAR10_PIXELS = 3 * 32 * 32
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049  # 0x0803: ubyte, 3 dims; 0x0801: ubyte, 1 dim
FASHION_MNIST_SIDE = 28
MAX_IDX_ITEMS = 100_000  # the real files hold 60,000 and 10,000; bounds what a header can ask
MAX_BATCH_BYTES = 64 * 2**20  # a real CIFAR-10 batch file is 31 MB
N_CLASSES = 10

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


# ------------------------------------------------------------------------------ Fashion-MNIST

def _unit_float(pixels: np.ndarray) -> torch.Tensor:
    """``uint8`` pixels as ``float32`` in ``[0, 1]`` (one float allocation; numpy's
    ``astype(...) / 255`` makes two and is several times slower on 60k images)."""
    return torch.from_numpy(pixels).to(torch.float32).div_(255.0)


def _read_idx(path: Path, magic: int, limit: int | None) -> np.ndarray:
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


def _check_labels(path: Path, labels: np.ndarray) -> None:
    bad = np.flatnonzero((labels < 0) | (labels >= N_CLASSES))
    if bad.size:
        raise DataError(f"{path}: label {int(labels[bad[0]])} at item {int(bad[0])} is outside "
                        f"0..{N_CLASSES - 1} ({bad.size} such labels)")


def _fashion_mnist_split(folder: Path, split: str, limit: int | None):
    images_name, labels_name = FASHION_MNIST_FILES[split]
    images = _read_idx(folder / images_name, IDX_IMAGES_MAGIC, limit)
    labels = _read_idx(folder / labels_name, IDX_LABELS_MAGIC, limit)
    if len(images) != len(labels):
        raise DataError(f"{folder}: {len(images)} {split} images ({images_name}) but "
                        f"{len(labels)} labels ({labels_name})")
    if len(images) == 0:
        raise DataError(f"{folder / images_name}: holds no images")
    _check_labels(folder / labels_name, labels)
    return _unit_float(images).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive number of images, got {limit!r}")


def _load_fashion(source: ImageSource, limit: int | None) -> ImageData:
    train_x, train_y = _fashion_mnist_split(source.folder, "train", limit)
    test_x, test_y = _fashion_mnist_split(source.folder, "test", limit)
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


# ------------------------------------------------------------------------------ CIFAR-10

def _numpy_global(module: str, name: str):
    """numpy's ``module.name`` (``numpy._core`` on numpy 2, ``numpy.core`` before)."""
    for candidate in (module.replace("numpy.core", "numpy._core"), module):
        try:
            return getattr(importlib.import_module(candidate), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"numpy has no {module}.{name}")


class _NdarrayType:
    """Stands for ``numpy.ndarray`` inside a batch: only :func:`_reconstruct` accepts it (a
    pickle calling the class itself could allocate any shape); no attributes can be set on it."""

    __slots__ = ()


_NDARRAY = _NdarrayType()
# Plain numeric dtypes a batch may hold, by numpy's spec string (byte order as pickled).
_DTYPE_SPECS = {f"{order}{kind}{size}" for order in ("", "<", ">", "|", "=")
                for kind, sizes in (("u", "1248"), ("i", "1248"), ("f", "48"), ("b", "1"))
                for size in sizes}
MAX_ARRAY_ITEMS = 50_000 * 3072  # more than any CIFAR-10 batch holds


class _DTypeSpec:
    """Stands for ``numpy.dtype(spec, ...)`` inside a batch: only a plain numeric spec
    (:data:`_DTYPE_SPECS`); the state a pickle then sets on it is ignored. numpy never sees a
    dtype object the file built (a crafted dtype state can hide object fields: raw bytes would
    become pointers)."""

    __slots__ = ("dtype",)

    def __init__(self, spec, align=False, copy=True):  # noqa: ARG002 - numpy's signature
        if not isinstance(spec, str) or spec not in _DTYPE_SPECS:
            raise pickle.UnpicklingError(f"dtype {spec!r} is not a plain numeric dtype")
        self.dtype = np.dtype(spec)

    def __setstate__(self, state) -> None:  # the byte order is in the spec; flags are ignored
        pass


def _dtype_of(value) -> np.dtype:
    if not isinstance(value, _DTypeSpec):
        raise pickle.UnpicklingError("array dtype other than a plain numeric dtype")
    return value.dtype


def _shape_of(shape) -> tuple[int, ...]:
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise pickle.UnpicklingError(f"array shape {shape!r} is not a tuple of sizes")
    if math.prod(shape) > MAX_ARRAY_ITEMS:
        raise pickle.UnpicklingError(f"array shape {shape} is too large for a CIFAR-10 batch")
    return shape


class _ArrayBuilder:
    """What ``numpy.core.multiarray._reconstruct(ndarray, (0,), dtype)`` returns here: it waits
    for the array state numpy's pickles set next, ``(version, shape, dtype, fortran, bytes)``,
    checks it and builds the array with :func:`numpy.frombuffer` (a copy of the file's bytes,
    with a canonical dtype). :func:`_arrays` replaces the builders by their arrays."""

    __slots__ = ("array",)

    def __init__(self):
        self.array = None

    def __setstate__(self, state) -> None:
        if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[0], int)):
            raise pickle.UnpicklingError("array state other than numpy's own")
        _, shape, dtype, fortran, raw = state
        shape, dtype = _shape_of(shape), _dtype_of(dtype)
        if not isinstance(fortran, bool) or not isinstance(raw, (bytes, bytearray)) or \
                len(raw) != math.prod(shape) * dtype.itemsize:
            raise pickle.UnpicklingError("array data that does not match its shape and dtype")
        self.array = np.frombuffer(bytes(raw), dtype=dtype).reshape(
            shape, order="F" if fortran else "C").copy()


def _reconstruct(subtype, shape, dtype):
    """numpy's ``_reconstruct`` as its pickles call it: an empty array of ``shape == (0,)``,
    whose state (the pixels, from bytes in the file) is set next -- here an
    :class:`_ArrayBuilder`."""
    if subtype is not _NDARRAY or tuple(shape) != (0,) or \
            not isinstance(dtype, (bytes, str, _DTypeSpec)):  # numpy passes the typecode b'b'
        raise pickle.UnpicklingError("array reconstruction other than numpy's own")
    return _ArrayBuilder()


def _frombuffer(buffer, dtype, shape, order):
    """numpy's protocol-5 array reduction: an array over in-band bytes (a copy; plain numeric
    dtype only)."""
    dtype, shape = _dtype_of(dtype), _shape_of(shape)
    if not isinstance(buffer, (bytes, bytearray)) or order not in ("C", "F") or \
            len(buffer) != math.prod(shape) * dtype.itemsize:
        raise pickle.UnpicklingError("array from buffer other than numpy's own")
    return np.frombuffer(bytes(buffer), dtype=dtype).reshape(shape, order=order).copy()


def _arrays(value, depth: int = 0):
    """The loaded batch with every :class:`_ArrayBuilder` replaced by its array (a builder
    whose state never came is refused); dicts and lists are walked (a batch is shallow)."""
    if depth > 20:
        raise pickle.UnpicklingError("nesting too deep for a CIFAR-10 batch")
    if isinstance(value, _ArrayBuilder):
        if value.array is None:
            raise pickle.UnpicklingError("array without its data")
        return value.array
    if isinstance(value, _DTypeSpec):
        raise pickle.UnpicklingError("a bare dtype in a batch")
    if isinstance(value, dict):
        return {k: _arrays(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_arrays(v, depth + 1) for v in value]
    return value


def _latin1(text, encoding):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("codecs.encode other than latin-1 of a string")
    return text.encode("latin-1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DTypeSpec,
    ("_codecs", "encode"): _latin1,
}


class _BatchUnpickler(pickle.Unpickler):
    """A restricted unpickler for CIFAR-10's python batches.

    Dicts, lists, tuples, bytes, str, ints and floats are built by pickle opcodes and need no
    global; the only globals admitted are numpy's array reconstruction
    (``numpy[._]core.multiarray._reconstruct`` with ``numpy.ndarray`` and ``numpy.dtype``, or
    protocol 5's ``numpy[._]core.numeric._frombuffer``) and ``_codecs.encode`` for latin-1 bytes
    (protocol 2), each replaced by a stand-in that checks its arguments: only plain numeric
    dtypes named by a spec string, array states whose bytes match their shape and dtype; numpy
    builds the arrays from copies of the bytes and never sees an object the file constructed.
    Any other global -- ``os.system``, ``builtins.eval``, a class -- is refused with a
    :class:`DataError` naming the file and the global, before anything is called.
    """

    def __init__(self, handle, path: Path):
        super().__init__(handle, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str):
        target = _ALLOWED.get((module, name))
        if target is None:
            raise DataError(f"{self.path}: refused pickle global {module}.{name} (a CIFAR-10 "
                            "batch holds only numpy arrays, lists, bytes and ints); not loaded")
        return target


def _unpickle_batch(path: Path) -> dict:
    size = path.stat().st_size
    if size > MAX_BATCH_BYTES:
        raise DataError(f"{path}: {size} bytes, too large for a CIFAR-10 batch file (31 MB)")
    data = path.read_bytes()
    try:
        batch = _arrays(_BatchUnpickler(io.BytesIO(data), path).load())
    except DataError:
        raise
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError, IndexError,
            KeyError, ImportError, OverflowError, MemoryError, RecursionError,
            UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a CIFAR-10 python batch ({type(exc).__name__}: "
                        f"{' '.join(str(exc).split())})") from None
    if not isinstance(batch, dict):
        raise DataError(f"{path}: not a CIFAR-10 python batch (a {type(batch).__name__}, "
                        "not a dict)")
    return batch


def _field(batch: dict, path: Path, key: str):
    for k in (key.encode(), key):  # bytes keys in the real files, str keys in re-pickled ones
        if k in batch:
            return batch[k]
    raise DataError(f"{path}: no {key!r} entry (a CIFAR-10 batch has b'data' and b'labels')")


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``N x 3072`` uint8 and labels in 0..9 of one batch file, N = CIFAR10_PER_BATCH."""
    batch = _unpickle_batch(path)
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
    _check_labels(path, y)
    return x, y


def _cifar_batches(paths: list[Path], limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys, n = [], [], 0
    for path in paths:
        if limit is not None and n >= limit:
            break
        x, y = _read_batch(path)
        xs.append(x)
        ys.append(y)
        n += len(x)
    x, y = np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]
    return _unit_float(x.reshape(-1, 3, 32, 32)), torch.from_numpy(y)


def _load_cifar(source: ImageSource, limit: int | None) -> ImageData:
    folder = source.folder
    train_x, train_y = _cifar_batches([folder / name for name in CIFAR10_TRAIN], limit)
    test_x, test_y = _cifar_batches([folder / CIFAR10_TEST], limit)
    return ImageData("cifar10", train_x, train_y, test_x, test_y, CIFAR10_CLASSES, str(folder))


def load_cifar10(data_dir: str | Path, limit: int | None = None) -> ImageData:
    """Load CIFAR-10 (Krizhevsky 2009) from torchvision's python layout.

    50,000 training and 10,000 test images, 32x32 RGB, returned as ``N x 3 x 32 x 32`` in
    ``[0, 1]``. Each batch file is a pickled dict with ``b'data'`` (``10000 x 3072`` uint8,
    channel planes R, G, B, row-major) and ``b'labels'`` (10,000 ints in 0..9); ``str`` keys are
    accepted too. It is read by a restricted unpickler (see the module docstring).

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
