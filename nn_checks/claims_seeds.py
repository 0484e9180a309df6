"""The paper's claims judged across seeds (``claims.json`` schema ``l0l1-claims/2``): the
per-setting statistics across seeds and the verdicts of :mod:`nn_checks.claims` when a setting
folder holds several seed run folders ``<model>_<run>/seed<S>/`` (:func:`plumbing.layout.setting_runs`).

A claim is judged **single seed** (today's criterion of :func:`nn_checks.claims.judge_claims`,
word for word) when every setting it uses has at most one run folder; otherwise **across k
seeds**, on the *settled* seeds only (finished or diverged, with the number the criterion reads;
a running, missing or unfitted seed is left out and named in ``measured["left_out"]``), with
k ≥ 2 settled seeds needed in every setting the claim uses (paired claims: k ≥ 2 settled common
seeds), else ``inconclusive``. ``seeds`` is that k (for unpaired claims the smallest k of its
settings; single seed: 1, or 0 when inconclusive). With values x_1..x_k, mean x̄ and sample sd
s = sqrt(Σ(x_i − x̄)²/(k − 1)), the one-sided (1 − α) lower confidence limit of the mean is

    lower = x̄ − t_{1−α, k−1} · s / sqrt(k)          (Student t, k − 1 degrees of freedom).

Each claim that rests on a lower limit has three outcomes: *supported* when the limit passes
the criterion, *not supported* when the between-seed mean (the point estimate) fails it, and
*inconclusive* when the mean passes but the limit does not (too few or too spread seeds to
decide: with 2 seeds t_{0.99, 1} = 31.8).

* ``lm-correlation``: lower(r) > 0 for Pearson r of lstm_lr30clip0.25's seeds.
* ``image-weaker``: lm-correlation holds and the Welch lower limit of r̄_LM − r̄_img is > 0:
  d = x̄ − ȳ, se² = s_x²/k_x + s_y²/k_y, ν = se⁴ / ((s_x²/k_x)²/(k_x − 1) + (s_y²/k_y)²/(k_y − 1))
  (Welch-Satterthwaite), lower = d − t_{1−α, ν} se (lower = d when se = 0). Unpaired.
* ``clipped-correlation``: lower(r) > 0 in lstm_lr30clip0.25 and in resnet20_lr5clip0.25.
* ``clip-fastest-train`` / ``lm-best-val``: paired by seed over the common seeds of the task's
  three settings; in each seed the rule of :func:`nn_checks.claims._lowest` (a diverged run ranks
  worst, a diverged candidate loses the seed; a seed with an unsettled run or a missing value is
  left out). Not supported when the candidate loses a settled seed; supported when it is lowest
  in every settled common seed and there are k ≥ 2 of them; else inconclusive.
* ``image-acc-match``: paired by seed over the common settled seeds of resnet20_lr5clip0.25 and
  resnet20_sgdmom: not supported when the candidate diverged in one; a seed where only sgdmom
  diverged is won by the candidate and left out of the mean; on the seeds with both accuracies,
  lower(acc_clip − acc_sgdmom) ≥ −ACC_MARGIN (supported also when sgdmom diverged in every seed;
  inconclusive with exactly one paired difference, or k < 2).

``settings[].stats`` describe each setting across its seeds: per statistic the values per seed
(null where missing, and for a run that is not settled: a running run's numbers are partial),
n, mean, sample sd and the two-sided 95% Student-t interval of the mean
x̄ ± t_{0.975, n−1} s/sqrt(n) (sd and interval null for n < 2). The effective sample size and the
per-run p-values stay per run (``runs``).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t

from nn_checks.claims import ACC_MARGIN, ALPHA, CLAIMS, _lowest, _settled, _verdict, judge_claims
from nn_checks.config import RUNS

__all__ = ["STATS", "CLAIM_SETTINGS", "seed_stats", "lower_limit", "welch_lower",
           "setting_entry", "judge_across_seeds"]

STATS = ("pearson_r", "spearman_rho", "L0", "L1", "reg_L0", "reg_L1", "final_train_loss",
         "final_val_loss", "final_test_acc")
LEVEL = 0.95
LM, IMG, CLIP_IMG = "lstm_lr30clip0.25", "resnet20_sgdmom", "resnet20_lr5clip0.25"
LM_SET = [f"lstm_{r}" for r in RUNS["lstm"]]
IMG_SET = [f"resnet20_{r}" for r in RUNS["resnet20"]]
CLAIM_SETTINGS = {"lm-correlation": [LM], "image-weaker": [LM, IMG],
                  "clipped-correlation": [LM, CLIP_IMG], "clip-fastest-train": LM_SET + IMG_SET,
                  "lm-best-val": LM_SET, "image-acc-match": [CLIP_IMG, IMG]}


def seed_stats(values: list) -> dict:
    """Mean, sample sd (ddof 1) and the two-sided 95% Student-t interval of the mean,
    x̄ ± t_{0.975, n−1} s / sqrt(n), over the non-null ``values`` (sd, interval None for n < 2;
    mean None for n = 0)."""
    x = np.array([v for v in values if v is not None], dtype=float)
    out = {"values": list(values), "n": int(x.size), "mean": None, "sd": None, "ci_low": None,
           "ci_high": None, "level": LEVEL}
    if x.size:
        out["mean"] = float(x.mean())
    if x.size >= 2:
        sd = float(x.std(ddof=1))
        half = float(student_t.ppf(0.5 + LEVEL / 2, x.size - 1)) * sd / math.sqrt(x.size)
        out.update(sd=sd, ci_low=out["mean"] - half, ci_high=out["mean"] + half)
    return out


def lower_limit(values: list, alpha: float = ALPHA) -> float | None:
    """One-sided (1 − alpha) lower confidence limit of the mean, x̄ − t_{1−α, k−1} s/sqrt(k)
    (None for fewer than 2 values)."""
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return None
    return float(x.mean() - student_t.ppf(1 - alpha, x.size - 1) * x.std(ddof=1) /
                 math.sqrt(x.size))


def welch_lower(a: list, b: list, alpha: float = ALPHA) -> tuple[float | None, float | None,
                                                                  float | None]:
    """(d, lower, ν): d = mean(a) − mean(b), its one-sided (1 − alpha) Welch lower limit
    d − t_{1−α, ν} se with se² = s_a²/k_a + s_b²/k_b and the Welch-Satterthwaite
    ν = se⁴ / ((s_a²/k_a)²/(k_a − 1) + (s_b²/k_b)²/(k_b − 1)); lower = d (ν None) when se = 0.
    All None unless each side has 2 values or more."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 2 or y.size < 2:
        return None, None, None
    d = float(x.mean() - y.mean())
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    if va + vb == 0:
        return d, d, None
    dof = float((va + vb) ** 2 / (va ** 2 / (x.size - 1) + vb ** 2 / (y.size - 1)))
    return d, float(d - student_t.ppf(1 - alpha, dof) * math.sqrt(va + vb)), dof


