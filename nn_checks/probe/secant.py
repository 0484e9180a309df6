"""The paper's secant smoothness estimate along the update (Appendix H [reconstructed]).

The formula and its status are those of docs/statements.md §6, "Smoothness estimator"; the
authors' released estimator and its defects are §7, where this one differs on purpose §8 item 1.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from nn_checks.probe.state import LossFn, _Guard, _loss_fns

__all__ = ["SecantResult", "secant_smoothness"]

@dataclass(frozen=True)
class SecantResult:
    """The paper's secant smoothness estimate along d = θ_to − θ_from.

    Attributes
    ----------
    value : max over γ of ``per_gamma`` -- a directional lower bound on sup ||∇²f|| on the segment.
    per_gamma : ((γ, ||∇f(θ_from + γd) − ∇f(θ_from)|| / ||γd||), ...) in the order given.
    grad_norm : ||∇f(θ_from)||, same loss_fn hence same batch, mode and scale as the numerator.
    update_norm : ||d||.
    n_grads : gradient evaluations spent (1 + len(gammas), or len(gammas) with a given gradient).
    """

    value: float
    per_gamma: tuple
    grad_norm: float
    update_norm: float
    n_grads: int


def _check_gammas(gammas) -> tuple:
    gammas = tuple(float(x) for x in gammas)
    if not gammas or not all(0.0 < x <= 1.0 for x in gammas):
        raise ValueError(f"gammas must be a non-empty sequence in (0, 1], got {gammas}")
    return gammas


def _secant(g: _Guard, fns, theta_from, d, gammas, grad_from=None) -> SecantResult:
    dnorm = float(torch.linalg.vector_norm(d.double()))
    if dnorm == 0.0:
        raise ValueError("theta_to equals theta_from: the secant estimate needs d != 0")
    n_grads = 0
    if grad_from is None:
        grad_from = g.flat_grad_at(fns, theta_from)
        n_grads += 1
    g0 = grad_from.double()
    per = []
    for gamma in gammas:
        gg = g.flat_grad_at(fns, theta_from + gamma * d).double()
        n_grads += 1
        per.append((gamma, float(torch.linalg.vector_norm(gg - g0)) / (gamma * dnorm)))
    return SecantResult(value=max(v for _, v in per), per_gamma=tuple(per),
                        grad_norm=float(torch.linalg.vector_norm(g0)), update_norm=dnorm,
                        n_grads=n_grads)


def secant_smoothness(model: nn.Module, loss_fn: LossFn, theta_from: torch.Tensor,
                      theta_to: torch.Tensor, gammas: Sequence[float] = (0.5,)) -> SecantResult:
    r"""Secant estimate of local smoothness along an update (docs/statements.md §6, Appendix H).

    .. math:: \hat L = \max_{\gamma} \frac{\|\nabla f(\theta_0 + \gamma d) - \nabla f(\theta_0)\|}
              {\|\gamma d\|}, \qquad d = \theta_1 - \theta_0 .

    Both gradients come from the same ``loss_fn`` (same batch, same mode, same averaging) with the
    RNG replayed, so the numerator is on the scale of the reported ``grad_norm``. For a quadratic
    with Hessian H every γ gives ||Hd||/||d||.

    Parameters
    ----------
    theta_from, theta_to : flat tensors in ``parameters_to_vector`` order.
    gammas : points of the grid, each in (0, 1] (the authors' code: one point, 1/2;
        docs/statements.md §7).

    Raises
    ------
    ValueError
        d = 0, a γ outside (0, 1], θ of the wrong length, loss_fn not scalar.
    """
    gammas = _check_gammas(gammas)
    fns = _loss_fns(loss_fn)
    with _Guard(model) as g:
        a = g.check(theta_from, "theta_from")
        b = g.check(theta_to, "theta_to")
        return _secant(g, fns, a, b - a, gammas)
