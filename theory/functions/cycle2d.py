"""A 2-D (0, L1)-smooth member of Thm 4's class on which fixed-step GD has an exact 2-cycle
(docs/statements.md §9).

With λ = 11/20, μ = 3/10 (exact rationals),

    F(s, y) = sech(λs)·(cosh(μy) − 1)/μ² − (2/λ)·arctan(e^{λs}).

Write σ = sech(λs), τ = tanh(λs), C = cosh(μy), S = sinh(μy), P = (C − 1)/μ². Then

    ∇F  = σ·(−(1 + λτP), S/μ),
    ∇²F = σ·[[λτ − λ²P(1 − 2τ²), −λτS/μ], [−λτS/μ, C]].

F is smooth, F > −(2/λ)(π/2) = −π/λ with that infimum approached (not attained) as s → +∞ at
y = 0, and F has no critical point (F_y = 0 forces y = 0, where F_s = −σ ≠ 0). Dividing the
gradient and the Hessian by σC, the ratio ||∇²F||/||∇F|| depends only on τ ∈ (−1, 1) and
u = μ|y| >= 0, through w = sech u and t = tanh u (w² + t² = 1):

    R(τ, w) = ||[[a, b], [b, 1]]||₂ / ||(d₁, t/μ)||,
    a = λτw − (λ/μ)²(1 − 2τ²)(1 − w),  b = −(λ/μ)τt,  d₁ = w + (λ/μ²)τ(1 − w).

At w = 0 (u → ∞) and τ = 0 the ratio tends to λ²/μ ≈ 1.00833, its supremum
(:func:`certify_K` bounds it from above by interval branch-and-bound). So F is (0, K)-smooth
with K <= K_upper, and f(x) = A·F(L1 x/K) is (0, L1)-smooth, hence (L0, L1)-smooth for every
L0 >= 0 (:func:`rescaled`).

The exact 2-cycle (:func:`cycle_certificate`): tanh(λ s_c) = −1/2, cosh(μ y_c) = 73/55, i.e.
s_c = −log(3)/(2λ), y_c = log(11/5)/μ; there ∇F = (0, ±16√3/11) and with
h_F = 2 y_c/||∇F|| = 55 log(11/5)/(12√3) GD maps (s_c, y_c) ↔ (s_c, −y_c).
"""
from __future__ import annotations

import heapq
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv
from scipy.optimize import brentq
from scipy.special import lambertw

__all__ = ["LAMBDA", "MU", "F_expr", "closed_form_derivatives", "closed_forms_match",
           "CycleCertificate", "cycle_certificate_floats", "cycle_certificate", "KCertificate",
           "certify_K", "ratio_at", "SublevelM", "sublevel_M", "Delta_F", "cycle_constant",
           "RescaledMember", "rescaled", "thresholds", "crossover_M", "cycle_start_mp",
           "gd_orbit", "cycle_deviations", "escape_step"]

LAMBDA = sp.Rational(11, 20)
MU = sp.Rational(3, 10)


# ---------------------------------------------------------------------------------------------
# the function, its closed-form derivatives
# ---------------------------------------------------------------------------------------------

def F_expr(lam: sp.Rational = LAMBDA, mu: sp.Rational = MU) -> tuple[sp.Expr, tuple[sp.Symbol,
                                                                                     sp.Symbol]]:
    """F(s, y) = sech(λs)(cosh(μy) − 1)/μ² − (2/λ) arctan(e^{λs}) as a sympy expression.

    Parameters
    ----------
    lam, mu : sympy Rational
        λ and μ (default 11/20 and 3/10, docs/statements.md §9).

    Returns
    -------
    (expr, (s, y)) : the expression and its two real symbols.
    """
    s, y = sp.symbols("s y", real=True)
    lam, mu = sp.Rational(lam), sp.Rational(mu)
    expr = sp.sech(lam * s) * (sp.cosh(mu * y) - 1) / mu**2 - 2 / lam * sp.atan(sp.exp(lam * s))
    return expr, (s, y)


def closed_form_derivatives(lam: sp.Rational = LAMBDA, mu: sp.Rational = MU) -> dict:
    """The hand-derived ∇F and ∇²F of the module docstring as sympy expressions in (s, y).

    ∇F = σ(−(1 + λτP), S/μ) and ∇²F = σ[[λτ − λ²P(1 − 2τ²), −λτS/μ], [−λτS/μ, C]] with
    σ = sech λs, τ = tanh λs, C = cosh μy, S = sinh μy, P = (C − 1)/μ² (docs/statements.md §9).
    :func:`closed_forms_match` proves them equal to sympy's derivatives of :func:`F_expr`.
    """
    _, (s, y) = F_expr(lam, mu)
    lam, mu = sp.Rational(lam), sp.Rational(mu)
    sig, tau = sp.sech(lam * s), sp.tanh(lam * s)
    C, S = sp.cosh(mu * y), sp.sinh(mu * y)
    P = (C - 1) / mu**2
    grad = (-sig * (1 + lam * tau * P), sig * S / mu)
    hess = ((sig * (lam * tau - lam**2 * P * (1 - 2 * tau**2)), -lam * tau * sig * S / mu),
            (-lam * tau * sig * S / mu, sig * C))
    return {"grad": grad, "hess": hess, "symbols": (s, y)}


