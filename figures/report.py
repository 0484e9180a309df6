"""``python -m figures.report``: results/report.md and results/report.html from result files only.

Reads what the producers wrote -- the synthetic check's ``{summary.json, config.json,
env.json}`` (``results/synthetic/check/`` by default, ``check-quick`` or any check folder on
request, named in the report), ``theory/catalogue/{records.jsonl, env.json}``,
``theory/frontiers/{config.json, env.json}``, ``nn_checks/<preset>/claims.json`` (runs, fitted
constants, the paper's claims judged with their criteria, computed by ``nn_checks claims``) and
each run's ``config.json`` / ``env.json`` -- plus the figure files, and formats them: verdict
table, claims (with the seeds and steps each rests on, :mod:`figures.report_seeds`), fitted
constants, each setting across its seeds, figures, runtime and hardware. ``--sweep`` reads the
seed sweep's tree (``nn_checks/<preset>-sweep/``, its figure folder) and writes its own report.
Every file is checked against what its producer writes (:mod:`figures.schemas`) before
anything is written; a malformed one is one line naming the file and the field (exit 2, the old
report untouched). It computes nothing
but sums of runtimes; a missing input becomes a line saying so (and which ``make`` target writes
it), never an invented number. Text from the files is escaped (:mod:`figures.markup`): only the
report's template makes markup. The HTML is the Markdown rendered by the ``markdown`` package
(tables extension) with a small stylesheet; report.md and report.html are replaced together.
"""
from __future__ import annotations

import ast
import html
import re
import sys
from pathlib import Path

import markdown

from figures import schemas
from figures.layout import CHECKS, Layout, add_source_arguments, layout
from figures.markup import Raw as _Raw
from figures.markup import code, number, text
from figures.markup import table as _table
from plumbing.cli import EXIT_OK, OneLineParser, UsageError, add_version, guarded
from plumbing.files import replace_together
from plumbing.locks import FolderLock
from figures.report_env import hardware
from figures.report_seeds import (claim_basis, figure_hint, measured, run_states, settings_table,
                                  sweep_sentence)

PROG = "figures.report"
CSS = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.4}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.25em .5em;"
       "text-align:left;font-size:.9em}th{background:#eee}img{max-width:100%;border:1px solid #ddd}"
       "code{background:#f4f4f4}")


def figure_captions() -> dict[str, str]:
    """Figure name -> caption: the first docstring line of each ``figures/fig*.py``, read with
    ``ast`` (the report stays free of matplotlib), in figure order (fig2 before fig10)."""
    folder = Path(__file__).resolve().parent
    paths = sorted(folder.glob("fig[0-9]*_*.py"),
                   key=lambda path: (int(re.match(r"fig(\d+)", path.stem).group(1)), path.stem))
    return {path.stem: ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            .split("\n")[0] for path in paths}


def _load(reader, path: Path):
    """``reader(path)`` (a :mod:`figures.schemas` reader), None when the file is absent."""
    return reader(path) if path.exists() else None


def _ci(pair) -> str:
    return "–" if not pair or None in pair else f"[{number(pair[0])}, {number(pair[1])}]"


def _check_origin(where: Layout, config: dict | None) -> str:
    """The sentence naming the check folder read and its sizes."""
    sizes = "sizes not recorded (no config.json)" if config is None else (
        "quick sizes: a smoke test of every check, not the full check" if config.get("quick")
        else "full sizes")
    return (f"Read from {code(where.shown(where.check))} ({sizes}; written by "
            f"{code(where.make_check)}).")


def _tightness(row: dict) -> str:
    """'w / a' of a summary row's tightness ratios ('–' where absent)."""
    w, a = row.get("tightness_witness"), row.get("tightness_analytic")
    if w is None and a is None:
        return "–"
    return " / ".join("–" if v is None else f"{v:.3g}" for v in (w, a))


def _statement(row: dict) -> str:
    """A summary row's theorem, with its algorithm in parentheses where the row names one."""
    algorithm = row.get("algorithm")
    return text(row["theorem"]) + (f" ({text(algorithm)})" if algorithm else "")


