"""What each producer writes, checked field by field before a figure or the report uses it.

One reader per result file, each returning the parsed content or raising
:class:`figures.readers.InputError` naming the file and the field:

==================  ===========================================  ===============================
file                producer                                     reader
==================  ===========================================  ===============================
metrics.csv         ``nn_checks measure`` (nn_checks/train.py)   :func:`metrics`
epochs.csv          ``nn_checks measure``                        :func:`epochs`
config.json (run)   ``nn_checks measure``                        :func:`run_config`
env.json            every producer (theory.records)              :func:`env`
fit.json            ``nn_checks fit`` (theory.fitting.fit_all)   :func:`fit`
claims.json         ``nn_checks claims`` (nn_checks/claims.py)   :func:`claims`
records.jsonl       ``synthetic check``, ``theory catalogue``    :func:`records`
summary.json        ``synthetic check``                          :func:`summary`
config.json (check) ``synthetic check``                          :func:`check_config`
frontiers.json      ``theory frontiers``                         :func:`frontiers`
config.json (front) ``theory frontiers``                         :func:`frontiers_config`
==================  ===========================================  ===============================

Fields a producer may add later are ignored; the fields read are typed, ranged (a correlation in
[-1, 1], a count >= 0) and cross-checked where the producer guarantees it (a summary row's
verdict counts add up to its records, the fails listed match the fails counted, a run's
config.json names the model and run of its folder, a settled run's metrics.csv has a row per
step of its config.json).
"""
from __future__ import annotations

import math
from pathlib import Path

from figures.readers import Fields, InputError, Table, read_csv_table, read_json_doc, \
    read_jsonl_docs
from plumbing.contract import BOUND_KINDS, MARKS, VERDICTS
from plumbing.contract import RUN_STATUSES as RECORD_STATUSES  # how a run behind a record ended
from plumbing.layout import LM_RUNS, PRESETS, RESNET_RUNS, RUN_NAMES, seed_folder_name

__all__ = ["LM_RUNS", "RESNET_RUNS", "RUN_NAMES", "PRESETS", "VERDICTS", "INSTANCE", "metrics",
           "epochs", "run_config", "run_rows", "env", "fit", "claims", "records", "summary",
           "check_config", "frontiers", "frontiers_config", "InputError"]

RUN_STATUSES = ("running", "finished", "diverged")  # nn_checks.train
FIT_STATUSES = ("fitted", "insufficient")  # nn_checks fit
CLAIM_VERDICTS = ("supported", "not supported", "inconclusive")  # nn_checks.claims
COUNTS = ("pass", "fail", "inconclusive", "shape-only")


def metrics(path: Path) -> Table:
    """``metrics.csv``: one row per step (step, epoch, loss, ... probe_grad_norm)."""
    return read_csv_table(path, ("step", "epoch", "loss"), ("step", "epoch", "clipped",
                                                            "n_hvps"), "step")


def epochs(path: Path) -> Table:
    """``epochs.csv``: one row per epoch (epoch, lr, train_loss, val_loss, val_ppl, test_acc)."""
    table = read_csv_table(path, ("epoch",), ("epoch",), "epoch")
    acc = table["test_acc"]
    bad = (acc < 0) | (acc > 1)
    if bad.any():
        Fields(path).fail(f"line {2 + int(bad.argmax())}, column test_acc",
                          f"is {acc[bad.argmax()]:g}, outside [0, 1]")
    return table


def _seed_folder(name: str) -> int | None:
    """S of a seed run folder's name ``seed<S>`` (:func:`plumbing.layout.seed_folder_name`)."""
    digits = name[len("seed"):]
    if not name.startswith("seed") or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return int(digits) if seed_folder_name(int(digits)) == name else None
    except ValueError:  # above the largest seed
        return None


