"""nn_checks.probe: exact checks on models with a closed-form Hessian, HVP cross-checks on an
LSTM, state preservation, bad input.

Tolerances: a float64 quadratic's gradient is affine in θ, so the secant estimate and exact
Hessian-vector products agree with the closed form to rounding (ROUNDING_RTOL with the
cancellation of a gradient difference: 1e-8); Lanczos is asked for tol = 1e-7 where 1e-6 is
checked (a measured residual ||Hy − λy|| ≤ tol·|λ| puts an eigenvalue within tol·|λ|); finite
differences are held to 1e-3 relative (the README's target; measured ~1e-10 in float64 and
~2e-5 in float32). The device Lanczos and the choice of product have their own files:
test_nn_probe_lanczos.py, test_nn_probe_hvp.py.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector

from nn_checks.probe import (
    HVP_MODES,
    SmoothnessProbe,
    flat_grad,
    hessian_vector_product,
    installed,
    secant_smoothness,
    top_hessian_eigenvalue,
)

FD_RTOL = 1e-3
SECANT_RTOL = 1e-8
F64 = torch.float64


def least_squares(seed: int = 0, n: int = 120, p: int = 12):
    """f(w, b) = ||Xw + b − y||²/(2n): Hessian AᵀA/n with A = [X 1], gradient Aᵀ(Aθ − y)/n."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, p, generator=g, dtype=F64) * torch.linspace(0.3, 2.0, p, dtype=F64)
    y = torch.randn(n, generator=g, dtype=F64)
    model = nn.Linear(p, 1).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(1, p, generator=g, dtype=F64))
        model.bias.fill_(0.3)
    A = torch.cat([X, torch.ones(n, 1, dtype=F64)], dim=1)  # parameters_to_vector order: w, b

    def loss_on(rows):
        return lambda: ((model(X[rows]).squeeze(-1) - y[rows]) ** 2).mean() / 2
    return model, loss_on(slice(None)), A, y, loss_on


class Quadratic(nn.Module):
    """f(w) = ½ wᵀMw + cᵀw with a fixed symmetric M."""

    def __init__(self, M: torch.Tensor, c: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(M.shape[0], dtype=F64))
        self.register_buffer("M", M)
        self.register_buffer("c", c)

    def forward(self):
        return 0.5 * self.w @ self.M @ self.w + self.c @ self.w


class TinyLSTM(nn.Module):
    def __init__(self, dtype, dropout=0.3):
        super().__init__()
        self.lstm = nn.LSTM(3, 6, num_layers=2, dropout=dropout, batch_first=True).to(dtype)
        self.head = nn.Linear(6, 1).to(dtype)

    def forward(self, x):
        return self.head(self.lstm(x)[0])


def lstm_problem(dtype, seed=0):
    torch.manual_seed(seed)  # test setup only; the probes never touch the global RNG
    model = TinyLSTM(dtype).train()  # dropout active: the probes replay the RNG
    x = torch.randn(4, 7, 3, dtype=dtype)
    y = torch.randn(4, 7, 1, dtype=dtype)
    return model, (lambda: ((model(x) - y) ** 2).mean())


def dense_hessian(model, loss_fn):
    n = sum(p.numel() for p in model.parameters())
    cols = [hessian_vector_product(model, loss_fn, e) for e in torch.eye(n, dtype=F64)]
    H = torch.stack(cols, 1).numpy()
    return (H + H.T) / 2


# --------------------------------------------------------------------------- exact checks
@pytest.mark.parametrize("hvp,tol,rtol", [("exact", 1e-7, 1e-6),
                                          ("finite-difference", 1e-3, FD_RTOL)])
def test_least_squares_top_eigenvalue_matches_eigvalsh(hvp, tol, rtol):
    model, loss_fn, A, _, _ = least_squares()
    lam = np.linalg.eigvalsh((A.T @ A / A.shape[0]).numpy())[-1]
    res = top_hessian_eigenvalue(model, loss_fn, hvp=hvp, tol=tol,
                                 generator=torch.Generator().manual_seed(3))
    assert res.converged and res.n_hvps <= 30, res
    assert res.value == pytest.approx(lam, rel=rtol), (res, lam)
    assert res.signed_value == res.value > 0
    assert res.n_grads == (1 if hvp == "exact" else 2 * res.n_hvps)


