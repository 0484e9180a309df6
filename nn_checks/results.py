"""A run folder's result files read for ``claims``, each checked against its schema first.

:func:`read_config` (``config.json``), :func:`read_fit` (``fit.json``) and :func:`last_epoch`
(the last row of ``epochs.csv``) return the numbers :mod:`nn_checks.claims` judges, or None
where the file is absent: a missing file is not damage, its numbers are missing. A file that
does not fit is refused with a ``ValueError`` naming the file and the field (the command then
writes nothing):

* ``config.json`` must name the folder's own model and run (``config.model``/``config.run`` =
  ``<model>_<run>``: the run folder's name, or its setting folder's for a seed run folder
  ``<model>_<run>/seed<S>/``), a known status (:data:`nn_checks.runfolder.STATUSES`), a data set
  of that model (``ptb`` for the LSTM), steps an integer >= 0, ``wall_seconds`` a number >= 0
  and ``seed`` (when present) an integer >= 0 equal to ``config.seed`` (when present);
* ``fit.json`` must be an ``l0l1-fit/1`` record (:data:`FIT_SCHEMA`, written by ``nn_checks fit``
  from ``theory.fitting.fit_all``; docs/statements.md §6, "Fitting (L0, L1)") with a non-empty
  ``envelope`` list of one entry per quantile in (0, 1], constants >= 0, intervals [lo, hi] with
  lo <= hi, correlations in [-1, 1] (``null`` or ``"nan"`` where undefined), p-values in [0, 1]
  and ``correlation.n_used`` between 3 and ``n``. The envelope constants returned are those of the
  quantile-1.0 entry (the covering envelope), picked by value whatever its position in the list;
* ``epochs.csv`` as :func:`nn_checks.metrics.read_epochs` reads it, with the model's evaluation
  in every row (``val_loss`` for the LSTM, ``test_acc`` for ResNet20) and not the other's.

JSON is read through :func:`plumbing.files.read_file` (a FIFO, a device or a file over
:data:`MAX_JSON_BYTES` is refused, never waited on), as UTF-8, without the non-standard
constants NaN and Infinity.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from nn_checks.config import RUNS
from nn_checks.metrics import read_epochs
from nn_checks.runfolder import STATUSES
from plumbing.files import read_file

__all__ = ["read_config", "read_fit", "last_epoch", "FIT_SCHEMA", "MAX_JSON_BYTES"]

FIT_SCHEMA = "l0l1-fit/1"
MAX_JSON_BYTES = 64 * 2**20


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def _read_json(path: Path) -> dict | None:
    """A JSON object from ``path`` (None when absent); damage is a ValueError naming the file."""
    try:
        raw = read_file(path, MAX_JSON_BYTES)  # a FIFO, a device, a huge file: refused
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}): damaged file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}): damaged file") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}: damaged file") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a JSON {type(data).__name__}, not an object")
    return data


class _Fields:
    """Typed access to one JSON object's fields; every refusal names the file and the field."""

    def __init__(self, path: Path, data: dict, prefix: str = ""):
        self.path, self.data, self.prefix = path, data, prefix

    def fail(self, key: str, problem: str):
        value = self.data.get(key, "<missing>")
        shown = value if isinstance(value, str) else json.dumps(value)[:60]
        raise ValueError(f"{self.path}: field {self.prefix}{key} = {shown} {problem}")

    def obj(self, key: str) -> "_Fields":
        value = self.data.get(key)
        if not isinstance(value, dict):
            self.fail(key, "must be an object")
        return _Fields(self.path, value, f"{self.prefix}{key}.")

    def choice(self, key: str, options) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or value not in options:
            self.fail(key, f"must be one of {', '.join(map(str, options))}")
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self.fail(key, "must be a string")
        return value

    def integer(self, key: str, low: int = 0, required: bool = True) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(key, f"must be an integer >= {low}")
        return value

    def number(self, key: str, low: float = -math.inf, high: float = math.inf,
               nan_ok: bool = False) -> float | None:
        """A finite number in [low, high]; None for null (and for "nan" when ``nan_ok``)."""
        value = self.data.get(key)
        if value is None or (nan_ok and value == "nan"):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value) or not low <= value <= high:
            bounds = f"in [{low:g}, {high:g}]" if math.isfinite(low + high) else \
                f">= {low:g}" if math.isfinite(low) else "finite"
            self.fail(key, f"must be a number {bounds} or null")
        return float(value)

    def interval(self, key: str) -> list | None:
        """null or [lo, hi] with lo <= hi (each a number >= 0 or null)."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != 2:
            self.fail(key, "must be [lo, hi] or null")
        ends = _Fields(self.path, {"lo": value[0], "hi": value[1]}, f"{self.prefix}{key}.")
        lo, hi = ends.number("lo", 0.0), ends.number("hi", 0.0)
        if lo is not None and hi is not None and lo > hi:
            self.fail(key, "has lo > hi")
        return [lo, hi]


def read_config(folder: Path, setting: str | None = None) -> dict | None:
    """``config.json`` of a run folder, checked (None when absent).

    Returns ``{"status", "steps", "dataset", "wall_seconds", "model", "run", "seed"}`` (seed
    None when not recorded). Refused: damaged JSON, a status outside :data:`STATUSES`, a
    ``config.model``/``config.run`` that is not ``setting`` (default: the folder's name), a
    negative or non-integer ``steps``, a bad ``wall_seconds``, a bad or self-contradicting seed.
    """
    path = Path(folder) / "config.json"
    data = _read_json(path)
    if data is None:
        return None
    top = _Fields(path, data)
    cfg = top.obj("config")
    model = cfg.choice("model", tuple(RUNS))
    run = cfg.choice("run", tuple(RUNS[model]))
    setting = Path(folder).name if setting is None else setting
    if setting != f"{model}_{run}":
        cfg.fail("run", f"(model {model}): this config is of run {model}_{run}, but the folder is "
                        f"{setting}; results copied into the wrong folder?")
    seed = top.integer("seed", 0, required=False)
    if seed is not None and cfg.integer("seed", 0, required=False) not in (None, seed):
        cfg.fail("seed", f"differs from the field seed = {seed}: damaged file")
    dataset = top.text("dataset")
    if dataset is not None and (dataset == "ptb") != (model == "lstm"):
        top.fail("dataset", f"is not data of a {model} run")
    return {"status": top.choice("status", STATUSES),
            "steps": top.integer("steps", 0, required=False), "dataset": dataset,
            "wall_seconds": top.number("wall_seconds", 0.0), "model": model, "run": run,
            "seed": seed}


def read_fit(folder: Path) -> dict | None:
    """``fit.json`` of a run folder, checked (None when absent).

    Returns ``{"status", "envelope": {L0, L1, ci_L0, ci_L1} of quantile 1.0 (picked by value;
    None when absent), "regression": {L0, L1}, "correlation": {pearson_r, spearman_rho,
    n_used}}``; an ``insufficient`` fit has None numbers. Refused: damaged JSON, another schema,
    an empty or malformed ``envelope`` list, constants < 0 or non-finite, correlations outside
    [-1, 1], p-values outside [0, 1], a bad ``n_used``.
    """
    path = Path(folder) / "fit.json"
    data = _read_json(path)
    if data is None:
        return None
    top = _Fields(path, data)
    if data.get("schema") != FIT_SCHEMA:
        top.fail("schema", f"must be {FIT_SCHEMA!r}")
    status = top.choice("status", ("fitted", "insufficient"))
    none = {"L0": None, "L1": None, "ci_L0": None, "ci_L1": None}
    if status == "insufficient":
        top.integer("n", 0)
        top.text("reason", required=True)
        return {"status": status, "envelope": none, "regression": {"L0": None, "L1": None},
                "correlation": {"pearson_r": None, "spearman_rho": None, "n_used": None}}
    n = top.integer("n", 3)
    entries = data.get("envelope")
    if not isinstance(entries, list) or not entries:
        top.fail("envelope", "must be a non-empty list of fits (one per quantile)")
    envelope, seen = none, set()
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict):
            top.fail("envelope", f"entry {k} is not an object")
        e = _Fields(path, entry, f"envelope[{k}].")
        q = e.number("quantile", 0.0, 1.0)
        if q is None or q == 0.0 or q in seen:
            e.fail("quantile", "must be a number in (0, 1], once per quantile")
        seen.add(q)
        fitted = {"L0": e.number("L0", 0.0), "L1": e.number("L1", 0.0),
                  "ci_L0": e.interval("ci_L0"), "ci_L1": e.interval("ci_L1")}
        if q == 1.0:
            envelope = fitted
    reg = top.obj("regression")
    corr = top.obj("correlation")
    n_used = corr.integer("n_used", 3)
    if n_used > n:
        corr.fail("n_used", f"exceeds n = {n}")
    for key in ("pearson_p", "spearman_p"):
        corr.number(key, 0.0, 1.0, nan_ok=True)
    return {"status": status, "envelope": envelope,
            "regression": {"L0": reg.number("L0", 0.0), "L1": reg.number("L1", 0.0)},
            "correlation": {"pearson_r": corr.number("pearson_r", -1.0, 1.0, nan_ok=True),
                            "spearman_rho": corr.number("spearman_rho", -1.0, 1.0, nan_ok=True),
                            "n_used": n_used}}


def last_epoch(folder: Path, model: str | None) -> dict | None:
    """The last row of ``epochs.csv`` (None when absent or empty), after checking the file and
    that every row has the model's evaluation (val_loss for the LSTM, test_acc for ResNet20)."""
    path = Path(folder) / "epochs.csv"
    if not path.exists():
        return None
    rows = read_epochs(path)
    if model is not None:
        need, other = ("val_loss", "test_acc") if model == "lstm" else ("test_acc", "val_loss")
        for k, row in enumerate(rows):
            if row[need] is None or row[other] is not None:
                raise ValueError(f"{path}: line {k + 2}: a {model} run records {need}, not "
                                 f"{other}: these are another model's epochs")
    return rows[-1] if rows else None