def run_config(path: Path) -> dict:
    """A run's ``config.json``: status, the resolved config, the data set read, counters. The
    folder is ``<preset>/<model>_<run>/`` or, in a seed sweep, ``<preset>-sweep/<model>_<run>/
    seed<S>/``: the config must name that model, run and preset, and the seed S (top-level
    ``seed`` and ``config.seed``, where recorded)."""
    doc, f = read_json_doc(path), Fields(path)
    f.choice(doc.get("status"), "status", RUN_STATUSES)
    inner = f.obj(doc.get("config"), "config", optional=True) or {}
    folder = Path(path).parent
    seed = _seed_folder(folder.name)
    setting = folder.parent if seed is not None else folder
    preset = setting.parent.name.removesuffix("-sweep") if seed is not None else \
        setting.parent.name
    expected = {"preset": preset if preset in PRESETS else None}
    if setting.name in RUN_NAMES:
        expected["model"], expected["run"] = setting.name.split("_", 1)
    for key, want in expected.items():
        got = f.text(inner.get(key), f"config.{key}", optional=True)
        if want is not None and got is not None and got != want:
            f.fail(f"config.{key}", f"is {got!r} but the folder {setting.name} holds {want!r}")
    for key, value in (("config.seed", inner.get("seed")), ("seed", doc.get("seed"))):
        got = f.integer(value, key, optional=True)
        if seed is not None and got is not None and got != seed:
            f.fail(key, f"is {got} but the run folder is {folder.name}: a stale or misplaced run")
        if got is not None and inner.get("seed") is not None and got != inner["seed"]:
            f.fail(key, f"is {got} but config.seed is {inner['seed']}")
    f.text(doc.get("device"), "device", optional=True)
    f.text(doc.get("dataset"), "dataset", optional=True)
    f.integer(doc.get("steps"), "steps", optional=True)
    f.integer(doc.get("epochs"), "epochs", optional=True)
    f.integer(doc.get("threads"), "threads", low=1, optional=True)
    f.number(doc.get("wall_seconds"), "wall_seconds", optional=True, low=0)
    lengths = f.obj(doc.get("batches_per_epoch"), "batches_per_epoch", optional=True) or {}
    for key, value in lengths.items():
        if not key.isdigit():
            f.fail("batches_per_epoch", f"has the key {key!r}, not an epoch number")
        f.integer(value, f"batches_per_epoch[{key!r}]", low=1)
    return doc


def run_rows(folder: Path, config: dict, rows: int) -> None:
    """A settled run's ``metrics.csv`` has one row per step of its ``config.json`` ("steps"),
    plus the row of the diverging step when it diverged; else the files are not one run's.
    ``config`` is the checked config.json, ``rows`` the number of metrics.csv rows."""
    if config["status"] == "running" or config.get("steps") is None:
        return
    expected = config["steps"] + (config["status"] == "diverged")
    if rows != expected:
        raise InputError(f"{Path(folder) / 'metrics.csv'}: {rows} rows, but "
                         f"{Path(folder) / 'config.json'} field steps = {config['steps']} "
                         f"({config['status']}) means {expected}: these metrics are not this "
                         "run's")


_ENV_TEXT = ("python", "platform", "machine", "processor", "device", "git_revision",
             "created_utc")


def env(path: Path) -> dict:
    """``env.json`` (plumbing.provenance.environment_info, plus what a producer adds)."""
    doc, f = read_json_doc(path), Fields(path)
    for key in _ENV_TEXT:
        f.text(doc.get(key), key, optional=True)
    f.integer(doc.get("cpu_count"), "cpu_count", low=1, optional=True)
    f.integer(doc.get("seed"), "seed", optional=True)
    for name, version in (f.obj(doc.get("packages"), "packages", optional=True) or {}).items():
        f.text(version, f"packages.{name}", optional=True)
    return doc


def _line(f: Fields, entry, field: str, quantile: bool) -> None:
    f.obj(entry, field)
    for key in ("L0", "L1"):
        f.number(entry.get(key), f"{field}.{key}", optional=True)
    for key in ("ci_L0", "ci_L1"):
        f.pair(entry.get(key), f"{field}.{key}")
    if quantile:
        f.number(entry.get("quantile"), f"{field}.quantile", low=1e-300, high=1.0)


def fit(path: Path) -> dict:
    """``fit.json``: status "fitted" (envelope lines, regression, log-log correlation) or
    "insufficient" (a reason)."""
    doc, f = read_json_doc(path), Fields(path)
    f.choice(doc.get("schema"), "schema", ("l0l1-fit/1",))
    status = f.choice(doc.get("status", "fitted"), "status", FIT_STATUSES)
    f.integer(doc.get("n"), "n", optional=True)
    if status == "insufficient":
        f.text(doc.get("reason"), "reason")
        return doc
    envelope = f.lst(doc.get("envelope"), "envelope")
    if not envelope:
        f.fail("envelope", "is empty")
    for i, entry in enumerate(envelope):
        _line(f, entry, f"envelope[{i}]", quantile=True)
    _line(f, doc.get("regression"), "regression", quantile=False)
    corr = f.obj(doc.get("correlation"), "correlation")
    for key in ("pearson_r", "spearman_rho"):
        f.number(corr.get(key), f"correlation.{key}", optional=True, low=-1, high=1)
    for key in ("pearson_p", "spearman_p"):
        f.number(corr.get(key), f"correlation.{key}", optional=True, low=0, high=1)
    f.integer(corr.get("n_used"), "correlation.n_used", optional=True)
    return doc


