"""Malformed input to ``python -m figures`` and ``python -m figures.report``: each case is one
damaged result file (or one bad argument) in an otherwise complete result tree, in the shapes
the producers write. Every case must end with exit status 2, exactly one line on stderr naming
the file (and the field) or the option, no traceback, and the whole tree -- the results, the
figures and the report already there -- byte-identical afterwards (nothing written, nothing
created, nothing removed). main() runs in-process: the corpus takes a few seconds.

The tree is hand-written on purpose (test_figures.write_results and write_report_inputs below):
each case damages a known line or value of it and names the message that must follow ("40
rows", "line 20", "add up to 3"), which must not move when a producer's output changes. That
the same files as the producers really write them are accepted is tests/figures/test_contract.py's
part."""
from __future__ import annotations

import errno
import json
import os
import shutil

import pytest

from figures import style
from plumbing import files as plumbing
from figures.__main__ import FIGURES
from figures.__main__ import main as figures_main
from figures.report import build
from figures.report import main as report_main
from hostile import assert_refused, call, snapshot
from test_figures import record, write_results
from test_report import SIX, claim_run, env, write

LSTM, RESNET = "nn_checks/cpu/lstm_lr30clip0.25", "nn_checks/cpu/resnet20_sgdmom"
CHECK = "synthetic/check"


