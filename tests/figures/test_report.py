"""results/report.{md,html} from result files: every section reads its file, missing inputs are
named (never invented), and bad input is one line with exit 2.

The report is built from the real producers' output (tests/producers.py). The helpers below
(:func:`env`, :func:`claim_run`) write files in the producers' shapes for the tests that need
specific content: hostile text (tests/figures/test_report_escaping.py), damaged files
(tests/figures/test_figures_malformed.py), GPU fields no CPU run records
(tests/figures/test_figures_layout.py).
"""
from __future__ import annotations

import json

from figures import schemas
from figures.layout import layout
from figures.markup import number, text
from figures.report import figure_captions, main
pytest_plugins = ["producers"]  # the producers' tree: fixtures produced, produced_copy


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


def test_report_formats_what_the_files_say(produced_copy, capsys):
    """Every number of the report is the producers' file's, formatted (markup.number)."""
    root, preset = produced_copy.root, produced_copy.preset
    assert main(["--results", str(root), "--preset", preset]) == 0
    where = layout(root, preset)
    md = where.report.with_suffix(".md").read_text()
    summary = schemas.summary(where.check / "summary.json")
    totals = {k: sum(r[k] for r in summary["rows"]) for k in ("records", "pass", "fail")}
    fails = ", ".join(f"`{f['check_id']}`" for f in summary["fails"]) or "none"
    assert (f"- Theorem checks (`synthetic/check`): {totals['records']} records, "
            f"{totals['pass']} pass, {totals['fail']} fail ({fails})") in md
    assert "Read from `synthetic/check` (quick sizes: a smoke test of every check, not the " \
           "full check; written by `make synthetic-check`)." in md
    for f in summary["fails"]:
        assert (f"**FAIL** `{f['check_id']}`: measured {number(f['measured'], 6)} vs bound "
                f"{number(f['bound'], 6)}.") in md
    claims = schemas.claims(where.nn / "claims.json")
    for verdict in schemas.CLAIM_VERDICTS:
        ids = [text(c["id"]) for c in claims["claims"] if c["verdict"] == verdict]
        assert (f"- The paper's claims {verdict}: {', '.join(ids)}." in md) == bool(ids)
    for run in claims["runs"]:
        if run["present"]:
            assert f"| {text(run['name'])} | {text(run['dataset'])} | {run['status']} | " \
                   f"{run['steps']} | {number(run['n_eff'])} | {number(run['L0'])} | " \
                   f"[{number(run['ci_L0'][0])}, {number(run['ci_L0'][1])}] |" in md
    captions = figure_captions()
    assert len(captions) == 10 and captions["fig1_lm_smoothness"].startswith("Paper Fig 1:")
    assert list(captions)[-3:] == ["fig8_frontiers", "fig9_tightness", "fig10_thresholds"]
    for name, caption in captions.items():  # none drawn: said, not linked
        assert f"**{name}** — {caption}" in md
        assert f"*missing: `{where.figures / name}.png` (run `make figures PRESET={preset}`)*" \
            in md
    seconds = list(schemas.check_config(where.check / "config.json")["seconds"].values())
    seconds.append(schemas.frontiers_config(root / "theory/frontiers/config.json")
                   ["wall_seconds"])
    seconds += [r["wall_seconds"] for r in claims["runs"] if r["wall_seconds"] is not None]
    assert f"Sum of the timed steps: {sum(seconds) / 60:.1f} min" in md
    page = where.report.with_suffix(".html").read_text()
    assert page.count("<table>") == 5 and "<img" not in page
    env = schemas.env(where.check / "env.json")
    processor = text(env["processor"]) if env.get("processor") else "not recorded"
    assert (f"| synthetic check (synthetic/check) | {text(env['platform'])} | "
            f"{text(env['machine'])} | {processor} | {env['cpu_count']} | "
            f"{text(env['python'])} |") in md
    assert "?" not in md.split("## Runtime and hardware")[1]


def test_report_names_missing_producers(tmp_path):
    (tmp_path / "empty").mkdir()
    assert main(["--results", str(tmp_path / "empty")]) == 0
    md = (tmp_path / "empty" / "report.md").read_text()
    assert "run `make synthetic-check`" in md and "run `make nn`" in md


def test_missing_results_folder_is_one_line_exit_2(tmp_path, capsys):
    assert main(["--results", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("figures.report: error:") and "\n" not in err


def test_corrupt_input_is_one_line_exit_2(produced_copy, capsys):
    root = produced_copy.root
    summary = root / "synthetic" / "check" / "summary.json"
    summary.write_text("[1, 2")
    assert main(["--results", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"figures.report: error: {summary}: not valid JSON") and "\n" not in err
    summary.write_text("[1, 2]")  # not an object
    assert main(["--results", str(root)]) == 2
    assert capsys.readouterr().err == (f"figures.report: error: {summary}: expected a JSON "
                                       "object, found a list\n")
    assert not (root / "report.md").exists() and not (root / "report.html").exists()


def test_other_presets_get_their_own_report_and_figures(produced_copy):
    root, preset = produced_copy.root, produced_copy.preset
    write(root / f"figures-{preset}" / "fig1_lm_smoothness.png", "x")
    assert main(["--results", str(root), "--preset", preset]) == 0
    md = (root / f"report-{preset}.md").read_text()
    assert f"![fig1_lm_smoothness](figures-{preset}/fig1_lm_smoothness.png)" in md
    assert f"`{preset}` preset" in md and not (root / "report.md").exists()
    assert main(["--results", str(root)]) == 0  # the cpu preset: no runs of its own
    md = (root / "report.md").read_text()
    assert "Missing runs (6 of 6, no config.json under `nn_checks/cpu`)" in md
    assert "*missing: `" + str(root / "figures" / "fig1_lm_smoothness.png") in md


def test_bad_argument_is_one_line(capsys):
    assert main(["--no-such-option"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("figures.report: error:") and "\n" not in err