def _is_zero(expr: sp.Expr) -> bool:
    """Exact zero test: rewrite hyperbolics and arctan's derivative in exp, then simplify."""
    return sp.simplify(sp.expand(sp.simplify(expr.rewrite(sp.exp)))) == 0


def closed_forms_match(lam: sp.Rational = LAMBDA, mu: sp.Rational = MU) -> bool:
    """True when every entry of :func:`closed_form_derivatives` equals sympy's derivative of
    :func:`F_expr` (difference simplified to exact zero; docs/statements.md §9)."""
    expr, (s, y) = F_expr(lam, mu)
    forms = closed_form_derivatives(lam, mu)
    grad = [sp.diff(expr, v) for v in (s, y)]
    ok = all(_is_zero(g - c) for g, c in zip(grad, forms["grad"]))
    for i, vi in enumerate((s, y)):
        for j, vj in enumerate((s, y)):
            ok = ok and _is_zero(sp.diff(expr, vi, vj) - forms["hess"][i][j])
    return bool(ok)


def _derivs(s, y, lam, mu, m):
    """(F, F_s, F_y, F_ss, F_sy, F_yy) at (s, y) with the math-like module ``m`` (math,
    mpmath or numpy); C − 1 is written 2 sinh²(μy/2) to avoid cancellation."""
    sig, tau = 1 / m.cosh(lam * s), m.tanh(lam * s)
    C, S = m.cosh(mu * y), m.sinh(mu * y)
    P = 2 * m.sinh(mu * y / 2) ** 2 / mu**2
    value = sig * P - 2 / lam * m.atan(m.exp(lam * s))
    gs, gy = -sig * (1 + lam * tau * P), sig * S / mu
    hss = sig * (lam * tau - lam**2 * P * (1 - 2 * tau**2))
    hsy = -lam * tau * sig * S / mu
    return value, gs, gy, hss, hsy, sig * C


def _spectral_norm_2x2(a, b, c, m):
    """Exact ||[[a, b], [b, c]]||₂ = |a + c|/2 + sqrt(((a − c)/2)² + b²)."""
    return abs(a + c) / 2 + m.sqrt(((a - c) / 2) ** 2 + b**2)


def ratio_at(s, y, lam=LAMBDA, mu=MU, dps: int | None = 30):
    """||∇²F(s, y)||₂ / ||∇F(s, y)|| at one point (docs/statements.md §9).

    Evaluated from the closed-form derivatives with mpmath at ``dps`` digits (``dps=None``:
    numpy doubles, vectorised over arrays ``s``, ``y``).
    """
    if dps is None:
        lamf, muf = float(lam), float(mu)
        _, gs, gy, hss, hsy, hyy = _derivs(np.asarray(s, float), np.asarray(y, float), lamf,
                                           muf, _NumpyMath)
        return _spectral_norm_2x2(hss, hsy, hyy, np) / np.hypot(gs, gy)
    with mpmath.workdps(dps):
        lm, mm = _mp_rational(lam), _mp_rational(mu)
        _, gs, gy, hss, hsy, hyy = _derivs(mpmath.mpf(s), mpmath.mpf(y), lm, mm, mpmath)
        return +(_spectral_norm_2x2(hss, hsy, hyy, mpmath) / mpmath.hypot(gs, gy))


class _NumpyMath:
    """numpy under the names of ``math`` used by :func:`_derivs`."""
    cosh, sinh, tanh, exp, sqrt = np.cosh, np.sinh, np.tanh, np.exp, np.sqrt
    atan = np.arctan


def _mp_rational(q) -> mpmath.mpf:
    q = sp.Rational(q)
    return mpmath.mpf(int(q.p)) / int(q.q)


# ---------------------------------------------------------------------------------------------
# the exact 2-cycle
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CycleCertificate:
    """The exact GD 2-cycle of F (docs/statements.md §9); sympy values, floats, and the
    identities proved by exact simplification."""
    s_c: sp.Expr
    y_c: sp.Expr
    grad_norm: sp.Expr
    h_F: sp.Expr
    F_c: sp.Expr
    floats: dict
    closed_forms: dict
    grad_s_is_zero: bool
    grad_y_is_plus_g: bool
    grad_y_at_minus_is_minus_g: bool
    gd_maps_plus_to_minus: bool
    gd_maps_minus_to_plus: bool
    derivatives_match: bool

    @property
    def proved(self) -> bool:
        """All identities hold exactly."""
        return all((self.grad_s_is_zero, self.grad_y_is_plus_g, self.grad_y_at_minus_is_minus_g,
                    self.gd_maps_plus_to_minus, self.gd_maps_minus_to_plus,
                    self.derivatives_match))


def _cycle_closed_forms() -> dict:
    """s_c, y_c from tanh(λ s_c) = −1/2 and cosh(μ y_c) = 73/55, with the exact values of
    tanh, sech, cosh, sinh there (checked by :func:`cycle_certificate`)."""
    s_c = -sp.log(3) / (2 * LAMBDA)            # tanh(−log(3)/2) = −1/2
    y_c = sp.log(sp.Rational(11, 5)) / MU      # cosh(log(11/5)) = 73/55
    return {"s_c": s_c, "y_c": y_c, "tanh": sp.Rational(-1, 2), "sech": sp.sqrt(3) / 2,
            "cosh": sp.Rational(73, 55), "sinh": sp.Rational(48, 55)}


