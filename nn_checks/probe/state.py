"""Probe state handling: install a flat θ, take gradients, and restore parameters, ``.grad``,
mode, buffers and the global RNG exactly (the conventions of :mod:`nn_checks.probe`)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["LossFn", "flat_grad", "installed"]

LossFn = Callable[[], torch.Tensor] | Sequence[Callable[[], torch.Tensor]]

def _loss_fns(loss_fn: LossFn) -> list:
    fns = [loss_fn] if callable(loss_fn) else list(loss_fn)
    if not fns or not all(callable(f) for f in fns):
        raise ValueError("loss_fn must be a callable or a non-empty sequence of callables")
    return fns


def _write(params: Sequence[nn.Parameter], theta: torch.Tensor) -> None:
    """Copy the flat θ into the parameters' own storage (vector_to_parameters order)."""
    offset = 0
    with torch.no_grad():
        for p in params:
            k = p.numel()
            p.data.copy_(theta[offset:offset + k].reshape(p.shape))
            offset += k


class _Guard:
    """One probe's bookkeeping: original θ, buffers and RNG; restores all of them on exit."""

    def __init__(self, model: nn.Module, replay_rng=None):
        self.params = list(model.parameters())
        if not self.params:
            raise ValueError("model has no parameters")
        self.wrt = [p for p in self.params if p.requires_grad]
        if not self.wrt:
            raise ValueError("no parameter requires grad")
        self.mask = torch.cat([torch.full((p.numel(),), p.requires_grad, dtype=torch.bool,
                                          device=p.device) for p in self.params])
        self.n = self.mask.numel()
        self.cuda = sorted({p.device.index or 0 for p in self.params if p.device.type == "cuda"})
        self.entry_rng = self._rng()
        self.rng = self.entry_rng if replay_rng is None else replay_rng
        self.buffers = [(b, b.detach().clone()) for b in model.buffers()]
        self.theta0 = torch.cat([p.detach().reshape(-1) for p in self.params])  # one flat copy
        self.moved = False

    def _rng(self):
        return torch.get_rng_state(), [torch.cuda.get_rng_state(d) for d in self.cuda]

    def _set_rng(self, state) -> None:
        torch.set_rng_state(state[0])
        for d, s in zip(self.cuda, state[1]):
            torch.cuda.set_rng_state(s, d)

    def __enter__(self) -> _Guard:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        if self.moved:
            _write(self.params, self.theta0)
        with torch.no_grad():
            for b, saved in self.buffers:
                b.data.copy_(saved)
        self._set_rng(self.entry_rng)

    def check(self, theta: torch.Tensor, name: str) -> torch.Tensor:
        if not isinstance(theta, torch.Tensor) or theta.dim() != 1 or theta.numel() != self.n:
            raise ValueError(f"{name} must be a flat tensor of {self.n} entries "
                             "(parameters_to_vector order)")
        return theta.detach().to(self.theta0.device)

    def install(self, theta: torch.Tensor) -> None:
        _write(self.params, theta)
        self.moved = True

    def grads(self, fns, create_graph: bool = False) -> list:
        """Mean gradient of the loss_fns w.r.t. the trainable parameters, RNG replayed."""
        total = None
        for fn in fns:
            self._set_rng(self.rng)
            loss = fn()
            if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                raise ValueError("loss_fn must return a scalar tensor")
            if not loss.requires_grad:
                raise ValueError("the loss does not depend on any parameter that requires grad")
            gs = torch.autograd.grad(loss.reshape(()), self.wrt, create_graph=create_graph,
                                     allow_unused=True)
            gs = [torch.zeros_like(p) if g is None else g for g, p in zip(gs, self.wrt)]
            total = gs if total is None else [a + b for a, b in zip(total, gs)]
        return total if len(fns) == 1 else [g / len(fns) for g in total]

    def full(self, parts: Sequence[torch.Tensor]) -> torch.Tensor:
        """Trainable-parameter parts → flat vector over all parameters (zeros where frozen)."""
        it = iter(parts)
        return torch.cat([next(it).reshape(-1) if p.requires_grad
                          else torch.zeros(p.numel(), dtype=p.dtype, device=p.device)
                          for p in self.params])

    def flat_grad_at(self, fns, theta: torch.Tensor | None = None) -> torch.Tensor:
        if theta is not None:
            self.install(theta)
        return self.full([g.detach() for g in self.grads(fns)])


class installed:
    """Context manager: the model's parameters set to the flat θ inside, the originals after.

    ``with installed(model, theta): loss = loss_fn()``. Values are copied into the parameters'
    own storage (``vector_to_parameters`` order) and the original values -- kept as one flat
    vector, no deep copy -- are written back on exit, also when the block raises. Buffers and the
    global RNG are restored too; ``.grad``, ``requires_grad`` and train/eval mode are not touched.
    """

    def __init__(self, model: nn.Module, theta: torch.Tensor):
        self._model = model
        self._guard = _Guard(model)
        self._theta = self._guard.check(theta, "theta")

    def __enter__(self) -> nn.Module:
        self._guard.install(self._theta)
        return self._model

    def __exit__(self, *exc) -> None:
        self._guard.__exit__(*exc)


def flat_grad(model: nn.Module, loss_fn: LossFn) -> torch.Tensor:
    """∇f at the model's current parameters as one flat vector (parameters_to_vector order).

    Computed with ``torch.autograd.grad``: ``.grad`` is never read or written. Frozen parameters
    get zero entries. A sequence of loss_fns gives the mean gradient over them.
    """
    fns = _loss_fns(loss_fn)
    with _Guard(model) as g:
        return g.flat_grad_at(fns)
