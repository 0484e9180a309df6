"""Safe parsing of user expressions into sympy, in a restricted namespace.

Strings are parsed with :func:`sympy.parsing.sympy_parser.parse_expr` against a whitelist of
names (no builtins, no attribute access, no dunder names); the workbench never calls ``eval``
itself. Variables are real symbols. Anything outside the whitelist is a one-line
:class:`ExpressionError` (a ``ValueError``) that names the problem.
"""
from __future__ import annotations

import re
import tokenize
from io import StringIO

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

__all__ = ["ExpressionError", "ALLOWED_FUNCTIONS", "parse_expression", "real_symbol"]

MAX_LENGTH = 2000

ALLOWED_FUNCTIONS: dict[str, object] = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "cbrt": sp.cbrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan, "asinh": sp.asinh,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "atanh": sp.atanh, "sech": sp.sech,
    "erf": sp.erf, "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign, "Max": sp.Max, "Min": sp.Min,
    "max": sp.Max, "min": sp.Min, "Piecewise": sp.Piecewise, "Heaviside": sp.Heaviside,
    "Rational": sp.Rational,
}
CONSTANTS: dict[str, object] = {"pi": sp.pi, "E": sp.E, "e": sp.E}
_PARSER_ATOMS = {"Integer": sp.Integer, "Float": sp.Float, "Symbol": sp.Symbol,
                 "Function": sp.Function, "Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow,
                 "Lt": sp.Lt, "Le": sp.Le, "Gt": sp.Gt, "Ge": sp.Ge, "Eq": sp.Eq, "Ne": sp.Ne,
                 "And": sp.And, "Or": sp.Or, "Not": sp.Not}
_TRANSFORMS = standard_transformations + (convert_xor, implicit_multiplication)
_ALLOWED_CHARS = re.compile(r"^[A-Za-z0-9_\s\.\+\-\*/\^\(\),<>=&|~]*$")


class ExpressionError(ValueError):
    """A user expression is malformed, unknown, or outside the workbench's assumptions."""


def real_symbol(name: str) -> sp.Symbol:
    """Return the real sympy symbol ``name`` (all workbench variables range over R)."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name or ""):
        raise ExpressionError(f"invalid variable name {name!r}: use letters, digits and '_'")
    if name in ALLOWED_FUNCTIONS or name in CONSTANTS:
        raise ExpressionError(f"variable name {name!r} clashes with a function or constant")
    return sp.Symbol(name, real=True)


def _check_tokens(text: str) -> None:
    """Reject dunder names, attribute access and string literals before sympy sees the text."""
    try:
        tokens = list(tokenize.generate_tokens(StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise ExpressionError(f"malformed expression {text!r}: {exc.args[0]}") from None
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string.startswith("_"):
            raise ExpressionError(f"name {tok.string!r} is not allowed")
        if tok.type == tokenize.OP and tok.string in {".", "[", "]", "{", "}", ":", ";", "@", "lambda"}:
            raise ExpressionError(f"operator {tok.string!r} is not allowed")


MAX_EXPONENT = 1000      # |exponent| of a power of the variable (polynomial degree)
MAX_MAGNITUDE = 300      # decimal exponent of any constant: beyond double precision otherwise


def _magnitude(node: sp.Basic) -> float | None:
    """log10 of |node| for a number built of numbers (None if not numeric or not estimable)."""
    if isinstance(node, (sp.Integer, sp.Rational, sp.Float)):
        value = abs(sp.Rational(node)) if not isinstance(node, sp.Float) else abs(node)
        return float(sp.log(value, 10).evalf(5)) if value != 0 else -float("inf")
    if isinstance(node, sp.Pow):
        base, exp = _magnitude(node.base), node.exp
        exp_mag = _magnitude(exp)
        if base is None or exp_mag is None or not exp.is_number:
            return None
        if exp_mag > 6:  # exponent beyond a million: |result| is astronomically large or small
            return float("inf") if base > 0 else None
        return base * float(exp.evalf(15)) if base != -float("inf") else None
    if isinstance(node, sp.exp) and node.args[0].is_number:
        arg = _magnitude(node.args[0])
        if arg is None or arg > 6:
            return None if arg is None else float("inf")
        return float(sp.re(node.args[0]).evalf(15)) / 2.302585092994046
    if isinstance(node, sp.Mul) and node.is_number:
        parts = [_magnitude(a) for a in node.args]
        return None if any(p is None for p in parts) else sum(parts)
    return None


def _check_sizes(expr: sp.Basic, text: str) -> None:
    """Reject constants beyond double range and powers of the variable above MAX_EXPONENT."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Pow, sp.Integer, sp.Float, sp.Rational, sp.exp)) and \
                node.is_number:
            magnitude = _magnitude(node)
            if magnitude is not None and abs(magnitude) > MAX_MAGNITUDE and magnitude > 0:
                raise ExpressionError(f"constant {str(node)[:40]} in {text[:60]!r} is beyond "
                                      f"double precision (|c| > 1e{MAX_MAGNITUDE}): rescale f")
        elif isinstance(node, sp.Pow) and node.exp.is_number and not node.base.is_number:
            exp_mag = _magnitude(node.exp)
            if exp_mag is not None and exp_mag > 3:
                raise ExpressionError(f"power {str(node)[:40]} in {text[:60]!r} exceeds the "
                                      f"supported degree {MAX_EXPONENT}")


