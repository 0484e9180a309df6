"""nn_checks.probe, the Hessian probe: Hessian-vector products (exact and finite-difference)
against AᵀA/n; the Lanczos top eigenvalue against eigvalsh on least squares, on a quadratic whose
dominant eigenvalue is negative (found by magnitude) and on a small MLP (within 30 products); a
product budget that is too small gives a lower bound; on an LSTM with dropout the
finite-difference products agree with double backward in float64 and float32; bad settings are
refused. Tolerances: probe_helpers.py. The device Lanczos and the choice of product have their own
files: test_nn_probe_lanczos.py, test_nn_probe_hvp.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nn_checks.probe import (
    HVP_MODES,
    hessian_vector_product,
    top_hessian_eigenvalue,
)
from probe_helpers import F64, FD_RTOL, SECANT_RTOL, _small_mlp, least_squares


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