def _theorems(where: Layout, summary: dict | None, config: dict | None) -> list[str]:
    if summary is None:
        return [f"*missing: {code(where.check / 'summary.json')} (run "
                f"{code(where.make_check)})*"]
    rows = [[r["check"], _Raw(_statement(r)), r["mark"], r["records"], r["pass"], r["fail"],
             r["inconclusive"], r["shape-only"], _Raw("–" if r["ratio_min"] is None else
                                                     f"{r['ratio_min']:.3g} … "
                                                     f"{r['ratio_max']:.3g}"),
             _Raw(_tightness(r))]
            for r in summary["rows"]]
    lines = [_check_origin(where, config), ""]
    lines += _table(["check", "statement", "mark", "records", "pass", "fail",
                         "inconclusive", "shape-only", "measured/bound",
                     "tightness: witness / 1-D sup"], rows)
    lines += ["", "Marks: *paper* (stated in the paper), *reconstructed* (our reconstruction of "
              "a statement whose exact form was not available), *follow-up* (later papers), "
              "*unrecovered* (a bound the paper states whose formula we do not have), *ours* "
              "(introduced by this workbench, e.g. the 2-D thresholds of Thm 4). "
              "measured/bound over the decided one-sided records of T_ε. Tightness: the best "
              "certified worst-case witness's T_ε over the bound, then the analytic supremum of "
              "T_ε over 1-D members over the bound (docs/statements.md §5c); an upper bound "
              "whose tightness exceeds 1 is violated.", ""]
    for f in summary["fails"]:
        lines.append(f"- **FAIL** {code(f['check_id'])}: measured {number(f['measured'], 6)} vs "
                     f"bound {number(f['bound'], 6)}. {text(f.get('notes') or '')}".rstrip())
    catalogue = _load(schemas.records, where.results / "theory" / "catalogue" / "records.jsonl")
    if catalogue is not None:
        bad = sum(r["verdict"] == "fail" for r in catalogue)
        lines += ["", f"Catalogue: {len(catalogue)} declared classes, constants and minima "
                  f"verified, {bad} failed."]
    return lines


def _summary(summary: dict | None, claims: dict | None, where: Layout) -> list[str]:
    """Counts only: verdicts of the theorem checks and of the paper's claims."""
    out = []
    if summary is not None:
        total = {k: sum(r[k] for r in summary["rows"])
                 for k in ("records", "pass", "fail", "inconclusive", "shape-only")}
        fails = ", ".join(code(f["check_id"]) for f in summary["fails"]) or "none"
        out.append(f"- Theorem checks ({code(where.shown(where.check))}): {total['records']} "
                   f"records, {total['pass']} pass, {total['fail']} fail ({fails}), "
                   f"{total['inconclusive']} inconclusive, {total['shape-only']} shape-only.")
    if claims is not None:
        for verdict in schemas.CLAIM_VERDICTS:
            ids = [text(c["id"]) for c in claims["claims"] if c["verdict"] == verdict]
            if ids:
                out.append(f"- The paper's claims {verdict}: {', '.join(ids)}.")
    return out or ["*no results yet (run `make reproduce`)*"]


def _claims(claims: dict | None, where: Layout) -> list[str]:
    if claims is None:
        return [f"*missing: {code(where.nn / 'claims.json')} (run {code(where.make_nn)})*"]
    rows = [[c["claim"], c["criterion"], _Raw(measured(c["measured"])),
             _Raw(claim_basis(c, claims)), _Raw(f"**{text(c['verdict'])}**")]
            for c in claims["claims"]]
    return _table(["paper's claim", "criterion (ours)", "measured", "rests on", "verdict"],
                  rows)


