"""The result record shared by every check, and atomic JSON / JSON-lines output.

One record per (check, instance): what was measured, against which bound of which statement,
with the statement's mark (paper.md: ``paper`` read in the paper, ``reconstructed`` derived or
remembered, ``follow-up`` from a later paper) so that no reader mistakes a reconstructed bound
for the paper's. Results live in ``results/<package>/<run-name>/`` next to ``config.json`` and
``env.json``; every file is written to a temporary file in the same folder and renamed, so an
interrupted run never leaves a truncated file.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from plumbing.jsonio import to_jsonable

__all__ = ["MARKS", "BOUND_KINDS", "VERDICTS", "ResultRecord", "verdict_for"]

MARKS = ("paper", "reconstructed", "follow-up")
BOUND_KINDS = ("upper", "lower", "tight", "order", "none")
VERDICTS = ("pass", "fail", "inconclusive", "shape-only")


@dataclass
class ResultRecord:
    """One measured quantity confronted with one statement's bound (style.md).

    Attributes
    ----------
    check_id : str
        Stable identifier of the check, e.g. ``"catalogue/x4/frontier"``.
    theorem : str
        The statement, e.g. ``"Thm 3"`` or ``"Definition 1"``.
    mark : str
        ``paper`` | ``reconstructed`` | ``follow-up`` (see paper.md).
    params : dict
        Instance parameters (L0, L1, M, eps, Delta, step, seed...).
    measured : float | None
        What the simulation or certification produced.
    bound : float | None
        The statement's value (None when the statement has none, e.g. Thm 8).
    bound_kind : str
        ``upper`` (pass iff measured <= bound·(1+tol)), ``lower`` (measured >= bound·(1-tol)),
        ``tight`` (|measured - bound| <= tol·|bound|), ``order``, ``none``.
    tolerance : float
        Relative tolerance used by the verdict.
    verdict : str
        ``pass`` | ``fail`` | ``inconclusive`` (e.g. a censored count) | ``shape-only``.
    """

    check_id: str
    theorem: str
    mark: str
    params: dict
    measured: float | None
    bound: float | None
    bound_kind: str
    tolerance: float
    verdict: str
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mark not in MARKS:
            raise ValueError(f"mark must be one of {MARKS}, got {self.mark!r}")
        if self.bound_kind not in BOUND_KINDS:
            raise ValueError(f"bound_kind must be one of {BOUND_KINDS}, got {self.bound_kind!r}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not (self.tolerance >= 0):
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance}")

    def to_dict(self) -> dict:
        return to_jsonable(asdict(self))


def verdict_for(measured: float | None, bound: float | None, kind: str, tolerance: float,
                censored: bool = False) -> str:
    """The verdict of one comparison; a censored or missing measurement is never a pass by luck.

    ``upper``: measured <= bound (1 + tol); ``lower``: measured >= bound (1 - tol) (an infinite
    measured count satisfies a lower bound); ``tight``: |measured - bound| <= tol |bound|.
    ``censored`` means the true value is only known to be >= measured (an iteration cap was
    hit): an upper bound then fails only if even the cap exceeds it, and is otherwise
    inconclusive; a lower bound passes only if the cap already reaches it.
    """
    if kind not in BOUND_KINDS:
        raise ValueError(f"kind must be one of {BOUND_KINDS}, got {kind!r}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if kind in ("order", "none") or bound is None:
        return "shape-only"
    if measured is None or math.isnan(float(measured)) or math.isnan(float(bound)):
        return "inconclusive"
    if kind == "upper":
        ok = measured <= bound + tolerance * abs(bound)
        return ("inconclusive" if censored else "pass") if ok else "fail"
    if kind == "lower":
        ok = measured >= bound - tolerance * abs(bound)
        return "pass" if ok else ("inconclusive" if censored else "fail")
    ok = abs(measured - bound) <= tolerance * abs(bound)
    if censored:  # true value >= measured: certain failure only when already above the band
        return "fail" if measured > bound + tolerance * abs(bound) else "inconclusive"
    return "pass" if ok else "fail"