def setting_entry(name: str, runs: list[dict]) -> dict:
    """The ``settings`` entry of one setting from its run rows (seed order)."""
    return {"name": name, "seeds": [r["seed"] for r in runs], "n_seeds": len(runs),
            "steps": [r["steps"] for r in runs], "statuses": [r["status"] for r in runs],
            "stats": {s: seed_stats([r[s] if _settled(r) else None for r in runs])
                      for s in STATS}}


def _steps(rows: list[dict]) -> list[int] | None:
    steps = [r["steps"] for r in rows if r["steps"] is not None]
    return [min(steps), max(steps)] if steps else None


def _usable(runs: list[dict], key: str) -> tuple[list[dict], list]:
    """The settled runs with a value of ``key``, and the seeds left out."""
    keep = [_settled(r) and r[key] is not None for r in runs]
    return ([r for r, k in zip(runs, keep) if k],
            [r["seed"] for r, k in zip(runs, keep) if not k])


def _correlation(runs: list[dict]) -> tuple[bool | None, dict, list[dict]]:
    used, out = _usable(runs, "pearson_r")
    r = [u["pearson_r"] for u in used]
    low = lower_limit(r)
    return (_three_way(low, float(np.mean(r)) if r else None, 0.0),
            {"seeds": [u["seed"] for u in used], "r": r, "mean_r": float(np.mean(r)) if r else
             None, "lower": low, "k": len(used), "left_out": out}, used)