@lru_cache(maxsize=1)
def cycle_certificate() -> CycleCertificate:
    """Prove the 2-cycle (s_c, y_c) → (s_c, −y_c) → (s_c, y_c) of GD on F exactly.

    With tanh(λ s_c) = −1/2 (sech = √3/2) and cosh(μ y_c) = 73/55 (sinh = ±48/55):
    F_s = −σ(1 + λτP) = 0 because P = (73/55 − 1)/μ² = 40/11 = −1/(λτ), and
    F_y = σS/μ = ±16√3/11 =: ±g. With h_F = 2 y_c/g GD moves y_c → y_c − h_F g = −y_c and back,
    s unchanged. Every identity is checked by sympy simplification of the derivatives of
    :func:`F_expr` to an exact zero (docs/statements.md §9). Cached: the result is frozen.

    Returns
    -------
    CycleCertificate
    """
    forms = _cycle_closed_forms()
    s_c, y_c = forms["s_c"], forms["y_c"]
    expr, (s, y) = F_expr()
    g = 16 * sp.sqrt(3) / 11
    h_F = 55 * sp.log(sp.Rational(11, 5)) / (12 * sp.sqrt(3))
    Fs, Fy = sp.diff(expr, s), sp.diff(expr, y)
    at = {s: s_c, y: y_c}
    at_minus = {s: s_c, y: -y_c}
    checks = {
        "tanh": _is_zero(sp.tanh(LAMBDA * s_c) - forms["tanh"]),
        "sech": _is_zero(sp.sech(LAMBDA * s_c) - forms["sech"]),
        "cosh": _is_zero(sp.cosh(MU * y_c) - forms["cosh"]),
        "sinh": _is_zero(sp.sinh(MU * y_c) - forms["sinh"]),
    }
    grad_s_zero = _is_zero(Fs.subs(at)) and _is_zero(Fs.subs(at_minus))
    plus_g = _is_zero(Fy.subs(at) - g)
    minus_g = _is_zero(Fy.subs(at_minus) + g)
    checks["h_F = 2 y_c/g"] = _is_zero(h_F - 2 * y_c / g)
    fwd = _is_zero(s_c - h_F * Fs.subs(at) - s_c) and _is_zero(y_c - h_F * Fy.subs(at) + y_c)
    back = _is_zero(s_c - h_F * Fs.subs(at_minus) - s_c) and \
        _is_zero(-y_c - h_F * Fy.subs(at_minus) - y_c)
    F_c = sp.nsimplify(sp.simplify(expr.subs(at).rewrite(sp.exp)), [sp.pi, sp.sqrt(3)])
    F_c = sp.simplify(F_c)
    floats = {k: float(v) for k, v in
              {"s_c": s_c, "y_c": y_c, "grad_norm": g, "h_F": h_F, "F_c": F_c}.items()}
    return CycleCertificate(s_c, y_c, g, h_F, F_c, floats, checks, grad_s_zero, plus_g, minus_g,
                            fwd, back, closed_forms_match() and all(checks.values()))


# ---------------------------------------------------------------------------------------------
# the certified bound on sup ||∇²F||/||∇F||
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KCertificate:
    """Result of :func:`certify_K` (docs/statements.md §9)."""
    K_upper: float
    K_sup: float
    lower_witness: float
    witness_point: tuple[float, float]
    boxes_core: int
    boxes_tail: int
    boxes_evaluated: int
    converged: bool
    seconds: float
    U: float
    lam: float
    mu: float
    claim: float | None = None
    verdict: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


@contextmanager
def _iv_precision(bits: int):
    old = iv.prec
    iv.prec = bits
    try:
        yield
    finally:
        iv.prec = old


def _iv_rational(q) -> iv.mpf:
    q = sp.Rational(q)
    return iv.mpf(int(q.p)) / iv.mpf(int(q.q))


def _iv_constants(lam, mu) -> dict:
    LAM, MUI = _iv_rational(lam), _iv_rational(mu)
    return {"lam": LAM, "mu": MUI, "r": LAM / MUI, "r2": (LAM / MUI) ** 2,
            "lm2": LAM / MUI**2}


def _eig_upper(a: iv.mpf, babs: iv.mpf) -> iv.mpf:
    """Upper bound of ||[[a, b], [b, 1]]||₂ over a ∈ a, |b| <= babs.b.

    λ_max = (a + 1)/2 + sqrt(((a − 1)/2)² + b²) is non-decreasing in a and in |b|,
    −λ_min = −(a + 1)/2 + sqrt(...) is non-increasing in a and non-decreasing in |b|
    (∂/∂a = ±1/2 + (a − 1)/(4 sqrt(...)), and |a − 1|/2 <= sqrt(...)); the norm is the larger
    of the two, so evaluating each at its worst end removes the dependency on a.
    """
    b2 = iv.mpf(babs.b) ** 2
    a_hi, a_lo = iv.mpf(a.b), iv.mpf(a.a)
    lmax = (a_hi + 1) / 2 + iv.sqrt(((a_hi - 1) / 2) ** 2 + b2)
    lmin = -(a_lo + 1) / 2 + iv.sqrt(((a_lo - 1) / 2) ** 2 + b2)
    return iv.mpf(max(lmax.b, lmin.b))


