"""Deterministic runners against a plain-loop reference, closed forms, identities, controls."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from synthetic.cli import main
from synthetic.runners import run_deterministic
from theory.expressions.objective import objective


def reference_run(grad, x0, step, eps, max_iter):
    """The obvious scalar loop (minGPT-style reference): same float operations, one run."""
    x = float(x0)
    for t in range(max_iter + 1):
        g = grad(x)
        if not math.isfinite(g) or abs(x) > 1e150:
            return None, "diverged"
        if abs(g) <= eps:
            return t, "converged"
        if t == max_iter:
            return None, "max_iter"
        x = x - step(abs(g)) * g


CASES = [
    ("x**4", lambda x: 4 * x**3, "clipped", {"eta": 0.1, "gamma": 1.0}, 3.0),
    ("x**4", lambda x: 4 * x**3, "normalized", {"eta": 0.05, "beta": 2.0}, -2.5),
    ("x**4/4 - x**2/2", lambda x: x**3 - x, "gd", {"h": 0.05}, 2.0),
    ("x**2/2", lambda x: x, "gd", {"h": 0.3}, 7.0),
]
STEPS = {"gd": lambda p: (lambda g: p["h"]),
         "clipped": lambda p: (lambda g: min(p["eta"], p["gamma"] * p["eta"] / g)),
         "normalized": lambda p: (lambda g: p["eta"] / (g + p["beta"]))}


@pytest.mark.parametrize("expr,grad,method,params,x0", CASES)
def test_matches_plain_loop_reference(expr, grad, method, params, x0):
    result = run_deterministic(objective(expr), x0, method, 1e-4, max_iter=20000, **params)
    t, status = reference_run(grad, x0, STEPS[method](params), 1e-4, 20000)
    assert result.status[0] == status and (t is None or result.iterations[0] == t)


def test_quadratic_closed_form_halving():
    """GD with h = 1/2 on x²/2 halves x exactly: T_eps = ceil(log2(|x0|/eps))."""
    for x0, eps in [(1.0, 1e-3), (7.0, 1e-6), (-3.0, 0.1)]:
        result = run_deterministic(objective("x**2/2"), x0, "gd", eps, h=0.5)
        assert result.iterations[0] == math.ceil(math.log2(abs(x0) / eps))


def test_batch_equals_individual_runs():
    obj, hs = objective("x**4 - 3*x**2 + x"), np.array([0.001, 0.01, 0.05, 0.2])
    batch = run_deterministic(obj, 1.5, "gd", 1e-6, h=hs, max_iter=50000)
    for i, h in enumerate(hs):
        single = run_deterministic(obj, 1.5, "gd", 1e-6, h=h, max_iter=50000)
        assert single.status[0] == batch.status[i]
        assert single.iterations[0] == batch.iterations[i]
        assert np.array_equal(single.final_x[0], batch.final_x[i])


def test_scaling_identity_gd_on_cf_with_step_h_over_c():
    """GD on c·f with step h/c visits the same iterates as GD on f with step h (c = 4: exact)."""
    a = run_deterministic(objective("x**4 - 3*x**2 + x"), 1.2, "gd", 1e-8, h=0.01, max_iter=5000)
    b = run_deterministic(objective("4*(x**4 - 3*x**2 + x)"), 1.2, "gd", 4e-8, h=0.0025,
                          max_iter=5000)
    assert a.iterations[0] == b.iterations[0] and np.array_equal(a.final_x, b.final_x)


def test_negative_control_step_above_2_over_L_diverges():
    result = run_deterministic(objective("x**2/2"), 1.0, "gd", 1e-6, h=np.array([1.9, 2.5, 2.0]),
                               max_iter=5000)  # L = 1: h = 2 gives x_t = (-1)^t exactly
    assert list(result.status) == ["converged", "diverged", "max_iter"]
    assert result.iterations[2] == -1 and np.isfinite(result.final_grad_norm).all()


def test_multivariate_and_no_nan_passed_on():
    obj = objective("(w1*w2 - 1)**2", ["w1", "w2"])
    ok = run_deterministic(obj, [0.5, 1.5], "clipped", 1e-6, eta=0.1, gamma=1.0)
    assert ok.status[0] == "converged" and abs(np.prod(ok.final_x[0]) - 1) < 1e-5
    bad = run_deterministic(objective("x**4"), 10.0, "gd", 1e-3, h=1.0, max_iter=100)
    assert bad.status[0] == "diverged" and np.isfinite(bad.final_grad_norm[0])


@pytest.mark.parametrize("kwargs,needle", [
    (dict(method="sgd", h=1.0), "unknown method"), (dict(method="gd"), "needs --h"),
    (dict(method="clipped", eta=1.0), "needs --gamma"), (dict(method="gd", h=-1.0), "> 0"),
    (dict(method="gd", h=1.0, beta=1.0), "does not take"),
])
def test_bad_parameters(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        run_deterministic(objective("x**2"), 1.0, eps=1e-3, **kwargs)


def test_cli_json_and_errors(capsys):
    assert main(["run", "--f", "x**4", "--method", "clipped", "--eta", "0.1", "--gamma", "1",
                 "--x0", "-3", "--eps", "1e-3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"expression", "variables", "method", "iterations", "status",
                        "final_grad_norm"} and out["status"] == "converged"
    assert (out["expression"], out["variables"], out["method"]) == ("x**4", ["x"], "clipped")
    for argv in (["run", "--f", "x**4", "--method", "gd", "--x0", "1", "--eps", "1e-3"],
                 ["run", "--f", "x**4", "--method", "gd", "--h", "1", "--x0", "1", "--eps", "0"],
                 ["run", "--f", "x**", "--method", "gd", "--h", "1", "--x0", "1", "--eps", "1"],
                 ["run", "--f", "x", "--method", "newton", "--h", "1", "--x0", "1", "--eps", "1"],
                 ["run", "--f", "x**2", "--method", "gd", "--h", "1", "--x0", "a", "--eps", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("synthetic: error: ")
