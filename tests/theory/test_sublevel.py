"""theory.smoothness.sublevel: M = sup{|f'| : f <= level} (Assumption 4), exact where sympy can."""
from __future__ import annotations

import math

import numpy as np
import pytest
from tolerances import EXACT_RTOL, NUMERIC_RTOL, ROUNDING_RTOL

from theory.functions import catalogue
from theory.statements.lemmas import li_gradient_bound
from theory.expressions.objective import objective
from theory.smoothness.sublevel import sublevel_gradient_sup


def _level_at_x0(entry_id: str) -> tuple[catalogue.CatalogueEntry, float]:
    entry = catalogue.get(entry_id)
    obj = objective(catalogue.sympy_expr(entry))
    return entry, float(obj.value(np.array([[entry.x0[0]]]))[0])


@pytest.mark.parametrize("expr, level, M, half_width", [("x**2/2", 2, 2.0, 2.0),
                                                        ("x**4", 1, 4.0, 1.0)])
def test_polynomials_exact(expr, level, M, half_width):
    r = sublevel_gradient_sup(expr, level=level)
    assert r.certified and r.method == "exact"
    assert r.M == M  # exact: the roots are rational and M is a double
    assert r.intervals == [(-half_width, half_width)]
    assert abs(r.argmax) == half_width


def test_construction_b_slope_exactly_two_eps():
    entry, level = _level_at_x0("construction-B")
    r = sublevel_gradient_sup(entry.expression, level=level)
    assert r.certified and r.M == 2 * entry.params["eps"] == 0.2
    (lo, hi), = r.intervals
    assert lo == -hi and hi == pytest.approx(entry.x0[0], rel=EXACT_RTOL)


def test_construction_a_start_has_gradient_M():
    entry, level = _level_at_x0("construction-A")  # x0 = (1 + log(M L1/L0))/L1, |f'(x0)| = M
    r = sublevel_gradient_sup(entry.expression, level=level)
    assert r.certified
    assert r.M == pytest.approx(entry.params["M"], rel=EXACT_RTOL)
    assert r.M >= level  # on the tails f' = f: M is the level itself, rounded up
    assert r.intervals[0][1] == pytest.approx(entry.x0[0], rel=EXACT_RTOL)


def test_numeric_route_is_labelled_and_close():
    # e^x - x - 1 = c has no closed-form root: guarded numeric route, not certified
    r = sublevel_gradient_sup("exp(Abs(x)) - Abs(x) - 1", level=math.exp(3) - 4)
    assert not r.certified and r.method == "numeric-guarded"
    assert r.M == pytest.approx(math.exp(3) - 1, rel=NUMERIC_RTOL)
    assert r.M >= math.exp(3) - 1  # padded upward


def test_unbounded_set_with_finite_limit():
    r = sublevel_gradient_sup("exp(x)", level=1)
    assert r.intervals == [(-math.inf, 0.0)] and r.M == 1.0 and r.certified


def test_point_sublevel_set():
    r = sublevel_gradient_sup("x**2", level=0)
    assert r.intervals == [(0.0, 0.0)] and r.M == 0.0


@pytest.mark.parametrize("expr, level, match", [("x**2", -1, "empty"),
                                                (catalogue.get("construction-B").expression,
                                                 -0.1, "empty"),
                                                ("-x**2", 1, "infinite"),
                                                ("x**2", math.inf, "finite real level"),
                                                ("x**2", None, "level required")])
def test_negative_controls_raise(expr, level, match):
    with pytest.raises(ValueError, match=match):
        sublevel_gradient_sup(expr, level=level)


def test_scaling_identities():
    """f -> c f at level c l multiplies M by c; f(a x) at level l multiplies M by |a|."""
    base = sublevel_gradient_sup("x**4", level=1).M
    assert sublevel_gradient_sup("3*x**4", level=3).M == pytest.approx(3 * base,
                                                                        rel=ROUNDING_RTOL)
    assert sublevel_gradient_sup("(2*x)**4", level=1).M == pytest.approx(2 * base,
                                                                          rel=ROUNDING_RTOL)


@pytest.mark.parametrize("entry_id", ["quadratic", "quartic", "double-well", "construction-B",
                                      "scaled-cosh", "pseudo-huber"])
def test_below_li_gradient_bound(entry_id):
    """Li et al. 2023 (docs/statements.md §1): M <= 2 L1 Δ + sqrt(4 L1² Δ² + 2 L0 Δ), every valid
    pair."""
    entry, level = _level_at_x0(entry_id)
    M = sublevel_gradient_sup(entry.expression, level=level, timeout=2.0).M
    Delta = level - entry.f_star
    for d in entry.declared:
        if d.L0 is not None:
            G = float(li_gradient_bound(d.L0, d.L1, Delta))
            assert M <= G * (1 + ROUNDING_RTOL), (entry_id, d, M, G, Delta)


def test_li_bound_is_tight_on_the_quadratic_and_detects_a_wrong_L0():
    """x²/2 from x0: M = |x0| = sqrt(2 Δ) = G(L0 = 1, L1 = 0); a wrong L0 = 1/2 is detected."""
    r = sublevel_gradient_sup("x**2/2", level=12.5)
    assert r.M == 5.0 == pytest.approx(float(li_gradient_bound(1.0, 0.0, 12.5)),
                                       rel=ROUNDING_RTOL)
    assert r.M > float(li_gradient_bound(0.5, 0.0, 12.5))
