"""nn_checks.data, the restricted unpickler of CIFAR-10 batches: a batch file cannot run code
(os.system, eval; each payload shown live under plain pickle), cannot build a dtype that hides
object pointers, and cannot allocate or call numpy freely; each refusal is one line naming the
file."""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from data_helpers import cifar_batch, one_line, write_cifar
from nn_checks.data import DataError, load_cifar10


class _Evil:
    """A pickle that runs a shell command when loaded by pickle.load."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _EvalEvil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return eval, (f"open({str(self.marker)!r}, 'w')",)


@pytest.mark.parametrize("evil_cls,where", [(_Evil, "top"), (_Evil, "labels"),
                                             (_EvalEvil, "data")])
def test_cifar_pickle_cannot_run_code(tmp_path, small_batches, evil_cls, where):
    marker = tmp_path / "marker"
    write_cifar(tmp_path)
    batch = cifar_batch(np.random.default_rng(1))
    evil = evil_cls(marker)
    if where == "top":
        batch = evil
    else:
        batch[where.encode()] = [evil] if where == "labels" else evil
    payload = pickle.dumps(batch, protocol=2)
    (tmp_path / "data_batch_3").write_bytes(payload)
    with open(tmp_path / "control.pkl", "wb") as f:  # positive control: plain pickle runs it
        f.write(pickle.dumps(evil_cls(tmp_path / "control-marker")))
    pickle.loads((tmp_path / "control.pkl").read_bytes())
    assert (tmp_path / "control-marker").exists()
    with pytest.raises(DataError) as err:
        load_cifar10(tmp_path)
    msg = one_line(err)
    assert msg.startswith(str(tmp_path / "data_batch_3")) and "refused pickle global" in msg
    assert (".system" in msg) if evil_cls is _Evil else ("builtin__.eval" in msg)  # protocol 2
    assert not marker.exists()


class _HiddenObjectDtype:
    """A dtype whose pickled state hides an object field (flags = 0): numpy then reports
    ``hasobject == False`` and raw file bytes would become object pointers."""

    def __reduce__(self):
        state = list(np.dtype([("a", "O")]).__reduce__()[2])
        state[-1] = 0
        return np.dtype, ("V8", False, True), tuple(state)


class _PointerArray:
    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (np.ndarray, (0,), np.dtype("b")),
                (1, (1,), _HiddenObjectDtype(), False, b"AAAAAAAA"))


def test_cifar_pickle_cannot_build_a_dtype_that_hides_objects(tmp_path, small_batches):
    write_cifar(tmp_path)
    batch = cifar_batch(np.random.default_rng(1))
    batch[b"labels"] = _PointerArray()
    (tmp_path / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=2))
    control = pickle.loads(pickle.dumps(_PointerArray(), protocol=2))  # plain pickle: live
    assert control.dtype.fields is not None and not control.dtype.hasobject
    with pytest.raises(DataError) as err:
        load_cifar10(tmp_path)
    msg = one_line(err)
    assert msg.startswith(str(tmp_path / "data_batch_2")) and "not a plain numeric dtype" in msg


def test_cifar_pickle_cannot_allocate_or_call_numpy_freely(tmp_path, small_batches):
    write_cifar(tmp_path)
    from numpy._core.multiarray import _reconstruct

    class Huge:
        def __reduce__(self):
            return _reconstruct, (np.ndarray, (10**12,), b"b")  # a terabyte, if honoured
    (tmp_path / "data_batch_2").write_bytes(pickle.dumps({b"data": Huge(), b"labels": []}))
    with pytest.raises(DataError, match="data_batch_2: not a CIFAR-10 python batch"):
        load_cifar10(tmp_path)

    class CallsNdarray:
        def __reduce__(self):
            return np.ndarray, ((10**12,),)
    (tmp_path / "data_batch_2").write_bytes(pickle.dumps(CallsNdarray(), protocol=2))
    with pytest.raises(DataError, match="data_batch_2: not a CIFAR-10 python batch"):
        load_cifar10(tmp_path)
