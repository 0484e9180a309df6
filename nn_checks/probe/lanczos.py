r"""Lanczos for the eigenvalue of largest magnitude, on the device of the vectors it is given.

Thick-restart Lanczos (Wu & Simon 2000) with full reorthogonalisation on a small basis, written
with torch tensors so that the basis never leaves the parameters' device (float64 where the
device has it). For a symmetric operator H and an orthonormal basis V_m = [v_0 … v_{m−1}] of a
Krylov space, H V_m = V_m T_m + β_m v_m e_{m−1}^T with T_m = V_m^T H V_m; a Ritz pair (θ, y =
V_m s) of T_m has the residual ||H y − θ y|| = |β_m s_{m−1}| (the *estimate*). When the estimate
falls to tol·|θ| the pair is checked with one more product: the *measured* residual
||H y − ρ y||, ρ = yᵀHy the Rayleigh quotient. ``converged`` means exactly that measured
relative residual ≤ tol. For symmetric H it implies an eigenvalue λ of H with
|ρ − λ| ≤ ||H y − ρ y|| ≤ tol·|ρ| (Krylov–Bogoliubov bound). That λ is the largest in magnitude
cannot be certified by any residual; from a random start, with the first check only after a
full basis (``min_steps``), it is unless the top eigenvector is nearly orthogonal to the start.

A Ritz value is a Rayleigh quotient, so |θ| ≤ ||H|| whatever the basis: a run that spends its
product budget without a measured residual ≤ tol reports a lower bound on ||H|| and
``converged = False``.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["LanczosResult", "lanczos_top", "work_dtype"]

BASIS = 20       # Lanczos vectors kept on the device (ARPACK's default ncv for one eigenvalue)
KEEP = 6         # Ritz vectors kept through a thick restart (the largest |θ|)
BREAKDOWN = 1e-12  # β below this fraction of max |θ|: the Krylov space is invariant


@dataclass(frozen=True)
class LanczosResult:
    """Outcome of :func:`lanczos_top`.

    Attributes
    ----------
    value : the Ritz value / Rayleigh quotient of largest magnitude found (signed).
    vector : its unit Ritz vector (on the device, in the working dtype).
    residual : relative residual ||H y − value·y|| / |value| -- measured with one product when
        ``measured``, else Lanczos's estimate |β_m s_{m−1}| / |value| (inf when value is 0 and the
        residual is not, or when a product was not finite).
    n_products : products of H spent (≤ the budget), verification products included.
    converged : a measured residual ≤ tol.
    measured : whether ``residual`` comes from an extra product.
    """

    value: float
    vector: torch.Tensor
    residual: float
    n_products: int
    converged: bool
    measured: bool


def work_dtype(device: torch.device) -> torch.dtype:
    """float64 for the Lanczos basis, except on devices without it (Apple ``mps``): float32."""
    return torch.float32 if torch.device(device).type == "mps" else torch.float64


def _relative(res: float, value: float) -> float:
    if res == 0.0:
        return 0.0
    return res / abs(value) if value != 0.0 else math.inf


def _random_unit(n: int, V: torch.Tensor, m: int, generator: torch.Generator) -> torch.Tensor:
    """A random unit vector orthogonal to V[:m] (drawn from ``generator``, moved to V's device)."""
    v = torch.randn(n, generator=generator, dtype=torch.float64,
                    device=generator.device).to(device=V.device, dtype=V.dtype)
    for _ in range(2):
        if m:
            v = v - V[:m].T @ (V[:m] @ v)
    return v / torch.linalg.vector_norm(v)


def lanczos_top(matvec: Callable[[torch.Tensor], torch.Tensor], n: int, *, tol: float,
                max_products: int, generator: torch.Generator, device: torch.device,
                basis: int = BASIS, keep: int = KEEP,
                min_steps: int | None = None) -> LanczosResult:
    r"""Eigenvalue of largest magnitude of a symmetric operator given by ``matvec``.

    Parameters
    ----------
    matvec : y = H x for a flat tensor x of ``n`` entries in the working dtype on ``device``;
        returns a tensor of the same shape (any dtype, moved to ``device``).
    n : dimension (≥ 1).
    tol : relative residual to reach (> 0).
    max_products : budget of products (≥ 1), the verification products included.
    generator : source of the random start vector (and of restart vectors after a breakdown).
    device : where the basis lives; the working dtype is :func:`work_dtype` of it.
    basis : Lanczos vectors held (memory: (basis + 1)·n numbers on the device).
    keep : Ritz vectors of largest |θ| kept through a restart (< basis).
    min_steps : Krylov dimension reached before a residual is first measured (default: the
        basis size, as ARPACK does). A small residual only says that θ is close to *some*
        eigenvalue; an isolated eigenvalue at one end of the spectrum converges first even when
        a cluster at the other end is larger in magnitude (measured: a start-of-run check
        accepts −0.98 after 9 products when the top eigenvalues are 1 and 0.99), so the
        first check waits until the basis had the chance to resolve both ends.

    Returns
    -------
    LanczosResult
        Stops at the first measured residual ≤ tol (converged) or when the budget is spent.
        The last product of the budget is spent on measuring the residual of the current best
        Ritz pair, so a budget stop reports a measured residual (unless max_products = 1, where
        the estimate for one vector is the residual itself).
    """
    device = torch.device(device)
    dtype = work_dtype(device)
    basis = max(1, min(basis, n))
    keep = max(0, min(keep, basis - 1))
    min_steps = basis if min_steps is None else max(1, min(min_steps, n))
    steps = 0  # Krylov dimension built so far (restarts included)
    V = torch.zeros(basis + 1, n, dtype=dtype, device=device)
    T = torch.zeros(basis, basis, dtype=torch.float64)  # V^T H V; its upper triangle is used
    V[0] = _random_unit(n, V, 0, generator)
    m = count = 0
    verify_below = tol  # an estimate at or below this triggers a measured residual

    def ritz():
        theta, S = torch.linalg.eigh(torch.triu(T[:m, :m]) + torch.triu(T[:m, :m], 1).T)
        i = int(torch.argmax(theta.abs()))
        return theta, S, i

    def measure(S, i) -> LanczosResult:
        nonlocal count
        y = S[:, i].to(device=device, dtype=dtype) @ V[:m]
        y = y / torch.linalg.vector_norm(y)
        hy = matvec(y).to(device=device, dtype=dtype)
        count += 1
        if not bool(torch.isfinite(hy).all()):
            return LanczosResult(math.nan, y, math.inf, count, False, True)
        rho = float(y @ hy)
        rel = _relative(float(torch.linalg.vector_norm(hy - rho * y)), rho)
        return LanczosResult(rho, y, rel, count, rel <= tol, True)

    last: LanczosResult | None = None
    while count < max_products:
        if count == max_products - 1 and m > 0:  # the budget's last product measures the best
            if last is not None and last.measured:
                return last  # measured just now: a second product would repeat it
            theta, S, i = ritz()
            got = measure(S, i)
            return got if math.isfinite(got.value) else _failed(last, count)
        w = matvec(V[m]).to(device=device, dtype=dtype)
        count += 1
        if not bool(torch.isfinite(w).all()):
            return _failed(last, count, V[0])
        for _ in range(2):  # classical Gram-Schmidt twice: orthogonal to working precision
            h = V[:m + 1] @ w
            w = w - V[:m + 1].T @ h
            T[:m + 1, m] += h.to(device="cpu", dtype=torch.float64)
        m += 1
        steps += 1
        beta = float(torch.linalg.vector_norm(w))
        theta, S, i = ritz()
        estimate = _relative(abs(beta * float(S[m - 1, i])), float(theta[i]))
        y = S[:, i].to(device=device, dtype=dtype) @ V[:m]
        last = LanczosResult(float(theta[i]), y, estimate, count, False, False)
        exhausted = m == n
        invariant = exhausted or beta <= BREAKDOWN * float(theta.abs().max())
        ready = steps >= min_steps or invariant
        if ready and (estimate <= verify_below or invariant) and count < max_products:
            got = measure(S, i)
            if got.converged or not math.isfinite(got.value):
                return got if got.converged else _failed(last, count)
            last = got
            verify_below = min(verify_below, estimate) / 2  # measure again once it halves
        if exhausted and last.measured:
            return last  # the whole space is spanned: more products cannot help
        V[m] = _random_unit(n, V, m, generator) if invariant else w / beta
        if m == basis:  # thick restart: the `keep` Ritz vectors of largest |θ|, then v_m
            sel = torch.argsort(theta.abs(), descending=True)[:keep]
            V[:keep] = S[:, sel].T.to(device=device, dtype=dtype) @ V[:m]
            V[keep] = V[m]
            T.zero_()
            T[torch.arange(keep), torch.arange(keep)] = theta[sel]
            m = keep
    if last is None:
        return LanczosResult(math.nan, V[0], math.inf, count, False, False)
    return dataclasses.replace(last, n_products=count)


def _failed(last: LanczosResult | None, count: int, fallback=None) -> LanczosResult:
    """A product was not finite: the last finite estimate, not converged, residual inf."""
    if last is None:
        return LanczosResult(math.nan, fallback, math.inf, count, False, False)
    return dataclasses.replace(last, residual=math.inf, n_products=count, converged=False)
