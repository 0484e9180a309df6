"""Theorem bounds: values against independent exact computation, hypotheses, monotonicity,
scale invariance, and the registry's consistency with the functions."""
from __future__ import annotations

import json
import re
from fractions import Fraction as F

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tolerances import ROUNDING_RTOL
from theory.statements import bounds as B
approx = lambda x: pytest.approx(float(x), rel=ROUNDING_RTOL, abs=0)  # noqa: E731
PROPERTY = settings(max_examples=50, deadline=None)  # fast suite on 2 cores, no flaky deadline
pos = st.floats(1e-3, 1e3)


def test_values_against_exact_rationals():
    L0, L1, M, tau, eps, D = F(3), F(5, 2), F(40), F(1, 4), F(1, 10), F(7)
    assert B.thm3_bound(3, 2.5, 0.1, 7).value == approx(20 * L0 * D / eps**2 + 20 * L1**2 * D / L0)
    assert B.thm3_bound(3, 0.5, 0.1, 7).value == approx(20 * L0 * D / eps**2 + 20 * D / L0)
    assert B.thm6_bound(3, 2.5, 40, 0.1, 7).value == approx(4 * (M * L1 + L0) * D / eps**2)
    assert B.rem5_clipped_order(3, 2.5, 0.1, 7).value == approx(L0 * D / eps**2 + L1**2 * D / L0)
    dp = D + (5 * L0 + 2 * L1 * tau) * tau**2 + 9 * tau * L0**2 / L1
    thm7 = dp * max(128 * L1 / eps, 4 * dp / eps**4, (80 * L0 + 512 * L1 * tau) / eps**2)
    assert B.thm7_bound(3, 2.5, 0.25, 0.1, 7).value == approx(thm7)
    assert B.vankov_bound(3, 2.5, 0.1, 7).value == approx(2 * L0 * D / eps**2 + 3 * L1 * D / eps)
    assert B.vankov_clipped_bound(3, 2.5, 0.1, 7).value == approx(
        2 * L0 * D / (F(1, 2) * eps**2) + 3 * L1 * D / (F(1, 2) * eps))


def test_thm7_each_term_can_bind():
    """The max has three live branches (τ = 0; large Δ at small ε; large τ)."""
    def terms(L0, L1, tau, eps, D):
        dp = D + (5 * L0 + 2 * L1 * tau) * tau**2 + 9 * tau * L0**2 / L1
        return [dp * t for t in (128 * L1 / eps, 4 * dp / eps**4,
                                 (80 * L0 + 512 * L1 * tau) / eps**2)]
    cases = [((1, 100, 0, 0.5, 1e-3), 0), ((1, 1, 0, 0.1, 1), 1), ((100, 1, 0, 1, 1e-4), 2)]
    for args, which in cases:
        t = terms(*(F(a) for a in args))
        assert max(t) == t[which]
        assert B.thm7_bound(*args).value == approx(t[which])


def test_logs_and_roots_against_sympy():
    L0, L1, M, eps, D = (sp.Rational(v) for v in ("2", "3", "50", "1/10", "9"))
    core = L1 * M * (D - 5 * eps / 8) / (8 * eps**2)
    assert B.thm4_bound(2, 3, 50, 0.1, 9).value == approx(sp.N(core / (sp.log(M) + 1), 30))
    assert B.thm4_bound(2, 3, 50, 0.1, 9, alt_log=True).value == approx(
        sp.N(core / (1 + sp.log(M * L1 / L0)), 30))
    gd = (L1 * M / sp.log(M) + L0) * D / eps**2
    cl = L0 * D / eps**2 + L1**2 * D / L0
    assert B.rem5_gd_order(2, 3, 50, 0.1, 9).value == approx(sp.N(gd, 30))
    assert B.rem5_speedup(2, 3, 50, 0.1).value == approx(sp.N(gd / cl, 30))
    G = 2 * L1 * D + sp.sqrt(4 * L1**2 * D**2 + 2 * L0 * D)
    assert B.li_step_bound(2, 3, 9).value == approx(sp.N(1 / (L0 + 2 * L1 * G), 30))


