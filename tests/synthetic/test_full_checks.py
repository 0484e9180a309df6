"""The full-size theorem checks (what `make synthetic-check` runs), as slow tests.

Each check's FULL configuration runs to the end and its records keep the contract: unique ids,
the registry's check name, a quantity, run status and censoring consistent, and every ``fail``
either a documented finding about a reconstructed bound or none at all.
"""
from __future__ import annotations

import pytest

from synthetic.checks import CHECKS, module
from theory.records import RUN_STATUSES, VERDICTS


@pytest.mark.slow
@pytest.mark.parametrize("name", CHECKS)
def test_a_full_check_keeps_the_record_contract(name):
    m = module(name)
    calls = []
    records = m.run(m.FULL, progress=calls.append)
    assert records and len(calls) == m.units(m.FULL)
    ids = [r.check_id for r in records]
    assert len(ids) == len(set(ids))
    for r in records:
        assert r.check == name and r.quantity and r.verdict in VERDICTS
        assert r.status in RUN_STATUSES or r.status is None
        if r.status is not None:
            assert r.censored == (r.status == "max_iter")
        if r.censored:
            assert r.verdict != "pass" or r.bound_kind == "lower"  # a cap is never a lucky pass
        if r.verdict == "fail":
            assert r.mark == "reconstructed" and "FINDING" in r.notes, (r.check_id, r.notes)
