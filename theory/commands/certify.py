"""``python -m theory certify``: the class and the frontier of a univariate expression.

For f of one real variable: its class (L-smooth, (L0,L1)-smooth, neither), L = sup |f''|,
L1_min = inf {L1 : L0*(L1) < oo} and the frontier

    L0*(L1) = max(0, sup_x |f''(x)| - L1 |f'(x)|)

on the given L1 values (docs/statements.md §1, Definition 1 and "The frontier L0*(L1)"),
computed by :func:`theory.smoothness.certify.certify`: exact (certified) where sympy decides in
time, estimated otherwise. ``--timeout S`` bounds the whole command.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from plumbing.cli import EXIT_OK, UsageError
from plumbing.jsonio import to_jsonable
from theory.commands.arguments import (MAX_TIMEOUT, _expression_text, _float_list, _fmt, _parse,
                                       _timeout, _variable_names)
from theory.expressions.parsing import ExpressionError


def run_certify(args, started: float, lazy_bar: Callable[..., Any]) -> int:
    """``certify``: class, L, L1_min and the frontier of one expression; returns 0 (bad input
    or the time running out is a UsageError, exit 2). ``started`` is the command's start
    (time.monotonic) for ``--timeout``; ``lazy_bar(total, desc)`` makes the progress bar."""
    names = _variable_names(args.var, "--vars")
    if len(names) != 1:
        raise UsageError(f"--vars: certify takes one variable, got {len(names)} "
                         "(use multicheck for several)")
    timeout = _timeout(args.timeout)
    L1_values = _float_list(args.L1, "--L1") if args.L1 is not None else None
    expr = _parse(_expression_text(args), names)

    from theory.smoothness.certify import TimeLimitExceeded, certify

    left = timeout - (time.monotonic() - started)
    step = min(timeout / 2, max(10.0, timeout / 10))
    bar = _certify_progress(args, L1_values, lazy_bar)
    try:
        cert = certify(expr, names[0], L1_values, timeout=step, budget=max(left, 0.05),
                       progress=bar.update if bar is not None else None)
    except TimeLimitExceeded:
        raise UsageError(f"--timeout {timeout:g}: the time ran out before an answer; rerun with "
                         f"a larger --timeout (e.g. --timeout {min(4 * timeout, MAX_TIMEOUT):g})"
                         " or a simpler expression") from None
    except ExpressionError as exc:
        raise UsageError(f"--expr: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    payload = cert.to_dict()
    payload["variables"] = [cert.variable]
    if args.json:
        print(json.dumps(to_jsonable(payload), allow_nan=False))
        return EXIT_OK
    status = "certified (exact)" if cert.certified else "estimated (numeric)"
    print(f"f({cert.variable}) = {cert.expression}")
    print(f"class    {cert.cls}   [{cert.class_method}, "
          f"{'certified' if cert.class_certified else 'estimated'}]")
    print(f"L        {_fmt(cert.L)}")
    print(f"L1_min   {_fmt(cert.L1_min)}   (attained: {_fmt(cert.L1_min_attained)})")
    print(f"method   {cert.method}   {status}   {cert.seconds:.2f} s")
    print(f"{'L1':>12}  {'L0*(L1)':>22}  {'argmax x':>14}  method")
    for pt in cert.frontier:
        print(f"{pt.L1:>12.6g}  {_fmt(pt.L0):>22}  {_fmt(pt.argmax):>14}  {pt.method}"
              f"{'' if pt.certified else ' (estimated)'}")
    for note in cert.notes:
        print(f"note: {note}")
    return EXIT_OK


def _certify_progress(args, L1_values, lazy_bar: Callable[..., Any]) -> Any | None:
    """Progress over the frontier points when there are many (on a terminal only)."""
    if args.json or L1_values is None or len(L1_values) < 8:
        return None
    return lazy_bar(len(L1_values), "certify")