def test_thm3_matches_remark5_order():
    """Thm 3 = 20 × Rem 5's clipped order when L1 >= 1 (the reconstruction's consistency)."""
    for L0, L1, eps, D in [(1, 1, 0.1, 1), (5, 3, 0.01, 2), (0.2, 7, 1.0, 0.5)]:
        rem5 = B.rem5_clipped_order(L0, L1, eps, D).value
        assert B.thm3_bound(L0, L1, eps, D).value == approx(20 * rem5)


def test_thm4_vacuous_below_5eps_over_8_and_zero_delta():
    assert B.thm4_bound(6, 1, 2, 1.0, 0.5).value == 0.0
    assert B.thm4_bound(6, 1, 2, 1.0, 0.0).value == 0.0
    assert B.thm6_bound(1, 1, 2, 1.0, 0.0).value == 0.0


def test_thm4_outside_construction_range_is_refused_unless_asked():
    """Construction B needs eps <= L0/6 and 2 eps <= M (docs/statements.md §5): a false finding
    otherwise."""
    with pytest.raises(ValueError, match="construction B"):
        B.thm4_bound(1, 1, 2, 1.0, 10)
    bound = B.thm4_bound(1, 1, 2, 1.0, 10, require_construction_range=False)
    assert bound.value > 0 and "unsupported" in bound.note


def test_marks_match_paper_md_section_4():
    """Pinned independently of STATEMENTS (which the Bound objects copy)."""
    expected = {"thm3_bound": "reconstructed", "thm4_bound": "reconstructed",
                "thm6_bound": "reconstructed", "thm7_bound": "reconstructed",
                "rem5_gd_order": "paper", "rem5_clipped_order": "paper", "rem5_speedup": "paper",
                "thm8_bound": "unrecovered", "vankov_bound": "follow-up",
                "vankov_clipped_bound": "follow-up", "li_step_bound": "follow-up"}
    args = {"thm3_bound": (1, 1, 0.1, 1), "thm4_bound": (6, 1, 2, 0.1, 1),
            "thm6_bound": (1, 1, 2, 0.1, 1), "thm7_bound": (1, 1, 0.1, 0.1, 1),
            "rem5_gd_order": (1, 1, 2, 0.1, 1), "rem5_clipped_order": (1, 1, 0.1, 1),
            "rem5_speedup": (1, 1, 2, 0.1), "thm8_bound": (1, 2, 0.1, 0.1, 1),
            "vankov_bound": (1, 1, 0.1, 1), "vankov_clipped_bound": (1, 1, 0.1, 1),
            "li_step_bound": (1, 1, 1)}
    for name, mark in expected.items():
        assert getattr(B, name)(*args[name]).mark == mark, name


@pytest.mark.parametrize("call", [lambda: B.thm3_bound(1, 1, 1e-170, 1),
                                  lambda: B.thm7_bound(1, 1, 1, 1e-100, 1),
                                  lambda: B.thm3_bound(float("inf"), 1, 1, 1),
                                  lambda: B.rem5_speedup(1, 1, 1e300, 1e-200)])
def test_overflow_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()


@PROPERTY
@given(L0=pos, L1=st.floats(0, 1e3), M=st.floats(1.01, 1e3), eps=st.floats(1e-3, 1.0),
       D=st.floats(1e-2, 1e3), shrink=st.floats(0.1, 0.99))
def test_upper_bounds_increase_as_eps_decreases(L0, L1, M, eps, D, shrink):
    for f in (B.thm3_bound, B.rem5_clipped_order, B.vankov_bound, B.vankov_clipped_bound):
        assert f(L0, L1, shrink * eps, D).value >= f(L0, L1, eps, D).value
    assert B.thm6_bound(L0, L1, M, shrink * eps, D).value >= B.thm6_bound(L0, L1, M, eps, D).value
    gd = B.rem5_gd_order
    assert gd(L0, L1, M, shrink * eps, D).value >= gd(L0, L1, M, eps, D).value
    if L1 > 1e-6:  # 9 tau L0²/L1 overflows double precision as L1 -> 0 (a ValueError)
        t7 = B.thm7_bound
        assert t7(L0, L1, 0.1, shrink * eps, D).value >= t7(L0, L1, 0.1, eps, D).value


@PROPERTY
@given(L0=st.floats(1, 100), L1=st.floats(1, 100), M=st.floats(1.01, 1e4), eps=st.floats(1e-3, 1.0),
       D=st.floats(1.0, 1e3), grow=st.floats(1.01, 10), alt=st.booleans())