def _three_way(lower: float | None, mean: float | None, criterion: float,
               strict: bool = True) -> bool | None:
    """Supported when the lower confidence limit passes the criterion (> it, or >= it when not
    ``strict``); not supported when the between-seed mean itself fails it; inconclusive when
    the mean passes but the limit does not: the seeds are too few or too spread to decide (with
    2 seeds t_{0.99, 1} = 31.8, so even r = 0.83 and 0.89 are not enough), which is not
    evidence against the claim."""
    if lower is None or mean is None:
        return None
    passes = (lambda v: v > criterion) if strict else (lambda v: v >= criterion)
    return True if passes(lower) else False if not passes(mean) else None


def _paired(by: dict[str, list[dict]], names: list[str]) -> dict:
    """Rows of the common seeds of ``names``: {seed: [row per name]}."""
    common = set.intersection(*({r["seed"] for r in by[n]} for n in names))
    return {s: [next(r for r in by[n] if r["seed"] == s) for n in names]
            for s in sorted(common, key=lambda s: (s is None, s or 0))}


def _ranking(by, names, key, best):
    """Paired 'lowest in every seed' over the common seeds of ``names``."""
    seeds = _paired(by, names)
    outcome = {s: _lowest(rows, key, best) for s, rows in seeds.items()}
    used = [s for s, o in outcome.items() if o is not None]
    ok = False if any(o is False for o in outcome.values()) else \
        (True if len(used) >= 2 else None)
    measured = {"seeds": used, "left_out": [s for s in seeds if s not in used]}
    measured.update({n: [seeds[s][i][key] for s in used] for i, n in enumerate(names)})
    return ok, measured, [r for s in used for r in seeds[s]]


def _accuracy(by):
    seeds = _paired(by, [CLIP_IMG, IMG])
    used, diffs, lost = [], [], False
    for s, (clip, img) in seeds.items():
        if not (_settled(clip) and _settled(img)):
            continue
        if clip["status"] == "diverged":
            used.append(s)
            lost = True
        elif img["status"] == "diverged":
            used.append(s)  # won by the candidate
        elif None not in (clip["final_test_acc"], img["final_test_acc"]):
            used.append(s)
            diffs.append(clip["final_test_acc"] - img["final_test_acc"])
    low = lower_limit(diffs)
    ok = False if lost else None if len(used) < 2 else True if not diffs else \
        _three_way(low, float(np.mean(diffs)), -ACC_MARGIN, strict=False)
    measured = {"seeds": used, "left_out": [s for s in seeds if s not in used], "diff": diffs,
                "mean_diff": float(np.mean(diffs)) if diffs else None, "lower": low,
                "k": len(used)}
    for i, n in enumerate((CLIP_IMG, IMG)):
        measured[n] = [seeds[s][i]["final_test_acc"] for s in used]
    return ok, measured, [r for s in used for r in seeds[s]]


