"""nn_checks.data, the image sets' file formats: the real Fashion-MNIST and CIFAR-10 when
installed (skipped with the finder's own message when not); tiny generated copies always: gzipped
IDX files read back exactly, bad magic numbers, sizes, payloads, damaged gzip and labels outside
0..9 refused with one line naming the file; CIFAR-10 python batches of every pickle protocol,
with bytes or str keys or numpy 1 names, read back exactly, and batches of the wrong schema,
damaged, oversized or of the wrong image count refused. (What a CIFAR-10 pickle may not do is
test_nn_data_unpickler.py; which folder is used is test_nn_data_folders.py.)"""
from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest
import torch

from data_helpers import (
    TRAIN_IMAGES,
    TRAIN_LABELS,
    cifar_batch,
    one_line,
    write_cifar,
    write_fashion,
    write_idx,
)
from nn_checks.data import (
    DataError,
    load_cifar10,
    load_fashion_mnist,
    load_images,
    missing_reason,
)
from nn_checks.data import cifar_pickle as PICKLE
from nn_checks.data import images as IMG

# ------------------------------------------------------------------------------ real data
# The reasons are the finders' own messages: what to install or which directory to pass.

FASHION_MISSING = missing_reason("fashion-mnist")
CIFAR_DIR = os.environ.get("L0L1_IMAGE_DIR")  # a real CIFAR-10 copy for these tests, if any
CIFAR_MISSING = (missing_reason("cifar10", CIFAR_DIR) if CIFAR_DIR else
                 "set L0L1_IMAGE_DIR=DIR holding cifar-10-batches-py to test real CIFAR-10: "
                 + missing_reason("cifar10"))
needs_fashion = pytest.mark.skipif(FASHION_MISSING is not None, reason=str(FASHION_MISSING))
needs_cifar = pytest.mark.skipif(CIFAR_MISSING is not None, reason=str(CIFAR_MISSING))


@pytest.fixture(scope="module")
def fashion():
    return load_fashion_mnist()