def _ratio_upper(tau: iv.mpf, w: iv.mpf, t: iv.mpf, k: dict) -> float:
    """Rigorous upper bound of R(τ, w) (module docstring) over the box, as a double."""
    a = k["lam"] * tau * w - k["r2"] * (1 - 2 * tau**2) * (1 - w)
    babs = k["r"] * abs(tau) * t
    num = _eig_upper(a, babs)
    d1 = w + k["lm2"] * tau * (1 - w)
    den = iv.sqrt(d1**2 + (t / k["mu"]) ** 2)
    if not den.a > 0:
        return math.inf
    return float((num / iv.mpf(den.a)).b)


def _sech_tanh(u: float) -> tuple[iv.mpf, iv.mpf]:
    """Enclosures of sech u and tanh u at a point, from the rigorous iv.exp."""
    E = iv.exp(iv.mpf(u))
    E2 = E**2
    return 2 * E / (E2 + 1), 1 - 2 / (E2 + 1)


def _box_upper(kind: str, tl: float, th: float, vl: float, vh: float, k: dict) -> float:
    """Upper bound of R over a core box (τ, u) ∈ [tl, th] × [vl, vh] or a tail box
    (τ, w) ∈ [tl, th] × [vl, vh]. sech is decreasing and tanh increasing on u >= 0, so their
    ranges over [vl, vh] come from the endpoint enclosures; in the tail t = sqrt(1 − w²)."""
    tau = iv.mpf([tl, th])
    if kind == "core":
        w_hi, t_lo = _sech_tanh(vl)
        w_lo, t_hi = _sech_tanh(vh)
        w, t = iv.mpf([w_lo.a, w_hi.b]), iv.mpf([t_lo.a, t_hi.b])
    else:
        w = iv.mpf([vl, vh])
        t = iv.sqrt(1 - w**2)
    return _ratio_upper(tau, w, t, k)


def _point_of_box(kind: str, tm: float, vm: float, lam, mu) -> tuple[float, float]:
    """The (s, y) of a box centre: s = atanh(τ)/λ, y = u/μ (tail: u = arcsech w)."""
    u = vm if kind == "core" else (float(mpmath.asech(vm)) if vm > 0 else 40.0)
    return float(mpmath.atanh(tm) / _mp_rational(lam)), float(u / _mp_rational(mu))


def _split(kind: str, tl: float, th: float, vl: float, vh: float) -> list[tuple]:
    """Bisect the longer side."""
    if th - tl >= vh - vl:
        tm = 0.5 * (tl + th)
        return [(kind, tl, tm, vl, vh), (kind, tm, th, vl, vh)]
    vm = 0.5 * (vl + vh)
    return [(kind, tl, th, vl, vm), (kind, tl, th, vm, vh)]


def _verdict(claim: float | None, upper: float, lower: float) -> str | None:
    if claim is None:
        return None
    if lower > claim:
        return "refuted"
    return "certified" if upper <= claim else "undecided"


def certify_K(lam=LAMBDA, mu=MU, U: float = 6.0, tol: float = 1e-8, max_boxes: int = 60000,
              claim: float | None = None) -> KCertificate:
    """Certified upper bound K_upper >= sup_{R²} ||∇²F||₂/||∇F|| (docs/statements.md §9).

    **Reduction.** ∇F and ∇²F share the factor σC = sech(λs)cosh(μy) > 0, and F is even in y,
    so the ratio is R(τ, w) of the module docstring with τ = tanh λs ∈ (−1, 1) and
    u = μ|y| >= 0, w = sech u, t = tanh u. The closed set τ ∈ [−1, 1] is used (a superset).

    **Compact part** u ∈ [0, U]: boxes in (τ, u); sech u and tanh u are monotone, so their
    ranges come from rigorous endpoint enclosures (mpmath.iv, outward rounding).

    **Tail** u > U (the analytic argument): for u > U, w = sech u ∈ (0, sech U) and
    t = tanh u = sqrt(1 − w²) exactly, so R(τ, u) = R(τ, w) with R(τ, w) built from
    polynomials in (τ, w), sqrt(1 − w²), one square root and one division by
    ||(d₁, t/μ)|| >= t/μ >= tanh(U)/μ > 0: a continuous function on the compact box
    [−1, 1] × [0, sech U] (w = 0 is the limit u → ∞). Hence sup_{u > U} R is at most the
    maximum of R over that box, which the same branch-and-bound encloses in (τ, w) with
    intervals. At w = 0 the limit is R(τ, 0) = μ||N(τ)||/sqrt(1 + (λτ/μ)²) with
    N = [[−(λ/μ)²(1 − 2τ²), −λτ/μ], [−λτ/μ, 1]], whose maximum λ²/μ is at τ = 0 (for λ > μ).

    **Norm.** ||[[a, b], [b, 1]]||₂ is the exact symmetric 2×2 formula, bounded through its
    monotonicity in a and |b| (:func:`_eig_upper`), not by the Frobenius norm.

    Branch-and-bound: the box with the largest upper bound is bisected until
    upper − lower <= tol·lower, where lower is the largest true ratio (:func:`ratio_at`, 30
    digits) at box centres and at probes (τ = 0, u ∈ {U, 2U, 30}). The returned K_upper is the
    largest upper bound over all leaves (rigorous even when the budget ends first).

    Parameters
    ----------
    lam, mu : rationals (default 11/20, 3/10).
    U : the split between the compact part and the tail (> 0).
    tol : relative stopping gap.
    max_boxes : budget of box evaluations.
    claim : optional claimed sup; the verdict is "certified" (K_upper <= claim), "refuted"
        (a point value exceeds it) or "undecided".

    Returns
    -------
    KCertificate
    """
    if not (math.isfinite(U) and U > 0):
        raise ValueError(f"U > 0 required, got U={U!r}")
    t0 = time.perf_counter()
    with _iv_precision(53):
        k = _iv_constants(lam, mu)
        w_U = float(_sech_tanh(U)[0].b)
        lower, witness = _probe_lower(lam, mu, U)
        heap, count = [], 0
        for box in (("core", -1.0, 1.0, 0.0, U), ("tail", -1.0, 1.0, 0.0, w_U)):
            heapq.heappush(heap, (-_box_upper(*box, k), count, box))
            count += 1
        converged = False
        while True:
            neg_ub, _, box = heap[0]
            ub = -neg_ub
            if ub - lower <= tol * lower:
                converged = True
                break
            if count >= max_boxes or _claim_settled(claim, ub, lower):
                break
            heapq.heappop(heap)
            s, y = _point_of_box(box[0], 0.5 * (box[1] + box[2]), 0.5 * (box[3] + box[4]),
                                 lam, mu)
            value = float(ratio_at(s, y, lam, mu))
            if value > lower:
                lower, witness = value, (s, y)
            for child in _split(*box):
                heapq.heappush(heap, (-_box_upper(*child, k), count, child))
                count += 1
        K_upper = -heap[0][0]
    n_core = sum(1 for *_, b in heap if b[0] == "core")
    return KCertificate(K_upper, float(sp.Rational(lam) ** 2 / sp.Rational(mu)), lower, witness,
                        n_core, len(heap) - n_core, count, converged,
                        time.perf_counter() - t0, U, float(lam), float(mu), claim,
                        _verdict(claim, K_upper, lower),
                        ("K_upper rigorous (mpmath.iv, outward rounding)",
                         "the sup λ²/μ is approached as |y| → ∞ at τ = 0, not attained"))