_RUN_NUMBERS = ("L0", "L1", "reg_L0", "reg_L1", "final_train_loss", "final_val_loss")
CLAIMS_SCHEMAS = ("l0l1-claims/1", "l0l1-claims/2")  # /2: seed sweeps (nn_checks.claims_seeds)
SEED_STATS = ("pearson_r", "spearman_rho", "L0", "L1", "reg_L0", "reg_L1", "final_train_loss",
              "final_val_loss", "final_test_acc")  # settings[].stats of l0l1-claims/2
_RANGES = {"pearson_r": (-1, 1), "spearman_rho": (-1, 1), "final_test_acc": (0, 1)}


def claims(path: Path) -> dict:
    """``claims.json``: one row per run (status, fitted constants, correlations, final losses)
    and one verdict per claim with its criterion. Schema ``l0l1-claims/2`` (seed sweeps) has a
    row per (setting, seed) -- ``name`` the setting, ``seed``, ``folder`` --, the ``settings``
    across their seeds (:func:`_settings`) and, per claim, the ``seeds`` and ``steps`` it rests
    on, its ``settings`` and ``aggregation`` ("single seed" or "across k seeds")."""
    doc, f = read_json_doc(path), Fields(path)
    two = f.choice(doc.get("schema"), "schema", CLAIMS_SCHEMAS) == "l0l1-claims/2"
    f.number(doc.get("alpha"), "alpha", optional=True, low=0, high=1)
    seen = set()
    for i, run in enumerate(f.lst(doc.get("runs"), "runs")):
        at = f"runs[{i}]"
        f.obj(run, at)
        name = f.choice(run.get("name"), f"{at}.name", RUN_NAMES)
        seed = f.integer(run.get("seed"), f"{at}.seed", optional=True) if two else None
        if (name, seed) in seen:
            f.fail(f"{at}.name", f"repeats {name}" + (f" seed {seed}" if two else ""))
        seen.add((name, seed))
        if two:
            setting = f.choice(run.get("setting"), f"{at}.setting", RUN_NAMES, optional=True)
            if setting not in (None, name):
                f.fail(f"{at}.setting", f"is {setting} but the row's name is {name}")
            f.text(run.get("folder"), f"{at}.folder", optional=True)
        f.boolean(run.get("present"), f"{at}.present", optional=True)
        f.choice(run.get("status"), f"{at}.status", RUN_STATUSES, optional=True)
        f.integer(run.get("steps"), f"{at}.steps", optional=True)
        f.integer(run.get("n"), f"{at}.n", optional=True)
        f.text(run.get("dataset"), f"{at}.dataset", optional=True)
        f.number(run.get("wall_seconds"), f"{at}.wall_seconds", optional=True, low=0)
        for key in _RUN_NUMBERS:
            f.number(run.get(key), f"{at}.{key}", optional=True, non_finite=True)
        for key in ("ci_L0", "ci_L1"):
            f.pair(run.get(key), f"{at}.{key}", non_finite=True)
        for key in ("pearson_r", "spearman_rho"):
            f.number(run.get(key), f"{at}.{key}", optional=True, low=-1, high=1)
        f.number(run.get("p_one_sided"), f"{at}.p_one_sided", optional=True, low=0, high=1)
        f.number(run.get("n_eff"), f"{at}.n_eff", optional=True, low=0)
        f.number(run.get("final_test_acc"), f"{at}.final_test_acc", optional=True, low=0,
                 high=1)
    if two:
        _settings(f, f.lst(doc.get("settings"), "settings"))
    for i, claim in enumerate(f.lst(doc.get("claims"), "claims")):
        at = f"claims[{i}]"
        f.obj(claim, at)
        for key in ("id", "claim", "criterion"):
            f.text(claim.get(key), f"{at}.{key}", nonempty=key == "id")
        f.choice(claim.get("verdict"), f"{at}.verdict", CLAIM_VERDICTS)
        _measured(f, f.obj(claim.get("measured"), f"{at}.measured"), f"{at}.measured")
        if two:
            f.integer(claim.get("seeds"), f"{at}.seeds", optional=True)
            steps = f.lst(claim.get("steps"), f"{at}.steps", optional=True, length=2) or []
            for j, value in enumerate(steps):
                f.integer(value, f"{at}.steps[{j}]")
            if steps and steps[0] > steps[1]:
                f.fail(f"{at}.steps", f"is [{steps[0]}, {steps[1]}], not [min, max]")
            for j, name in enumerate(f.lst(claim.get("settings"), f"{at}.settings",
                                           optional=True) or []):
                f.text(name, f"{at}.settings[{j}]")
            f.text(claim.get("aggregation"), f"{at}.aggregation", optional=True)
    return doc


