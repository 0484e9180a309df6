"""Safe parsing of user expressions into sympy, in a restricted namespace.

Strings are parsed with :func:`sympy.parsing.sympy_parser.parse_expr` against a whitelist of
names (no builtins, no attribute access, no dunder names); the workbench never calls ``eval``
itself. Variables are real symbols. Anything outside the whitelist is a one-line
:class:`ExpressionError` (a ``ValueError``) that names the problem.
"""
from __future__ import annotations

import ast
import math
import re
import tokenize
from io import StringIO

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
    stringify_expr,
)

__all__ = ["ExpressionError", "ALLOWED_FUNCTIONS", "parse_expression", "real_symbol",
           "check_complexity", "expression_size", "MAX_DEGREE", "MAX_TERMS", "MAX_LENGTH",
           "MAX_DEPTH"]

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
        if tok.type == tokenize.OP and tok.string in {".", "[", "]", "{", "}", ":", ";", "@",
                                                      "lambda"}:
            raise ExpressionError(f"operator {tok.string!r} is not allowed")


MAX_EXPONENT = 1000      # |exponent| of a power of the variable (polynomial degree)
MAX_MAGNITUDE = 300      # decimal exponent of any constant: beyond double precision otherwise
MAX_DEGREE = 1000        # bound on the polynomial degree of the whole expression tree
MAX_TERMS = 100_000      # bound on the number of terms of the fully expanded expression
MAX_DEPTH = 100          # nesting depth of the expression tree (sin(sin(...)) 100 deep)
# 1e300 and 1e-300 themselves pass (a margin for the binary rounding of the decimal literal)
_LARGEST = mpmath.mpf(10) ** MAX_MAGNITUDE * (1 + mpmath.mpf(10) ** -10)
_SMALLEST = mpmath.mpf(10) ** -MAX_MAGNITUDE * (1 - mpmath.mpf(10) ** -10)


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
    """Reject constants outside double range and powers of the variable above MAX_EXPONENT."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Pow, sp.Integer, sp.Float, sp.Rational, sp.exp)) and \
                node.is_number:
            magnitude = _magnitude(node)
            if magnitude is not None and magnitude > MAX_MAGNITUDE + 1e-12:
                raise ExpressionError(f"a constant (about 1e{magnitude:.0f}) in {_shown(text)} "
                                      f"is beyond double precision (|c| > 1e{MAX_MAGNITUDE}): "
                                      "rescale f")
            if magnitude is not None and -float("inf") < magnitude < -MAX_MAGNITUDE - 1e-12:
                raise ExpressionError(f"a constant (about 1e{magnitude:.0f}) in {_shown(text)} "
                                      f"is below double precision (0 < |c| < 1e-{MAX_MAGNITUDE}):"
                                      " rescale f or write 0")
        elif isinstance(node, sp.Pow) and node.exp.is_number and not node.base.is_number:
            exp_mag = _magnitude(node.exp)
            if exp_mag is not None and exp_mag > 3:
                raise ExpressionError(f"power {str(node)[:40]} in {_shown(text)} exceeds the "
                                      f"supported degree {MAX_EXPONENT}")
        if node.is_number and node.is_extended_real is False:
            raise ExpressionError(f"{_shown(text)} contains the complex, infinite or undefined "
                                  f"constant {str(node)[:40]} (the functions must be real)")


def _log_comb(n: float, k: float) -> float:
    """log C(n, k) for real n >= k >= 0 (lgamma: no huge integers)."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def expression_size(expr: sp.Basic) -> tuple[float, float, int]:
    """Upper bounds on the polynomial degree of ``expr`` and on the number of terms of its full
    expansion, from its tree alone (nothing is expanded), and the depth of the tree.

    Degree: a number 0, a variable 1; sums take the maximum, products add, ``a**n`` with a
    numeric exponent is ``|n| deg(a)``, ``a**b`` otherwise ``deg(a) + deg(b)``; a function
    (exp, sin, Abs, Piecewise, ...) counts its arguments: the maximum of their degrees.
    Terms: sums add, products multiply, ``a**n`` (integer n) has at most C(t + |n| - 1, |n|)
    terms for a t-term ``a``, and never more than the C(d + k, k) monomials of degree <= d in
    k variables; a function application is one term. Both bounds are conservative (``x - x``
    counts degree 1), and are returned as floats (possibly ``inf``).
    """
    cap = math.log(MAX_TERMS) + 1.0
    info: dict[int, tuple[float, float, frozenset]] = {}  # id -> (degree, log terms, variables)
    depth: dict[int, int] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:  # iterative post-order: unevaluated sums of 1000 terms nest 1000 deep
        node, done = stack.pop()
        if id(node) in info:
            continue
        if not done and node.args:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if id(a) not in info)
            continue
        kids = [info[id(a)] for a in node.args]
        depth[id(node)] = 1 + max((depth[id(a)] for a in node.args), default=0)
        names = frozenset().union(*(k[2] for k in kids)) if kids else frozenset()
        if isinstance(node, sp.Symbol):
            degree, log_terms, names = 1.0, 0.0, frozenset([node])
        elif not kids or not names:
            degree, log_terms = 0.0, 0.0
        elif isinstance(node, sp.Add):
            degree = max(k[0] for k in kids)
            log_terms = math.log(sum(math.exp(min(k[1], cap)) for k in kids))
        elif isinstance(node, sp.Mul):
            degree, log_terms = sum(k[0] for k in kids), sum(k[1] for k in kids)
        elif isinstance(node, sp.Pow) and not kids[1][2]:
            n = _numeric_abs(node.exp)
            degree = n * kids[0][0]
            base_terms = math.exp(min(kids[0][1], cap))
            log_terms = _log_comb(base_terms + n - 1, n) if n == int(n) and n > 0 else kids[0][1]
        elif isinstance(node, sp.Pow):
            degree, log_terms = kids[0][0] + kids[1][0], 0.0
        else:
            degree, log_terms = max(k[0] for k in kids), 0.0
        if degree < math.inf and names:
            log_terms = min(log_terms, _log_comb(degree + len(names), len(names)))
        info[id(node)] = (degree, min(log_terms, cap), names)
        if log_terms > math.log(MAX_TERMS):
            return degree, math.inf, depth[id(node)]  # no need to look further
    degree = info[id(expr)][0]
    terms = max(math.exp(v[1]) for v in info.values())
    return degree, (math.inf if terms > MAX_TERMS else round(terms)), depth[id(expr)]


