"""Iteration-complexity bounds of the paper and its follow-ups, one function per statement.

Zhang, He, Sra, Jadbabaie, "Why gradient clipping accelerates training", ICLR 2020: Thm 3,
Thm 4, Remark 5, Thm 6, Thm 7, Thm 8 and the remark that no lower bound is known for SGD; plus
the follow-up bounds of Koloskova et al. 2023 / Vankov et al. 2024 and Li et al. 2023
(docs/statements.md §4). Every function returns a :class:`Bound` whose ``mark`` says whether the
*bound* was read in the paper, reconstructed (the display was not available; the form follows
from the stated parameters), comes from a follow-up, or is unrecovered (the paper states one,
its formula is not known here: Thm 8). Here Δ = f(x0) − f* and T_ε is the
first t with ||∇f(x_t)|| <= ε. :data:`STATEMENTS` lists every statement, including those with
no function.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

from .steps import li_constant_step

MARKS = ("paper", "reconstructed", "follow-up", "unrecovered", "ours")
KINDS = ("upper", "lower", "order")


@dataclass(frozen=True)
class Bound:
    """One theorem's value on one instance.

    Attributes
    ----------
    value : float or None
        The bound on T_ε (None where the bound was not recovered).
    theorem : str
        Pinpoint reference, e.g. ``"Thm 3"``.
    mark : str
        ``"paper"``, ``"reconstructed"`` or ``"follow-up"`` (of the bound, not of the step).
    kind : str
        ``"upper"``, ``"lower"`` or ``"order"`` (an O/Ω statement, constants not meaningful).
    formula, note : str
        The formula evaluated; what is reconstructed or caveated.
    """

    value: float | None
    theorem: str
    mark: str
    kind: str
    formula: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.mark not in MARKS:
            raise ValueError(f"mark in {MARKS} required, got mark={self.mark!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind in {KINDS} required, got kind={self.kind!r}")

    def to_dict(self) -> dict:
        """Plain-dict form for a JSON-lines result record."""
        return asdict(self)


def _s(theorem, mark, kind, formula, hypotheses, function, note=""):
    return dict(theorem=theorem, mark=mark, kind=kind, formula=formula, hypotheses=hypotheses,
                function=function, note=note)


STATEMENTS: dict[str, dict] = {
    "thm3": _s("Thm 3", "reconstructed", "upper", "20 L0 Δ/ε² + 20 max{1, L1²} Δ/L0",
               "Assumptions 1-3 on S; clipped GD, η_c = 1/(10 L0), γ = min{10 L0, L0/L1}",
               "thm3_bound", "parameters [paper]; bound reconstructed, matches Remark 5"),
    "thm4": _s("Thm 4", "reconstructed", "lower", "max{0, L1 M (Δ − 5ε/8) / (8 ε² ℓ)}",
               "Assumptions 1-4, L0 >= 1, L1 >= 1, M > 1; any fixed step h, some hard member",
               "thm4_bound", "hypotheses [paper]; ℓ = log M + 1, or 1 + log(M L1/L0) (alt)"),
    "rem5_gd": _s("Rem 5", "paper", "order", "(L1 M/log M + L0) Δ/ε²",
                  "fixed-step GD, Assumptions 1-4, M > 1", "rem5_gd_order", "Ω(·)"),
    "rem5_clipped": _s("Rem 5", "paper", "order", "L0 Δ/ε² + L1² Δ/L0",
                       "clipped GD, Assumptions 1-3", "rem5_clipped_order", "O(·)"),
    "rem5_ratio": _s("Rem 5", "paper", "order", "(L1 M/log M + L0)/ε² / (L0/ε² + L1²/L0)",
                     "M > 1", "rem5_speedup", "GD order over clipped order; Δ cancels"),
    "thm6": _s("Thm 6", "reconstructed", "upper", "4 (M L1 + L0) Δ/ε²",
               "Assumptions 1-4 on S; GD with h = 1/(2(M L1 + L0))", "thm6_bound",
               "step [paper]; bound reconstructed"),
    "thm7": _s("Thm 7", "reconstructed", "upper",
               "Δ' max{128 L1/ε, 4Δ'/ε⁴, (80 L0 + 512 L1 τ)/ε²}, "
               "Δ' = Δ + (5 L0 + 2 L1 τ) τ² + 9 τ L0²/L1",
               "Assumptions 1-3 and 5 globally, L1 > 0; clipped SGD, η = min{1/(20L0), "
               "1/(128L1τ), 1/√T}, h = min{η, 1/(16 L1 (||g|| + τ))}", "thm7_bound",
               "steps [paper]; bound reconstructed; three-term shape confirmed by "
               "Gaash et al. 2025"),
    "thm8": _s("Thm 8", "unrecovered", "upper", "not recovered",
               "Assumptions 1-5; SGD with h = min{1/√T, 1/(L1 (M + τ))}", "thm8_bound",
               "step [paper]; bound not recovered: verdict shape-only, no pass/fail on constants"),
    "sgd_lower": _s("SGD lower-bound remark", "paper", "lower", "none known",
                    "stochastic oracle, Assumption 5", None,
                    "the paper says no lower bound is known for SGD; Thm 4 still applies"),
    "vankov": _s("Vankov et al. 2024", "follow-up", "upper",
                 "2 L0 Δ/(a ε²) + 3 L1 Δ/(a ε), a = 1",
                 "(L0,L1)-smooth; GD with h = 1/(L0 + 1.5 L1 ||g||)", "vankov_bound",
                 "min_k ||∇f(x_k)|| <= ε once K + 1 >= value; as restated in third-party notes"),
    "vankov_clipped": _s("Koloskova et al. 2023; Vankov et al. 2024", "follow-up", "upper",
                         "2 L0 Δ/(a ε²) + 3 L1 Δ/(a ε), a = 1/2",
                         "(L0,L1)-smooth; clipped GD, h = min{1/(2 L0), 1/(3 L1 ||g||)}",
                         "vankov_clipped_bound", "O(L0 Δ/ε² + L1 Δ/ε); K + 1 >= value"),
    "li_step": _s("Li et al. 2023", "follow-up", "upper",
                  "η <= 1/(L0 + 2 L1 G), G = 2 L1 Δ + sqrt(4 L1² Δ² + 2 L0 Δ)",
                  "(L0,L1)-smooth, constant-step GD", "li_step_bound",
                  "a bound on the admissible constant step, not on T_ε (rate not encoded)"),
}


def _guarded(fn):
    """Floating-point overflow in a bound (ε = 1e-170) is a clear ValueError, never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            bound = fn(*args, **kwargs)
        except (ZeroDivisionError, OverflowError):
            raise ValueError(f"{fn.__name__}: parameters overflow double precision") from None
        if bound.value is not None and not math.isfinite(bound.value):
            raise ValueError(f"{fn.__name__}: the bound overflows double precision")
        return bound
    return wrapper


