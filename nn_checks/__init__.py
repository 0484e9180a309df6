"""Smoothness against gradient norm along real LSTM and CNN training.

Not implemented yet: this package is delivered by the issue "nn_checks/: measure smoothness against
gradient norm along real LSTM and CNN training". It may import ``theory`` (fitting, records), torch
and numpy.
"""