def _runs(claims: dict | None) -> list[str]:
    if claims is None:
        return []
    rows = [[r.get("folder") or r["name"], r.get("dataset") or "–", r.get("status") or "missing",
             r.get("steps"),
             r.get("n_eff"), r.get("L0"), _Raw(_ci(r.get("ci_L0"))), r.get("L1"),
             _Raw(_ci(r.get("ci_L1"))), r.get("reg_L0"), r.get("reg_L1"), r.get("pearson_r"),
             r.get("spearman_rho"), r.get("final_train_loss"),
             r.get("final_val_loss") if r.get("final_test_acc") is None
             else r.get("final_test_acc")] for r in claims["runs"]]
    return _table(["run", "data", "status", "steps", "n_eff", "L0 (envelope)", "95% CI",
                       "L1 (envelope)", "95% CI", "L0 (regr.)", "L1 (regr.)",
                       "Pearson r (log-log)", "Spearman ρ", "last-epoch train loss",
                       "val loss / test acc"], rows) + [
        "", "Envelope: the smallest line L0 + L1·x above every (gradient norm, smoothness) point "
        "(percentile-bootstrap intervals, indicative for an extreme statistic); regression: "
        "least squares. n_eff: effective number of independent steps behind the correlation "
        "tests (lag-1 autocorrelation corrected). The paper reports no fitted constants: these "
        "are ours, in units of each model's loss."]


def _runtime(where: Layout, check_config: dict | None, claims: dict | None) -> list[str]:
    rows = []
    for name, sec in ((check_config or {}).get("seconds") or {}).items():
        rows.append([_Raw(f"synthetic check {text(name)}"), sec])
    front = _load(schemas.frontiers_config, where.results / "theory" / "frontiers" /
                  "config.json") or {}
    if front.get("wall_seconds") is not None:
        rows.append([_Raw("catalogue frontiers"), front["wall_seconds"]])
    for r in (claims or {}).get("runs", []):
        rows.append([_Raw(f"nn_checks {where.preset} {text(r.get('folder') or r['name'])}"),
                     r.get("wall_seconds")])
    total = sum(s for _, s in rows if isinstance(s, (int, float)))
    shown = [[n, None if s is None else round(float(s), 1)] for n, s in rows]
    return _table(["step", "seconds"], shown) + [
        "", f"Sum of the timed steps: {total / 60:.1f} min (installation, the catalogue, "
        "figures and this report not included).", ""] + hardware(where)


def _scale(preset: str, claims: dict | None, sweep: bool = False) -> str:
    data = sorted({r.get("dataset") for r in (claims or {}).get("runs", []) if r.get("dataset")})
    what = f"data read: {', '.join(text(d) for d in data)}" if data else \
        "data sets not recorded"
    if sweep:
        return (f"{sweep_sentence(claims)} Preset `{preset}` ({what}); every claim says how many "
                "seeds and steps it rests on.")
    if preset == "paper":
        return (f"Six training runs at the `paper` preset ({what}); the paper's ResNet results "
                "are on CIFAR-10, Fashion-MNIST is the offline fallback.")
    return (f"Six training runs at the `{preset}` preset ({what}; see README for its sizes): a "
            "short replication, not the paper's scale (AWD-LSTM on full PTB, 200 ResNet epochs "
            "on CIFAR-10).")


def names(preset: str, sweep: bool = False) -> tuple[str, str]:
    """(figure folder, report stem) under results/ (:func:`figures.layout.layout`)."""
    where = layout("results", preset, sweep=sweep)
    return where.figures.name, where.report.name


def build(results: Path, preset: str = "cpu", check: str = "check", check_dir=None,
          sweep: bool = False) -> str:
    """The report as Markdown (image links relative to ``results``), of the seed sweep's runs
    when ``sweep``; ``InputError`` naming the file and field for the first malformed input."""
    where = layout(Path(results), preset, check, check_dir, sweep)
    claims = _load(schemas.claims, where.nn / "claims.json")
    summary = _load(schemas.summary, where.check / "summary.json")
    check_config = _load(schemas.check_config, where.check / "config.json")
    lines = [f"# l0l1-workbench report (preset `{preset}`{', seed sweep' if sweep else ''})", "",
             "Everything below is read from result files written by `make reproduce`.",
             "", "## Summary", ""] + _summary(summary, claims, where)
    lines += ["", "## Theorem checks (synthetic/)", ""] + _theorems(where, summary, check_config)
    lines += ["", "## The paper's empirical claims (nn_checks/)", "",
              _scale(preset, claims, sweep), ""]
    states = run_states(where)
    lines += (states + [""] if states else []) + _claims(claims, where)
    lines += ["", "## Fitted (L0, L1) and correlations", ""] + _runs(claims)
    across = settings_table(claims)
    lines += ["", "## Each setting across its seeds", ""] + across if across else []
    lines += ["", "## Figures", ""]
    folder = where.figures.name
    for name, caption in figure_captions().items():
        png = where.figures / f"{name}.png"
        lines += [f"**{name}** — {caption}", "",
                  f"![{name}]({folder}/{name}.png)" if png.exists()
                  else f"*missing: {code(png)} (run {code(figure_hint(where, name))})*", ""]
    lines += ["## Runtime and hardware", ""] + _runtime(where, check_config, claims)
    return "\n".join(lines) + "\n"