def _numeric_abs(value: sp.Basic) -> float:
    try:
        return abs(float(value))
    except (TypeError, ValueError, OverflowError):
        return math.inf


def check_complexity(expr: sp.Basic, text: str | None = None) -> None:
    """Refuse an expression whose degree bound exceeds MAX_DEGREE or whose expansion may have
    more than MAX_TERMS terms (:func:`expression_size`): the symbolic work on it (expansion,
    root isolation, derivatives) grows with both, so it would not finish in useful time or
    memory. ``((x+1)**999)**999`` has degree 998001 and is refused at once."""
    degree, terms, depth = expression_size(expr)
    shown = _shown(text) if text is not None else _shown(str(expr))
    if degree > MAX_DEGREE:
        raise ExpressionError(f"{shown} has polynomial degree up to {degree:.6g}, above the "
                              f"supported degree {MAX_DEGREE} (powers multiply degrees, "
                              "products add them)")
    if terms > MAX_TERMS:
        raise ExpressionError(f"{shown} expands to more than {MAX_TERMS} terms: too large to "
                              "analyse; simplify f")
    if depth > MAX_DEPTH:
        raise ExpressionError(f"{shown} nests {depth} levels deep, more than {MAX_DEPTH}: "
                              "simplify f")


_MP_FUNCTIONS = {"exp": mpmath.exp, "log": mpmath.log, "ln": mpmath.log, "sqrt": mpmath.sqrt,
                 "cbrt": mpmath.cbrt, "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan,
                 "atan": mpmath.atan, "asinh": mpmath.asinh, "sinh": mpmath.sinh,
                 "cosh": mpmath.cosh, "tanh": mpmath.tanh, "atanh": mpmath.atanh,
                 "sech": mpmath.sech, "erf": mpmath.erf, "Abs": abs, "abs": abs}
