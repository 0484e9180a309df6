"""Tests for theory.smoothness.multivariate: numeric (L0,L1)-smoothness search against exact
references.

References (derived by hand, each re-checked by an exact identity below):

* quartic f = (x² + y²)², r = ||(x, y)||: ∇f = 4r²(x, y), ||∇f|| = 4r³, ∇²f = 4r²I + 8(x, y)(x, y)ᵀ,
  ||∇²f|| = 12r², hence L0*(L1) = sup_r (12r² − 4L1r³) = 16/L1² at r = 2/L1.
* deep-linear scalar loss f = (w1·w2 − 1)²: ∇f = 2(w1w2 − 1)(w2, w1),
  ∇²f = 2[[w2², 2w1w2 − 1], [2w1w2 − 1, w1²]]. At 0: ∇f = 0, ||∇²f|| = 2. On [−ρ, ρ]²,
  L0*(0) = 2(1 + 3ρ²) (attained at the corners (ρ, −ρ)). On the minimiser set w1w2 = 1 the gradient
  vanishes and ||∇²f(r, 1/r)|| = r² + r⁻² + sqrt((r² − r⁻²)² + 4), unbounded: the function is not
  (L0,L1)-smooth on R², only on boxes, and its box frontier grows with the box.
* quadratic ½xᵀAx: ∇²f = A, so L0*(L1) = max|eig A| for every L1 >= 0 (attained at x = 0).

Seeds are fixed for reproducibility only: every assertion holds because the reference point is
either a structured point of the search (centre, corner) or a smooth maximum found by refinement,
not because of a lucky sample.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp
from tolerances import NUMERIC_RTOL, ROUNDING_RTOL

from theory.smoothness.multivariate import check_l0l1, estimate_frontier, evaluate_norms

x, y, w1, w2 = sp.symbols("x y w1 w2", real=True)
QUARTIC = (x**2 + y**2) ** 2
DEEP_LINEAR = (w1 * w2 - 1) ** 2
N = 256  # modest sample count: references are found by structure + refinement, not by density


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_rel(measured: float, reference: float, rtol: float, what: str) -> None:
    """|measured − reference| <= rtol·|reference|, printing every quantity on failure."""
    err = abs(measured - reference)
    assert err <= rtol * abs(reference), (
        f"{what}: measured={measured!r} reference={reference!r} abs_err={err:.3e} rtol={rtol:.1e}")


# --- exact identities of the evaluation --------------------------------------------------------

def test_norms_match_closed_forms() -> None:
    pts = np.array([[0.3, -1.2], [2.0, 0.0], [-1.5, 1.5]])
    hn, gn = evaluate_norms(QUARTIC, [x, y], pts)
    r = np.hypot(pts[:, 0], pts[:, 1])
    for i in range(len(pts)):
        assert_rel(hn[i], 12 * r[i] ** 2, ROUNDING_RTOL, f"quartic ||H|| at {pts[i]}")
        assert_rel(gn[i], 4 * r[i] ** 3, ROUNDING_RTOL, f"quartic ||g|| at {pts[i]}")
    hn, gn = evaluate_norms(DEEP_LINEAR, [w1, w2], [0.0, 0.0])
    assert (hn[0], gn[0]) == (2.0, 0.0)


@pytest.mark.parametrize("r", [2.0, 4.0, 8.0])
def test_deep_linear_minimiser_set_flat_gradient_growing_hessian(r: float) -> None:
    # (r, 1/r) is exactly representable for powers of two, so w1·w2 − 1 = 0 exactly.
    hn, gn = evaluate_norms(DEEP_LINEAR, [w1, w2], [r, 1 / r])
    ref = r**2 + r**-2 + math.sqrt((r**2 - r**-2) ** 2 + 4)
    assert gn[0] == 0.0
    assert_rel(hn[0], ref, ROUNDING_RTOL, f"deep-linear ||H|| at ({r}, 1/{r})")
    assert hn[0] >= r**2  # grows like w1² + w2²


# --- quartic: frontier 16/L1² ------------------------------------------------------------------

@pytest.mark.parametrize("expr", [QUARTIC, sp.expand(QUARTIC)], ids=["factored", "expanded"])
def test_quartic_frontier(expr: sp.Expr) -> None:
    L1s = (1.0, 2.0)  # maximisers at r = 2 and r = 1, inside the box [-3, 3]²
    est = estimate_frontier(expr, [x, y], L1s, 3.0, rng=rng(), n_samples=N)
    for L1, val, pt, h, g in zip(L1s, est.L0_lower, est.argmax, est.hess_norm, est.grad_norm):
        ref = 16 / L1**2
        assert_rel(val, ref, NUMERIC_RTOL, f"L0*({L1})")
        assert val <= ref * (1 + ROUNDING_RTOL), "a numeric search cannot exceed the supremum"
        assert_rel(math.hypot(*pt), 2 / L1, 1e-4, f"argmax radius for L1={L1}")
        assert_rel(val, h - L1 * g, ROUNDING_RTOL, "frontier value = ||H|| − L1||g|| at argmax")
    assert (est.bound_kind, est.method, est.certified) == ("lower", "numeric-search", False)


def test_quartic_scaling_metamorphic() -> None:
    # f -> c·f maps L0*(L1) -> c·L0*(L1), i.e. (L0,L1) -> (c·L0, L1).
    c, L1 = 3.0, 1.5
    est = estimate_frontier(c * QUARTIC, [x, y], [L1], 3.0, rng=rng(), n_samples=N)
    assert_rel(est.L0_lower[0], c * 16 / L1**2, NUMERIC_RTOL, "L0* of 3·quartic")


@pytest.mark.parametrize("L1", [1.0, 2.0])
def test_quartic_check_positive_and_negative_control(L1: float) -> None:
    star = 16 / L1**2
    ok = check_l0l1(QUARTIC, [x, y], 1.01 * star, L1, 3.0, rng=rng(), n_samples=N)
    assert ok.holds and ok.verdict == "pass", ok
    assert ok.worst_excess < 0 and ok.worst_ratio < 1, ok
    bad = check_l0l1(QUARTIC, [x, y], 0.9 * star, L1, 3.0, rng=rng(), n_samples=N)
    assert not bad.holds and bad.verdict == "fail", bad
    assert_rel(bad.worst_excess, 0.1 * star, 10 * NUMERIC_RTOL, "max excess = L0* − L0")
    assert_rel(math.hypot(*bad.worst_point), 2 / L1, 1e-4, "violation near r = 2/L1")
    ratio = bad.hess_norm / (0.9 * star + L1 * bad.grad_norm)
    assert_rel(bad.worst_ratio, ratio, ROUNDING_RTOL, "worst_ratio = ||H|| / (L0 + L1||g||)")
    assert bad.worst_ratio > 1
    assert bad.n_evaluations > N and bad.n_nonfinite == 0 and bad.certified is False


# --- deep-linear loss: fails below L0 = 2 at the origin; box-dependent frontier ----------------

@pytest.mark.parametrize("L1", [0.0, 1.0, 100.0])
def test_deep_linear_origin_negative_control(L1: float) -> None:
    L0 = 1.99  # < ||∇²f(0)|| = 2 while ∇f(0) = 0: fails for every L1
    res = check_l0l1(DEEP_LINEAR, [w1, w2], L0, L1, 0.5, rng=rng(), n_samples=N, n_refine=2)
    assert res.verdict == "fail" and not res.holds, res
    assert res.worst_excess >= (2 - L0) * (1 - ROUNDING_RTOL), res


def test_deep_linear_small_box_frontier_and_positive_control() -> None:
    rho = 0.1
    ref = 2 * (1 + 3 * rho**2)  # L0*(0) on [-rho, rho]², attained at the corner (rho, -rho)
    est = estimate_frontier(DEEP_LINEAR, [w1, w2], [0.0], rho, rng=rng(), n_samples=N)
    assert_rel(est.L0_lower[0], ref, NUMERIC_RTOL, "deep-linear L0*(0) on the small box")
    ok = check_l0l1(DEEP_LINEAR, [w1, w2], 1.01 * ref, 0.0, rho, rng=rng(), n_samples=N)
    assert ok.holds, ok


def test_deep_linear_frontier_grows_with_box() -> None:
    L1s = (1.0,)
    values = []
    for r in (2.0, 4.0, 8.0):
        est = estimate_frontier(DEEP_LINEAR, [w1, w2], L1s, r, rng=rng(), n_samples=N, n_refine=4)
        on_minimisers = r**2 + r**-2 + math.sqrt((r**2 - r**-2) ** 2 + 4)  # ∇f = 0 at (r, 1/r)
        for val in est.L0_lower:
            assert val >= on_minimisers * (1 - NUMERIC_RTOL), (r, val, on_minimisers)
        values.append(est.L0_lower)
    for j in range(len(L1s)):
        col = [v[j] for v in values]
        assert col[0] < col[1] < col[2], f"L0*({L1s[j]}) on r = 2, 4, 8: {col}"


# --- quadratic: L-smooth, frontier max|eig A| for every L1 -------------------------------------

def test_quadratic_frontier_is_spectral_norm() -> None:
    z = sp.symbols("z", real=True)
    f = sp.Rational(1, 2) * (1 * x**2 - 4 * y**2 + sp.Rational(5, 2) * z**2)
    est = estimate_frontier(f, [x, y, z], [0.0, 3.0], 2.0, rng=rng(), n_samples=N, n_refine=4)
    for val in est.L0_lower:
        assert_rel(val, 4.0, ROUNDING_RTOL, "max|eig A| for diag(1, -4, 2.5)")
    kw = dict(rng=rng(), n_samples=N, n_refine=2)
    assert check_l0l1(f, [x, y, z], 4.0, 0.0, 2.0, **kw).holds
    assert check_l0l1(f, [x, y, z], 3.99, 100.0, 2.0, **kw).verdict == "fail"


def test_rotated_quadratic_same_frontier() -> None:
    # A = Q diag(3, -5) Qᵀ with the rational rotation Q = [[3/5, -4/5], [4/5, 3/5]]: max|eig| = 5.
    Q = sp.Matrix([[sp.Rational(3, 5), -sp.Rational(4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    A = Q * sp.diag(3, -5) * Q.T
    v = sp.Matrix([x, y])
    f = sp.expand((v.T * A * v)[0, 0] / 2)
    est = estimate_frontier(f, [x, y], [0.0, 2.0], [(-1.0, 3.0), (-2.0, 0.5)], rng=rng(), n_samples=N)
    for val in est.L0_lower:
        assert_rel(val, 5.0, ROUNDING_RTOL, "max|eig A| of the rotated quadratic")


# --- preconditions, overflow, records, reproducibility -----------------------------------------

@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(box=[(-math.inf, 1.0), (-1.0, 1.0)]), "finite"),
        (dict(box=[(1.0, 1.0), (-1.0, 1.0)]), "lo < hi"),
        (dict(box=[(-1.0, 1.0)]), "one \\(lo, hi\\) per variable"),
        (dict(box=0.0), "radius"),
        (dict(L0=-1.0), "L0 must be finite and >= 0"),
        (dict(L1=-0.5), "L1 must be finite and >= 0"),
        (dict(L0=math.nan), "L0 must be finite"),
        (dict(expr=QUARTIC + w1), "only on the given variables"),
        (dict(variables=[]), "at least one variable"),
        (dict(expr=sp.sqrt(x) + y**2), "not real"),
        (dict(expr=1 / x + y**2), "not finite"),
    ],
)
def test_bad_input_raises(kwargs: dict, match: str) -> None:
    args = dict(expr=QUARTIC, variables=[x, y], L0=1.0, L1=1.0, box=1.0) | kwargs
    with pytest.raises(ValueError, match=match):
        check_l0l1(args["expr"], args["variables"], args["L0"], args["L1"], args["box"],
                   rng=rng(), n_samples=16)


def test_frontier_rejects_bad_L1() -> None:
    with pytest.raises(ValueError, match="L1 must be finite and >= 0"):
        estimate_frontier(QUARTIC, [x, y], [1.0, -1.0], 1.0, rng=rng(), n_samples=16)


def test_overflow_is_counted_and_inconclusive() -> None:
    # e^x is (0,1)-smooth with equality, but exp overflows double precision beyond x ≈ 709.8.
    res = check_l0l1(sp.exp(x), [x], 0.0, 1.0, [(0.0, 800.0)], rng=rng(), n_samples=64)
    assert res.n_nonfinite > 0 and res.verdict == "inconclusive" and not res.holds, res
    json.dumps(res.to_dict(), allow_nan=False)


def test_records_are_strict_json_and_reproducible() -> None:
    kw = dict(n_samples=64, n_refine=2)
    a = check_l0l1(DEEP_LINEAR, [w1, w2], 3.0, 1.0, 2.0, rng=rng(3), **kw)
    b = check_l0l1(DEEP_LINEAR, [w1, w2], 3.0, 1.0, 2.0, rng=rng(3), **kw)
    assert a == b and a.to_dict() == b.to_dict()
    fa = estimate_frontier(QUARTIC, [x, y], [1.0], 3.0, rng=rng(11), **kw)
    fb = estimate_frontier(QUARTIC, [x, y], [1.0], 3.0, rng=rng(11), **kw)
    assert fa == fb
    for rec in (a.to_dict(), fa.to_dict()):
        assert json.loads(json.dumps(rec, allow_nan=False)) == rec


def test_kinked_expression_is_a_clear_error():
    x, y = sp.symbols("x y", real=True)
    with pytest.raises(ValueError, match="DiracDelta"):
        check_l0l1(sp.Abs(x) ** 3 + y**2, [x, y], 1.0, 1.0, 1.0, rng=np.random.default_rng(0))


def test_rng_must_be_a_generator():
    x, y = sp.symbols("x y", real=True)
    with pytest.raises(ValueError, match="Generator"):
        check_l0l1(x**2 + y**2, [x, y], 1.0, 1.0, 1.0, rng=None)
