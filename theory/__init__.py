"""theory: the mathematics of Zhang, He, Sra, Jadbabaie (ICLR 2020) as code.

(L0,L1)-smoothness (docs/statements.md §1, Definition 1): ||∇²f(x)|| <= L0 + L1||∇f(x)||.

Rooms (docs/architecture.md), each importing only the rooms its row there names:

expressions  parsing of user expressions, symbolic helpers with time limits, compiled objectives
smoothness   certification of a univariate expression (class, L, L1_min, the frontier
             L0*(L1)), the sublevel M of Assumption 4, the multivariate numeric search
functions    the catalogue and its verification, the construction toolkit, the paper's
             lower-bound constructions A, B and the extremal function
statements   step-size rules, the theorem bounds with their marks, the follow-up lemmas
             (numpy only: importing them never imports sympy)
fitting      (L0,L1) from measured (gradient norm, smoothness) samples (numpy, scipy)
records      the one result record of every check

The command line ``python -m theory`` is :mod:`theory.cli` (parser, progress) with one module
per command group in :mod:`theory.commands`.

Importing ``theory`` is cheap: :func:`certify`, :class:`Certificate`, :func:`parse_expression`
and the others below are loaded on first use (``theory.certify(...)``), so ``import theory``,
the step rules and the bounds do not import sympy.
"""
from __future__ import annotations

import importlib

__all__ = ["certify", "Certificate", "FrontierPoint", "parse_expression", "ExpressionError",
           "ResultRecord", "verdict_for"]
__version__ = "0.1.0"

_LAZY = {"certify": "theory.smoothness.certify", "Certificate": "theory.smoothness.certify",
         "FrontierPoint": "theory.smoothness.certify",
         "parse_expression": "theory.expressions.parsing",
         "ExpressionError": "theory.expressions.parsing",
         "ResultRecord": "theory.records", "verdict_for": "theory.records"}


def __getattr__(name: str):
    """Load the public names of ``__all__`` on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'theory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
