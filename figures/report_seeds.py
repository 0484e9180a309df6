"""The report's parts that depend on seeds: what each claim rests on, each setting across its
seeds, the state of every run folder.

``claims.json`` of schema ``l0l1-claims/2`` (``nn_checks claims``, :mod:`nn_checks.claims_seeds`)
says per claim how many seeds (``seeds``) and which steps (``steps`` = [min, max]) it rests on,
the settings it uses and its ``aggregation`` ("single seed" or "across k seeds"), and per
setting each statistic across its seeds (``settings[].stats``: n, mean, sd, the interval of the
mean); an ``l0l1-claims/1`` file is one run per setting: every claim is "single seed", its steps
those of the runs. Everything read from the file is escaped (:mod:`figures.markup`).
"""
from __future__ import annotations

from pathlib import Path

from figures import schemas
from figures.layout import Layout, run_folders
from figures.markup import Raw, code, number, table, text

__all__ = ["claim_basis", "measured", "settings_table", "sweep_sentence", "run_states",
           "figure_hint", "SEED_COLUMNS", "SWEEP_FIGURES"]

SWEEP_FIGURES = ("fig1", "fig2", "fig3", "fig4", "fig5")  # what `make sweep` draws (Makefile)
SEED_COLUMNS = (("pearson_r", "Pearson r (log-log)"), ("L0", "L0 (envelope)"),
                ("L1", "L1 (envelope)"))


def _steps(span) -> str:
    if not span:
        return "steps not recorded"
    low, high = span
    return f"{low} steps" if low == high else f"{low}–{high} steps"


def _seeds(k: int | None, aggregation: str | None) -> str:
    """"single seed" / "3 seeds", with the aggregation where it says more than that."""
    if aggregation == "single seed" or (aggregation is None and k == 1):
        return "single seed"
    head = "seeds not recorded" if k is None else f"{k} seed{'s' if k != 1 else ''}"
    if aggregation and aggregation != f"across {k} seeds":
        head += f" ({text(aggregation)})"
    return head


def claim_basis(claim: dict, claims: dict) -> str:
    """The cell saying what a claim rests on: "3 seeds; 40 steps; settings a, b" (escaped)."""
    if claims["schema"] == "l0l1-claims/1":
        steps = [r["steps"] for r in claims["runs"] if r.get("steps") is not None]
        return "single seed; " + _steps([min(steps), max(steps)] if steps else None)
    parts = [_seeds(claim.get("seeds"), claim.get("aggregation")), _steps(claim.get("steps"))]
    if claim.get("settings"):
        parts.append(", ".join(text(name) for name in claim["settings"]))
    return "; ".join(parts)


def measured(values: dict, prefix: str = "") -> str:
    """A claim's measured values as "name = value" (lists per seed in brackets, nested objects
    as dotted names), escaped."""
    parts = []
    for key, value in values.items():
        name = prefix + text(key)
        if isinstance(value, dict):
            parts.append(measured(value, name + "."))
        elif isinstance(value, list):
            parts.append(f"{name} = [{', '.join(number(v) for v in value)}]")
        else:
            parts.append(f"{name} = {number(value)}")
    return ", ".join(p for p in parts if p)


def _spread(stat: dict | None, k: int) -> tuple[str, str]:
    """("mean ± sd", "[low, high]") of one statistic across k seeds ("–" where absent)."""
    stat = stat or {}
    mean, sd, n = stat.get("mean"), stat.get("sd"), stat.get("n", 0)
    shown = "–" if mean is None else number(mean) + ("" if sd is None else f" ± {number(sd)}")
    if mean is not None and n < k:
        shown += f" (n = {n})"
    low, high, level = stat.get("ci_low"), stat.get("ci_high"), stat.get("level")
    interval = "–" if low is None or high is None else f"[{number(low)}, {number(high)}]"
    if interval != "–" and level not in (None, 0.95):
        interval += f" ({100 * level:g}%)"
    return shown, interval


def settings_table(claims: dict | None) -> list[str]:
    """The table of the settings across their seeds (n seeds, mean ± sd and the 95% interval
    of Pearson r, L0, L1), when some setting has two seeds or more; else nothing."""
    settings = (claims or {}).get("settings") or []
    if not any(s["n_seeds"] >= 2 for s in settings):
        return []
    rows = []
    for s in settings:
        k = s["n_seeds"]
        seeds = ", ".join(number(v) for v in s["seeds"])
        row = [s["name"], Raw(f"{k} ({seeds})" if seeds else str(k))]
        for stat, _ in SEED_COLUMNS:
            row += [Raw(v) for v in _spread(s["stats"].get(stat), k)]
        rows.append(row)
    head = ["setting", "seeds"] + [h for _, label in SEED_COLUMNS
                                   for h in (f"{label}: mean ± sd", "95% interval")]
    return table(head, rows) + [
        "", "Across the seeds of each setting, as `nn_checks claims` computed them: mean ± "
        "sample sd over the seeds with a value (n = how many, where not all: a running or "
        "unfitted seed has none), and the 95% interval of the mean (Student t). Each claim above "
        "says how many seeds and steps it rests on."]


def sweep_sentence(claims: dict | None) -> str:
    """One sentence on the seeds behind the claims of a seed sweep."""
    counts = [s["n_seeds"] for s in (claims or {}).get("settings") or []]
    if not counts:
        return "Seed sweep: no setting has a run folder yet."
    return (f"Seed sweep: {sum(counts)} run folders, {min(counts)}–{max(counts)} seeds per "
            f"setting ({len(counts)} settings with runs).")


def run_states(where: Layout) -> list[str]:
    """Which settings have no run (no config.json), which seed folders lack one, and which runs
    are unfinished (their config.json says "running")."""
    absent, unfinished = [], []
    for folder in where.runs():
        configs = [(run, _config(run)) for run in run_folders(folder)]
        if all(config is None for _, config in configs):
            absent.append(folder.name)
            continue
        absent += [where.run_name(run) for run, config in configs if config is None]
        unfinished += [where.run_name(run) for run, config in configs
                       if config is not None and config["status"] == "running"]
    out = []
    if absent:
        count = f"{len(absent)}" if where.sweep else f"{len(absent)} of 6"
        out.append(f"Missing runs ({count}, no config.json under {code(where.shown(where.nn))}): "
                   f"{', '.join(code(n) for n in absent)}; run {code(where.make_nn)} to train "
                   "them.")
    if unfinished:
        out.append(f"Unfinished runs (status running): {', '.join(code(n) for n in unfinished)};"
                   f" rerun {code(where.make_nn)} to resume them.")
    return out


def _config(run: Path) -> dict | None:
    path = run / "config.json"
    return schemas.run_config(path) if path.exists() else None


def figure_hint(where: Layout, name: str) -> str:
    """What draws figure ``name`` into the report's figure folder: the layout's make target
    (``make sweep`` draws Figs 1-5 of a sweep), else ``python -m figures --sweep --only figN``."""
    key = name.split("_")[0]
    if not where.sweep or key in SWEEP_FIGURES:
        return where.make_figures
    preset = "" if where.preset == "cpu" else f" --preset {where.preset}"
    return f"python -m figures --sweep{preset} --only {key}"
