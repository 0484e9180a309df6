"""plumbing.files: atomic and grouped replacement, the run-folder lock, output-folder checks."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plumbing import files as storage
from plumbing.locks import LockedError, RunLock
from plumbing.files import (WriteError, atomic_write_text, check_output_folder, remove_stale_temporaries, replace_together)

ROOT = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def test_atomic_write_keeps_bytes_and_the_umask_mode(tmp_path):
    atomic_write_text(tmp_path / "a.csv", "x,y\r\n1,2\n")
    assert (tmp_path / "a.csv").read_bytes() == b"x,y\r\n1,2\n"  # no newline translation
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    atomic_write_text(tmp_path / "a.json", "old\n")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full)
    with pytest.raises(WriteError, match="no space left on device"):
        atomic_write_text(tmp_path / "a.json", "new\n")
    assert tree(tmp_path) == {"a.json": b"old\n"}


@pytest.mark.parametrize("failure", [OSError(errno.EIO, "Input/output error"),
                                     KeyboardInterrupt()])
def test_replace_together_is_all_or_nothing(tmp_path, monkeypatch, failure):
    for name in ("a", "b", "c"):
        atomic_write_text(tmp_path / name, f"old {name}\n")
    before = tree(tmp_path)
    real = os.replace

    def fail_on_c(src, dst):
        if str(dst).endswith("/c"):
            raise failure
        return real(src, dst)

    monkeypatch.setattr(storage.os, "replace", fail_on_c)
    with pytest.raises(WriteError if isinstance(failure, OSError) else KeyboardInterrupt):
        replace_together({tmp_path / n: f"new {n}\n".encode() for n in ("a", "b", "c")})
    assert tree(tmp_path) == before  # a and b rolled back, nothing left behind
    monkeypatch.setattr(storage.os, "replace", real)
    replace_together({tmp_path / n: f"new {n}\n".encode() for n in ("a", "b", "c")})
    assert tree(tmp_path) == {n: f"new {n}\n".encode() for n in ("a", "b", "c")}


def test_a_new_file_in_a_failed_group_is_removed_again(tmp_path, monkeypatch):
    atomic_write_text(tmp_path / "b", "old b\n")
    real = os.replace
    monkeypatch.setattr(storage.os, "replace", lambda s, d: (_ for _ in ()).throw(
        OSError(errno.EIO, "boom")) if str(d).endswith("/b") else real(s, d))
    with pytest.raises(WriteError, match="cannot write .*/b: boom"):
        replace_together({tmp_path / "a": b"new a\n", tmp_path / "b": b"new b\n"})
    assert tree(tmp_path) == {"b": b"old b\n"}


def test_the_lock_refuses_a_second_holder_naming_it_and_changes_no_byte(tmp_path):
    folder = tmp_path / "run"
    with RunLock(folder, "first"):
        before = tree(folder)
        with pytest.raises(LockedError, match=f"pid {os.getpid()}"):
            with RunLock(folder, "second"):
                pass
        assert tree(folder) == before  # .lock is never rewritten
    with RunLock(folder, "third"):  # released
        pass


def test_the_lock_holder_is_another_process(tmp_path):
    folder = tmp_path / "run"
    code = ("import sys, time; from plumbing.locks import RunLock\n"
            f"with RunLock({str(folder)!r}, 'child'):\n"
            "    print('held', flush=True); sys.stdin.readline()\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=f"pid {child.pid}: .*RunLock"):
            with RunLock(folder, "parent"):
                pass
    finally:
        child.communicate("\n", timeout=60)
    with RunLock(folder, "parent"):  # the child exited: free
        pass


def test_a_holder_removes_only_stale_temporaries_of_atomic_writes(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / ".metrics.csv.ab12_XyZ.tmp").write_text("left by kill -9")
    (folder / "notes.tmp").write_text("the user's")
    (folder / ".hidden.tmp").write_text("not ours either")
    with RunLock(folder, "measure"):
        pass
    assert sorted(p.name for p in folder.iterdir()) == [".hidden.tmp", ".lock", "notes.tmp"]
    assert remove_stale_temporaries(tmp_path / "nowhere") == []


@pytest.mark.parametrize("text, problem", [("", "empty folder name"), ("  ", "empty folder"),
                                           ("afile", "exists and is not a folder"),
                                           ("afile/sub", "is a file, not a folder")])
def test_output_folders_that_cannot_be_used_are_refused(tmp_path, monkeypatch, text, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match=problem):
        check_output_folder(text)
    assert check_output_folder("new/run") == Path("new/run") and not Path("new").exists()


# ------------------------------------------------------------------ reading and special files
def test_read_file_reads_a_regular_file_and_refuses_every_other_kind(tmp_path):
    """A FIFO (a read would wait for a writer forever), /dev/zero (never ends), a folder and an
    oversized file are each one ValueError naming the path, at once; a missing file stays a
    FileNotFoundError for callers that treat it as absent."""
    (tmp_path / "ok.json").write_bytes(b"{}\n")
    assert storage.read_file(tmp_path / "ok.json", 10) == b"{}\n"
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "dir").mkdir()
    (tmp_path / "big").write_bytes(b"x" * 11)
    for name, why in (("fifo", "a FIFO"), ("zero", "a device"), ("dir", "a folder"),
                      ("big", "11 bytes, more than the 10")):
        with pytest.raises(ValueError, match=f"{name}: .*{why}"):
            storage.read_file(tmp_path / name, 10)
    with pytest.raises(FileNotFoundError):
        storage.read_file(tmp_path / "absent", 10)


@pytest.mark.parametrize("kind", ["fifo", "dangling-link", "link-to-file", "folder"])
def test_a_lock_that_is_not_a_regular_file_is_refused_and_nothing_is_created(tmp_path, kind):
    """``.lock`` as a FIFO would block the open, a link would create or lock a file outside the
    folder: each is refused (LockedError: exit 2), and the link's target is not created."""
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    if kind == "fifo":
        os.mkfifo(run / ".lock")
    elif kind == "folder":
        (run / ".lock").mkdir()
    else:
        if kind == "link-to-file":
            outside.write_bytes(b"")
        (run / ".lock").symlink_to(outside)
    with pytest.raises(LockedError, match=r"\.lock: "):
        with RunLock(run, "test"):
            pass
    assert outside.exists() == (kind == "link-to-file")
