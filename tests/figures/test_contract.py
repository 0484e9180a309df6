"""The contract between the producers and figures/: what the real producers write (a small
results tree built by their own command lines, tests/producers.py) is accepted by every schema
reader of figures/schemas.py, drawn by every figure's ``draw()`` without a "missing" panel, and
reported by ``python -m figures.report`` without a "missing" line; every file the producers
write has a reader or a stated reason to be unread. Negative controls: the same files with one
field renamed or removed are refused by their reader in one line naming the file and the
field -- so a producer's schema change fails here, not in front of a reader."""
from __future__ import annotations

import contextlib
import csv
import fnmatch
import io
import json
import shutil

import numpy as np
import pytest
from matplotlib import image
from matplotlib.text import Text

from figures import look, schemas, style
from figures.__main__ import FIGURES
from figures.__main__ import main as figures_main
from figures.markup import text
from figures.readers import InputError
from figures.report import figure_captions
from figures.report import main as report_main
pytest_plugins = ["producers"]  # the producers' tree: fixtures produced, produced_copy

READERS = [  # (files under the results tree, their reader); "P" is the preset's folder
    ("synthetic/check/records.jsonl", schemas.records),
    ("synthetic/check/summary.json", schemas.summary),
    ("synthetic/check/config.json", schemas.check_config),
    ("synthetic/check/env.json", schemas.env),
    ("theory/catalogue/records.jsonl", schemas.records),
    ("theory/catalogue/env.json", schemas.env),
    ("theory/frontiers/frontiers.json", schemas.frontiers),
    ("theory/frontiers/config.json", schemas.frontiers_config),
    ("theory/frontiers/env.json", schemas.env),
    ("nn_checks/P/claims.json", schemas.claims),
    ("nn_checks/P/*_*/metrics.csv", schemas.metrics),
    ("nn_checks/P/*_*/epochs.csv", schemas.epochs),
    ("nn_checks/P/*_*/config.json", schemas.run_config),
    ("nn_checks/P/*_*/env.json", schemas.env),
    ("nn_checks/P/*_*/fit.json", schemas.fit),
]
HARDWARE = ("producer", "platform", "machine", "processor", "CPU cores", "Python", "packages",
            "device", "git revision", "recorded (UTC)")  # the report's hardware table
NOT_RECORDED_BY_PROVENANCE: dict[str, str] = {}  # what plumbing.provenance.environment_info
# (synthetic, theory) does not record, and why: nothing since it records the processor too
UNREAD = {  # files a producer writes that figures/ never reads, and why
    "synthetic/check/parts/*.jsonl": "the check's resume parts: records.jsonl holds them all",
    "theory/catalogue/config.json": "the catalogue's arguments: the report shows its records",
    "*/.lock": "a producer's folder lock, not a result",
}


def files(root, pattern: str, preset: str) -> list:
    """The files of the tree matching ``pattern`` (shell-style, on the relative path)."""
    pattern = pattern.replace("/P/", f"/{preset}/")
    return sorted(p for p in root.rglob("*") if p.is_file()
                  and fnmatch.fnmatch(p.relative_to(root).as_posix(), pattern))


def test_every_file_the_producers_write_has_a_reader_or_a_reason(produced):
    read = {p for pattern, _ in READERS for p in files(produced.root, pattern, produced.preset)}
    unread = {p for pattern in UNREAD for p in files(produced.root, pattern, produced.preset)}
    stray = sorted(str(p.relative_to(produced.root)) for p in produced.root.rglob("*")
                   if p.is_file() and p not in read | unread)
    assert not stray, f"producers wrote files no reader knows: {stray}"


@pytest.mark.parametrize("pattern, reader", READERS, ids=[p for p, _ in READERS])
def test_every_reader_accepts_its_producers_file(produced, pattern, reader):
    found = files(produced.root, pattern, produced.preset)
    assert found, f"no producer wrote {pattern} ({'; '.join(produced.skipped) or 'none skipped'})"
    for path in found:
        reader(path)


def test_the_records_hold_what_figures_6_and_7_select(produced):
    """Selected by ``check`` and ``quantity``; Fig 6 groups by the instance parameters."""
    records = schemas.records(produced.root / "synthetic" / "check" / "records.jsonl")
    steps = style.select(records, "thm4", "iterations")
    assert steps and all(set(schemas.INSTANCE + ("h",)) <= set(r["params"]) for r in steps)
    assert {r["status"] for r in steps} >= {"converged", "diverged"}
    assert style.select(records, "rem5", "ratio") and style.select(records, "rem5", "growth")
    assert style.select(records, "thm4", "membership")  # present, and not drawn by Fig 6
    assert all("construction" in r["params"] and "minimax_1d" in r["extra"] for r in steps)
    assert {r["params"]["construction"] for r in steps} & set(style.CONSTRUCTIONS)
    catalogue = schemas.records(produced.root / "theory" / "catalogue" / "records.jsonl")
    assert {r["check"] for r in catalogue} == {"catalogue"}


