"""Algorithms on constructed functions and the theorem checks (GD, clipped/normalized GD, SGD).

Modules
-------
runners      deterministic GD / clipped / normalized GD, batched, exact counts and statuses
stochastic   SGD and clipped SGD with bounded-noise oracles (Assumption 5), median hitting time
fastcount    exact, fast 1-D counts (rational jump over constant-slope pieces), pure Python
lowerbound   Thm 4: GD on the certified constructions A / B against the bound, per step
toolkit      sweep fixed steps on a user construction against a candidate bound
checks/      one module per statement: thm3, thm4, rem5, thm6, thm7, thm8, followup
checkrun     run checks into a run folder (resumable, --only adds to it, one writer), summarise

Imports ``theory`` and numpy/scipy only (sympy stays in ``theory``; ``theory.functions.toolkit``
hands f' over as plain callables).
"""
