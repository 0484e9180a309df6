"""``python -m figures.report``: results/report.md and results/report.html from result files only.

Reads what the producers wrote -- ``synthetic/check/{summary.json, config.json, env.json}``,
``theory/catalogue/records.jsonl``, ``theory/frontiers/config.json``,
``nn_checks/<preset>/claims.json`` (runs, fitted constants, the paper's claims judged with their
criteria, computed by :mod:`nn_checks.claims`) and each run's ``config.json`` / ``env.json`` --
plus the figure files, and formats them: verdict table, claims, fitted constants, figures,
runtime and hardware. It computes nothing but sums of runtimes; a missing input becomes a line
saying so (and which ``make`` target writes it), never an invented number. The HTML is the
Markdown rendered by the ``markdown`` package (tables extension) with a small stylesheet.
"""
from __future__ import annotations

import argparse
import ast
import html
import json
import os
import sys
from pathlib import Path

import markdown

def figure_captions() -> dict[str, str]:
    """Figure name -> caption: the first docstring line of each ``figures/fig*.py``, read with
    ``ast`` (the report stays free of matplotlib), in figure order."""
    folder = Path(__file__).resolve().parent
    return {path.stem: ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            .split("\n")[0] for path in sorted(folder.glob("fig[0-9]*_*.py"))}

CSS = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.4}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.25em .5em;"
       "text-align:left;font-size:.9em}th{background:#eee}img{max-width:100%;border:1px solid #ddd}"
       "code{background:#f4f4f4}")


def _load(path: Path):
    if not path.exists():
        return None
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


