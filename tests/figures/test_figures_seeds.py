"""Figures of a seed sweep (``python -m figures --sweep``): every run of a setting is read from
its ``seed<S>/`` folder, each seed drawn faint, the binned median of all seeds' points (Figs
1-3, 5) and the mean over seeds with its min-max band (Fig 4) on top; a damaged file in any seed
folder is refused naming it; the sweep's figures go to ``figures-sweep``.

The sweep tree is :func:`write_sweep`: per (setting, seed) one run folder written by
test_figures.write_nn (the producers' file shapes, seeded by setting and seed) with its
``config.json`` recording its seed, as ``python -m nn_checks sweep`` lays them out
(plumbing.layout). The numbers of the envelope are checked against an independent computation
from the csv files (the csv module and numpy, not the figures' readers)."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from figures import seeds, style
from figures.__main__ import FIGURES
from figures.__main__ import main as figures_main
from test_figures import (EPOCHS_CSV, _csv, assert_image, spy_save, texts, write_frontiers,
                          write_nn)

SWEEP = {"lstm_lr30clip0.25": (0, 1, 2), "resnet20_sgdmom": (0, 1)}  # 2 settings, 3 and 2 seeds


def write_sweep(root: Path, sweep: dict = SWEEP, preset: str = "cpu") -> Path:
    """``root/nn_checks/<preset>-sweep/<setting>/seed<S>/`` for each setting and seed of
    ``sweep`` (the other settings absent); returns the sweep's folder."""
    nn = root / "nn_checks" / f"{preset}-sweep"
    for k, (setting, chosen) in enumerate(sweep.items()):
        model, run = setting.split("_", 1)
        for seed in chosen:
            scratch = root.parent / f".scratch-{k}-{seed}"
            write_nn(scratch, np.random.default_rng([k, seed]))
            folder = nn / setting / f"seed{seed}"
            folder.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(style.run_dir(scratch, "cpu", model, run), folder)
            shutil.rmtree(scratch)
            config = json.loads((folder / "config.json").read_text())
            config["seed"] = seed
            config["config"].update(seed=seed, preset=preset)
            (folder / "config.json").write_text(json.dumps(config))
    return nn


@pytest.fixture
def sweep_root(tmp_path):
    root = tmp_path / "results"
    write_sweep(root)
    write_frontiers(root)
    return root


