"""The registered hypothesis profile: derandomized by default, so a CI failure replays."""
from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st


def test_the_default_profile_is_derandomized_without_a_database():
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        return  # a developer chose the random profile on purpose
    assert settings.default.derandomize is True and settings.default.database is None


def test_two_runs_draw_the_same_examples():
    """Negative-control-style check of the property itself: the same test run twice draws the
    same sequence (it would differ under a random profile)."""
    def draw():
        seen = []

        @settings(max_examples=20)
        @given(st.integers(0, 10**9))
        def record(x):
            seen.append(x)

        record()
        return seen

    first, second = draw(), draw()
    if settings.default.derandomize:
        assert first == second and len(set(first)) > 1
