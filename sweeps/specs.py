"""Parsing of sweep specifications: seed ranges and lists (comma-separated numbers are
:func:`plumbing.cli.number_list`)."""
from __future__ import annotations


__all__ = ["parse_seeds", "MAX_SEEDS", "MAX_SEED"]

MAX_SEEDS = 1000  # seeds of one sweep: more is a typo, not an experiment
MAX_SEED = 2**32 - 1  # nn_checks.config.MAX_SEED


def _seed(text: str, spec: str) -> int:
    text = text.strip()
    shown = spec if len(spec) <= 60 else spec[:57] + "..."
    if not text.isascii() or not text.isdigit():
        what = "a negative number or an empty range end" if not text else repr(text[:40])
        raise ValueError(f"--seeds {shown!r}: {what} is not a non-negative integer")
    if len(text.lstrip("0")) > len(str(MAX_SEED)):  # int() of 4300+ digits is a ValueError
        raise ValueError(f"--seeds {shown!r}: a seed of {len(text)} digits is above {MAX_SEED}")
    value = int(text.lstrip("0") or "0")
    if value > MAX_SEED:
        raise ValueError(f"--seeds {shown!r}: seed {value} is above {MAX_SEED}")
    return value


def parse_seeds(spec: str) -> tuple[int, ...]:
    """Seeds from ``"0-4"``, ``"1,3,7"`` or a mix (``"0-2,10"``): increasing, without repeats.

    ``ValueError`` (one line naming the spec) for an empty spec, a negative or non-integer
    seed, a decreasing range (``"4-0"``), a seed above 2^32 − 1, or more than
    :data:`MAX_SEEDS` seeds.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("--seeds: empty; give a range (0-4) or a list (1,3,7)")
    seeds: set[int] = set()
    for part in spec.split(","):
        if not part.strip():
            raise ValueError(f"--seeds {spec!r}: an empty item")
        low, sep, high = part.partition("-")
        if sep:
            a, b = _seed(low, spec), _seed(high, spec)
            if b < a:
                raise ValueError(f"--seeds {spec!r}: range {part.strip()} decreases")
            if b - a + 1 > MAX_SEEDS:
                raise ValueError(f"--seeds {spec!r}: more than {MAX_SEEDS} seeds")
            seeds.update(range(a, b + 1))
        else:
            seeds.add(_seed(part, spec))
        if len(seeds) > MAX_SEEDS:
            raise ValueError(f"--seeds {spec!r}: more than {MAX_SEEDS} seeds")
    return tuple(sorted(seeds))