def read_points(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(probe gradient norm, smoothness) of one run's metrics.csv, read with the csv module."""
    with open(folder / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cell = lambda row, key: float(row[key]) if row[key].strip() else math.nan
    return (np.array([cell(r, "probe_grad_norm") for r in rows]),
            np.array([cell(r, "smoothness") for r in rows]))


def independent_median(folders, log: bool = True, bins: int = 12, per_bin: int = 10,
                       least: int = 3) -> np.ndarray:
    """Rows (x, median, 25 %, 75 %) of the binned median of the pooled points, computed here
    (sorted arrays, explicit bin comparisons, np.percentile) from the csv files."""
    pairs = [read_points(f) for f in folders]
    x, y = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    ok = np.isfinite(x) & np.isfinite(y) & ((x > 0) & (y > 0) if log else True)
    u, v = (np.log(x[ok]), np.log(y[ok])) if log else (x[ok], y[ok])
    order = np.argsort(u)
    u, v = u[order], v[order]
    k = max(1, min(bins, len(u) // per_bin))
    edges = sorted(set(np.percentile(u, 100 * np.arange(k + 1) / k).tolist()))
    rows = []
    for i in range(len(edges) - 1):
        top = u <= edges[i + 1] if i == len(edges) - 2 else u < edges[i + 1]
        sel = (u >= edges[i]) & top
        if sel.sum() >= least:
            rows.append([np.median(u[sel]), np.median(v[sel]), np.percentile(v[sel], 25),
                         np.percentile(v[sel], 75)])
    rows = np.array(rows)
    return np.exp(rows) if log else rows


def median_artists(ax):
    """(line, band) of the binned median drawn in ``ax``."""
    line = next(l for l in ax.get_lines() if l.get_label().startswith("binned median"))
    band = next(c for c in ax.collections if isinstance(c, PolyCollection) and
                c.get_label().startswith("25–75 %"))
    return line, band


def band_at(band, x: float) -> tuple[float, float]:
    """(lowest, highest) y of a fill_between band at x."""
    vertices = band.get_paths()[0].vertices
    ys = vertices[np.isclose(vertices[:, 0], x, rtol=1e-12, atol=0), 1]
    return ys.min(), ys.max()


@pytest.fixture(scope="module")
def drawn_sweep(tmp_path_factory):
    """``python -m figures --sweep --only fig1..fig5`` over the sweep tree (rendered once)."""
    root = tmp_path_factory.mktemp("sweep") / "results"
    write_sweep(root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = figures_main(["--results", str(root), "--sweep", "--only",
                             "fig1,fig2,fig3,fig4,fig5"])
    return root, code, out.getvalue().split()


def test_the_sweep_draws_figures_1_to_5_into_figures_sweep(drawn_sweep):
    root, code, printed = drawn_sweep
    names = [FIGURES[f"fig{i}"].NAME for i in range(1, 6)]
    assert code == 0
    assert printed == [str(root / "figures-sweep" / f"{n}.{e}") for n in names
                       for e in ("png", "pdf")]
    for path in printed:
        assert_image(Path(path))
    assert not (root / "figures").exists()  # the single-run folder is not touched


def test_every_seed_is_pooled_into_the_binned_median(sweep_root, tmp_path, monkeypatch):
    """The median line and its band of Fig 1 (log axes) and Fig 5 (linear axes) are exactly
    the independent computation over all seeds' points; negative control: the same computation
    without seed 2 differs."""
    figs = spy_save(monkeypatch)
    FIGURES["fig1"].draw(sweep_root, tmp_path, "cpu", None, True)
    FIGURES["fig5"].draw(sweep_root, tmp_path, "cpu", None, True)
    setting = sweep_root / "nn_checks" / "cpu-sweep" / "lstm_lr30clip0.25"
    folders = [setting / f"seed{s}" for s in SWEEP["lstm_lr30clip0.25"]]
    for ax, log in ((figs[0].axes[0], True), (figs[1].axes[0], False)):
        line, band = median_artists(ax)
        want = independent_median(folders, log=log)
        assert len(want) >= 8 and np.allclose(line.get_xdata(), want[:, 0], rtol=1e-12)
        assert np.allclose(line.get_ydata(), want[:, 1], rtol=1e-12)
        for x, low, high in zip(want[:, 0], want[:, 2], want[:, 3]):
            assert np.allclose(band_at(band, x), (low, high), rtol=1e-12)
        fewer = independent_median(folders[:2], log=log)
        assert len(fewer) != len(want) or not np.allclose(fewer[:, 1], want[:, 1])
    shown = texts(figs)
    assert any(t.endswith("lr30clip0.25 (preset cpu) (3 seeds)") for t in shown), shown
    assert "(a) LSTM lr30clip0.25 (3 seeds)" in shown and "(b) ResNet20 sgdmom (2 seeds)" in shown
    assert "binned median of all 3 seeds' points" in shown
    assert any(t.startswith("Pearson r (log-log) = ") and "(mean ± sd, 3 seeds)" in t
               for t in shown), shown


def test_the_binned_median_skips_bins_with_fewer_than_3_points():
    x = np.geomspace(1, 100, 10)
    y = 2 * x
    two = seeds.binned_median(x, y, max_bins=5, per_bin=1)  # 5 bins of 2 points: all skipped
    assert all(len(v) == 0 for v in two.values())
    kept = seeds.binned_median(x, y, max_bins=5, per_bin=1, min_points=2)
    assert kept["n"].tolist() == [2] * 5
    assert np.allclose(kept["median"], 2 * kept["x"])  # medians of log y = log 2 + log x
    one = seeds.binned_median(np.ones(7), np.arange(1.0, 8.0))  # one x: a single bin
    assert one["n"].tolist() == [7] and one["median"][0] == pytest.approx(4.0)
    assert len(seeds.binned_median([1.0, 2.0], [1.0, 2.0])["x"]) == 0


def test_training_curves_are_the_mean_over_seeds_where_all_seeds_reached(sweep_root, tmp_path,
                                                                        monkeypatch):
    """Validation loss of seeds 0, 1, 2 = (5, 4), (6, 6), (7, -): the mean is drawn where all
    three have a value (epoch 1 only, x = 1) with the band min..max (5, 7); each seed's own
    curve stays drawn, faint."""
    setting = sweep_root / "nn_checks" / "cpu-sweep" / "lstm_lr30clip0.25"
    for seed, values in ((0, [5.0, 4.0]), (1, [6.0, 6.0]), (2, [7.0])):
        _csv(setting / f"seed{seed}" / "epochs.csv", EPOCHS_CSV,
             [[e, 30.0, 6.0, v, math.exp(v), None] for e, v in enumerate(values)])
    figs = spy_save(monkeypatch)
    FIGURES["fig4"].draw(sweep_root, tmp_path, "cpu", None, True)
    train, val = figs[0].axes[:2]
    label = "lr30clip0.25 (mean of 3 seeds, band: min–max over seeds)"
    mean = next(l for l in val.get_lines() if l.get_label() == label)
    assert mean.get_xdata().tolist() == [1.0] and mean.get_ydata().tolist() == [6.0]
    band = next(c for c in val.collections if isinstance(c, PolyCollection))
    assert band_at(band, 1.0) == (5.0, 7.0)
    faint = [l for l in val.get_lines() if l.get_alpha() == seeds.FAINT]
    assert sorted(len(l.get_xdata()) for l in faint) == [1, 2, 2]
    # training loss: the mean over seeds of each seed's running mean (10 steps), all 40 steps
    runs = [np.array([float(r["loss"]) for r in csv.DictReader(io.StringIO(
        (setting / f"seed{s}" / "metrics.csv").read_text()))]) for s in SWEEP["lstm_lr30clip0.25"]]
    running = [np.array([y[max(0, t - 9):t + 1].mean() for t in range(len(y))]) for y in runs]
    line = next(l for l in train.get_lines() if l.get_label() == label)
    assert np.allclose(line.get_xdata(), np.arange(40) / 20)  # 20 batches an epoch
    assert np.allclose(line.get_ydata(), np.mean(running, axis=0), rtol=1e-12)
    assert "sgdmom (mean of 2 seeds, band: min–max over seeds)" in texts(figs)


def test_a_damaged_file_in_one_seed_folder_is_refused_naming_it(sweep_root, tmp_path, capsys):
    setting = sweep_root / "nn_checks" / "cpu-sweep" / "lstm_lr30clip0.25"
    argv = ["--results", str(sweep_root), "--sweep", "--out", str(tmp_path / "out"), "--only"]
    metrics = setting / "seed1" / "metrics.csv"
    good = metrics.read_text()
    lines = good.splitlines()
    cells = lines[4].split(",")
    cells[3] = "oops"  # the loss of line 5
    metrics.write_text("\n".join(lines[:4] + [",".join(cells)] + lines[5:]) + "\n")
    for only in ("fig1", "fig4", "fig5"):
        assert figures_main(argv + [only]) == 2
        assert capsys.readouterr().err == (f"figures: error: {metrics}: line 5, column loss: "
                                           "'oops' is not a number\n")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    metrics.write_text(good)
    config = setting / "seed1" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "seed": 2}))  # misplaced
    assert figures_main(argv + ["fig1"]) == 2
    assert capsys.readouterr().err == (f"figures: error: {config}: seed is 2 but the run folder "
                                       "is seed1: a stale or misplaced run\n")
    config.write_text(json.dumps({**json.loads(config.read_text()), "seed": 1}))
    assert figures_main(argv + ["fig1"]) == 0  # negative control: the repaired tree draws
    capsys.readouterr()


def test_sweep_reads_the_sweep_tree_not_the_single_runs(sweep_root, tmp_path, monkeypatch,
                                                        capsys):
    """Both trees present: --sweep draws the seeds (and says how many) into figures-sweep,
    without it the single runs into figures (titles without seeds)."""
    write_nn(sweep_root, np.random.default_rng(5))  # nn_checks/cpu: one run per setting
    figs = spy_save(monkeypatch)
    argv = ["--results", str(sweep_root), "--only", "fig1,fig8"]
    assert figures_main(argv + ["--sweep"]) == 0
    assert capsys.readouterr().out.split() == [
        str(sweep_root / "figures-sweep" / f"{n}.{e}") for n in ("fig1_lm_smoothness",
                                                                 "fig8_frontiers")
        for e in ("png", "pdf")]
    swept = texts(figs)
    assert any(t.endswith("(3 seeds)") for t in swept)
    assert "lstm lr30clip0.25 (3 seeds)" in swept  # Fig 8: one marker per seed, one label
    assert sum(len(l.get_xdata()) for l in figs[1].axes[0].get_lines()
               if l.get_marker() == "s" and l.get_linestyle() == "None") == 3
    figs.clear()
    assert figures_main(argv) == 0
    assert capsys.readouterr().out.split()[0] == str(sweep_root / "figures" /
                                                     "fig1_lm_smoothness.png")
    assert not any("seed" in t for t in texts(figs))


@pytest.mark.parametrize("preset, target", [("cpu", "make sweep"),
                                            ("smoke", "make sweep PRESET=smoke")])
def test_a_missing_sweep_names_make_sweep(tmp_path, capsys, preset, target):
    (tmp_path / "r").mkdir()
    assert figures_main(["--results", str(tmp_path / "r"), "--preset", preset, "--sweep",
                         "--only", "fig1,fig4", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(f"run `{target}` to produce it" in line for line in err)
    assert all(f"nn_checks/{preset}-sweep/" in line for line in err)


def test_the_sweep_layout():
    where = style.layout("r", "cpu", sweep=True)
    assert (where.nn, where.figures, where.report) == (Path("r/nn_checks/cpu-sweep"),
                                                      Path("r/figures-sweep"),
                                                      Path("r/report-sweep"))
    assert (where.make_nn, where.make_figures, where.make_report) == ("make sweep",) * 3
    paper = style.layout("r", "paper", sweep=True)
    assert (paper.figures, paper.report) == (Path("r/figures-paper-sweep"),
                                             Path("r/report-paper-sweep"))
    assert paper.make_nn == "make sweep PRESET=paper" and paper.sweep
    assert paper.check == style.layout("r", "paper").check  # the check is not the sweep's
    plain = style.layout("r", "paper")
    assert (plain.nn, plain.make_nn, plain.sweep) == (Path("r/nn_checks/paper"),
                                                     "make nn PRESET=paper", False)
    assert where.run_name(where.nn / "lstm_x" / "seed3") == "lstm_x/seed3"


def test_inputs_list_every_seed_and_one_run_stays_one(sweep_root, tmp_path):
    where = style.layout(sweep_root, sweep=True)
    files = FIGURES["fig1"].inputs(where)
    setting = where.run("lstm", "lr30clip0.25")
    assert files == [setting / f"seed{s}" / n for s in (0, 1, 2)
                     for n in ("metrics.csv", "fit.json", "config.json")]
    write_nn(tmp_path / "one", np.random.default_rng(1))
    single = style.layout(tmp_path / "one")
    assert FIGURES["fig1"].inputs(single) == [single.run("lstm", "lr30clip0.25") / n for n in
                                              ("metrics.csv", "fit.json", "config.json")]
    assert style.seed_label(setting) == "3 seeds" and style.seed_label(single.run(
        "lstm", "lr30clip0.25")) == ""
