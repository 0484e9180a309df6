"""What a resume refuses to read: checkpoints that are garbage, empty, truncated, of another
configuration, model or version, with bad counters, data positions or generator states, or
crafted to execute code when unpickled (the payload shown live under plain pickle); a changed
metrics.csv; a resume on other data than the run started on. Every refusal is one line, exit 2,
and leaves the folder's files byte-identical."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch

from nn_checks.cli import main
from nn_checks.config import resolve
from nn_checks.data import load_ptb
from nn_checks.train import measure
from nn_fixtures import needs_ptb
from resume_helpers import ARGV, SMALL, _files

pytestmark = needs_ptb


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run folder as a crash leaves it: checkpoint at step 3, config.json 'running'."""
    out = tmp_path_factory.mktemp("interrupted")
    config = resolve("lstm", "smoke", steps=3, probe="none")
    measure(config, out, checkpoint_every=3)
    saved = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**saved, "status": "running"}))
    other = tmp_path_factory.mktemp("other")
    measure(resolve("lstm", "smoke", steps=3, probe="none", seed=5), other, checkpoint_every=3)
    return out, other


class Payload:
    """Unpickling this runs exec: it would create the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def _crafted(kind: str, good: bytes, marker: Path, other: Path) -> bytes:
    import io

    if kind == "raw-pickle":
        return pickle.dumps({"format": "nn_checks-checkpoint/2", "model": Payload(marker)},
                            protocol=2)
    if kind == "torch-zip-pickle":
        buffer = io.BytesIO()
        torch.save({"format": "nn_checks-checkpoint/2", "hook": Payload(marker)}, buffer)
        return buffer.getvalue()
    if kind == "garbage":
        return b"PK\x03\x04 this is garbage, not a checkpoint\n" * 200
    if kind == "empty":
        return b""
    if kind == "truncated":
        return good[:len(good) // 2]
    if kind == "other-config":
        return (other / "checkpoint.pt").read_bytes()
    ck = torch.load(io.BytesIO(good), map_location="cpu", weights_only=True)
    if kind == "older-version":
        ck = {"model": ck["model"], "opt": ck["opt"], "s": {"step": 3}, "rng": ck["rng_cpu"],
              "hidden": None}
    elif kind == "other-model":
        ck["model"] = {k: torch.zeros(2, 2) for k in ck["model"]}
    elif kind == "bad-counter":
        ck["state"]["step"] = -1
    elif kind == "bad-position":
        ck["state"]["pos"] = 10**6
    elif kind == "bad-rng":
        ck["rng_cpu"] = torch.zeros(3, dtype=torch.uint8)
    buffer = io.BytesIO()
    torch.save(ck, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind,match", [
    ("raw-pickle", "other than tensors"), ("torch-zip-pickle", "other than tensors"),
    ("garbage", "not a checkpoint"), ("empty", "not a checkpoint"),
    ("truncated", "not a checkpoint"), ("other-config", "another configuration"),
    ("older-version", "older version"), ("other-model", "not a checkpoint of this model"),
    ("bad-counter", "counter step"), ("bad-position", "data position"),
    ("bad-rng", "random generator state")])
def test_bad_checkpoints_are_refused_unread(kind, match, interrupted, tmp_path, capsys):
    out, other = interrupted
    good = (out / "checkpoint.pt").read_bytes()
    marker = tmp_path / "marker"
    try:
        (out / "checkpoint.pt").write_bytes(_crafted(kind, good, marker, other))
        before = _files(out)
        code = main(ARGV + ["--out", str(out)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, err
        assert "checkpoint.pt" in err[0] and match in err[0] and "Traceback" not in err[0]
        assert not marker.exists()
        after = _files(out)
        after.pop(".lock", None), before.pop(".lock", None)
        assert after == before
    finally:
        (out / "checkpoint.pt").write_bytes(good)


def test_the_crafted_pickle_is_live(tmp_path):
    """Negative control: plain unpickling of the same payload does create the marker, so the
    refusal above is what keeps it from running."""
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists()


def test_changed_metrics_file_is_refused(interrupted, capsys):
    out, _ = interrupted
    good = (out / "metrics.csv").read_bytes()
    try:
        (out / "metrics.csv").write_bytes(good.replace(b"0,0,", b"0,1,", 1))
        assert main(ARGV + ["--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "metrics.csv" in err[0] and "checkpoint.pt" in err[0]
    finally:
        (out / "metrics.csv").write_bytes(good)


def test_a_resume_on_other_data_is_refused(tmp_path, capsys):
    """A run started on one copy of the corpus is not resumed on another (one token changed):
    config.json's data_sha256 names the data; the refusal is one line and writes nothing. The
    same data resumes, and the fingerprint is that of the tensors, not of a path."""
    import dataclasses

    corpus = load_ptb()
    changed = corpus.train.clone()
    changed[100] = (changed[100] + 1) % len(corpus.vocab)
    other = dataclasses.replace(corpus, train=changed)
    config = resolve("lstm", "smoke", probe="none", **SMALL)
    out = tmp_path / "run"

    def crash(report):
        if report["step"] == 4:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        measure(config, out, progress=crash, checkpoint_every=3, data=corpus)
    saved = json.loads((out / "config.json").read_text())
    assert saved["status"] == "running" and len(saved["data_sha256"]) == 64
    before = _files(out)
    with pytest.raises(ValueError, match="other ptb data"):
        measure(config, out, checkpoint_every=3, data=other)
    assert _files(out) == before
    assert measure(config, out, checkpoint_every=3, data=corpus)["status"] == "finished"
    assert json.loads((out / "config.json").read_text())["data_sha256"] == saved["data_sha256"]