def _claim_settled(claim: float | None, ub: float, lower: float) -> bool:
    return claim is not None and (lower > claim or ub <= claim)


def _probe_lower(lam, mu, U: float) -> tuple[float, tuple[float, float]]:
    """Best true ratio over the probes τ = 0 (s = 0), u ∈ {U, 2U, 30}."""
    best, point = -math.inf, (0.0, 0.0)
    for u in (U, 2 * U, 30.0):
        y = float(u / _mp_rational(mu))
        value = float(ratio_at(0.0, y, lam, mu))
        if value > best:
            best, point = value, (0.0, y)
    return best, point


@lru_cache(maxsize=1)
def _default_K() -> KCertificate:
    return certify_K()


# ---------------------------------------------------------------------------------------------
# the sublevel M and Δ
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SublevelM:
    """Result of :func:`sublevel_M` (docs/statements.md §9)."""
    F_level: sp.Expr
    G_expr: sp.Expr
    stationarity: sp.Expr
    theta: sp.Symbol
    theta_star: mpmath.mpf
    value_mp: mpmath.mpf
    value: float
    enclosure: tuple[float, float]
    maximiser: tuple[float, float]
    closed_form: sp.Expr | None
    boxes: int
    seconds: float


def _G_sympy() -> tuple[sp.Expr, sp.Symbol, sp.Expr]:
    """G(θ) = ||∇F||² on the boundary F = F_c, with Q = F_c + (θ + π/2)/λ."""
    th = sp.Symbol("theta", real=True)
    F_c = 20 * sp.sqrt(3) / 11 - 20 * sp.pi / 33
    Q = F_c + (th + sp.pi / 2) / LAMBDA
    G = (sp.cos(th) + LAMBDA * Q * sp.sin(th)) ** 2 + 2 * Q * sp.cos(th) + MU**2 * Q**2
    return G, th, F_c


def _G_iv(th: iv.mpf, F_c: iv.mpf, lam: iv.mpf, mu: iv.mpf) -> iv.mpf:
    Q = F_c + (th + iv.pi / 2) / lam
    c, s = iv.cos(th), iv.sin(th)
    return (c + lam * Q * s) ** 2 + 2 * Q * c + mu**2 * Q**2


def _dG_iv(th: iv.mpf, F_c: iv.mpf, lam: iv.mpf, mu: iv.mpf) -> iv.mpf:
    """G'(θ) = 2λQ cosθ (cosθ + λQ sinθ) + (2/λ) cosθ − 2Q sinθ + 2μ²Q/λ."""
    Q = F_c + (th + iv.pi / 2) / lam
    c, s = iv.cos(th), iv.sin(th)
    return 2 * lam * Q * c * (c + lam * Q * s) + 2 * c / lam - 2 * Q * s + 2 * mu**2 * Q / lam


def _G_upper(lo: float, hi: float, F_c, lam, mu) -> float:
    """min of the natural and the mean-value enclosure of G over [lo, hi]."""
    X = iv.mpf([lo, hi])
    mid = iv.mpf(0.5 * (lo + hi))
    mvf = _G_iv(mid, F_c, lam, mu) + _dG_iv(X, F_c, lam, mu) * (X - mid)
    return float(min(_G_iv(X, F_c, lam, mu).b, mvf.b))