def _need(ok: bool, condition: str, **values: float) -> None:
    if not ok:
        got = ", ".join(f"{k}={v!r}" for k, v in values.items())
        raise ValueError(f"{condition} required, got {got}")


def _common(L0: float | None = None, L1: float | None = None, eps: float | None = None,
            Delta: float | None = None, *, L1_positive: bool = False) -> None:
    # `not (x > 0)` also rejects NaN
    for name, value in (("L0", L0), ("L1", L1), ("eps", eps), ("Delta", Delta)):
        _need(value is None or not math.isinf(value), f"finite {name}", **{name: value})
    if L0 is not None:
        _need(L0 > 0, "L0 > 0", L0=L0)
    if L1 is not None:
        _need(L1 > 0 if L1_positive else L1 >= 0, "L1 > 0" if L1_positive else "L1 >= 0", L1=L1)
    if eps is not None:
        _need(eps > 0, "eps > 0", eps=eps)
    if Delta is not None:
        _need(Delta >= 0, "Delta >= 0", Delta=Delta)


def _bound(sid: str, value: float | None, note: str | None = None) -> Bound:
    s = STATEMENTS[sid]
    return Bound(None if value is None else float(value), s["theorem"], s["mark"], s["kind"],
                 s["formula"], s["note"] if note is None else note)


@_guarded
def thm3_bound(L0: float, L1: float, eps: float, Delta: float) -> Bound:
    r"""Thm 3 (clipped GD, upper): :math:`T_\varepsilon \le 20L_0\Delta/\varepsilon^2
    + 20\max\{1, L_1^2\}\Delta/L_0` with η_c = 1/(10 L0), γ = min{10 L0, L0/L1}.

    Parameters [paper]; the bound is **reconstructed** (matches Remark 5's order and follows
    from the parameters). Requires L0 > 0, L1 >= 0, ε > 0, Δ >= 0.
    """
    _common(L0, L1, eps, Delta)
    return _bound("thm3", 20 * L0 * Delta / eps**2 + 20 * max(1.0, L1**2) * Delta / L0)


