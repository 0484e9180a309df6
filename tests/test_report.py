"""results/report.{md,html} from result files: every section reads its file, missing inputs are
named (never invented), and bad input is one line with exit 2."""
from __future__ import annotations

import json

from figures.report import figure_captions, main


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


RUN_FIELDS = ("L0", "L1", "ci_L0", "ci_L1", "reg_L0", "reg_L1", "pearson_r", "spearman_rho", "n",
              "n_eff", "p_one_sided", "final_train_loss", "final_val_loss", "final_test_acc")
SIX = ["lstm_lr30clip0.25", "lstm_lr2noclip", "lstm_lr2clip0.25", "resnet20_sgdmom",
       "resnet20_lr1noclip", "resnet20_lr5clip0.25"]


def env(**extra):
    """env.json as plumbing.provenance.environment_info writes it."""
    return {"python": "3.11.2", "platform": "Linux-test", "machine": "x86_64", "cpu_count": 2,
            "packages": {"numpy": "2.1.0", "scipy": "1.14.0"}, "device": "cpu", "seed": None,
            "git_revision": "abc123", "created_utc": "2025-01-01T00:00:00+00:00", **extra}


def claim_run(name, **values):
    """One claims.json run row as nn_checks.claims.run_summary writes it (absent: null)."""
    row = {"name": name, "present": False, "status": None, "steps": None, "dataset": None,
           "wall_seconds": None, **{k: None for k in RUN_FIELDS}}
    return {**row, **values}


def fixture(root):
    """The files of every producer the report reads, in the shape the producers write them."""
    check = root / "synthetic" / "check"
    write(check / "summary.json", {"schema": "l0l1-check-summary/1", "rows": [
        {"check": "thm4", "theorem": "Thm 4", "mark": "reconstructed", "records": 3, "pass": 2,
         "fail": 1, "inconclusive": 0, "shape-only": 0, "ratio_min": 0.88, "ratio_max": 12.5}],
        "fails": [{"check_id": "thm4/x/h=0.05", "theorem": "Thm 4", "measured": 8929.0,
                   "bound": 10147.3, "notes": "below the bound"}]})
    write(check / "config.json", {"command": "check", "quick": False, "checks": ["thm4"],
                                  "configs": {"thm4": {}}, "seconds": {"thm4": 7.25}})
    write(check / "env.json", env())
    write(root / "theory" / "catalogue" / "records.jsonl", "\n".join(json.dumps(
        {"check_id": f"catalogue/f{i}/frontier", "theorem": "Definition 1", "mark": "paper",
         "params": {}, "measured": 1.0, "bound": 1.0, "bound_kind": "tight", "tolerance": 1e-9,
         "verdict": v, "notes": "", "extra": {}}) for i, v in enumerate(("pass", "pass", "fail")))
        + "\n")
    run = claim_run("lstm_lr30clip0.25", present=True, status="finished", steps=150, L0=0.8,
                    L1=0.92, ci_L0=[0.0, 1.2], ci_L1=[0.14, 3.4], reg_L0=0.05, reg_L1=0.27,
                    pearson_r=0.885, spearman_rho=0.76, n=150, n_eff=40.2, p_one_sided=1e-9,
                    final_train_loss=6.4, final_val_loss=6.3, wall_seconds=300.0, dataset="ptb")
    runs = [run] + [claim_run(name) for name in SIX[1:]]
    write(root / "nn_checks" / "cpu" / "claims.json", {"schema": "l0l1-claims/1", "alpha": 0.01,
                                                       "runs": runs, "claims": [
        {"id": "lm-correlation", "claim": "smoothness correlates", "criterion": "r > 0",
         "measured": {"r": 0.885, "p": 1e-9, "n": 150, "n_eff": 40.2},
         "verdict": "supported"}]})
    folder = root / "nn_checks" / "cpu" / "lstm_lr30clip0.25"
    write(folder / "config.json", {"config": {"model": "lstm", "run": "lr30clip0.25",
                                              "preset": "cpu"}, "status": "finished",
                                   "device": "cpu", "dataset": "ptb", "steps": 150,
                                   "batches_per_epoch": {"0": 75, "1": 75}, "epochs": 2,
                                   "wall_seconds": 300.0, "threads": 2})
    write(folder / "env.json", env(packages={"torch": "2.5.0", "numpy": "2.1.0",
                                             "scipy": "1.14.0"}, seed=1111))
    write(root / "figures" / "fig1_lm_smoothness.png", "not really a png")


