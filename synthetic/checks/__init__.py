"""Theorem checks: one module per statement, each returning :class:`theory.records.ResultRecord` s.

Interface shared by every module ``synthetic.checks.<name>``:

* ``Config`` — a frozen dataclass whose defaults are the full check; ``FULL = Config()`` and
  ``QUICK = Config(...)`` (the ``check --quick`` sizes);
* ``run(config, progress=None) -> list[ResultRecord]`` — ``progress(label)`` is called once per
  finished unit of work (an instance), so the command line can drive a progress bar;
* ``units(config) -> int`` — how many times ``progress`` will be called.

A censored count is ``inconclusive``, never ``pass``; a reconstructed bound that fails is a
``fail`` record whose ``notes`` say it is a finding (paper.md §4 marks).
"""
