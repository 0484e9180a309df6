"""Algorithms (GD, clipped/normalized GD, SGD, clipped SGD) on constructed functions and theorem checks.

So far: :mod:`synthetic.runners` (deterministic GD, clipped GD, normalized GD, vectorised over a
batch of runs, exact iteration counts and statuses), :mod:`synthetic.stochastic` (SGD and clipped
SGD with bounded-noise oracles, median hitting times) and ``python -m synthetic run``. The
lower-bound constructions and the theorem checks (issue "synthetic/: run
the algorithms on constructed functions and check every theorem") are still to come. Imports
``theory`` and numpy/scipy only.
"""