def parse_expression(text: str, variables: str | list[str] = "x") -> sp.Expr:
    """Parse ``text`` into a real sympy expression in the given variable(s).

    Parameters
    ----------
    text : str
        The expression, e.g. ``"x**4"``, ``"log(exp(x) + exp(-x))"``, ``"(w1*w2 - 1)^2"``
        (``^`` means power; implicit multiplication ``2x`` is accepted).
    variables : str or list of str
        Names of the free variables; any other name is an error.

    Returns
    -------
    sympy.Expr
        The expression with every variable a real :class:`sympy.Symbol`.

    Raises
    ------
    ExpressionError
        Empty, too long, malformed, unknown names or functions, or complex-valued constants.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    if not _ALLOWED_CHARS.match(text):
        bad = sorted({c for c in text if not _ALLOWED_CHARS.match(c)})
        raise ExpressionError(f"character(s) {''.join(bad)!r} not allowed in an expression")
    text = re.sub(r"(?<![A-Za-z0-9_])\.(?=\d)", "0.", text)  # ".5" -> "0.5"
    # A '.' is only allowed inside a number literal.
    if re.search(r"(?<!\d)\.|\.(?!\d)", text):
        raise ExpressionError("attribute access ('.' outside a number) is not allowed")
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise ExpressionError(f"unbalanced parentheses in {text!r}")
    _check_tokens(text)
    names = [variables] if isinstance(variables, str) else list(variables)
    symbols = {n: real_symbol(n) for n in names}
    local = {**ALLOWED_FUNCTIONS, **CONSTANTS, **symbols}
    global_ns = {"__builtins__": {}, **_PARSER_ATOMS}
    try:
        # Unevaluated first: refuse numbers too large to evaluate (10**10**10 would hang).
        _check_sizes(parse_expr(text, local_dict=local, global_dict=global_ns,
                                transformations=_TRANSFORMS, evaluate=False), text)
        expr = parse_expr(text, local_dict=local, global_dict=global_ns,
                          transformations=_TRANSFORMS, evaluate=True)
    except ExpressionError:
        raise
    except (SyntaxError, TypeError, ValueError, AttributeError, NameError, ZeroDivisionError,
            RecursionError, OverflowError, sp.SympifyError, tokenize.TokenError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExpressionError(f"malformed expression {text!r}: {msg}") from None
    if not isinstance(expr, sp.Expr):
        raise ExpressionError(f"{text!r} is not a scalar expression (got {type(expr).__name__})")
    undefined = sorted({str(f.func) for f in expr.atoms(AppliedUndef)})
    if undefined:
        raise ExpressionError(f"unknown function(s) {', '.join(undefined)} in {text!r}; "
                              f"allowed: {', '.join(sorted(ALLOWED_FUNCTIONS))}")
    unknown = sorted(str(s) for s in expr.free_symbols if str(s) not in symbols)
    if unknown:
        raise ExpressionError(f"unknown name(s) {', '.join(unknown)} in {text!r}; "
                              f"variables are {', '.join(names)}")
    if expr.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"{text!r} contains complex, infinite or undefined constants")
    return expr
