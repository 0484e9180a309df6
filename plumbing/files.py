"""Durable files for every command: bounded reads, atomic replacement with fsync.

Rules (README, "Results and provenance"; docs/architecture.md, "Plumbing"):

* a result file is replaced atomically: written to a temporary file in the same folder, flushed
  and ``fsync``-ed, renamed over the old one (:func:`os.replace`), and the folder entry synced;
  a failed write (disk full, permission) removes the temporary file and leaves the old file as it
  was -- a reader sees the old content or the new one, never a mixture;
* a run folder has one writer at a time: see :mod:`plumbing.locks`.

Standard library only: every package of the workbench may import it.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Callable, IO

__all__ = ["WriteError", "read_file", "atomic_write", "atomic_write_text", "replace_together",
           "write_error", "remove_stale_temporaries", "check_output_folder"]


class WriteError(OSError):
    """A result file could not be written; the message names it and the reason (one line)."""


def read_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Opened without blocking and checked on the open descriptor: a FIFO (whose read would wait
    for a writer forever), a folder, a device (``/dev/zero`` would never end) or a link to one
    is refused, as is a file larger than ``max_bytes``, with a ``ValueError`` naming ``path``
    (one line: bad input, exit 2). A missing file raises :class:`FileNotFoundError` for the
    caller to treat as absent; another failure to open or read is a ``ValueError`` naming it.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a folder" if stat.S_ISDIR(info.st_mode) else
                    "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket")
            raise ValueError(f"{path}: not a regular file ({kind})")
        if info.st_size > max_bytes:
            raise ValueError(f"{path}: {info.st_size} bytes, more than the {max_bytes} such a "
                             "file can have (not a file of this kind)")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > max_bytes:  # grew while read
        raise ValueError(f"{path}: more than the {max_bytes} bytes such a file can have")
    return b"".join(chunks)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import: os.umask is process-wide and not thread-safe


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Replace ``path`` with what ``write(handle)`` writes to a binary handle, atomically.

    The parent folder is created. On any failure the temporary file is removed, ``path`` keeps
    its previous content, and an :class:`OSError` becomes :class:`WriteError` "cannot write
    <path>: <reason>".
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp's 0600 would make results owner-only
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_error(path: str | Path, exc: OSError,
                kept: str = "the previous file, if any, is unchanged") -> WriteError:
    """The :class:`WriteError` "cannot write <path>: <reason>" of a failed write; a full disk
    says so and what was ``kept``."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = f"no space left on device ({kept})"
    return WriteError(exc.errno or 0, f"cannot write {path}: {reason}")


_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # mkstemp's names in atomic_write


def remove_stale_temporaries(folder: str | Path) -> list[str]:
    """Delete the temporary files of :func:`atomic_write` that a killed process left in
    ``folder`` (``.<name>.<8 random characters>.tmp``); returns their names. Call it only while
    holding the folder's :class:`plumbing.locks.RunLock` (which does, on entry)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return sorted(removed)


def _temporary(path: Path, data: bytes) -> str:
    """A fsync-ed temporary file beside ``path`` holding ``data`` (mode from the umask)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(name: str | None) -> None:
    if name is not None:
        try:
            os.unlink(name)
        except OSError:
            pass


def _backup(path: Path) -> str | None:
    """A hidden hard link of ``path`` beside it (a copy where links are impossible); None when
    ``path`` does not exist."""
    if not path.exists():
        return None
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(name)
    try:
        os.link(path, name)
    except OSError:
        with open(path, "rb") as source, open(name, "wb") as target:
            target.write(source.read())
    return name


def replace_together(files: dict[Path, bytes]) -> None:
    """Replace every path of ``files`` with its bytes: all of them or, on failure, none.

    Every new content is first written to a fsync-ed temporary file beside its target; the old
    files are kept as hard links until every rename has succeeded and put back if a rename
    fails or the process is interrupted (Ctrl-C) between them. Only a ``kill -9`` within the
    microseconds of the renames can leave a mixture; writers that care record a digest of the
    others in the first file (``synthetic check``'s ``records_sha256``). Raises
    :class:`WriteError` naming the file.
    """
    files = {Path(p): data for p, data in files.items()}
    temps: dict[Path, str] = {}
    backups: dict[Path, str | None] = {}
    done: list[Path] = []
    current = None
    try:
        for path, data in files.items():
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            temps[path] = _temporary(path, data)
        for path in files:
            current = path
            backups[path] = _backup(path)
        for path in files:
            current = path
            os.replace(temps[path], path)
            del temps[path]
            done.append(path)
        for folder in {p.parent for p in files}:
            _fsync_dir(folder)
    except BaseException as exc:
        for path in reversed(done):  # roll back what was already replaced
            old = backups.get(path)
            try:
                os.replace(old, path) if old else os.unlink(path)
                backups[path] = None
            except OSError:
                pass
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise write_error(current, exc) from exc
        raise
    finally:
        for name in list(temps.values()) + list(backups.values()):
            _unlink(name)


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write` of UTF-8 text (bytes written as given: no newline translation)."""
    data = text.encode("utf-8")
    atomic_write(path, lambda handle: handle.write(data))


def check_output_folder(out: str | Path, option: str = "--out") -> Path:
    """``out`` as a Path if it can be a results folder; ``ValueError`` naming the problem if not.

    Refused: an empty name (it would mean the current directory), an existing path that is not a
    folder, a path below a file, a nearest existing folder that is not writable. Nothing is
    created here.
    """
    text = str(out) if out is not None else ""
    if not text.strip():
        raise ValueError(f"{option}: empty folder name (give a path, e.g. results/my-run)")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: exists and is not a folder")
    above = path.absolute()
    while not above.exists() and above != above.parent:
        above = above.parent
    if above != path.absolute() and above.exists() and not above.is_dir():
        raise ValueError(f"{option} {path}: {above} is a file, not a folder")
    if above.is_dir() and not os.access(above, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: cannot write there ({above} is not writable)")
    return path