def _maximise_G(rtol: float = 1e-13, max_boxes: int = 20000) -> tuple[float, float, int]:
    """Interval branch-and-bound of sup G over θ ∈ [−π/2, π/2] (covered outward); returns
    (upper bound, lower bound at θ*, boxes)."""
    with _iv_precision(53):
        lam, mu = _iv_rational(LAMBDA), _iv_rational(MU)
        F_c = 20 * iv.sqrt(3) / 11 - 20 * iv.pi / 33
        theta_star = _theta_star()
        lower = float(_G_iv(iv.mpf(theta_star), F_c, lam, mu).a)
        half_pi = float((iv.pi / 2).b)
        heap = [(-_G_upper(-half_pi, half_pi, F_c, lam, mu), -half_pi, half_pi)]
        count = 1
        while -heap[0][0] - lower > rtol * lower and count < max_boxes:
            _, lo, hi = heapq.heappop(heap)
            mid = 0.5 * (lo + hi)
            for a, b in ((lo, mid), (mid, hi)):
                heapq.heappush(heap, (-_G_upper(a, b, F_c, lam, mu), a, b))
                count += 1
        return -heap[0][0], lower, count


@lru_cache(maxsize=1)
def _theta_star() -> mpmath.mpf:
    """The interior maximiser of G, root of G'(θ) = 0 near θ = 1.22 (40 digits)."""
    with mpmath.workdps(40):
        lam, mu = _mp_rational(LAMBDA), _mp_rational(MU)
        F_c = 20 * mpmath.sqrt(3) / 11 - 20 * mpmath.pi / 33

        def dG(th):
            Q = F_c + (th + mpmath.pi / 2) / lam
            c, s = mpmath.cos(th), mpmath.sin(th)
            return 2 * lam * Q * c * (c + lam * Q * s) + 2 * c / lam - 2 * Q * s + \
                2 * mu**2 * Q / lam
        return mpmath.findroot(dG, mpmath.mpf("1.22"))


def sublevel_M() -> SublevelM:
    """M_F = sup ||∇F|| on {F <= F_c}, F_c = F(s_c, y_c) = 20√3/11 − 20π/33
    (docs/statements.md §9).

    **Derivation.** Put θ = gd(λs) = 2 arctan(e^{λs}) − π/2 ∈ (−π/2, π/2), so τ = sin θ,
    σ = cos θ and F = cosθ·P − (θ + π/2)/λ with P = (cosh μy − 1)/μ² >= 0. Since
    S²/μ² = 2P + μ²P², ||∇F||² = cos²θ[(1 + λP sinθ)² + 2P + μ²P²], whose P-derivative
    2cos²θ[1 + λ sinθ + P(λ² sin²θ + μ²)] is > 0 (λ < 1). So for each θ the sup over the
    sublevel set is on its boundary P = Q/cosθ, Q(θ) = F_c + (θ + π/2)/λ, and

        M_F² = sup_θ G(θ),  G(θ) = (cosθ + λQ sinθ)² + 2Q cosθ + μ²Q².

    G → F_c²(λ² + μ²) as θ → −π/2 and → Δ_F²(λ² + μ²) (≈ 4.3587²) as θ → π/2, and
    G'(π/2) = 2Δ_F(μ²/λ − 1) < 0: the maximum is interior, at the root θ* ≈ 1.2223 of
    G'(θ) = 2λQ cosθ (cosθ + λQ sinθ) + (2/λ) cosθ − 2Q sinθ + 2μ²Q/λ = 0. That equation
    mixes θ with cos θ and sin θ (Q is linear in θ); we found no closed form for θ* or M_F
    (``closed_form`` is None): M_F = sqrt(G(θ*)) is given to 40 digits and enclosed by an
    interval branch-and-bound of G on [−π/2, π/2] (natural and mean-value forms).

    Returns
    -------
    SublevelM
    """
    t0 = time.perf_counter()
    G, th, F_c = _G_sympy()
    theta_star = _theta_star()
    with mpmath.workdps(40):
        value = mpmath.sqrt(sp.lambdify(th, G, "mpmath")(theta_star))
        Fc_mp = 20 * mpmath.sqrt(3) / 11 - 20 * mpmath.pi / 33
        P_star = (Fc_mp + (theta_star + mpmath.pi / 2) / _mp_rational(LAMBDA)) / \
            mpmath.cos(theta_star)
        s_star = mpmath.atanh(mpmath.sin(theta_star)) / _mp_rational(LAMBDA)
        y_star = mpmath.acosh(1 + _mp_rational(MU) ** 2 * P_star) / _mp_rational(MU)
    G_hi, G_lo, boxes = _maximise_G()
    with _iv_precision(53):
        enclosure = (float(iv.sqrt(iv.mpf(G_lo)).a), float(iv.sqrt(iv.mpf(G_hi)).b))
    return SublevelM(F_c, G, sp.diff(G, th), th, theta_star, value, float(value), enclosure,
                     (float(s_star), float(y_star)), None, boxes, time.perf_counter() - t0)


@lru_cache(maxsize=1)
def _default_M() -> SublevelM:
    return sublevel_M()


