"""theory: the mathematics of Zhang, He, Sra, Jadbabaie (ICLR 2020) as code.

(L0,L1)-smoothness (Definition 1): ||∇²f(x)|| <= L0 + L1||∇f(x)|| for all x.

Modules
-------
certify       class, L, L1_min and the frontier L0*(L1) of a univariate expression (exact where
              sympy can decide, a guarded numeric supremum otherwise, always labelled)
multivariate  numeric search for violations / frontier estimates in several variables
catalogue     test functions with hand-derived constants; catalogue_check verifies them
steps         step-size rules (fixed, clipped, normalized, Theorems 3, 6, 7, 8, follow-ups)
bounds        one function per theorem bound, each with its mark (paper/reconstructed/follow-up)
lemmas        follow-up lemmas usable as numeric checks (Grönwall, local Lipschitz, Vankov model)
fitting       (L0,L1) from measured (gradient norm, smoothness) samples
records       the result record shared by every check, atomic JSON / JSON-lines output
objective     f and ∇f compiled to numpy for the runners
sublevel      M = sup{|f'| : f <= f(x0)} on the sublevel set (Assumption 4)
construction  the construction toolkit: 1-D pieces, C² joins, (L0,L1) per piece, f*, Δ, M
constructions the paper's lower-bound constructions A, B and the extremal function

Imports numpy, scipy, sympy (and mpmath, sympy's arithmetic library) only; the command line
(``python -m theory``) adds tqdm for progress.
"""
from theory.certify import Certificate, FrontierPoint, certify
from theory.parsing import ExpressionError, parse_expression
from theory.records import ResultRecord, verdict_for

__all__ = ["certify", "Certificate", "FrontierPoint", "parse_expression", "ExpressionError",
           "ResultRecord", "verdict_for"]
__version__ = "0.1.0"