def _measured(f: Fields, measured: dict, at: str, depth: int = 0) -> None:
    """A claim's measured values: numbers (or null, "inf", "nan"), lists of them (one per seed)
    and, in l0l1-claims/2, objects of these (one per setting or task, 3 levels at most)."""
    for key, value in measured.items():
        where = f"{at}.{key}"
        if isinstance(value, dict) and depth < 2:
            _measured(f, value, where, depth + 1)
        elif isinstance(value, list):
            for j, v in enumerate(value):
                f.number(v, f"{where}[{j}]", optional=True, non_finite=True)
        else:
            f.number(value, where, optional=True, non_finite=True)


def _settings(f: Fields, settings: list) -> None:
    """``settings`` of l0l1-claims/2: per setting its seeds, and per statistic of
    :data:`SEED_STATS` the values per seed, n, mean, sd and the interval of the mean."""
    seen = set()
    for i, entry in enumerate(settings):
        at = f"settings[{i}]"
        f.obj(entry, at)
        name = f.choice(entry.get("name"), f"{at}.name", RUN_NAMES)
        if name in seen:
            f.fail(f"{at}.name", f"repeats {name}")
        seen.add(name)
        k = f.integer(entry.get("n_seeds"), f"{at}.n_seeds")
        for key in ("seeds", "steps", "statuses"):
            values = f.lst(entry.get(key), f"{at}.{key}", length=k)
            for j, v in enumerate(values):
                if key == "statuses":
                    f.choice(v, f"{at}.{key}[{j}]", RUN_STATUSES, optional=True)
                else:
                    f.integer(v, f"{at}.{key}[{j}]", optional=True)
        for stat, found in (f.obj(entry.get("stats"), f"{at}.stats") or {}).items():
            if stat not in SEED_STATS:
                continue
            where = f"{at}.stats.{stat}"
            f.obj(found, where)
            low, high = _RANGES.get(stat, (-math.inf, math.inf))
            for j, v in enumerate(f.lst(found.get("values"), f"{where}.values", length=k)):
                f.number(v, f"{where}.values[{j}]", optional=True, non_finite=True, low=low,
                         high=high)
            n = f.integer(found.get("n"), f"{where}.n")
            if n > k:
                f.fail(f"{where}.n", f"is {n}, more than the {k} seeds")
            for key in ("mean", "sd", "ci_low", "ci_high"):
                f.number(found.get(key), f"{where}.{key}", optional=True, non_finite=True,
                         low=0 if key == "sd" else -math.inf)
            f.number(found.get("level"), f"{where}.level", optional=True, low=0, high=1)


RECORD_FIELDS = ("check", "quantity", "status", "censored")  # theory.records, l0l1-record/2
INSTANCE = ("L0", "L1", "M", "eps", "Delta")  # a Thm 4 instance (docs/statements.md §4)


def remake(path: Path) -> str:
    """The ``make`` target that rewrites the records.jsonl at ``path``."""
    folder = Path(path).parent.name
    return {"catalogue": "make catalogue", "check-quick": "make synthetic-quick"}.get(
        folder, "make synthetic-check")


