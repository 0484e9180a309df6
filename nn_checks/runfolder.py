"""The run folder of ``measure``: whose files it holds, append-only CSV logs that resume
byte-exactly, and the temporary files a killed writer leaves behind.

A run folder is ``measure``'s when it holds ``config.json``; a folder holding ``metrics.csv``,
``epochs.csv`` or ``checkpoint.pt`` without one belongs to somebody else (another tool, an older
run whose ``config.json`` was deleted) and is never written (:func:`inspect_folder`).

The CSV files are append-only logs (:class:`CsvLog`): each row is written as its own bytes
(``\\n`` line ends, cells joined by commas, no quoting -- every cell is a number or empty), and
the log knows its length in bytes and the SHA-256 of those bytes. A checkpoint records both after
``fsync``; a resume checks that the file still starts with exactly those bytes and cuts it there,
so the rows after the checkpoint are rewritten by the same code with the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from plumbing import files as storage
from plumbing.files import WriteError, atomic_write_text

__all__ = ["OWNED", "STATUSES", "METRICS", "EPOCHS", "recorded_data", "inspect_folder",
           "same_config", "CsvLog", "remove_stale_temporaries"]

OWNED = ("metrics.csv", "epochs.csv", "checkpoint.pt")
STATUSES = ("running", "finished", "diverged")  # config.json's "status"
MAX_CONFIG_BYTES = 16 * 2**20  # a config.json measure writes is a few kB
# the columns of metrics.csv (one row per step) and epochs.csv (one row per epoch); README.md
# "nn_checks" says what each holds
METRICS = ("step", "epoch", "lr", "loss", "grad_norm", "clipped", "update_norm", "smoothness",
           "hessian_top_eig", "n_hvps", "probe_grad_norm", "hessian_converged")
EPOCHS = ("epoch", "lr", "train_loss", "val_loss", "val_ppl", "test_acc")


def recorded_data(path: Path, config: dict) -> tuple[str | None, str | None]:
    """The ``dataset`` and ``data_sha256`` that ``config`` (the content of the config.json at
    ``path``) records, each None where not recorded (folders of earlier versions); a value of
    the wrong kind is a ``ValueError`` naming the file and the field (a damaged file)."""
    dataset, digest = config.get("dataset"), config.get("data_sha256")
    if dataset is not None and not (isinstance(dataset, str) and
                                    re.fullmatch(r"[A-Za-z0-9_.+-]{1,64}", dataset)):
        raise ValueError(f"{path}: 'dataset' is not a data set name (damaged)")
    if digest is not None and not (isinstance(digest, str) and
                                   re.fullmatch(r"[0-9a-f]{64}", digest)):
        raise ValueError(f"{path}: 'data_sha256' is not a SHA-256 (damaged)")
    return dataset, digest


def same_config(previous: dict, current: dict, defaults: dict) -> bool:
    """Whether a saved config (``config.json``'s ``config``) is the current one.

    A setting that the saved config lacks (it was written before the setting existed) counts as
    equal when the current value is that setting's default, so that folders written by an
    earlier version stay valid.
    """
    for key in set(previous) | set(current):
        if key in previous:
            if key not in current or previous[key] != current[key]:
                return False
        elif current[key] != defaults.get(key):
            return False
    return True


def inspect_folder(out: Path, current: dict, defaults: dict) -> dict | None:
    """``config.json`` of the run in ``out`` (None for a new run); read only.

    Raises
    ------
    ValueError
        ``out`` holds result files without ``config.json`` (somebody else's files), a
        ``config.json`` that is not one ``measure`` wrote, or a run with another configuration.
    """
    if not out.exists():
        return None
    path = out / "config.json"
    if not path.exists():
        present = [name for name in OWNED if (out / name).exists()]
        if present:
            raise ValueError(f"{out} holds {', '.join(present)} but no config.json: files of "
                             "another run or tool, which measure never writes over; choose "
                             "another --out (or delete those files)")
        return None
    try:
        previous = json.loads(storage.read_file(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: vanished while read; rerun") from None
    except ValueError as exc:  # also UnicodeDecodeError, and read_file's refusals
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a readable config.json ({type(exc).__name__}); delete "
                         "the folder to restart or choose another --out") from None
    if not (isinstance(previous, dict) and isinstance(previous.get("config"), dict)
            and previous.get("status") in STATUSES):
        raise ValueError(f"{path}: not a config.json written by measure (needs 'config' and "
                         f"'status' in {STATUSES}); choose another --out")
    if not same_config(previous["config"], current, defaults):
        raise ValueError(f"{out} holds a run with another configuration; choose another --out")
    return previous


def remove_stale_temporaries(out: Path) -> list[str]:
    """Delete the temporary files a killed process left in ``out``: those of
    :func:`plumbing.files.atomic_write` (:func:`plumbing.files.remove_stale_temporaries`) and the
    ``checkpoint.tmp`` of earlier versions; call it while holding the folder's lock. Returns the
    names removed."""
    removed = storage.remove_stale_temporaries(out)
    legacy = out / "checkpoint.tmp"
    if legacy.is_file():
        legacy.unlink(missing_ok=True)
        removed.append(legacy.name)
    return removed


def _cannot_write(path: Path, exc: OSError) -> WriteError:
    return storage.write_error(path, exc, "the last checkpoint is unchanged: rerun to resume")


class CsvLog:
    """An append-only CSV file whose byte length and SHA-256 are known at every moment.

    Open with :meth:`start` (a new file holding the header) or :meth:`resume` (an existing file
    cut back to the length a checkpoint recorded, after checking its bytes).
    """

    def __init__(self, path: Path, handle, digest, size: int):
        self.path, self._handle, self._digest, self.size = path, handle, digest, size

    @staticmethod
    def header_bytes(header: tuple[str, ...]) -> bytes:
        """The header line's exact bytes: the column names joined by commas, then ``\\n``."""
        return (",".join(header) + "\n").encode("ascii")

    @classmethod
    def start(cls, path: Path, header: tuple[str, ...]) -> "CsvLog":
        """Replace ``path`` (atomically) by a file holding only the header."""
        data = cls.header_bytes(header)
        atomic_write_text(path, data.decode("ascii"))
        return cls._open(path, hashlib.sha256(data), len(data))

    @classmethod
    def check(cls, path: Path, header: tuple[str, ...], size: int, sha256: str):
        """The hash state after the first ``size`` bytes of ``path`` if they are the ones
        recorded (``sha256``) and start with ``header``; ``ValueError`` naming the file if not."""
        head = cls.header_bytes(header)
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                if handle.read(len(head)) != head or size < len(head):
                    raise ValueError(f"{path}: its header is not {','.join(header)!r}; the "
                                     "file was replaced or damaged -- delete the folder to "
                                     "restart or choose another --out")
                digest.update(head)
                left = size - len(head)
                while left > 0:
                    chunk = handle.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    digest.update(chunk)
                    left -= len(chunk)
        except FileNotFoundError:
            raise ValueError(f"{path} is missing but checkpoint.pt records {size} bytes of it; "
                             "delete the folder to restart") from None
        if left > 0 or digest.hexdigest() != sha256:
            raise ValueError(f"{path} does not hold the rows checkpoint.pt records (changed, "
                             "replaced or cut since the checkpoint); delete the folder to "
                             "restart or choose another --out")
        return digest

    @classmethod
    def resume(cls, path: Path, header: tuple[str, ...], size: int, sha256: str) -> "CsvLog":
        """Cut ``path`` back to the ``size`` bytes a checkpoint recorded (checked first)."""
        digest = cls.check(path, header, size, sha256)
        try:
            os.truncate(path, size)
        except OSError as exc:
            raise _cannot_write(path, exc) from exc
        return cls._open(path, digest, size)

    @classmethod
    def _open(cls, path: Path, digest, size: int) -> "CsvLog":
        try:
            handle = open(path, "ab")
        except OSError as exc:
            raise _cannot_write(path, exc) from exc
        return cls(path, handle, digest, size)

    def write(self, cells: list[str]) -> None:
        """Append one row (cells already formatted: numbers or empty)."""
        data = (",".join(cells) + "\n").encode("ascii")
        try:
            self._handle.write(data)
        except OSError as exc:
            raise _cannot_write(self.path, exc) from exc
        self._digest.update(data)
        self.size += len(data)

    def sync(self) -> tuple[int, str]:
        """Flush and fsync; the (length in bytes, SHA-256) a checkpoint records."""
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise _cannot_write(self.path, exc) from exc
        return self.size, self._digest.hexdigest()

    def close(self) -> None:
        try:
            self._handle.close()
        except OSError:  # a failed flush at close: the checkpoint's length still cuts it right
            pass
