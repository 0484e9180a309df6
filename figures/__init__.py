"""One script per figure, reading result files only (matplotlib, numpy).

Not implemented yet: delivered by the issue "figures/ and make reproduce". Imports nothing of ours
but its own style helper.
"""
