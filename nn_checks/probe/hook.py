"""The training-loop hook :class:`SmoothnessProbe`: one row per probed step."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from nn_checks.probe.hessian import _check_eig_args, _top_eig, resolve_hvp
from nn_checks.probe.secant import _check_gammas, _secant
from nn_checks.probe.state import LossFn, _Guard, _loss_fns

__all__ = ["PROBE_KINDS", "SmoothnessProbe"]

PROBE_KINDS = ("secant", "hessian", "both")

class SmoothnessProbe:
    """Hook around the optimizer step: one row per probed step.

    ::

        probe = SmoothnessProbe(model, lambda: criterion(model(xp), yp), kind="both", every=10,
                                writer=rows.append)
        for step, (x, y) in enumerate(loader):
            opt.zero_grad(); criterion(model(x), y).backward()
            probe.before_step(step)          # θ_from, ∇f(θ_from) [, ||∇²f(θ_from)||]
            opt.step()
            probe.after_step(step)           # secant along the update actually taken → row

    ``loss_fn`` (or a sequence of them) gives the probe loss at the current parameters; its batch
    is the probe batch (fixed, or the current one if the closure reads it -- it must not change
    between ``before_step`` and ``after_step``). ``kind``: ``"secant"``, ``"hessian"`` or
    ``"both"``; steps with ``step % every == 0`` are probed. The Hessian is taken at θ_from so it
    pairs with ``grad_norm``; ``hvp``, ``tol``, ``max_hvps``, ``fd_step`` are those of
    :func:`~nn_checks.probe.hessian.top_hessian_eigenvalue` (``hvp="auto"``: exact products
    wherever double backward works, finite differences on cuDNN RNNs; resolved when the Hessian
    probe runs, so a model moved to the GPU later is handled; an explicit ``"exact"`` on a cuDNN
    RNN is refused there and at construction). ``after_step`` replays the RNG state recorded by
    ``before_step``, so all gradients of one probed step see the same dropout masks. Row keys:
    step, grad_norm, smoothness (secant; None when not measured or d = 0), hessian_top_eig,
    hessian_converged (the Lanczos residual check passed), hessian_residual (relative
    residual), hessian_hvp (the product used), n_hvps (the last four None without a Hessian
    probe), update_norm.
    """

    def __init__(self, model: nn.Module, loss_fn: LossFn, *, kind: str = "secant",
                 every: int = 1, gammas: Sequence[float] = (0.5,),
                 hvp: str = "auto", tol: float = 1e-3, max_hvps: int = 100,
                 fd_step: float | None = None, generator: torch.Generator | None = None,
                 writer: Callable[[dict], object] | None = None):
        if kind not in PROBE_KINDS:
            raise ValueError(f"kind must be one of {PROBE_KINDS}, got {kind!r}")
        if not (isinstance(every, int) and every >= 1):
            raise ValueError(f"every must be an integer >= 1, got {every}")
        _check_eig_args(hvp, tol, max_hvps, fd_step)
        if kind in ("hessian", "both"):
            resolve_hvp(model, hvp)  # refuse "exact" on a cuDNN RNN up front
        self.model, self.fns, self.kind, self.every = model, _loss_fns(loss_fn), kind, every
        self.gammas = _check_gammas(gammas)
        self.hvp, self.tol, self.max_hvps, self.fd_step = hvp, float(tol), max_hvps, fd_step
        self.generator = torch.Generator().manual_seed(0) if generator is None else generator
        self.writer = writer
        self._pending = None

    def scheduled(self, step: int) -> bool:
        return step % self.every == 0

    def before_step(self, step: int, grad: torch.Tensor | None = None) -> None:
        """Record θ_from, ∇f(θ_from) and the RNG state (and the Hessian probe) if scheduled.

        ``grad``: the flat gradient the training step already computed at θ_from on the probe's
        batch with the same dropout masks (before clipping), in ``parameters_to_vector`` order;
        it saves one gradient per probed step. Without it the probe computes ∇f(θ_from) itself.
        """
        self._pending = None
        if not self.scheduled(step):
            return
        with _Guard(self.model) as g:
            if grad is not None:
                grad = g.check(grad.detach().clone(), "grad")
            else:
                grad = g.flat_grad_at(self.fns)
            eig = None
            if self.kind in ("hessian", "both"):
                eig = _top_eig(g, self.fns, resolve_hvp(self.model, self.hvp), self.tol,
                               self.max_hvps, self.generator, self.fd_step)
            self._pending = (step, g.theta0, grad, g.entry_rng, eig)

    def after_step(self, step: int) -> dict | None:
        """The row for a probed step (also passed to ``writer``); None when not scheduled."""
        if not self.scheduled(step):
            return None
        if self._pending is None or self._pending[0] != step:
            raise RuntimeError(f"after_step({step}) without a matching before_step({step})")
        _, theta_from, grad, rng, eig = self._pending
        self._pending = None
        with _Guard(self.model, replay_rng=rng) as g:
            d = g.theta0 - theta_from
            update_norm = float(torch.linalg.vector_norm(d.double()))
            smoothness = None
            if self.kind in ("secant", "both") and update_norm > 0:
                smoothness = _secant(g, self.fns, theta_from, d, self.gammas, grad).value
        row = {"step": step, "grad_norm": float(torch.linalg.vector_norm(grad.double())),
               "smoothness": smoothness,
               "hessian_top_eig": None if eig is None else eig.value,
               "hessian_converged": None if eig is None else eig.converged,
               "hessian_residual": None if eig is None else eig.residual,
               "hessian_hvp": None if eig is None else eig.hvp,
               "n_hvps": None if eig is None else eig.n_hvps, "update_norm": update_norm}
        if self.writer is not None:
            self.writer(row)
        return row
