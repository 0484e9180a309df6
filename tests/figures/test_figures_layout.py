"""One layout for ``python -m figures``, ``python -m figures.report`` and the Makefile; the quick
check on request, said where it is read; missing runs and the recorded hardware named in the
report; ``--version`` and ``--help`` on both commands. The result trees are the real producers'
(tests/producers.py), changed where a test needs it (an env.json with GPU fields, a run still
running, a check folder renamed)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from figures import style
from figures.__main__ import FIGURES
from figures.__main__ import main as figures_main
from figures.report import main as report_main
from test_figures import all_runs, spy_save, texts
from test_report import env, write

pytest_plugins = ["producers"]  # the producers' tree: fixtures produced, produced_copy

ROOT = Path(__file__).resolve().parents[2]


def make_variables(*names, **assign):
    """Values of Makefile variables, as make computes them."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "--eval",
                          "print-%: ; @echo $($*)", *[f"print-{n}" for n in names],
                          *[f"{k}={v}" for k, v in assign.items()]],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.split()


@pytest.mark.parametrize("preset", style.PRESETS)
def test_figures_report_and_makefile_agree_on_every_folder(preset):
    where = style.layout("r", preset)
    fig_dir, report, check_dir, nn_dir = make_variables(
        "FIG_DIR", "REPORT", "CHECK_DIR", "NN_DIR", PRESET=preset, RESULTS="r")
    assert str(where.figures) == fig_dir and f"{where.report}.html" == report
    assert str(where.check) == check_dir and str(where.nn) == nn_dir
    assert where.make_nn == ("make nn" if preset == "cpu" else f"make nn PRESET={preset}")


def test_the_presets_are_those_of_nn_checks():
    from nn_checks.config import PRESETS

    assert tuple(style.PRESETS) == tuple(PRESETS["lstm"]) == tuple(PRESETS["resnet20"])


def test_a_preset_draws_into_and_is_reported_from_the_same_folder(produced_copy, capsys):
    """Negative control of the old mismatch: figures wrote figures/, the report read
    figures-paper/."""
    root = produced_copy.root
    assert figures_main(["--results", str(root), "--preset", "paper", "--only", "fig7"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(root / "figures-paper" / f"fig7_separation.{e}")
                       for e in ("png", "pdf")]
    assert not (root / "figures").exists()
    assert report_main(["--results", str(root), "--preset", "paper"]) == 0
    md = style.layout(root, "paper").report.with_suffix(".md").read_text()  # report-paper
    assert "![fig7_separation](figures-paper/fig7_separation.png)" in md
    assert "*missing: `" + str(root / "figures-paper" / "fig1_lm_smoothness.png") in md
    assert "run `make figures PRESET=paper`" in md and not (root / "report.md").exists()


def quick_tree(produced_copy):
    """A results tree whose only check is the quick one (the producers' check is quick)."""
    root = produced_copy.root
    (root / "synthetic" / "check").rename(root / "synthetic" / "check-quick")
    return root


@pytest.mark.parametrize("option", [["--check", "check-quick"], ["--check-dir", "{q}"]])
def test_figures_6_7_9_10_read_the_quick_check_and_say_so(produced_copy, tmp_path, monkeypatch,
                                                          capsys, option):
    root = quick_tree(produced_copy)
    argv = ["--results", str(root), "--only", "fig6,fig7,fig9,fig10", "--out",
            str(tmp_path / "o")]
    assert figures_main(argv) == 2  # the default check is missing: one line per figure
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and all("run `make synthetic-check`" in line for line in err)
    figs = spy_save(monkeypatch)
    quick = str(root / "synthetic" / "check-quick")
    assert figures_main(argv + [a.format(q=quick) for a in option]) == 0
    shown = texts(figs)
    assert sum("(records of synthetic/check-quick)" in t for t in shown) == 3, shown
    assert sum("(summary of synthetic/check-quick)" in t for t in shown) == 1, shown


def test_the_report_names_the_check_it_read(produced_copy):
    root = quick_tree(produced_copy)
    assert report_main(["--results", str(root)]) == 0
    md = (root / "report.md").read_text()
    assert "*missing: `" + str(root / "synthetic" / "check" / "summary.json") + \
        "` (run `make synthetic-check`)*" in md
    assert report_main(["--results", str(root), "--check", "check-quick"]) == 0
    md = (root / "report.md").read_text()
    assert "Read from `synthetic/check-quick` (quick sizes: a smoke test of every check, not " \
           "the full check; written by `make synthetic-quick`)" in md
    summary = json.loads((root / "synthetic" / "check-quick" / "summary.json").read_text())
    total = sum(row["records"] for row in summary["rows"])
    assert f"- Theorem checks (`synthetic/check-quick`): {total} records" in md
    config = root / "synthetic" / "check-quick" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "quick": False}))
    assert report_main(["--results", str(root), "--check", "check-quick"]) == 0
    assert "Read from `synthetic/check-quick` (full sizes; written by `make synthetic-quick`)" \
        in (root / "report.md").read_text()


