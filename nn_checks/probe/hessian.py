r"""Hessian-vector products (exact or finite-difference) and the top |eigenvalue| by Lanczos.

Modes
-----
``"exact"``: double backward, ∇²f(θ)v = ∇_θ⟨∇f(θ), v⟩ (``torch.autograd.grad`` with
``create_graph=True``; one gradient graph reused by every product). It is the Hessian of the
function autograd differentiates: on a ReLU network, the Hessian of the smooth piece that holds θ
(the activation pattern held fixed).

``"finite-difference"``: the central difference of two gradients,

.. math:: D_r(u) = \frac{\nabla f(\theta + r u) - \nabla f(\theta - r u)}{2r}
          = \nabla^2 f(\theta)\,u + \frac{r^2}{6}\,\nabla^4 f(\theta)[u, u, u] + O(r^4)

for a unit vector u (v = ||v||·u). The only mode that works where double backward does not: RNNs
run by cuDNN ("Double backwards is not supported for CuDNN RNNs").

``"auto"`` (the default): ``"exact"`` wherever :func:`double_backward_supported`, else
``"finite-difference"``.

The finite-difference step
--------------------------
The error of D_r(u) is truncation (r²/6)·||∇⁴f[u,u,u]|| plus rounding ≈ ε_g / r, ε_g the absolute
rounding error of one computed gradient (≈ ε·Γ, ε the parameters' machine epsilon, Γ the size of
the terms summed into it). Write ℓ for the length over which the curvature along u changes by
O(1), so ||∇⁴f[u,u,u]|| ≈ λ/ℓ² with λ = ||∇²f u||; the relative error
r²/(6ℓ²) + ε_g/(λ r) is smallest at r* = (3 ε_g ℓ² / λ)^{1/3}, i.e. r* = c·ε^{1/3}·ℓ with c
depending only on the dimensionless ratios Γ/(λℓ) and ℓ/RMS(θ). The unit vector u moves each
coordinate it touches by up to r, so ℓ is the scale of a *coordinate*: the parameters' root mean
square RMS(θ) = ||θ||/√n, not ||θ||. The former rule r = ε^{1/3}(1 + ||θ||) is √n times too
large: a Lanczos vector concentrated on a few hundred LSTM biases moves each of them by O(1)
(smoke LSTM: top eigenvalue 3.6e-2 off while ARPACK reported convergence; with the residual test
below it is refused, residual 8e-2 after 200 products). The default is

.. math:: r = c\,\varepsilon^{1/3}\,\mathrm{RMS}(\theta_{\mathrm{trainable}}),
          \qquad c = \texttt{FD\_STEP\_FACTOR} = 10

(RMS taken as 1 when θ = 0). c was measured in float32, as the error of D_r(u) against the exact
product on the exact top eigenvector u: the smoke LSTM (1×32) is best at r/RMS ≈ 0.04 (error
3e-5), the cpu-preset LSTM (2×512) at r/RMS ≈ 0.3 (1.6e-5); rounding dominates below
r/RMS ≈ 1e-3 and truncation above ≈ 1; c = 10 (r/RMS ≈ 0.05) stays within 5x of both optima.
The top-eigenvalue error is far smaller than the vector error (its first-order perturbation is
uᵀ(D_r − H)u): 2e-5 on the smoke LSTM, see the README for the 2×512 LSTM. ``fd_step`` overrides
the rule.

ReLU networks
-------------
A gradient difference is not a Hessian product at any usable step. ∇f jumps where a
pre-activation changes sign; a step r that switches k units adds their jumps, divided by 2r, to
D_r(u). The exact product is ∇²f of the smooth piece holding θ (activation pattern fixed); D_r
equals it only for r below the distance to the nearest switch. Measured on ResNet20 (32 images of
1×28×28, float64, exact top eigenvector u): ||D_r u − ∇²f u|| / ||∇²f u|| = 1.5e-8 at r = 1e-7,
4e2 at r = 1e-6, 6 at 1e-4, 0.4 at 1e-2; in float32 no step resolves the first regime. The top
eigenvalue of the difference operator is then another quantity (0.22–0.28 away), and its
Lanczos residual check fails (it is not even a linear map), so ``converged`` is False.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nn_checks.probe.lanczos import BASIS, lanczos_top, work_dtype
from nn_checks.probe.state import LossFn, _Guard, _loss_fns

__all__ = ["FD_STEP_FACTOR", "HVP_CHOICES", "HVP_MODES", "EigenResult",
           "double_backward_supported", "finite_difference_step", "hessian_vector_product",
           "resolve_hvp", "top_hessian_eigenvalue"]

HVP_MODES = ("exact", "finite-difference")  # the two products; EigenResult.hvp is one of them
HVP_CHOICES = ("auto",) + HVP_MODES         # what the functions accept
FD_STEP_FACTOR = 10.0  # c in r = c·ε^{1/3}·RMS(θ); see the module docstring


@dataclass(frozen=True)
class EigenResult:
    """Largest-magnitude Hessian eigenvalue by Lanczos.

    Attributes
    ----------
    value : |λ| with λ the eigenvalue of largest magnitude = ||∇²f|| (the paper's smoothness).
        When not converged: the largest |Ritz value| (a Rayleigh quotient), a lower bound on
        ||∇²f|| for the exact product.
    signed_value : λ itself (negative where negative curvature dominates).
    n_hvps : Hessian-vector products spent (≤ max_hvps), the residual checks included.
    n_grads : gradient evaluations spent (exact: one per loss_fn, with graph; finite
        differences: two per loss_fn and product).
    converged : the measured relative residual ||Hy − λy|| / |λ| of the Ritz pair (λ, y) is
        ≤ tol; then an eigenvalue of H lies within tol·|λ| of λ. Never True on a budget stop
        that did not reach the tolerance.
    residual : that relative residual (measured with one extra product, or Lanczos's estimate
        when the budget left no product to measure it; inf after a non-finite product).
    tol : the tolerance used.
    hvp : the product used, ``"exact"`` or ``"finite-difference"`` (``"auto"`` resolved).
    fd_step : r of the finite differences (None for exact).
    """

    value: float
    signed_value: float
    n_hvps: int
    n_grads: int
    converged: bool
    tol: float
    hvp: str
    fd_step: float | None
    residual: float = math.inf


def _cudnn_rnn(module: nn.Module) -> bool:
    """Whether ``module`` is an RNN that torch would run with cuDNN now."""
    if not isinstance(module, nn.RNNBase) or not torch.backends.cudnn.enabled:
        return False
    if not torch.backends.cudnn.is_available():
        return False
    return any(p.is_cuda for p in module.parameters(recurse=False))


def double_backward_supported(model: nn.Module) -> bool:
    """False when the model holds an RNN (``nn.LSTM``, ``nn.GRU``, ``nn.RNN``) that runs under
    cuDNN -- its parameters on a CUDA device and ``torch.backends.cudnn.enabled`` -- where a
    second backward pass fails ("Double backwards is not supported for CuDNN RNNs"); True
    otherwise. Read at call time: inside ``torch.backends.cudnn.flags(enabled=False)`` the same
    model gives True."""
    return not any(_cudnn_rnn(m) for m in model.modules())


def resolve_hvp(model: nn.Module, hvp: str) -> str:
    """The product to use: ``"auto"`` → exact where double backward works, else
    finite differences; an explicit ``"exact"`` on a cuDNN RNN is refused.

    Raises
    ------
    ValueError
        Unknown mode, or ``hvp="exact"`` on a model with a cuDNN RNN.
    """
    if hvp not in HVP_CHOICES:
        raise ValueError(f"hvp must be one of {HVP_CHOICES}, got {hvp!r}")
    supported = double_backward_supported(model)
    if hvp == "auto":
        return "exact" if supported else "finite-difference"
    if hvp == "exact" and not supported:
        raise ValueError("hvp='exact' needs double backward, which cuDNN RNNs do not support: "
                         "use hvp='auto' or 'finite-difference', or disable cuDNN "
                         "(torch.backends.cudnn.flags(enabled=False))")
    return hvp


def _check_fd_step(fd_step) -> None:
    if fd_step is not None and not (isinstance(fd_step, (int, float))
                                    and math.isfinite(fd_step) and fd_step > 0):
        raise ValueError(f"fd_step must be a finite positive number, got {fd_step}")


def _default_step(theta: torch.Tensor, mask: torch.Tensor, dtype: torch.dtype) -> float:
    """c·ε^{1/3}·RMS(θ_trainable), RMS taken as 1 when θ = 0 (see the module docstring)."""
    t = theta[mask].double()
    rms = float(torch.linalg.vector_norm(t)) / math.sqrt(max(1, t.numel()))
    scale = rms if rms > 0 and math.isfinite(rms) else 1.0
    return FD_STEP_FACTOR * torch.finfo(dtype).eps ** (1.0 / 3.0) * scale


def finite_difference_step(model: nn.Module) -> float:
    """The default step r of the finite-difference product at the model's current parameters:
    ``FD_STEP_FACTOR``·ε^{1/3}·RMS(θ) over the trainable parameters (ε of their dtype)."""
    with _Guard(model) as g:
        return _default_step(g.theta0, g.mask, g.theta0.dtype)


def _operator(g: _Guard, fns, mode: str, fd_step):
    """Hessian-vector product on the trainable coordinates, on the parameters' device.

    Returns (matvec, r, counter): matvec maps a flat vector of the trainable coordinates (any
    float dtype, on the parameters' device) to H·v in the Lanczos working dtype; counter() gives
    the gradient evaluations so far.
    """
    sizes = [p.numel() for p in g.wrt]
    dtype, device = g.theta0.dtype, g.theta0.device
    work = work_dtype(device)
    spent = [0]
    if mode == "exact":
        grads = g.grads(fns, create_graph=True)  # one graph, reused by every product
        spent[0] += len(fns)
        live = [i for i, x in enumerate(grads) if x.requires_grad]

        def matvec(u: torch.Tensor) -> torch.Tensor:
            if not live:  # the gradient does not depend on θ: H = 0
                return torch.zeros(u.shape, dtype=work, device=device)
            parts = [x.reshape(p.shape).to(p.dtype) for x, p in
                     zip(torch.split(u.to(device), sizes), g.wrt)]
            out = torch.autograd.grad([grads[i] for i in live], g.wrt,
                                      grad_outputs=[parts[i] for i in live],
                                      retain_graph=True, allow_unused=True)
            out = [torch.zeros_like(p) if o is None else o for o, p in zip(out, g.wrt)]
            return torch.cat([o.detach().reshape(-1).to(work) for o in out])
        return matvec, None, lambda: spent[0]

    r = _default_step(g.theta0, g.mask, dtype) if fd_step is None else float(fd_step)
    theta0 = g.theta0.to(work)

    def matvec(u: torch.Tensor) -> torch.Tensor:
        u = u.to(device=device, dtype=work)
        norm = float(torch.linalg.vector_norm(u))
        if norm == 0.0:
            return torch.zeros_like(u)
        step = torch.zeros(g.n, dtype=work, device=device)
        step[g.mask] = u * (r / norm)
        plus = g.flat_grad_at(fns, (theta0 + step).to(dtype))[g.mask].to(work)
        minus = g.flat_grad_at(fns, (theta0 - step).to(dtype))[g.mask].to(work)
        spent[0] += 2 * len(fns)
        return (plus - minus) * (norm / (2.0 * r))
    return matvec, r, lambda: spent[0]


def hessian_vector_product(model: nn.Module, loss_fn: LossFn, v: torch.Tensor, *,
                           hvp: str = "auto", fd_step: float | None = None) -> torch.Tensor:
    r"""∇²f(θ) v at the current parameters (flat, parameters_to_vector order).

    ``hvp``: ``"auto"`` (exact where double backward works), ``"exact"`` or
    ``"finite-difference"`` -- see the module docstring for the modes and the default step r =
    ``FD_STEP_FACTOR``·ε^{1/3}·RMS(θ) (``fd_step`` overrides it). Frozen coordinates of v are
    ignored and zero in the result, which has the parameters' dtype and device.

    Raises
    ------
    ValueError
        Unknown mode, ``"exact"`` on a cuDNN RNN, a bad ``fd_step``, v of the wrong length.
    """
    mode = resolve_hvp(model, hvp)
    _check_fd_step(fd_step)
    fns = _loss_fns(loss_fn)
    with _Guard(model) as g:
        v = g.check(v, "v")
        matvec, _, _ = _operator(g, fns, mode, fd_step)
        out = matvec(v[g.mask])
        full = torch.zeros(g.n, dtype=out.dtype, device=g.theta0.device)
        full[g.mask] = out
        return full.to(g.theta0.dtype)


def _top_eig(g: _Guard, fns, mode: str, tol: float, max_hvps: int,
             generator: torch.Generator, fd_step, basis: int = BASIS) -> EigenResult:
    matvec, r, spent = _operator(g, fns, mode, fd_step)
    n = int(g.mask.sum())
    res = lanczos_top(matvec, n, tol=tol, max_products=max_hvps, generator=generator,
                      device=g.theta0.device, basis=basis)
    lam = res.value
    return EigenResult(value=abs(lam), signed_value=lam, n_hvps=res.n_products,
                       n_grads=spent(), converged=res.converged, tol=tol, hvp=mode,
                       fd_step=r, residual=res.residual)


def _check_eig_args(hvp, tol, max_hvps, fd_step) -> None:
    if hvp not in HVP_CHOICES:
        raise ValueError(f"hvp must be one of {HVP_CHOICES}, got {hvp!r}")
    _check_fd_step(fd_step)
    if not (isinstance(tol, (int, float)) and not isinstance(tol, bool)
            and math.isfinite(tol) and 0 < tol < 1):
        raise ValueError(f"tol must be a finite number in (0, 1), got {tol}")
    if not (isinstance(max_hvps, int) and not isinstance(max_hvps, bool) and max_hvps >= 1):
        raise ValueError(f"max_hvps must be an integer >= 1, got {max_hvps}")


def top_hessian_eigenvalue(model: nn.Module, loss_fn: LossFn, *, hvp: str = "auto",
                           tol: float = 1e-3, max_hvps: int = 100,
                           generator: torch.Generator | None = None,
                           fd_step: float | None = None, basis: int = BASIS) -> EigenResult:
    r"""||∇²f(θ)|| = max |λ_i| at the current parameters, by Lanczos on Hessian-vector products.

    Thick-restart Lanczos with full reorthogonalisation on the parameters' device
    (:func:`nn_checks.probe.lanczos.lanczos_top`; ``basis`` vectors, float64 where the device
    has it), for the eigenvalue of largest *magnitude*: the paper's smoothness is the operator
    norm, and the largest algebraic eigenvalue would miss a dominant negative curvature. The
    first residual check waits for a full basis, so a run costs at least min(n, basis) + 1
    products.

    Parameters
    ----------
    hvp : ``"auto"`` (exact where :func:`double_backward_supported`, else finite differences),
        ``"exact"`` (refused on cuDNN RNNs) or ``"finite-difference"``.
    tol : relative residual to reach, in (0, 1): ``converged`` means ||Hy − λy|| ≤ tol·|λ| for
        the reported pair, measured with one more product.
    max_hvps : budget of products; a run that spends it without reaching tol reports
        ``converged=False`` and a lower bound (the largest |Ritz value|).
    generator : source of the random start vector (default: a fresh CPU generator seeded 0); the
        global RNG is never consumed.
    fd_step : the finite-difference step r (default: see the module docstring).
    basis : Lanczos vectors held on the device ((basis + 1)·n float64 numbers).

    Raises
    ------
    ValueError
        Unknown mode, ``"exact"`` on a cuDNN RNN, tol outside (0, 1), max_hvps < 1, bad fd_step
        or basis.
    """
    _check_eig_args(hvp, tol, max_hvps, fd_step)
    if not (isinstance(basis, int) and not isinstance(basis, bool) and basis >= 2):
        raise ValueError(f"basis must be an integer >= 2, got {basis}")
    mode = resolve_hvp(model, hvp)
    fns = _loss_fns(loss_fn)
    generator = torch.Generator().manual_seed(0) if generator is None else generator
    with _Guard(model) as g:
        return _top_eig(g, fns, mode, float(tol), max_hvps, generator, fd_step, basis)
