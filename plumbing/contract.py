"""The vocabulary of the result record, shared by its producer and its readers.

:class:`theory.records.ResultRecord` builds records with these values and ``figures.schemas``
refuses a record with any other, so the two sides cannot drift (docs/architecture.md, "The
result contract"). Standard library only.
"""
from __future__ import annotations

__all__ = ["RECORD_FORMAT", "MARKS", "BOUND_KINDS", "VERDICTS", "RUN_STATUSES"]

RECORD_FORMAT = "l0l1-record/2"  # /2: check, quantity, status, censored as fields; frozen
MARKS = ("paper", "reconstructed", "follow-up", "unrecovered", "ours")  # docs/statements.md, Marks
BOUND_KINDS = ("upper", "lower", "tight", "order", "none")
VERDICTS = ("pass", "fail", "inconclusive", "shape-only")
RUN_STATUSES = ("converged", "diverged", "max_iter")  # how a run behind a record ended