def _record(f: Fields, r: dict, path: Path) -> None:
    """One theory.records.ResultRecord, with the fields figures 6, 7 and 10 read: a record is
    selected by its ``check`` and ``quantity`` and grouped by its ``params``, never by parsing
    its ``check_id``."""
    lost = next((key for key in RECORD_FIELDS if key not in r), None)
    if lost is not None:
        f.fail(lost, f"is missing: the file was written by an older version of its producer; "
                     f"rerun `{remake(path)}`")
    f.text(r.get("check_id"), "check_id", nonempty=True)
    check = f.text(r.get("check"), "check", nonempty=True)
    quantity = f.text(r.get("quantity"), "quantity", nonempty=True)
    f.choice(r.get("status"), "status", RECORD_STATUSES, optional=True)
    f.boolean(r.get("censored"), "censored")
    f.text(r.get("theorem"), "theorem")
    f.choice(r.get("mark"), "mark", MARKS)
    params = f.obj(r.get("params"), "params")
    for key in ("measured", "bound"):
        f.number(r.get(key), key, optional=True, non_finite=True)
    f.choice(r.get("bound_kind"), "bound_kind", BOUND_KINDS)
    f.number(r.get("tolerance"), "tolerance", low=0, non_finite=True)
    f.choice(r.get("verdict"), "verdict", VERDICTS)
    f.text(r.get("notes"), "notes")
    extra = f.obj(r.get("extra"), "extra")
    if (check, quantity) == ("thm4", "iterations"):  # Fig 6: one point per step h
        for key in INSTANCE + ("h",):
            f.number(params.get(key), f"params.{key}", non_finite=True)
        f.number(params.get("h_thr"), "params.h_thr", optional=True, non_finite=True)
        f.text(params.get("construction"), "params.construction", optional=True)
        for key in ("bound_alt_log", "minimax_1d"):
            f.number(extra.get(key), f"extra.{key}", optional=True, non_finite=True)
    if (check, quantity) == ("thm4", "minimax-2d"):  # Fig 6: the 2-D member of an instance
        _minimax_2d(f, params, extra)
    if (check, quantity) == ("thm4", "thresholds-2d"):  # Fig 10: the step thresholds vs M
        _thresholds_2d(f, params, extra)
    if (check, quantity) == ("rem5", "ratio"):  # Fig 7: one point per M
        f.number(params.get("M"), "params.M", non_finite=True)
    if (check, quantity) == ("rem5", "growth"):
        lists = [f.lst(extra.get(k, []), f"extra.{k}") for k in ("Ms", "separations",
                                                               "predicted")]
        if len({len(v) for v in lists}) > 1:
            f.fail("extra", "Ms, separations and predicted differ in length")
        for key, values in zip(("Ms", "separations", "predicted"), lists):
            for j, v in enumerate(values):
                f.number(v, f"extra.{key}[{j}]", optional=True, non_finite=True)
        f.number(extra.get("predicted_slope"), "extra.predicted_slope", optional=True,
                 non_finite=True)


def _minimax_2d(f: Fields, params: dict, extra: dict) -> None:
    """A ``minimax-2d`` record: the instance, the 2-D member's M' and exact 2-cycle step, the
    hardest 2-D member's T_ε at each step of the grid."""
    for key in INSTANCE + ("h_cycle",):
        f.number(params.get(key), f"params.{key}", non_finite=True)
    for key in ("h", "M_2d"):
        f.number(params.get(key), f"params.{key}", optional=True, non_finite=True)
    for key in ("analytic_2d", "minimax_1d"):
        f.number(extra.get(key), f"extra.{key}", optional=True, non_finite=True)
    for j, entry in enumerate(f.lst(extra.get("per_h"), "extra.per_h")):
        at = f"extra.per_h[{j}]"
        f.obj(entry, at)
        f.number(entry.get("h"), f"{at}.h", non_finite=True)
        f.number(entry.get("measured"), f"{at}.measured", optional=True, non_finite=True)
        f.text(entry.get("member"), f"{at}.member", optional=True)


THRESHOLDS = ("h_2c_1d", "h_cycle_2d", "pi_limit", "w2_limit")  # a thresholds-2d table row


def _thresholds_2d(f: Fields, params: dict, extra: dict) -> None:
    """The ``thresholds-2d`` record: (L0, L1), the cycle constant c, the crossover M and the
    table of step thresholds, one row per M."""
    for key in ("L0", "L1"):
        f.number(params.get(key), f"params.{key}", non_finite=True)
    for key in ("c", "crossover_M"):
        f.number(extra.get(key), f"extra.{key}", optional=True, non_finite=True)
    for j, row in enumerate(f.lst(extra.get("table"), "extra.table")):
        at = f"extra.table[{j}]"
        f.obj(row, at)
        for key in ("M",) + THRESHOLDS:
            f.number(row.get(key), f"{at}.{key}", non_finite=True)


