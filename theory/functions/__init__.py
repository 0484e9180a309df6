"""Functions room: the members of the class the checks run on (docs/architecture.md).

catalogue      test functions with hand-derived constants (ids unique, each with its derivation)
verify         each catalogue entry's declared constants confronted with certification
toolkit        the construction toolkit: 1-D pieces, C² joins, (L0,L1) per piece, f*, Δ, M
constructions  the paper's lower-bound constructions A, B and the extremal function, built with
               the toolkit (docs/statements.md §5)
"""
