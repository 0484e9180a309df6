"""Figures from result files: every figure writes a non-blank png and a pdf, the command line
writes all 20 files, a missing run shows up in its panel, missing inputs and bad arguments are
one line on stderr with exit status 2.

Normal content is the real producers' output (tests/producers.py: ``produced``, read-only, and
``produced_copy``, a private copy). The hand-written tree of :func:`write_results` is kept for
the tests that need specific extreme content the small producer runs do not give: a diverging
run, a zero smoothness, a skipped probe, a bootstrap interval excluding its estimate, a failed
regression, a run without ``batches_per_epoch``, a run without fit.json, Thm 4 counts that fail,
are censored or never converge at chosen steps (with the hardest member changing with h, one
instance with its 2-D record and 1-D min-max, one without), the 2-D thresholds, a summary whose
upper-bound rows lack some tightness values, a frontier with zeros and infinite L0."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import image
from matplotlib.text import Text

from figures import look, style
from figures.__main__ import FIGURES, main
from figures.fig6_lower_bound import instances
pytest_plugins = ["producers"]  # the producers' tree: fixtures produced, produced_copy

METRICS = ["step", "epoch", "lr", "loss", "grad_norm", "clipped", "update_norm", "smoothness",
           "hessian_top_eig", "n_hvps", "probe_grad_norm"]
EPOCHS_CSV = ["epoch", "lr", "train_loss", "val_loss", "val_ppl", "test_acc"]
RUNS = [("lstm", r) for r in style.LM_RUNS] + [("resnet20", r) for r in style.RESNET_RUNS]
DIVERGED = ("resnet20", "lr1noclip")
STEPS, EPOCHS = 40, 2


def _csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _fit(rng, L0, L1, k):
    """fit.json as theory.fitting.fit_all and ``nn_checks fit`` write it."""
    ci = lambda v: [0.0 if v < 0.1 else 0.5 * v, 2 * v]
    ci_L1 = [1.5 * L1, 3 * L1] if k == 1 else ci(L1)  # run 1: a percentile CI above its estimate
    env = [{"L0": L0, "L1": L1, "ci_L0": ci(L0), "ci_L1": ci_L1, "quantile": q, "method":
            "envelope", "n": STEPS, "n_on_or_above": 2, "extra": {}} for q in (1.0, 0.9)]
    return {"schema": "l0l1-fit/1", "mark": "ours: the paper reports no fitted (L0, L1)",
            "envelope": env, "n": STEPS, "model": "smoothness <= L0 + L1 * grad_norm",
            "x_range": [0.01, 10.0], "y_range": [0.1, 5.0],
            "regression": {"L0": L0 / 2, "L1": None if k == 2 else L1 / 2, "ci_L0": None,
                           "ci_L1": None, "method": "regression", "quantile": None, "n": STEPS,
                           "n_on_or_above": 0, "extra": {}},  # run 2: a failed regression
            "correlation": {"pearson_r": float(rng.uniform(0.3, 0.9)), "pearson_p": 0.001,
                            "spearman_rho": 0.5, "spearman_p": 0.01, "n_used": STEPS,
                            "n_dropped": 0},
            "bootstrap": {"n_boot": 99, "ci": 0.95, "method": "percentile",
                          "resampling": "pairs"},
            "status": "fitted", "source": {"metrics": "metrics.csv", "rows": STEPS,
                                           "x": "probe_grad_norm", "y": "smoothness"}}


def write_nn(root, rng):
    """Six runs of ``STEPS`` steps over ``EPOCHS`` epochs; ``DIVERGED`` explodes at the end; the
    last run's config.json predates ``batches_per_epoch``."""
    for k, (model, run) in enumerate(RUNS):
        lr = 30.0 if model == "lstm" else 1.0
        folder = style.run_dir(root, "cpu", model, run)
        folder.mkdir(parents=True)
        diverged = (model, run) == DIVERGED
        g = np.exp(rng.normal(-1, 1, STEPS))
        smooth = 0.1 + 0.5 * g * np.exp(rng.normal(0, 0.3, STEPS))
        loss = (6.5 if model == "lstm" else 2.3) * np.exp(-np.arange(STEPS) / (40 + 20 * k))
        loss = loss * np.exp(rng.normal(0, 0.05, STEPS))
        rows = [[t, t * EPOCHS // STEPS, lr, loss[t], g[t], int(g[t] > 0.25), lr * min(g[t], 0.25),
                 smooth[t], None, None, g[t]] for t in range(STEPS)]
        rows[3][7] = 0.0  # a smoothness of 0: not on a log axis
        rows[5][10] = None  # a probe that did not run
        if diverged:
            rows[-1][3:] = [1e4, None, None, None, None, None, None, None]
        _csv(folder / "metrics.csv", METRICS, rows)
        val = [5.8 - (e + 1) * k / 6 for e in range(EPOCHS)]
        epochs = [[e, lr, 6.0 - e, val[e] if model == "lstm" else None,
                   math.exp(val[e]) if model == "lstm" else None,
                   None if model == "lstm" else 0.3 + 0.05 * k * (e + 1)] for e in range(EPOCHS)]
        _csv(folder / "epochs.csv", EPOCHS_CSV, epochs[:1] if diverged else epochs)
        config = {"model": model, "run": run, "preset": "cpu", "epochs": EPOCHS, "lr": lr}
        status = {"status": "diverged" if diverged else "finished",  # + the diverging row:
                  "steps": STEPS - 1 if diverged else STEPS,
                  "device": "cpu", "dataset": "ptb" if model == "lstm" else "fashion-mnist",
                  "epochs": EPOCHS, "wall_seconds": 12.5, "threads": 2}  # as nn_checks.train
        if k < len(RUNS) - 1:
            status["batches_per_epoch"] = {str(e): STEPS // EPOCHS for e in range(EPOCHS)}
        (folder / "config.json").write_text(json.dumps({"config": config, **status}))
        if (model, run) != ("resnet20", "lr5clip0.25"):  # a failed fit leaves no fit.json
            fit = _fit(rng, 0.05 * (k + 1), 0.3 + 0.2 * k, k)
            (folder / "fit.json").write_text(json.dumps(fit))


def record(check_id, theorem, params, measured, bound, verdict, bound_kind="upper", extra=None,
           mark="reconstructed", check=None, quantity="iterations", status=None,
           censored=False):
    """One result record with every field theory.records.ResultRecord.to_dict writes."""
    return {"check_id": check_id, "check": check or check_id.split("/")[0],
            "quantity": quantity, "theorem": theorem, "mark": mark, "params": params,
            "measured": measured, "bound": bound, "bound_kind": bound_kind, "tolerance": 0.0,
            "verdict": verdict, "status": status, "censored": censored, "notes": "",
            "extra": extra or {}}


CONSTRUCTION_CYCLE = ("B_delta", "B", "A", "extremal", "B")  # the hardest member at each h


def thm4(L0, L1, M, eps, Delta, bound, alt, hs, counts, verdicts, cap=5000.0, minimax=None):
    """The step records of one Thm 4 instance; a count of ``cap`` is censored (max_iter), a
    count "inf" or null never converged (diverged); the hardest member changes with h
    (:data:`CONSTRUCTION_CYCLE`); ``minimax``: extra.minimax_1d (absent when None)."""
    inst = {"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta}
    thr = hs[len(hs) // 2]
    status = lambda c: "diverged" if c in (None, "inf") else "max_iter" if c == cap \
        else "converged"
    extra = {"bound_alt_log": alt, **({} if minimax is None else {"minimax_1d": minimax})}
    return [record(f"thm4/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}/h={h:.6g}",
                   "Thm 4", {**inst, "h": h, "h_thr": thr, "construction": name}, c, bound, v,
                   "lower", extra, status=status(c), censored=c == cap)
            for h, c, v, name in zip(hs, counts, verdicts, CONSTRUCTION_CYCLE)]


C_2D = 9.629856535543981  # theory.functions.cycle2d.cycle_constant()
W2 = 0.8526055020137254  # Lambert W(2)


def minimax_2d(L0, L1, M, eps, Delta, bound, hs, counts, M_2d=None, analytic=None):
    """The "minimax-2d" record of one Thm 4 instance as the check writes it: T_ε of the
    hardest 2-D member at each step of ``hs`` ("inf" at and above the 2-cycle step)."""
    inst = {"L0": L0, "L1": L1, "M": M, "eps": eps, "Delta": Delta}
    finite = [(c, h) for h, c in zip(hs, counts) if c not in (None, "inf")]
    low, at = min(finite) if finite else ("inf", hs[0])
    return record(f"thm4/L0={L0:g},L1={L1:g},M={M:g},eps={eps:g},Delta={Delta:g}/2d",
                  "Thm 4", {**inst, "h": at, "M_2d": M if M_2d is None else M_2d,
                            "h_cycle": C_2D / (L1 * M)}, low, bound,
                  "pass" if low == "inf" or low >= bound else "inconclusive", "lower",
                  {"analytic_2d": analytic, "minimax_1d": None, "per_h": [
                      {"h": h, "measured": c, "member": "2d-cycle"} for h, c in zip(hs, counts)]},
                  quantity="minimax-2d", status="converged" if finite else "diverged")


def thresholds_2d(L0=1.0, L1=1.0, n=40):
    """The "thresholds-2d" record (check id thm4/2d/thresholds): the step thresholds at n
    log-spaced M from 1 to 1e6 (theory.functions.cycle2d.thresholds)."""
    table = [{"M": M, "h_2c_1d": 2 * math.log1p(M * L1 / L0) / (L1 * M),
              "h_cycle_2d": C_2D / (L1 * M), "pi_limit": math.pi / (L1 * M),
              "w2_limit": W2 / (L0 + L1 * M)} for M in np.geomspace(1.0, 1e6, n).tolist()]
    return record("thm4/2d/thresholds", "Thm 4", {"L0": L0, "L1": L1}, C_2D, math.pi, "pass",
                  "lower", {"c": C_2D, "crossover_M": L0 / L1 * math.expm1(C_2D / 2),
                            "table": table}, quantity="thresholds-2d")


def write_synthetic(root):
    """Two Thm 4 instances (never-converging steps, a fail, a censored count), Remark 5; a
    membership record whose check id reads like a step's (it must not be drawn: records are
    selected by their fields)."""
    hs = [0.066, 0.21, 0.66, 1.2, 2.1]
    records = thm4(1, 1, 10, 0.1, 10, 376.1, 376.1, hs, [3790.0, 1190.0, 379.0, "inf", 5000.0],
                   ["pass", "pass", "pass", "pass", "inconclusive"],  # 5000: censored at the cap
                   minimax=2399.0)
    records += thm4(1, 2, 100, 0.1, 100, 900.0, 1300.0, hs, [9.0e4, 2.9e4, 800.0, "inf", None],
                    ["pass", "pass", "fail", "pass", "pass"])
    records.append(minimax_2d(1, 1, 10, 0.1, 10, 376.1, [0.05, 0.1, 0.2, 0.5, 1.0, 2.0],
                              [5200.0, 2600.0, 1300.0, "inf", "inf", None], M_2d=9.5,
                              analytic=1250.0))  # the second instance has none: "missing"
    records.append(thresholds_2d())
    records.append({**records[0], "quantity": "membership", "status": None, "check_id":
                    "thm4/L0=1,L1=1,M=10,eps=0.1,Delta=10/h=0.066/member/B"})
    records.append(record("thm3/quartic", "Thm 3", {}, 1.0, 2.0, "pass", mark="paper",
                          status="converged"))
    Ms, seps = [10.0, 30.0, 100.0, 300.0], [3.0, 6.5, 15.0, 31.0]
    predicted = [(M / math.log(M) + 1) / 0.01 / (1 / 0.01 + 1) for M in Ms]
    for M, s, p in zip(Ms, seps, predicted):
        records.append(record(f"rem5/M={M:g}", "Rem 5", {"M": M}, s, p, "shape-only", "order",
                              {"T_clip": 100.0, "T_gd_best": 100 * s, "separation": s},
                              quantity="ratio"))
    records.append(record("rem5/separation-growth", "Rem 5", {}, 0.65, 0.4, "pass", "lower", {
        "Ms": Ms, "separations": seps, "predicted": predicted, "predicted_slope": 0.8},
        quantity="growth"))
    path = root / "synthetic" / "check" / "records.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    write_summary(path.parent)


def summary_row(check, theorem, records, ratio=None, witness=None, analytic=None, **more):
    """One summary.json row as synthetic.checkrun.summary_rows writes it (all records pass)."""
    return {"check": check, "theorem": theorem, "mark": "reconstructed", "records": records,
            "pass": records, "fail": 0, "inconclusive": 0, "shape-only": 0,
            "ratio_min": None if ratio is None else ratio / 10, "ratio_max": ratio,
            "tightness_witness": witness, "tightness_analytic": analytic, **more}


def write_summary(check):
    """summary.json: a lower-bound row (no tightness), Thm 3 per algorithm, Thm 6 without a
    catalogue ratio, a follow-up row without an algorithm field (an older summary)."""
    rows = [summary_row("thm4", "Thm 4", 10, ratio=12.5, algorithm=None),
            summary_row("thm3", "Thm 3", 8, 0.0015, 0.558, 0.5585, algorithm="clipped GD"),
            summary_row("thm3", "Thm 3", 8, 0.002, 0.61, None, algorithm="normalized GD"),
            summary_row("thm6", "Thm 6", 6, None, 0.57, 0.571, algorithm=None),
            summary_row("followup", "Vankov et al. 2024", 4, 0.002, 0.654, 0.6545)]
    (check / "summary.json").write_text(json.dumps({"schema": "l0l1-check-summary/1",
                                                    "rows": rows, "fails": []}))


def write_frontiers(root):
    """Three catalogue functions: an infinite L0 (null) and zeros among the points."""
    pts = lambda L1s, L0s: [{"L1": a, "L0": b, "certified": b is not None and a > 0.2}
                            for a, b in zip(L1s, L0s)]
    functions = [
        {"name": "quartic", "expression": "x**4", "L1_min": 0.0,
         "points": pts([0.0, 0.1, 1.0, 10.0], [None, 1.2e4, 12.0, 0.12])},
        {"name": "exp", "expression": "exp(x)", "L1_min": 1.0,
         "points": pts([0.5, 1.0, 2.0], [None, 0.0, 0.0])},
        {"name": "logcosh", "expression": "log(cosh(x))", "L1_min": 0.0,
         "points": pts([0.0, 0.5, 1.0], [1.0, 0.5, 0.25])}]
    path = root / "theory" / "frontiers" / "frontiers.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"schema": "l0l1-frontiers/1", "functions": functions}))


def write_results(root):
    """Every input of every figure, hand-written with the extreme content listed in the module
    docstring (seeded: the figures do not depend on the values); preset cpu."""
    rng = np.random.default_rng(20200214)
    write_nn(root, rng)
    write_synthetic(root)
    write_frontiers(root)
    return root


@pytest.fixture
def extreme(tmp_path):
    """The hand-written tree (specific extreme content, see the module docstring)."""
    return write_results(tmp_path / "results")


def all_runs(produced):
    """Skip a test that needs all six network runs when the producers could not write them."""
    if produced.skipped:
        pytest.skip("; ".join(produced.skipped))
    return produced


@pytest.fixture(scope="module")
def drawn(produced, tmp_path_factory):
    """One command-line run over the producers' tree (rendering is the slow part: done once)."""
    out = tmp_path_factory.mktemp("figures") / "figs"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["--results", str(produced.root), "--preset", produced.preset, "--out",
                     str(out)])
    return code, stdout.getvalue().split(), out


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def assert_image(path):
    assert path.stat().st_size > 1000
    if path.suffix == ".png":
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert float(np.var(image.imread(path))) > 0, f"{path.name} is blank"
    else:
        assert path.read_bytes()[:5] == b"%PDF-"


def test_the_command_line_writes_all_20_files(drawn):
    code, printed, out = drawn
    assert code == 0 and len(printed) == 20 == 2 * len(FIGURES) == len(set(printed))
    files = list(out.iterdir())
    assert sorted(p.name for p in files) == sorted(
        f"{m.NAME}.{ext}" for m in FIGURES.values() for ext in ("png", "pdf"))
    assert sorted(printed) == sorted(str(p) for p in files)  # no temporary files left
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~current_umask() for p in files)


@pytest.mark.parametrize("key", list(FIGURES))
def test_every_figure_is_a_non_blank_png_and_a_pdf(drawn, key):
    for ext in ("png", "pdf"):
        assert_image(drawn[2] / f"{FIGURES[key].NAME}.{ext}")


def test_draw_returns_the_files_it_wrote(produced, tmp_path):
    written = FIGURES["fig7"].draw(produced.root, tmp_path / "new" / "dir", produced.preset)
    assert written == [tmp_path / "new" / "dir" / f"fig7_separation.{e}" for e in ("png", "pdf")]
    assert all(p.exists() for p in written)


def spy_save(monkeypatch):
    """Keep every figure handed to style.save, which then renders nothing (the rendering itself
    is tested once, by ``drawn``) and returns the names it would write."""
    figs = []

    def spy(fig, out, name):
        figs.append(fig)
        plt.close(fig)
        return [out / f"{name}.png", out / f"{name}.pdf"]

    monkeypatch.setattr(style, "save", spy)
    monkeypatch.setattr(look, "save", spy)  # the shared panels save through figures.look
    return figs


def texts(figs):
    """Every text of the figures: panel notes, legends, titles."""
    return [t.get_text() for fig in figs for t in fig.findobj(Text)]


@pytest.mark.parametrize("key", ["fig2", "fig4", "fig8"])
def test_a_missing_run_is_named_in_its_panel(produced_copy, tmp_path, monkeypatch, key):
    results, preset = all_runs(produced_copy).root, produced_copy.preset
    gone = style.run_dir(results, preset, "lstm", "lr2noclip")
    for f in gone.iterdir():
        f.unlink()
    figs = spy_save(monkeypatch)
    assert len(FIGURES[key].draw(results, tmp_path / "out", preset)) == 2  # still saved
    if key == "fig8":  # the fits are counted, not named
        assert any("1 network run(s) without" in t for t in texts(figs)), texts(figs)
    else:
        assert any("missing:" in t and "lstm_lr2noclip" in t for t in texts(figs)), texts(figs)


def test_a_run_that_just_started_is_drawn_without_data(produced_copy, tmp_path, monkeypatch):
    """Header-only csv files (a run's first minutes) and a config still ``running``."""
    results, preset = all_runs(produced_copy).root, produced_copy.preset
    for model in ("lstm", "resnet20"):
        for run in (style.LM_RUNS if model == "lstm" else style.RESNET_RUNS):
            folder = style.run_dir(results, preset, model, run)
            _csv(folder / "epochs.csv", ["epoch", "lr", "train_loss"], [])
            (folder / "fit.json").unlink(missing_ok=True)
            config = json.loads((folder / "config.json").read_text())
            (folder / "config.json").write_text(json.dumps({**config, "status": "running"}))
    figs = spy_save(monkeypatch)
    for key in ("fig1", "fig4", "fig8"):
        assert len(FIGURES[key].draw(results, tmp_path, preset)) == 2
    shown = texts(figs)
    assert "no fit.json" in shown and shown.count("no finite values yet") == 2
    assert "lr30clip0.25 (running)" in shown


def test_dropped_points_are_counted_not_silent(extreme, tmp_path, monkeypatch):
    figs = spy_save(monkeypatch)
    for key in ("fig1", "fig8"):
        FIGURES[key].draw(extreme, tmp_path)
    shown = texts(figs)
    assert "1 point ≤ 0 not shown" in shown  # the zero smoothness of step 3
    assert any("value(s) ≤ 1e-12 drawn at the" in t for t in shown)  # L1 = 0, L0 = 0, CI at 0
    assert any("1 interval(s) excluding" in t for t in shown)  # drawn as is, not as error bars
    assert any("2 frontier point(s) with no" in t for t in shown)


def test_lower_bound_panels_mark_failures_censoring_and_divergence(extreme, tmp_path,
                                                                  monkeypatch):
    figs = spy_save(monkeypatch)
    FIGURES["fig6"].draw(extreme, tmp_path)
    panels = [ax for ax in figs[0].axes if ax.axison]
    assert len(panels) == 2  # the member record and the thm3 record are not instances
    lines = [line for ax in panels for line in ax.get_lines()]

    def count(**props):  # points drawn by lines with these properties
        return sum(len(line.get_xdata()) for line in lines
                   if all(getattr(line, f"get_{k}")() == v for k, v in props.items()))

    # the hardest member by h: B_delta, B, A, extremal, B (tests: CONSTRUCTION_CYCLE)
    assert count(marker="v") == 2 and count(marker="s") == 2  # B_delta, A: one per instance
    assert count(marker="D") == 3  # B at h = 0.21 twice and the censored 5000 ...
    assert count(marker="D", markerfacecolor="none") == 1  # ... hollow
    assert count(marker="o", color="red", markerfacecolor="none") == 1  # the fail, ringed
    assert count(marker="^", color="C0") == 2  # extremal: "inf" twice, never converges
    assert count(marker="^", color="C2") == 1  # B: null once
    assert count(marker="^", color="C3", markerfacecolor="none") == 2  # the 2-D member: inf
    assert sum(len(line.get_xdata()) for line in lines if line.get_marker() not in
               ("^", "None", "") and line.get_color() != "red") == 7  # not the member record
    assert count(linestyle="--", color="k") == 2  # one alternative bound (an axhline: 2 points)
    assert count(linestyle="--", color="C3") == 2  # h_cycle of the one 2-D record
    assert count(linestyle="-.", color="C5") == 2  # the 1-D min-max of the first instance only
    steps = [line for line in lines if line.get_drawstyle() == "steps-mid"]
    assert len(steps) == 1 and np.isfinite(steps[0].get_ydata()).sum() == 3  # inf, null: gaps
    shown = texts(figs)
    assert "(L0, L1, M, ε, Δ) = (1, 2, 100, 0.1, 100)" in shown
    assert "2-D member: M' = 9.5, min over h of T_ε = 1300" in shown
    assert shown.count("missing: 2-D record (quantity minimax-2d)") == 1  # the second instance
    for label in ("hardest certified: B_delta", "hardest certified: extremal",
                  "lower estimate of inf_h sup 1-D T_ε", "h_cycle (2-D exact 2-cycle)"):
        assert label in shown, label


def test_all_inputs_missing_is_one_line_per_figure_and_exit_2(tmp_path, capsys):
    code = main(["--results", str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == len(FIGURES)
    assert all(line.startswith("figures: error: ") and "make " in line for line in err)
    assert any("make synthetic-check" in line for line in err)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_one_missing_figure_does_not_stop_the_others(produced_copy, tmp_path, capsys,
                                                     monkeypatch):
    spy_save(monkeypatch)
    results = produced_copy.root
    (results / "synthetic" / "check" / "records.jsonl").unlink()
    argv = ["--results", str(results), "--preset", produced_copy.preset, "--out", str(tmp_path)]
    assert main(argv + ["--only", "fig6,fig1,fig7_separation"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 2 and "fig7_separation" in captured.err
    assert captured.out.split() == [str(tmp_path / f"fig1_lm_smoothness.{e}")
                                    for e in ("png", "pdf")]


@pytest.mark.parametrize("argv", [["--only", "fig11"], ["--only", "fig1,fig1_wrong"],
                                  ["--only", ""], ["--bogus"]])
def test_bad_arguments_are_one_line_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("figures: error")


def test_running_mean_and_paths():
    y = np.array([1.0, 3.0, 5.0, 7.0])
    assert np.allclose(style.running_mean(y, 2), [1, 2, 4, 6])
    assert np.allclose(style.running_mean(np.full(25, 4.0), 10), 4.0)
    paths = [style.run_dir("r", "cpu", "lstm", r) / f for r in ("a", "b") for f in ("x", "y")]
    assert style.compact(paths) == str(style.run_dir("r", "cpu", "lstm", "X").parent) + \
        "/{lstm_a,lstm_b}/{x,y}"
    assert all(len(line) <= 20 for line in style.wrap("results/nn_checks/cpu/lstm_a/x", 20)
               .splitlines())


def test_readers_and_helpers():
    assert math.isinf(style.num("inf")) and math.isnan(style.num(None))
    inst = {"L0": 1, "L1": 2, "M": 10, "eps": 0.1, "Delta": 5}
    groups = instances([  # check ids that lie: only the fields count
        record("thm4/a/h=1", "Thm 4", {**inst, "h": 1}, 3.0, 1.0, "pass"),
        record("x/anything", "Thm 4", {**inst, "h": 0.5}, 3.0, 1.0, "pass", check="thm4"),
        record("thm4/a/h=0.1", "Thm 4", {**inst, "h": 0.1}, None, None, "pass",
               quantity="membership"),
        record("thm4/b/h=1", "Thm 4", {**inst, "M": 20, "h": 1}, 3.0, 1.0, "pass"),
        record("thm3/a/h=1", "Thm 3", {**inst, "h": 1}, 3.0, 1.0, "pass")])
    assert list(groups) == [(1, 2, 10, 0.1, 5), (1, 2, 20, 0.1, 5)]
    assert [r["params"]["h"] for r in groups[(1, 2, 10, 0.1, 5)]] == [0.5, 1]
    mask, dropped = style.positive([1.0, 0.0, np.nan, -1.0], [1.0, 1.0, 1.0, 1.0])
    assert mask.tolist() == [True, False, False, False] and dropped == 2


def test_metrics_reader_turns_empty_cells_into_nan(tmp_path):
    _csv(tmp_path / "metrics.csv", METRICS, [[0, 0, 30.0, 6.5, 1.0, 1, 0.25, 1.5, None, None,
                                             1.0], [1, 0, 30.0, 6.4] + [None] * 7])
    m = style.read_metrics(tmp_path / "metrics.csv")
    assert m["step"].tolist() == [0, 1] and m["smoothness"][0] == 1.5
    assert math.isnan(m["smoothness"][1])


def test_epoch_axis_counts_updates_in_epochs_of_recorded_length():
    """Step i of epoch e sits at x = e + i / len_e, len_e = batches_per_epoch[e] when recorded;
    without it, the longest complete epoch (a partial epoch is not drawn as full)."""
    diverged = {"status": "diverged", "batches_per_epoch": {"0": 50}}
    lengths, guessed = style.epoch_lengths(np.zeros(4), diverged)  # 4 of 50 steps, then diverged
    assert lengths == {0: 50} and not guessed
    assert np.allclose(style.epoch_fraction(np.zeros(4), lengths), [0, 0.02, 0.04, 0.06])
    epoch = np.array([0, 0, 0, 0, 1, 1.0])  # an older run: no batches_per_epoch
    for status in ("diverged", "finished"):  # epoch 0 is complete either way: len = 4
        lengths, guessed = style.epoch_lengths(epoch, {"status": status})
        assert np.allclose(style.epoch_fraction(epoch, lengths), [0, .25, .5, .75, 1, 1.25])
        assert not guessed
    assert style.epoch_lengths(np.zeros(3), {"status": "running"}) == ({0: 3}, True)
    assert style.epoch_lengths(np.zeros(0), {}) == ({}, False)


def test_partial_epochs_end_where_their_steps_end(extreme, tmp_path, monkeypatch):
    """Of 50 batches: lr2noclip diverges at its 4th step (last loss at x = 3/50 = 0.06),
    lr2clip0.25 is stopped after 4 steps (its partial-epoch evaluation at x = 4/50 = 0.08);
    lr30clip0.25, with no batches_per_epoch and one unfinished epoch, is flagged."""
    for run, status in (("lr2noclip", "diverged"), ("lr2clip0.25", "finished"),
                        ("lr30clip0.25", "running")):
        folder = style.run_dir(extreme, "cpu", "lstm", run)
        _csv(folder / "metrics.csv", ["step", "epoch", "loss"], [[t, 0, 6.0] for t in range(4)])
        _csv(folder / "epochs.csv", EPOCHS_CSV, [] if status == "diverged" else
             [[0, 2.0, 6.0, 5.5, 245.0, None]])
        config = {"status": status, "batches_per_epoch": {"0": 50}}
        (folder / "config.json").write_text(json.dumps(
            {k: v for k, v in config.items() if status != "running" or k == "status"}))
    figs = spy_save(monkeypatch)
    FIGURES["fig4"].draw(extreme, tmp_path)
    train, val = ({line.get_label(): line.get_xdata()[-1] for line in ax.get_lines()
                   if len(line.get_xdata()) and not line.get_label().startswith("_")}
                  for ax in figs[0].axes[:2])  # label -> last x of the run
    assert train["lr2noclip (diverged)"] == pytest.approx(0.06) and "lr2noclip (diverged)" \
        not in val  # a diverged epoch has no evaluation
    assert train["lr2clip0.25"] == pytest.approx(0.06)
    assert val["lr2clip0.25"] == pytest.approx(0.08)
    assert val["lr30clip0.25 (running)"] == 1.0  # its 4 rows are taken for a whole epoch
    assert "epoch length not recorded: partial epochs drawn as full" in texts(figs)


def test_an_insufficient_fit_is_named_not_a_nan_correlation(produced_copy, tmp_path,
                                                           monkeypatch):
    results, preset = all_runs(produced_copy).root, produced_copy.preset
    folder = style.run_dir(results, preset, "lstm", "lr30clip0.25")
    reason = (f"{folder}/metrics.csv has 0 probed steps with a finite smoothness; need >= 3 "
              "(run measure with --probe secant)")
    (folder / "fit.json").write_text(json.dumps({"schema": "l0l1-fit/1", "status":
                                                 "insufficient", "reason": reason, "n": 0}))
    figs = spy_save(monkeypatch)
    for key in ("fig1", "fig8"):
        FIGURES[key].draw(results, tmp_path, preset)
    shown = texts(figs)
    assert any(t.startswith("no fit: metrics.csv has 0 probed") for t in shown), shown
    assert not any("= nan" in t for t in shown)
    assert any("1 network run(s) without" in t for t in shown)


@pytest.mark.parametrize("below", ["", "sub"])
def test_an_unwritable_out_is_one_line_exit_2(produced, tmp_path, capsys, below):
    (tmp_path / "file").write_text("not a folder")
    out = tmp_path / "file" / below
    assert main(["--results", str(produced.root), "--out", str(out), "--only", "fig7,fig6"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"figures: error: --out {out}")  # plumbing.files's message
    assert "is a file, not a folder" in captured.err or "is not a folder" in captured.err
    assert captured.err.count("\n") == 1 and not captured.out


def test_unreadable_inputs_and_code_errors_are_told_apart(produced_copy, tmp_path, capsys,
                                                         monkeypatch):
    """A malformed input is refused before anything is drawn (one line naming the file, exit 2,
    even when two figures read it); a bug in a script is an internal error (exit 3)."""
    results, preset = all_runs(produced_copy).root, produced_copy.preset
    figs = spy_save(monkeypatch)
    fit = style.run_dir(results, preset, "lstm", "lr30clip0.25") / "fit.json"
    good = fit.read_text()
    fit.write_text("[1, 2]")  # valid JSON, not an object
    argv = ["--results", str(results), "--preset", preset, "--out", str(tmp_path), "--only",
            "fig1,fig8,fig7"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"figures: error: {fit}: expected a JSON object, found a list"]
    assert figs == []  # nothing drawn
    fit.write_text(good)
    monkeypatch.setattr(FIGURES["fig7"], "draw", lambda *a: [].missing)  # a bug in a script
    assert main(argv) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("figures: internal error (AttributeError)")
    assert "FIGURES_DEBUG=1" in err[0]
