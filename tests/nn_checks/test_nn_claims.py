"""The paper's empirical claims judged from run folders: each verdict flips with the numbers
(negative controls), missing runs make a claim inconclusive, every file read is checked against
its schema (a damaged or foreign file is refused with one line, and nothing is written), and the
command line."""
from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from nn_checks.claims import _fisher_z, claims_file, effective_n
from nn_checks.cli import main
from nn_checks.config import RUNS
from nn_checks.runfolder import EPOCHS, METRICS

NAMES = [f"{m}_{r}" for m in RUNS for r in RUNS[m]]


def write_metrics(folder, r, n, walk=False):
    """n (grad_norm, smoothness) pairs whose logs have correlation ~r: independent steps, or
    (walk) autocorrelated ones (lag-1 ~ 0.8), as consecutive training steps are. Written as
    measure writes metrics.csv (its header, csv's CRLF line ends)."""
    rng = np.random.default_rng(7)
    u, v = rng.standard_normal(n), rng.standard_normal(n)
    if walk:  # AR(1) with coefficient 0.8: n_eff ~ n (1 − 0.64)/(1 + 0.64) ~ 0.22 n
        for k in range(1, n):
            u[k], v[k] = 0.8 * u[k - 1] + 0.6 * u[k], 0.8 * v[k - 1] + 0.6 * v[k]
    x, y = np.exp(u), np.exp(r * u + np.sqrt(1 - r * r) * v)
    row = dict.fromkeys(METRICS, "")
    with open(folder / "metrics.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(METRICS)
        for i, (a, b) in enumerate(zip(x, y)):
            a, b = float(a), float(b)
            row.update(step=i, epoch=0, lr=1.0, loss=5.0, grad_norm=repr(a), clipped=0,
                       update_norm=1.0, smoothness=repr(b), probe_grad_norm=repr(a))
            w.writerow([row[c] for c in METRICS])


def write_run(root, name, r=0.8, n=100, train=5.0, val=5.5, acc=None,
              status="finished", walk=False):
    folder = root / name
    folder.mkdir(parents=True)
    write_metrics(folder, r, n, walk)
    model, run = name.split("_", 1)
    (folder / "config.json").write_text(json.dumps({
        "config": {"model": model, "run": run, "preset": "cpu"}, "status": status,
        "steps": n if status != "diverged" else n - 1, "wall_seconds": 1.0,
        "dataset": "ptb" if model == "lstm" else "fashion-mnist"}))
    (folder / "fit.json").write_text(json.dumps({
        "schema": "l0l1-fit/1", "status": "fitted", "n": n,
        "envelope": [{"quantile": 1.0, "L0": 1.0, "L1": 2.0, "ci_L0": [0.5, 1.5],
                      "ci_L1": [1.0, 3.0]},
                     {"quantile": 0.9, "L0": 0.5, "L1": 1.5, "ci_L0": [0.2, 0.8],
                      "ci_L1": [1.0, 2.0]}],
        "regression": {"L0": 0.5, "L1": 1.0},
        "correlation": {"pearson_r": r, "spearman_rho": r, "n_used": n, "pearson_p": 0.01}}))
    with open(folder / "epochs.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(EPOCHS)
        w.writerow([0, 1.0, train, "" if model == "resnet20" else val, "",
                    "" if model == "lstm" else (0.5 if acc is None else acc)])
    return folder


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
    shutil.rmtree(tmp_path / name)
    write_run(tmp_path, name, **kwargs)
    assert verdicts(tmp_path)[claim] == "not supported"


def test_weak_correlation_is_significant_only_for_independent_steps(tmp_path):
    """r = 0.3 over 100 independent steps: t = 3.1, p ~ 0.001; the same r over AR(1) series
    (lag-1 ~ 0.8 in both) has n_eff ~ 22, t ~ 1.4, p ~ 0.09: not significant."""
    paper_like(tmp_path)
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
    assert data["schema"] == "l0l1-claims/2"
    assert [r["name"] for r in data["runs"]] == [r["folder"] for r in data["runs"]] == NAMES
    assert [s["name"] for s in data["settings"]] == NAMES
    assert {(c["aggregation"], c["seeds"]) for c in data["claims"]} == {("single seed", 1)}
    assert main(["claims", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nn_checks: error:") and "\n" not in err


# ------------------------------------------------------------------------------ schema checks

def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def refusal(root, capsys) -> str:
    """claims on ``root`` is refused: exit 2, one line, and nothing is written."""
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert main(["claims", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nn_checks: error:") and "\n" not in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    return err


LM = "lstm_lr30clip0.25"


@pytest.mark.parametrize("value,verdict", [(0.5, "supported"), (-0.2, "not supported"),
                                           (None, "inconclusive"), ("nan", "inconclusive")])
def test_pearson_r_in_range_is_judged(tmp_path, value, verdict):
    paper_like(tmp_path)
    edit_json(tmp_path / LM / "fit.json", lambda d: d["correlation"].update(pearson_r=value))
    assert verdicts(tmp_path)["lm-correlation"] == verdict


@pytest.mark.parametrize("value", [5, -1.5, "0.5", True, "inf", [0.5]])
def test_pearson_r_out_of_range_is_refused(tmp_path, capsys, value):
    """Today's bug: pearson_r = 5 marked the claims "supported"."""
    paper_like(tmp_path)
    (tmp_path / "claims.json").write_text("{\"previous\": true}")  # must stay as it was
    edit_json(tmp_path / LM / "fit.json", lambda d: d["correlation"].update(pearson_r=value))
    err = refusal(tmp_path, capsys)
    assert f"{tmp_path / LM / 'fit.json'}: field correlation.pearson_r" in err


@pytest.mark.parametrize("change,field", [
    (lambda d: d.update(envelope=[]), "field envelope"),
    (lambda d: d.pop("envelope"), "field envelope"),
    (lambda d: d["envelope"][0].update(L0=-1.0), "field envelope[0].L0"),
    (lambda d: d["envelope"][1].update(quantile=1.0), "field envelope[1].quantile"),
    (lambda d: d["envelope"][0].update(ci_L1=[3.0, 1.0]), "field envelope[0].ci_L1"),
    (lambda d: d["regression"].update(L1="big"), "field regression.L1"),
    (lambda d: d["correlation"].update(n_used=2.5), "field correlation.n_used"),
    (lambda d: d["correlation"].update(n_used=99), "stale"),
    (lambda d: d["correlation"].update(pearson_p=1.5), "field correlation.pearson_p"),
    (lambda d: d.update(schema="other/1"), "field schema"),
    (lambda d: d.update(status="done"), "field status"),
])
def test_malformed_fit_json_is_refused(tmp_path, capsys, change, field):
    paper_like(tmp_path)
    edit_json(tmp_path / LM / "fit.json", change)
    err = refusal(tmp_path, capsys)
    assert str(tmp_path / LM / "fit.json") in err and field in err


@pytest.mark.parametrize("name", ["fit.json", "config.json"])
@pytest.mark.parametrize("damage", [lambda t: t[: len(t) // 2], lambda t: "NaN",
                                    lambda t: t.replace("1.0", "NaN", 1), lambda t: "[1, 2]"])
def test_corrupt_json_is_refused_not_inconclusive(tmp_path, capsys, name, damage):
    paper_like(tmp_path)
    path = tmp_path / LM / name
    path.write_text(damage(path.read_text()))
    err = refusal(tmp_path, capsys)
    assert str(path) in err


def test_envelope_is_picked_by_quantile_value_not_position(tmp_path):
    paper_like(tmp_path)
    edit_json(tmp_path / LM / "fit.json", lambda d: d.update(envelope=d["envelope"][::-1]))
    run = next(r for r in claims_file(tmp_path)["runs"] if r["name"] == LM)
    assert (run["L0"], run["L1"], run["ci_L1"]) == (1.0, 2.0, [1.0, 3.0])  # the q = 1 entry
    edit_json(tmp_path / LM / "fit.json", lambda d: d.update(envelope=d["envelope"][:1]))
    run = next(r for r in claims_file(tmp_path)["runs"] if r["name"] == LM)
    assert run["L0"] is None and run["L1"] is None  # only q = 0.9 left: no envelope constants


def test_another_runs_files_in_a_folder_are_refused(tmp_path, capsys):
    """Today's bug: ResNet results copied into an LSTM folder flipped a verdict."""
    paper_like(tmp_path)
    for name in ("config.json", "fit.json", "metrics.csv", "epochs.csv"):
        shutil.copy(tmp_path / "resnet20_sgdmom" / name, tmp_path / LM / name)
    err = refusal(tmp_path, capsys)
    assert f"{tmp_path / LM / 'config.json'}: field config.run" in err and "wrong folder" in err


def test_another_models_epochs_or_metrics_are_refused(tmp_path, capsys):
    paper_like(tmp_path)
    shutil.copy(tmp_path / "resnet20_sgdmom" / "epochs.csv", tmp_path / LM / "epochs.csv")
    assert "another model's epochs" in refusal(tmp_path, capsys)
    paper_like(tmp_path / "b")
    write_metrics(tmp_path / "b" / LM, 0.85, 186)  # 186 rows, config.json says 100 steps
    edit_json(tmp_path / "b" / LM / "fit.json", lambda d: d["correlation"].update(n_used=186))
    edit_json(tmp_path / "b" / LM / "fit.json", lambda d: d.update(n=186))
    assert "not this run's" in refusal(tmp_path / "b", capsys)


@pytest.mark.parametrize("name,damage,what", [
    ("epochs.csv", lambda t: t[:-3], "truncated (no line end)"),
    ("epochs.csv", lambda t: t.replace("5.0", "five", 1), "column train_loss = 'five'"),
    ("epochs.csv", lambda t: "epoch,lr\r\n0,1\r\n", "header"),
    ("metrics.csv", lambda t: t[:-5], "truncated (no line end)"),
    ("metrics.csv", lambda t: t.replace("\r\n5,0,", "\r\n3,0,", 1), "does not increase"),
    ("metrics.csv", lambda t: t.replace(",1.0,5.0,", ",1.0,,", 1), "a diverged step"),
])
def test_damaged_csv_is_refused_naming_file_and_line(tmp_path, capsys, name, damage, what):
    paper_like(tmp_path)
    path = tmp_path / LM / name
    with open(path, newline="") as handle:  # keep the writer's CRLF line ends
        text = handle.read()
    assert damage(text) != text
    path.write_text(damage(text), newline="")
    err = refusal(tmp_path, capsys)
    assert str(path) in err and what in err and ("line" in err or "header" in err)


def test_config_status_and_steps_are_checked(tmp_path, capsys):
    paper_like(tmp_path)
    edit_json(tmp_path / LM / "config.json", lambda d: d.update(status="complete"))
    assert "field status" in refusal(tmp_path, capsys)
    edit_json(tmp_path / LM / "config.json", lambda d: d.update(status="finished", steps=-3))
    assert "field steps" in refusal(tmp_path, capsys)
    edit_json(tmp_path / LM / "config.json", lambda d: d.update(steps=100, dataset="cifar10"))
    assert "field dataset" in refusal(tmp_path, capsys)


def test_missing_files_are_inconclusive_not_refused(tmp_path):
    paper_like(tmp_path)
    (tmp_path / LM / "fit.json").unlink()
    (tmp_path / "resnet20_sgdmom" / "epochs.csv").unlink()
    v = verdicts(tmp_path)
    assert v["lm-correlation"] == "inconclusive" and v["image-acc-match"] == "inconclusive"
    assert v["clip-fastest-train"] == "inconclusive"


def test_insufficient_fit_is_inconclusive(tmp_path):
    paper_like(tmp_path)
    (tmp_path / LM / "fit.json").write_text(json.dumps({
        "schema": "l0l1-fit/1", "status": "insufficient", "reason": "too few", "n": 0}))
    assert verdicts(tmp_path)["lm-correlation"] == "inconclusive"
