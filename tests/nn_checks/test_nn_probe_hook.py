"""nn_checks.probe, the guarantees of the probes and of the SmoothnessProbe hook: every probe
leaves the model's parameters (bitwise, same storage and version), gradients, train/eval modes,
buffers and the global RNG as it found them, even on error; a probe's randomness comes from its
own generator only; training with and without the hook is identical. The hook's rows on a
quadratic match the closed form; a zero update gives no estimate, a missing before_step is
refused; a given gradient gives the same row. Tolerances: probe_helpers.py."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector

from nn_checks.probe import (
    SmoothnessProbe,
    flat_grad,
    hessian_vector_product,
    installed,
    secant_smoothness,
    top_hessian_eigenvalue,
)
from probe_helpers import SECANT_RTOL, _small_mlp, least_squares


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
