"""Algorithms (GD, clipped/normalized GD, SGD, clipped SGD) on constructed functions and theorem checks.

Not implemented yet: this package is delivered by the issue "synthetic/: run the algorithms on
constructed functions and check every theorem". It may import ``theory`` (numpy/scipy only).
"""
