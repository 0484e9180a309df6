"""The paper's empirical claims judged from run folders: each verdict flips with the numbers
(negative controls), missing runs make a claim inconclusive, and the command line."""
from __future__ import annotations

import csv
import json

import pytest

from nn_checks.claims import claims_file
from nn_checks.cli import main
from nn_checks.config import RUNS

NAMES = [f"{m}_{r}" for m in RUNS for r in RUNS[m]]


def write_run(root, name, r=0.8, p=1e-10, n=100, train=5.0, val=5.5, acc=None,
              status="finished"):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"status": status, "steps": n,
                                                    "wall_seconds": 1.0}))
    (folder / "fit.json").write_text(json.dumps({
        "envelope": [{"L0": 1.0, "L1": 2.0, "ci_L0": [0.5, 1.5], "ci_L1": [1.0, 3.0]}],
        "regression": {"L0": 0.5, "L1": 1.0},
        "correlation": {"pearson_r": r, "pearson_p": p, "spearman_rho": r, "n_used": n}}))
    with open(folder / "epochs.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["epoch", "lr", "train_loss", "val_loss", "val_ppl", "test_acc"])
        w.writerow([0, 1.0, train, "" if acc is not None else val, "",
                    "" if acc is None else acc])


def paper_like(root):
    """Numbers shaped like the paper's findings: every claim holds."""
    write_run(root, "lstm_lr30clip0.25", r=0.85, train=5.0, val=5.2)
    write_run(root, "lstm_lr2noclip", r=0.6, train=6.0, val=6.1)
    write_run(root, "lstm_lr2clip0.25", r=0.5, train=6.5, val=6.6)
    write_run(root, "resnet20_sgdmom", r=0.1, p=0.3, train=1.0, acc=0.80)
    write_run(root, "resnet20_lr1noclip", r=0.3, train=1.2, acc=0.70)
    write_run(root, "resnet20_lr5clip0.25", r=0.7, train=0.9, acc=0.79)


def verdicts(root):
    return {c["id"]: c["verdict"] for c in claims_file(root)["claims"]}


def test_every_claim_supported_on_paper_like_numbers(tmp_path):
    paper_like(tmp_path)
    assert set(verdicts(tmp_path).values()) == {"supported"}


@pytest.mark.parametrize("name,kwargs,claim", [
    ("lstm_lr30clip0.25", dict(r=-0.2), "lm-correlation"),
    ("lstm_lr30clip0.25", dict(r=0.85, p=0.2), "lm-correlation"),
    ("resnet20_sgdmom", dict(r=0.8, acc=0.80), "image-weaker"),
    ("resnet20_lr5clip0.25", dict(r=0.01, p=0.9, train=0.9, acc=0.79), "clipped-correlation"),
    ("lstm_lr2noclip", dict(train=4.0), "clip-fastest-train"),
    ("lstm_lr30clip0.25", dict(r=0.85, status="diverged"), "clip-fastest-train"),
    ("lstm_lr2clip0.25", dict(val=5.0), "lm-best-val"),
    ("resnet20_lr5clip0.25", dict(r=0.7, train=0.9, acc=0.70), "image-acc-match")])
def test_each_claim_fails_when_its_numbers_say_so(tmp_path, name, kwargs, claim):
    paper_like(tmp_path)
    import shutil
    shutil.rmtree(tmp_path / name)
    write_run(tmp_path, name, **kwargs)
    assert verdicts(tmp_path)[claim] == "not supported"


def test_missing_runs_make_claims_inconclusive(tmp_path):
    write_run(tmp_path, "lstm_lr30clip0.25")
    v = verdicts(tmp_path)
    assert v["lm-correlation"] == "supported"
    assert v["image-weaker"] == v["lm-best-val"] == v["image-acc-match"] == "inconclusive"


def test_cli_writes_claims_json_and_rejects_an_empty_folder(tmp_path, capsys):
    paper_like(tmp_path)
    assert main(["claims", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "claims.json").read_text())
    assert [r["name"] for r in data["runs"]] == NAMES
    assert main(["claims", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nn_checks: error:") and "\n" not in err
