"""The claims judged across seeds (claims.json ``l0l1-claims/2``, nn_checks.claims_seeds): the
verdicts rest on between-seed statistics (with negative controls that a "mean > 0" rule would
pass), the statistics equal an independent scipy computation, the single-seed layout gives
today's claims, paired claims use the common seeds, partly settled sweeps, and refusals (a
damaged file or a misplaced run in a seed folder: one line, nothing written)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from scipy import stats

from nn_checks import claims_seeds
from nn_checks.claims import judge_claims, run_summary, claims_file
from nn_checks.claims_seeds import lower_limit, seed_stats, welch_lower
from nn_checks.cli import main
from test_nn_claims import NAMES, edit_json, paper_like, refusal, write_run

LM, IMG, CLIP = "lstm_lr30clip0.25", "resnet20_sgdmom", "resnet20_lr5clip0.25"
SEEDS = (1, 2, 3)
JITTER = (-0.02, 0.0, 0.02)
PAPER = {  # the numbers of test_nn_claims.paper_like
    "lstm_lr30clip0.25": dict(r=0.85, train=5.0, val=5.2),
    "lstm_lr2noclip": dict(r=0.6, train=6.0, val=6.1),
    "lstm_lr2clip0.25": dict(r=0.5, train=6.5, val=6.6),
    "resnet20_sgdmom": dict(r=0.1, train=1.0, acc=0.80),
    "resnet20_lr1noclip": dict(r=0.3, train=1.2, acc=0.70),
    "resnet20_lr5clip0.25": dict(r=0.7, train=0.9, acc=0.79)}


def write_seed(root, setting, seed, **kwargs):
    """A run folder of one seed, root/<setting>/seed<S>/, whose config.json records the seed."""
    folder = write_run(root / ".stage", setting, **kwargs)
    edit_json(folder / "config.json", lambda d: (d.update(seed=seed), d["config"].update(seed=seed)))
    dest = root / setting / f"seed{seed}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(folder, dest)
    (root / ".stage").rmdir()
    return dest


def sweep(root, seeds=SEEDS, names=NAMES, **changes):
    """Paper-like numbers in every seed, r jittered by ±0.02 across seeds; ``changes`` maps a
    setting to {seed: kwargs} overriding that seed's numbers."""
    for name in names:
        for k, seed in enumerate(seeds):
            kw = dict(PAPER[name])
            kw["r"] += JITTER[k % 3]
            kw.update(changes.get(name, {}).get(seed, {}))
            write_seed(root, name, seed, **kw)


def claims(root):
    return {c["id"]: c for c in claims_file(root)["claims"]}


def test_tight_correlations_across_seeds_are_supported(tmp_path):
    sweep(tmp_path, names=[LM], **{LM: {s: dict(r=r) for s, r in zip(SEEDS, (0.48, 0.5, 0.52))}})
    c = claims(tmp_path)["lm-correlation"]
    assert (c["verdict"], c["aggregation"], c["seeds"]) == ("supported", "across 3 seeds", 3)
    assert c["measured"]["r"] == [0.48, 0.5, 0.52] and c["measured"]["seeds"] == [1, 2, 3]
    assert c["measured"]["mean_r"] == pytest.approx(0.5) and 0 < c["measured"]["lower"] < 0.5


def test_positive_mean_with_a_negative_lower_limit_is_not_supported(tmp_path):
    """Negative control: r = 0.4, -0.3, 0.5 has mean 0.2 > 0 (a "mean > 0" rule passes; so does
    each seed's own n_eff test for two of them), but the 99% lower limit is far below 0: not
    supported by these seeds, though not refuted either (the mean is positive): inconclusive.
    A negative mean (0.1, -0.4, -0.2) is not supported."""
    r = (0.4, -0.3, 0.5)
    sweep(tmp_path, names=[LM, CLIP], **{LM: {s: dict(r=v) for s, v in zip(SEEDS, r)}})
    c = claims(tmp_path)
    m = c["lm-correlation"]["measured"]
    assert m["mean_r"] == pytest.approx(0.2) and m["mean_r"] > 0 and m["lower"] < 0
    assert c["lm-correlation"]["verdict"] == "inconclusive"
    assert c["clipped-correlation"]["verdict"] == "inconclusive"
    shutil.rmtree(tmp_path)
    sweep(tmp_path, names=[LM, CLIP], **{LM: {s: dict(r=v) for s, v in
                                              zip(SEEDS, (0.1, -0.4, -0.2))}})
    c = claims(tmp_path)
    assert c["lm-correlation"]["measured"]["mean_r"] < 0
    assert c["lm-correlation"]["verdict"] == c["clipped-correlation"]["verdict"] == \
        "not supported"


