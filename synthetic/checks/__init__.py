"""Theorem checks: one module per statement, each returning :class:`theory.records.ResultRecord` s.

Registry: :data:`CHECKS` lists every check in the order ``synthetic check`` runs and writes
them; :func:`module` imports one. ``tests/synthetic/test_checks_registry.py`` holds every listed
module to the interface below and runs each negative control.

Interface of every module ``synthetic.checks.<name>`` (a template for a new check):

* ``Config`` — a frozen dataclass whose defaults are the full check; ``FULL = Config()`` and
  ``QUICK = Config(...)`` (the ``check --quick`` sizes, a few seconds);
* ``run(config, progress=None) -> list[ResultRecord]`` — ``progress(label)`` is called once per
  finished unit of work (an instance), so the command line can drive a progress bar;
* ``units(config) -> int`` — how many times ``progress`` will be called;
* ``negative_control() -> list[ResultRecord]`` — a run the check must catch: every record it
  returns has verdict ``fail`` (e.g. understated constants, a step beyond the theorem's).
  A check whose records cannot fail (shape-only) sets ``negative_control = None`` and says
  why in ``NO_CONTROL``.

Records set ``quantity`` (what ``measured`` is), ``status`` and ``censored`` for runs, and their
instance parameters in ``params``: readers never parse ``check_id``. A censored count is
``inconclusive``, never ``pass``; a reconstructed bound that fails is a ``fail`` record whose
``notes`` say it is a finding (docs/statements.md, "Marks"). Shared machinery (catalogue
runs, exact counts, censoring, medians) is in :mod:`synthetic.checks._shared`; a new check
also needs its name in :data:`CHECKS` and a docs/statements.md section for its statement.
"""
from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["CHECKS", "module"]

CHECKS = ("thm3", "thm4", "rem5", "thm6", "thm7", "thm8", "followup")


def module(name: str) -> ModuleType:
    """The module of check ``name`` (one of :data:`CHECKS`; ValueError otherwise)."""
    if name not in CHECKS:
        raise ValueError(f"unknown check {name!r}; choose from {', '.join(CHECKS)}")
    return importlib.import_module(f"synthetic.checks.{name}")