_GROWING = {"exp", "sinh", "cosh"}  # |f(a)| ~ e^|a|: refuse |a| > 1e6 without evaluating
_HUGE = "huge"  # a constant far beyond any double (not evaluated)


def _constant_value(node: ast.AST, kids: list):
    """Value (mpf, at 30 digits) of a numeric node of the parser's code, _HUGE, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        try:
            return mpmath.mpf(node.value)
        except (ValueError, TypeError):
            return None
    if any(k is None for k in kids):
        return None
    if any(k is _HUGE for k in kids):
        return _HUGE
    if isinstance(node, ast.Name):
        return {"pi": mpmath.pi, "E": mpmath.e, "e": mpmath.e}.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return -kids[0] if isinstance(node.op, ast.USub) else kids[0]
    if isinstance(node, ast.BinOp):
        a, b = kids
        if isinstance(node.op, ast.Pow):
            if a == 0 or abs(a) == 1:
                return None if a == 0 and b <= 0 else abs(a) ** b if a != 0 else a
            if abs(mpmath.log10(abs(a)) * b) > 1e6:
                return _HUGE if (abs(a) > 1) == (b > 0) else mpmath.mpf(0)  # 0: "tiny"
            return abs(a) ** b  # the sign does not change the magnitude
        operations = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                      ast.Div: lambda: a / b if b != 0 else None}
        operation = operations.get(type(node.op))
        return operation() if operation is not None else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, kids
        if name in ("Integer", "Float") and len(args) == 1:
            return args[0]
        if name == "Rational" and len(args) == 2:
            return args[0] / args[1] if args[1] != 0 else None
        if name in _MP_FUNCTIONS and len(args) == 1:
            if name in _GROWING and abs(args[0]) > 1e6:
                return _HUGE
            try:
                value = _MP_FUNCTIONS[name](args[0])
            except (ValueError, ZeroDivisionError):
                return None
            return value if isinstance(value, mpmath.mpf) and mpmath.isfinite(value) else None
    return None


def _check_constants(code: str, text: str) -> None:
    """Refuse constants beyond double range, in the syntax tree of the parser's code, before
    sympy evaluates anything (``10**10**10`` would take minutes): every numeric subexpression
    must have 1e-300 <= |c| <= 1e300 (or be 0). Iterative, so a sum of 1000 terms is fine."""
    try:
        tree = ast.parse(code, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"malformed expression {_shown(text)}: "
                              f"{getattr(exc, 'msg', None) or type(exc).__name__}") from None
    values: dict[int, object] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    with mpmath.workdps(30):
        while stack:
            node, done = stack.pop()
            children = [c for c in ast.iter_child_nodes(node)
                        if isinstance(c, ast.expr) and not (isinstance(node, ast.Call)
                                                            and c is node.func)]
            if not done and children:
                stack.append((node, True))
                stack.extend((c, False) for c in children)
                continue
            kids = [values.get(id(c)) for c in children]
            value = _constant_value(node, kids)
            values[id(node)] = value
            if value is _HUGE or (value is not None and abs(value) > _LARGEST):
                raise ExpressionError(f"a constant in {_shown(text)} is beyond double precision"
                                      f" (|c| > 1e{MAX_MAGNITUDE}): rescale f")
            if value is not None and 0 < abs(value) < _SMALLEST or \
                    (value == 0 and isinstance(node, ast.BinOp) and not any(k == 0 for k in kids)):
                raise ExpressionError(f"a constant in {_shown(text)} is below double precision"
                                      f" (0 < |c| < 1e-{MAX_MAGNITUDE}): rescale f or write 0")


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut to 60 characters (the message stays one short line)."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


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
        # Constants first, in the syntax tree: 10**10**10 would take minutes to evaluate.
        _check_constants(stringify_expr(text, local, global_ns, _TRANSFORMS), text)
        expr = parse_expr(text, local_dict=local, global_dict=global_ns,
                          transformations=_TRANSFORMS, evaluate=True)
        if isinstance(expr, sp.Basic):  # evaluation may combine constants (x*1e200*1e200)
            _check_sizes(expr, text)
            check_complexity(expr, text)
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
