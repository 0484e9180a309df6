"""The registry of theorem checks: every module of synthetic/checks/ is listed, follows the
interface of synthetic.checks (docstring), and its negative control fails."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from synthetic import checkrun
from synthetic.checks import CHECKS, module
from theory.records import ResultRecord

ROOT = Path(__file__).resolve().parents[2]


def test_every_check_module_is_listed_once():
    files = {p.stem for p in (ROOT / "synthetic" / "checks").glob("*.py")
             if not p.stem.startswith("_")}
    assert set(CHECKS) == files and len(CHECKS) == len(set(CHECKS))
    assert checkrun.CHECKS is CHECKS  # synthetic check runs the registry, nothing else


@pytest.mark.parametrize("name", CHECKS)
def test_a_check_has_the_interface(name):
    m = module(name)
    assert dataclasses.is_dataclass(m.Config) and m.Config.__dataclass_params__.frozen
    assert m.FULL == m.Config() and isinstance(m.QUICK, m.Config)
    assert callable(m.run) and callable(m.units) and m.units(m.QUICK) >= 1
    assert m.__doc__ and "docs/statements.md" in m.__doc__


@pytest.mark.parametrize("name", CHECKS)
def test_every_negative_control_fails(name):
    m = module(name)
    if m.negative_control is None:  # only a check that cannot fail may lack one, and says why
        assert m.NO_CONTROL
        return
    records = m.negative_control()
    assert records and all(isinstance(r, ResultRecord) for r in records)
    assert [r.verdict for r in records] == ["fail"] * len(records), \
        [(r.check_id, r.verdict, r.measured, r.bound) for r in records]


def test_a_check_without_a_control_really_cannot_fail():
    """thm8 has no control because its records are shape-only: hold it to that."""
    for name in CHECKS:
        m = module(name)
        if m.negative_control is None:
            records = m.run(m.QUICK)
            assert {r.verdict for r in records} == {"shape-only"}, name


def test_an_unknown_check_is_refused():
    with pytest.raises(ValueError, match="unknown check 'thm99'"):
        module("thm99")
