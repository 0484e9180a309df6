"""Construction toolkit, the running half: sweep fixed steps on a construction against a bound.

Pairs with :mod:`theory.functions.toolkit` (define pieces, certify C² joins, (L0,L1) per piece, f*,
Δ, M on the sublevel set). :func:`sweep` counts GD (or clipped / normalized GD) iterations
from the construction's x0 for many steps with the exact fast counter
(:func:`synthetic.fastcount.gd_count`) and confronts each count with a candidate bound, lower
(the count must reach it: the construction is as hard as claimed) or upper.

Example (README "Construction toolkit")::

    from theory.functions.toolkit import construction, analyse
    from synthetic.toolkit import sweep
    c = construction("my-B", [("-x/5 - 3/80", "-oo", "-1/2"), ..., ], x0=20)
    report = analyse(c, L0=1, L1=1, M=10, Delta=4)
    rows = sweep(c, hs=[1e-3, 1e-2, 1e-1], eps=0.1, candidate=lambda h: 3.9 / (0.04 * h))
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from synthetic.fastcount import gd_count
from theory.statements.steps import step_rule
from theory.functions.toolkit import Construction, gradient_pieces

__all__ = ["sweep"]


def sweep(c: Construction, hs, eps: float, candidate: float | Callable[[float], float], *,
          kind: str = "lower", method: str = "gd", max_iter: int = 10**13, **params) -> list[dict]:
    """T_ε on ``c`` for each fixed step in ``hs`` against ``candidate`` (a number or h -> bound).

    Parameters
    ----------
    c : Construction
    hs : array_like
        Steps h > 0 (for ``gd``); for ``clipped`` / ``normalized`` each entry is η and the
        other parameter comes from ``params`` (``gamma`` or ``beta``).
    eps : float
        Target |f'| <= ε.
    candidate : float or callable
        The bound to confront, possibly depending on h.
    kind : {"lower", "upper"}
        ``holds`` is T_ε >= bound (lower; never converging counts as ∞) or T_ε <= bound (upper).
        ``sweep`` only counts: whether ``c`` belongs to the class the bound is about (f* finite,
        C², the constants, M, Δ) is :func:`theory.functions.toolkit.analyse`'s job — a construction
        with f -> -oo along a slope "never converges" and so trivially satisfies a lower bound.
        A censored count (``max_iter``) decides only when the cap already settles it, otherwise
        ``holds`` is None.

    Returns
    -------
    list of dict
        ``h``, ``iterations`` (None unless converged), ``status``, ``bound``, ``holds``,
        ``ratio`` (T_ε / bound), ``jumped`` (steps done in closed form).
    """
    if kind not in ("lower", "upper"):
        raise ValueError(f"kind must be 'lower' or 'upper', got {kind!r}")
    pieces, x0 = gradient_pieces(c), float(c.x0)
    rows = []
    for h in np.atleast_1d(np.asarray(hs, dtype=float)):
        key = "h" if method == "gd" else "eta"
        count = gd_count(pieces, x0, eps, step_rule(method, **{key: float(h)}, **params),
                         max_iter=max_iter)
        bound = float(candidate(float(h)) if callable(candidate) else candidate)
        T = math.inf if count.status == "diverged" else float(count.steps)
        if count.status == "max_iter":  # T_ε > cap: decides a lower bound only if cap >= bound
            holds = (True if T >= bound else None) if kind == "lower" else \
                (False if T > bound else None)
        else:
            holds = T >= bound if kind == "lower" else T <= bound
        rows.append({"h": float(h), "iterations": count.iterations, "status": count.status,
                     "bound": bound, "holds": holds, "ratio": T / bound if bound else None,
                     "jumped": count.jumped})
    return rows