def test_two_strong_seeds_are_too_few_not_evidence_against(tmp_path):
    """r = 0.83 and 0.89 (each significant on its own): with 2 seeds t_{0.99,1} = 31.8 puts
    the lower limit below 0, so the claim is inconclusive across 2 seeds, never 'not
    supported'; a third seed at 0.86 makes it supported."""
    sweep(tmp_path, seeds=(1, 2), names=[LM], **{LM: {1: dict(r=0.83), 2: dict(r=0.89)}})
    c = claims(tmp_path)["lm-correlation"]
    assert c["measured"]["lower"] < 0 and c["verdict"] == "inconclusive"
    sweep(tmp_path, seeds=(3,), names=[LM], **{LM: {3: dict(r=0.86)}})
    c = claims(tmp_path)["lm-correlation"]
    assert c["measured"]["k"] == 3 and c["verdict"] == "supported"


def test_statistics_equal_an_independent_computation():
    x = [0.48, 0.55, 0.41, 0.62]
    s = seed_stats(x[:2] + [None] + x[2:])
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert s["n"] == 4 and s["mean"] == pytest.approx(np.mean(x))
    assert s["sd"] == pytest.approx(np.std(x, ddof=1))
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((low, high)) and s["level"] == 0.95
    one = stats.ttest_1samp(x, 0.0, alternative="greater").confidence_interval(0.99).low
    assert lower_limit(x) == pytest.approx(one)
    y = [0.1, 0.3, 0.05]
    welch = stats.ttest_ind(x, y, equal_var=False, alternative="greater")
    d, lo, dof = welch_lower(x, y)
    assert d == pytest.approx(np.mean(x) - np.mean(y)) and dof == pytest.approx(welch.df)
    assert lo == pytest.approx(welch.confidence_interval(0.99).low)
    assert seed_stats([0.3, None])["sd"] is None and seed_stats([0.3])["ci_low"] is None
    assert seed_stats([None])["mean"] is None and lower_limit([0.3]) is None


def test_settings_hold_the_stats_of_each_setting(tmp_path):
    sweep(tmp_path)
    data = claims_file(tmp_path)
    assert [s["name"] for s in data["settings"]] == NAMES
    lm = data["settings"][0]
    assert (lm["seeds"], lm["n_seeds"], lm["statuses"]) == ([1, 2, 3], 3, ["finished"] * 3)
    assert set(lm["stats"]) == set(claims_seeds.STATS)
    r = lm["stats"]["pearson_r"]
    assert r["values"] == pytest.approx([0.83, 0.85, 0.87]) and r["n"] == 3
    assert r["mean"] == pytest.approx(0.85) and r["sd"] == pytest.approx(0.02)
    assert lm["stats"]["final_test_acc"]["values"] == [None] * 3  # an LSTM has no accuracy


def test_single_seed_layout_gives_todays_claims(tmp_path):
    """The make reproduce layout: every verdict, criterion and measured value is that of
    judge_claims on the run rows (today's claims.json), marked "single seed"."""
    paper_like(tmp_path)
    shutil.rmtree(tmp_path / "lstm_lr2clip0.25")
    write_run(tmp_path, "lstm_lr2clip0.25", val=5.0, train=6.5)  # lm-best-val fails
    today = judge_claims({n: run_summary(tmp_path / n) for n in NAMES})
    data = claims_file(tmp_path)
    assert data["schema"] == "l0l1-claims/2"
    for old, new in zip(today, data["claims"]):
        assert {k: new[k] for k in old} == old
        assert new["aggregation"] == "single seed" and new["steps"] == [100, 100]
        assert new["seeds"] == 1 and new["settings"] == claims_seeds.CLAIM_SETTINGS[new["id"]]
    assert [c["verdict"] for c in data["claims"]].count("not supported") == 1
    runs = data["runs"]
    assert [r["name"] for r in runs] == [r["setting"] for r in runs] == [r["folder"] for r in runs]
    assert [r["seed"] for r in runs] == [None] * 6  # write_run records no seed


def test_one_seed_folder_per_setting_is_single_seed(tmp_path):
    sweep(tmp_path, seeds=(7,))
    data = claims_file(tmp_path)
    assert {c["verdict"] for c in data["claims"]} == {"supported"}
    assert {c["aggregation"] for c in data["claims"]} == {"single seed"}
    assert [r["folder"] for r in data["runs"]] == [f"{n}/seed7" for n in NAMES]
    assert [r["seed"] for r in data["runs"]] == [7] * 6


