"""The fast counter against brute force: exact jump = rational GD loop; plain double loop within
its own rounding drift; closed forms on a quadratic; censoring and divergence; a lazy sequence's
``starts`` (the dip witness's DipPieces) count as its built pieces do."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from synthetic.fastcount import gd_count
from theory.statements.steps import step_rule
from theory.functions.toolkit import construction, gradient_pieces
from theory.functions.constructions import construction_a, construction_b, h_threshold
from theory.statements.steps import clipped_step, normalized_step

B = construction_b(0.1, 3.0)
B_PIECES = gradient_pieces(B)
W = 0.5


def rational_then_float(x0: float, h: float, eps: float) -> tuple[int, float]:
    """Reference: GD in exact rational arithmetic while on B's slope (x > w: the breakpoint
    belongs to the piece on its left), then the plain double loop."""
    x, s, t = Fraction(x0), Fraction(1, 5), 0  # s = 2 eps, exact
    c = Fraction(h) * s
    while x > W:
        x -= c
        t += 1
    x = float(x)
    bowl = B_PIECES[1].grad  # the same double-precision f' the counter uses off the slope
    while True:
        g = bowl(x) if abs(x) <= W else math.copysign(0.2, x)
        if abs(g) <= eps:
            return t, x
        x -= h * g
        t += 1


@settings(max_examples=40, deadline=None)
@given(h=st.floats(1e-2, 3.0), extra=st.floats(1e-6, 5.0))
def test_jump_equals_rational_brute_force(h, extra):
    x0 = W + extra
    count = gd_count(B_PIECES, x0, 0.1, step_rule("gd", h=h))
    t_ref, x_ref = rational_then_float(x0, h, 0.1)
    assert count.status == "converged"
    assert count.iterations == t_ref, (h, x0, count, t_ref)
    assert count.final_x == x_ref


@pytest.mark.parametrize("h", [0.5, 0.05, 0.005, 1.3e-3])
def test_jump_agrees_with_plain_double_loop_within_its_drift(h):
    x0 = float(B.x0)
    fast = gd_count(B_PIECES, x0, 0.1, step_rule("gd", h=h))
    plain = gd_count(B_PIECES, x0, 0.1, step_rule("gd", h=h), jump=False)
    assert fast.jumped > 0 and plain.jumped == 0
    c = h * 0.2
    k = fast.jumped
    drift = k * math.ulp(x0) / (2 * c)  # the plain loop's systematic rounding, in steps
    assert abs(fast.iterations - plain.iterations) <= drift + 1, (fast, plain, drift)


def test_linear_phase_count_is_the_closed_form():
    for h in (0.7, 0.01, 1e-4):
        x0 = float(B.x0)
        fast = gd_count(B_PIECES, x0, 0.1, step_rule("gd", h=h))
        closed = math.ceil((Fraction(x0) - Fraction(W)) / (Fraction(h) * Fraction(1, 5)))
        assert fast.jumped == closed


def test_huge_counts_are_fast_and_consistent():
    # 2.5·10^9 steps on the slope: only the jump can do this; count = closed form + bowl steps
    big = construction_b(0.01, 1000.0)
    fast = gd_count(gradient_pieces(big), float(big.x0), 0.01, step_rule("gd", h=1e-3))
    x0 = Fraction(float(big.x0))
    assert fast.jumped == math.ceil((x0 - Fraction(W)) / (Fraction(1e-3) * Fraction(1, 50)))
    assert fast.iterations > 2.4e9 and fast.status == "converged"


def test_quadratic_matches_closed_form():
    q = gradient_pieces(construction("q", [("x**2/2", "-oo", "oo")], 5))
    for h in (0.1, 0.5, 1.5):
        got = gd_count(q, 5.0, 1e-6, step_rule("gd", h=h))
        expected = math.ceil(math.log(1e-6 / 5) / math.log(abs(1 - h)))
        assert abs(got.iterations - expected) <= 1  # rounding at an exact tie only
        assert got.iterations == gd_count(q, 5.0, 1e-6, step_rule("gd", h=h), jump=False).iterations


def test_step_above_two_over_L_diverges_on_a_quadratic():  # negative control
    q = gradient_pieces(construction("q", [("x**2/2", "-oo", "oo")], 5))
    got = gd_count(q, 5.0, 1e-6, step_rule("gd", h=2.1), max_iter=10**6)
    assert got.status == "diverged" and got.iterations is None


def test_construction_a_threshold_both_sides():
    for L0, L1, M in ((1, 1, 10), (2, 3, 40), (10, 1, 5)):
        a = construction_a(L0, L1, M)
        pieces, x0, thr = gradient_pieces(a), float(a.x0), h_threshold(L0, L1, M)
        above = gd_count(pieces, x0, 0.05, step_rule("gd", h=thr * 1.001), max_iter=10**7)
        below = gd_count(pieces, x0, 0.05, step_rule("gd", h=thr * 0.9), max_iter=10**7)
        assert above.status == "diverged", (L0, L1, M, above)
        assert below.status == "converged", (L0, L1, M, below)


def test_censoring_reports_max_iter_exactly():
    got = gd_count(B_PIECES, float(B.x0), 0.1, step_rule("gd", h=1e-3), max_iter=1234)
    assert got.status == "max_iter" and got.steps == 1234 and got.iterations is None


@pytest.mark.parametrize("g", [1e-9, 0.1, 1.0, 37.0])
def test_step_rules_match_theory_steps(g):
    assert step_rule("clipped", eta=0.1, gamma=2.0)(g) == float(clipped_step(g, 0.1, 2.0))
    assert step_rule("normalized", eta=0.3, beta=0.5)(g) == float(normalized_step(g, 0.3, 0.5))


def test_clipped_jump_matches_plain_loop():
    rule = step_rule("clipped", eta=0.1, gamma=0.05)  # clips on B's slope (|g| = 0.2 > 0.05)
    fast = gd_count(B_PIECES, float(B.x0), 0.1, rule)
    plain = gd_count(B_PIECES, float(B.x0), 0.1, rule, jump=False)
    assert fast.jumped > 0 and abs(fast.iterations - plain.iterations) <= 1


@pytest.mark.parametrize("bad", [dict(method="gd"), dict(method="sgd", h=1.0),
                                 dict(method="clipped", eta=1.0, gamma=-1.0)])
def test_bad_rules_raise(bad):
    with pytest.raises(ValueError):
        step_rule(**bad)


def test_bad_eps_raises():
    with pytest.raises(ValueError, match="eps"):
        gd_count(B_PIECES, 1.0, 0.0, step_rule("gd", h=1.0))
    with pytest.raises(ValueError, match="x0"):
        gd_count(B_PIECES, np.nan, 0.1, step_rule("gd", h=1.0))


@pytest.mark.parametrize("eps,Delta,h", [(0.1, 3.0, 0.05), (0.01, 1.0, 2.5e-3), (0.05, 7.0, 0.9)])
def test_sympy_free_b_pieces_count_like_the_toolkit(eps, Delta, h):
    from theory.functions.gradients import construction_b_gradient as construction_b_pieces
    c = construction_b(eps, Delta)
    rule = step_rule("gd", h=h)
    a = gd_count(gradient_pieces(c), float(c.x0), eps, rule)
    b = gd_count(construction_b_pieces(eps), float(c.x0), eps, rule)
    assert a.jumped == b.jumped
    assert abs(a.iterations - b.iterations) <= 1  # bowl f' evaluated by two double formulas


def test_a_step_below_double_resolution_is_censored_not_a_hang():
    # x0 just left of -w with h = 1e-16: the jump lands on the breakpoint, the bowl step is
    # below the spacing of doubles there: censored at once, with the reason
    got = gd_count(B_PIECES, math.nextafter(-0.5, -math.inf), 0.1, step_rule("gd", h=1e-16))
    assert got.status == "max_iter" and "stalled" in got.note and got.steps < 10


def test_time_limit_censors():
    got = gd_count(B_PIECES, float(B.x0), 0.1, step_rule("gd", h=1e-9), time_limit=0.05)
    assert got.status == "max_iter" and "time limit" in got.note


def test_large_start_is_not_mistaken_for_divergence():
    q = gradient_pieces(construction("q", [("x**2/2", "-oo", "oo")], 0))
    got = gd_count(q, 1e200, 1e-3, step_rule("gd", h=0.5))
    assert got.status == "converged" and 650 < got.iterations < 700


def test_breakpoints_belong_to_the_left_piece_in_jumps_too():
    """A non-C¹ join (f' jumps from 2 to 1/20 at x = 2): the plain loop (x = 2 reads the left
    piece) and the jump must agree on which side the breakpoint is."""
    c = construction("flat", [("x**2", "-oo", 1), ("2*x - 1", 1, 2), ("x/20 + 3 - 1/10", 2, "oo")], 10)
    pieces = gradient_pieces(c)
    rule = step_rule("gd", h=1.0)
    fast = gd_count(pieces, 10.0, 0.01, rule, max_iter=10**4)
    plain = gd_count(pieces, 10.0, 0.01, rule, max_iter=10**4, jump=False)
    assert (fast.status, fast.iterations) == (plain.status, plain.iterations)


# ----------------------------------------- lazy pieces: theory.functions.dips.DipPieces, ``starts``
def _eager_dip_pieces(dw, L0, L1):
    """The dip witness's pieces as a plain list, written here from the module docstring of
    theory.functions.dips (the eager construction the lazy sequence replaces)."""
    from theory.functions.gradients import GradientPiece

    g, gF, step, w, n = dw.slope, Fraction(dw.slope), dw.step, dw.plateau, dw.periods
    xB = 2 * math.log1p(g * L1 / L0) / L1
    X = [xB + k * step for k in range(n + 1)]
    grad = dw.pieces[1].grad  # the witness's global f'
    out = [GradientPiece(-math.inf, 0.0, "constant", slope=-gF),
           GradientPiece(0.0, xB, "general", grad=grad)]
    for k in range(n):
        out += [GradientPiece(X[k], X[k] + w, "constant", slope=gF),
                GradientPiece(X[k] + w, X[k + 1], "general", grad=grad)]
    return out + [GradientPiece(X[n], math.inf, "constant", slope=gF)]


@pytest.mark.parametrize("instance,rule", [((1, 1, 10, 0.1, 10), ("vankov", None)),
                                           ((1, 1, 10, 0.1, 10), ("gd", 0.4316))])
def test_dip_pieces_are_the_eager_list_and_count_alike(instance, rule):
    """DipPieces builds the pieces the eager list holds (lo, hi, kind, slope; plateaus return
    g), its ``starts`` and ``columns`` are theirs, and gd_count gives the same Count on the
    lazy sequence (bisecting ``starts``) as on the plain list (building its own)."""
    from theory.functions.dips import dip_slope
    from theory.statements.steps import rule_parameters

    L0, L1, M, eps, Delta = instance
    method, params = rule_parameters(rule[0], L0, L1, M=M) if rule[1] is None else \
        ("gd", {"h": rule[1]})
    r = step_rule(method, **params)
    dw = dip_slope(L0, L1, r, eps, Delta)
    built, eager = list(dw.pieces), _eager_dip_pieces(dw, L0, L1)
    assert len(built) == len(dw.pieces) == len(eager) == 2 * dw.periods + 3
    assert [(p.lo, p.hi, p.kind, p.slope) for p in built] == \
        [(p.lo, p.hi, p.kind, p.slope) for p in eager]
    assert dw.pieces.starts == [p.lo for p in built[1:]]
    assert list(map(list, zip(*[(p.lo, p.hi, p.kind, p.slope) for p in built]))) == \
        list(dw.pieces.columns)
    assert dw.pieces[-1] == built[-1] and dw.pieces[-2] == built[-2]
    assert all(p.grad(p.lo + 0.5 * (p.hi - p.lo)) == dw.slope for p in built[2:-1:2])
    with pytest.raises(IndexError):
        dw.pieces[len(built)]
    lazy = gd_count(dw.pieces, dw.x0, eps, r)
    assert lazy == gd_count(built, dw.x0, eps, r) == gd_count(eager, dw.x0, eps, r)
    assert lazy.status == "converged" and lazy.iterations > dw.periods


def test_negative_control_gd_count_reads_the_sequences_starts():
    """A list carrying wrong ``starts`` (the plateaus' breaks moved by half a plateau) counts
    differently: gd_count does locate pieces by them, so they must be the pieces' own."""
    from theory.functions.dips import dip_slope
    from theory.statements.steps import rule_parameters

    L0, L1, M, eps, Delta = 1, 1, 10, 0.1, 10
    method, params = rule_parameters("vankov", L0, L1, M=M)
    r = step_rule(method, **params)
    dw = dip_slope(L0, L1, r, eps, Delta)

    class Carrying(list):
        starts: list

    right, wrong = Carrying(dw.pieces), Carrying(dw.pieces)
    right.starts = list(dw.pieces.starts)
    wrong.starts = [s + dw.plateau / 2 if i > 1 else s for i, s in enumerate(dw.pieces.starts)]
    assert gd_count(right, dw.x0, eps, r) == gd_count(dw.pieces, dw.x0, eps, r)
    assert gd_count(wrong, dw.x0, eps, r) != gd_count(right, dw.x0, eps, r)