def test_report_formats_what_the_files_say(tmp_path, capsys):
    fixture(tmp_path)
    assert main(["--results", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    assert "| thm4 | Thm 4 | reconstructed | 3 | 2 | 1 |" in md
    assert "- Theorem checks (`synthetic/check`): 3 records, 2 pass, 1 fail (`thm4/x/h=0.05`)" \
        in md
    assert "Read from `synthetic/check` (full sizes; written by `make synthetic-check`)." in md
    assert "- The paper's claims supported: lm-correlation." in md
    assert "**FAIL** `thm4/x/h=0.05`: measured 8929 vs bound 10147.3" in md
    assert "**supported**" in md and "0.885" in md and "[0.14, 3.4]" in md
    assert "3 declared classes, constants and minima verified, 1 failed" in md
    assert "![fig1_lm_smoothness](figures/fig1_lm_smoothness.png)" in md
    captions = figure_captions()
    assert len(captions) == 8 and captions["fig1_lm_smoothness"].startswith("Paper Fig 1:")
    assert f"**fig1_lm_smoothness** — {captions['fig1_lm_smoothness']}" in md
    for name in set(captions) - {"fig1_lm_smoothness"}:  # absent: said, not drawn
        assert f"*missing: `{tmp_path / 'figures' / name}.png` (run `make figures`)*" in md
    assert "synthetic check thm4 | 7.2" in md and "Sum of the timed steps: 5.1 min" in md
    page = (tmp_path / "report.html").read_text()
    assert page.count("<table>") == 5 and '<img alt="fig1_lm_smoothness"' in page
    assert "| synthetic check (synthetic/check) | Linux-test | x86\\_64 | 2 | 3.11.2 |" in md
    assert "torch 2.5.0, numpy 2.1.0, scipy 1.14.0 | cpu (threads 2) | `abc123` |" in md
    assert "theory catalogue — no env.json | not recorded |" in md and "?" not in md


def test_report_names_missing_producers(tmp_path):
    (tmp_path / "empty").mkdir()
    assert main(["--results", str(tmp_path / "empty")]) == 0
    md = (tmp_path / "empty" / "report.md").read_text()
    assert "run `make synthetic-check`" in md and "run `make nn`" in md


def test_missing_results_folder_is_one_line_exit_2(tmp_path, capsys):
    assert main(["--results", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("figures.report: error:") and "\n" not in err


def test_corrupt_input_is_one_line_exit_2(tmp_path, capsys):
    fixture(tmp_path)
    (tmp_path / "synthetic" / "check" / "summary.json").write_text("[1, 2")
    assert main(["--results", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    summary = tmp_path / "synthetic" / "check" / "summary.json"
    assert err.startswith(f"figures.report: error: {summary}: not valid JSON") and "\n" not in err
    summary.write_text("[1, 2]")  # not an object
    assert main(["--results", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"figures.report: error: {summary}: expected a JSON "
                                       "object, found a list\n")
    assert not (tmp_path / "report.md").exists() and not (tmp_path / "report.html").exists()


def test_other_presets_get_their_own_report_and_figures(tmp_path):
    fixture(tmp_path)
    (tmp_path / "nn_checks" / "paper").mkdir()
    (tmp_path / "nn_checks" / "cpu" / "claims.json").rename(
        tmp_path / "nn_checks" / "paper" / "claims.json")
    write(tmp_path / "figures-paper" / "fig1_lm_smoothness.png", "x")
    assert main(["--results", str(tmp_path), "--preset", "paper"]) == 0
    md = (tmp_path / "report-paper.md").read_text()
    assert "![fig1_lm_smoothness](figures-paper/fig1_lm_smoothness.png)" in md
    assert "`paper` preset" in md and not (tmp_path / "report.md").exists()


def test_bad_argument_is_one_line(capsys):
    assert main(["--no-such-option"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("figures.report: error:") and "\n" not in err
