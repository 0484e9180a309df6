"""theory.fitting's fast paths: the pruned evaluation equal bit for bit to the full one, and the
bootstrap's work bounded before any work (docs/statements.md §6, "Fitting (L0, L1)")."""
from __future__ import annotations

import math

import numpy as np
import pytest

from test_fitting import noisy_line  # the noisy-line samples of the main fitting tests
from theory.fitting import bootstrap_fit, envelope_fit, fit_all

SEED = 20200101  # the one stated seed of the stochastic tests below


# --- the pruned (fast) evaluation is exact ----------------------------------------------------

def _hard_samples():
    """Samples that stress the pruning: heavy tails, every point on the hull, heavy ties, all
    points collinear, zeros in x."""
    rng = np.random.default_rng(SEED)
    n = 3000
    u = rng.standard_normal(n)
    x = np.exp(u)
    yield "lognormal", x, np.exp(0.6 * u + 0.8 * rng.standard_normal(n)) + 0.5 * x
    x = rng.uniform(0, 1, n)
    yield "concave", x, np.sqrt(x)
    x = np.round(rng.uniform(0, 5, n), 1)
    yield "ties", x, np.round(1 + 2 * x + rng.uniform(0, 1, n), 1)
    x = rng.uniform(0, 5, n)
    yield "collinear", x, 1 + 2 * x
    x = np.r_[np.zeros(50), rng.exponential(1, n - 50)]
    yield "zeros", x, rng.exponential(1, n)


HARD = list(_hard_samples())


@pytest.mark.parametrize("name,x,y", HARD, ids=[h[0] for h in HARD])
def test_pruned_order_statistics_equal_the_full_ones_bit_for_bit(name, x, y):
    import theory.fitting.residuals as F
    xt, yt = x / x.max(), y / y.max()
    grid = np.unique(np.r_[0.0, np.geomspace(1e-6, 3.0, 257), np.linspace(0.0, 3.0, 257)])
    for k in (0, x.size // 2, math.ceil(0.9 * x.size) - 1, x.size - 1):
        np.testing.assert_array_equal(F._kth_on_grid(xt, yt, grid, k),
                                      F._kth_residual(xt, yt, grid, k), err_msg=f"k={k}")


@pytest.mark.parametrize("name,x,y", HARD, ids=[h[0] for h in HARD])
def test_pruned_fits_and_bootstrap_equal_the_unpruned(name, x, y, monkeypatch):
    import theory.fitting.residuals as F

    def run():
        fits = [envelope_fit(x, y, q) for q in (1.0, 0.9)]
        boots = [bootstrap_fit(x, y, np.random.default_rng(SEED), quantile=q, n_boot=8)
                 for q in (1.0, 0.9)]
        return [(f.L0, f.L1) for f in fits] + [(b.ci_L0, b.ci_L1) for b in boots]
    fast = run()
    monkeypatch.setattr(F, "_PRUNE_MIN_N", 10**9)  # every point enters hull and partition
    assert run() == fast


def test_pruning_is_effective_and_its_rank_shift_matters():
    """Negative controls for the two tests above: on real-looking data the pruned sets are far
    smaller than n, and forgetting the rank shift k - d changes the values."""
    import theory.fitting.residuals as F
    _, x, y = HARD[0]
    xt, yt = x / x.max(), y / y.max()
    cx, _ = F._hull_candidates(xt, yt)
    assert cx.size < x.size / 20
    k = math.ceil(0.9 * x.size) - 1
    lo, hi = 0.5, 0.6
    r_lo, r_hi = F._kth_residual(xt, yt, np.array([lo, hi]), k)
    sub = F._BracketedKth(xt, yt, k, lo, hi, r_lo, r_hi)
    assert sub.x.size < x.size / 5 and sub.k < k
    L1 = np.linspace(lo, hi, 7)
    np.testing.assert_array_equal(sub(L1), F._kth_residual(xt, yt, L1, k))
    wrong = F._kth_residual(sub.x, sub.y, L1, min(k, sub.x.size - 1))
    assert not np.array_equal(wrong, F._kth_residual(xt, yt, L1, k))
    np.testing.assert_array_equal(sub(np.array([0.0, 2.0])),  # outside the bracket: all points
                                  F._kth_residual(xt, yt, np.array([0.0, 2.0]), k))


def test_bootstrap_work_is_bounded_before_any_work():
    import theory.fitting as F
    x, y = noisy_line(np.random.default_rng(SEED), 2000)
    rng = np.random.default_rng(0)
    for n_boot, match in ((1, "between 2 and"), (F.MAX_N_BOOT + 1, "between 2 and"),
                          (60_000, "use n_boot <= 50000"), (2.5, "integer"), (True, "integer")):
        with pytest.raises(ValueError, match=match):
            bootstrap_fit(x, y, rng, n_boot=n_boot)
        with pytest.raises(ValueError, match=match):
            fit_all(x, y, rng, n_boot=n_boot)
    F.check_boot_work(50_000, 2000)  # at the bound: allowed


def test_progress_counts_every_refit():
    x, y = noisy_line(np.random.default_rng(SEED), 50)
    calls = []
    fit_all(x, y, np.random.default_rng(0), n_boot=7, progress=calls.append)
    assert calls == [1] * (3 * 7)


def test_bca_work_is_bounded_too():
    """BCa's jackknife refits the sample n times: refused above MAX_BCA_POINTS, before work."""
    from theory.fitting import MAX_BCA_POINTS, bootstrap_fit

    n = MAX_BCA_POINTS + 1
    x = np.linspace(1.0, 2.0, n)
    with pytest.raises(ValueError, match="jackknife"):
        bootstrap_fit(x, 2 * x, np.random.default_rng(0), n_boot=9, method="BCa")
    small = bootstrap_fit(x[:50], 2 * x[:50] + 1, np.random.default_rng(0), n_boot=9,
                          method="BCa")
    assert small.extra["ci_method"] == "BCa"
