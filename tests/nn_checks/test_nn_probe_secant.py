"""nn_checks.probe, the secant estimate ||∇f(θ+γd) − ∇f(θ)||/(γ||d||): on a float64 quadratic it
is ||Hd||/||d|| for every γ, a directional lower bound on ||∇²f|| equal to it along the top
eigenvector; the large-batch variant is the mean over the same batches; bad γs and other bad
inputs (to secant_smoothness, flat_grad, SmoothnessProbe, hessian_vector_product) are refused.
Tolerances: probe_helpers.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.utils import parameters_to_vector

from nn_checks.probe import (
    SmoothnessProbe,
    flat_grad,
    hessian_vector_product,
    secant_smoothness,
)
from probe_helpers import F64, SECANT_RTOL, least_squares


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
