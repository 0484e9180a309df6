"""Issue 12's figures from hand-written result files (tests/figures/test_figures.py's tree):
Fig 6's witness per construction, 1-D min-max and 2-D member; Fig 9, the tightness of the
upper bounds from summary.json; Fig 10, the step thresholds of the "thresholds-2d" record.
Absent records and fields are "missing" notes or panels, never a crash; text from the files is
drawn literally; summary rows with and without the ``algorithm`` field are read and reported.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from figures import schemas, style
from figures.__main__ import FIGURES, main
from figures.fig9_tightness import rows
from figures.report import build, figure_captions
from test_figures import C_2D, spy_save, summary_row, texts, write_results


@pytest.fixture
def tree(tmp_path):
    return write_results(tmp_path / "results")


def edit_records(root, change):
    """Apply ``change(records) -> records`` to the tree's records.jsonl."""
    path = root / "synthetic" / "check" / "records.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in change(records)))


def edit_summary(root, change):
    path = root / "synthetic" / "check" / "summary.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def one_line(shown):
    """The texts with their line breaks (look.wrap) undone."""
    return [" ".join(t.split()) for t in shown]


def lines_of(fig):
    return [line for ax in fig.axes for line in ax.get_lines()]


# --- Fig 6 ------------------------------------------------------------------------------------

def test_fig6_without_the_new_records_and_fields_says_so(tree, tmp_path, monkeypatch):
    """Records of a check from before issue 12: no minimax-2d record, no extra.minimax_1d, no
    params.construction. Drawn, each panel saying the 2-D record is missing, no 2-D legend."""
    def older(records):
        out = [r for r in records if r["quantity"] not in ("minimax-2d", "thresholds-2d")]
        for r in out:
            r["extra"].pop("minimax_1d", None)
            r["params"].pop("construction", None)
        return out

    edit_records(tree, older)
    figs = spy_save(monkeypatch)
    assert main(["--results", str(tree), "--only", "fig6,fig10", "--out", str(tmp_path)]) == 0
    shown = texts(figs)
    assert shown.count("missing: 2-D record (quantity minimax-2d)") == 2
    assert "hardest certified: none named" in shown
    assert not [t for t in shown if t.startswith(("2-D", "h_cycle", "lower estimate of inf_h"))]
    assert not any(line.get_drawstyle() == "steps-mid" for line in lines_of(figs[0]))
    assert any(t.startswith("missing: Thm 4 step thresholds (record, quantity thresholds-2d)")
               for t in one_line(shown)), shown