@_guarded
def thm4_bound(L0: float, L1: float, M: float, eps: float, Delta: float, *,
               alt_log: bool = False, require_construction_range: bool = True) -> Bound:
    r"""Thm 4 (fixed-step GD, lower): for every fixed h some member of the class needs
    :math:`T_\varepsilon \ge L_1 M(\Delta - 5\varepsilon/8)/(8\varepsilon^2\ell)`.

    Hypotheses [paper]: Assumptions 1-4, L0 >= 1, L1 >= 1, M > 1. The bound is
    **reconstructed**: ℓ = log M + 1, or with ``alt_log`` ℓ = 1 + log(M L1/L0) (the factor of
    the docs/statements.md §5 constructions; needs M L1 > L0; unlike log M + 1 it is invariant under
    f → c f). Neither form is invariant under x → a x: the 5ε/8 carries the construction's
    fixed bowl width. The value is clamped at 0 (vacuous when Δ <= 5ε/8).

    The reconstruction rests on construction B (docs/statements.md §5), a member of the class only
    when ε <= L0/6 and 2ε <= M: outside that range the formula is not supported and, by default,
    ValueError is raised (``require_construction_range=False`` returns it with a note).
    """
    _need(L0 >= 1, "L0 >= 1", L0=L0)
    _need(L1 >= 1, "L1 >= 1", L1=L1)
    _need(M > 1, "M > 1", M=M)
    _common(eps=eps, Delta=Delta)
    if alt_log:
        _need(M * L1 > L0, "M*L1 > L0 (for alt_log)", M=M, L1=L1, L0=L0)
        ell, which = 1 + math.log(M * L1 / L0), "ℓ = 1 + log(M L1/L0)"
    else:
        ell, which = math.log(M) + 1, "ℓ = log M + 1"
    value = max(0.0, L1 * M * (Delta - 5 * eps / 8) / (8 * eps**2 * ell))
    note = f"hypotheses [paper]; bound reconstructed; {which}"
    in_range = eps <= L0 / 6 and 2 * eps <= M
    if not in_range:
        _need(not require_construction_range, "eps <= L0/6 and 2*eps <= M (construction B)",
              eps=eps, L0=L0, M=M)
        note += "; outside construction B's range (eps <= L0/6, 2 eps <= M): unsupported"
    return _bound("thm4", value, note)


@_guarded
def rem5_gd_order(L0: float, L1: float, M: float, eps: float, Delta: float) -> Bound:
    r"""Remark 5, fixed-step GD: :math:`\Omega((L_1M/\log M + L_0)\Delta/\varepsilon^2)` [paper].

    Order only (kind "order"). Requires L0 > 0, L1 >= 0, M > 1, ε > 0, Δ >= 0.
    """
    _common(L0, L1, eps, Delta)
    _need(M > 1, "M > 1", M=M)
    return _bound("rem5_gd", (L1 * M / math.log(M) + L0) * Delta / eps**2)


@_guarded
def rem5_clipped_order(L0: float, L1: float, eps: float, Delta: float) -> Bound:
    r"""Remark 5, clipped GD: :math:`O(L_0\Delta/\varepsilon^2 + L_1^2\Delta/L_0)` [paper].

    For L1 >= 1, Thm 3's bound is exactly 20 times this. Requires L0 > 0, L1 >= 0, ε > 0, Δ >= 0.
    """
    _common(L0, L1, eps, Delta)
    return _bound("rem5_clipped", L0 * Delta / eps**2 + L1**2 * Delta / L0)


@_guarded
def rem5_speedup(L0: float, L1: float, M: float, eps: float) -> Bound:
    r"""Remark 5, ratio of the GD order to the clipped-GD order [paper]:

    .. math:: \frac{(L_1M/\log M + L_0)/\varepsilon^2}{L_0/\varepsilon^2 + L_1^2/L_0}

    (Δ cancels). It grows without bound in M when L1 > 0: clipped GD is arbitrarily faster
    under poor initialisation. Requires L0 > 0, L1 >= 0, M > 1, ε > 0.
    """
    _common(L0, L1, eps)
    _need(M > 1, "M > 1", M=M)
    return _bound("rem5_ratio", (L1 * M / math.log(M) + L0) / eps**2
                  / (L0 / eps**2 + L1**2 / L0))


