"""``python -m synthetic grid``: the product order, strict grid files (one-line refusals,
nothing written), records in grid order identical on the local and the Dask engine, resuming
(kept points untouched, changed points redone, moved points reused), refused, timed-out,
crashed and verdict-failed points and the exit codes."""
from __future__ import annotations

import json

import pytest

from synthetic import grid as G
from synthetic.cli import main

# L0 = 0.5 is outside the class (Thm 4 needs L0 >= 1 and eps <= L0/6): points 0 and 1 are
# refused; the two others run in a few seconds (B_delta at h = 0.01, extremal at h = 5)
LB = ["grid", "lower-bound", "--L0", "0.5,1", "--L1", "1", "--M", "10", "--eps", "0.1",
      "--delta", "10"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mtimes(out):
    return {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("*.json")}


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "local"
    code = main([*LB, "--h", "0.01,5", "--out", str(out), "--json"])
    return code, out, (out / "records.jsonl").read_bytes()


def test_product_order_is_fixed_axes_then_values_as_given():
    values = G.axis_values("lower-bound", {"M": "10,100", "L1": "1,10", "L0": "2,1",
                                           "eps": "0.1", "delta": "10", "grid": "3"})
    assert list(values) == ["L0", "L1", "M", "eps", "delta", "grid"]
    points = G.product_points(values)
    assert [(p["L0"], p["L1"], p["M"]) for p in points] == [
        (2, 1, 10), (2, 1, 100), (2, 10, 10), (2, 10, 100),
        (1, 1, 10), (1, 1, 100), (1, 10, 10), (1, 10, 100)]
    assert G.point_args("lower-bound", points[0], ["--max-iter=5"]) == (
        "-m", "synthetic", "lower-bound", "--L0=2.0", "--L1=1.0", "--M=10.0", "--eps=0.1",
        "--delta=10.0", "--grid=3", "--max-iter=5", "--json")


def test_engines_give_byte_identical_records(local, tmp_path, capsys):
    pytest.importorskip("distributed")
    code, out, records = local
    assert code == 0
    rows = [json.loads(line) for line in records.decode().splitlines()]
    assert [r["point"] for r in rows] == [0, 1, 2, 3]
    assert [(r["params"]["L0"], r["params"]["h"]) for r in rows] == [
        (0.5, 0.01), (0.5, 5.0), (1.0, 0.01), (1.0, 5.0)]
    assert [r["outcome"] for r in rows] == ["refused", "refused", "ran", "ran"]
    for r in rows[:2]:  # out of the class: the command's one-line refusal, exit 2
        assert r["exit_code"] == 2 and r["result"] is None
        assert r["error"].startswith("synthetic: error: ") and "\n" not in r["error"]
    for r in rows[2:]:
        assert r["exit_code"] == 0 and r["error"] is None and r["result"][0]["verdict"] == "pass"
    code, text, _ = run(capsys, *LB, "--h", "0.01,5", "--out", str(tmp_path / "dask"),
                        "--engine", "dask", "--workers", "2", "--json")
    assert code == 0 and json.loads(text)["engine"] == "dask"
    assert (tmp_path / "dask" / "records.jsonl").read_bytes() == records
    meta = json.loads((tmp_path / "dask" / "grid.json").read_text())
    assert meta["engine"]["workers"] == 2 and len(meta["per_point"]) == 4
    assert all(p["seconds"] > 0 and not p["kept"] for p in meta["per_point"])


def test_a_rerun_keeps_finished_points_and_redoes_changed_ones(local, capsys):
    _, out, records = local
    before = mtimes(out)
    code, text, _ = run(capsys, *LB, "--h", "0.01,5", "--out", str(out), "--json")
    assert code == 0 and json.loads(text)["kept"] == 4
    assert mtimes(out) == before and (out / "records.jsonl").read_bytes() == records
    code, text, _ = run(capsys, *LB, "--h", "0.01,0.1", "--out", str(out), "--json")
    assert code == 0 and (json.loads(text)["kept"], json.loads(text)["ran"]) == (2, 2)
    after = mtimes(out)
    assert after["0.json"] == before["0.json"] and after["2.json"] == before["2.json"]
    assert after["1.json"] != before["1.json"] and after["3.json"] != before["3.json"]
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    old = [json.loads(line) for line in records.decode().splitlines()]
    assert rows[0] == old[0] and rows[2] == old[2]
    assert rows[3]["params"]["h"] == 0.1 and rows[3]["outcome"] == "ran"
    # the same points in another order are moved, not rerun
    code, text, _ = run(capsys, *LB, "--h", "0.1,0.01", "--out", str(out), "--json")
    assert code == 0 and json.loads(text)["kept"] == 4
    moved = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert [r["params"]["h"] for r in moved] == [0.1, 0.01, 0.1, 0.01]
    assert moved[1] | {"point": 0} == rows[0] | {"point": 0}


def test_a_point_past_its_timeout_is_killed_and_recorded(tmp_path, capsys):
    argv = ["grid", "worst-case", "--rule", "thm3", "--L0", "2", "--L1", "4", "--M", "50",
            "--eps", "0.1", "--delta", "20", "--search", "--search-time", "600",
            "--generations", "10000", "--timeout", "2", "--out", str(tmp_path), "--json"]
    code, text, _ = run(capsys, *argv)
    assert code == 0 and json.loads(text)["counts"]["timed-out"] == 1
    (row,) = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert (row["outcome"], row["exit_code"], row["result"]) == ("timed-out", None, None)
    assert row["error"] == "timed out after 2 s (killed)"
    assert json.loads((tmp_path / "grid.json").read_text())["per_point"][0]["seconds"] < 30
    code, text, _ = run(capsys, *argv)  # the same timeout: kept, not rerun
    assert code == 0 and json.loads(text)["kept"] == 1


@pytest.mark.parametrize("script,code,outcome,error", [
    ("import sys; print('boom', file=sys.stderr); sys.exit(5)", 3, "crashed", "boom"),
    ("print('[]'); raise SystemExit(1)", 1, "verdict-failed", None),
    ("pass", 3, "crashed", "no JSON output (empty output)"),
])
def test_crashed_and_failed_points_set_the_exit_code(tmp_path, capsys, monkeypatch, script,
                                                     code, outcome, error):
    monkeypatch.setattr(G, "point_args", lambda command, point, options: (
        "-c", f"{script} # {point['h']}"))
    argv = [*LB[:2], "--L0", "1", *LB[4:], "--h", "0.01,5", "--out", str(tmp_path), "--json"]
    got, text, _ = run(capsys, *argv)
    rows = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert got == code and [r["outcome"] for r in rows] == [outcome] * 2
    assert rows[0]["error"] == error
    assert (tmp_path / "points" / "0.log").exists() == (outcome == "crashed")
    got, text, _ = run(capsys, *argv)  # crashed points are redone
    assert got == code and json.loads(text)["ran"] == (2 if outcome == "crashed" else 0)


def write(tmp_path, text):
    path = tmp_path / "points.json"
    path.write_text(text)
    return path


BASE = '"L1": 1, "M": 10, "eps": 0.1, "delta": 10, "h": 0.01'


@pytest.mark.parametrize("text,needle", [
    ('[{"L0": 1, ' + BASE + ',}]', "not strict JSON"),
    ('{"L0": 1, ' + BASE + '}', "must be a non-empty JSON list of objects (one per point), "
                                 "got an object"),
    ('[]', "got an empty list"),
    ('[1]', "entry 0: must be an object"),
    ('[{"L0": 1, ' + BASE + '}, {"L0": 2, "foo": 1, ' + BASE + '}]', "entry 1: unknown key 'foo'"),
    ('[{"L0": 1, ' + BASE + '}, {"L0": NaN, ' + BASE + '}]', "entry 1: L0 must be finite"),
    ('[{"L0": Infinity, ' + BASE + '}]', "entry 0: L0 must be finite"),
    ('[{"L0": 1e999, ' + BASE + '}]', "entry 0: L0 must be finite"),
    ('[{"L0": true, ' + BASE + '}]', "entry 0: L0 must be a number, got a boolean"),
    ('[{"L0": "1", ' + BASE + '}]', "entry 0: L0 must be a number, got a string"),
    ('[{"L0": 1, "L0": 2, ' + BASE + '}]', "repeated key 'L0'"),
    ('[{"L0": 1, ' + BASE + '}, {"L0": 1.0, ' + BASE + '}]', "entry 1: repeats entry 0"),
    ('[{"L0": 1}]', "entry 0: missing L1, M, eps, delta"),
    ('[{"L0": 1, "grid": 3, ' + BASE + '}]', "entry 0: give exactly one of h or grid"),
    ('[{"L0": 1, "grid": 2.5, "L1": 1, "M": 10, "eps": 0.1, "delta": 10}]',
     "entry 0: grid must be an integer"),
    ('[' + ', '.join('{"L0": %d, %s}' % (i, BASE) for i in range(10_001)) + ']',
     "10001 points, more than 10000"),
    ('[' * 100_000 + ']' * 100_000, "nested too deeply"),
])
def test_bad_grid_files_are_one_line_refusals(tmp_path, capsys, text, needle):
    path = write(tmp_path, text)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "grid", "lower-bound", "--grid-file", str(path),
                            "--out", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert err.count("\n") == 1 and err.startswith(f"synthetic: error: --grid-file {path}")
    assert needle in err


def test_a_grid_file_gives_the_points_in_its_order(tmp_path):
    path = write(tmp_path, '[{"h": 0.5, "L0": 2, %s}, {"L0": 1, "grid": 4, "L1": 1, "M": 10, '
                           '"eps": 0.1, "delta": 10}]' % BASE.replace(', "h": 0.01', ""))
    points = G.read_grid_file(path, "lower-bound")
    assert points == [{"h": 0.5, "L0": 2.0, "L1": 1.0, "M": 10.0, "eps": 0.1, "delta": 10.0},
                      {"L0": 1.0, "grid": 4, "L1": 1.0, "M": 10.0, "eps": 0.1, "delta": 10.0}]
    assert G.point_args("lower-bound", points[1], [])[3:-1] == (
        "--L0=1.0", "--L1=1.0", "--M=10.0", "--eps=0.1", "--delta=10.0", "--grid=4")


@pytest.mark.parametrize("argv,needle", [
    (["lower-bound", "--h", "0.1"], "missing L0, L1, M, eps, delta"),
    ([*LB[1:], "--h", "0.1", "--grid", "3"], "give exactly one of h or grid"),
    ([*LB[1:], "--h", "0.1", "--eta", "1"], "--eta is an option of worst-case only"),
    ([*LB[1:], "--h", "0.1", "--grid-file", "x.json"], "either as comma lists or as --grid-file"),
    ([*LB[1:], "--h", "0.1", "--workers", "2"], "need --engine dask"),
    ([*LB[1:], "--h", "0.1", "--timeout", "0"], "--timeout must be"),
    ([*LB[1:], "--h", "0.1,x"], "'x' is not a number"),
    ([*LB[1:], "--h", ",".join(str(k + 1) for k in range(5001))], "10002 points, more than"),
    (["lower-bound"], "give the grid as comma lists"),
    (["worst-case", *LB[2:], "--h", "0.1"], "exactly one of --rule NAME or --method NAME"),
    (["worst-case", *LB[2:], "--method", "clipped", "--h", "0.1"],
     "--method clipped needs exactly eta, gamma"),
    (["worst-case", *LB[2:], "--rule", "thm3", "--seed", "1,2"], "seed applies only with"),
])
def test_bad_grid_options_are_refused_before_anything_is_written(tmp_path, capsys, argv,
                                                                 needle):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "grid", *argv, "--out", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert err.count("\n") == 1 and needle in err, err


def test_a_folder_of_another_command_is_refused(tmp_path, capsys):
    (tmp_path / "summary.json").write_text("{}")
    code, _, err = run(capsys, *LB, "--h", "0.1", "--out", str(tmp_path))
    assert code == 2 and "holds files of another command (summary.json)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_output_parsing_takes_the_last_json_line_and_drops_timings():
    text = "\n".join(["warning: something", '{"sup_T": 3, "seconds": 1.5, "search": '
                      '{"seconds": 2, "search_seconds": 1, "best_iterations": 7}}',
                      "trailing stderr \r"])
    record = G.point_record(4, "worst-case", {"L0": 1.0}, 0, False, 10.0, text)
    assert record["result"] == {"sup_T": 3, "search": {"best_iterations": 7}}
    assert record["outcome"] == "ran" and record["error"] is None and record["point"] == 4
    refused = G.point_record(0, "lower-bound", {}, 2, False, 10.0,
                             "[1]\nsynthetic: error: --L0 bad\nmore")
    assert (refused["result"], refused["error"]) == (None, "synthetic: error: --L0 bad")
    assert G.parse_output("[1, 2]\n{\"a\": 1}\n", "lower-bound") == ([1, 2], "{\"a\": 1}")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A finished grid that no test changes (``local`` is rerun with other points)."""
    out = tmp_path_factory.mktemp("grid") / "pristine"
    assert main([*LB, "--h", "0.01,5", "--out", str(out), "--json"]) == 0
    return out, (out / "records.jsonl").read_bytes()


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("seconds"), lambda d: d.pop("host"), lambda d: d.update(timeout="x"),
    lambda d: d["record"].update(outcome="timed-out") or d.update(timeout="x"),
    lambda d: d.update(record={"outcome": "ran"}), lambda d: d["record"].update(outcome="odd"),
    lambda d: d.update(record=[1]), lambda d: d["record"].update(params=3)])
def test_a_damaged_point_file_is_redone_not_a_crash(pristine, tmp_path, capsys, damage):
    out, records = pristine
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "points").mkdir()
    for path in (out / "points").glob("*.json"):
        (copy / "points" / path.name).write_bytes(path.read_bytes())
    payload = json.loads((copy / "points" / "0.json").read_text())
    assert G.keep_point(payload, 600.0)  # undamaged, it is kept
    damage(payload)
    (copy / "points" / "0.json").write_text(json.dumps(payload))
    assert payload["fingerprint"] not in G.stored_points(copy / "points")
    code, text, err = run(capsys, *LB, "--h", "0.01,5", "--out", str(copy), "--json")
    assert code == 0, err
    assert (json.loads(text)["kept"], json.loads(text)["ran"]) == (3, 1)
    assert (copy / "records.jsonl").read_bytes() == records


def test_a_damaged_grid_json_is_a_one_line_refusal_naming_it(tmp_path, capsys):
    (tmp_path / "grid.json").write_text("{")
    code, _, err = run(capsys, *LB, "--h", "0.1", "--out", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "grid.json is damaged" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.json"]


def test_value_lists_are_finite_numbers_without_repeats():
    assert G.axis_values("lower-bound", {"L0": "1,10,1e2,10"}) == {"L0": (1.0, 10.0, 100.0)}
    for bad in ("", "1,nan", "1,inf", "x", "1,,2"):
        with pytest.raises(ValueError, match="--L0"):
            G.axis_values("lower-bound", {"L0": bad})
