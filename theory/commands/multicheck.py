"""``python -m theory multicheck``: a numeric (L0,L1) check of a multivariate expression.

Searches the box B for the worst violation of Definition 1 (docs/statements.md §1),

    e(x) = ||∇²f(x)||_2 - (L0 + L1 ||∇f(x)||_2),   x in B,

with :func:`theory.smoothness.multivariate.check_l0l1` (quasi-random points, structured points,
local refinement). An estimate: verdict ``fail`` (a point with e > 0 was found, exit 1),
``pass`` (none found, every evaluation finite: evidence only) or ``inconclusive`` (none found,
some evaluations overflowed).
"""
from __future__ import annotations

from typing import Any, Callable

from plumbing.cli import EXIT_OK, EXIT_VERDICT_FAILED, UsageError, emit, int_in_range
from plumbing.jsonio import to_jsonable
from theory.commands.arguments import (MAX_SAMPLES, MAX_SEED, MIN_SAMPLES, _box,
                                       _expression_text, _number, _parse, _variable_names)


def run_multicheck(args, lazy_bar: Callable[..., Any]) -> int:
    """``multicheck``: search the box for a violation; 0 (pass or inconclusive), or 1 when
    one is found. ``lazy_bar(total, desc, unit)`` makes the progress bar (theory.cli)."""
    names = _variable_names(args.var, "--vars")
    L0, L1 = _number(args.L0, "--L0"), _number(args.L1, "--L1")
    samples = int_in_range("--samples", args.samples, MIN_SAMPLES, MAX_SAMPLES)
    seed = int_in_range("--seed", args.seed, 0, MAX_SEED)
    box = _box(args.box, len(names))
    expr = _parse(_expression_text(args), names)

    import numpy as np

    from theory.smoothness.multivariate import check_l0l1
    from theory.expressions.parsing import real_symbol

    bar = lazy_bar(samples, "multicheck", "point") if not args.json else None
    try:
        result = check_l0l1(expr, [real_symbol(n) for n in names], L0, L1, box,
                            n_samples=samples, rng=np.random.default_rng(seed),
                            progress=bar.update if bar is not None else None)
    except RecursionError:
        raise UsageError("--expr: f nests too deeply for the symbolic derivatives") from None
    except ValueError as exc:
        raise UsageError(f"--expr: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    payload = {"expression": str(expr), **result.to_dict()}
    payload["variables"] = list(names)
    emit(to_jsonable(payload), args.json)
    return EXIT_VERDICT_FAILED if result.verdict == "fail" else EXIT_OK
