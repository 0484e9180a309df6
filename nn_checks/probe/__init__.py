"""Smoothness probes to drop into a training loop: the secant estimate along the update taken and
the top Hessian eigenvalue (docs/statements.md §6 and §8 item 5; the README's "nn_checks" section).

The paper's local smoothness at θ is ||∇²f(θ)|| (operator norm: the largest *absolute*
eigenvalue). Two estimators:

* :func:`secant_smoothness` -- the paper's estimator (Appendix H [reconstructed]) along the update
  d = θ_to − θ_from: max over γ of ||∇f(θ_from + γd) − ∇f(θ_from)|| / ||γd||. A *directional*
  lower bound on ||∇²f|| (between the two points); never plot it on the λ_max axis unlabelled.
* :func:`top_hessian_eigenvalue` -- thick-restart Lanczos with full reorthogonalisation, run with
  torch tensors on the parameters' device (float64 where the device has it), for the eigenvalue
  of largest magnitude, on Hessian-vector products: exact (double backward; the default,
  ``hvp="auto"``, wherever :func:`double_backward_supported`) or central gradient differences
  (chosen automatically for RNNs run by cuDNN, where double backward fails; step
  r = c·ε^{1/3}·RMS(θ)). ``converged`` means the Ritz pair's measured residual
  ||Hy − λy|| ≤ tol·|λ|; a budget stop is not converged and reports a lower bound. On ReLU
  networks a gradient difference is not a Hessian product at any step (it sees the activation
  pattern change); the exact product is the Hessian of the current smooth piece.

Conventions shared by every probe
---------------------------------
* θ is a flat vector over all ``model.parameters()`` in ``parameters_to_vector`` order (tied
  weights once). Gradients are taken with respect to the parameters that require grad; frozen
  parameters are constants of f: their gradient entries are zero and the Hessian operator acts on
  the trainable coordinates only.
* ``loss_fn()`` returns the scalar loss at the model's *current* parameters; the probe installs
  the θ it needs and calls it. A sequence of callables means the mean loss over those batches
  (the authors' large-batch variant done correctly: every gradient of one probe is the mean over
  the same batches, on the same scale as the reported gradient norm). The batch policy is the
  closure's: a fixed probe batch, or the current training batch if the closure reads it.
* State. A probe leaves the parameters bitwise as found (the original values are kept as one flat
  vector -- no deep copy of the model -- and written back into the original storage, so cuDNN's
  flat weight buffer survives; writes go through ``.data`` so no autograd version counter moves
  and a graph the user built before the probe stays usable), never touches ``.grad`` (only
  ``torch.autograd.grad``), never changes ``requires_grad`` or train/eval mode, and restores the
  module buffers (BatchNorm running statistics) that a forward pass in train mode updates.
* Mode and randomness. The probe evaluates f in the mode it finds: in train mode with dropout, f
  is the loss with dropout -- the user's loss_fn decides (call ``model.eval()`` yourself, or fix
  the dropout seed inside loss_fn, for another choice). The global torch RNG (CPU, and CUDA on the
  parameters' devices) is reset to the state found at probe entry before *every* evaluation of
  loss_fn and left as found afterwards: all gradients of one probe see the same dropout masks
  (the secant numerator and the finite-difference products carry no sampling noise), and training
  draws the same random numbers with or without the probe. The only randomness a probe consumes
  is Lanczos's start vector, drawn from its ``generator`` argument (a fresh
  ``torch.Generator`` seeded 0 when None). cuDNN's own RNN dropout state is outside this control.

Modules: :mod:`~nn_checks.probe.state` (the guard that restores everything),
:mod:`~nn_checks.probe.secant`, :mod:`~nn_checks.probe.hessian` (products, step rule, modes),
:mod:`~nn_checks.probe.lanczos` (the device Lanczos), :mod:`~nn_checks.probe.hook`.
The probes import torch only; scipy's ``eigsh`` serves as the tests' reference.
"""
from __future__ import annotations

from nn_checks.probe.hessian import (
    FD_STEP_FACTOR,
    HVP_CHOICES,
    HVP_MODES,
    EigenResult,
    double_backward_supported,
    finite_difference_step,
    hessian_vector_product,
    resolve_hvp,
    top_hessian_eigenvalue,
)
from nn_checks.probe.hook import PROBE_KINDS, SmoothnessProbe
from nn_checks.probe.lanczos import LanczosResult, lanczos_top
from nn_checks.probe.secant import SecantResult, secant_smoothness
from nn_checks.probe.state import flat_grad, installed

__all__ = [
    "FD_STEP_FACTOR",
    "HVP_CHOICES",
    "HVP_MODES",
    "PROBE_KINDS",
    "EigenResult",
    "LanczosResult",
    "SecantResult",
    "SmoothnessProbe",
    "double_backward_supported",
    "finite_difference_step",
    "flat_grad",
    "hessian_vector_product",
    "installed",
    "lanczos_top",
    "resolve_hvp",
    "secant_smoothness",
    "top_hessian_eigenvalue",
]