def test_thm4_grows_with_M_and_as_eps_decreases(L0, L1, M, eps, D, grow, alt):
    if alt and M * L1 <= L0:
        M = max(M, 2 * L0 / L1)
    kw = dict(alt_log=alt, require_construction_range=False)  # a property of the formula
    b = B.thm4_bound(L0, L1, M, eps, D, **kw).value
    assert B.thm4_bound(L0, L1, grow * M, eps, D, **kw).value >= b
    assert B.thm4_bound(L0, L1, M, eps / grow, D, **kw).value >= b


def test_remark5_speedup_unbounded_in_M():
    ratios = [B.rem5_speedup(1, 1, M, 0.1).value for M in (10, 1e3, 1e5, 1e7)]
    assert all(a < b for a, b in zip(ratios, ratios[1:])) and ratios[-1] > 1e3
    assert B.rem5_speedup(1, 0, 1e7, 0.1).value == approx(1.0)  # L1 = 0: no speed-up


@PROPERTY
@given(c=st.floats(1e-2, 1e2), a=st.floats(1e-2, 1e2))
def test_scale_invariance(c, a):
    """f -> c f: (L0, L1, M, ε, Δ) -> (cL0, L1, cM, cε, cΔ); x -> a x: (a²L0, aL1, aM, aε, Δ).
    """
    L0, L1, M, eps, D = 2.0, 3.0, 50.0, 0.1, 9.0
    for s in [(c * L0, L1, c * M, c * eps, c * D), (a * a * L0, a * L1, a * M, a * eps, D)]:
        assert B.thm6_bound(*s).value == approx(B.thm6_bound(L0, L1, M, eps, D).value)
        vk = B.vankov_bound(L0, L1, eps, D).value
        assert B.vankov_bound(s[0], s[1], s[3], s[4]).value == approx(vk)
        assert B.rem5_clipped_order(s[0], s[1], s[3], s[4]).value == approx(
            B.rem5_clipped_order(L0, L1, eps, D).value)
    # Thm 4 with ℓ = 1 + log(M L1/L0) is invariant under f -> c f (not under x -> a x: the
    # 5ε/8 carries the construction's fixed bowl width w = 1/2); with ℓ = log M + 1 it is not.
    t4 = lambda *z, alt=True: B.thm4_bound(*z, alt_log=alt).value  # noqa: E731
    c = max(c, 1.0)  # keeps L0 >= 1
    assert t4(c * L0, L1, c * M, c * eps, c * D) == approx(t4(L0, L1, M, eps, D))
    if c > 1.01:
        assert t4(c * L0, L1, c * M, c * eps, c * D, alt=False) < t4(L0, L1, M, eps, D, alt=False)
    # Li's step: h -> h/c under f -> c f, h -> h/a² under x -> a x
    h = B.li_step_bound(L0, L1, D).value
    assert B.li_step_bound(c * L0, L1, c * D).value == approx(h / c)
    assert B.li_step_bound(a * a * L0, a * L1, D).value == approx(h / a**2)


def test_thm8_and_sgd_remark_recover_no_bound():
    b = B.thm8_bound(1.0, 10.0, 0.5, 0.1, 1.0)
    assert b.value is None and b.mark == "unrecovered" and "not recovered" in b.note
    assert B.STATEMENTS["sgd_lower"]["function"] is None


def test_registry_is_complete_and_consistent():
    thms = {s["theorem"] for s in B.STATEMENTS.values()}
    assert {"Thm 3", "Thm 4", "Rem 5", "Thm 6", "Thm 7", "Thm 8"} <= thms
    assert sum(s["mark"] == "follow-up" for s in B.STATEMENTS.values()) >= 3
    args = {"thm3_bound": (1, 2, 0.1, 1), "thm4_bound": (1, 2, 5, 0.1, 1),
            "rem5_gd_order": (1, 2, 5, 0.1, 1), "rem5_clipped_order": (1, 2, 0.1, 1),
            "rem5_speedup": (1, 2, 5, 0.1), "thm6_bound": (1, 2, 5, 0.1, 1),
            "thm7_bound": (1, 2, 0.1, 0.1, 1), "thm8_bound": (2, 5, 0.1, 0.1, 1),
            "vankov_bound": (1, 2, 0.1, 1), "vankov_clipped_bound": (1, 2, 0.1, 1),
            "li_step_bound": (1, 2, 1)}
    for sid, s in B.STATEMENTS.items():
        assert s["mark"] in B.MARKS and s["kind"] in B.KINDS and s["formula"] and s["hypotheses"]
        if s["function"] is None:
            continue
        b = getattr(B, s["function"])(*args[s["function"]])
        assert (b.theorem, b.mark, b.kind) == (s["theorem"], s["mark"], s["kind"])
        assert b.formula == s["formula"]
        assert json.loads(json.dumps(b.to_dict())) == b.to_dict()


