"""Verify a catalogue entry's declared class, constants and f* (one result record each).

Univariate entries go through :func:`theory.smoothness.certify.certify` (exact where it can);
entries in several variables through :func:`theory.smoothness.multivariate.estimate_frontier` and
:func:`theory.smoothness.multivariate.check_l0l1` on the declared box (estimated). Verdicts:

* class: declared class == certified class;
* ``frontier`` constant: |L0*(L1) - declared| <= tol·|declared| (tol 1e-9 when certified,
  1e-3 for a numeric estimate; both ``None`` — no finite L0 — also passes);
* ``valid`` constant: L0*(L1) <= declared (upper);
* f*: no sampled value below f* and a local minimisation reaches f* within 1e-6·max(1, |f*|).
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from theory.functions.catalogue import CatalogueEntry, sympy_expr
from theory.expressions.parsing import parse_expression
from theory.smoothness.certify import certify
from theory.smoothness.multivariate import check_l0l1, estimate_frontier
from theory.records import ResultRecord, verdict_for
from theory.expressions.symbolic import safe_limit

__all__ = ["verify_entry", "CERTIFIED_RTOL", "ESTIMATED_RTOL"]

CERTIFIED_RTOL = 1e-9
ESTIMATED_RTOL = 1e-3


def _constant_record(entry: CatalogueEntry, L1: float, declared, measured, certified: bool,
                     method: str, search=None) -> ResultRecord:
    """The record of one declared constant; ``search``: the violation search of the declared
    pair (multivariate entries), a found violation being a hard failure."""
    tol = CERTIFIED_RTOL if certified else ESTIMATED_RTOL
    kind = "tight" if declared.kind == "frontier" else "upper"
    if declared.L0 is None or measured is None:
        verdict = "pass" if declared.L0 is None and measured is None else "fail"
    else:
        verdict = verdict_for(measured, declared.L0, kind, tol)
        if kind == "tight" and declared.L0 == 0:
            verdict = "pass" if abs(measured) <= tol else "fail"
    extra = {"declared_kind": declared.kind, "certified": certified, "method": method}
    if search is not None:
        extra |= {"violation_search": search.verdict, "worst_excess": search.worst_excess}
        verdict = "fail" if search.verdict == "fail" else verdict
    return ResultRecord(quantity="frontier" if declared.kind == "frontier" else "constant",
        check_id=f"catalogue/{entry.id}/L0@L1={L1:g}", theorem="Definition 1", mark=entry.mark,
        params={"L1": L1, "expression": entry.expression, "region": entry.region},
        measured=measured, bound=declared.L0, bound_kind=kind, tolerance=tol, verdict=verdict,
        notes=f"{declared.kind} constant; L0*(L1) by {method}"
              f" ({'certified' if certified else 'estimated'})",
        extra=extra)


def _f_star_record(entry: CatalogueEntry, expr: sp.Expr) -> ResultRecord:
    symbols = [sp.Symbol(v, real=True) for v in entry.variables]
    f = sp.lambdify(symbols, expr, ["scipy", "numpy"])
    n = len(symbols)
    if entry.region is not None:
        lo, hi = np.array(entry.region).T
    else:
        lo, hi = np.full(n, -30.0), np.full(n, 30.0)
    axes = [np.linspace(a, b, 4001 if n == 1 else 201) for a, b in zip(lo, hi)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    grid = np.vstack([grid, np.atleast_2d(entry.x0)])
    with np.errstate(all="ignore"):
        values = np.asarray(f(*grid.T), dtype=float)
    finite = np.isfinite(values)
    lowest = float(values[finite].min())
    start = grid[finite][int(np.argmin(values[finite]))]
    with np.errstate(all="ignore"):
        res = minimize(lambda z: float(f(*z)), start, method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
    reached = min(lowest, float(res.fun)) if np.isfinite(res.fun) else lowest
    scale = max(1.0, abs(entry.f_star))
    ok = lowest >= entry.f_star - 1e-12 * scale and reached <= entry.f_star + 1e-6 * scale \
        and reached >= entry.f_star - 1e-12 * scale
    return ResultRecord(
        quantity="f_star", check_id=f"catalogue/{entry.id}/f_star", theorem="Assumption 1",
        mark="paper",
        params={"grid_lo": lo.tolist(), "grid_hi": hi.tolist()}, measured=reached,
        bound=entry.f_star, bound_kind="tight", tolerance=1e-6, verdict="pass" if ok else "fail",
        notes="min over a grid then Nelder-Mead; must not go below f* and must reach it")


def refuted_along(expr: sp.Expr, symbols: list[sp.Symbol], witness: tuple[str, ...],
                  timeout: float | None = 10.0) -> bool:
    """Exact refutation of (L0,L1)-smoothness along a curve x(t), t -> oo.

    Since ||∇²f|| >= |∂²f/∂x_i²|, if ||∇f(x(t))||² has a finite limit while some
    |∂²f/∂x_i²(x(t))| -> oo, then ||∇²f|| - L1||∇f|| -> oo for every L1: no constants exist.
    """
    t = sp.Symbol("t", positive=True)
    curve = {s: parse_expression(w, ["t"]).subs(sp.Symbol("t", real=True), t)
             for s, w in zip(symbols, witness)}
    grad_sq = sp.simplify(sum(sp.diff(expr, s).subs(curve) ** 2 for s in symbols))
    grad_limit = safe_limit(grad_sq, t, sp.oo, timeout)
    if grad_limit is None or not grad_limit.is_finite:
        return False
    return any(safe_limit(sp.Abs(sp.simplify(sp.diff(expr, s, 2).subs(curve))), t, sp.oo,
                          timeout) == sp.oo for s in symbols)


def verify_entry(entry: CatalogueEntry, seed: int = 0, timeout: float | None = 10.0
                 ) -> list[ResultRecord]:
    """All records for one entry: class, every declared constant, f*."""
    expr = sympy_expr(entry)
    L1s = [float(d.L1) for d in entry.declared]
    records = []
    if len(entry.variables) == 1:
        cert = certify(expr, entry.variables[0], L1s, timeout=timeout)
        measured_class, class_certified = cert.cls, cert.class_certified
        for d, pt in zip(entry.declared, cert.frontier):
            records.append(_constant_record(entry, float(d.L1), d, pt.L0, pt.certified,
                                            pt.method))
    else:
        symbols = [sp.Symbol(v, real=True) for v in entry.variables]
        rng = np.random.default_rng(seed)
        est = estimate_frontier(expr, symbols, L1s, entry.region, rng=rng, n_samples=4096)
        for d, L1, lower in zip(entry.declared, L1s, est.L0_lower):
            chk = None if d.L0 is None else check_l0l1(
                expr, symbols, d.L0 * (1 + ESTIMATED_RTOL), L1, entry.region, rng=rng,
                n_samples=4096)
            records.append(_constant_record(entry, L1, d, float(lower), False, "numeric-search",
                                            chk))
        if entry.witness is not None and refuted_along(expr, symbols, entry.witness, timeout):
            measured_class, class_certified = "not-L0L1-smooth", True
        else:  # global class not decided numerically: constants are checked on the box only
            measured_class, class_certified = None, False
    records.insert(0, ResultRecord(
        quantity="class", check_id=f"catalogue/{entry.id}/class", theorem="Definition 1",
        mark=entry.mark,
        params={"expression": entry.expression, "variables": list(entry.variables)},
        measured=None, bound=None, bound_kind="none", tolerance=0.0,
        verdict="inconclusive" if measured_class is None else
        ("pass" if measured_class == entry.cls else "fail"),
        notes="declared vs certified class" if len(entry.variables) == 1 or class_certified else
        "class of a multivariate entry is declared, not decided (constants checked on the box)",
        extra={"declared": entry.cls, "measured": measured_class,
               "certified": class_certified}))
    records.append(_f_star_record(entry, expr))
    return records