def test_fig6_draws_any_construction_name_literally(tree, tmp_path, capsys):
    """A construction the figure does not know (a later one, or hostile text) gets the
    fallback marker and its name, drawn as written (no mathtext)."""
    name = r"$\frac{1}{$ <b>x</b>"

    def rename(records):
        for r in records:
            if r["quantity"] == "iterations" and r["params"].get("construction") == "A":
                r["params"]["construction"] = name
        return records

    edit_records(tree, rename)
    assert main(["--results", str(tree), "--only", "fig6", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
    assert style.construction_look(name)["marker"] == "P"
    assert style.construction_label(name) == "hardest certified: " + style.plain(name, 24)


def test_fig6_2d_values_that_cannot_be_drawn_are_not(tree, tmp_path, monkeypatch):
    """An infinite h_cycle has no line; a zero T_ε is counted; all-infinite per_h: triangles."""
    def extreme(records):
        for r in records:
            if r["quantity"] == "minimax-2d":
                r["params"].update(h_cycle="inf", M_2d=None)
                r.update(measured="inf")
                r["extra"]["per_h"] = [{"h": 0.1, "measured": 0.0, "member": "m"},
                                       {"h": 0.2, "measured": "inf", "member": None}]
        return records

    edit_records(tree, extreme)
    figs = spy_save(monkeypatch)
    FIGURES["fig6"].draw(tree, tmp_path)
    shown = texts(figs)
    assert "2-D member: M' = nan, min over h of T_ε = inf" in shown
    assert "1 point ≤ 0 not shown" in shown
    lines = lines_of(figs[0])
    assert not any(line.get_linestyle() == "--" and line.get_color() == "C3" for line in lines)
    assert sum(len(line.get_xdata()) for line in lines
               if line.get_marker() == "^" and line.get_color() == "C3") == 1


# --- Fig 9 ------------------------------------------------------------------------------------

def test_fig9_rows_are_the_upper_bounds_with_a_tightness(tree):
    summary = schemas.summary(tree / "synthetic" / "check" / "summary.json")
    found = rows(summary)
    assert [label for label, _ in found] == ["Thm 3, clipped GD", "Thm 3, normalized GD",
                                             "Thm 6", "Vankov et al. 2024"]
    assert found[0][1].tolist() == [0.0015, 0.558, 0.5585]
    assert np.isnan(found[1][1][2]) and np.isnan(found[2][1][0])  # null: not a number


def test_fig9_labels_shared_by_two_rows_name_the_check(tree):
    doc = {"rows": [summary_row("thm3", "Thm 3", 1, 0.1, 0.5, 0.5),
                    summary_row("thm3b", "Thm 3", 1, 0.1, 0.5, 0.5),
                    summary_row("thm7", "A very long theorem name that goes on " * 3, 1, 0.1,
                                0.5, 0.5, algorithm="clipped\nGD")]}
    labels = [label for label, _ in rows(doc)]
    assert labels[:2] == ["Thm 3 [thm3]", "Thm 3 [thm3b]"]
    assert all(len(line) <= 26 for line in labels[2].splitlines())
    assert labels[2].replace("\n", " ").endswith("…, clipped GD")


def test_fig9_draws_three_dots_a_row_the_bound_and_counts_what_is_absent(tree, tmp_path,
                                                                        monkeypatch):
    figs = spy_save(monkeypatch)
    assert FIGURES["fig9"].draw(tree, tmp_path) == [tmp_path / f"fig9_tightness.{e}"
                                                  for e in ("png", "pdf")]
    ax = figs[0].axes[0]
    dots = {line.get_marker(): len(line.get_xdata()) for line in ax.get_lines()
            if line.get_marker() not in ("None", "")}
    assert dots == {"o": 3, "s": 4, "D": 3}  # catalogue best, witness, analytic
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Thm 3, clipped GD", "Thm 3, normalized GD", "Thm 6", "Vankov et al. 2024"]
    assert any(line.get_xdata()[0] == 1.0 and line.get_linestyle() == "-"
               for line in ax.get_lines())  # the bound
    shown = texts(figs)
    assert "2 value(s) absent (null)" in shown and "0.558" in shown
    assert any(t.endswith("(summary of synthetic/check)") for t in shown)


def test_fig9_without_tightness_rows_is_a_missing_panel(tree, tmp_path, monkeypatch, capsys):
    edit_summary(tree, lambda doc: doc.update(rows=doc["rows"][:1]))  # the Thm 4 row only
    figs = spy_save(monkeypatch)
    assert main(["--results", str(tree), "--only", "fig9", "--out", str(tmp_path)]) == 0
    assert any(t.startswith("missing: upper-bound rows with a tightness")
               for t in one_line(texts(figs)))
    (tree / "synthetic" / "check" / "summary.json").unlink()
    assert main(["--results", str(tree), "--only", "fig9", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("figures: error: fig9_tightness: no input found") and \
        "make synthetic-check" in err and err.count("\n") == 1


def test_fig9_a_violated_bound_and_huge_values_are_drawn(tree, tmp_path, capsys):
    """A witness above its bound sits in the shaded part; 1e308 is counted, not drawn."""
    def change(doc):
        doc["rows"][1].update(tightness_witness=1.7, ratio_max=1e308, ratio_min=1.0)
        doc["rows"][3]["tightness_analytic"] = 1e-300
    edit_summary(tree, change)
    assert main(["--results", str(tree), "--only", "fig9", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_fig9_draws_theorem_and_algorithm_names_literally(tree, tmp_path, capsys):
    """Row labels are tick labels, which look.save leaves to mathtext: set literal here."""
    def change(doc):
        doc["rows"][1].update(theorem=r"$\frac{1}{$ <b>x</b>", algorithm="a_{b} $x$")
        doc["rows"][2]["check"] = "$"
    edit_summary(tree, change)
    assert main(["--results", str(tree), "--only", "fig9", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_a_summary_without_or_with_a_null_algorithm_is_read(tree):
    path = tree / "synthetic" / "check" / "summary.json"
    summary = schemas.summary(path)
    assert "algorithm" not in summary["rows"][4] and summary["rows"][3]["algorithm"] is None


# --- Fig 10 -----------------------------------------------------------------------------------

def test_fig10_draws_the_four_thresholds_and_the_crossover(tree, tmp_path, monkeypatch):
    figs = spy_save(monkeypatch)
    FIGURES["fig10"].draw(tree, tmp_path)
    ax = figs[0].axes[0]
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 40]
    assert len(lines) == 4
    x = lines[0].get_xdata()
    assert np.all(np.diff(x) > 0) and x[0] == 1.0 and x[-1] == pytest.approx(1e6)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    shown = texts(figs)
    assert f"2-D exact 2-cycle step c/(L1 M), c = {C_2D:.4g}" in shown
    assert "crossover M = 122.3" in shown and "L0 = 1, L1 = 1" in shown
    assert any("(records of synthetic/check)" in t for t in shown)


def test_fig10_counts_values_it_cannot_draw_and_sorts_the_table(tree, tmp_path, monkeypatch):
    def change(records):
        for r in records:
            if r["quantity"] == "thresholds-2d":
                table = r["extra"]["table"]
                table[0]["h_2c_1d"] = "inf"  # L0 = 0 writes inf
                table[1]["w2_limit"] = 0.0
                r["extra"]["table"] = table[::-1]
                r["extra"].update(crossover_M="inf", c=None)
        return records

    edit_records(tree, change)
    figs = spy_save(monkeypatch)
    FIGURES["fig10"].draw(tree, tmp_path)
    shown = texts(figs)
    assert "2 value(s) not finite or ≤ 0 not shown" in shown
    assert not any(t.startswith("crossover") for t in shown)  # an infinite crossover: no line
    assert f"2-D exact 2-cycle step c/(L1 M), c = {C_2D:.4g}" in shown  # c from measured
    drawn = [line for line in figs[0].axes[0].get_lines() if len(line.get_xdata()) > 2]
    assert sorted(len(line.get_xdata()) for line in drawn) == [39, 39, 40, 40]
    assert all(np.all(np.diff(line.get_xdata()) > 0) for line in drawn)


def test_fig10_an_empty_table_is_a_missing_panel(tree, tmp_path, monkeypatch):
    def change(records):
        for r in records:
            if r["quantity"] == "thresholds-2d":
                r["extra"]["table"] = []
        return records

    edit_records(tree, change)
    figs = spy_save(monkeypatch)
    FIGURES["fig10"].draw(tree, tmp_path)
    assert any(t.startswith("missing: Thm 4 step thresholds (record with table rows")
               for t in one_line(texts(figs)))


# --- the registry and the report --------------------------------------------------------------

def test_the_new_figures_are_registered_in_order():
    assert list(FIGURES)[-2:] == ["fig9", "fig10"]
    assert list(figure_captions())[-2:] == ["fig9_tightness", "fig10_thresholds"]
    from figures.__main__ import EPILOG

    assert "fig9  fig9_tightness" in EPILOG and "fig10  fig10_thresholds" in EPILOG
    assert "summary.json (Fig 9)" in EPILOG


def test_the_report_names_each_rows_algorithm(tree):
    edit_summary(tree, lambda doc: doc["rows"][1].update(algorithm="clipped *GD* | <b>"))
    md = build(tree)
    assert "| thm3 | Thm 3 (clipped \\*GD\\* \\| &lt;b&gt;) | reconstructed |" in md
    assert "| thm3 | Thm 3 (normalized GD) |" in md and "| thm6 | Thm 6 | reconstructed |" in md