def test_paper_like_sweep_supports_every_claim(tmp_path):
    sweep(tmp_path)
    c = claims(tmp_path)
    assert {v["verdict"] for v in c.values()} == {"supported"}
    assert {(v["aggregation"], v["seeds"]) for v in c.values()} == {("across 3 seeds", 3)}
    assert c["clip-fastest-train"]["measured"]["lstm"][LM] == [5.0] * 3


@pytest.mark.parametrize("name,seed,kwargs,claim,verdict", [
    (IMG, 2, dict(r=0.84), "image-weaker", "inconclusive"),  # one image seed as high as the LM's
    (CLIP, 1, dict(r=-0.4), "clipped-correlation", "inconclusive"),  # mean still > 0
    ("lstm_lr2noclip", 3, dict(train=4.0), "clip-fastest-train", "not supported"),  # one lost
    (CLIP, 2, dict(status="diverged"), "clip-fastest-train", "not supported"),
    ("lstm_lr2clip0.25", 1, dict(val=5.0), "lm-best-val", "not supported"),
    (CLIP, 3, dict(acc=0.70), "image-acc-match", "not supported"),  # diffs -.01, -.01, -.10
    (CLIP, 3, dict(status="diverged"), "image-acc-match", "not supported")])
def test_each_claim_fails_across_seeds_when_its_numbers_say_so(tmp_path, name, seed, kwargs,
                                                               claim, verdict):
    """One seed against the claim: not supported where the mean fails the criterion (or a
    ranking loses a seed), inconclusive where only the lower limit does; never supported."""
    sweep(tmp_path, **{name: {seed: kwargs}})
    c = claims(tmp_path)
    assert c[claim]["verdict"] == verdict and c[claim]["aggregation"] == "across 3 seeds"


def test_image_as_correlated_as_the_lm_is_not_weaker(tmp_path):
    sweep(tmp_path, **{IMG: {s: dict(r=0.9) for s in SEEDS}})
    c = claims(tmp_path)["image-weaker"]
    assert c["measured"]["diff"] < 0 and c["verdict"] == "not supported"


def test_accuracy_within_the_margin_on_average_is_supported(tmp_path):
    """Differences -0.01, -0.01, -0.01 (sd 0): lower limit -0.01 >= -0.02; then -0.01 on average
    but spread (-0.05, 0.03, -0.01): lower limit about -0.14 < -0.02."""
    sweep(tmp_path)
    assert claims(tmp_path)["image-acc-match"]["verdict"] == "supported"
    shutil.rmtree(tmp_path)
    sweep(tmp_path, **{CLIP: {1: dict(acc=0.75), 2: dict(acc=0.83)}})
    m = claims(tmp_path)["image-acc-match"]
    assert m["measured"]["mean_diff"] == pytest.approx(-0.01)
    assert m["measured"]["lower"] < -0.02 and m["verdict"] == "inconclusive"  # mean passes


def test_paired_claims_use_the_common_seeds(tmp_path):
    """lstm_lr2noclip has seeds 2-4, lstm_lr2clip0.25 2-3: the LSTM comparisons use seeds 2, 3
    only; the candidate losing its seed 1 (not common) changes nothing, losing seed 2 does."""
    sweep(tmp_path, seeds=(1, 2, 3), names=[LM])
    sweep(tmp_path, seeds=(2, 3, 4), names=["lstm_lr2noclip"])
    sweep(tmp_path, seeds=(2, 3), names=["lstm_lr2clip0.25"])
    shutil.rmtree(tmp_path / LM / "seed1")
    write_seed(tmp_path, LM, 1, r=0.85, train=9.0, val=9.0)
    c = claims(tmp_path)["lm-best-val"]
    assert c["verdict"] == "supported" and c["seeds"] == 2 and c["measured"]["seeds"] == [2, 3]
    assert c["aggregation"] == "across 2 seeds" and c["measured"][LM] == [5.2, 5.2]
    shutil.rmtree(tmp_path / LM / "seed2")
    write_seed(tmp_path, LM, 2, r=0.85, train=9.0, val=9.0)
    assert claims(tmp_path)["lm-best-val"]["verdict"] == "not supported"