def records(path: Path) -> list[dict]:
    """``records.jsonl``: one result record a line (check id, check family, quantity, theorem,
    mark, parameters, measured, bound, bound kind, tolerance, verdict, run status, censoring,
    notes, extra). A record without ``check``, ``quantity``, ``status`` or ``censored`` is from
    an older producer: refused, naming the make target that rewrites the file."""
    out = []
    for number, doc in read_jsonl_docs(path):
        _record(Fields(path, f"line {number}: "), doc, path)
        out.append(doc)
    return out


def summary(path: Path) -> dict:
    """``summary.json`` of a check run: verdict counts per check, the measured/bound range and
    the tightness ratios of each row (with the row's algorithm where the producer names one),
    and the failing records."""
    doc, f = read_json_doc(path), Fields(path)
    f.choice(doc.get("schema"), "schema", ("l0l1-check-summary/1",))
    failed = 0
    for i, row in enumerate(f.lst(doc.get("rows"), "rows")):
        at = f"rows[{i}]"
        f.obj(row, at)
        for key in ("check", "theorem"):
            f.text(row.get(key), f"{at}.{key}", nonempty=True)
        f.choice(row.get("mark"), f"{at}.mark", MARKS)
        total = f.integer(row.get("records"), f"{at}.records")
        counts = [f.integer(row.get(k), f"{at}.{k}") for k in COUNTS]
        if sum(counts) != total:
            f.fail(at, f"verdict counts add up to {sum(counts)}, not to its {total} records")
        low = f.number(row.get("ratio_min"), f"{at}.ratio_min", optional=True)
        high = f.number(row.get("ratio_max"), f"{at}.ratio_max", optional=True)
        if math.isnan(low) != math.isnan(high) or low > high:
            f.fail(at, f"ratio_min {row.get('ratio_min')} and ratio_max "
                       f"{row.get('ratio_max')} are not a range")
        for key in ("tightness_witness", "tightness_analytic"):  # absent in older summaries
            f.number(row.get(key), f"{at}.{key}", optional=True)
        f.text(row.get("algorithm"), f"{at}.algorithm", optional=True)  # e.g. "clipped GD"
        failed += counts[1]
    fails = f.lst(doc.get("fails"), "fails")
    for i, rec in enumerate(fails):
        at = f"fails[{i}]"
        f.obj(rec, at)
        f.text(rec.get("check_id"), f"{at}.check_id", nonempty=True)
        f.text(rec.get("theorem"), f"{at}.theorem", optional=True)
        f.text(rec.get("notes"), f"{at}.notes", optional=True)
        for key in ("measured", "bound"):
            f.number(rec.get(key), f"{at}.{key}", optional=True, non_finite=True)
    if len(fails) != failed:
        f.fail("fails", f"lists {len(fails)} records but the rows count {failed} fail")
    return doc


def check_config(path: Path) -> dict:
    """``config.json`` of a check run: the checks, quick or full sizes, seconds per check."""
    doc, f = read_json_doc(path), Fields(path)
    f.boolean(doc.get("quick"), "quick", optional=True)
    for i, name in enumerate(f.lst(doc.get("checks"), "checks", optional=True) or []):
        f.text(name, f"checks[{i}]")
    for name, sec in (f.obj(doc.get("seconds"), "seconds", optional=True) or {}).items():
        f.number(sec, f"seconds.{name}", optional=True, low=0)
    return doc


def frontiers(path: Path) -> dict:
    """``frontiers.json``: L0*(L1) points of every univariate catalogue function."""
    doc, f = read_json_doc(path), Fields(path)
    f.choice(doc.get("schema"), "schema", ("l0l1-frontiers/1",))
    for i, func in enumerate(f.lst(doc.get("functions"), "functions")):
        at = f"functions[{i}]"
        f.obj(func, at)
        f.text(func.get("name"), f"{at}.name", nonempty=True)
        for j, point in enumerate(f.lst(func.get("points"), f"{at}.points")):
            where = f"{at}.points[{j}]"
            f.obj(point, where)
            f.number(point.get("L1"), f"{where}.L1", non_finite=True)
            f.number(point.get("L0"), f"{where}.L0", optional=True, non_finite=True)
            f.boolean(point.get("certified"), f"{where}.certified", optional=True)
    return doc


def frontiers_config(path: Path) -> dict:
    """``config.json`` of ``theory frontiers``: the L1 grid and the wall time."""
    doc, f = read_json_doc(path), Fields(path)
    f.number(doc.get("wall_seconds"), "wall_seconds", optional=True, low=0)
    return doc
