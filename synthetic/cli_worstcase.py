"""``python -m synthetic worst-case``: the 1-D worst case of one step rule over the class.

worst-case --method gd|clipped|normalized [--h H | --eta E --gamma G | --eta E --beta B]
    | --rule thm3|thm6|vankov|vankov-clipped, --L0 --L1 --M --eps --delta [--json]
prints one object: ``sup_T`` (the supremum of T_ε over 1-D members, null when some member never
converges; :func:`theory.statements.worstcase.one_d_supremum`; with ``exact`` false, when some
step can flip the sign of f', a lower estimate), ``upper`` (Δ/c + 1 when exact, else null),
``h_2c`` (fixed step only: the exact non-convergence threshold), ``witness`` (the best
certified witness with sympy pieces: ``name``, ``pieces`` [[expr, lo, hi], ...], ``x0``,
``certified``, ``iterations``, exact, null with ``status`` "never converges" or "censored",
``iterations_at_least`` then the steps made), ``ratio`` (the best certified
witness, this or the dip witness, over sup_T),
and ``dip_witness`` (the slope with one least-decrease dip per step, counted exactly).
docs/statements.md §5c.

``--search [--seed N] [--search-time S] [--cells K] [--generations G]`` adds ``search``
(null without it): differential evolution over ψ profiles (:func:`synthetic.search.
search_worst_case`) with ``best_iterations`` (the best profile's exact count, null when it
never converges within ``cap``), ``ratio`` (best_iterations/sup_T), ``non_converging``,
``distilled`` (the certified motif it resembles: ``name``, ``motif``, ``pieces``, ``x0``,
``certified``, ``iterations``, ``delta``), ``seconds``, ``seed``, ``cells``, ``generations``,
``stopped`` and the best ``profile``; a progress bar on stderr unless --json.
"""
from __future__ import annotations

import json
import math
import time

from plumbing.cli import EXIT_OK, UsageError

RULE_NAMES = {"thm3": "thm3", "thm6": "thm6", "vankov": "vankov",
              "vankov-clipped": "vankov_clipped"}
SUPPORTED = (1e-8, 1e8)
EXTREMAL_CAP = 10**5  # steps counted on an extremal witness that is not proved to cycle
SEARCH_DEFAULTS = {"seed": 0, "search_time": 60.0, "cells": 4, "generations": 40}
MAX_SEARCH_TIME, MAX_SEED, MAX_GENERATIONS, MAX_CELLS = 600.0, 2**32 - 1, 10_000, 12


def _search_options(args, number) -> dict | None:
    """The --search options (None without --search; given without it: one line)."""
    given = [k for k in SEARCH_DEFAULTS if getattr(args, k, None) is not None]
    if not args.search:
        if given:
            names = ", ".join("--" + k.replace("_", "-") for k in given)
            raise UsageError(f"{names} {'applies' if len(given) == 1 else 'apply'} only with "
                             "--search")
        return None
    out = dict(SEARCH_DEFAULTS)
    for key, low, high in (("seed", 0, MAX_SEED), ("cells", 0, MAX_CELLS),
                           ("generations", 2, MAX_GENERATIONS)):
        text = getattr(args, key, None)
        if text is None:
            continue
        v = number(text, f"--{key}")
        if not (v == int(v) and low <= v <= high):
            raise UsageError(f"--{key} must be an integer in [{low}, {high}], got {text}")
        out[key] = int(v)
    if getattr(args, "search_time", None) is not None:
        v = number(args.search_time, "--search-time")
        if not 0 < v <= MAX_SEARCH_TIME:
            raise UsageError(f"--search-time must be a number of seconds in (0, "
                             f"{MAX_SEARCH_TIME:g}], got {args.search_time}")
        out["search_time"] = v
    return out


def _search(method, params, L0, L1, M, eps, Delta, options, quiet) -> dict:
    """The ``search`` object (a progress bar on stderr unless ``quiet``)."""
    from synthetic.cli_check import LazyBar
    from synthetic.search import search_worst_case

    bar = LazyBar(options["generations"], "worst-case --search", "generation", disable=quiet)
    try:
        result = search_worst_case(
            method, params, L0, L1, M, eps, Delta, cells=options["cells"],
            seed=options["seed"], maxiter=options["generations"],
            time_limit=options["search_time"],
            progress=lambda k, best: bar.step(f"best {best:.0f}"))
    except ValueError as e:
        raise UsageError(f"--search: {e}") from None
    finally:
        bar.close()
    return result.to_dict()