def test_unsettled_seeds_are_left_out_and_counted(tmp_path):
    sweep(tmp_path, **{LM: {3: dict(status="running")}})
    data = claims_file(tmp_path)
    c = {x["id"]: x for x in data["claims"]}
    assert c["lm-correlation"]["verdict"] == "supported" and c["lm-correlation"]["seeds"] == 2
    assert c["lm-correlation"]["measured"]["left_out"] == [3]
    assert c["lm-best-val"]["measured"]["seeds"] == [1, 2] and c["lm-best-val"]["seeds"] == 2
    assert data["settings"][0]["stats"]["pearson_r"]["values"][2] is None  # partial: not used
    assert data["settings"][0]["statuses"] == ["finished", "finished", "running"]
    shutil.rmtree(tmp_path / LM / "seed2")
    write_seed(tmp_path, LM, 2, status="running")
    c = claims(tmp_path)
    assert c["lm-correlation"]["verdict"] == c["lm-best-val"]["verdict"] == "inconclusive"
    assert c["lm-correlation"]["seeds"] == 1 and c["image-acc-match"]["verdict"] == "supported"
    for seed in (1, 2, 3):
        (tmp_path / LM / f"seed{seed}" / "config.json").unlink()  # zero settled seeds
    c = claims(tmp_path)
    assert c["lm-correlation"]["verdict"] == "inconclusive" and c["lm-correlation"]["seeds"] == 0
    assert c["lm-correlation"]["steps"] is None


def test_seeds_and_steps_fields(tmp_path):
    sweep(tmp_path, **{LM: {1: dict(n=80), 3: dict(n=120)}})
    data = claims_file(tmp_path)
    c = {x["id"]: x for x in data["claims"]}
    assert c["lm-correlation"]["steps"] == [80, 120] and c["image-acc-match"]["steps"] == [100, 100]
    assert data["settings"][0]["steps"] == [80, 100, 120]
    assert c["image-weaker"]["settings"] == [LM, IMG]
    runs = data["runs"]
    assert [(r["setting"], r["seed"]) for r in runs] == [(n, s) for n in NAMES for s in SEEDS]
    assert [r["name"] for r in runs[:3]] == [LM] * 3 and runs[1]["folder"] == f"{LM}/seed2"


def test_symlinked_and_file_seed_entries_are_ignored(tmp_path):
    sweep(tmp_path, names=[LM])
    (tmp_path / LM / "seed9").symlink_to(tmp_path / LM / "seed1")
    (tmp_path / LM / "seed8").write_text("not a run")
    (tmp_path / LM / "seed01").mkdir()
    assert [r["seed"] for r in claims_file(tmp_path)["runs"] if r["setting"] == LM] == [1, 2, 3]


@pytest.mark.parametrize("recorded", [5, None])
def test_a_run_in_the_wrong_seed_folder_is_refused(tmp_path, capsys, recorded):
    sweep(tmp_path)
    (tmp_path / "claims.json").write_text("{\"previous\": true}")  # must stay as it was
    path = tmp_path / IMG / "seed2" / "config.json"
    edit_json(path, lambda d: (d.pop("seed"), d["config"].pop("seed")) if recorded is None else
              (d.update(seed=recorded), d["config"].update(seed=recorded)))
    err = refusal(tmp_path, capsys)
    assert f"{path}: field seed = {'<missing>' if recorded is None else 5}" in err
    assert "seed2" in err and "misplaced" in err


def test_seed_fields_that_disagree_are_refused(tmp_path, capsys):
    sweep(tmp_path, names=[LM])
    path = tmp_path / LM / "seed2" / "config.json"
    edit_json(path, lambda d: d["config"].update(seed=3))
    assert f"{path}: field config.seed" in refusal(tmp_path, capsys)


@pytest.mark.parametrize("name", ["fit.json", "config.json", "metrics.csv", "epochs.csv"])
def test_a_damaged_file_in_a_seed_folder_is_refused(tmp_path, capsys, name):
    sweep(tmp_path)
    path = tmp_path / CLIP / "seed3" / name
    path.write_text(path.read_text()[:-9])
    assert str(path) in refusal(tmp_path, capsys)


def test_cli_writes_schema_2_atomically(tmp_path, capsys, monkeypatch):
    sweep(tmp_path)
    assert main(["claims", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "claims.json").read_text())
    assert data["schema"] == "l0l1-claims/2" and len(data["runs"]) == 18
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES + ["claims.json", ".lock"])
    before = (tmp_path / "claims.json").read_bytes()
    import plumbing.files

    def broken(fd):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(plumbing.files.os, "fsync", broken)
    assert main(["claims", str(tmp_path)]) != 0  # the write fails: the old file stays
    capsys.readouterr()
    assert (tmp_path / "claims.json").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_claim_resting_on_no_seed_names_no_steps(tmp_path):
    """Only the LSTM setting swept: clipped-correlation rests on 0 seeds (the image side is
    missing), so it names no steps either (it took the LM side's before)."""
    sweep(tmp_path, names=[LM])
    c = claims(tmp_path)["clipped-correlation"]
    assert (c["seeds"], c["steps"], c["verdict"]) == (0, None, "inconclusive")
