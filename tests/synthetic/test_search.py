"""The search for harder 1-D members (synthetic/search.py, docs/statements.md §5c), checked on
its defining properties, each with a negative control that the check can fail.

1. :func:`plateau_count` is :func:`gd_count` (the same Count, field by field) on dip witnesses,
   construction B and searched profiles; the plain double loop, which rounds differently,
   gives another count on the same witness (so the comparison sees a wrong rounding);
2. :func:`array_step` gives the doubles of :func:`step_rule`; the same formula with its
   operations reordered does not (so the comparison sees a one-ulp difference);
3. every profile the population counter counts is a member: ψ-slopes <= L1, |f'| <= M, and
   f(x0) − f* <= Δ (by a quadrature of f' written here from ψ); :func:`check_member` refuses
   a ramp at 1.5·L1, a plateau at 2M, a start at 2Δ and tails that let f* = −inf;
4. the population counter agrees with the exact counter on converged members;
5. searches: the best count stays <= sup_T + 1 (Thm 3's rule and fixed-step GD below h_2c),
   above h_2c the search finds a member that never converges and distils the certified
   extremal function; the distilled witness is certified and recounting its pieces gives its
   reported iterations; a fixed seed reproduces the search, another seed changes it; where
   sup_T exceeds the counter's cap (10¹⁵ steps) reaching the cap is censored, not "never";
6. bad parameters raise ValueError naming the parameter.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from synthetic.fastcount import gd_count
from synthetic.search import (CONVERGED, Profile, SearchSpace, array_step, check_member,
                              plateau_count, profile_pieces, search_worst_case)
from theory.functions.dips import dip_slope
from theory.functions.gradients import construction_b_gradient
from theory.functions.toolkit import construction, gradient_pieces
from theory.statements.steps import rule_parameters, step_rule
from theory.statements.worstcase import h_2c, one_d_supremum

SMALL = (1.0, 1.0, 10.0, 0.1, 10.0)  # (L0, L1, M, ε, Δ), the first instance
FAST = dict(maxiter=8, popsize=6, cells=2)


def psi(g, L0, L1):
    return math.copysign(math.log1p(abs(g) * L1 / L0), g)


def psi_inv(p, L0, L1):
    return math.copysign(L0 / L1 * math.expm1(abs(p)), p)


def sample(space: SearchSpace, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo, hi = np.array(space.bounds).T
    return (lo[:, None] + (hi - lo)[:, None] * rng.random((len(lo), n)))


def thm3(L0, L1, M):
    return rule_parameters("thm3", L0, L1, M=M)


# --------------------------------------------------------------------------- 1. exact counting
@pytest.mark.parametrize("instance,rule", [((2, 4, 50, 0.1, 20), "vankov"),
                                           ((1, 1, 10, 0.1, 10), "vankov_clipped"),
                                           ((1, 1, 10, 0.1, 10), "gd")])
def test_plateau_count_is_gd_count_on_dip_witnesses(instance, rule):
    L0, L1, M, eps, Delta = instance
    method, params = ("gd", {"h": 0.9 * h_2c(L0, L1, M, Delta)}) if rule == "gd" else \
        rule_parameters(rule, L0, L1, M=M)
    r = step_rule(method, **params)
    w = dip_slope(L0, L1, r, eps, Delta)
    exact = gd_count(w.pieces, w.x0, eps, r)
    assert plateau_count(w.pieces, w.x0, eps, r) == exact and exact.iterations > w.periods
    # the lazy DipPieces (plateau_count reads its columns) and the built list count alike
    assert plateau_count(list(w.pieces), w.x0, eps, r) == exact
    # negative control: the plain double loop rounds x - h·g differently on the same witness
    assert gd_count(w.pieces, w.x0, eps, r, jump=False) != exact


def test_plateau_count_is_gd_count_on_construction_b_and_searched_profiles():
    pieces = construction_b_gradient(0.01)
    r = step_rule("gd", h=2.484e-4)
    x0 = 0.5 + (1.0 - 5 * 0.01 / 8) / 0.02
    assert plateau_count(pieces, x0, 0.01, r) == gd_count(pieces, x0, 0.01, r)
    L0, L1, M, eps, Delta = SMALL
    for method, params in (thm3(L0, L1, M), ("gd", {"h": 1.1 * h_2c(L0, L1, M, Delta)})):
        space = SearchSpace(method, params, L0, L1, M, eps, Delta, cells=3)
        Z = sample(space, 40, seed=3)
        for z in Z.T:
            p = space.profile(z)
            if p is None:
                continue
            pieces = profile_pieces(p, L0, L1)
            kw = dict(max_iter=space.cap, time_limit=10.0)
            assert plateau_count(pieces, p.x0, eps, space.rule, **kw) == \
                gd_count(pieces, p.x0, eps, space.rule, **kw)


# --------------------------------------------------------------------------- 2. the step rule
@pytest.mark.parametrize("method,params", [("gd", {"h": 0.0461}),
                                           ("clipped", {"eta": 0.05, "gamma": 0.5}),
                                           ("clipped", {"eta": 1 / 30, "gamma": 2 / 3}),
                                           ("normalized", {"eta": 1 / 6, "beta": 1 / 3})])
def test_array_step_gives_the_doubles_of_step_rule(method, params):
    g = np.random.default_rng(0).uniform(1e-3, 100.0, 5000)
    got = array_step(method, params)(g)
    r = step_rule(method, **params)
    assert all(float(a) == r(float(x)) for a, x in zip(got, g))
    # negative control: the same formula with its operations reordered differs somewhere
    # (γ(η/g) for (γη)/g, η·(1/(g + β)) for η/(g + β); γ = 1/2 would be exact either way)
    reordered = {"clipped": lambda x: min(params["eta"], params["gamma"] * (params["eta"] / x)),
                 "normalized": lambda x: params["eta"] * (1 / (x + params["beta"]))}
    if method in reordered and params.get("gamma") != 0.5:
        assert any(reordered[method](x) != r(x) for x in g.tolist())


# --------------------------------------------------------------------------- 3. membership
def _f_by_quadrature(p: Profile, L0, L1):
    """f(x0) − f* from quad of f' = ψ⁻¹(ψ(x)) on each piece (f* at a zero of f' or a knot)."""
    b, q = p.breaks, p.levels

    def fprime(x):
        if x <= b[0]:
            return psi_inv(q[0], L0, L1)
        if x >= b[-1]:
            return psi_inv(q[-1], L0, L1)
        k = max(i for i in range(len(b) - 1) if b[i] <= x)
        t = (x - b[k]) / (b[k + 1] - b[k]) if b[k + 1] > b[k] else 0.0
        return psi_inv(q[k] + t * (q[k + 1] - q[k]), L0, L1)

    points, F = [b[0]], [0.0]
    for lo, hi in zip(b[:-1], b[1:]):
        if hi <= lo:
            continue
        if fprime(lo) < 0 < fprime(hi):
            z = brentq(fprime, lo, hi, xtol=1e-14)
            points.append(z)
            F.append(F[-1] + quad(fprime, points[-2], z, epsabs=1e-13)[0])
        points.append(hi)
        F.append(F[-1] + quad(fprime, points[-2], hi, epsabs=1e-13)[0])
    fx0 = F[-1] + psi_inv(q[-1], L0, L1) * (p.x0 - b[-1]) if p.x0 >= b[-1] else \
        psi_inv(q[0], L0, L1) * (p.x0 - b[0])
    return fx0 - min(F)


@pytest.mark.parametrize("cells", [0, 4])
def test_every_counted_profile_is_a_member(cells):
    L0, L1, M, eps, Delta = 2.0, 4.0, 50.0, 0.1, 20.0
    space = SearchSpace(*thm3(L0, L1, M), L0, L1, M, eps, Delta, cells=cells)
    Z = sample(space, 3000, seed=1)
    b, q, x0, valid, excess = space.decode(Z)
    assert valid.sum() > 500 and (~valid).sum() > 100  # both kinds occur
    slopes = np.abs(np.diff(q, axis=1)) / np.where(np.diff(b, axis=1) > 0, np.diff(b, axis=1),
                                                   np.inf)
    assert slopes.max() <= L1  # strictly: the σ <= 1 − 1e-4 margin absorbs the rounding
    assert np.max(L0 / L1 * np.expm1(np.abs(q))) <= M * (1 + 1e-12)
    values, status, _ = space.count(b, q, x0, valid, max_loops=200)
    assert np.all(status[~valid] == 3) and np.all(values[~valid] == 0)
    for i in np.flatnonzero(valid)[:40]:
        p = Profile(tuple(b[i]), tuple(q[i]), float(x0[i]))
        assert check_member(p, L0, L1, M, Delta) == []
        assert _f_by_quadrature(p, L0, L1) <= Delta * (1 + 1e-7)


def test_check_member_refuses_each_violation():
    L0, L1, M, Delta = 2.0, 4.0, 50.0, 20.0
    g = 10.0
    p = psi(g, L0, L1)
    width = 2 * p / (0.5 * L1)  # a ramp at half the allowed slope
    bowl = 2 * (g - L0 / L1 * math.log1p(g * L1 / L0)) / L1  # f(b_1) − f* for slope σ = 1/2
    good = Profile((0.0, width), (-p, p), width + (Delta - bowl) / g)
    assert check_member(good, L0, L1, M, Delta) == []
    assert _f_by_quadrature(good, L0, L1) == pytest.approx(Delta, rel=1e-9)
    steep = Profile((0.0, 2 * p / (1.5 * L1)), (-p, p), good.x0)
    big = Profile((0.0, width), (-psi(2 * M, L0, L1), p), good.x0)
    far = Profile(good.breaks, good.levels, good.x0 + Delta / g)
    downhill = Profile(good.breaks, (p, p), good.x0)
    for bad, why in ((steep, "L1"), (big, "M ="), (far, "> Δ"), (downhill, "tails")):
        reasons = check_member(bad, L0, L1, M, Delta)
        assert any(why in r for r in reasons), (why, reasons)


def test_population_counter_agrees_with_the_exact_counter():
    L0, L1, M, eps, Delta = SMALL
    space = SearchSpace(*thm3(L0, L1, M), L0, L1, M, eps, Delta, cells=3)
    Z = sample(space, 400, seed=5)
    b, q, x0, valid, _ = space.decode(Z)
    values, status, _ = space.count(b, q, x0, valid)
    checked = 0
    for i in np.flatnonzero(status == CONVERGED)[:60]:
        p = space.profile(Z[:, i])
        exact = gd_count(profile_pieces(p, L0, L1), p.x0, eps, space.rule, max_iter=space.cap)
        assert exact.iterations == values[i]
        checked += 1
    assert checked >= 30


# --------------------------------------------------------------------------- 4. searches
def _recount(distilled, eps, rule):
    c = construction(distilled["name"], distilled["pieces"], distilled["x0"])
    return gd_count(gradient_pieces(c), float(c.x0), eps, rule).iterations


@pytest.mark.parametrize("rule", ["thm3", "gd_below"])
def test_search_stays_below_the_supremum_and_distils_a_certified_witness(rule):
    L0, L1, M, eps, Delta = SMALL
    method, params = thm3(L0, L1, M) if rule == "thm3" else \
        ("gd", {"h": 0.9 * h_2c(L0, L1, M, Delta)})
    r = search_worst_case(method, params, L0, L1, M, eps, Delta, seed=0, **FAST)
    sup = one_d_supremum(step_rule(method, **params), L0, L1, M, eps, Delta,
                         fixed_h=params.get("h"))
    assert sup.stationary and r.sup_T == sup.sup_T
    assert r.best_iterations is not None and not r.non_converging
    assert r.best_iterations <= sup.sup_T + 1 and r.search_value <= sup.sup_T + 1
    assert r.ratio == pytest.approx(r.best_iterations / sup.sup_T)
    assert 0.5 < r.ratio <= 1 + 1 / sup.sup_T  # a slope near ε⁺, not a trivial member
    d = r.distilled
    assert d["certified"] and d["name"] == ("B_delta" if rule == "thm3" else "walled_slope")
    assert d["iterations"] == _recount(d, eps, step_rule(method, **params))
    p = Profile(**r.profile)
    assert check_member(p, L0, L1, M, Delta) == []


def test_search_above_h2c_finds_a_member_that_never_converges():
    L0, L1, M, eps, Delta = SMALL
    h = 1.1 * h_2c(L0, L1, M, Delta)
    r = search_worst_case("gd", {"h": h}, L0, L1, M, eps, Delta, seed=0, maxiter=16,
                          popsize=10, cells=1)
    assert r.non_converging and r.best_iterations is None and r.sup_T is None
    p = Profile(**r.profile)
    assert check_member(p, L0, L1, M, Delta) == []
    never = plateau_count(profile_pieces(p, L0, L1), p.x0, eps, step_rule("gd", h=h),
                          max_iter=10 * r.cap)  # gd_count's Count, fast on one-step pieces
    assert never.status == "max_iter"  # ten times the cap: still bouncing
    assert p.levels[0] < 0 < p.levels[-1]  # a sign flip at every step
    assert r.distilled["name"] == "extremal" and r.distilled["certified"]
    # negative control: the same search below h_2c finds none (every member converges there)
    below = search_worst_case("gd", {"h": 0.9 * h_2c(L0, L1, M, Delta)}, L0, L1, M, eps, Delta,
                              seed=0, maxiter=16, popsize=10, cells=1, distil=False)
    assert not below.non_converging and below.best_iterations is not None


def test_a_seed_reproduces_the_search_and_another_changes_it():
    L0, L1, M, eps, Delta = SMALL
    args = (*thm3(L0, L1, M), L0, L1, M, eps, Delta)
    a = search_worst_case(*args, seed=7, distil=False, **FAST)
    b = search_worst_case(*args, seed=7, distil=False, **FAST)
    c = search_worst_case(*args, seed=8, distil=False, **FAST)
    assert a.profile == b.profile and a.best_iterations == b.best_iterations
    assert (a.members, a.rejected) == (b.members, b.rejected)
    assert c.profile != a.profile


# --------------------------------------------------------------------------- 5. bad input
@pytest.mark.parametrize("kw,name", [({"cells": 13}, "cells"), ({"seed": -1}, "seed"),
                                     ({"maxiter": 1}, "maxiter"), ({"popsize": 1}, "popsize"),
                                     ({"time_limit": 0.0}, "time_limit"),
                                     ({"time_limit": math.nan}, "time_limit"),
                                     ({"seed": 1.5}, "seed")])
def test_bad_parameters_raise_value_error_naming_them(kw, name):
    L0, L1, M, eps, Delta = SMALL
    with pytest.raises(ValueError, match=name):
        search_worst_case(*thm3(L0, L1, M), L0, L1, M, eps, Delta, **kw)


@pytest.mark.parametrize("args,name", [((1.0, 0.0, 10.0, 0.1, 10.0), "L1"),
                                       ((1.0, 1.0, 0.1, 0.1, 10.0), "M > eps"),
                                       ((1.0, 1.0, 10.0, 0.1, math.inf), "Delta")])
def test_bad_class_raises_value_error(args, name):
    with pytest.raises(ValueError, match=name):
        SearchSpace("gd", {"h": 0.1}, *args)


def test_a_count_at_a_truncated_cap_is_censored_not_never():
    """sup_T ~ 1e25 steps here: the cap is truncated to 1e15, so reaching it claims nothing
    (before, such members were reported as never converging)."""
    L0, L1, M, eps, Delta = 1.0, 1.0, 1e8, 1e-8, 1e8
    r = search_worst_case(*thm3(L0, L1, M), L0, L1, M, eps, Delta, maxiter=2, popsize=3,
                          cells=0, distil=False)
    assert r.sup_T > 1e20 and r.cap == 10**15
    assert not r.non_converging and r.best_iterations is None and "cap" in r.best_note