def page(markdown_text: str) -> str:
    """The HTML page of the report's Markdown."""
    body = markdown.markdown(markdown_text, extensions=["tables"])
    return ("<!doctype html><html><head><meta charset='utf-8'><title>"
            f"{html.escape('l0l1-workbench report')}</title><style>{CSS}</style></head><body>"
            f"{body}</body></html>\n")


EPILOG = f"""\
presets (--preset, the nn_checks preset reported): {", ".join(schemas.PRESETS)}

read (under --results; a missing file becomes a line naming it and its make target):
  synthetic/<check>/{{summary.json,config.json,env.json}}: --check {" or ".join(CHECKS)}
      (make synthetic-check / make synthetic-quick), or --check-dir DIR
  theory/catalogue/{{records.jsonl,env.json}}, theory/frontiers/{{config.json,env.json}}
  nn_checks/<preset>/claims.json (make nn) and <model>_<run>/{{config.json,env.json}}
  figures/ (cpu) or figures-<preset>/: the png files linked (make figures)
  --sweep: nn_checks/<preset>-sweep/claims.json and <model>_<run>/seed<S>/{{config.json,
      env.json}} of the seed sweep (make sweep), figures-sweep/ (cpu) or figures-<preset>-sweep/;
      each claim says how many seeds and steps it rests on, each setting its spread over seeds

written: <results>/report.{{md,html}} for the cpu preset, report-<preset>.{{md,html}} otherwise
  (report-sweep.* or report-<preset>-sweep.* with --sweep), both replaced together (or neither);
  nothing is written when an input is malformed.

exit codes: 0 written; 2 bad input or refused (one line on stderr naming the file and the
  field, nothing written); 3 internal error; 130 interrupted
"""


def run(argv: list[str] | None) -> int:
    """Parse, check every input, write both files; the exit status."""
    parser = OneLineParser(prog=f"python -m {PROG}", epilog=EPILOG,
                           description="Write the report (Markdown and HTML) from result files "
                                       "only:\nverdicts, claims, fitted constants, figures, "
                                       "runtime and hardware.")
    add_source_arguments(parser, "results folder read and written")
    add_version(parser)
    args = parser.parse_args(argv)
    results = Path(args.results)
    if not args.results.strip() or not results.is_dir():
        raise UsageError(f"--results {args.results!r}: not a folder (run `make reproduce` to "
                         "fill one)")
    if args.check_dir is not None and not (args.check_dir.strip() and
                                           Path(args.check_dir).is_dir()):
        raise UsageError(f"--check-dir {args.check_dir!r}: not a folder")
    check = args.check or "check"
    try:
        where = layout(results, args.preset, check, args.check_dir, args.sweep)
    except ValueError as err:
        raise UsageError(str(err)) from None
    text_md = build(results, args.preset, check, args.check_dir, args.sweep)
    md, page_path = where.report.with_suffix(".md"), where.report.with_suffix(".html")
    with FolderLock(md.parent):  # one writer of the report at a time
        replace_together({md: text_md.encode("utf-8"),
                          page_path: page(text_md).encode("utf-8")})
    print(f"report -> {md}, {page_path}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 written, 2 bad input or refused (one line on stderr), 3 internal error."""
    return guarded(PROG, lambda: run(argv))


if __name__ == "__main__":
    sys.exit(main())