def test_the_report_names_missing_and_unfinished_runs(produced_copy):
    root, preset = all_runs(produced_copy).root, produced_copy.preset
    nn = root / "nn_checks" / preset
    for name in ("lstm_lr2noclip", "lstm_lr2clip0.25", "resnet20_lr1noclip",
                 "resnet20_lr5clip0.25"):
        (nn / name / "config.json").unlink()
    config = nn / "resnet20_sgdmom" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "status": "running"}))
    assert report_main(["--results", str(root), "--preset", preset]) == 0
    md = (root / f"report-{preset}.md").read_text()
    assert (f"Missing runs (4 of 6, no config.json under `nn_checks/{preset}`): "
            "`lstm_lr2noclip`, `lstm_lr2clip0.25`, `resnet20_lr1noclip`, "
            f"`resnet20_lr5clip0.25`; run `make nn PRESET={preset}` to train them.") in md
    assert f"Unfinished runs (status running): `resnet20_sgdmom`; rerun `make nn PRESET={preset}`" \
        in md


def test_the_report_shows_the_recorded_hardware_and_never_a_question_mark(produced_copy):
    """Hand-written env.json files (content no CPU producer writes): one lacking most fields,
    one with every GPU field."""
    root, preset = produced_copy.root, produced_copy.preset
    (root / "synthetic" / "check" / "env.json").write_text(json.dumps({"python": "3.11.2"}))
    run = root / "nn_checks" / preset / "resnet20_sgdmom"
    write(run / "env.json", env(device="cuda:0", gpu_name="NVIDIA H200", cuda="12.4",
                                processor="Intel(R) Xeon(R) Platinum 8480C",
                                cudnn=90100, tf32={"matmul": False, "cudnn": False},
                                threads=16, packages={"torch": "2.5.0"}))
    assert report_main(["--results", str(root), "--preset", preset]) == 0
    md = (root / f"report-{preset}.md").read_text()
    hardware = md.split("Hardware and software")[1]
    assert "| synthetic check (synthetic/check) | not recorded | not recorded | not recorded " \
           "| not recorded | 3.11.2 | not recorded | not recorded | not recorded | not recorded " \
           "|" in hardware
    assert ("| Intel(R) Xeon(R) Platinum 8480C | 2 | 3.11.2 | torch 2.5.0 | cuda:0 (GPU NVIDIA "
            "H200; CUDA 12.4; cuDNN 90100; TF32 matmul off, cudnn off; threads 16) |") in hardware
    assert "?" not in hardware


def test_no_producer_at_all_is_said_not_guessed(tmp_path):
    (tmp_path / "empty").mkdir()
    assert report_main(["--results", str(tmp_path / "empty")]) == 0
    md = (tmp_path / "empty" / "report.md").read_text()
    assert "Hardware: not recorded (no producer's folder under" in md and "?" not in md
    assert "Missing runs (6 of 6" in md


@pytest.mark.parametrize("main, prog", [(figures_main, "python -m figures"),
                                        (report_main, "python -m figures.report")])
def test_version_and_help(main, prog, capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith(f"{prog} (l0l1-workbench ")
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    for word in ("smoke, cpu, long, paper", "(default: cpu)", "(default: results)", "check-quick",
                 "nn_checks/<preset>/", "figures-<preset>", "exit codes: 0", "--check-dir",
                 "(default: check)", "--sweep", "nn_checks/<preset>-sweep/", "figures-sweep/",
                 "figures-<preset>-sweep/", "make sweep", "seed<S>/"):
        assert word in shown, word
    written = "report-sweep.* or report-<preset>-sweep.*" if "report" in prog else \
        "with --sweep figures-sweep/ (cpu) or"
    assert written in " ".join(shown.split()), written


def test_figure_text_from_files_is_drawn_literally(produced_copy, capsys):
    """A data set name with TeX and markup is drawn as written (no mathtext error)."""
    root, preset = produced_copy.root, produced_copy.preset
    config = style.run_dir(root, preset, "resnet20", "sgdmom") / "config.json"
    name = r"$\frac{1}{$ <b>x</b>" + "\nline"
    config.write_text(json.dumps({**json.loads(config.read_text()), "dataset": name}))
    assert figures_main(["--results", str(root), "--preset", preset, "--only", "fig3"]) == 0
    assert len(capsys.readouterr().out.split()) == 2
    assert style.dataset_of([config.parent]) == style.plain(name)
    import io

    import matplotlib.pyplot as plt

    fig = plt.figure()  # negative control: the same title as mathtext cannot be drawn
    fig.suptitle(name)
    with pytest.raises(ValueError):
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    assert set(FIGURES) == {f"fig{i}" for i in range(1, 11)}
