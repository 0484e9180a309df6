"""The help texts of ``python -m theory``: expression syntax, symbols, epilogs per command.

The symbols are those of docs/statements.md §1: (L0,L1)-smoothness (Definition 1,
|f''(x)| <= L0 + L1 |f'(x)|, ||∇²f|| <= L0 + L1 ||∇f|| in several variables), L = sup |f''|,
L1_min = inf {L1 : L0*(L1) < oo} and the frontier L0*(L1) = max(0, sup_x |f''(x)| - L1 |f'(x)|),
the smallest valid L0 for that L1. The expression limits quoted are those the parser enforces
(:mod:`theory.expressions.parsing`); the limits of the options are in
:mod:`theory.commands.arguments`.
"""
from __future__ import annotations

from plumbing.cli import EXIT_CODES_HELP
from theory.expressions.parsing import MAX_DEGREE, MAX_DEPTH, MAX_LENGTH, MAX_TERMS

EXPRESSION_HELP = f"""\
expressions (EXPR or --expr):
  Python-like syntax in the variables named by --vars (default x); every variable is real.
  ^ and ** are powers; 2x and 2 x mean 2*x (implicit multiplication); .5 is 0.5.
  functions: exp log ln sqrt cbrt sin cos tan atan asinh sinh cosh tanh atanh sech erf,
    Abs abs sign Max Min max min Heaviside, Piecewise((expr, cond), ..., (expr, True)),
    Rational(p, q); constants: pi, E (= e). No other names, no '.', '_', strings or indexing.
  limits: at most {MAX_LENGTH} characters; polynomial degree at most {MAX_DEGREE} (powers
    multiply degrees, products add them, a function counts its argument: sin(x**3)**400 has
    degree 1200, ((x+1)**999)**999 degree 998001); at most {MAX_TERMS} terms when expanded;
    nesting at most {MAX_DEPTH} deep; every constant 0 or 1e-300 <= |c| <= 1e300; at most 6
    Abs/sign/Max/Min/Heaviside/Piecewise terms.
  certify needs f defined, real and twice differentiable on all of R: Abs, Max, Min,
    Piecewise, ... are accepted only where f, f' and f'' agree at the joins (C²), e.g.
    exp(Abs(x)) - Abs(x) - 1; log(x), sqrt(x), 1/x and Abs(x) are refused.
"""

SYMBOLS_HELP = """\
symbols (Zhang, He, Sra, Jadbabaie, ICLR 2020, arXiv:1905.11881, Definition 1):
  (L0,L1)-smooth: |f''(x)| <= L0 + L1 |f'(x)| for all x (||∇²f|| <= L0 + L1 ||∇f|| in
    several variables, operator 2-norm).
  L        sup |f''| (f is L-smooth, the case L1 = 0); "none" when unbounded.
  L1_min   inf {L1 : some finite L0 works}; below it no L0 exists.
  L0*(L1)  the frontier: max(0, sup_x |f''(x)| - L1 |f'(x)|), the smallest valid L0 for that
           L1 (null / "none" where no finite L0 exists).
  method   exact-polynomial, exact-symbolic (certified), numeric-polynomial, numeric-guarded
           (estimated, never certified).
"""

CERTIFY_EPILOG = EXPRESSION_HELP + "\n" + SYMBOLS_HELP + f"""
time: --timeout S bounds the whole command: the answer comes within S seconds, or the command
  exits 2 saying that the time ran out (rerun with a larger --timeout or a simpler f). The
  symbolic steps share the first half of S, each at most max(10, S/10) and at most S/2
  seconds; a step that runs out falls back to the numeric search (the answer then says
  "estimated"), which has the rest. Start-up (imports, about a second) is not counted.

{EXIT_CODES_HELP}
"""

MULTICHECK_EPILOG = EXPRESSION_HELP + "\n" + SYMBOLS_HELP + f"""
verdicts: fail (a point with ||∇²f|| > L0 + L1||∇f|| was found: exit 1), pass (none found,
  every evaluation finite: exit 0, evidence only), inconclusive (none found, some evaluations
  overflowed: exit 0).

{EXIT_CODES_HELP}
"""

CATALOGUE_EPILOG = SYMBOLS_HELP + f"""
Writes records.jsonl, config.json and env.json into --out, each file replaced atomically;
nothing is written when an argument is refused. Exit 1 when a declared constant, class or f*
fails its check.

{EXIT_CODES_HELP}
"""

FRONTIERS_EPILOG = SYMBOLS_HELP + f"""
Writes frontiers.json (schema l0l1-frontiers/1), config.json and env.json into --out, each
file replaced atomically; nothing is written when an argument is refused.

{EXIT_CODES_HELP}
"""
