"""results/report.{md,html} from result files: every section reads its file, missing inputs are
named (never invented), and bad input is one line with exit 2."""
from __future__ import annotations

import json

from figures.report import figure_captions, main


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


def fixture(root):
    check = root / "synthetic" / "check"
    write(check / "summary.json", {"schema": "l0l1-check-summary/1", "rows": [
        {"check": "thm4", "theorem": "Thm 4", "mark": "reconstructed", "records": 3, "pass": 2,
         "fail": 1, "inconclusive": 0, "shape-only": 0, "ratio_min": 0.88, "ratio_max": 12.5}],
        "fails": [{"check_id": "thm4/x/h=0.05", "theorem": "Thm 4", "measured": 8929.0,
                   "bound": 10147.3, "notes": "below the bound"}]})
    write(check / "config.json", {"seconds": {"thm4": 7.25}})
    write(check / "env.json", {"platform": "Linux-test", "cpu_count": 2, "python": "3.11",
                               "git_revision": "abc123"})
    write(root / "theory" / "catalogue" / "records.jsonl",
          "\n".join(json.dumps({"verdict": v}) for v in ("pass", "pass", "fail")) + "\n")
    run = {"name": "lstm_lr30clip0.25", "status": "finished", "steps": 150, "L0": 0.8,
           "L1": 0.92, "ci_L0": [0.0, 1.2], "ci_L1": [0.14, 3.4], "reg_L0": 0.05, "reg_L1": 0.27,
           "pearson_r": 0.885, "spearman_rho": 0.76, "final_train_loss": 6.4,
           "final_val_loss": 6.3, "final_test_acc": None, "wall_seconds": 300.0}
    write(root / "nn_checks" / "cpu" / "claims.json", {"runs": [run], "claims": [
        {"id": "lm-correlation", "claim": "smoothness correlates", "criterion": "r > 0",
         "measured": {"r": 0.885}, "verdict": "supported"}]})
    write(root / "figures" / "fig1_lm_smoothness.png", "not really a png")


def test_report_formats_what_the_files_say(tmp_path, capsys):
    fixture(tmp_path)
    assert main(["--results", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    assert "| thm4 | Thm 4 | reconstructed | 3 | 2 | 1 |" in md
    assert "- Theorem checks: 3 records, 2 pass, 1 fail (`thm4/x/h=0.05`)" in md
    assert "- The paper's claims supported: lm-correlation." in md
    assert "**FAIL** `thm4/x/h=0.05`: measured 8929 vs bound 10147.3" in md
    assert "**supported**" in md and "0.885" in md and "[0.14, 3.4]" in md
    assert "3 declared classes, constants and minima verified, 1 failed" in md
    assert "![fig1_lm_smoothness](figures/fig1_lm_smoothness.png)" in md
    captions = figure_captions()
    assert len(captions) == 8 and captions["fig1_lm_smoothness"].startswith("Paper Fig 1:")
    assert f"**fig1_lm_smoothness** — {captions['fig1_lm_smoothness']}" in md
    for name in set(captions) - {"fig1_lm_smoothness"}:  # absent: said, not drawn
        assert f"*missing: {tmp_path / 'figures' / name}.png (run `make figures`)*" in md
    assert "synthetic check thm4 | 7.2" in md and "Sum of the timed steps: 5.1 min" in md
    page = (tmp_path / "report.html").read_text()
    assert page.count("<table>") == 4 and '<img alt="fig1_lm_smoothness"' in page


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
    assert err.startswith("figures.report: error: unreadable result file") and "\n" not in err
    (tmp_path / "synthetic" / "check" / "summary.json").write_text("[1, 2]")  # not an object
    assert main(["--results", str(tmp_path)]) == 2


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
    import pytest
    with pytest.raises(SystemExit) as exit_info:
        main(["--no-such-option"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("figures.report: error:") and "\n" not in err
