"""Generated copies of the data sets, for the tests of nn_checks.data (test_nn_data_*.py) and of
``python -m nn_checks data`` (test_nn_provision.py): a Penn Treebank folder, gzipped IDX
Fashion-MNIST files, pickled CIFAR-10 python batches; and ``one_line``, the check that a refusal
is one line without a traceback."""
from __future__ import annotations

import gzip
import pickle

import numpy as np

from nn_checks.data import images as IMG


def one_line(error) -> str:
    msg = str(error.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


TRAIN, VALID, TEST = " a b c \n b d \n", " d e \n", " a f \n e \n"


def write_ptb(folder, train=TRAIN, valid=VALID, test=TEST):
    folder.mkdir(parents=True, exist_ok=True)
    for split, text in zip(("train", "valid", "test"), (train, valid, test)):
        (folder / f"ptb.{split}.txt").write_text(text)
    return folder


def write_idx(path, array, magic, dims=None):
    header = np.array([magic, *(array.shape if dims is None else dims)], dtype=">i4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion(folder, n_train=7, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images_name, labels_name = IMG.FASHION_MNIST_FILES[split]
        x, y = rng.integers(0, 256, (n, 28, 28)), rng.integers(0, 10, n)
        write_idx(folder / images_name, x, 2051)
        write_idx(folder / labels_name, y, 2049)
        arrays[split] = (x, y)
    return arrays


TRAIN_IMAGES, TRAIN_LABELS = IMG.FASHION_MNIST_FILES["train"]


def cifar_batch(rng, per_batch=2, str_keys=False):
    batch = {b"batch_label": b"training batch 1 of 5",
             b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
             b"labels": rng.integers(0, 10, per_batch).tolist(),
             b"filenames": [b"x.png"] * per_batch}
    return {k.decode(): v for k, v in batch.items()} if str_keys else batch


def write_cifar(folder, per_batch=2, seed=0, protocol=4, str_keys=False, names=None):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or IMG.CIFAR10_TRAIN + (IMG.CIFAR10_TEST,):
        with open(folder / name, "wb") as f:
            pickle.dump(cifar_batch(rng, per_batch, str_keys), f, protocol=protocol)