def Delta_F() -> sp.Expr:
    """Δ_F = F(s_c, y_c) − inf F = (20√3/11 − 20π/33) + π/λ = 20√3/11 + 40π/33 ≈ 6.9572
    (exact; docs/statements.md §9). inf F = −π/λ is approached as s → +∞ at y = 0."""
    return sp.nsimplify(cycle_certificate().F_c + sp.pi / LAMBDA, [sp.pi, sp.sqrt(3)])


def cycle_constant(K: float | None = None) -> float:
    """c = h_F·K·M_F: the x-space 2-cycle step is h = c/(L1 M) (docs/statements.md §9).

    ``K=None`` uses the certified K_upper (the member's rigorous constant); pass
    ``K=λ²/μ`` for the ideal value.
    """
    K = _default_K().K_upper if K is None else float(K)
    return float(cycle_certificate_floats()["h_F"]) * K * _default_M().value


@lru_cache(maxsize=1)
def cycle_certificate_floats() -> dict:
    """The floats of :func:`cycle_certificate` (cached; docs/statements.md §9)."""
    return dict(cycle_certificate().floats)


# ---------------------------------------------------------------------------------------------
# the rescaled member and the step thresholds
# ---------------------------------------------------------------------------------------------

def _check(name: str, value: float, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        raise ValueError(f"{name} must be finite and {'>= 0' if allow_zero else '> 0'}, "
                         f"got {name}={value!r}")
    return v


@dataclass(frozen=True)
class RescaledMember:
    """f(x) = A·F(L1 x/K) for target (L0, L1, M) (docs/statements.md §9)."""
    L0: float
    L1: float
    M: float
    K: float
    A: float
    h_cycle: float
    cycle_points: tuple[tuple[float, float], tuple[float, float]]
    Delta: float
    f_inf: float
    M_enclosure: tuple[float, float]
    member: dict

    def _z(self, x):
        scale = self.L1 / self.K
        return scale * np.asarray(x[0], float), scale * np.asarray(x[1], float)

    def value(self, x):
        """f(x) = A F(L1 x/K)."""
        return self.A * _derivs(*self._z(x), float(LAMBDA), float(MU), _NumpyMath)[0]

    def grad(self, x):
        """∇f(x) = A (L1/K) ∇F(L1 x/K)."""
        d = _derivs(*self._z(x), float(LAMBDA), float(MU), _NumpyMath)
        return self.A * self.L1 / self.K * np.array([d[1], d[2]])

    def hess_norm(self, x):
        """||∇²f(x)||₂ = A (L1/K)² ||∇²F(L1 x/K)||₂."""
        d = _derivs(*self._z(x), float(LAMBDA), float(MU), _NumpyMath)
        return self.A * (self.L1 / self.K) ** 2 * _spectral_norm_2x2(d[3], d[4], d[5], np)


def rescaled(L0: float, L1: float, M: float) -> RescaledMember:
    """The member f(x) = A·F(L1 x/K) of Thm 4's class for (L0, L1, M) (docs/statements.md §9).

    ∇f = A(L1/K)∇F(z), ∇²f = A(L1/K)²∇²F(z), z = L1x/K, so ||∇²f|| <= L1||∇f|| with
    K = K_upper (certified): f is (0, L1)-, hence (L0, L1)-smooth for every L0 >= 0. Sublevel
    sets correspond, so sup ||∇f|| on {f <= f(x0)} = A L1 M_F/K = M for A = MK/(L1 M_F).
    GD on f with step h is GD on F with step hA(L1/K)², so the 2-cycle is at
    h_cycle = h_F K²/(A L1²) = c/(L1 M), c = h_F K M_F, through x = (K/L1)(s_c, ±y_c).
    Δ = A Δ_F, inf f = −Aπ/λ.

    Parameters
    ----------
    L0 : >= 0, finite.  L1, M : > 0, finite.

    Returns
    -------
    RescaledMember
    """
    L0 = _check("L0", L0, allow_zero=True)
    L1, M = _check("L1", L1), _check("M", M)
    cert, sub = _default_K(), _default_M()
    K, M_F = cert.K_upper, sub.value
    A = M * K / (L1 * M_F)
    floats = cycle_certificate_floats()
    h_cycle = floats["h_F"] * K**2 / (A * L1**2)
    x1, x2 = K / L1 * floats["s_c"], K / L1 * floats["y_c"]
    Delta = A * float(Delta_F())
    M_encl = (A * L1 / K * sub.enclosure[0], A * L1 / K * sub.enclosure[1])
    ok_M = (M_encl[1] - M_encl[0]) <= 1e-9 * M
    reasons = [f"(0, L1)-smooth: ||∇²F|| <= K_upper||∇F||, K_upper={K!r} certified by interval "
               f"branch-and-bound ({'converged' if cert.converged else 'budget ended'})",
               f"bounded below: inf f = -A·π/λ = {-A * math.pi / float(LAMBDA)!r} (not attained)",
               f"Delta = A·Δ_F = {Delta!r} (Δ_F exact: 20√3/11 + 40π/33)",
               f"M: sup ||∇f|| on the sublevel set = A·L1·M_F/K ∈ [{M_encl[0]!r}, {M_encl[1]!r}]",
               "2-cycle at h_cycle proved exactly (cycle_certificate)"]
    member = {"L0": L0, "L1": L1, "M": M, "Delta": Delta, "certified": bool(ok_M),
              "reasons": reasons}
    return RescaledMember(L0, L1, M, K, A, h_cycle, ((x1, x2), (x1, -x2)), Delta,
                          -A * math.pi / float(LAMBDA), M_encl, member)


def thresholds(M: float, L0: float = 1.0, L1: float = 1.0) -> dict:
    """Step-size thresholds at (L0, L1, M) (docs/statements.md §9).

    h_2c_1d = 2 log(1 + M L1/L0)/(L1 M): every 1-D member converges below it (the extremal
    1-D function has its 2-cycle there); h_cycle_2d = c/(L1 M): the 2-D member's exact
    2-cycle; pi_limit = π/(L1 M): a 2-cycle x ↔ x − hg of a (0, L1)-smooth function needs the
    gradient to turn by π along a segment of length h||g|| <= hM at angular rate <= L1;
    w2_limit = W(2)/(L0 + L1 M): below it the descent lemma makes every step decrease f.
    L0 = 0 gives h_2c_1d = inf.
    """
    M, L1 = _check("M", M), _check("L1", L1)
    L0 = _check("L0", L0, allow_zero=True)
    h_1d = math.inf if L0 == 0 else 2 * math.log1p(M * L1 / L0) / (L1 * M)
    return {"h_2c_1d": h_1d, "h_cycle_2d": cycle_constant() / (L1 * M),
            "pi_limit": math.pi / (L1 * M),
            "w2_limit": float(lambertw(2).real) / (L0 + L1 * M)}


def crossover_M(L0: float = 1.0, L1: float = 1.0) -> float:
    """The M above which the 2-D cycle step is below the 1-D threshold: the root of
    2 log(1 + M L1/L0) = c, found by brentq; closed form (L0/L1)(e^{c/2} − 1)
    (docs/statements.md §9)."""
    L0, L1 = _check("L0", L0), _check("L1", L1)
    c = cycle_constant()
    return brentq(lambda m: 2 * math.log1p(m * L1 / L0) - c, 1e-12 * L0 / L1, 1e12 * L0 / L1,
                  xtol=1e-14, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# GD orbits
# ---------------------------------------------------------------------------------------------

def cycle_start_mp(dps: int = 50) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
    """(s_c, y_c, h_F) as mpmath numbers at ``dps`` digits (docs/statements.md §9)."""
    with mpmath.workdps(dps):
        s_c = -mpmath.log(3) / (2 * _mp_rational(LAMBDA))
        y_c = mpmath.log(mpmath.mpf(11) / 5) / _mp_rational(MU)
        h_F = 55 * mpmath.log(mpmath.mpf(11) / 5) / (12 * mpmath.sqrt(3))
        return +s_c, +y_c, +h_F


def _grad_unit(s, y, m, lam, mu):
    d = _derivs(s, y, lam, mu, m)
    return d[1], d[2]


def gd_orbit(h, start, steps: int, dps: int | None = 50,
             member: RescaledMember | None = None) -> list[tuple]:
    """GD iterates x_{k+1} = x_k − h∇f(x_k), k < steps, of F (``member=None``) or of a
    rescaled member (docs/statements.md §9).

    ``dps``: mpmath digits (h and start are converted with mpmath.mpf, so pass mpf values
    computed at that precision, e.g. :func:`cycle_start_mp`); ``dps=None``: IEEE doubles
    (math). Returns the steps + 1 points, start included.
    """
    if int(steps) < 0:
        raise ValueError(f"steps >= 0 required, got steps={steps!r}")
    scale, amp = (1.0, 1.0) if member is None else (member.L1 / member.K,
                                                      member.A * member.L1 / member.K)
    if dps is None:
        return _orbit(float(h), (float(start[0]), float(start[1])), int(steps), math,
                      float(LAMBDA), float(MU), scale, amp)
    with mpmath.workdps(int(dps)):
        x = (mpmath.mpf(start[0]), mpmath.mpf(start[1]))
        return _orbit(mpmath.mpf(h), x, int(steps), mpmath, _mp_rational(LAMBDA),
                      _mp_rational(MU), mpmath.mpf(scale), mpmath.mpf(amp))


def _orbit(h, x, steps, m, lam, mu, scale, amp) -> list[tuple]:
    out = [x]
    for _ in range(steps):
        gs, gy = _grad_unit(scale * x[0], scale * x[1], m, lam, mu)
        x = (x[0] - h * amp * gs, x[1] - h * amp * gy)
        out.append(x)
    return out


def cycle_deviations(orbit: list[tuple], cycle: tuple[float, float],
                     dps: int = 400) -> list[float]:
    """max(|x_k − x_c,k|) along an orbit started at ``cycle`` = (x1, x2), where the
    expected point alternates (x1, x2), (x1, −x2), ... (docs/statements.md §9).

    mpmath inputs are differenced at ``dps`` digits (mpmath rounds even a negation to the
    working precision), so pass at least the orbit's precision.
    """
    x1, x2 = cycle
    with mpmath.workdps(dps):
        return [float(max(abs(p[0] - x1), abs(p[1] - (x2 if k % 2 == 0 else -x2))))
                for k, p in enumerate(orbit)]


def escape_step(deviations: list[float], tol: float) -> int | None:
    """The first k with deviation > tol (None if the orbit stays; docs/statements.md §9)."""
    return next((k for k, d in enumerate(deviations) if d > tol), None)
