"""Named tolerance tiers of the test suite, each with its reason.

Import them as ``from tolerances import ROUNDING_RTOL`` (``tests/`` is on the path through its
conftest). A test that needs another tolerance states it next to its assertion, with a reason.

EXACT_RTOL
    Quantities computed from exact symbolic roots and evaluated in 30-digit arithmetic, then
    rounded once to double precision (and nudged up by at most one ulp so the pair is valid).
    Agreement to 1e-12 relative is the double-precision floor with a margin.
ROUNDING_RTOL
    Closed-form identities evaluated in double precision through several operations (bounds,
    step-size rules, metamorphic rescalings): a few hundred ulps.
NUMERIC_RTOL
    Guarded numeric suprema (grid + bounded local refinement by scipy): the refinement stops at
    xatol ~1e-10 in x, so the supremum is accurate to ~1e-6 relative on smooth maxima.
STAT_RTOL
    Statistical estimates (bootstrap, regression on noisy samples): set per test from the
    sample size; this is the default for well-conditioned fits with n >= 2000.
"""
EXACT_RTOL = 1e-12
ROUNDING_RTOL = 1e-9
NUMERIC_RTOL = 1e-6
STAT_RTOL = 0.05