def _across(cid: str, by: dict[str, list[dict]]) -> tuple:
    """(ok, criterion, measured, k, rows used) of claim ``cid`` across seeds."""
    level = f"one-sided {100 * (1 - ALPHA):g}% Student-t lower limit (k - 1 dof)"
    if cid == "lm-correlation":
        ok, m, used = _correlation(by[LM])
        return ok, f"between-seed mean Pearson r > 0: {level} > 0 over the settled seeds " \
                   f"of {LM} (k >= 2)", m, m["k"], used
    if cid == "image-weaker":
        lm_ok, m_lm, u_lm = _correlation(by[LM])
        _, m_img, u_img = _correlation(by[IMG])
        d, low, dof = welch_lower(m_lm["r"], m_img["r"])
        weaker = _three_way(low, d, 0.0)
        ok = False if False in (lm_ok, weaker) else None if None in (lm_ok, weaker) else True
        return ok, f"LM claim holds and the one-sided {100 * (1 - ALPHA):g}% Welch lower " \
                   f"limit of mean r({LM}) - mean r({IMG}) > 0 (k >= 2 each)", \
            {"r_lm": m_lm["r"], "r_image": m_img["r"], "seeds_lm": m_lm["seeds"],
             "seeds_image": m_img["seeds"], "lower_lm": m_lm["lower"], "diff": d,
             "lower": low, "dof": dof, "k_lm": m_lm["k"], "k_image": m_img["k"]}, \
            min(m_lm["k"], m_img["k"]), u_lm + u_img
    if cid == "clipped-correlation":
        (a, ma, ua), (b, mb, ub) = _correlation(by[LM]), _correlation(by[CLIP_IMG])
        return False if False in (a, b) else None if None in (a, b) else True, \
            f"{level} of the between-seed mean Pearson r > 0 in {LM} and in {CLIP_IMG} " \
            "(k >= 2 each)", {"lm": ma, "image": mb}, min(ma["k"], mb["k"]), ua + ub
    if cid == "clip-fastest-train":
        (a, ma, ua), (b, mb, ub) = (_ranking(by, LM_SET, "final_train_loss", LM),
                                    _ranking(by, IMG_SET, "final_train_loss", CLIP_IMG))
        ok = False if False in (a, b) else None if None in (a, b) else True
        return ok, "paired by seed: the clipped large-lr run has the lowest last-epoch " \
                   "training loss of its task's three runs in every settled common seed " \
                   "(a diverged run ranks worst; k >= 2 per task)", {"lstm": ma, "resnet20": mb}, \
            min(len(ma["seeds"]), len(mb["seeds"])), ua + ub
    if cid == "lm-best-val":
        ok, m, used = _ranking(by, LM_SET, "final_val_loss", LM)
        return ok, f"paired by seed: {LM} has the lowest final validation loss of the LSTM " \
                   "runs in every settled common seed (a diverged run ranks worst; k >= 2)", \
            m, len(m["seeds"]), used
    ok, m, used = _accuracy(by)
    return ok, f"paired by seed: {level} of mean(acc({CLIP_IMG}) - acc({IMG})) >= " \
               f"-{ACC_MARGIN}; a diverged candidate loses (k >= 2)", m, m["k"], used


def judge_across_seeds(by: dict[str, list[dict]], absent: dict[str, dict]) -> list[dict]:
    """The ``claims`` entries from the run rows of each setting (``by``: seed order, [] for a
    setting without run folders, whose :func:`nn_checks.claims.run_summary` row is
    ``absent[name]``)."""
    def one(n: str) -> dict:
        rows = by[n]
        if not rows:
            return absent[n]
        return rows[0] if len(rows) == 1 else \
            dict.fromkeys(rows[0]) | {"name": n, "present": False}
    single = judge_claims({n: one(n) for n in by})
    out = []
    for claim in single:
        names = CLAIM_SETTINGS[claim["id"]]
        if all(len(by[n]) <= 1 for n in names):
            used = [by[n][0] for n in names if by[n] and _settled(by[n][0])]
            k = int(claim["verdict"] != "inconclusive")
            out.append({**claim, "seeds": k, "steps": _steps(used), "settings": names,
                        "aggregation": "single seed"})
            continue
        ok, criterion, measured, k, used = _across(claim["id"], by)
        out.append({"id": claim["id"], "claim": CLAIMS[claim["id"]], "criterion": criterion,
                    "measured": measured, "verdict": _verdict(ok), "seeds": k,
                    "steps": _steps(used) if k else None, "settings": names,
                    "aggregation": f"across {k} seeds"})  # no seeds decided: no steps either
    return out
