"""The paper's empirical claims (Zhang, He, Sra, Jadbabaie, ICLR 2020, arXiv:1905.11881, Figs
2-4) judged on the six measured runs.

``python -m nn_checks claims DIR`` reads ``DIR/<model>_<run>/{config.json, fit.json, epochs.csv,
metrics.csv}`` for the six named runs and writes ``DIR/claims.json``: one row per run (status,
steps, fitted (L0, L1) with bootstrap intervals, log-log correlations, final losses / accuracy,
wall time) and one verdict per claim with the criterion it used, so the report only formats
numbers a producer computed. Verdicts: ``supported``, ``not supported``, or ``inconclusive`` when
a run or its fit is missing. The criteria are ours (the paper states the claims qualitatively).

Every file read is checked against its schema first, and one that does not fit is refused (a
``ValueError`` naming the file and the field; the command writes nothing): ``config.json`` must
name the folder's own model and run (``config.model``/``config.run`` = ``<model>_<run>``) and a
known status; ``fit.json`` must be an ``l0l1-fit/1`` record with a non-empty ``envelope`` list,
constants >= 0, correlations in [-1, 1] (``null`` or ``"nan"`` where undefined) and, for a
settled run, ``correlation.n_used`` equal to the probed pairs in ``metrics.csv`` (else it is
stale); ``epochs.csv`` and ``metrics.csv`` as :mod:`nn_checks.metrics` reads them, with the
model's columns filled (``val_loss`` for the LSTM, ``test_acc`` for ResNet20) and, for a settled
run, one ``metrics.csv`` row per step of ``config.json``'s ``steps`` (plus the diverged step's
row). The envelope constants are those of the quantile-1.0 entry, picked by value. A missing
file is not damage: its numbers are missing, and the claims they enter are ``inconclusive``.

* Consecutive training steps are not independent samples. Every test below uses the effective
  sample size of Bretherton et al. (1999) for the correlation of two AR(1)-like series,
  n_eff = n (1 − ρx ρy) / (1 + ρx ρy), with ρx, ρy the lag-1 autocorrelations of log gradient
  norm and log smoothness along the run, capped at n.
* ``lm-correlation`` (Fig 2a): Pearson r of log gradient norm with log smoothness along
  lstm/lr30clip0.25 is positive and significant: one-sided p < 0.01 from t = r sqrt((n_eff − 2)
  / (1 − r²)) with n_eff − 2 degrees of freedom.
* ``image-weaker`` (Fig 3a): the LM correlation holds (above) and the correlation along
  resnet20/sgdmom is smaller, by a one-sided Fisher z test at the 1% level:
  z = (atanh r_LM − atanh r_img) / sqrt(1/(n_eff,LM − 3) + 1/(n_eff,img − 3)) > 2.326.
* ``clipped-correlation`` (Fig 2a, 3c): with clipping and a large learning rate the correlation
  is positive and significant in both tasks (lstm/lr30clip0.25 and resnet20/lr5clip0.25).
* ``clip-fastest-train`` (Fig 4a, 4c): in each task the clipped large-lr run ends with the lowest
  training loss (mean over its last epoch) of the three; a diverged run counts as worst.

A comparison whose candidate run (the clipped one) diverged is ``not supported``; a run that
has not finished (or diverged) makes every claim it enters ``inconclusive``.
* ``lm-best-val`` (Fig 4b): lstm/lr30clip0.25 ends with the lowest validation loss.
* ``image-acc-match`` (Fig 4d): resnet20/lr5clip0.25's final test accuracy is within 2 points of
  (or above) sgdmom's. The paper's figure is 95.2% after 200 epochs on CIFAR-10; the ``cpu``
  preset trains 3 epochs, so only the comparison, not the level, is tested.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import norm, t as student_t

from nn_checks.config import RUNS
from nn_checks.metrics import pairs_of, read_epochs, read_metrics
from nn_checks.runfolder import STATUSES
from plumbing.files import read_file

__all__ = ["run_summary", "judge_claims", "effective_n", "claims_file", "read_config",
           "read_fit", "CLAIMS", "STATUSES"]

ALPHA = 0.01
ACC_MARGIN = 0.02
CLAIMS = {
    "lm-correlation": "smoothness correlates positively with gradient norm in LM training (Fig 2a)",
    "image-weaker": "the correlation is much weaker in default image classification (Fig 3a)",
    "clipped-correlation": "with clipping and a large lr the correlation appears in both tasks "
                           "(Fig 2a, 3c)",
    "clip-fastest-train": "clipped training has the fastest training-loss decrease (Fig 4a, 4c)",
    "lm-best-val": "clipped training gives the best LSTM validation loss (Fig 4b)",
    "image-acc-match": "clipped training matches SGD+momentum test accuracy on images (Fig 4d)",
}


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


def read_config(folder: Path) -> dict | None:
    """``config.json`` of a run folder, checked (None when absent).

    Returns ``{"status", "steps", "dataset", "wall_seconds", "model", "run"}``. Refused: damaged
    JSON, a status outside :data:`STATUSES`, a ``config.model``/``config.run`` that is not the
    folder's ``<model>_<run>``, a negative or non-integer ``steps``, a bad ``wall_seconds``.
    """
    path = Path(folder) / "config.json"
    data = _read_json(path)
    if data is None:
        return None
    top = _Fields(path, data)
    cfg = top.obj("config")
    model = cfg.choice("model", tuple(RUNS))
    run = cfg.choice("run", tuple(RUNS[model]))
    if Path(folder).name != f"{model}_{run}":
        cfg.fail("run", f"(model {model}): this config is of run {model}_{run}, but the folder is "
                        f"{Path(folder).name}; results copied into the wrong folder?")
    dataset = top.text("dataset")
    if dataset is not None and (dataset == "ptb") != (model == "lstm"):
        top.fail("dataset", f"is not data of a {model} run")
    return {"status": top.choice("status", STATUSES),
            "steps": top.integer("steps", 0, required=False), "dataset": dataset,
            "wall_seconds": top.number("wall_seconds", 0.0), "model": model, "run": run}


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


def _last_epoch(folder: Path, model: str | None) -> dict | None:
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


def _num(value) -> float | None:
    """A finite float, else None (a checked cell: None, or a parsed number)."""
    return float(value) if value is not None and math.isfinite(value) else None


def _lag1(v: np.ndarray) -> float:
    """Lag-1 autocorrelation (0 for fewer than 3 points or a constant series)."""
    if v.size < 3 or np.std(v[:-1]) == 0 or np.std(v[1:]) == 0:
        return 0.0
    return float(np.corrcoef(v[:-1], v[1:])[0, 1])


def _n_eff(x: np.ndarray, y: np.ndarray) -> tuple[int, float | None]:
    keep = (x > 0) & (y > 0)  # the pairs of the log-log correlation
    n = int(keep.sum())
    if n < 3:
        return n, None
    rho = _lag1(np.log(x[keep])) * _lag1(np.log(y[keep]))
    return n, n * min(1.0, (1 - rho) / (1 + rho)) if rho > -1 else float(n)


def effective_n(folder: Path) -> tuple[int, float | None]:
    """(n, n_eff) of the (log gradient norm, log smoothness) pairs in ``metrics.csv``:
    n_eff = n (1 − ρx ρy)/(1 + ρx ρy) with the lag-1 autocorrelations, capped at n (None for
    fewer than 3 pairs; (0, None) without the file). A damaged file raises ``ValueError``."""
    path = Path(folder) / "metrics.csv"
    if not path.exists():
        return 0, None
    x, y, _ = pairs_of(*read_metrics(path))
    return _n_eff(x, y)


def run_summary(folder: Path) -> dict:
    """One run's numbers (None where a file or value is missing), from files checked against
    their schema (a damaged or foreign file raises ``ValueError`` naming it and the field)."""
    folder = Path(folder)
    config = read_config(folder)
    fit = read_fit(folder)
    last = _last_epoch(folder, config["model"] if config else None)
    metrics = folder / "metrics.csv"
    header, rows = read_metrics(metrics) if metrics.exists() else ([], [])
    n, n_eff = _n_eff(*pairs_of(header, rows)[:2]) if rows else (0, None)
    env = fit["envelope"] if fit else {}
    reg, corr = (fit or {}).get("regression", {}), (fit or {}).get("correlation", {})
    settled = config is not None and config["status"] in ("finished", "diverged")
    if settled and metrics.exists() and config["steps"] is not None:
        expected = config["steps"] + (config["status"] == "diverged")  # + the diverged step's row
        if len(rows) != expected:
            raise ValueError(f"{metrics}: {len(rows)} rows, but {folder / 'config.json'} field "
                             f"steps = {config['steps']} ({config['status']}) means {expected}: "
                             "these metrics are not this run's")
    if settled and fit is not None and corr.get("n_used") is not None and corr["n_used"] != n:
        raise ValueError(f"{folder / 'fit.json'}: field correlation.n_used = {corr['n_used']} but "
                         f"{folder / 'metrics.csv'} has {n} probed steps with positive values: "
                         f"the fit is stale (rerun python -m nn_checks fit {folder})")
    return {
        "name": folder.name, "present": config is not None,
        "status": (config or {}).get("status"), "steps": (config or {}).get("steps"),
        "dataset": (config or {}).get("dataset"),
        "wall_seconds": (config or {}).get("wall_seconds"),
        "L0": env.get("L0"), "L1": env.get("L1"), "ci_L0": env.get("ci_L0"),
        "ci_L1": env.get("ci_L1"), "reg_L0": reg.get("L0"), "reg_L1": reg.get("L1"),
        "pearson_r": corr.get("pearson_r"), "spearman_rho": corr.get("spearman_rho"),
        "n": corr.get("n_used"), "n_eff": n_eff,
        "p_one_sided": _p_one_sided(corr.get("pearson_r"), n_eff),
        "final_train_loss": _num((last or {}).get("train_loss")),
        "final_val_loss": _num((last or {}).get("val_loss")),
        "final_test_acc": _num((last or {}).get("test_acc")),
    }


def _p_one_sided(r, n_eff) -> float | None:
    """P(R >= r) under no correlation, t-test with n_eff − 2 degrees of freedom."""
    if r is None or n_eff is None or n_eff <= 2:
        return None
    if abs(r) >= 1:
        return 0.0 if r > 0 else 1.0
    return float(student_t.sf(r * math.sqrt((n_eff - 2) / (1 - r * r)), n_eff - 2))


def _settled(run: dict) -> bool:
    return run["present"] and run["status"] in ("finished", "diverged")


def _significant(run: dict) -> bool | None:
    if not _settled(run) or run["pearson_r"] is None or run["p_one_sided"] is None:
        return None
    return run["pearson_r"] > 0 and run["p_one_sided"] < ALPHA


def _fisher_z(a: dict, b: dict) -> float | None:
    if not (_settled(a) and _settled(b)) or None in (a["pearson_r"], b["pearson_r"]) or \
            None in (a["n_eff"], b["n_eff"]) or min(a["n_eff"], b["n_eff"]) <= 3:
        return None
    clip = 1 - 1e-12
    za, zb = (math.atanh(max(-clip, min(clip, r["pearson_r"]))) for r in (a, b))
    return (za - zb) / math.sqrt(1 / (a["n_eff"] - 3) + 1 / (b["n_eff"] - 3))


def _lowest(runs: list[dict], key: str, best: str) -> bool | None:
    """Is ``best`` the run with the lowest ``key``? A diverged ``best`` is not; other diverged
    runs rank last; None while a run is missing or unfinished, or a run that did not diverge
    lacks the value (e.g. no epochs.csv)."""
    by = {r["name"]: r for r in runs}
    if not all(_settled(r) for r in runs):
        return None
    if by[best]["status"] == "diverged":
        return False
    if any(r[key] is None and r["status"] != "diverged" for r in runs):
        return None

    def score(r):
        return math.inf if r["status"] == "diverged" or r[key] is None else r[key]
    return all(score(by[best]) < score(r) for r in runs if r["name"] != best)


def _verdict(ok: bool | None) -> str:
    return "inconclusive" if ok is None else ("supported" if ok else "not supported")


def judge_claims(runs: dict[str, dict]) -> list[dict]:
    """The verdicts of :data:`CLAIMS` from :func:`run_summary` rows keyed by folder name."""
    lm, img = runs["lstm_lr30clip0.25"], runs["resnet20_sgdmom"]
    clip_img = runs["resnet20_lr5clip0.25"]
    lm_runs = [runs[f"lstm_{r}"] for r in RUNS["lstm"]]
    img_runs = [runs[f"resnet20_{r}"] for r in RUNS["resnet20"]]
    z, lm_ok = _fisher_z(lm, img), _significant(lm)
    weaker = None if z is None or lm_ok is None else (lm_ok and z > norm.ppf(1 - ALPHA))
    both = [lm_ok, _significant(clip_img)]
    fastest = [_lowest(lm_runs, "final_train_loss", "lstm_lr30clip0.25"),
               _lowest(img_runs, "final_train_loss", "resnet20_lr5clip0.25")]
    acc = None
    if _settled(clip_img) and clip_img["status"] == "diverged":
        acc = False
    elif _settled(clip_img) and _settled(img) and img["status"] == "diverged":
        acc = True
    elif _settled(clip_img) and _settled(img) and None not in (clip_img["final_test_acc"],
                                                              img["final_test_acc"]):
        acc = clip_img["final_test_acc"] >= img["final_test_acc"] - ACC_MARGIN
    table = {
        "lm-correlation": (lm_ok, f"r > 0, one-sided p < {ALPHA} with n_eff "
                           "(lstm_lr30clip0.25)",
                           {"r": lm["pearson_r"], "p": lm["p_one_sided"], "n": lm["n"],
                            "n_eff": lm["n_eff"]}),
        "image-weaker": (weaker, f"LM claim holds and one-sided Fisher z > "
                         f"{norm.ppf(1 - ALPHA):.3f} with n_eff (r_LM vs r_sgdmom)",
                         {"r_lm": lm["pearson_r"], "r_image": img["pearson_r"], "z": z}),
        "clipped-correlation": (None if None in both else all(both),
                                f"r > 0, one-sided p < {ALPHA} with n_eff, in "
                                "lstm_lr30clip0.25 and resnet20_lr5clip0.25",
                                {"r_lm": lm["pearson_r"], "p_lm": lm["p_one_sided"],
                                 "r_image": clip_img["pearson_r"],
                                 "p_image": clip_img["p_one_sided"]}),
        "clip-fastest-train": (None if None in fastest else all(fastest),
                               "lowest last-epoch training loss among the task's three runs",
                               {r["name"]: r["final_train_loss"] for r in lm_runs + img_runs}),
        "lm-best-val": (_lowest(lm_runs, "final_val_loss", "lstm_lr30clip0.25"),
                        "lowest final validation loss among the LSTM runs",
                        {r["name"]: r["final_val_loss"] for r in lm_runs}),
        "image-acc-match": (acc, f"acc(lr5clip0.25) >= acc(sgdmom) - {ACC_MARGIN}",
                            {r["name"]: r["final_test_acc"] for r in img_runs}),
    }
    return [{"id": cid, "claim": CLAIMS[cid], "criterion": crit, "measured": measured,
             "verdict": _verdict(ok)} for cid, (ok, crit, measured) in table.items()]


def claims_file(folder: Path) -> dict:
    """The content of ``claims.json`` for the run folders under ``folder``."""
    runs = {f"{m}_{r}": run_summary(Path(folder) / f"{m}_{r}") for m in RUNS for r in RUNS[m]}
    if not any(r["present"] for r in runs.values()):
        raise ValueError(f"no run folders under {folder} (expected e.g. {folder}/lstm_lr30clip0.25;"
                         " run python -m nn_checks measure first)")
    return {"schema": "l0l1-claims/1", "alpha": ALPHA, "runs": list(runs.values()),
            "claims": judge_claims(runs)}