def test_the_records_hold_what_figures_6_and_10_draw_of_the_2d_member(produced):
    """One minimax-2d record per Thm 4 instance, one thresholds-2d record with its table."""
    records = schemas.records(produced.root / "synthetic" / "check" / "records.jsonl")
    key = lambda r: tuple(r["params"][k] for k in schemas.INSTANCE)
    steps = {key(r) for r in style.select(records, "thm4", "iterations")}
    two_d = [key(r) for r in style.select(records, "thm4", "minimax-2d")]
    assert sorted(two_d) == sorted(steps)
    assert all(r["extra"]["per_h"] for r in style.select(records, "thm4", "minimax-2d"))
    (thresholds,) = style.select(records, "thm4", "thresholds-2d")
    assert len(thresholds["extra"]["table"]) >= 10


def spy_texts(monkeypatch) -> list[str]:
    """Every text of every figure saved (the figures are still rendered and written)."""
    shown, real = [], look.save

    def save(fig, out, name):
        shown.extend(t.get_text() for t in fig.findobj(Text))
        return real(fig, out, name)

    monkeypatch.setattr(style, "save", save)
    monkeypatch.setattr(look, "save", save)
    return shown


def assert_image(path):
    assert path.stat().st_size > 1000
    if path.suffix == ".png":
        assert float(np.var(image.imread(path))) > 0, f"{path.name} is blank"
    else:
        assert path.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("key", list(FIGURES))
def test_every_figure_draws_the_producers_files(produced, tmp_path, monkeypatch, key):
    module = FIGURES[key]
    where = style.layout(produced.root, produced.preset)
    style.validate(module.inputs(where))  # what python -m figures does before drawing
    shown = spy_texts(monkeypatch)
    written = module.draw(produced.root, tmp_path, produced.preset)
    assert written == [tmp_path / f"{module.NAME}.{e}" for e in ("png", "pdf")]
    for path in written:
        assert_image(path)
    if not produced.skipped:  # every input present: no panel may say one is missing
        assert not [t for t in shown if "missing" in t or "without an envelope" in t], shown
        assert "no finite points" not in shown and "no finite values yet" not in shown


@pytest.fixture(scope="module")
def reported(produced, tmp_path_factory):
    """The report of a copy of the producers' tree (its command line), with a png in place of
    every figure (the report links them; drawing them is the test above)."""
    root = tmp_path_factory.mktemp("reported") / "results"
    shutil.copytree(produced.root, root)
    where = style.layout(root, produced.preset)
    where.figures.mkdir()
    for name in figure_captions():
        (where.figures / f"{name}.png").write_bytes(b"drawn by python -m figures")
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert report_main(["--results", str(root), "--preset", produced.preset]) == 0
    return root, where, printed.getvalue(), where.report.with_suffix(".md").read_text()


def test_the_report_shows_every_producers_file(produced, reported):
    root, where, printed, md = reported
    assert f"report -> {where.report}.md, {where.report}.html" in printed
    assert where.report.with_suffix(".html").read_text().count("<table>") == 5
    assert "*missing:" not in md and "no results yet" not in md
    summary = schemas.summary(where.check / "summary.json")
    for row in summary["rows"]:
        statement = text(row["theorem"]) + (f" ({text(row['algorithm'])})"
                                            if row.get("algorithm") else "")
        assert f"| {row['check']} | {statement} | {row['mark']} | {row['records']} | " \
               f"{row['pass']} | {row['fail']} |" in md
    for fail in summary["fails"]:
        assert f"**FAIL** `{fail['check_id']}`" in md
    assert "quick sizes" in md  # the check's config.json says quick
    catalogue = schemas.records(root / "theory" / "catalogue" / "records.jsonl")
    bad = sum(r["verdict"] == "fail" for r in catalogue)
    assert f"Catalogue: {len(catalogue)} declared classes, constants and minima verified, " \
           f"{bad} failed." in md
    for claim in schemas.claims(where.nn / "claims.json")["claims"]:
        assert f"**{claim['verdict']}**" in md and text(claim["id"]) in md
    for name in figure_captions():
        assert f"![{name}]({where.figures.name}/{name}.png)" in md
    for check in schemas.check_config(where.check / "config.json")["seconds"]:
        assert f"| synthetic check {text(check)} |" in md
    assert "| catalogue frontiers |" in md
    hardware = md.split("Hardware and software")[1]
    assert "no env.json" not in hardware and "?" not in hardware
    head = HARDWARE
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in hardware.splitlines()
            if line.startswith("| ") and not line.startswith("| producer")]
    assert len(rows) == 3 + len(produced.runs())
    for row in rows:
        lost = {h for h, c in zip(head, row) if c == "not recorded"}
        allowed = set() if row[0].startswith("nn_checks") else set(NOT_RECORDED_BY_PROVENANCE)
        assert lost <= allowed, f"{row[0]}: env.json lacks {sorted(lost - allowed)}"
    if not produced.skipped:
        assert "Missing runs" not in md and "Unfinished runs" not in md
        assert all(f"| nn_checks {produced.preset} {text(name)} |" in md
                   for name in schemas.RUN_NAMES)