def _rule(args, L0, L1, M, number):
    from theory.statements.steps import rule_parameters

    given = {k: getattr(args, k) for k in ("h", "eta", "gamma", "beta")
             if getattr(args, k) is not None}
    if (args.rule is None) == (args.method is None):
        raise UsageError("give exactly one of --rule NAME or --method gd|clipped|normalized")
    if args.rule is not None:
        if given:
            raise UsageError(f"--rule {args.rule} sets the step: drop --{', --'.join(given)}")
        return rule_parameters(RULE_NAMES[args.rule], L0, L1, M=M)
    need = {"gd": ("h",), "clipped": ("eta", "gamma"), "normalized": ("eta", "beta")}[
        args.method]
    if set(given) != set(need):
        raise UsageError(f"--method {args.method} needs exactly --{' --'.join(need)}")
    params = {}
    for k in need:
        v = number(given[k], f"--{k}")
        if not v > 0:
            raise UsageError(f"--{k} must be > 0, got {v:g}")
        params[k] = v
    return args.method, params


def _witness(method, params, L0, L1, M, eps, Delta, rule, wc):
    """(name, construction, report) of the best certified witness with sympy pieces."""
    from theory.functions.witnesses import bowl_member, extremal_member, walled_member

    if wc.two_cycle_gradient is not None:
        g = _cycling_gradient(method, params, L0, L1, wc.two_cycle_gradient)
        c, report = extremal_member(L0, L1, g, Delta)
        return "extremal", c, report
    if method == "gd" and M > eps * 1.01 * (1 + 1e-9):
        c, report = walled_member(L0, L1, M, eps, Delta)
        return "walled_slope", c, report
    c, report = bowl_member(L0, L1, M, eps, Delta)
    return "B_delta", c, report


def _cycling_gradient(method, params, L0, L1, g: float) -> float:
    """A short decimal g' <= g (sympy stays fast on it) at which the extremal function still
    never converges: for fixed-step GD h >= h_2c(g') (h_2c decreases in M, so flooring g can
    lift the threshold above h); for other rules the 2-cycle gradient itself."""
    from theory.statements.worstcase import h_2c

    if method != "gd":
        return g
    for digits in range(9, 18):
        cand = math.floor(g * 10**digits) / 10**digits
        if cand > 0 and params["h"] >= h_2c(L0, L1, cand) * (1 + 1e-12):
            return cand
    return g


def _never_converges(method, params, L0, L1, report) -> bool:
    """The extremal witness with M = report.M provably never converges: fixed-step GD with
    h >= h_2c(M) (its exact 2-cycle, docs/statements.md §5c, and a growing amplitude above)."""
    from theory.statements.worstcase import h_2c

    return method == "gd" and params["h"] >= h_2c(L0, L1, report.M) * (1 + 1e-12)


def _best_ratio(iterations, dip, sup_T):
    """The best certified witness's count (sympy witness or dip witness) over sup_T."""
    counts = [c for c in (iterations, (dip or {}).get("iterations")) if c is not None]
    return max(counts) / sup_T if counts and sup_T else None


