"""``python -m synthetic run`` / ``lower-bound``: strict JSON (no NaN), overflow as "diverged",
bounded work on extreme inputs, the shared conventions (--expr, --vars, --help, --version) and
the exit codes (1 when a verdict fails)."""
from __future__ import annotations

import json
import math

import pytest

from synthetic.cli import main
from synthetic.fastcount import gd_count
from theory.statements.steps import step_rule
from plumbing.cli import EXIT_CODES_HELP
from theory.functions.toolkit import from_expression, gradient_pieces


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def strict(text: str):
    """json.loads that refuses NaN / Infinity (what a strict consumer does)."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("argv", [
    ["--expr", "x**2", "--x0", "1e308"],                      # ∇f(x0) overflows at once
    ["--expr", "x**2 + y**2", "--vars", "x,y", "--x0", "1e308,1"],  # the numpy loop
    ["--expr", "x**2 + y**4", "--vars", "x,y", "--x0", "1,1e100"],  # overflow after a step
    ["--expr", "x**4", "--x0", "1e100"],
    ["--expr", "exp(x**2)", "--x0", "30"],
])
def test_overflow_is_diverged_with_strict_json(capsys, argv):
    code, out, err = cli(capsys, "run", "--method", "gd", "--h", "0.1", "--eps", "1e-3",
                         *argv, "--json")
    answer = strict(out)
    assert code == 0 and err == "" and answer["status"] == "diverged"
    g = answer["final_grad_norm"]
    assert g is None or math.isfinite(g)
    code, out, _ = cli(capsys, "run", "--method", "gd", "--h", "0.1", "--eps", "1e-3", *argv)
    assert code == 0 and "nan" not in out.lower() and "inf " not in out.lower()


def test_run_json_names_expression_variables_and_method_and_f_is_an_alias(capsys):
    base = ["--method", "normalized", "--eta", "0.1", "--beta", "1", "--x0", "2,-1",
            "--eps", "1e-2", "--json"]
    code, out, _ = cli(capsys, "run", "--expr", "x**2 + 10*y**2", "--vars", "x,y", *base)
    new = strict(out)
    code_old, out_old, _ = cli(capsys, "run", "--f", "x**2 + 10*y**2", "--var", "x,y", *base)
    assert code == code_old == 0 and strict(out_old) == new
    assert new["expression"] == "x**2 + 10*y**2" and new["variables"] == ["x", "y"]
    assert new["method"] == "normalized" and new["status"] == "converged"
    assert {"iterations", "status", "final_grad_norm"} <= set(new)


def test_a_leading_minus_in_the_expression_and_the_start_is_read_as_a_value(capsys):
    code, out, _ = cli(capsys, "run", "--expr", "-x**2 + x**4", "--method", "gd", "--h",
                       "0.01", "--x0", "-2", "--eps", "1e-6", "--json")
    answer = strict(out)
    assert code == 0 and answer["status"] == "converged"  # to the minimum at -1/sqrt(2)
    assert answer["expression"] == "x**4 - x**2"


def test_bouncing_between_constant_pieces_stops_at_the_time_limit():
    """|x| with h = 1 from 0.5: the jump branch alternates between the two slopes forever;
    the clock is looked at between jumps too (before, this hung for --max-iter steps)."""
    pieces = gradient_pieces(from_expression("Abs(x)", "x"))
    got = gd_count(pieces, 0.5, 0.1, step_rule("gd", h=1.0), max_iter=10**15, time_limit=0.05)
    assert got.status == "max_iter" and "time limit" in got.note and got.steps < 10**15
    with pytest.raises(ValueError, match="time_limit"):
        gd_count(pieces, 0.5, 0.1, step_rule("gd", h=1.0), time_limit=math.nan)


def test_run_on_abs_is_censored_by_the_time_limit(capsys):
    code, out, _ = cli(capsys, "run", "--expr", "Abs(x)", "--method", "gd", "--h", "1",
                       "--x0", "0.5", "--eps", "0.1", "--max-iter", str(10**15),
                       "--time-limit", "0.1", "--json")
    answer = strict(out)
    assert code == 0 and answer["status"] == "max_iter" and "time limit" in answer["note"]


def test_lower_bound_never_fails_from_one_member(capsys):
    # at h = h_thr for (L0, L1, M) = (2, 4, 50) construction B converges in 8929 steps, below
    # the reconstructed bound 10147.3; that refutes nothing: the extremal function never
    # converges there (h > h_2c), so the verdict is pass and the exit code 0
    h_thr = "0.05605170185988092"
    code, out, _ = cli(capsys, "lower-bound", "--L0", "2", "--L1", "4", "--M", "50", "--eps",
                       "0.1", "--delta", "20", "--h", h_thr, "--json")
    rows = strict(out)
    assert code == 0 and [r["verdict"] for r in rows] == ["pass"]
    assert rows[0]["construction"] == "extremal" and rows[0]["iterations"] is None
    code, out, _ = cli(capsys, "lower-bound", "--L0", "2", "--L1", "4", "--M", "50", "--eps",
                       "0.1", "--delta", "20", "--h", "0.01")
    assert code == 0 and "pass" in out


@pytest.mark.parametrize("command,needles", [
    ([], ["run, lower-bound, worst-case, check"]),
    (["run"], ["expression syntax", "python -m theory --help", "min{η, γη/||∇f(x_t)||}",
               "η/(||∇f(x_t)|| + β)", "(default: 1000000)", "(default: x)", "(default: 60.0)",
               "diverged", "--time-limit <= 3600"]),
    (["lower-bound"], ["L0 + L1||∇f(x)||", "Δ = f(x_0) - f*", "ε", "M > 1",
                       "(default: 10000000000000)", "per step"]),
    (["check"], ["--only adds", "invocations", "τ", "results/synthetic/check-quick",
                 "exit 1 when a record of the selected checks"]),
])
def test_help_explains_symbols_defaults_and_exit_codes(capsys, command, needles):
    code, out, _ = cli(capsys, *command, "--help")
    flat = " ".join(out.split())
    assert code == 0
    for needle in needles + [EXIT_CODES_HELP]:
        assert " ".join(needle.split()) in flat, needle


@pytest.mark.parametrize("command", [[], ["run"], ["lower-bound"], ["check"]])
def test_version(capsys, command):
    code, out, _ = cli(capsys, *command, "--version")
    assert code == 0 and "l0l1-workbench" in out


def test_one_variable_without_interval_pieces_falls_back_to_the_plain_loop(capsys):
    """sympy cannot split a periodic condition into intervals; the plain loop runs the same
    double iteration as the fast counter on the equivalent x**2 (same count, same norm)."""
    common = ["--method", "clipped", "--eta", "0.1", "--gamma", "1", "--x0", "3", "--eps",
              "1e-6", "--json"]
    code, out, _ = cli(capsys, "run", "--expr", "Piecewise((x**2, sin(x) > -2), (x, True))",
                       *common)
    loop = strict(out)
    code_fast, out, _ = cli(capsys, "run", "--expr", "x**2", *common)
    fast = strict(out)
    assert code == code_fast == 0 and "plain loop" in loop["note"] and "note" not in fast
    # by hand: steps of length η = 0.1 while |2x| > γ = 1 (3 -> 0.4, 26 steps in doubles),
    # then x <- 0.8 x until 2|x| <= 1e-6 (0.4·0.8^k <= 5e-7: 61 steps): 87
    assert (loop["status"], loop["iterations"], loop["final_grad_norm"]) == \
        (fast["status"], fast["iterations"], fast["final_grad_norm"]) == \
        ("converged", 87, fast["final_grad_norm"])


WORST = ["worst-case", "--L0", "1", "--L1", "1", "--M", "10", "--eps", "0.1", "--delta", "10"]


def test_worst_case_search_adds_a_search_object(capsys):
    """--search works (it was refused before): the best profile's exact count, its ratio to
    sup_T, the certified distilled witness; without --search the object is null."""
    code, out, err = cli(capsys, *WORST, "--rule", "thm3", "--search", "--generations", "4",
                         "--cells", "1", "--seed", "3", "--search-time", "60", "--json")
    answer = strict(out)
    s = answer["search"]
    assert code == 0 and err == ""
    assert {"best_iterations", "ratio", "distilled", "seconds", "seed", "cells", "generations",
            "non_converging", "stopped", "profile", "cap"} <= set(s)
    assert (s["seed"], s["cells"], s["generations"], s["stopped"]) == (3, 1, 4, "maxiter")
    assert s["best_iterations"] <= answer["sup_T"] + 1
    assert s["ratio"] == pytest.approx(s["best_iterations"] / answer["sup_T"])
    d = s["distilled"]
    assert {"name", "pieces", "x0", "certified", "iterations"} <= set(d)
    assert d["name"] == "B_delta" and d["certified"] and d["iterations"] > 0
    code, out, _ = cli(capsys, *WORST, "--rule", "thm3", "--json")
    assert code == 0 and strict(out)["search"] is None


def test_worst_case_search_prints_its_lines(capsys):
    code, out, _ = cli(capsys, *WORST, "--method", "gd", "--h", "0.5", "--search",
                       "--generations", "12", "--cells", "0")
    assert code == 0 and "search (seed 0, 0 cells, 12 generations" in out
    assert "never converges" in out and "distilled extremal (certified, 2-cycle): never" in out


@pytest.mark.parametrize("extra,needle", [
    (["--seed", "1"], "--seed applies only with --search"),
    (["--cells", "2", "--generations", "3"], "--cells, --generations apply only with --search"),
    (["--search", "--seed", "-1"], "--seed must be an integer"),
    (["--search", "--seed", "0.5"], "--seed must be an integer"),
    (["--search", "--seed", "x"], "--seed"),
    (["--search", "--cells", "13"], "--cells must be an integer in [0, 12]"),
    (["--search", "--generations", "1"], "--generations must be an integer in [2, 10000]"),
    (["--search", "--search-time", "0"], "--search-time must be a number of seconds"),
    (["--search", "--search-time", "601"], "--search-time must be a number of seconds"),
    (["--search", "--search-time", "inf"], "--search-time must be finite"),
])
def test_worst_case_search_refuses_bad_values_in_one_line(capsys, extra, needle):
    code, out, err = cli(capsys, *WORST, "--rule", "thm3", *extra, "--json")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("synthetic: error: ") and needle in err


def test_worst_case_help_names_the_search_options(capsys):
    code, out, _ = cli(capsys, "worst-case", "--help")
    flat = " ".join(out.split())
    assert code == 0
    for needle in ("--search", "differential evolution", "--seed", "--search-time", "(0, 600]",
                   "--cells", "0 to 12", "--generations"):
        assert needle in flat, needle