@_guarded
def thm6_bound(L0: float, L1: float, M: float, eps: float, Delta: float) -> Bound:
    r"""Thm 6 (GD, h = 1/(2(M L1 + L0)), upper):
    :math:`T_\varepsilon \le 4(ML_1 + L_0)\Delta/\varepsilon^2`.

    Step [paper]; bound **reconstructed**. Sketch: a step has length <= 1/(2 L1), so by the
    Grönwall bound the Hessian along it is <= e^{1/2}(M L1 + L0) and f drops by at least
    (1/2 − e^{1/2}/8)||∇f||²/(M L1 + L0) >= ||∇f||²/(4(M L1 + L0)).
    Requires L0 > 0, L1 >= 0, M >= 0, ε > 0, Δ >= 0.
    """
    _common(L0, L1, eps, Delta)
    _need(M >= 0, "M >= 0", M=M)
    return _bound("thm6", 4 * (M * L1 + L0) * Delta / eps**2)


@_guarded
def thm7_bound(L0: float, L1: float, tau: float, eps: float, Delta: float) -> Bound:
    r"""Thm 7 (clipped SGD, upper):

    .. math:: T_\varepsilon \le \Delta'\max\Big\{\frac{128L_1}{\varepsilon},
       \frac{4\Delta'}{\varepsilon^4}, \frac{80L_0 + 512L_1\tau}{\varepsilon^2}\Big\},\quad
       \Delta' = \Delta + (5L_0 + 2L_1\tau)\tau^2 + 9\tau L_0^2/L_1 .

    Step sizes [paper]; bound **reconstructed** (three-term shape confirmed by Gaash et al.
    2025). Requires L0 > 0, L1 > 0, τ >= 0, ε > 0, Δ >= 0.
    """
    _common(L0, L1, eps, Delta, L1_positive=True)
    _need(tau >= 0, "tau >= 0", tau=tau)
    dp = Delta + (5 * L0 + 2 * L1 * tau) * tau**2 + 9 * tau * L0**2 / L1
    return _bound("thm7", dp * max(128 * L1 / eps, 4 * dp / eps**4,
                                   (80 * L0 + 512 * L1 * tau) / eps**2))


@_guarded
def thm8_bound(L1: float, M: float, tau: float, eps: float, Delta: float) -> Bound:
    """Thm 8 (SGD, h = min{1/√T, 1/(L1(M + τ))}): an upper bound exists [paper].

    The bound's formula was **not recovered**: ``value`` is None and checks report the measured
    complexity and its scaling only (verdict shape-only). Requires L1, M, τ >= 0, ε > 0, Δ >= 0.
    """
    _common(L1=L1, eps=eps, Delta=Delta)
    _need(M >= 0, "M >= 0", M=M)
    _need(tau >= 0, "tau >= 0", tau=tau)
    return _bound("thm8", None)


def _vankov(sid: str, a: float, L0: float, L1: float, eps: float, Delta: float) -> Bound:
    _common(L0, L1, eps, Delta)
    return _bound(sid, 2 * L0 * Delta / (a * eps**2) + 3 * L1 * Delta / (a * eps))


@_guarded
def vankov_bound(L0: float, L1: float, eps: float, Delta: float) -> Bound:
    r"""GD with h = 1/(L0 + 1.5 L1||∇f||) [follow-up: Vankov et al. 2024]: min_k ||∇f(x_k)|| <= ε
    once

    .. math:: K + 1 \ge 2L_0\Delta/(a\varepsilon^2) + 3L_1\Delta/(a\varepsilon),\quad a = 1

    (as restated in third-party notes). Requires L0 > 0, L1 >= 0, ε > 0, Δ >= 0.
    """
    return _vankov("vankov", 1.0, L0, L1, eps, Delta)


@_guarded
def vankov_clipped_bound(L0: float, L1: float, eps: float, Delta: float) -> Bound:
    r"""Clipped GD, h = min{1/(2L0), 1/(3L1||∇f||)} [follow-up: Koloskova et al. 2023; Vankov et
    al. 2024]: the bound of :func:`vankov_bound` with a = 1/2, i.e. O(L0Δ/ε² + L1Δ/ε).
    """
    return _vankov("vankov_clipped", 0.5, L0, L1, eps, Delta)


@_guarded
def li_step_bound(L0: float, L1: float, Delta: float) -> Bound:
    r"""Constant-step GD [follow-up: Li et al. 2023]: converges for
    :math:`\eta \le 1/(L_0 + 2L_1G)`, :math:`G = 2L_1\Delta + \sqrt{4L_1^2\Delta^2 + 2L_0\Delta}`.

    ``value`` is the largest admissible step (kind "upper" on η, not on T_ε; the rate is not
    encoded). Requires L0 > 0, L1 >= 0, Δ >= 0.
    """
    _common(L0, L1, Delta=Delta)
    return _bound("li_step", li_constant_step(L0, L1, Delta))
