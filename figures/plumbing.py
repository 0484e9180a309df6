"""Command-line plumbing of ``python -m figures`` and ``python -m figures.report``.

``figures`` may import only matplotlib, numpy, markdown and the standard library, so this module
mirrors the workbench's shared command-line rules (README, "Exit codes"; the same messages and
policy as the other commands):

=====  ====================================================================================
0      ran; every requested file written
2      bad input or a refusal (malformed argument or result file, an unwritable output): one
       line on stderr naming the file or option; nothing written (figures: a figure whose
       inputs are all missing is also one line and status 2, the others are still drawn)
3      internal error (a bug): one line on stderr, the traceback with ``<PROG>_DEBUG=1``
130    interrupted (Ctrl-C)
=====  ====================================================================================

and the durable-file rule: a file is written to a temporary file in its folder, flushed and
``fsync``-ed, renamed over the old one (:func:`os.replace`) and the folder entry synced; on any
failure the temporary file is removed and the old file stays as it was.
"""
from __future__ import annotations

import argparse
import errno
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Callable

__all__ = ["EXIT_OK", "EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_CODES_HELP", "UsageError",
           "WriteError", "OneLineParser", "add_version", "guarded", "atomic_write",
           "replace_together", "check_output_folder", "one_line", "FolderLock"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 2, 3
EXIT_CODES_HELP = ("exit codes: 0 ran, everything written; 2 bad input or refused (one line on "
                   "stderr, nothing written); 3 internal error; 130 interrupted")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


class WriteError(OSError):
    """A file could not be written; ``strerror`` is the whole one-line sentence
    "cannot write <path>: <reason>"."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of printing usage and exiting, and keeps
    the line breaks of descriptions and epilogs."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(message)


def _version(prog: str) -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        number = version("l0l1-workbench")
    except (ImportError, PackageNotFoundError):  # running from a bare checkout
        number = "unknown (not installed)"
    return f"{prog} (l0l1-workbench {number})"


def add_version(parser: argparse.ArgumentParser) -> None:
    """``--version``: print ``<prog> (l0l1-workbench <version>)`` and exit 0."""
    parser.add_argument("--version", action="version", version=_version(parser.prog))


def one_line(text) -> str:
    """``text`` with every run of whitespace (newlines included) turned into one space."""
    return " ".join(str(text).split())


def guarded(prog: str, command: Callable[[], int]) -> int:
    """Run ``command``; map every failure to one line on stderr and an exit code (see above).

    :class:`UsageError`, ``ValueError`` (the readers' ``InputError`` is one), ``OSError`` and
    ``MemoryError`` exit 2; Ctrl-C exits 130; anything else is a bug: one line and exit 3, or the
    traceback when the environment variable ``<PROG>_DEBUG`` is set. Messages are never cut.
    """
    try:
        return command()
    except SystemExit as exc:  # --help / --version; sys.exit("text") means failure
        if exc.code is None or isinstance(exc.code, int):
            return int(exc.code or 0)
        print(f"{prog}: error: {one_line(exc.code)}", file=sys.stderr)
        return 1
    except (UsageError, ValueError) as exc:
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        if isinstance(exc, WriteError) or exc.filename is None:
            message = exc.strerror or str(exc)
        else:
            message = f"{exc.filename}: {exc.strerror or exc}"
        print(f"{prog}: error: {one_line(message)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print(f"{prog}: error: out of memory: a result file is larger than this machine holds",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug, not bad input
        debug = prog.split()[-1].replace(".", "_").upper() + "_DEBUG"
        if os.environ.get(debug):
            raise
        print(f"{prog}: internal error ({type(exc).__name__}): {one_line(exc)} -- rerun with "
              f"{debug}=1 for the traceback", file=sys.stderr)
        return EXIT_INTERNAL


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device (the previous file, if any, is unchanged)"
    return exc.strerror or str(exc)


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


def _temporary(path: Path, write: Callable[[IO[bytes]], None]) -> str:
    """Write a fsync-ed temporary sibling of ``path`` (mode from the umask, as any new file);
    return its name (removed on failure)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp's 0600 would make the figures owner-only
        with os.fdopen(fd, "wb") as handle:
            write(handle)
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


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Replace ``path`` with what ``write(handle)`` writes to a binary handle, atomically.

    The parent folder is created. On failure the temporary file is removed, ``path`` keeps its
    previous content and an :class:`OSError` becomes :class:`WriteError` "cannot write <path>:
    <reason>" (disk full says so).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temporary(path, write)
        try:
            os.replace(tmp, path)
        except OSError:
            _unlink(tmp)
            raise
        _fsync_dir(path.parent)
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(exc.errno or 0, f"cannot write {path}: {_reason(exc)}") from exc


def replace_together(files: dict[Path, bytes]) -> None:
    """Replace every ``path`` of ``files`` with its bytes: all of them or none.

    Every new content is first written to a fsync-ed temporary file beside its target; the old
    files are kept as hard links (copies where links are impossible) until every rename has
    succeeded, and put back if one fails or the process is interrupted between them (the same
    algorithm as ``theory.storage.replace_together``, which figures may not import). Raises
    :class:`WriteError` naming the file.
    """
    temps: dict[Path, str] = {}
    backups: dict[Path, str | None] = {}
    done: list[Path] = []
    current = None
    try:
        for path, data in files.items():
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            temps[path] = _temporary(path, lambda handle, data=data: handle.write(data))
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
    except BaseException as exc:  # a failed rename or an interrupt (Ctrl-C) between two
        for path in reversed(done):  # roll back what was already replaced
            old = backups.get(path)
            try:
                os.replace(old, path) if old else os.unlink(path)
                backups[path] = None
            except OSError:
                pass
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(exc.errno or 0, f"cannot write {current}: {_reason(exc)}") from exc
        raise
    finally:
        for name in list(temps.values()) + list(backups.values()):
            _unlink(name)


def _backup(path: Path) -> str | None:
    """A hidden hard link (or copy) of ``path`` beside it; None when ``path`` does not exist."""
    if not path.exists():
        return None
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old")
    os.close(fd)
    os.unlink(name)
    try:
        os.link(path, name)
    except OSError:
        with open(path, "rb") as source:
            data = source.read()
        with open(name, "wb") as target:
            target.write(data)
    return name


def check_output_folder(out, option: str = "--out") -> Path:
    """``out`` as a Path if a folder can be created or used there; :class:`UsageError` if not.

    Refused: an empty name (it would mean the current directory), an existing path that is not
    a folder, a path below an existing file. Nothing is created here.
    """
    text = str(out) if out is not None else ""
    if not text.strip():
        raise UsageError(f"{option}: empty folder name (give a path, e.g. results/figures)")
    path = Path(text)
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                where = "" if parent == path else f" ({parent} is a file)"
                raise UsageError(f"cannot write {path}: not a folder{where}")
            break
    return path


class FolderLock:
    """One writer per output folder: ``with FolderLock(folder): ...`` creates the folder and
    holds an exclusive ``flock`` on the folder itself (no lock file: a refused or failed run
    leaves the folder as it was). A second ``figures`` or ``figures.report`` writing the same
    folder is a :class:`UsageError` naming the holder's pid (Linux ``/proc/locks``). The kernel
    drops the lock when its holder exits, however it exits."""

    def __init__(self, folder: str | Path):
        self.folder, self._fd = Path(folder), None

    def __enter__(self) -> "FolderLock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) |
                         getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise WriteError(exc.errno or 0, f"cannot write {self.folder}: {_reason(exc)}"
                             ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(os.fstat(fd))
            os.close(fd)
            raise UsageError(f"{self.folder} is being written by another process ({holder}); "
                             "wait for it to finish or choose another folder") from None
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def _holder(info: os.stat_result) -> str:
    """'pid N' of the process holding a flock on the file ``info`` describes, from Linux's
    ``/proc/locks`` (device major:minor in hex and inode), or 'holder unknown'."""
    key = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].lower() == key:
                    return f"pid {fields[4]}"
    except OSError:
        pass
    return "holder unknown"
