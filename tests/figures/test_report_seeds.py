"""The report of a seed sweep (``python -m figures.report --sweep``) and the seeds behind every
claim: claims.json ``l0l1-claims/2`` says per claim how many seeds and steps it rests on (shown
as "3 seeds" / "single seed" and the steps), per setting its statistics across seeds (a table
when a setting has 2 seeds or more); an ``l0l1-claims/1`` file is "single seed" with the steps
of its runs. Text from the file is escaped; malformed /2 fields are refused naming the field.

:func:`sweep_claims` writes claims.json in the shape nn_checks.claims / claims_seeds write it;
one test feeds the real ``nn_checks claims`` a sweep tree made of the producers' runs."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from figures import schemas
from figures.markup import number, text
from figures.readers import InputError
from figures.report import build, main
from figures.report_seeds import claim_basis
from test_figures import write_results
from test_figures_malformed import write_report_inputs
from test_figures_seeds import SWEEP, write_sweep
from test_report import SIX, claim_run, write
from test_report_escaping import HOSTILE, Page

pytest_plugins = ["producers"]  # the producers' tree: fixtures produced, produced_copy

ROOT = Path(__file__).resolve().parents[2]
STATS = schemas.SEED_STATS


def stat(values: list) -> dict:
    """One ``settings[].stats`` entry (mean, sd over the non-null values; an interval)."""
    x = np.array([v for v in values if v is not None], dtype=float)
    out = {"values": values, "n": int(x.size), "mean": None, "sd": None, "ci_low": None,
           "ci_high": None, "level": 0.95}
    if x.size:
        out["mean"] = float(x.mean())
    if x.size >= 2:
        sd = float(x.std(ddof=1))
        out.update(sd=sd, ci_low=out["mean"] - 3 * sd, ci_high=out["mean"] + 3 * sd)
    return out


PEARSON = {("lstm_lr30clip0.25", 0): 0.5, ("lstm_lr30clip0.25", 1): None,
           ("lstm_lr30clip0.25", 2): 0.7, ("resnet20_sgdmom", 0): 0.2,
           ("resnet20_sgdmom", 1): 0.3}


def sweep_claims(sweep: dict = SWEEP, say=lambda field, default: default) -> dict:
    """claims.json /2 of a sweep: a row per (setting, seed), absent settings as one row each,
    the settings across seeds, four claims (across 3 seeds, single seed, across 0 seeds with no
    steps, across 2 seeds with a nested measured); ``say`` may replace free text."""
    runs, settings = [], []
    for name in SIX:
        if name not in sweep:
            runs.append(claim_run(name, setting=name, seed=None, folder=name))
            continue
        rows = [claim_run(name, present=True, status="finished", steps=40 - 2 * s, seed=s,
                          setting=name, folder=say("folder", f"{name}/seed{s}"),
                          dataset="ptb" if "lstm" in name else "fashion-mnist",
                          pearson_r=PEARSON.get((name, s), 0.4), L0=0.1 * (s + 1), L1=1.5 + s,
                          wall_seconds=10.0 + s) for s in sweep[name]]
        runs += rows
        settings.append({"name": name, "seeds": list(sweep[name]), "n_seeds": len(rows),
                         "steps": [r["steps"] for r in rows],
                         "statuses": [r["status"] for r in rows],
                         "stats": {k: stat([r[k] for r in rows]) for k in STATS}})
    lm, img = "lstm_lr30clip0.25", "resnet20_sgdmom"
    claims = [
        {"id": "lm-correlation", "claim": "LM smoothness correlates", "criterion": "lower > 0",
         "measured": {"seeds": [0, 2], "r": [0.5, 0.7], "mean_r": 0.6, "lower": 0.1, "k": 2,
                      "left_out": [1]}, "verdict": "supported", "seeds": 3, "steps": [36, 40],
         "settings": [say("settings", lm)], "aggregation": say("aggregation", "across 3 seeds")},
        {"id": "image-acc-match", "claim": "accuracy matches", "criterion": "diff >= -0.02",
         "measured": {"diff": 0.01}, "verdict": "not supported", "seeds": 1, "steps": [40, 40],
         "settings": [img], "aggregation": "single seed"},
        {"id": "lm-best-val", "claim": "best validation loss", "criterion": "lowest",
         "measured": {"seeds": [], "left_out": [0, 1, 2]}, "verdict": "inconclusive",
         "seeds": 0, "steps": None, "settings": [lm, "lstm_lr2noclip"],
         "aggregation": "across 0 seeds"},
        {"id": "clipped-correlation", "claim": "clipped runs correlate", "criterion": "both",
         "measured": {"lm": {"r": [0.5, 0.7], "lower": 0.1}, "image": {"r": [0.2, 0.3],
                                                                       "lower": None}},
         "verdict": "inconclusive", "seeds": 2, "steps": [38, 40], "settings": [lm, img],
         "aggregation": "across 2 seeds"}]
    return {"schema": "l0l1-claims/2", "alpha": 0.01, "runs": runs, "settings": settings,
            "claims": claims}


@pytest.fixture
def sweep_report(tmp_path):
    """A sweep tree with its claims.json, a figure drawn, and the report of it (--sweep)."""
    root = tmp_path / "results"
    nn = write_sweep(root)
    write(nn / "claims.json", sweep_claims())
    write(root / "figures-sweep" / "fig1_lm_smoothness.png", "png")
    assert main(["--results", str(root), "--sweep"]) == 0
    return root, (root / "report-sweep.md").read_text()


def row_of(md: str, claim: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {claim} |"))


def test_every_claim_says_its_seeds_and_steps(sweep_report):
    root, md = sweep_report
    assert md.startswith("# l0l1-workbench report (preset `cpu`, seed sweep)\n")
    lm = r"lstm\_lr30clip0.25"
    assert row_of(md, "LM smoothness correlates").endswith(
        f"| 3 seeds; 36–40 steps; {lm} | **supported** |")
    assert "left\\_out = [1]" in row_of(md, "LM smoothness correlates")
    assert row_of(md, "accuracy matches").endswith(
        r"| single seed; 40 steps; resnet20\_sgdmom | **not supported** |")
    assert row_of(md, "best validation loss").endswith(
        rf"| 0 seeds; steps not recorded; {lm}, lstm\_lr2noclip | **inconclusive** |")
    assert "lm.r = [0.5, 0.7], lm.lower = 0.1, image.r = [0.2, 0.3], image.lower = –" in \
        row_of(md, "clipped runs correlate")
    assert "Seed sweep: 5 run folders, 2–3 seeds per setting (2 settings with runs)." in md
    assert f"| {lm}/seed1 | ptb | finished | 38 |" in md  # a row per seed folder
    assert "![fig1_lm_smoothness](figures-sweep/fig1_lm_smoothness.png)" in md
    assert "*missing: `" + str(root / "figures-sweep" / "fig4_training_curves.png") + \
        "` (run `make sweep`)*" in md
    assert "*missing: `" + str(root / "figures-sweep" / "fig8_frontiers.png") + \
        "` (run `python -m figures --sweep --only fig8`)*" in md
    assert ("Missing runs (4, no config.json under `nn_checks/cpu-sweep`): `lstm_lr2noclip`, "
            "`lstm_lr2clip0.25`, `resnet20_lr1noclip`, `resnet20_lr5clip0.25`; run `make sweep`"
            " to train them.") in md
    assert rf"| nn_checks {lm}/seed2 — no env.json |" in md
    assert (root / "report-sweep.html").exists() and not (root / "report.md").exists()


def test_the_settings_table_across_seeds(sweep_report):
    _, md = sweep_report
    table = md.split("## Each setting across its seeds")[1].split("## Figures")[0]
    doc = sweep_claims()
    for entry in doc["settings"]:
        cells = [rf"{text(entry['name'])}", f"{entry['n_seeds']} ("
                 + ", ".join(str(s) for s in entry["seeds"]) + ")"]
        for key in ("pearson_r", "L0", "L1"):
            s = entry["stats"][key]
            spread = f"{number(s['mean'])} ± {number(s['sd'])}"
            cells += [spread + (f" (n = {s['n']})" if s["n"] < entry["n_seeds"] else ""),
                      f"[{number(s['ci_low'])}, {number(s['ci_high'])}]"]
        assert "| " + " | ".join(cells) + " |" in table, cells
    assert "| 0.6 ± 0.141 (n = 2) |" in table  # Pearson r of seeds 0 and 2 (seed 1 unfitted)
    assert "95% interval" in table


def test_one_seed_per_setting_is_single_seed_and_has_no_table(tmp_path):
    """claims.json /1 (hand-written, steps 40): "single seed; 40 steps"; negative control of the
    table: /2 with one seed per setting has none."""
    root = write_results(tmp_path / "results")
    write_report_inputs(root)
    md = build(root)
    assert "| single seed; 40 steps | **not supported** |" in md
    assert "Each setting across its seeds" not in md and "seed sweep" not in md
    one = sweep_claims({"lstm_lr30clip0.25": (4,)})
    one["claims"][0].update(seeds=1, aggregation="single seed", steps=[32, 32])
    write(root / "nn_checks" / "cpu" / "claims.json", one)
    md = build(root)
    assert "| single seed; 32 steps; lstm\\_lr30clip0.25 | **supported** |" in md
    assert "Each setting across its seeds" not in md


def test_the_real_producers_claims_across_seeds(produced, tmp_path):
    """The producers' runs copied into seed folders (each config recording its seed) and judged
    by the real ``nn_checks claims``: the report says per claim what the file says."""
    runs = [r for r in produced.runs() if r.name in ("lstm_lr30clip0.25", "resnet20_sgdmom")]
    root = tmp_path / "results"
    nn = root / "nn_checks" / f"{produced.preset}-sweep"
    for run in runs:
        for seed in (0, 1, 2):
            folder = nn / run.name / f"seed{seed}"
            shutil.copytree(run, folder, ignore=shutil.ignore_patterns(".lock"))
            config = json.loads((folder / "config.json").read_text())
            config["seed"] = seed
            config["config"]["seed"] = seed
            (folder / "config.json").write_text(json.dumps(config))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "nn_checks", "claims", str(nn)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    claims = schemas.claims(nn / "claims.json")
    assert claims["schema"] == "l0l1-claims/2"
    assert {s["name"]: s["n_seeds"] for s in claims["settings"]} == {r.name: 3 for r in runs}
    assert main(["--results", str(root), "--preset", produced.preset, "--sweep"]) == 0
    md = (root / f"report-{produced.preset}-sweep.md").read_text()
    for claim in claims["claims"]:
        cell = claim_basis(claim, claims)
        assert f"| {cell} | **{claim['verdict']}** |" in md
        k = claim["seeds"]
        assert cell.startswith("single seed" if claim["aggregation"] == "single seed" else
                               f"{k} seed")
    assert "## Each setting across its seeds" in md and "| 3 (0, 1, 2) |" in md


def test_hostile_text_of_the_sweep_is_shown_literally(tmp_path):
    """Hostile setting names in a claim, aggregation and run folder text: the page has the
    element structure of the benign page and shows each text literally."""
    pages = {}
    for kind in ("hostile", "benign"):
        root = tmp_path / kind
        used = iter(HOSTILE)
        say = (lambda field, default: f"{field}: {next(used)}") if kind == "hostile" else \
            (lambda field, default: default)
        write(write_sweep(root) / "claims.json", sweep_claims(say=say))
        assert main(["--results", str(root), "--sweep"]) == 0
        md, html = (root / "report-sweep.md").read_text(), (root / "report-sweep.html").read_text()
        pages[kind] = (md, Page(html), html)
    md, page, html = pages["hostile"]
    assert page.structure == pages["benign"][1].structure
    from figures.layout import plain

    for payload in HOSTILE[:7]:  # the folders (5 rows), the settings, the aggregation
        assert plain(payload) in page.visible(), payload
    assert "<script>" not in html and "<img src=x" not in html and "<script>" not in md


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["settings"][0]["stats"]["pearson_r"].update(values=[0.5]),
     "settings[0].stats.pearson_r.values has 1 entries, expected 3"),
    (lambda d: d["settings"][0]["stats"]["pearson_r"].update(values=[0.5, 2.0, 0.7]),
     "settings[0].stats.pearson_r.values[1] is 2.0, outside [-1, 1]"),
    (lambda d: d["settings"][0].update(name="<b>x</b>"),
     "settings[0].name is '<b>x</b>', not one of"),
    (lambda d: d["settings"][1].update(name="lstm_lr30clip0.25"),
     "settings[1].name repeats lstm_lr30clip0.25"),
    (lambda d: d["claims"][0].update(steps=[40, 36]), "claims[0].steps is [40, 36], not [min"),
    (lambda d: d["claims"][0].update(seeds="3"), "claims[0].seeds is not an integer"),
    (lambda d: d["claims"][3]["measured"]["lm"].update(r="high"),
     "claims[3].measured.lm.r is not a number"),
    (lambda d: d["runs"][2].update(seed=0), "runs[2].name repeats lstm_lr30clip0.25 seed 0"),
    (lambda d: d["runs"][0].update(setting="resnet20_sgdmom"),
     "runs[0].setting is resnet20_sgdmom but the row's name is lstm_lr30clip0.25"),
    (lambda d: d.pop("settings"), "settings is not a list"),
])
def test_a_malformed_seed_field_is_refused_naming_it(tmp_path, capsys, edit, message):
    root = tmp_path / "results"
    nn = write_sweep(root)
    doc = sweep_claims()
    assert schemas.claims(write_doc(nn / "claims.json", doc))  # accepted as written
    edit(doc)
    path = write_doc(nn / "claims.json", doc)
    with pytest.raises(InputError, match="^" + re.escape(f"{path}: {message}")):
        schemas.claims(path)
    assert main(["--results", str(root), "--sweep"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"figures.report: error: {path}: {message}") and err.count("\n") == 1
    assert not (root / "report-sweep.md").exists()


def write_doc(path: Path, doc: dict) -> Path:
    write(path, doc)
    return path