@pytest.mark.parametrize("hvp", HVP_MODES)
def test_hessian_vector_product_is_AtA_v(hvp):
    model, loss_fn, A, _, _ = least_squares()
    v = torch.randn(A.shape[1], generator=torch.Generator().manual_seed(1), dtype=F64)
    expected = A.T @ (A @ v) / A.shape[0]
    got = hessian_vector_product(model, loss_fn, v, hvp=hvp)
    rtol = SECANT_RTOL if hvp == "exact" else FD_RTOL
    assert float((got - expected).norm() / expected.norm()) < rtol


def test_secant_on_a_quadratic_is_Hd_over_d_for_every_gamma():
    model, loss_fn, A, y, _ = least_squares()
    n = A.shape[0]
    g = torch.Generator().manual_seed(2)
    theta_from = torch.randn(A.shape[1], generator=g, dtype=F64)
    d = torch.randn(A.shape[1], generator=g, dtype=F64)
    res = secant_smoothness(model, loss_fn, theta_from, theta_from + d, gammas=(0.25, 0.5, 1.0))
    expected = float((A.T @ (A @ d) / n).norm() / d.norm())
    assert [gm for gm, _ in res.per_gamma] == [0.25, 0.5, 1.0]
    for gm, value in res.per_gamma:
        assert value == pytest.approx(expected, rel=SECANT_RTOL), (gm, value, expected)
    assert res.value == max(v for _, v in res.per_gamma)
    grad = A.T @ (A @ theta_from - y) / n  # same loss_fn, same scale as the numerator
    assert res.grad_norm == pytest.approx(float(grad.norm()), rel=SECANT_RTOL)
    assert res.update_norm == pytest.approx(float(d.norm()), rel=1e-12)
    assert res.n_grads == 4
    # A directional lower bound on ||∇²f||, equal to it along the top eigenvector.
    w, V = np.linalg.eigh((A.T @ A / n).numpy())
    assert res.value <= w[-1] * (1 + SECANT_RTOL)
    top = secant_smoothness(model, loss_fn, theta_from,
                            theta_from + torch.from_numpy(V[:, -1]).mul(0.1))
    assert top.value == pytest.approx(w[-1], rel=SECANT_RTOL)


def test_large_batch_variant_is_the_mean_over_the_same_batches():
    model, loss_fn, _, _, loss_on = least_squares()
    halves = [loss_on(slice(0, 60)), loss_on(slice(60, 120))]  # equal halves: mean = full data
    assert torch.allclose(flat_grad(model, halves), flat_grad(model, loss_fn), rtol=1e-12)
    theta = parameters_to_vector(model.parameters()).detach()
    d = torch.linspace(-1, 1, theta.numel(), dtype=F64)
    a = secant_smoothness(model, halves, theta, theta + d)
    b = secant_smoothness(model, loss_fn, theta, theta + d)
    assert a.value == pytest.approx(b.value, rel=SECANT_RTOL)
    assert a.grad_norm == pytest.approx(b.grad_norm, rel=SECANT_RTOL)


@pytest.mark.parametrize("hvp", HVP_MODES)
def test_dominant_negative_eigenvalue_is_found_by_magnitude(hvp):
    g = torch.Generator().manual_seed(4)
    Q, _ = torch.linalg.qr(torch.randn(40, 40, generator=g, dtype=F64))
    lams = torch.cat([torch.tensor([-5.0, 3.0], dtype=F64), torch.linspace(-2, 2, 38, dtype=F64)])
    model = Quadratic(Q @ torch.diag(lams) @ Q.T, torch.randn(40, generator=g, dtype=F64))
    res = top_hessian_eigenvalue(model, model, hvp=hvp, tol=1e-7, generator=g)
    assert res.converged, res
    assert res.signed_value == pytest.approx(-5.0, rel=1e-6 if hvp == "exact" else FD_RTOL)
    assert res.value == pytest.approx(5.0, rel=1e-6 if hvp == "exact" else FD_RTOL)
    # negative control: the largest *algebraic* eigenvalue (eigsh "LA") would report 3
    assert abs(res.value - float(lams.max())) > 1.0


def _small_mlp():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    x, y = torch.randn(32, 4, dtype=F64), torch.randn(32, 1, dtype=F64)
    return model, (lambda: ((model(x) - y) ** 2).mean())


