"""Smoothness probes to drop into a training loop: the secant estimate along the update taken and
the top Hessian eigenvalue (paper.md §6).

The paper's local smoothness at θ is ||∇²f(θ)|| (operator norm: the largest *absolute*
eigenvalue). Two estimators:

* :func:`secant_smoothness` -- the paper's estimator (Appendix H [reconstructed]) along the update
  d = θ_to − θ_from: max over γ of ||∇f(θ_from + γd) − ∇f(θ_from)|| / ||γd||. A *directional*
  lower bound on ||∇²f|| (between the two points); never plot it on the λ_max axis unlabelled.
* :func:`top_hessian_eigenvalue` -- Lanczos (scipy's ``eigsh``, ``which="LM"``) on Hessian-vector
  products, exact (double backward) or from gradient differences (works on cuDNN LSTMs, where
  double backward fails: environment.md).

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
:mod:`~nn_checks.probe.secant`, :mod:`~nn_checks.probe.hessian`, :mod:`~nn_checks.probe.hook`.

Import table: style.md lists torch and numpy for ``nn_checks``; issue 4 explicitly asks for
Lanczos through scipy's ``eigsh`` on a ``LinearOperator`` (ARPACK's implicitly restarted
Lanczos with a convergence test), so this module also imports scipy and tests/test_layering.py
allows it for nn_checks.
"""
from __future__ import annotations

from nn_checks.probe.hessian import (
                                     HVP_MODES,
                                     EigenResult,
                                     hessian_vector_product,
                                     top_hessian_eigenvalue,
)
from nn_checks.probe.hook import PROBE_KINDS, SmoothnessProbe
from nn_checks.probe.secant import SecantResult, secant_smoothness
from nn_checks.probe.state import flat_grad, installed

__all__ = [
    "HVP_MODES",
    "PROBE_KINDS",
    "EigenResult",
    "SecantResult",
    "SmoothnessProbe",
    "flat_grad",
    "hessian_vector_product",
    "installed",
    "secant_smoothness",
    "top_hessian_eigenvalue",
]