def test_bound_record_is_frozen_and_validated():
    b = B.thm3_bound(1, 1, 0.1, 1)
    with pytest.raises(AttributeError):
        b.value = 0.0
    with pytest.raises(ValueError, match="mark"):
        B.Bound(1.0, "Thm 3", "remembered", "upper", "f")
    with pytest.raises(ValueError, match="kind"):
        B.Bound(1.0, "Thm 3", "paper", "tight-ish", "f")


BAD = [
    (B.thm3_bound, (0, 1, 0.1, 1), "L0 > 0"), (B.thm3_bound, (1, -1, 0.1, 1), "L1 >= 0"),
    (B.thm3_bound, (1, 1, 0, 1), "eps > 0"), (B.thm3_bound, (1, 1, 0.1, -1), "Delta >= 0"),
    (B.thm3_bound, (float("nan"), 1, 0.1, 1), "L0 > 0"),
    (B.thm4_bound, (0.5, 1, 2, 0.1, 1), "L0 >= 1"), (B.thm4_bound, (1, 0.5, 2, 0.1, 1), "L1 >= 1"),
    (B.thm4_bound, (1, 1, 1, 0.1, 1), "M > 1"), (B.thm4_bound, (1, 1, 2, -0.1, 1), "eps > 0"),
    (B.thm4_bound, (1, 1, 2, 0.1, -1), "Delta >= 0"),
    (B.rem5_gd_order, (1, 1, 1, 0.1, 1), "M > 1"),
    (B.rem5_clipped_order, (-1, 1, 0.1, 1), "L0 > 0"),
    (B.rem5_speedup, (1, 1, 0.5, 0.1), "M > 1"), (B.rem5_speedup, (1, 1, 5, 0), "eps > 0"),
    (B.thm6_bound, (1, 1, -1, 0.1, 1), "M >= 0"), (B.thm6_bound, (1, 1, 1, 0.1, -1), "Delta >= 0"),
    (B.thm7_bound, (1, 0, 0.1, 0.1, 1), "L1 > 0"), (B.thm7_bound, (1, 1, -0.1, 0.1, 1), "tau >= 0"),
    (B.thm7_bound, (0, 1, 0.1, 0.1, 1), "L0 > 0"),
    (B.thm8_bound, (1, 1, -1, 0.1, 1), "tau >= 0"), (B.thm8_bound, (1, -1, 1, 0.1, 1), "M >= 0"),
    (B.thm8_bound, (-1, 1, 1, 0.1, 1), "L1 >= 0"), (B.thm8_bound, (1, 1, 1, 0, 1), "eps > 0"),
    (B.vankov_bound, (1, 1, 0, 1), "eps > 0"), (B.vankov_clipped_bound, (0, 1, 0.1, 1), "L0 > 0"),
    (B.li_step_bound, (1, -1, 1), "L1 >= 0"), (B.li_step_bound, (1, 1, -1), "Delta >= 0"),
]


@pytest.mark.parametrize("fn,args,condition", BAD, ids=[f"{b[0].__name__}-{b[2]}" for b in BAD])
def test_preconditions_raise(fn, args, condition):
    with pytest.raises(ValueError, match=re.escape(condition)):
        fn(*args)


def test_thm4_alt_log_needs_M_L1_above_L0():
    with pytest.raises(ValueError, match=re.escape("M*L1 > L0")):
        B.thm4_bound(10, 1, 2, 0.1, 1, alt_log=True)  # ℓ = 1 + log(0.2) < 0 would flip the sign
    assert B.thm4_bound(10, 1, 2, 0.1, 1).value > 0  # the log M + 1 factor is defined there