@pytest.mark.parametrize("hvp", HVP_MODES)
def test_small_model_converges_within_30_products(hvp):
    model, loss_fn = _small_mlp()
    w = np.linalg.eigvalsh(dense_hessian(model, loss_fn))
    exact = float(np.max(np.abs(w)))
    res = top_hessian_eigenvalue(model, loss_fn, hvp=hvp, tol=1e-3)
    assert res.converged and res.n_hvps <= 30, res
    assert res.value == pytest.approx(exact, rel=1e-3)


def test_product_budget_is_respected_and_gives_a_lower_bound():
    model, loss_fn = _small_mlp()
    exact = float(np.max(np.abs(np.linalg.eigvalsh(dense_hessian(model, loss_fn)))))
    res = top_hessian_eigenvalue(model, loss_fn, max_hvps=5)
    assert res.n_hvps <= 5 and not res.converged
    assert 0 < res.value <= exact * (1 + 1e-12)


# --------------------------------------------------------------------------- LSTM
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_lstm_finite_difference_hvp_agrees_with_double_backward(dtype):
    model, loss_fn = lstm_problem(dtype)
    n = sum(p.numel() for p in model.parameters())
    g = torch.Generator().manual_seed(6)
    for _ in range(2):
        v = torch.randn(n, generator=g, dtype=dtype)
        a = hessian_vector_product(model, loss_fn, v, hvp="exact").double()
        b = hessian_vector_product(model, loss_fn, v, hvp="finite-difference").double()
        assert float((a - b).norm() / a.norm()) < FD_RTOL
    ex = top_hessian_eigenvalue(model, loss_fn, hvp="exact", generator=g)
    fd = top_hessian_eigenvalue(model, loss_fn, hvp="finite-difference", generator=g)
    assert ex.converged and fd.converged and max(ex.n_hvps, fd.n_hvps) <= 30
    assert fd.value == pytest.approx(ex.value, rel=FD_RTOL)


