"""Catalogue: unique ids, enough entries, every declared constant verified, controls that fail."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from theory.functions.catalogue import CATALOGUE, Declared, get, ids
from theory.functions.verify import verify_entry
from theory.smoothness.certify import CLASSES


def test_ids_unique_and_catalogue_large_enough():
    assert len(ids()) == len(set(ids())) >= 12


def test_required_families_present():
    present = set(ids())
    for needed in ("quartic", "sextic", "extremal", "scaled-cosh", "log-cosh", "deep-linear-scalar",
                   "construction-A", "construction-B"):
        assert needed in present


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.id for e in CATALOGUE])
def test_entry_is_well_formed(entry):
    assert entry.cls in CLASSES and entry.mark in ("paper", "reconstructed", "follow-up")
    assert np.isfinite(entry.f_star) and len(entry.x0) == len(entry.variables)
    assert entry.declared and entry.source
    if len(entry.variables) > 1:
        assert entry.region is not None and len(entry.region) == len(entry.variables)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.id for e in CATALOGUE])
def test_every_declared_constant_verifies(entry):
    records = verify_entry(entry, seed=0)
    assert len(records) == len(entry.declared) + 2  # class + constants + f*
    undecided = len(entry.variables) > 1 and entry.witness is None  # class not decidable on a box
    failures = [(r.check_id, r.measured, r.bound, r.notes) for r in records if r.verdict != "pass"
                and not (undecided and r.check_id.endswith("/class") and r.verdict == "inconclusive")]
    assert not failures


def test_unknown_id_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown catalogue id"):
        get("nope")


# --- negative controls: a wrong declaration must fail -----------------------------------------

@pytest.mark.parametrize("entry_id,L1,bad_L0", [("quartic", 1.0, 15.0), ("extremal", 1.0, 0.9),
                                                ("log-cosh", 1.0, 0.0), ("softplus", 0.5, 0.07)])
def test_misdeclared_frontier_fails(entry_id, L1, bad_L0):
    entry = dataclasses.replace(get(entry_id), declared=(Declared(L1, bad_L0),))
    verdicts = {r.check_id.split("/")[-1]: r.verdict for r in verify_entry(entry)}
    assert verdicts[f"L0@L1={L1:g}"] == "fail"


def test_understated_L1_fails():
    """Extremal function with L1 = 1: at L1 = 0.9 no finite L0 exists, so a declared one fails."""
    entry = dataclasses.replace(get("extremal"), declared=(Declared(0.9, 100.0, "valid"),))
    assert verify_entry(entry)[1].verdict == "fail"


def test_wrong_class_and_f_star_fail():
    entry = dataclasses.replace(get("log-cosh"), cls="L0L1-smooth", f_star=0.0)
    verdicts = {r.check_id.split("/")[-1]: r.verdict for r in verify_entry(entry)}
    assert verdicts["class"] == "fail" and verdicts["f_star"] == "fail"


def test_multivariate_understated_constant_fails():
    entry = dataclasses.replace(get("deep-linear-scalar"), declared=(Declared(0, 20.0),))
    assert verify_entry(entry)[1].verdict == "fail"


def test_deep_linear_refuted_exactly_along_the_minimiser_curve():
    records = verify_entry(get("deep-linear-scalar"))
    assert records[0].verdict == "pass" and records[0].extra["certified"] is True
    assert records[0].extra["measured"] == "not-L0L1-smooth"


def test_witness_negative_control():
    """Along (t, t) the gradient of (w1 w2 - 1)² diverges: no refutation may be claimed."""
    import sympy as sp

    from theory.functions.verify import refuted_along

    w1, w2 = sp.symbols("w1 w2", real=True)
    assert not refuted_along((w1 * w2 - 1) ** 2, [w1, w2], ("t", "t"))
    assert not refuted_along((w1**2 + w2**2) ** 2, [w1, w2], ("t", "1/t"))
