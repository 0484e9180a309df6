"""Piecewise-smooth univariate functions: split into smooth pieces and check C² at the joins.

A function such as ``(L0/L1**2)*(exp(L1*Abs(x)) - L1*Abs(x) - 1)`` (the extremal function,
README) is smooth on each of (-oo, 0] and [0, oo) but not analytic at 0. Certification
works piece by piece, so ``Abs``, ``sign``, ``Max``, ``Min``, ``Heaviside`` and explicit
``Piecewise`` are rewritten into one folded :class:`sympy.Piecewise` whose conditions become
intervals. Definition 1 needs f twice differentiable, so at every join the one-sided values of
f, f' and f'' must agree (checked exactly, with a 30-digit numeric fallback); a mismatch is an
:class:`~theory.expressions.parsing.ExpressionError`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.calculus.util import continuous_domain

from theory.expressions.parsing import ExpressionError
from theory.expressions.symbolic import SymbolicTimeout, float_safe, time_limit

__all__ = ["Piece", "split_pieces", "check_c2_joins", "check_piece_domain"]

_KINKS = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.Heaviside, sp.Piecewise)
MAX_KINKS = 6


@dataclass(frozen=True)
class Piece:
    """f restricted to the interval [lo, hi] (ends may be -oo/oo), where ``expr`` is smooth."""

    expr: sp.Expr
    lo: sp.Expr
    hi: sp.Expr

    def interval(self) -> sp.Interval:
        return sp.Interval(self.lo, self.hi)


def _intervals_of(s: sp.Set) -> tuple[list[sp.Interval], list[sp.Expr]]:
    """Split a subset of R into its non-degenerate intervals and its isolated points."""
    parts = s.args if isinstance(s, sp.Union) else (s,)
    intervals, points = [], []
    for part in parts:
        if isinstance(part, sp.Interval) and part.measure > 0:
            intervals.append(part)
        elif isinstance(part, sp.FiniteSet):
            points.extend(part.args)
        elif part is sp.S.Reals:
            intervals.append(sp.Interval(-sp.oo, sp.oo))
        elif part is not sp.S.EmptySet:
            raise ExpressionError(f"cannot split the domain into intervals: {part}")
    return intervals, points


def split_pieces(expr: sp.Expr, x: sp.Symbol, timeout: float | None = 10.0
                 ) -> tuple[list[Piece], list[tuple[sp.Expr, sp.Expr]]]:
    """Split ``expr`` into smooth pieces on intervals covering R.

    Returns
    -------
    pieces : list of Piece
        Sorted by ``lo``; consecutive pieces share an endpoint.
    points : list of (point, value)
        Isolated points where the folded Piecewise assigns its own value (e.g. ``sign(0) = 0``);
        :func:`check_c2_joins` verifies the value is the limit of the neighbours.
    """
    if not expr.has(*_KINKS):
        return [Piece(expr, -sp.oo, sp.oo)], []
    if sum(1 for _ in sp.preorder_traversal(expr) if isinstance(_, _KINKS)) > MAX_KINKS:
        raise ExpressionError(f"more than {MAX_KINKS} Abs/sign/Max/Min/Heaviside/Piecewise terms: "
                              "the piecewise split would explode; simplify f")
    try:
        with time_limit(timeout):
            folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    except SymbolicTimeout:
        raise ExpressionError(f"could not split f into smooth pieces within {timeout} s") from None
    if not isinstance(folded, sp.Piecewise):
        return [Piece(folded, -sp.oo, sp.oo)], []
    covered: sp.Set = sp.S.EmptySet
    pieces: list[Piece] = []
    points: list[tuple[sp.Expr, sp.Expr]] = []
    for branch, cond in folded.args:
        if branch.has(*_KINKS):
            raise ExpressionError(f"cannot resolve the kinks of {branch}")
        try:
            region = (sp.S.Reals if cond is sp.true else cond.as_set()) - covered
        except (NotImplementedError, TypeError) as exc:
            raise ExpressionError(f"cannot turn the condition {cond} into intervals "
                                  f"({exc})") from None
        covered = covered | region
        intervals, isolated = _intervals_of(region)
        pieces += [Piece(branch, iv.start, iv.end) for iv in intervals]
        points += [(p, branch.subs(x, p)) for p in isolated]
    undefined = sp.S.Reals - covered
    if undefined is not sp.S.EmptySet:
        raise ExpressionError(f"f is undefined on {undefined} (a Piecewise without a True branch?)")
    pieces.sort(key=lambda p: float(p.lo) if p.lo.is_finite else -np.inf)
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1].hi == piece.lo and sp.simplify(merged[-1].expr - piece.expr) == 0:
            merged[-1] = Piece(merged[-1].expr, merged[-1].lo, piece.hi)
        else:
            merged.append(piece)
    return merged, points


def _equal_at(a: sp.Expr, b: sp.Expr) -> bool:
    """a == b exactly, or (when sympy cannot simplify a - b to 0) to 35 significant digits of
    the larger of |a|, |b| at 50-digit precision: a relative test, so a jump of 1e-30 in a
    function of size 1e-30 is a jump."""
    diff = sp.simplify(a - b)
    if diff == 0:
        return True
    value, scale = sp.N(diff, 50), max(abs(sp.N(a, 50)), abs(sp.N(b, 50)))
    if not (value.is_number and scale.is_number) or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) \
            or scale.has(sp.nan, sp.zoo, sp.oo):
        return False
    return bool(abs(value) <= sp.Float("1e-35", 50) * scale)


def _one_sided(expr: sp.Expr, x: sp.Symbol, b: sp.Expr, direction: str) -> sp.Expr:
    """Value at b, or the one-sided limit where substitution is undefined (x**(5/2)/x at 0)."""
    value = expr.subs(x, b)
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        value = sp.limit(expr, x, b, dir=direction)
    return value


def check_c2_joins(pieces: list[Piece], points: list[tuple[sp.Expr, sp.Expr]],
                   x: sp.Symbol) -> list[sp.Expr]:
    """Verify f, f', f'' agree from both sides at every join; return the join points.

    Raises
    ------
    ExpressionError
        Naming the first join and derivative order where the one-sided values differ, or a
        gap between pieces.
    """
    joins = []
    for left, right in zip(pieces, pieces[1:]):
        if left.hi != right.lo:
            raise ExpressionError(f"the pieces leave a gap between {left.hi} and {right.lo}")
        b = left.hi
        for order, name in enumerate(("f", "f'", "f''")):
            lval = _one_sided(sp.diff(left.expr, x, order), x, b, "-")
            rval = _one_sided(sp.diff(right.expr, x, order), x, b, "+")
            if any(v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for v in (lval, rval)):
                raise ExpressionError(f"not twice differentiable at x = {_point(b)}: {name} is "
                                      f"unbounded or undefined there ({lval} from the left, "
                                      f"{rval} from the right)")
            if not _equal_at(lval, rval):
                raise ExpressionError(
                    f"not twice differentiable at x = {_point(b)}: {name} jumps from "
                    f"{sp.N(lval, 6)} to {sp.N(rval, 6)}")
        joins.append(b)
    for p, value in points:
        owner = next(pc for pc in pieces if pc.lo <= p <= pc.hi)
        if not _equal_at(owner.expr.subs(x, p), value):
            raise ExpressionError(f"not continuous at x = {_point(p)}: f there is {value}, its "
                                  f"limit {owner.expr.subs(x, p)}")
    return joins


def _cut(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _point(b: sp.Expr) -> str:
    """A join point for a message: exact when short, else 10 significant digits."""
    text = str(b)
    return text if len(text) <= 24 else str(sp.N(b, 10))


def _sample_points(piece: Piece, n: int = 201) -> np.ndarray:
    lo = float(piece.lo) if piece.lo.is_finite else None
    hi = float(piece.hi) if piece.hi.is_finite else None
    if lo is not None and hi is not None:
        return np.linspace(lo, hi, n)
    anchor = lo if lo is not None else (hi if hi is not None else 0.0)
    offsets = np.concatenate([[0.0], np.logspace(-3, 2, n // 2)])
    if lo is not None:
        return anchor + offsets
    if hi is not None:
        return anchor - offsets
    return np.concatenate([-offsets[::-1], offsets[1:]])


def _real_polynomial(expr: sp.Expr, x: sp.Symbol) -> bool:
    """A polynomial in x whose numeric parts are all real, decided without expanding it
    (``sp.Poly((x + 1)**999, x)`` alone takes seconds)."""
    if not expr.is_polynomial(x):
        return False
    walk = sp.preorder_traversal(expr)
    for node in walk:
        if not node.free_symbols:
            if node.is_extended_real is not True or not node.is_finite:
                return False
            walk.skip()
    return True


def check_piece_domain(piece: Piece, x: sp.Symbol, timeout: float | None = 10.0) -> None:
    """Check f, f', f'' are real and continuous on the whole piece (Assumption 2 of the paper).

    Uses :func:`sympy.calculus.util.continuous_domain` (singularities such as ``1/x`` or
    ``log(x)`` at 0) and a complex-valued numeric evaluation at sample points (``log(x)`` and
    ``sqrt(x)`` are not real for x < 0, which ``continuous_domain`` does not flag).

    Raises
    ------
    ExpressionError
        Naming the derivative order and where it fails.
    """
    if _real_polynomial(piece.expr, x):
        return  # a real polynomial is real and smooth everywhere
    derivatives = [piece.expr, sp.diff(piece.expr, x), sp.diff(piece.expr, x, 2)]
    if any(d.has(sp.DiracDelta) for d in derivatives):
        raise ExpressionError("not twice differentiable: the second derivative has a Dirac delta")
    interval = piece.interval()
    for order, d in enumerate(derivatives):
        try:
            with time_limit(timeout):
                missing = sp.Interval.open(piece.lo, piece.hi) - continuous_domain(d, x, interval)
        except (SymbolicTimeout, NotImplementedError, ValueError, TypeError):
            missing = sp.S.EmptySet  # undecided symbolically: the numeric check below still runs
        if missing is not sp.S.EmptySet:
            raise ExpressionError(f"{'f' + chr(39) * order} is not defined and continuous on all "
                                  f"of {interval}: fails on {_cut(str(missing))}")
    xs = _sample_points(piece)
    with np.errstate(all="ignore"):
        for order, d in enumerate(derivatives):
            try:
                values = sp.lambdify(x, float_safe(d), ["scipy", "numpy"])(xs.astype(complex))
                values = np.broadcast_to(np.asarray(values, dtype=complex), xs.shape)
            except (TypeError, ValueError, NameError, AttributeError):
                continue  # no complex-capable numeric form: the symbolic domain check stands
            name = "f" + "'" * order
            finite = np.isfinite(values)  # overflow (exp(x**2) at x = 100) is not an error
            bad = finite & (np.abs(values.imag) > 1e-9 * (1 + np.abs(values.real)))
            if bad.any():
                raise ExpressionError(f"{name} is not real-valued at x = {xs[np.argmax(bad)]:.6g} "
                                      f"(value {complex(values[np.argmax(bad)]):.6g})")
