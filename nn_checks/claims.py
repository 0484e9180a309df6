"""The paper's empirical claims (Zhang, He, Sra, Jadbabaie, ICLR 2020, arXiv:1905.11881, Figs
2-4; docs/statements.md §6, "Claims to test") judged on the six measured runs.

``python -m nn_checks claims DIR`` reads the six setting folders ``DIR/<model>_<run>/``, each
one run (``{config.json, fit.json, epochs.csv, metrics.csv}`` inside: ``make reproduce``) or one
run folder per seed, ``seed<S>/`` (``python -m nn_checks sweep``; :func:`plumbing.layout.
setting_runs`), and writes ``DIR/claims.json`` (schema ``l0l1-claims/2``): ``runs``, one row per
(setting, seed) (status, steps, fitted (L0, L1) with bootstrap intervals, log-log correlations,
final losses / accuracy, wall time; ``name`` and ``setting`` the setting, ``seed``, ``folder``
relative to DIR), ``settings``, each statistic per setting across its seeds (mean, sd, 95%
interval), and one verdict per claim with the criterion it used, the seeds and steps it rests on
and its ``aggregation`` (``single seed`` or ``across k seeds``), so the report only formats
numbers a producer computed. Verdicts: ``supported``, ``not supported``, or ``inconclusive`` when
a run or its fit is missing. The criteria are ours (the paper states the claims qualitatively).
Below: the single-seed criteria, used whenever every setting a claim uses holds one run; the
criteria across seeds are in :mod:`nn_checks.claims_seeds`.

Every file read is checked against its schema first, and one that does not fit is refused (a
``ValueError`` naming the file and the field; the command writes nothing): ``config.json``,
``fit.json`` and ``epochs.csv`` as :mod:`nn_checks.results` reads them (the envelope constants
are those of the quantile-1.0 entry, picked by value), ``metrics.csv`` as :mod:`nn_checks.metrics`
reads it; for a settled run, ``fit.json``'s ``correlation.n_used`` must equal the probed pairs in
``metrics.csv`` (else it is stale) and ``metrics.csv`` must hold one row per step of
``config.json``'s ``steps`` (plus the diverged step's row); a seed run folder's ``config.json``
must record the seed of its folder name (else it is a stale or misplaced run). A missing file is
not damage: its numbers are missing, and the claims they enter are ``inconclusive``.

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
* ``lm-best-val`` (Fig 4b): lstm/lr30clip0.25 ends with the lowest validation loss.
* ``image-acc-match`` (Fig 4d): resnet20/lr5clip0.25's final test accuracy is within 2 points of
  (or above) sgdmom's. The paper's figure is 95.2% after 200 epochs on CIFAR-10; the ``cpu``
  preset trains 3 epochs, so only the comparison, not the level, is tested (docs/statements.md
  §8 item 8).

A comparison whose candidate run (the clipped one) diverged is ``not supported``; a run that
has not finished (or diverged) makes every claim it enters ``inconclusive``.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy.stats import norm, t as student_t

from nn_checks.config import RUNS
from nn_checks.metrics import pairs_of, read_metrics
from nn_checks.results import last_epoch, read_config, read_fit
from plumbing.layout import setting_runs

__all__ = ["run_summary", "judge_claims", "effective_n", "claims_file", "CLAIMS"]

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


def run_summary(folder: Path, setting: str | None = None) -> dict:
    """One run's numbers (None where a file or value is missing), from files checked against
    their schema (a damaged or foreign file raises ``ValueError`` naming it and the field);
    ``setting`` (default: the folder's name) is the ``<model>_<run>`` the run must be of."""
    folder = Path(folder)
    config = read_config(folder, setting)
    fit = read_fit(folder)
    last = last_epoch(folder, config["model"] if config else None)
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
        "name": setting or folder.name, "present": config is not None,
        "seed": (config or {}).get("seed"),
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


def _seed_runs(folder: Path, name: str) -> list[dict]:
    """The rows of one setting folder's runs (seed order); a seed run folder's config.json must
    record its folder's seed."""
    rows = []
    for seed, path in setting_runs(folder / name):
        row = run_summary(path, name)
        if seed is not None:
            if row["present"] and row["seed"] != seed:
                shown = "<missing>" if row["seed"] is None else row["seed"]
                raise ValueError(f"{path / 'config.json'}: field seed = {shown} but the run "
                                 f"folder is seed{seed}: a stale or misplaced run")
            row["seed"] = seed
        rows.append(row | {"setting": name, "folder": path.relative_to(folder).as_posix()})
    return rows


def claims_file(folder: Path) -> dict:
    """The content of ``claims.json`` (schema ``l0l1-claims/2``) for the setting folders under
    ``folder``."""
    from nn_checks.claims_seeds import judge_across_seeds, setting_entry

    folder = Path(folder)
    by, absent, rows = {}, {}, []
    for name in (f"{m}_{r}" for m in RUNS for r in RUNS[m]):
        by[name] = _seed_runs(folder, name)
        if not by[name]:  # no run folder: today's row of a missing run (its files still checked)
            absent[name] = run_summary(folder / name, name) | {"setting": name, "folder": name}
        rows += by[name] or [absent[name]]
    if not any(r["present"] for r in rows):
        raise ValueError(f"no run folders under {folder} (expected e.g. {folder}/lstm_lr30clip0.25;"
                         " run python -m nn_checks measure first)")
    return {"schema": "l0l1-claims/2", "alpha": ALPHA, "runs": rows,
            "settings": [setting_entry(n, r) for n, r in by.items() if r],
            "claims": judge_across_seeds(by, absent)}