def write_report_inputs(root):
    """What the report reads besides the figures' inputs (written by write_results)."""
    check = root / "synthetic" / "check"
    write(check / "summary.json", {"schema": "l0l1-check-summary/1", "rows": [
        {"check": "thm4", "theorem": "Thm 4", "mark": "reconstructed", "records": 3, "pass": 2,
         "fail": 1, "inconclusive": 0, "shape-only": 0, "ratio_min": 0.88, "ratio_max": 12.5},
        {"check": "thm3", "theorem": "Thm 3", "mark": "reconstructed", "records": 2, "pass": 2,
         "fail": 0, "inconclusive": 0, "shape-only": 0, "ratio_min": 1e-5, "ratio_max": 1e-3,
         "tightness_witness": 0.558, "tightness_analytic": 0.5585, "algorithm": "clipped GD"}],
        "fails": [{"check_id": "thm4/x/h=0.05", "theorem": "Thm 4", "measured": 8929.0,
                   "bound": 10147.3, "notes": "below the bound"}]})
    write(check / "config.json", {"command": "check", "quick": False, "checks": ["thm4"],
                                  "configs": {}, "seconds": {"thm4": 7.25}})
    write(check / "env.json", env())
    write(root / "theory" / "catalogue" / "records.jsonl", json.dumps(record(
        "catalogue/x4/L0@L1=1", "Definition 1", {"L1": 1.0}, 1.0, 1.0, "pass", "tight",
        mark="paper", quantity="frontier")) + "\n")
    write(root / "theory" / "frontiers" / "config.json", {"command": "frontiers",
                                                          "wall_seconds": 12.0})
    runs = [claim_run(name, present=True, status="finished", steps=40, pearson_r=0.5,
                      n_eff=12.0, p_one_sided=0.03, final_test_acc=None if "lstm" in name
                      else 0.4, wall_seconds=12.5) for name in SIX]
    write(root / "nn_checks" / "cpu" / "claims.json", {"schema": "l0l1-claims/1", "alpha": 0.01,
                                                       "runs": runs, "claims": [
        {"id": "lm-correlation", "claim": "smoothness correlates", "criterion": "r > 0",
         "measured": {"r": 0.5, "p": 0.03}, "verdict": "not supported"}]})
    write(root / LSTM / "env.json", env(packages={"torch": "2.5.0"}, seed=1111))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A complete result tree with a figure folder and a report already in it."""
    root = tmp_path_factory.mktemp("pristine") / "results"
    write_results(root)
    write_report_inputs(root)
    (root / "figures").mkdir()
    for name in ("fig1_lm_smoothness.png", "fig6_lower_bound.pdf"):
        (root / "figures" / name).write_bytes(b"an earlier figure " + name.encode())
    (root / "report.md").write_text("# an earlier report\n")
    (root / "report.html").write_text("<p>an earlier report</p>\n")
    where = style.layout(root)  # the tree itself passes every check (else no case means much)
    style.validate(p for module in FIGURES.values() for p in module.inputs(where))
    assert "missing" not in build(root).split("## Figures")[0]
    return root


def edit_json(change):
    def apply(text):
        doc = json.loads(text)
        change(doc)
        return json.dumps(doc)
    return apply


def edit_line(number, change):
    """Change the JSON object on one line of a JSON-lines file."""
    def apply(text):
        lines = text.splitlines()
        doc = json.loads(lines[number])
        change(doc)
        lines[number] = json.dumps(doc)
        return "\n".join(lines) + "\n"
    return apply


def growth(change):
    """Change the rem5/separation-growth record of records.jsonl."""
    return of_quantity("growth", change)


def of_quantity(quantity, change):
    """Change the first record of records.jsonl with this ``quantity``."""
    def apply(text):
        lines = text.splitlines()
        k = next(i for i, line in enumerate(lines) if json.loads(line)["quantity"] == quantity)
        return edit_line(k, change)(text)
    return apply


TWO_D, THRESHOLDS = "line 11: ", "line 12: "  # where write_synthetic puts them


def setter(path, value):
    """doc[a][b]... = value for path "a.b.0.c"."""
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]

    def change(doc):
        for key in keys[:-1]:
            doc = doc[key]
        if value is DELETE:
            del doc[keys[-1]]
        else:
            doc[keys[-1]] = value
    return change


DELETE = object()
F, R, BOTH = ("figures",), ("report",), ("figures", "report")
METRICS_OK = "step,epoch,lr,loss,grad_norm,clipped,update_norm,smoothness,hessian_top_eig," \
    "n_hvps,probe_grad_norm\n"

# (case id, commands, file under results, new content or edit, text the message must hold)
FILES = [
    ("metrics-empty", F, f"{LSTM}/metrics.csv", "", "empty (no header line)"),
    ("metrics-no-loss-column", F, f"{LSTM}/metrics.csv", "step,epoch\n0,0\n",
     "column loss is missing"),
    ("metrics-extra-cell", F, f"{LSTM}/metrics.csv", METRICS_OK + "0,0,1,2,3,0,1,1,,,1,9\n",
     "line 2 has 12 cells"),
    ("metrics-word", F, f"{LSTM}/metrics.csv", METRICS_OK + "0,0,1,abc,3,0,1,1,,,1\n",
     "line 2, column loss: 'abc' is not a number"),
    ("metrics-fractional-step", F, f"{LSTM}/metrics.csv", METRICS_OK + "1.5,0,1,2,3,0,1,1,,,1\n",
     "column step: '1.5' is not a non-negative integer"),
    ("metrics-negative-epoch", F, f"{LSTM}/metrics.csv", METRICS_OK + "0,-1,1,2,3,0,1,1,,,1\n",
     "column epoch"),
    ("metrics-duplicated-steps", F, f"{LSTM}/metrics.csv",
     METRICS_OK + "0,0,1,2,3,0,1,1,,,1\n1,0,1,2,3,0,1,1,,,1\n0,0,1,2,3,0,1,1,,,1\n",
     "line 4: step 0 after 1"),
    ("metrics-empty-step", F, f"{LSTM}/metrics.csv", METRICS_OK + ",0,1,2,3,0,1,1,,,1\n",
     "column step is empty"),
    ("metrics-repeated-column", F, f"{LSTM}/metrics.csv", "step,epoch,loss,loss\n0,0,1,1\n",
     "column 'loss' is repeated"),
    ("metrics-nul", F, f"{LSTM}/metrics.csv", METRICS_OK + "0,0\x00,1\n", "metrics.csv"),
    ("metrics-not-utf8", F, f"{LSTM}/metrics.csv", b"step,epoch,loss\n\xff\xfe,0,1\n",
     "not UTF-8"),
    ("metrics-a-folder", F, f"{LSTM}/metrics.csv", "DIR", "not a regular file"),
    ("metrics-a-fifo", F, f"{LSTM}/metrics.csv", "FIFO", "not a regular file"),
    ("fit-dev-zero", F, f"{LSTM}/fit.json", "/dev/zero", "not a regular file"),
    ("summary-a-folder", BOTH, f"{CHECK}/summary.json", "DIR", "not a regular file"),
    ("claims-dev-zero", R, "nn_checks/cpu/claims.json", "/dev/zero", "not a regular file"),
    ("metrics-other-run", F, f"{LSTM}/config.json", edit_json(setter("steps", 39)),
     "metrics.csv: 40 rows, but"),
    ("metrics-one-row-lost", F, f"{LSTM}/metrics.csv",
     lambda text: "".join(text.splitlines(keepends=True)[:-1]), "39 rows, but"),
    ("epochs-accuracy-5", F, f"{RESNET}/epochs.csv",
     "epoch,lr,train_loss,val_loss,val_ppl,test_acc\n0,0.1,2.0,,,5.0\n",
     "column test_acc is 5, outside [0, 1]"),
    ("epochs-word", F, f"{RESNET}/epochs.csv", "epoch,lr\nx,0.1\n", "column epoch"),
    ("epochs-short-row", F, f"{RESNET}/epochs.csv", "epoch,lr,train_loss\n0,0.1\n",
     "line 2 has 2 cells"),
    ("config-not-json", BOTH, f"{LSTM}/config.json", "{", "not valid JSON"),
    ("config-a-list", BOTH, f"{LSTM}/config.json", "[]", "expected a JSON object"),
    ("config-status", BOTH, f"{LSTM}/config.json", edit_json(setter("status", "exploded")),
     "status is 'exploded', not one of running, finished, diverged"),
    ("config-no-status", BOTH, f"{LSTM}/config.json", edit_json(setter("status", DELETE)),
     "status is None"),
    ("config-zero-batches", BOTH, f"{LSTM}/config.json",
     edit_json(setter("batches_per_epoch", {"0": 0})), "batches_per_epoch['0'] is 0, below 1"),
    ("config-batch-key", BOTH, f"{LSTM}/config.json",
     edit_json(setter("batches_per_epoch", {"first": 5})), "batches_per_epoch has the key"),
    ("config-other-model", BOTH, f"{LSTM}/config.json",
     edit_json(setter("config.model", "resnet20")), "config.model is 'resnet20' but the folder"),
    ("config-other-preset", BOTH, f"{LSTM}/config.json",
     edit_json(setter("config.preset", "paper")), "config.preset is 'paper'"),
    ("config-negative-steps", BOTH, f"{LSTM}/config.json", edit_json(setter("steps", -1)),
     "steps is -1, below 0"),
    ("config-seconds-word", BOTH, f"{LSTM}/config.json",
     edit_json(setter("wall_seconds", "fast")), "wall_seconds is not a number"),
    ("config-deep", BOTH, f"{LSTM}/config.json", "[" * 100000, "nested too deeply"),
    ("fit-no-schema", F, f"{LSTM}/fit.json", edit_json(setter("schema", DELETE)),
     "schema is None, not one of l0l1-fit/1"),
    ("fit-envelope-object", F, f"{LSTM}/fit.json", edit_json(setter("envelope", {})),
     "envelope is not a list (found an object)"),
    ("fit-envelope-empty", F, f"{LSTM}/fit.json", edit_json(setter("envelope", [])),
     "envelope is empty"),
    ("fit-L0-word", F, f"{LSTM}/fit.json", edit_json(setter("envelope.0.L0", "big")),
     "envelope[0].L0 is not a number (found 'big')"),
    ("fit-L1-bool", F, f"{LSTM}/fit.json", edit_json(setter("envelope.0.L1", True)),
     "envelope[0].L1 is not a number (found True)"),
    ("fit-nan-literal", F, f"{LSTM}/fit.json",
     lambda text: text.replace('"L0": 0.05', '"L0": NaN', 1), "envelope[0].L0 is nan"),
    ("fit-pearson-5", F, f"{LSTM}/fit.json", edit_json(setter("correlation.pearson_r", 5)),
     "correlation.pearson_r is 5, outside [-1, 1]"),
    ("fit-status", F, f"{LSTM}/fit.json", edit_json(setter("status", "maybe")),
     "status is 'maybe'"),
    ("fit-insufficient-no-reason", F, f"{LSTM}/fit.json",
     edit_json(setter("status", "insufficient")), "reason is not a string"),
    ("fit-ci-three", F, f"{LSTM}/fit.json", edit_json(setter("envelope.0.ci_L0", [1, 2, 3])),
     "envelope[0].ci_L0 has 3 entries, expected 2"),
    ("fit-quantile-0", F, f"{LSTM}/fit.json", edit_json(setter("envelope.0.quantile", 0)),
     "envelope[0].quantile is 0, outside"),
    ("fit-no-correlation", F, f"{LSTM}/fit.json", edit_json(setter("correlation", DELETE)),
     "correlation is not an object"),
    ("records-not-json", F, f"{CHECK}/records.jsonl", lambda t: t + "{oops\n",
     "line 20: not valid JSON"),
    ("records-a-list", F, f"{CHECK}/records.jsonl", lambda t: t + "[1]\n",
     "line 20: expected a JSON object"),
    ("records-verdict", F, f"{CHECK}/records.jsonl", edit_line(0, setter("verdict", "maybe")),
     "line 1: verdict is 'maybe', not one of pass, fail, inconclusive, shape-only"),
    ("records-mark", F, f"{CHECK}/records.jsonl", edit_line(2, setter("mark", "guess")),
     "line 3: mark is 'guess'"),
    ("records-params-list", F, f"{CHECK}/records.jsonl", edit_line(1, setter("params", [])),
     "line 2: params is not an object"),
    ("records-h-word", F, f"{CHECK}/records.jsonl", edit_line(0, setter("params.h", "big")),
     "line 1: params.h is not a number"),
    ("records-measured-bool", F, f"{CHECK}/records.jsonl",
     edit_line(3, setter("measured", False)), "line 4: measured is not a number"),
    ("records-no-check-id", F, f"{CHECK}/records.jsonl",
     edit_line(0, setter("check_id", DELETE)), "line 1: check_id is not a string"),
    ("records-status", F, f"{CHECK}/records.jsonl", edit_line(0, setter("status", "done")),
     "line 1: status is 'done', not one of converged, diverged, max_iter"),
    ("records-censored-text", F, f"{CHECK}/records.jsonl",
     edit_line(1, setter("censored", "no")), "line 2: censored is not true/false"),
    ("records-quantity-empty", F, f"{CHECK}/records.jsonl",
     edit_line(0, setter("quantity", " ")), "line 1: quantity is an empty string"),
    ("records-older-producer", F, f"{CHECK}/records.jsonl",
     edit_line(4, setter("censored", DELETE)),
     "line 5: censored is missing: the file was written by an older version of its producer; "
     "rerun `make synthetic-check`"),
    ("records-instance-word", F, f"{CHECK}/records.jsonl",
     edit_line(0, setter("params.Delta", "ten")), "line 1: params.Delta is not a number"),
    ("catalogue-older-producer", R, "theory/catalogue/records.jsonl",
     edit_line(0, setter("check", DELETE)), "line 1: check is missing: the file was written by "
     "an older version of its producer; rerun `make catalogue`"),
    ("records-growth-Ms", F, f"{CHECK}/records.jsonl", growth(setter("extra.Ms", 3)),
     "extra.Ms is not a list"),
    ("records-growth-lengths", F, f"{CHECK}/records.jsonl",
     growth(setter("extra.separations", [1.0])), "differ in length"),
    ("records-growth-word", F, f"{CHECK}/records.jsonl",
     growth(setter("extra.predicted", ["a", "b", "c", "d"])), "extra.predicted[0]"),
    ("records-construction-number", F, f"{CHECK}/records.jsonl",
     edit_line(0, setter("params.construction", 5)),
     "line 1: params.construction is not a string (found a number)"),
    ("records-minimax-word", F, f"{CHECK}/records.jsonl",
     edit_line(0, setter("extra.minimax_1d", "many")), "line 1: extra.minimax_1d is not a number"),
    ("records-2d-h-cycle-word", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("params.h_cycle", "short")),
     f"{TWO_D}params.h_cycle is not a number (found 'short')"),
    ("records-2d-h-cycle-removed", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("params.h_cycle", DELETE)),
     f"{TWO_D}params.h_cycle is not a number (found None)"),
    ("records-2d-instance-removed", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("params.eps", DELETE)), f"{TWO_D}params.eps is not a"),
    ("records-2d-M-bool", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("params.M_2d", True)), f"{TWO_D}params.M_2d is not a"),
    ("records-2d-h-word", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("params.h", "best")), f"{TWO_D}params.h is not a number"),
    ("records-2d-analytic-word", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.analytic_2d", "x")),
     f"{TWO_D}extra.analytic_2d is not a number"),
    ("records-2d-minimax-list", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.minimax_1d", [1])),
     f"{TWO_D}extra.minimax_1d is not a number"),
    ("records-2d-per-h-object", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.per_h", {})),
     f"{TWO_D}extra.per_h is not a list (found an object)"),
    ("records-2d-per-h-removed", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.per_h", DELETE)),
     f"{TWO_D}extra.per_h is not a list (found null)"),
    ("records-2d-per-h-entry", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.per_h.2", 7)),
     f"{TWO_D}extra.per_h[2] is not an object"),
    ("records-2d-per-h-no-h", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.per_h.0.h", DELETE)),
     f"{TWO_D}extra.per_h[0].h is not a number"),
    ("records-2d-per-h-measured", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.per_h.1.measured", "Infinity")),
     f"{TWO_D}extra.per_h[1].measured is not a number (found 'Infinity')"),
    ("records-2d-per-h-member", F, f"{CHECK}/records.jsonl",
     of_quantity("minimax-2d", setter("extra.per_h.0.member", 2)),
     f"{TWO_D}extra.per_h[0].member is not a string"),
    ("records-thresholds-L1", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("params.L1", "one")),
     f"{THRESHOLDS}params.L1 is not a number"),
    ("records-thresholds-table", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table", "rows")),
     f"{THRESHOLDS}extra.table is not a list (found a string)"),
    ("records-thresholds-row", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table.0", [1.0, 2.0])),
     f"{THRESHOLDS}extra.table[0] is not an object (found a list)"),
    ("records-thresholds-no-M", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table.3.M", DELETE)),
     f"{THRESHOLDS}extra.table[3].M is not a number (found None)"),
    ("records-thresholds-1d-word", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table.0.h_2c_1d", "wide")),
     f"{THRESHOLDS}extra.table[0].h_2c_1d is not a number"),
    ("records-thresholds-2d-null", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table.5.h_cycle_2d", None)),
     f"{THRESHOLDS}extra.table[5].h_cycle_2d is not a number (found None)"),
    ("records-thresholds-pi-removed", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table.2.pi_limit", DELETE)),
     f"{THRESHOLDS}extra.table[2].pi_limit is not a number"),
    ("records-thresholds-w2-bool", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.table.39.w2_limit", False)),
     f"{THRESHOLDS}extra.table[39].w2_limit is not a number (found False)"),
    ("records-thresholds-c-word", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.c", "9.63")),
     f"{THRESHOLDS}extra.c is not a number (found '9.63')"),
    ("records-thresholds-crossover", F, f"{CHECK}/records.jsonl",
     of_quantity("thresholds-2d", setter("extra.crossover_M", {"M": 122})),
     f"{THRESHOLDS}extra.crossover_M is not a number"),
    ("frontiers-schema", F, "theory/frontiers/frontiers.json", edit_json(setter("schema", "v0")),
     "schema is 'v0'"),
    ("frontiers-functions", F, "theory/frontiers/frontiers.json",
     edit_json(setter("functions", "x**4")), "functions is not a list"),
    ("frontiers-L1-word", F, "theory/frontiers/frontiers.json",
     edit_json(setter("functions.0.points.1.L1", "x")), "functions[0].points[1].L1"),
    ("frontiers-certified", F, "theory/frontiers/frontiers.json",
     edit_json(setter("functions.1.points.0.certified", "yes")), "certified is not true/false"),
    ("frontiers-no-name", F, "theory/frontiers/frontiers.json",
     edit_json(setter("functions.2.name", "")), "functions[2].name is an empty string"),
    ("summary-pass-text", BOTH, f"{CHECK}/summary.json", edit_json(setter("rows.0.pass", "2")),
     "summary.json: rows[0].pass is not an integer (found '2')"),
    ("summary-counts", BOTH, f"{CHECK}/summary.json", edit_json(setter("rows.0.records", 4)),
     "rows[0] verdict counts add up to 3, not to its 4 records"),
    ("summary-fails", BOTH, f"{CHECK}/summary.json", edit_json(setter("fails", [])),
     "fails lists 0 records but the rows count 1 fail"),
    ("summary-ratio", BOTH, f"{CHECK}/summary.json", edit_json(setter("rows.0.ratio_min", 99.0)),
     "are not a range"),
    ("summary-mark", BOTH, f"{CHECK}/summary.json", edit_json(setter("rows.0.mark", "x")),
     "rows[0].mark is 'x'"),
    ("summary-no-rows", BOTH, f"{CHECK}/summary.json", edit_json(setter("rows", DELETE)),
     "rows is not a list"),
    ("summary-algorithm-number", BOTH, f"{CHECK}/summary.json",
     edit_json(setter("rows.1.algorithm", 3)), "rows[1].algorithm is not a string (found a "
                                               "number)"),
    ("summary-tightness-word", BOTH, f"{CHECK}/summary.json",
     edit_json(setter("rows.1.tightness_witness", "tight")),
     "rows[1].tightness_witness is not a number (found 'tight')"),
    ("summary-analytic-inf", BOTH, f"{CHECK}/summary.json",
     edit_json(setter("rows.1.tightness_analytic", "inf")),
     "rows[1].tightness_analytic is not a number (found 'inf')"),
    ("summary-negative", BOTH, f"{CHECK}/summary.json", edit_json(setter("rows.0.fail", -1)),
     "rows[0].fail is -1, below 0"),
    ("check-config-seconds", R, f"{CHECK}/config.json",
     edit_json(setter("seconds", {"thm4": -1})), "seconds.thm4 is -1"),
    ("check-config-quick", R, f"{CHECK}/config.json", edit_json(setter("quick", "yes")),
     "quick is not true/false"),
    ("check-env-cores", R, f"{CHECK}/env.json", edit_json(setter("cpu_count", 0)),
     "cpu_count is 0, below 1"),
    ("check-env-packages", R, f"{CHECK}/env.json", edit_json(setter("packages", ["numpy"])),
     "packages is not an object"),
    ("check-env-platform", R, f"{CHECK}/env.json", edit_json(setter("platform", 5)),
     "platform is not a string"),
    ("catalogue-verdict", R, "theory/catalogue/records.jsonl",
     edit_line(0, setter("verdict", "ok")), "line 1: verdict is 'ok'"),
    ("claims-pearson-5", R, "nn_checks/cpu/claims.json",
     edit_json(setter("runs.0.pearson_r", 5)), "runs[0].pearson_r is 5, outside [-1, 1]"),
    ("claims-run-name", R, "nn_checks/cpu/claims.json",
     edit_json(setter("runs.1.name", "lstm_other")), "runs[1].name is 'lstm_other'"),
    ("claims-run-twice", R, "nn_checks/cpu/claims.json",
     edit_json(setter("runs.1.name", SIX[0])), "runs[1].name repeats lstm_lr30clip0.25"),
    ("claims-verdict", R, "nn_checks/cpu/claims.json",
     edit_json(setter("claims.0.verdict", "yes")), "claims[0].verdict is 'yes'"),
    ("claims-measured", R, "nn_checks/cpu/claims.json",
     edit_json(setter("claims.0.measured", [0.5])), "claims[0].measured is not an object"),
    ("claims-measured-word", R, "nn_checks/cpu/claims.json",
     edit_json(setter("claims.0.measured.r", "high")), "claims[0].measured.r is not a number"),
    ("claims-schema", R, "nn_checks/cpu/claims.json", edit_json(setter("schema", DELETE)),
     "schema is None"),
    ("claims-accuracy", R, "nn_checks/cpu/claims.json",
     edit_json(setter("runs.3.final_test_acc", 1.5)), "runs[3].final_test_acc is 1.5"),
    ("claims-p", R, "nn_checks/cpu/claims.json",
     edit_json(setter("runs.0.p_one_sided", -0.1)), "runs[0].p_one_sided is -0.1"),
    ("claims-status", R, "nn_checks/cpu/claims.json",
     edit_json(setter("runs.0.status", "done")), "runs[0].status is 'done'"),
    ("claims-ci", R, "nn_checks/cpu/claims.json", edit_json(setter("runs.0.ci_L0", "wide")),
     "runs[0].ci_L0 is not a list"),
    ("frontiers-config-seconds", R, "theory/frontiers/config.json",
     edit_json(setter("wall_seconds", "x")), "wall_seconds is not a number"),
    ("run-env-seed", R, f"{LSTM}/env.json", edit_json(setter("seed", "x")),
     "seed is not an integer"),
    ("run-env-text", R, f"{LSTM}/env.json", "\ufeff{}", "not valid JSON"),
]


def damage(root, rel, content):
    path = root / rel
    if content == "DIR":
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("x")
    elif content == "FIFO":  # reading it would block until a writer came
        path.unlink()
        os.mkfifo(path)
    elif content == "/dev/zero":  # endless
        path.unlink()
        path.symlink_to(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif callable(content):
        path.write_text(content(path.read_text()))
    else:
        path.write_text(content)


def check_refused(result, command, root, before, expect):
    """tests/hostile.py's refusal, under the command's own name, and the tree unchanged."""
    code, out, err = result
    assert_refused(code, out, err, "figures" if command == "figures" else "figures.report",
                   expect)
    assert snapshot(root) == before  # nothing written, created or removed
    return err


CASES = [pytest.param(cmd, rel, content, expect, id=f"{cmd}-{name}")
         for name, cmds, rel, content, expect in FILES for cmd in cmds]


@pytest.mark.parametrize("command, rel, content, expect", CASES)
def test_a_malformed_file_is_refused_and_nothing_is_written(pristine, tmp_path, command, rel,
                                                           content, expect):
    root = tmp_path / "results"
    shutil.copytree(pristine, root)
    damage(root, rel, content)
    before = snapshot(root)
    main = figures_main if command == "figures" else report_main
    err = check_refused(call(main, ["--results", str(root)]), command, root, before, expect)
    assert str(root / rel) in err  # the file, by its path


ARGS = [  # (command, arguments after --results ROOT, text the message must hold)
    ("figures", ["--preset", "../x"], "--preset '../x': unknown preset"),
    ("figures", ["--preset", ""], "--preset '': unknown preset"),
    ("figures", ["--preset", "cpu/../paper"], "unknown preset"),
    ("figures", ["--preset", "gpu"], "choose from smoke, cpu, long, paper"),
    ("figures", ["--check", "check/../x"], "--check 'check/../x': unknown check"),
    ("figures", ["--check-dir", "{root}/nowhere"], "--check-dir"),
    ("figures", ["--check-dir", "{root}/report.md"], "not a folder"),
    ("figures", ["--check", "check", "--check-dir", "{root}"], "not allowed with argument"),
    ("figures", ["--out", ""], "--out: empty folder name"),
    ("figures", ["--out", "{root}/report.md"], "is not a folder"),
    ("figures", ["--out", "{root}/report.md/sub"], "is a file"),
    ("figures", ["--only", "fig1,../fig2"], "unknown figure(s) in --only"),
    ("figures", ["--results", "{root}/report.md"], "not a folder"),
    ("figures", ["--results", ""], "--results: empty folder name"),
    ("figures", ["--dpi", "9"], "unrecognized arguments"),
    ("report", ["--preset", "../x"], "--preset '../x': unknown preset"),
    ("report", ["--preset", ""], "unknown preset"),
    ("report", ["--preset", "a/b"], "unknown preset"),
    ("report", ["--check", "quick"], "--check 'quick': unknown check"),
    ("report", ["--check-dir", "{root}/nowhere"], "not a folder"),
    ("report", ["--check-dir", ""], "not a folder"),
    ("report", ["--results", "{root}/report.md"], "not a folder"),
    ("report", ["--results", ""], "not a folder"),
    ("report", ["--results", "{root}/nowhere"], "not a folder"),
    ("report", ["--out", "x"], "unrecognized arguments"),
]


@pytest.mark.parametrize("command, argv, expect", ARGS,
                         ids=[f"{c}-{' '.join(a) or 'none'}" for c, a, _ in ARGS])
def test_a_bad_argument_is_refused_and_nothing_is_written(pristine, tmp_path, command, argv,
                                                         expect):
    root = tmp_path / "results"
    shutil.copytree(pristine, root)
    before = snapshot(root)
    main = figures_main if command == "figures" else report_main
    check_refused(call(main, ["--results", str(root)] + [a.format(root=root) for a in argv]),
                  command, root, before, expect)


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(ARGS) >= 40
    assert {c for _, cmds, *_ in FILES for c in cmds} == {"figures", "report"}


@pytest.mark.parametrize("command", ["figures", "report"])
def test_a_full_disk_is_one_line_and_keeps_the_old_files(pristine, tmp_path, capsys,
                                                        monkeypatch, command):
    """fsync fails with ENOSPC: one line saying so, exit 2, the earlier files as they were,
    no temporary file left."""
    root = tmp_path / "results"
    shutil.copytree(pristine, root)
    before = snapshot(root)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(plumbing.os, "fsync", full)
    if command == "figures":
        code = figures_main(["--results", str(root), "--only", "fig7"])
    else:
        code = report_main(["--results", str(root)])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.count("\n") == 1, captured.err
    assert "cannot write" in captured.err and "no space left on device" in captured.err
    assert snapshot(root) == before


def test_the_report_replaces_both_files_or_neither(pristine, tmp_path, capsys, monkeypatch):
    """The second rename fails: report.md is put back as it was."""
    root = tmp_path / "results"
    shutil.copytree(pristine, root)
    before = snapshot(root)
    real = os.replace

    def fail_html(src, dst):
        if str(dst).endswith("report.html"):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(plumbing.os, "replace", fail_html)
    assert report_main(["--results", str(root)]) == 2
    err = capsys.readouterr().err
    assert err == f"figures.report: error: cannot write {root / 'report.html'}: Input/output " \
                  "error\n"
    assert snapshot(root) == before


def test_a_bug_is_an_internal_error_not_bad_input(pristine, tmp_path, capsys, monkeypatch):
    from figures import report

    root = tmp_path / "results"
    shutil.copytree(pristine, root)
    monkeypatch.setattr(report, "_scale", lambda *a: None + 1)
    assert report_main(["--results", str(root)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("figures.report: internal error (TypeError)") and err.count("\n") == 1
    assert "FIGURES_REPORT_DEBUG=1" in err


def test_a_second_writer_of_the_same_output_folder_is_refused(tmp_path):
    """figures and figures.report hold a flock on their output folder (no lock file is left):
    a second writer is one line naming the holder's pid; after the first, the folder is free."""
    from plumbing.locks import FolderLock, LockedError

    out = tmp_path / "figures"
    with FolderLock(out):
        with pytest.raises(LockedError, match=f"being written by another process \\(pid "
                                               f"{os.getpid()}[:)]"):
            with FolderLock(out):
                pass
    with FolderLock(out):
        pass
    assert list(out.iterdir()) == []
