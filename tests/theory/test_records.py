"""Result records: verdict logic (censoring is never a pass), validation, atomic files."""
from __future__ import annotations

import json
import math

import pytest

from theory.records import ResultRecord, verdict_for
from plumbing.provenance import environment_info
from plumbing.jsonio import read_jsonl, to_jsonable, write_json, write_jsonl


@pytest.mark.parametrize("measured,bound,kind,censored,expected", [
    (10, 20, "upper", False, "pass"), (21, 20, "upper", False, "fail"),
    (21, 20, "upper", True, "fail"), (19, 20, "upper", True, "inconclusive"),
    (30, 20, "lower", False, "pass"), (30, 20, "lower", True, "pass"),
    (10, 20, "lower", False, "fail"), (10, 20, "lower", True, "inconclusive"),
    (math.inf, 20, "lower", False, "pass"), (20.0000001, 20, "tight", False, "pass"),
    (20.1, 20, "tight", False, "fail"), (20, 20, "tight", True, "inconclusive"),
    (20.1, 20, "tight", True, "fail"), (5, float("nan"), "upper", False, "inconclusive"),
    (None, 20, "upper", False, "inconclusive"), (5, None, "upper", False, "shape-only"),
    (5, 3, "order", False, "shape-only"),
])
def test_verdicts(measured, bound, kind, censored, expected):
    assert verdict_for(measured, bound, kind, 1e-6, censored) == expected


def test_censored_upper_count_is_never_a_pass():
    """A run stopped at max_iter only shows T_eps >= cap: below the bound that proves nothing."""
    for cap in (1, 10, 19.99):
        assert verdict_for(cap, 20, "upper", 0.0, censored=True) == "inconclusive"
    assert verdict_for(30, 20, "upper", 0.0, censored=True) == "fail"  # T >= 30 > 20: certain


@pytest.mark.parametrize("field,value", [("mark", "guessed"), ("bound_kind", "sideways"),
                                         ("verdict", "ok"), ("tolerance", -1.0),
                                         ("quantity", ""), ("status", "finished"),
                                         ("censored", "no"), ("check_id", "")])
def test_record_validation(field, value):
    kwargs = dict(check_id="c", theorem="Thm 3", mark="paper", params={}, measured=1.0, bound=2.0,
                  bound_kind="upper", tolerance=0.0, verdict="pass", quantity="iterations")
    kwargs[field] = value
    with pytest.raises(ValueError, match=field):
        ResultRecord(**kwargs)


def _record(**over):
    kwargs = dict(check_id="thm3/q/x0=1", theorem="Thm 3", mark="reconstructed",
                  params={"L0": 1.0}, measured=19.0, bound=20.0, bound_kind="upper",
                  tolerance=0.0, quantity="iterations")
    return ResultRecord(**(kwargs | over))


def test_the_verdict_is_decided_once_at_construction():
    """Left out, the verdict is verdict_for of the record's own fields (censoring included);
    the record is frozen, so nobody overwrites it afterwards."""
    import dataclasses

    assert _record().verdict == "pass"
    assert _record(censored=True, status="max_iter").verdict == "inconclusive"
    assert _record(measured=21.0).verdict == "fail"
    rec = _record()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.verdict = "fail"
    assert _record(verdict="inconclusive").verdict == "inconclusive"  # a check's own rule


def test_record_fields_are_data_not_parsed_ids():
    params = {"L0": 1.0}
    rec = _record(params=params, status="converged")
    params["L0"] = 99.0  # the caller's dict is copied: the record does not change under it
    row = rec.to_dict()
    assert row["params"] == {"L0": 1.0} and row["check"] == "thm3"
    assert row["quantity"] == "iterations" and row["status"] == "converged"
    assert row["censored"] is False
    assert _record(check="custom").check == "custom"


def test_jsonl_roundtrip_and_no_temp_files(tmp_path):
    rec = ResultRecord("c/1", "Thm 6", "reconstructed", {"h": 0.1}, 12.0, math.inf, "upper", 0.0,
                       "pass", quantity="iterations")
    write_jsonl(tmp_path / "r" / "records.jsonl", [rec, rec])
    rows = read_jsonl(tmp_path / "r" / "records.jsonl")
    assert len(rows) == 2 and rows[0]["bound"] == "inf" and rows[0]["params"] == {"h": 0.1}
    write_json(tmp_path / "r" / "config.json", {"a": float("nan")})
    assert json.loads((tmp_path / "r" / "config.json").read_text()) == {"a": "nan"}
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["config.json", "records.jsonl"]


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "records.jsonl"
    write_jsonl(path, [{"a": 1}])

    class Boom:
        def to_dict(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_jsonl(path, [Boom()])
    assert read_jsonl(path) == [{"a": 1}] and len(list(tmp_path.iterdir())) == 1


def test_environment_info_fields():
    env = environment_info(seed=3)
    assert env["seed"] == 3 and env["packages"]["sympy"] and env["python"]
    assert "git_revision" in env and env["created_utc"].endswith("+00:00")


def test_to_jsonable_numpy_and_mpmath():
    import mpmath
    import numpy as np

    assert to_jsonable({"a": np.float64(1.5), "b": np.int64(2), "c": mpmath.mpf(3),
                        "d": (np.inf, -np.inf)}) == {"a": 1.5, "b": 2, "c": 3.0, "d": ["inf", "-inf"]}
