"""A restricted unpickler for CIFAR-10's python batch files: a crafted file cannot run code.

CIFAR-10's batches (torchvision's python layout) are pickles: a dict of ``b'data'`` (a numpy
``uint8`` array) and ``b'labels'`` (a list of ints) with some byte strings. Plain pickle would
call whatever global a file names (``os.system``, ``builtins.eval``); :class:`_BatchUnpickler`
admits only the globals this format needs -- numpy's array reconstruction
(``numpy[._]core.multiarray._reconstruct`` with ``numpy.ndarray`` and ``numpy.dtype``, or
protocol 5's ``numpy[._]core.numeric._frombuffer``) and ``_codecs.encode`` for latin-1 bytes
(protocol 2) -- and replaces each by a stand-in that checks its arguments: only plain numeric
dtypes named by a spec string, array shapes of at most :data:`MAX_ARRAY_ITEMS` items, array
states whose bytes match their shape and dtype. numpy builds the arrays from copies of the bytes
(:func:`numpy.frombuffer`) and never sees an object the file constructed. Any other global is a
:class:`~nn_checks.data.errors.DataError` naming the file and the global, before anything is
called. :func:`unpickle_batch` is the entry point; :mod:`nn_checks.data.imagefiles` checks what
the dict holds.
"""
from __future__ import annotations

import io
import math
import pickle
from pathlib import Path

import numpy as np

from nn_checks.data.errors import DataError

__all__ = ["unpickle_batch", "MAX_BATCH_BYTES", "MAX_ARRAY_ITEMS"]

MAX_BATCH_BYTES = 64 * 2**20  # a real CIFAR-10 batch file is 31 MB


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


def unpickle_batch(path: Path) -> dict:
    """The dict a CIFAR-10 batch file holds, loaded by :class:`_BatchUnpickler` (arrays built by
    the stand-ins); a file over :data:`MAX_BATCH_BYTES`, a refused global or any damage is a
    :class:`DataError` naming the file."""
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
