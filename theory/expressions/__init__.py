"""Expressions room: the base of ``theory`` (docs/architecture.md).

parsing     user expressions in a safe, size-limited grammar (never ``eval``)
symbolic    sympy helpers that give up in time (real roots, limits, rational snapping)
timelimit   wall-clock limits that hold in every thread (a watchdog raising in the thread)
objective   f and ∇f of a parsed expression compiled to numpy for the runners
"""