# --- negative controls: one field renamed or removed, refused naming the file and the field


def edit_json(change):
    def apply(path):
        doc = json.loads(path.read_text())
        change(doc)
        path.write_text(json.dumps(doc))
    return apply


def edit_lines(change, only=lambda record: True):
    """Change every JSON line for which ``only`` holds."""
    def apply(path):
        docs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for doc in docs:
            if only(doc):
                change(doc)
        path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return apply


def edit_csv(change):
    def apply(path):
        rows = list(csv.reader(io.StringIO(path.read_text())))
        path.write_text("".join(",".join(row) + "\n" for row in change(rows)))
    return apply


def rename(doc, old, new):
    doc[new] = doc.pop(old)


def drop_column(name):
    def change(rows):
        j = rows[0].index(name)
        return [row[:j] + row[j + 1:] for row in rows]
    return change


def rename_column(old, new):
    def change(rows):
        rows[0] = [new if cell == old else cell for cell in rows[0]]
        return rows
    return change


def first_of(check, quantity):
    seen = []

    def only(record):
        hit = record.get("check") == check and record.get("quantity") == quantity and not seen
        seen.extend([True] if hit else [])
        return hit
    return only


OLDER = "the file was written by an older version of its producer; rerun"
CONTROLS = [  # (id, file, reader, damage, what the one-line message must say)
    ("records-verdict-removed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d.pop("verdict")), "line 1: verdict is"),
    ("records-params-renamed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: rename(d, "params", "parameters")), "line 1: params is not an object"),
    ("records-h-removed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d["params"].pop("h"), first_of("thm4", "iterations")), "params.h"),
    ("records-instance-removed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d["params"].pop("Delta"), first_of("thm4", "iterations")),
     "params.Delta"),
    ("records-M-removed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d["params"].pop("M"), first_of("rem5", "ratio")), "params.M"),
    ("records-no-check", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d.pop("check")),
     f"line 1: check is missing: {OLDER} `make synthetic-check`"),
    ("records-quantity-renamed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: rename(d, "quantity", "kind")),
     f"line 1: quantity is missing: {OLDER} `make synthetic-check`"),
    ("records-no-status", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d.pop("status")), "line 1: status is missing"),
    ("records-no-censored", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d.pop("censored")), "line 1: censored is missing"),
    ("catalogue-no-quantity", "theory/catalogue/records.jsonl", schemas.records,
     edit_lines(lambda d: d.pop("quantity")), f"quantity is missing: {OLDER} `make catalogue`"),
    ("summary-pass-renamed", "synthetic/check/summary.json", schemas.summary,
     edit_json(lambda d: rename(d["rows"][0], "pass", "passed")), "rows[0].pass is not"),
    ("summary-fails-removed", "synthetic/check/summary.json", schemas.summary,
     edit_json(lambda d: d.pop("fails")), "fails is not a list"),
    ("summary-tightness-text", "synthetic/check/summary.json", schemas.summary,
     edit_json(lambda d: d["rows"][0].update(tightness_witness="0.5")),
     "rows[0].tightness_witness is not a number"),
    ("summary-algorithm-list", "synthetic/check/summary.json", schemas.summary,
     edit_json(lambda d: d["rows"][0].update(algorithm=["clipped GD"])),
     "rows[0].algorithm is not a string (found a list)"),
    ("records-construction-number", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d["params"].update(construction=1), first_of("thm4", "iterations")),
     "params.construction is not a string"),
    ("records-2d-h-cycle-removed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d["params"].pop("h_cycle"), first_of("thm4", "minimax-2d")),
     "params.h_cycle is not a number"),
    ("records-2d-per-h-renamed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: rename(d["extra"], "per_h", "steps"), first_of("thm4", "minimax-2d")),
     "extra.per_h is not a list"),
    ("records-thresholds-table-renamed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: rename(d["extra"], "table", "rows"),
                first_of("thm4", "thresholds-2d")), "extra.table is not a list"),
    ("records-thresholds-column-renamed", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: rename(d["extra"]["table"][0], "w2_limit", "w2"),
                first_of("thm4", "thresholds-2d")), "extra.table[0].w2_limit is not a number"),
    ("records-minimax-text", "synthetic/check/records.jsonl", schemas.records,
     edit_lines(lambda d: d["extra"].update(minimax_1d="low"), first_of("thm4", "iterations")),
     "extra.minimax_1d is not a number"),
    ("frontiers-points-renamed", "theory/frontiers/frontiers.json", schemas.frontiers,
     edit_json(lambda d: rename(d["functions"][0], "points", "pts")),
     "functions[0].points is not a list"),
    ("frontiers-L1-removed", "theory/frontiers/frontiers.json", schemas.frontiers,
     edit_json(lambda d: d["functions"][0]["points"][0].pop("L1")),
     "functions[0].points[0].L1 is not a number"),
    ("frontiers-schema-removed", "theory/frontiers/frontiers.json", schemas.frontiers,
     edit_json(lambda d: d.pop("schema")), "schema is None"),
    ("claims-renamed", "nn_checks/P/claims.json", schemas.claims,
     edit_json(lambda d: rename(d, "claims", "verdicts")), "claims is not a list"),
    ("claims-run-name-removed", "nn_checks/P/claims.json", schemas.claims,
     edit_json(lambda d: d["runs"][0].pop("name")), "runs[0].name is None"),
    ("fit-envelope-renamed", "nn_checks/P/resnet20_sgdmom/fit.json", schemas.fit,
     edit_json(lambda d: rename(d, "envelope", "envelopes")), "envelope is not a list"),
    ("fit-correlation-removed", "nn_checks/P/resnet20_sgdmom/fit.json", schemas.fit,
     edit_json(lambda d: d.pop("correlation")), "correlation is not an object"),
    ("config-status-removed", "nn_checks/P/resnet20_sgdmom/config.json", schemas.run_config,
     edit_json(lambda d: d.pop("status")), "status is None"),
    ("metrics-loss-renamed", "nn_checks/P/resnet20_sgdmom/metrics.csv", schemas.metrics,
     edit_csv(rename_column("loss", "train_loss")), "header: column loss is missing"),
    ("metrics-step-removed", "nn_checks/P/resnet20_sgdmom/metrics.csv", schemas.metrics,
     edit_csv(drop_column("step")), "header: column step is missing"),
    ("epochs-epoch-renamed", "nn_checks/P/resnet20_sgdmom/epochs.csv", schemas.epochs,
     edit_csv(rename_column("epoch", "ep")), "header: column epoch is missing"),
]