# --------------------------------------------------------------------------- state
class Messy(nn.Module):
    """Dropout, BatchNorm (buffers move in train mode), a frozen parameter, one eval submodule."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(5, 8)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.5)
        self.frozen = nn.Linear(8, 8)
        self.frozen.weight.requires_grad_(False)
        self.b = nn.Linear(8, 1)
        self.sub = nn.Sequential(nn.Linear(5, 1)).eval()

    def forward(self, x):
        h = self.drop(torch.tanh(self.bn(self.a(x))))
        return self.b(torch.tanh(self.frozen(h))) + self.sub(x)


def _snapshot(model):
    return {
        "params": [(p, p.data_ptr(), p._version, p.detach().clone().reshape(-1).view(torch.uint8),
                    p.requires_grad) for p in model.parameters()],
        "grads": [(p.grad, None if p.grad is None else p.grad.clone()) for p in model.parameters()],
        "modes": [m.training for m in model.modules()],
        "buffers": [b.clone() for b in model.buffers()],
        "rng": torch.get_rng_state(),
    }


def _assert_same(model, snap):
    for p, (q, ptr, version, bits, rg) in zip(model.parameters(), snap["params"]):
        assert p is q and p.data_ptr() == ptr and p._version == version
        assert torch.equal(p.detach().reshape(-1).view(torch.uint8), bits)
        assert p.requires_grad == rg
    for p, (g, saved) in zip(model.parameters(), snap["grads"]):
        assert p.grad is g
        if g is not None:
            assert torch.equal(g, saved)
    assert [m.training for m in model.modules()] == snap["modes"]
    assert all(torch.equal(b, s) for b, s in zip(model.buffers(), snap["buffers"]))
    assert torch.equal(torch.get_rng_state(), snap["rng"])


def _messy():
    torch.manual_seed(7)
    model = Messy().train()
    model.sub.eval()
    x = torch.randn(16, 5)
    loss_fn = (lambda: model(x).pow(2).mean())
    model.a.weight.grad = torch.full_like(model.a.weight, 0.25)  # an existing .grad
    return model, loss_fn                                       # the others stay None


def _run_probe_step(model, loss_fn):
    probe = SmoothnessProbe(model, loss_fn, kind="both", max_hvps=25,
                            generator=torch.Generator().manual_seed(0))
    probe.before_step(0)
    saved = model.b.bias.detach().clone()
    model.b.bias.data.add_(0.5)  # the "optimizer step" (through .data: no version bump), undone
    row = probe.after_step(0)    # below so that the snapshot must match bitwise
    model.b.bias.data.copy_(saved)
    assert row["smoothness"] is not None and row["hessian_top_eig"] > 0


PROBES = {
    "flat_grad": lambda m, f: flat_grad(m, f),
    "secant": lambda m, f: secant_smoothness(
        m, f, parameters_to_vector(m.parameters()).detach(),
        parameters_to_vector(m.parameters()).detach() + 0.01, gammas=(0.5, 1.0)),
    "hessian-exact": lambda m, f: top_hessian_eigenvalue(m, f, hvp="exact", max_hvps=25),
    "hessian-fd": lambda m, f: top_hessian_eigenvalue(m, f, hvp="finite-difference",
                                                      max_hvps=25),
    "hvp-fd": lambda m, f: hessian_vector_product(
        m, f, torch.ones(sum(p.numel() for p in m.parameters())), hvp="finite-difference"),
    "installed": lambda m, f: _installed_then_raise(m, f),
    "SmoothnessProbe": _run_probe_step,
}


def _installed_then_raise(model, loss_fn):
    theta = parameters_to_vector(model.parameters()).detach() + 1.0
    with pytest.raises(KeyError), installed(model, theta) as m:
        assert torch.equal(parameters_to_vector(m.parameters()), theta)
        loss_fn()  # moves the BatchNorm statistics and the RNG: both must come back
        raise KeyError("restored even on error")


@pytest.mark.parametrize("name", list(PROBES))
def test_probe_leaves_model_grads_modes_buffers_and_rng_as_found(name):
    model, loss_fn = _messy()
    loss = loss_fn()  # a graph the user built before probing must stay usable
    snap = _snapshot(model)
    PROBES[name](model, loss_fn)
    _assert_same(model, snap)
    loss.backward()  # no "modified by an inplace operation" error


def test_probe_randomness_comes_from_its_generator_only():
    model, loss_fn = _small_mlp()
    runs = [top_hessian_eigenvalue(model, loss_fn, max_hvps=8,
                                   generator=torch.Generator().manual_seed(s)) for s in (1, 1, 2)]
    assert runs[0] == runs[1] and runs[0].value != runs[2].value  # budget-limited: v0 matters


def test_training_with_and_without_the_probe_is_identical():
    def train(probe: bool):
        model, loss_fn = _messy()
        model.a.weight.grad = None
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        hook = SmoothnessProbe(model, loss_fn, kind="secant", every=2)
        for step in range(4):
            opt.zero_grad()
            loss_fn().backward()
            if probe:
                hook.before_step(step)
            opt.step()
            if probe:
                hook.after_step(step)
        return parameters_to_vector(model.parameters()).detach(), torch.get_rng_state()
    (a, ra), (b, rb) = train(False), train(True)
    assert torch.equal(a, b) and torch.equal(ra, rb)


# --------------------------------------------------------------------------- the hook
def test_smoothness_probe_rows_on_a_quadratic():
    model, loss_fn, A, y, _ = least_squares()
    n = A.shape[0]
    H = A.T @ A / n
    rows = []
    probe = SmoothnessProbe(model, loss_fn, kind="both", every=2, hvp="exact", tol=1e-7,
                            writer=rows.append)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(5):
        theta = parameters_to_vector(model.parameters()).detach().clone()
        opt.zero_grad()
        loss_fn().backward()
        probe.before_step(step)
        opt.step()
        row = probe.after_step(step)
        if step % 2:
            assert row is None
            continue
        d = parameters_to_vector(model.parameters()).detach() - theta
        assert row["step"] == step and row is rows[-1]
        assert row["grad_norm"] == pytest.approx(float((A.T @ (A @ theta - y) / n).norm()),
                                                 rel=SECANT_RTOL)
        assert row["update_norm"] == pytest.approx(float(d.norm()), rel=1e-12)
        assert row["smoothness"] == pytest.approx(float((H @ d).norm() / d.norm()),
                                                  rel=SECANT_RTOL)
        assert row["hessian_top_eig"] == pytest.approx(float(torch.linalg.eigvalsh(H)[-1]),
                                                       rel=1e-6)
        assert row["hessian_converged"] and 0 < row["n_hvps"] <= 30
        assert row["hessian_residual"] <= 1e-7 and row["hessian_hvp"] == "exact"
    assert [r["step"] for r in rows] == [0, 2, 4]


def test_smoothness_probe_zero_update_and_missing_before_step():
    model, loss_fn, *_ = least_squares()
    probe = SmoothnessProbe(model, loss_fn)
    probe.before_step(0)
    row = probe.after_step(0)  # no optimizer step: d = 0, no estimate rather than a crash
    assert row["smoothness"] is None and row["update_norm"] == 0.0
    assert row["hessian_top_eig"] is None and row["n_hvps"] is None
    assert row["hessian_converged"] is None and row["hessian_residual"] is None
    with pytest.raises(RuntimeError, match="before_step"):
        probe.after_step(1)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,match", [
    ({"tol": 0.0}, "tol"), ({"tol": -1e-3}, "tol"), ({"tol": float("nan")}, "tol"),
    ({"tol": 1.0}, "tol"), ({"tol": True}, "tol"),
    ({"hvp": "lanczos"}, "hvp"), ({"hvp": "Exact"}, "hvp"), ({"max_hvps": 0}, "max_hvps"),
    ({"max_hvps": 2.5}, "max_hvps"), ({"max_hvps": True}, "max_hvps"),
    ({"hvp": "finite-difference", "fd_step": 0.0}, "fd_step"),
    ({"hvp": "finite-difference", "fd_step": float("inf")}, "fd_step"),
    ({"basis": 1}, "basis"), ({"basis": 10.0}, "basis"),
])
def test_top_eigenvalue_rejects_bad_settings(kwargs, match):
    model, loss_fn, *_ = least_squares()
    with pytest.raises(ValueError, match=match):
        top_hessian_eigenvalue(model, loss_fn, **kwargs)


@pytest.mark.parametrize("gammas", [(), (0.0,), (1.5,), (-0.5,), (0.5, 2.0)])
def test_secant_rejects_gammas_outside_0_1(gammas):
    model, loss_fn, *_ = least_squares()
    theta = parameters_to_vector(model.parameters()).detach()
    with pytest.raises(ValueError, match="gammas"):
        secant_smoothness(model, loss_fn, theta, theta + 1.0, gammas=gammas)


def test_other_bad_inputs():
    model, loss_fn, *_ = least_squares()
    theta = parameters_to_vector(model.parameters()).detach()
    with pytest.raises(ValueError, match="d != 0"):
        secant_smoothness(model, loss_fn, theta, theta.clone())
    with pytest.raises(ValueError, match="flat tensor"):
        secant_smoothness(model, loss_fn, theta[:-1], theta[:-1] + 1)
    with pytest.raises(ValueError, match="scalar"):
        flat_grad(model, lambda: model.weight.sum(0))
    with pytest.raises(ValueError, match="callable"):
        flat_grad(model, [])
    with pytest.raises(ValueError, match="kind"):
        SmoothnessProbe(model, loss_fn, kind="curvature")
    with pytest.raises(ValueError, match="every"):
        SmoothnessProbe(model, loss_fn, every=0)
    with pytest.raises(ValueError, match="hvp"):
        hessian_vector_product(model, loss_fn, theta, hvp="forward")
    with pytest.raises(ValueError, match="hvp"):
        SmoothnessProbe(model, loss_fn, kind="hessian", hvp="forward")
    with pytest.raises(ValueError, match="flat tensor"):
        hessian_vector_product(model, loss_fn, theta[:-1])


def test_hook_reuses_a_given_gradient_with_the_same_row():
    """before_step(step, grad=∇f(θ_from)) saves a gradient and gives the same row."""
    torch.manual_seed(0)
    X, y = torch.randn(20, 4, dtype=torch.float64), torch.randn(20, dtype=torch.float64)
    model = torch.nn.Linear(4, 1).double()
    loss_fn = lambda: ((model(X).squeeze(1) - y) ** 2).mean()
    rows = []
    for given in (False, True):
        with torch.no_grad():
            for p in model.parameters():
                p.fill_(0.1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        opt.zero_grad()
        loss_fn().backward()
        grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
        probe = SmoothnessProbe(model, loss_fn)
        probe.before_step(0, grad=grad if given else None)
        opt.step()
        rows.append(probe.after_step(0))
    assert rows[0]["smoothness"] == pytest.approx(rows[1]["smoothness"], rel=1e-12)
    assert rows[0]["grad_norm"] == pytest.approx(rows[1]["grad_norm"], rel=1e-12)
    with pytest.raises(ValueError, match="grad"):
        SmoothnessProbe(model, loss_fn).before_step(0, grad=torch.zeros(3))
