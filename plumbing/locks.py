"""One writer per folder: an exclusive ``flock`` held for as long as a command writes.

Two kinds (docs/architecture.md, "Plumbing"):

* :class:`RunLock` -- a run folder of ``theory``, ``synthetic`` or ``nn_checks``: the lock is on
  ``<folder>/.lock``, created once and never rewritten (a refused command changes no byte);
* :class:`FolderLock` -- an output folder of ``figures`` / ``figures.report``: the lock is on the
  folder itself, so a refused or failed run leaves no file behind.

A second writer is refused with one line naming the holder (pid and, for :class:`RunLock`, its
command line, from Linux ``/proc/locks``). The kernel drops a flock when its holder exits, also
after ``kill -9``, so a stale lock never blocks a resume. Without ``fcntl`` (not POSIX) both do
nothing. Standard library only.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from plumbing.files import WriteError, remove_stale_temporaries, write_error

try:  # POSIX; on other systems the locks degrade to no-ops (documented above)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["LockedError", "RunLock", "FolderLock"]


class LockedError(ValueError):
    """Another process is writing the folder (a refusal of bad input: exit code 2)."""


class RunLock:
    """Exclusive writer lock of a run folder: ``with RunLock(folder, "measure"): ...``.

    Creates the folder and an empty ``.lock`` in it (once; the file is never rewritten, so a
    refused command changes no byte of the folder) and holds an exclusive ``flock`` on it.
    Raises :class:`LockedError` when another process holds the lock, naming the holder (pid and
    command line, found in ``/proc/locks`` on Linux). The lock is advisory and released by the
    kernel when the holder exits, however it exits. Without ``fcntl`` (not POSIX) it does
    nothing. ``command`` labels this holder (kept as an attribute).
    """

    def __init__(self, folder: str | Path, command: str):
        self.folder, self.command = Path(folder), command
        self._fd: int | None = None

    def __enter__(self) -> "RunLock":
        if fcntl is None:  # pragma: no cover
            return self
        lock = self.folder / ".lock"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # never follow a link (it could point outside the folder) nor wait on a FIFO
            fd = os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_NONBLOCK |
                         getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EISDIR):
                what = "a symbolic link" if exc.errno == errno.ELOOP else "a folder"
                raise LockedError(f"{lock}: {what}, not a lock file: remove it") from None
            raise WriteError(exc.errno or 0, f"cannot write {self.folder}: "
                                             f"{exc.strerror or exc}") from exc
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise LockedError(f"{lock}: not a regular file (a FIFO or device), not a lock file: "
                              "remove it")
        self._fd = _lock_or_refuse(fd, self.folder)
        remove_stale_temporaries(self.folder)  # ours, left by a holder killed mid-write
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None


class FolderLock:
    """One writer per output folder: ``with FolderLock(folder): ...`` creates the folder and
    holds an exclusive ``flock`` on the folder itself (no lock file: a refused or failed run
    leaves the folder as it was). A second writer is a :class:`LockedError` naming the holder.
    """

    def __init__(self, folder: str | Path):
        self.folder, self._fd = Path(folder), None

    def __enter__(self) -> "FolderLock":
        if fcntl is None:  # pragma: no cover - not POSIX: no lock
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) |
                         getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise write_error(self.folder, exc) from exc
        self._fd = _lock_or_refuse(fd, self.folder)
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def _lock_or_refuse(fd: int, folder: Path) -> int:
    """``fd`` once an exclusive flock is held on it; else close it and raise
    :class:`LockedError` naming ``folder`` and the holder."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _holder(os.fstat(fd))
        os.close(fd)
        raise LockedError(f"{folder} is being written by another process ({holder}); "
                          "wait for it to finish or choose another folder") from None
    return fd


def _holder(info: os.stat_result) -> str:
    """'pid N: <command line>' of the process holding a flock on the file ``info`` describes
    (Linux ``/proc/locks``: device as hex major:minor, and inode), or 'holder unknown'."""
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 6 and fields[1] == "FLOCK" and \
                        fields[5].lower() == f"{device}:{info.st_ino}":
                    pid = fields[4]
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as cmd:
                            text = cmd.read().replace(b"\0", b" ").decode(errors="replace")
                    except OSError:
                        text = ""
                    return f"pid {pid}" + (f": {text.strip()[:200]}" if text.strip() else "")
    except OSError:
        pass
    return "holder unknown"