@pytest.mark.parametrize("rel, reader, damage, expect", [c[1:] for c in CONTROLS],
                         ids=[c[0] for c in CONTROLS])
def test_a_renamed_or_removed_field_is_refused_naming_file_and_field(produced_copy, rel, reader,
                                                                    damage, expect):
    path = produced_copy.root / rel.replace("/P/", f"/{produced_copy.preset}/")
    reader(path)  # accepted as the producer wrote it
    damage(path)
    with pytest.raises(InputError) as err:
        reader(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    assert expect in message, message


def test_records_of_an_older_producer_are_one_line_for_the_figures_and_the_report(
        produced_copy, tmp_path, capsys):
    """Records without check, quantity, status and censored (before l0l1-record/2): exit 2,
    one line naming the file, the field and the make target that rewrites it; nothing
    written."""
    root, preset = produced_copy.root, produced_copy.preset
    strip = edit_lines(lambda d: [d.pop(k) for k in ("check", "quantity", "status", "censored")])
    check = root / "synthetic" / "check" / "records.jsonl"
    strip(check)
    assert figures_main(["--results", str(root), "--preset", preset, "--only", "fig6,fig7",
                         "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (f"figures: error: {check}: line 1: check is missing: "
                                       f"{OLDER} `make synthetic-check`\n")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    catalogue = root / "theory" / "catalogue" / "records.jsonl"
    strip(catalogue)
    assert report_main(["--results", str(root), "--preset", preset]) == 2
    assert capsys.readouterr().err == (f"figures.report: error: {catalogue}: line 1: check is "
                                       f"missing: {OLDER} `make catalogue`\n")
    assert not style.layout(root, preset).report.with_suffix(".md").exists()
