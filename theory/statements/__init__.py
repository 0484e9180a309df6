"""Statements room: the paper's and the follow-ups' statements as plain functions.

steps   step-size rules h(||g||): fixed, clipped, normalized, the parameters of Theorems 3, 6,
        7, 8 and of the follow-ups (docs/statements.md §3, §4)
bounds  one function per theorem bound, each returning its value and its mark (paper /
        reconstructed / follow-up) (docs/statements.md §4)
lemmas  consequences of (L0,L1)-smoothness usable as numeric checks (docs/statements.md §1)

numpy only: importing this room never imports sympy.
"""
