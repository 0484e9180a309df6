"""The one result record of every check (docs/architecture.md, "The result contract").

One record per (check, instance): what was measured, against which bound of which statement,
with the statement's mark (docs/statements.md, "Marks": ``paper`` read in the paper,
``reconstructed`` derived or remembered, ``follow-up`` from a later paper) so that no reader
mistakes a reconstructed bound for the paper's. A record is frozen: its verdict is decided once,
when it is built, and readers (figures, the report, ``synthetic check``'s summary) read its
fields -- ``check``, ``quantity`` and ``params`` say what it is about, so nobody parses
``check_id``. Records are written as JSON lines by :mod:`plumbing.jsonio`.
"""
from __future__ import annotations

import math
from dataclasses import KW_ONLY, asdict, dataclass, field

from plumbing.contract import BOUND_KINDS, MARKS, RECORD_FORMAT, RUN_STATUSES, VERDICTS
from plumbing.jsonio import to_jsonable

__all__ = ["MARKS", "BOUND_KINDS", "VERDICTS", "RUN_STATUSES", "RECORD_FORMAT", "ResultRecord",
           "verdict_for"]



@dataclass(frozen=True)
class ResultRecord:
    """One measured quantity confronted with one statement's bound.

    Attributes
    ----------
    check_id : str
        Stable, unique identifier of the record, e.g. ``"catalogue/x4/L0@L1=2"``. A label for
        people and for resuming; readers select records by ``check``, ``quantity``, ``params``.
    theorem : str
        The statement, e.g. ``"Thm 3"`` or ``"Definition 1"``.
    mark : str
        ``paper`` | ``reconstructed`` | ``follow-up`` (docs/statements.md, "Marks").
    params : dict
        Instance parameters as data (L0, L1, M, eps, Delta, step, seed, entry...).
    measured : float | None
        What the simulation or certification produced (inf: a run that never converged).
    bound : float | None
        The statement's value (None when the statement has none, e.g. Thm 8).
    bound_kind : str
        ``upper`` (pass iff measured <= bound·(1+tol)), ``lower`` (measured >= bound·(1-tol)),
        ``tight`` (|measured - bound| <= tol·|bound|), ``order``, ``none``.
    tolerance : float
        Relative tolerance used by the verdict.
    verdict : str, optional
        ``pass`` | ``fail`` | ``inconclusive`` | ``shape-only``. Left out (None), it is
        :func:`verdict_for` of the fields above, decided at construction; a check whose
        statement needs another rule (e.g. a lower bound refuted only by a certified member)
        passes its verdict here, and says why in ``notes``.
    notes, extra
        Free text; further numbers of this record (ratios, formulas, counts).
    quantity : str (keyword)
        What ``measured`` is within the check: ``iterations``, ``median-iterations``,
        ``membership``, ``ratio``, ``growth``, ``slope``, ``frontier``, ``class``, ``f_star``.
    check : str (keyword)
        The check family (``thm3``, ``thm4``, ..., ``catalogue``); default: the first segment
        of ``check_id``, as the producer writes it.
    status : str | None (keyword)
        How the run behind the record ended (``converged`` / ``diverged`` / ``max_iter``);
        None for records that are not one run (certifications, medians, fits).
    censored : bool (keyword)
        True when the true value is only known to be >= ``measured`` (an iteration cap hit).
    """

    check_id: str
    theorem: str
    mark: str
    params: dict
    measured: float | None
    bound: float | None
    bound_kind: str
    tolerance: float
    verdict: str | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)
    _: KW_ONLY
    quantity: str
    check: str = ""
    status: str | None = None
    censored: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.check_id, str) and self.check_id):
            raise ValueError(f"check_id must be a non-empty string, got {self.check_id!r}")
        if self.mark not in MARKS:
            raise ValueError(f"mark must be one of {MARKS}, got {self.mark!r}")
        if self.bound_kind not in BOUND_KINDS:
            raise ValueError(f"bound_kind must be one of {BOUND_KINDS}, got {self.bound_kind!r}")
        if not (self.tolerance >= 0):
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance}")
        if not (isinstance(self.quantity, str) and self.quantity):
            raise ValueError(f"quantity must be a non-empty string, got {self.quantity!r}")
        if self.status is not None and self.status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {RUN_STATUSES} or None, got {self.status!r}")
        if not isinstance(self.censored, bool):
            raise ValueError(f"censored must be a bool, got {self.censored!r}")
        set_ = object.__setattr__  # frozen: the derived fields are set once, here
        set_(self, "params", dict(self.params))
        set_(self, "extra", dict(self.extra))
        if not self.check:
            set_(self, "check", self.check_id.split("/")[0])
        if self.verdict is None:
            set_(self, "verdict", verdict_for(self.measured, self.bound, self.bound_kind,
                                              self.tolerance, self.censored))
        elif self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_dict(self) -> dict:
        """The JSON-lines row (plumbing.jsonio's policy: inf/nan as strings)."""
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