@needs_fashion
def test_real_fashion_mnist(fashion):
    assert fashion.train_x.shape == (60_000, 1, 28, 28)
    assert fashion.test_x.shape == (10_000, 1, 28, 28)
    assert fashion.train_x.dtype == torch.float32 and fashion.train_y.dtype == torch.long
    assert float(fashion.train_x.min()) == 0.0 and float(fashion.train_x.max()) == 1.0
    assert torch.equal(torch.bincount(fashion.train_y), torch.full((10,), 6_000))
    assert torch.equal(torch.bincount(fashion.test_y), torch.full((10,), 1_000))
    assert fashion.train_y[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert len(fashion.classes) == 10


@needs_fashion
def test_real_fashion_mnist_limit_and_a_named_folder_is_never_replaced(fashion, tmp_path):
    small = load_fashion_mnist(limit=64)
    assert torch.equal(small.train_x, fashion.train_x[:64])
    assert torch.equal(small.test_y, fashion.test_y[:64])
    assert load_images("auto", limit=8).name == "fashion-mnist"  # the system copy
    with pytest.raises(DataError, match="holds neither"):  # a named empty folder: refused,
        load_images("auto", data_dir=tmp_path, limit=8)    # although the system copy exists


@needs_cifar
def test_real_cifar10():
    d = load_cifar10(CIFAR_DIR)
    assert d.train_x.shape == (50_000, 3, 32, 32) and d.test_x.shape == (10_000, 3, 32, 32)
    assert torch.equal(torch.bincount(d.train_y), torch.full((10,), 5_000))
    assert torch.equal(torch.bincount(d.test_y), torch.full((10,), 1_000))
    assert float(d.train_x.min()) == 0.0 and float(d.train_x.max()) == 1.0


# ------------------------------------------------------------------------------ Fashion-MNIST

def test_idx_files_round_trip(tmp_path):
    arrays = write_fashion(tmp_path)
    d = load_fashion_mnist(tmp_path)
    x, y = arrays["train"]
    assert d.train_x.shape == (7, 1, 28, 28) and d.test_x.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(d.train_x[:, 0].numpy(), x / 255.0, rtol=1e-6)
    assert d.train_y.tolist() == y.tolist() and d.shape == (1, 28, 28)
    assert load_fashion_mnist(tmp_path, limit=2).train_y.tolist() == y[:2].tolist()
    assert load_images("auto", tmp_path).name == "fashion-mnist"


def test_idx_bad_magic_size_and_payload_are_refused(tmp_path):
    write_fashion(tmp_path)
    labels = tmp_path / TRAIN_LABELS
    write_idx(labels, np.zeros(7), 2051, dims=(7, 28, 28))  # an image header on the label file
    with pytest.raises(DataError, match="magic number 2049"):
        load_fashion_mnist(tmp_path)
    with gzip.open(labels, "wb") as f:  # header claims 7 labels, 5 present
        f.write(np.array([2049, 7], dtype=">i4").tobytes() + bytes(5))
    with pytest.raises(DataError, match=f"{TRAIN_LABELS}: payload"):
        load_fashion_mnist(tmp_path)
    write_fashion(tmp_path)
    write_idx(tmp_path / TRAIN_IMAGES, np.zeros((7, 27, 28)), 2051)  # not 28 x 28
    with pytest.raises(DataError, match="27 x 28 pixels"):
        load_fashion_mnist(tmp_path)
    write_idx(tmp_path / TRAIN_IMAGES, np.zeros((1, 28, 28)), 2051, dims=(2**31 - 1, 28, 28))
    with pytest.raises(DataError, match="claims 2147483647 items"):  # no 1.6 TB allocation
        load_fashion_mnist(tmp_path)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped", "empty"])
def test_damaged_gzip_is_one_line_naming_the_file(tmp_path, damage):
    write_fashion(tmp_path, n_train=200)
    path = tmp_path / TRAIN_IMAGES
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])  # a download cut in the middle
    elif damage == "garbage":
        path.write_bytes(os.urandom(4096))
    elif damage == "flipped":
        middle = len(raw) // 2
        path.write_bytes(raw[:middle] + bytes(b ^ 0xFF for b in raw[middle:middle + 64])
                         + raw[middle + 64:])
    else:
        path.write_bytes(b"")
    with pytest.raises(DataError) as err:
        load_fashion_mnist(tmp_path)
    assert one_line(err).startswith(str(path))
    write_fashion(tmp_path, n_train=200)  # negative control: the intact file loads
    assert len(load_fashion_mnist(tmp_path).train_y) == 200


def test_labels_outside_0_to_9_are_refused(tmp_path):
    write_fashion(tmp_path)
    y = np.array([1, 2, 3, 10, 4, 5, 6])  # a 10 at item 3
    write_idx(tmp_path / TRAIN_LABELS, y, 2049)
    with pytest.raises(DataError) as err:
        load_fashion_mnist(tmp_path)
    msg = one_line(err)
    assert msg.startswith(str(tmp_path / TRAIN_LABELS)) and "label 10 at item 3" in msg
    write_idx(tmp_path / TRAIN_LABELS, np.array([1, 2, 3, 9, 4, 5, 6]), 2049)  # 9 is fine
    assert load_fashion_mnist(tmp_path).train_y[3] == 9


# ------------------------------------------------------------------------------ CIFAR-10

