"""What the probe tests (test_nn_probe_secant.py, test_nn_probe_hessian.py,
test_nn_probe_hook.py) share: least squares in float64, whose Hessian AᵀA/n is known in closed
form, a small tanh MLP, and the tolerances.

Tolerances: a float64 quadratic's gradient is affine in θ, so the secant estimate and exact
Hessian-vector products agree with the closed form to rounding (ROUNDING_RTOL with the
cancellation of a gradient difference: SECANT_RTOL = 1e-8); Lanczos is asked for tol = 1e-7
where 1e-6 is checked (a measured residual ||Hy − λy|| ≤ tol·|λ| puts an eigenvalue within
tol·|λ|); finite differences are held to FD_RTOL = 1e-3 relative (the README's target; measured
~1e-10 in float64 and ~2e-5 in float32).
"""
from __future__ import annotations

import torch
from torch import nn

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


def _small_mlp():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    x, y = torch.randn(32, 4, dtype=F64), torch.randn(32, 1, dtype=F64)
    return model, (lambda: ((model(x) - y) ** 2).mean())