def cmd_worst_case(args, number) -> int:
    """The ``worst-case`` command (``number(text, name)`` parses one number, one-line errors)."""
    from synthetic.fastcount import gd_count
    from synthetic.search import plateau_count
    from theory.functions.dips import dip_slope
    from theory.functions.toolkit import gradient_pieces
    from theory.functions.witnesses import pieces_json
    from theory.statements.steps import step_rule
    from theory.statements.worstcase import h_2c, one_d_supremum

    values = {}
    for name in ("L0", "L1", "M", "eps", "delta"):
        v = number(getattr(args, name), f"--{name}")
        if not (SUPPORTED[0] <= v <= SUPPORTED[1]):
            raise UsageError(f"--{name} = {v:g} is outside the supported range "
                             f"[{SUPPORTED[0]:g}, {SUPPORTED[1]:g}]")
        values[name] = v
    L0, L1, M, eps, Delta = (values[k] for k in ("L0", "L1", "M", "eps", "delta"))
    if not M > eps:
        raise UsageError(f"--M must exceed --eps, got M={M:g}, eps={eps:g}")
    method, params = _rule(args, L0, L1, M, number)
    options = _search_options(args, number)
    started = time.perf_counter()
    rule = step_rule(method, **params)
    wc = one_d_supremum(rule, L0, L1, M, eps, Delta,
                        fixed_h=params["h"] if method == "gd" else None)
    try:
        name, c, report = _witness(method, params, L0, L1, M, eps, Delta, rule, wc)
    except ValueError as e:
        raise UsageError(f"no witness for these parameters: {e}") from None
    certified = bool(report.member and report.certified)
    status, at_least = "never converges", None
    if name == "extremal" and _never_converges(method, params, L0, L1, report):
        iterations = None  # the exact 2-cycle (docs/statements.md §5c), not simulated
    else:
        # the walled slope's wall is never visited from x0: its f' is built only if it is
        # an extremal (2-cycle) witness of a gradient-dependent rule is only near-exact in
        # doubles: a short cap reports it censored at once instead of running to the limit
        count = gd_count(gradient_pieces(c, lazy=name == "walled_slope"), float(c.x0), eps,
                         rule, max_iter=EXTREMAL_CAP if name == "extremal" else 10**12,
                         time_limit=30.0)
        iterations = count.iterations
        status = {"converged": "converged", "diverged": "never converges"}.get(
            count.status, "censored")
        at_least = count.steps if status == "censored" else None
    dip = None
    if wc.sup_T is not None:
        try:
            dw = dip_slope(L0, L1, rule, eps, Delta)
            dc = plateau_count(dw.pieces, dw.x0, eps, rule, time_limit=30.0)
            dip = {"iterations": dc.iterations, "periods": dw.periods, "Delta": dw.Delta,
                   "M": dw.M, "certified": dw.certified}
        except ValueError as e:
            dip = {"iterations": None, "note": str(e)}
    out = {"method": method, "params": params, "L0": L0, "L1": L1, "M": M, "eps": eps,
           "Delta": Delta, "sup_T": wc.sup_T, "exact": wc.exact, "upper": wc.upper,
           "per_step": wc.per_step, "stationary": wc.stationary,
           "flips_cheaper": wc.flips_cheaper, "flip_gradient": wc.flip_gradient,
           "h_2c": h_2c(L0, L1, M, Delta) if method == "gd" else None,
           "witness": {"name": name, "pieces": pieces_json(c), "x0": str(c.x0),
                       "certified": certified, "iterations": iterations,
                       "status": status, "iterations_at_least": at_least,
                       "M": report.M, "Delta": report.Delta},
           "ratio": _best_ratio(iterations, dip, wc.sup_T),
           "dip_witness": dip, "assumptions": wc.assumptions, "search": None if options is None
           else _search(method, params, L0, L1, M, eps, Delta, options, args.json),
           "seconds": time.perf_counter() - started}
    if args.json:
        from plumbing.jsonio import to_jsonable
        print(json.dumps(to_jsonable(out), allow_nan=False))
        return EXIT_OK
    sup = "never converges on some member" if wc.sup_T is None else f"{wc.sup_T:.6g}" if \
        wc.exact else f"at least {wc.sup_T:.6g} (steps can flip the sign of f' from " \
        f"|f'| = {wc.flip_gradient:.4g}: a lower estimate, docs/statements.md §5c)"
    print(f"1-D supremum of T_eps: {sup}" + ("" if out["h_2c"] is None else
                                            f"   (h_2c = {out['h_2c']:.6g})"))
    its = str(iterations) if iterations is not None else "never" if \
        status == "never converges" else f"at least {at_least} (censored)"
    print(f"witness {name} ({'certified' if certified else 'NOT certified'}): {its} steps"
          + ("" if out["ratio"] is None else f", {out['ratio']:.4f} of the supremum"))
    if dip is not None and dip.get("iterations") is not None:
        print(f"dip witness: {dip['iterations']} steps ({dip['periods']} dips)")
    if out["search"] is not None:
        _print_search(out["search"])
    return EXIT_OK


def _print_search(s: dict) -> None:
    best = "never converges (within the cap)" if s["non_converging"] else \
        f"{s['best_iterations']} steps" if s["best_iterations"] is not None else \
        f"censored ({s['best_note'] or s['best_status']})"
    ratio = "" if s["ratio"] is None else f", {s['ratio']:.4f} of the supremum"
    print(f"search (seed {s['seed']}, {s['cells']} cells, {s['generations']} generations, "
          f"{s['seconds']:.1f} s): best member {best}{ratio}")
    d = s["distilled"] or {}
    if d.get("name") is None:
        print(f"distilled: none ({d.get('note', 'no member found')})")
        return
    its = f"{d['iterations']} steps" if d["iterations"] is not None else "never" if \
        d["motif"] == "2-cycle" else f"censored ({d.get('count_status')})"
    print(f"distilled {d['name']} ({'certified' if d['certified'] else 'NOT certified'}, "
          f"{d['motif']}): {its}")
