"""The paper's empirical claims judged from run folders: each verdict flips with the numbers
(negative controls), missing runs make a claim inconclusive, and the command line."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from nn_checks.claims import _fisher_z, claims_file, effective_n
from nn_checks.cli import main
from nn_checks.config import RUNS

NAMES = [f"{m}_{r}" for m in RUNS for r in RUNS[m]]


def write_metrics(folder, r, n, walk=False):
    """n (grad_norm, smoothness) pairs whose logs have correlation ~r: independent steps, or
    (walk) autocorrelated ones (lag-1 ~ 0.8), as consecutive training steps are."""
    rng = np.random.default_rng(7)
    u, v = rng.standard_normal(n), rng.standard_normal(n)
    if walk:  # AR(1) with coefficient 0.8: n_eff ~ n (1 − 0.64)/(1 + 0.64) ~ 0.22 n
        for k in range(1, n):
            u[k], v[k] = 0.8 * u[k - 1] + 0.6 * u[k], 0.8 * v[k - 1] + 0.6 * v[k]
    x, y = np.exp(u), np.exp(r * u + np.sqrt(1 - r * r) * v)
    with open(folder / "metrics.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["step", "grad_norm", "smoothness", "probe_grad_norm"])
        w.writerows([i, a, b, a] for i, (a, b) in enumerate(zip(x, y)))


def write_run(root, name, r=0.8, n=100, train=5.0, val=5.5, acc=None,
              status="finished", walk=False):
    folder = root / name
    folder.mkdir(parents=True)
    write_metrics(folder, r, n, walk)
    (folder / "config.json").write_text(json.dumps({"status": status, "steps": n,
                                                    "wall_seconds": 1.0}))
    (folder / "fit.json").write_text(json.dumps({
        "envelope": [{"L0": 1.0, "L1": 2.0, "ci_L0": [0.5, 1.5], "ci_L1": [1.0, 3.0]}],
        "regression": {"L0": 0.5, "L1": 1.0},
        "correlation": {"pearson_r": r, "spearman_rho": r, "n_used": n}}))
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
    write_run(root, "resnet20_sgdmom", r=0.1, train=1.0, acc=0.80)
    write_run(root, "resnet20_lr1noclip", r=0.3, train=1.2, acc=0.70)
    write_run(root, "resnet20_lr5clip0.25", r=0.7, train=0.9, acc=0.79)


def verdicts(root):
    return {c["id"]: c["verdict"] for c in claims_file(root)["claims"]}


def test_every_claim_supported_on_paper_like_numbers(tmp_path):
    paper_like(tmp_path)
    assert set(verdicts(tmp_path).values()) == {"supported"}


@pytest.mark.parametrize("name,kwargs,claim", [
    ("lstm_lr30clip0.25", dict(r=-0.2), "lm-correlation"),
    ("lstm_lr30clip0.25", dict(r=0.85, n=5), "lm-correlation"),  # t = 2.8 on 3 df: p = 0.03
    ("resnet20_sgdmom", dict(r=0.8, acc=0.80), "image-weaker"),
    ("resnet20_lr5clip0.25", dict(r=0.01, train=0.9, acc=0.79), "clipped-correlation"),
    ("lstm_lr2noclip", dict(train=4.0), "clip-fastest-train"),
    ("lstm_lr30clip0.25", dict(r=0.85, status="diverged"), "clip-fastest-train"),
    ("lstm_lr2clip0.25", dict(val=5.0), "lm-best-val"),
    ("resnet20_lr5clip0.25", dict(r=0.7, train=0.9, acc=0.70), "image-acc-match"),
    ("resnet20_lr5clip0.25", dict(r=0.7, train=0.5, acc=0.95, status="diverged"),
     "image-acc-match"),
    ("resnet20_lr5clip0.25", dict(r=0.7, train=0.5, acc=0.95, status="diverged"),
     "clip-fastest-train"),
    ("lstm_lr30clip0.25", dict(r=0.3, walk=True), "lm-correlation"),
    ("lstm_lr30clip0.25", dict(r=0.3, walk=True), "image-weaker")])
def test_each_claim_fails_when_its_numbers_say_so(tmp_path, name, kwargs, claim):
    paper_like(tmp_path)
    import shutil
    shutil.rmtree(tmp_path / name)
    write_run(tmp_path, name, **kwargs)
    assert verdicts(tmp_path)[claim] == "not supported"


def test_weak_correlation_is_significant_only_for_independent_steps(tmp_path):
    """r = 0.3 over 100 independent steps: t = 3.1, p ~ 0.001; the same r over AR(1) series
    (lag-1 ~ 0.8 in both) has n_eff ~ 22, t ~ 1.4, p ~ 0.09: not significant."""
    paper_like(tmp_path)
    import shutil
    shutil.rmtree(tmp_path / "lstm_lr30clip0.25")
    write_run(tmp_path, "lstm_lr30clip0.25", r=0.3)
    assert verdicts(tmp_path)["lm-correlation"] == "supported"
    n, n_eff = effective_n(tmp_path / "lstm_lr30clip0.25")
    assert n == 100 and n_eff > 70
    shutil.rmtree(tmp_path / "lstm_lr30clip0.25")
    write_run(tmp_path, "lstm_lr30clip0.25", r=0.3, walk=True)
    n, n_eff = effective_n(tmp_path / "lstm_lr30clip0.25")
    assert n == 100 and 10 < n_eff < 35


def test_fisher_z_known_value():
    """(atanh 0.85 − atanh 0.7)/sqrt(2/97) = 2.708."""
    run = dict(present=True, status="finished")
    z = _fisher_z({**run, "pearson_r": 0.85, "n_eff": 100.0},
                  {**run, "pearson_r": 0.7, "n_eff": 100.0})
    assert z == pytest.approx(2.708, abs=1e-3)


def test_an_unfinished_run_makes_its_claims_inconclusive(tmp_path):
    paper_like(tmp_path)
    import shutil
    shutil.rmtree(tmp_path / "resnet20_lr5clip0.25")
    write_run(tmp_path, "resnet20_lr5clip0.25", r=0.7, train=0.9, acc=0.79, status="running")
    v = verdicts(tmp_path)
    assert v["clipped-correlation"] == v["image-acc-match"] == "inconclusive"
    assert v["lm-correlation"] == "supported"


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
