"""The commands of ``python -m theory``; the entry point, the parser and the progress bars are
:mod:`theory.cli` (the only module of the package that imports tqdm).

certify      class, L, L1_min and the frontier L0*(L1) of a univariate expression
catalogue    ``catalogue`` (verify the declared constants) and ``frontiers`` (L0*(L1) of the
             univariate entries on an L1 grid), each writing its files together
multicheck   numeric search for a violation of ||∇²f|| <= L0 + L1||∇f|| on a box
arguments    the option checks and limits (every refusal names its option)
help         the help texts: expression syntax, symbols, epilogs

The symbols and the frontier L0*(L1) = sup_x (||∇²f(x)|| - L1 ||∇f(x)||) are those of
docs/statements.md §1. Each command takes the parsed arguments and the progress-bar factory it
needs, and returns its exit code (plumbing.cli: 0 ok, 1 a verdict failed); bad input is a
:class:`plumbing.cli.UsageError`.
"""