@pytest.mark.parametrize("protocol,str_keys", [(2, False), (4, False), (5, False), (4, True)])
def test_cifar_python_layout(tmp_path, small_batches, protocol, str_keys):
    write_cifar(tmp_path / "cifar-10-batches-py", protocol=protocol, str_keys=str_keys)
    d = load_cifar10(tmp_path)
    assert d.name == "cifar10" and d.train_x.shape == (10, 3, 32, 32)
    assert d.test_x.shape == (2, 3, 32, 32) and d.train_x.dtype == torch.float32
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as f:
        first = pickle.load(f)
    key = (lambda k: k) if str_keys else (lambda k: k.encode())
    red = first[key("data")][0, :1024].reshape(32, 32) / 255.0  # row = R, G, B planes, row-major
    np.testing.assert_allclose(d.train_x[0, 0].numpy(), red, rtol=1e-6)
    assert d.train_y[:2].tolist() == first[key("labels")]
    assert load_cifar10(tmp_path / "cifar-10-batches-py", limit=3).train_x.shape[0] == 3
    assert load_images("auto", tmp_path).name == "cifar10"


def test_cifar_pickled_by_numpy_1_names(tmp_path, small_batches):
    """Batches written by Python 2 / numpy 1 name ``numpy.core.multiarray``: admitted too."""
    write_cifar(tmp_path, protocol=2)
    for name in IMG.CIFAR10_TRAIN + (IMG.CIFAR10_TEST,):
        raw = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(raw.replace(b"numpy._core.multiarray",
                                                  b"numpy.core.multiarray"))
    assert b"numpy.core.multiarray" in (tmp_path / "test_batch").read_bytes()
    assert load_cifar10(tmp_path).train_x.shape == (10, 3, 32, 32)


def _batch_with(**changes):
    batch = cifar_batch(np.random.default_rng(2))
    for key, value in changes.items():
        if value is None:
            del batch[key.encode()]
        else:
            batch[key.encode()] = value
    return batch


@pytest.mark.parametrize("payload,match", [
    (_batch_with(data=np.zeros((2, 3072), np.float32)), "float32 array"),
    (_batch_with(data=np.zeros((2, 3071), np.uint8)), r"shape \(2, 3071\)"),
    (_batch_with(data=[[0] * 3072] * 2), "'data' is a list"),
    (_batch_with(labels=[3, 10]), "label 10 at item 1"),
    (_batch_with(labels=[-1, 3]), "label -1 at item 0"),
    (_batch_with(labels=[1.0, 2.0]), "list of integers"),
    (_batch_with(labels=[10**30, 1]), "outside int64"),
    (_batch_with(labels=np.array([[1], [2]], dtype=np.int8)), "list of integers"),
    (_batch_with(labels=[1, 2, 3]), "2 images but 3 labels"),
    (_batch_with(labels=None), "no 'labels' entry"),
    (_batch_with(data=np.zeros((3, 3072), np.uint8), labels=[0, 1, 2]), "3 images; every"),
    ([1, 2, 3], "a list, not a dict"),
])
def test_cifar_batch_schema(tmp_path, small_batches, payload, match):
    write_cifar(tmp_path)
    (tmp_path / "test_batch").write_bytes(pickle.dumps(payload))
    with pytest.raises(DataError, match=match) as err:
        load_cifar10(tmp_path)
    assert one_line(err).startswith(str(tmp_path / "test_batch"))


def test_cifar_truncated_garbage_and_oversized_files(tmp_path, small_batches):
    write_cifar(tmp_path)
    path = tmp_path / "data_batch_5"
    raw = path.read_bytes()
    for bad in (raw[: len(raw) // 2], os.urandom(3000), b""):
        path.write_bytes(bad)
        with pytest.raises(DataError, match="data_batch_5: not a CIFAR-10 python batch") as err:
            load_cifar10(tmp_path)
        one_line(err)
    with open(path, "wb") as f:
        f.truncate(PICKLE.MAX_BATCH_BYTES + 1)  # sparse: nothing is written, nothing read
    with pytest.raises(DataError, match="too large"):
        load_cifar10(tmp_path)


def test_real_cifar_count_is_checked(tmp_path):
    """Without the small-batch fixture a batch must hold 10,000 images (negative control)."""
    write_cifar(tmp_path)
    with pytest.raises(DataError, match="2 images; every CIFAR-10 batch file holds 10000"):
        load_cifar10(tmp_path)