def _g(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _ci(pair) -> str:
    return "–" if not pair or None in pair else f"[{_g(pair[0])}, {_g(pair[1])}]"


def _table(head: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(_g(c) for c in row) + " |" for row in rows]


def _theorems(results: Path) -> list[str]:
    folder = results / "synthetic" / "check"
    summary = _load(folder / "summary.json")
    if summary is None:
        return [f"*missing: {folder / 'summary.json'} (run `make synthetic-check`)*"]
    rows = [[r["check"], r["theorem"], r["mark"], r["records"], r["pass"], r["fail"],
             r["inconclusive"], r["shape-only"],
             "–" if r["ratio_min"] is None else f"{r['ratio_min']:.3g} … {r['ratio_max']:.3g}"]
            for r in summary["rows"]]
    lines = _table(["check", "statement", "mark", "records", "pass", "fail", "inconclusive",
                    "shape-only", "measured/bound"], rows)
    lines += ["", "Marks: *paper* (stated in the paper), *reconstructed* (our reconstruction of "
              "a statement whose exact form was not available), *follow-up* (later papers). "
              "measured/bound over the decided one-sided records.", ""]
    for f in summary["fails"]:
        lines.append(f"- **FAIL** `{f['check_id']}`: measured {_g(f['measured'], 6)} vs bound "
                     f"{_g(f['bound'], 6)}. {f.get('notes') or ''}")
    catalogue = _load(results / "theory" / "catalogue" / "records.jsonl")
    if catalogue is not None:
        bad = sum(r["verdict"] == "fail" for r in catalogue)
        lines += ["", f"Catalogue: {len(catalogue)} declared classes, constants and minima "
                  f"verified, {bad} failed."]
    return lines


def _summary(results: Path, claims: dict | None) -> list[str]:
    """Counts only: verdicts of the theorem checks and of the paper's claims."""
    out = []
    summary = _load(results / "synthetic" / "check" / "summary.json")
    if summary is not None:
        total = {k: sum(r[k] for r in summary["rows"])
                 for k in ("records", "pass", "fail", "inconclusive", "shape-only")}
        fails = ", ".join(f"`{f['check_id']}`" for f in summary["fails"]) or "none"
        out.append(f"- Theorem checks: {total['records']} records, {total['pass']} pass, "
                   f"{total['fail']} fail ({fails}), {total['inconclusive']} inconclusive, "
                   f"{total['shape-only']} shape-only.")
    if claims is not None:
        for verdict in ("supported", "not supported", "inconclusive"):
            ids = [c["id"] for c in claims["claims"] if c["verdict"] == verdict]
            if ids:
                out.append(f"- The paper's claims {verdict}: {', '.join(ids)}.")
    return out or ["*no results yet (run `make reproduce`)*"]


def _claims(claims: dict | None, where: Path) -> list[str]:
    if claims is None:
        return [f"*missing: {where} (run `make nn`)*"]
    rows = [[c["claim"], c["criterion"],
             ", ".join(f"{k} = {_g(v)}" for k, v in c["measured"].items()),
             f"**{c['verdict']}**"] for c in claims["claims"]]
    return _table(["paper's claim", "criterion (ours)", "measured", "verdict"], rows)


def _runs(claims: dict | None) -> list[str]:
    if claims is None:
        return []
    rows = [[r["name"], r.get("dataset") or "–", r["status"] or "missing", r["steps"],
             r.get("n_eff"), r["L0"], _ci(r["ci_L0"]), r["L1"],
             _ci(r["ci_L1"]), r["reg_L0"], r["reg_L1"], r["pearson_r"], r["spearman_rho"],
             r["final_train_loss"], r["final_val_loss"] if r["final_test_acc"] is None
             else r["final_test_acc"]] for r in claims["runs"]]
    return _table(["run", "data", "status", "steps", "n_eff", "L0 (envelope)", "95% CI",
                   "L1 (envelope)",
                   "95% CI", "L0 (regr.)", "L1 (regr.)", "Pearson r (log-log)", "Spearman ρ",
                   "last-epoch train loss", "val loss / test acc"], rows) + [
        "", "Envelope: the smallest line L0 + L1·x above every (gradient norm, smoothness) point "
        "(percentile-bootstrap intervals, indicative for an extreme statistic); regression: "
        "least squares. n_eff: effective number of independent steps behind the correlation "
        "tests (lag-1 autocorrelation corrected). The paper reports no fitted constants: these "
        "are ours, in units of each model's loss."]


def _runtime(results: Path, preset: str, claims: dict | None) -> list[str]:
    rows, total = [], 0.0
    check = _load(results / "synthetic" / "check" / "config.json") or {}
    for name, sec in (check.get("seconds") or {}).items():
        rows.append([f"synthetic check {name}", sec])
    front = _load(results / "theory" / "frontiers" / "config.json") or {}
    if front.get("wall_seconds") is not None:
        rows.append(["catalogue frontiers", front["wall_seconds"]])
    for r in (claims or {}).get("runs", []):
        rows.append([f"nn_checks {preset} {r['name']}", r["wall_seconds"]])
    total = sum(r[1] for r in rows if isinstance(r[1], (int, float)))
    env = _load(results / "synthetic" / "check" / "env.json") or {}
    nn_env = next((e for e in (_load(results / "nn_checks" / preset / r["name"] / "env.json")
                               for r in (claims or {}).get("runs", [])) if e), {})
    hw = (f"{env.get('platform', '?')}, {env.get('cpu_count', '?')} CPU cores, Python "
          f"{env.get('python', '?')}, torch {nn_env.get('packages', {}).get('torch', '?')} on "
          f"{nn_env.get('device', '?')}; git {env.get('git_revision', '?')}")
    return _table(["step", "seconds"], [[n, s if s is None else round(s, 1)] for n, s in rows]) \
        + ["", f"Sum of the timed steps: {total / 60:.1f} min (installation, the catalogue, "
           f"figures and this report not included). Hardware: {hw}."]


def names(preset: str) -> tuple[str, str]:
    """(figure folder, report stem) under results/: ``figures``, ``report`` for the default
    ``cpu`` preset, ``figures-<preset>``, ``report-<preset>`` otherwise (as the Makefile)."""
    return ("figures", "report") if preset == "cpu" else (f"figures-{preset}",
                                                          f"report-{preset}")


def _scale(preset: str, claims: dict | None) -> str:
    data = sorted({r.get("dataset") for r in (claims or {}).get("runs", []) if r.get("dataset")})
    what = f"data read: {', '.join(data)}" if data else "data sets not recorded"
    if preset == "paper":
        return (f"Six training runs at the `paper` preset ({what}); the paper's ResNet results "
                "are on CIFAR-10, Fashion-MNIST is the offline fallback.")
    return (f"Six training runs at the `{preset}` preset ({what}; see README for its sizes): a "
            "short replication, not the paper's scale (AWD-LSTM on full PTB, 200 ResNet epochs "
            "on CIFAR-10).")


def build(results: Path, preset: str) -> str:
    """The report as Markdown (image links relative to ``results``)."""
    claims_path = results / "nn_checks" / preset / "claims.json"
    claims = _load(claims_path)
    figdir = names(preset)[0]
    lines = [f"# l0l1-workbench report (preset `{preset}`)", "",
             "Everything below is read from files under `results/` written by `make reproduce`.",
             "", "## Summary", ""] + _summary(results, claims)
    lines += ["", "## Theorem checks (synthetic/)", ""] + _theorems(results)
    lines += ["", "## The paper's empirical claims (nn_checks/)", "", _scale(preset, claims),
              ""] + _claims(claims, claims_path)
    lines += ["", "## Fitted (L0, L1) and correlations", ""] + _runs(claims)
    lines += ["", "## Figures", ""]
    for name, caption in figure_captions().items():
        png = results / figdir / f"{name}.png"
        lines += [f"**{name}** — {caption}", "",
                  f"![{name}]({figdir}/{name}.png)" if png.exists()
                  else f"*missing: {png} (run `make figures`)*", ""]
    lines += ["## Runtime and hardware", ""] + _runtime(results, preset, claims)
    return "\n".join(lines) + "\n"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr, exit 2."""

    def error(self, message: str):
        self.exit(2, f"figures.report: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point; 2 for bad input (one line on stderr, never a traceback)."""
    parser = _Parser(prog="python -m figures.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--preset", default="cpu")
    args = parser.parse_args(argv)
    results = Path(args.results)
    if not results.is_dir():
        print(f"figures.report: error: {results} is not a directory (run make reproduce)",
              file=sys.stderr)
        return 2
    stem = names(args.preset)[1]
    try:
        text = build(results, args.preset)
        body = markdown.markdown(text, extensions=["tables"])
        _atomic_write(results / f"{stem}.md", text)
        _atomic_write(results / f"{stem}.html", "<!doctype html><html><head><meta "
                      f"charset='utf-8'><title>{html.escape('l0l1-workbench report')}</title>"
                      f"<style>{CSS}</style></head><body>{body}</body></html>\n")
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # JSON errors included
        print(f"figures.report: error: unreadable result file ({type(error).__name__}: "
              f"{error}); rerun the step that writes it", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"figures.report: error: {error}", file=sys.stderr)
        return 2
    print(f"report -> {results / stem}.md, {results / stem}.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
