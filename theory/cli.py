"""``python -m theory``: certify expressions, verify the catalogue, check multivariate functions.

Commands
--------
certify [EXPR | --expr EXPR] [--vars x] [--L1 v1,v2,...] [--timeout S] [--json]
    Class, L, L1_min and the frontier L0*(L1); ``--json`` prints one object with at least
    ``expression``, ``variables``, ``class``, ``L``, ``L1_min``, ``frontier`` (list of
    {"L1", "L0"}), ``method``, ``certified``. ``--timeout S`` bounds the whole command: the
    answer comes within S seconds, or exit 2 saying the time ran out.
catalogue [--out DIR] [--only ID,...] [--seed N] [--json]
    Verify every declared constant of :mod:`theory.functions.catalogue`; writes records.jsonl,
    config.json and env.json under DIR (default results/theory/catalogue); exit 1 when a
    declared constant fails.
frontiers [--out DIR] [--only ID,...] [--L1 v1,v2,...]
    L0*(L1) of the univariate catalogue functions on an L1 grid (default 25 points, 10^-2 ..
    10^2, log-spaced) with the class, L1_min and per-point method; writes frontiers.json
    (schema l0l1-frontiers/1), config.json and env.json under DIR (default
    results/theory/frontiers), the input of the frontier figure.
multicheck [EXPR | --expr EXPR] --vars x1,x2 --L0 A --L1 B --box LO:HI[,LO:HI...] [--samples N]
        [--seed S] [--json]
    Numeric search for the worst violation of ||∇²f|| <= L0 + L1||∇f|| on a box (estimated);
    exit 1 when a violation is found (verdict ``fail``).

Bad input gives one line ``theory: error: ...`` on stderr and exit code 2, never a traceback;
everything is validated before anything is computed or written. This module is the package's
only user of tqdm (progress on stderr), imported lazily.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

from plumbing.cli import EXIT_CODES_HELP, EXIT_OK, EXIT_VERDICT_FAILED, UsageError, \
    add_version, emit, guarded, int_in_range
from plumbing.cli import OneLineParser as _Parser
from theory.expressions.parsing import MAX_DEGREE, MAX_DEPTH, MAX_LENGTH, MAX_TERMS, ExpressionError
from plumbing.jsonio import json_text, jsonl_text, to_jsonable
from theory.expressions.timelimit import LIMIT_EXCEPTIONS

MAX_L1_VALUES = 100          # --L1 values per certify / frontiers call
MAX_TIMEOUT = 3600.0         # --timeout of certify, seconds
DEFAULT_TIMEOUT = 60.0
MAX_SAMPLES = 1_000_000      # --samples of multicheck
MIN_SAMPLES = 16
MAX_VARIABLES = 10           # --vars of multicheck
MAX_SEED = 2**32 - 1
FRONTIER_GRID = tuple(float(f"{10 ** (k / 6 - 2):.6g}") for k in range(25))  # 1e-2 .. 1e2

EXPRESSION_HELP = f"""\
expressions (EXPR or --expr):
  Python-like syntax in the variables named by --vars (default x); every variable is real.
  ^ and ** are powers; 2x and 2 x mean 2*x (implicit multiplication); .5 is 0.5.
  functions: exp log ln sqrt cbrt sin cos tan atan asinh sinh cosh tanh atanh sech erf,
    Abs abs sign Max Min max min Heaviside, Piecewise((expr, cond), ..., (expr, True)),
    Rational(p, q); constants: pi, E (= e). No other names, no '.', '_', strings or indexing.
  limits: at most {MAX_LENGTH} characters; polynomial degree at most {MAX_DEGREE} (powers
    multiply degrees, products add them, a function counts its argument: sin(x**3)**400 has
    degree 1200, ((x+1)**999)**999 degree 998001); at most {MAX_TERMS} terms when expanded;
    nesting at most {MAX_DEPTH} deep; every constant 0 or 1e-300 <= |c| <= 1e300; at most 6
    Abs/sign/Max/Min/Heaviside/Piecewise terms.
  certify needs f defined, real and twice differentiable on all of R: Abs, Max, Min,
    Piecewise, ... are accepted only where f, f' and f'' agree at the joins (C²), e.g.
    exp(Abs(x)) - Abs(x) - 1; log(x), sqrt(x), 1/x and Abs(x) are refused.
"""

SYMBOLS_HELP = """\
symbols (Zhang, He, Sra, Jadbabaie, ICLR 2020, arXiv:1905.11881, Definition 1):
  (L0,L1)-smooth: |f''(x)| <= L0 + L1 |f'(x)| for all x (||∇²f|| <= L0 + L1 ||∇f|| in
    several variables, operator 2-norm).
  L        sup |f''| (f is L-smooth, the case L1 = 0); "none" when unbounded.
  L1_min   inf {L1 : some finite L0 works}; below it no L0 exists.
  L0*(L1)  the frontier: max(0, sup_x |f''(x)| - L1 |f'(x)|), the smallest valid L0 for that
           L1 (null / "none" where no finite L0 exists).
  method   exact-polynomial, exact-symbolic (certified), numeric-polynomial, numeric-guarded
           (estimated, never certified).
"""

CERTIFY_EPILOG = EXPRESSION_HELP + "\n" + SYMBOLS_HELP + f"""
time: --timeout S bounds the whole command: the answer comes within S seconds, or the command
  exits 2 saying that the time ran out (rerun with a larger --timeout or a simpler f). The
  symbolic steps share the first half of S, each at most max(10, S/10) and at most S/2
  seconds; a step that runs out falls back to the numeric search (the answer then says
  "estimated"), which has the rest. Start-up (imports, about a second) is not counted.

{EXIT_CODES_HELP}
"""

MULTICHECK_EPILOG = EXPRESSION_HELP + "\n" + SYMBOLS_HELP + f"""
verdicts: fail (a point with ||∇²f|| > L0 + L1||∇f|| was found: exit 1), pass (none found,
  every evaluation finite: exit 0, evidence only), inconclusive (none found, some evaluations
  overflowed: exit 0).

{EXIT_CODES_HELP}
"""

CATALOGUE_EPILOG = SYMBOLS_HELP + f"""
Writes records.jsonl, config.json and env.json into --out, each file replaced atomically;
nothing is written when an argument is refused. Exit 1 when a declared constant, class or f*
fails its check.

{EXIT_CODES_HELP}
"""

FRONTIERS_EPILOG = SYMBOLS_HELP + f"""
Writes frontiers.json (schema l0l1-frontiers/1), config.json and env.json into --out, each
file replaced atomically; nothing is written when an argument is refused.

{EXIT_CODES_HELP}
"""

_VALUE_OPTIONS = {"--expr", "--box", "--L1", "--L0", "--timeout", "--samples", "--seed",
                  "--vars", "--var", "--only", "--out"}


def _float_list(text: str, name: str) -> list[float]:
    """Comma-separated finite numbers >= 0, at most MAX_L1_VALUES of them."""
    items = [t.strip() for t in text.split(",")]
    if len(items) > MAX_L1_VALUES:
        raise UsageError(f"{name}: at most {MAX_L1_VALUES} values, got {len(items)}")
    values = []
    for item in items:
        if not item:
            raise UsageError(f"{name}: empty value in {text!r}")
        try:
            value = float(item)
        except ValueError:
            raise UsageError(f"{name}: {item!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"{name}: values must be finite and >= 0, got {item}")
        values.append(value)
    return values


def _number(text: str, name: str, minimum: float = 0.0) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise UsageError(f"{name} must be finite and >= {minimum:g}, got {text}")
    return value


def _fmt(value) -> str:
    if value is None:
        return "none"
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _expression_text(args) -> str:
    """EXPR from the positional argument or --expr (one of them, not two different ones)."""
    given = [e for e in (args.expr, args.expr_option) if e is not None]
    if not given:
        raise UsageError("give the expression, as EXPR or --expr EXPR")
    if len(given) == 2 and given[0] != given[1]:
        raise UsageError("give the expression once: EXPR and --expr differ")
    return given[0]


def _variable_names(text: str, option: str = "--vars") -> list[str]:
    from theory.expressions.parsing import real_symbol

    names = [v.strip() for v in text.split(",")]
    if not all(names):
        raise UsageError(f"{option}: empty variable name in {text!r}")
    if len(names) > MAX_VARIABLES:
        raise UsageError(f"{option}: at most {MAX_VARIABLES} variables, got {len(names)}")
    if len(set(names)) != len(names):
        raise UsageError(f"{option}: a variable is named twice in {text!r}")
    try:
        for name in names:
            real_symbol(name)
    except ExpressionError as exc:
        raise UsageError(f"{option}: {exc}") from None
    return names


def _parse(text: str, names: list[str]):
    from theory.expressions.parsing import parse_expression

    try:
        return parse_expression(text, names)
    except ExpressionError as exc:
        raise UsageError(f"--expr: {exc}") from None


def _timeout(value: float) -> float:
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise UsageError(f"--timeout must be > 0 and at most {MAX_TIMEOUT:g} seconds, got "
                         f"{value:g}")
    return value


def _cmd_certify(args, started: float) -> int:
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
    bar = _certify_progress(args, L1_values)
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


class _LazyBar:
    """A tqdm bar created at the first update (after every input check has passed)."""

    def __init__(self, total: int, desc: str, unit: str = "L1"):
        self.total, self.desc, self.unit, self._bar = total, desc, unit, None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.desc, unit=self.unit, leave=False,
                             disable=None)
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _certify_progress(args, L1_values) -> _LazyBar | None:
    """Progress over the frontier points when there are many (on a terminal only)."""
    if args.json or L1_values is None or len(L1_values) < 8:
        return None
    return _LazyBar(len(L1_values), "certify")


def _select(entries, only: str | None, what: str) -> list:
    """The entries named in ``--only`` (all when None); an unknown or empty id: UsageError."""
    if only is None:
        return list(entries)
    wanted = [w.strip() for w in only.split(",")]
    if not all(wanted):
        raise UsageError(f"--only: empty entry id in {only!r} (omit --only for every entry)")
    chosen = [e for e in entries if e.id in set(wanted)]
    unknown = sorted(set(wanted) - {e.id for e in chosen})
    if unknown:
        raise UsageError(f"--only: {what}: {', '.join(unknown)}; choose from "
                         f"{', '.join(e.id for e in entries)}")
    return chosen


def _output_folder(text: str) -> Path:
    """``--out`` checked before any work (plumbing.files.check_output_folder: not empty, not a
    file, not below a file, writable; nothing is created here)."""
    from plumbing.files import check_output_folder

    return check_output_folder(text, "--out")


def _write_outputs(out: Path, command: str, files: dict[str, str]) -> None:
    """Replace the prepared texts (all serialised before the first write) together, under the
    folder's writer lock: all of them or, on failure, none (plumbing.files.replace_together)."""
    from plumbing.locks import RunLock
    from plumbing.files import replace_together

    with RunLock(out, f"python -m theory {command}"):
        replace_together({out / name: text.encode("utf-8") for name, text in files.items()})


def _cmd_catalogue(args) -> int:
    from theory.functions.catalogue import CATALOGUE

    out = _output_folder(args.out)
    seed = int_in_range("--seed", args.seed, 0, MAX_SEED)
    entries = _select(CATALOGUE, args.only, "unknown catalogue id(s)")

    from tqdm import tqdm

    from theory.functions.verify import verify_entry
    from plumbing.provenance import environment_info

    records = []
    with tqdm(entries, desc="catalogue", unit="fn", disable=args.json or None,
              leave=False) as bar:
        for entry in bar:
            records += verify_entry(entry, seed=seed)
    _write_outputs(out, "catalogue", {
        "records.jsonl": jsonl_text(records),
        "config.json": json_text({"command": "catalogue", "only": args.only, "seed": seed,
                                   "entries": [e.id for e in entries]}),
        "env.json": json_text(environment_info(seed=seed))})
    failed = [r for r in records if r.verdict == "fail"]
    if args.json:
        print(json.dumps(to_jsonable([r.to_dict() for r in records]), allow_nan=False))
    else:
        print(f"{'check':<44} {'measured':>14} {'declared':>14}  verdict")
        for r in records:
            shown = (str(r.extra["measured"]), str(r.extra["declared"])) if r.bound_kind == "none" \
                else (_fmt(r.measured), _fmt(r.bound))
            print(f"{r.check_id:<44} {shown[0]:>14} {shown[1]:>14}  {r.verdict}")
        print(f"{len(records)} records, {len(failed)} failed -> {out / 'records.jsonl'}")
    return EXIT_VERDICT_FAILED if failed else EXIT_OK


def _cmd_frontiers(args) -> int:
    from theory.functions.catalogue import CATALOGUE

    out = _output_folder(args.out)
    grid = _float_list(args.L1, "--L1") if args.L1 is not None else list(FRONTIER_GRID)
    entries = _select([e for e in CATALOGUE if len(e.variables) == 1], args.only,
                      "not a univariate catalogue id")

    from tqdm import tqdm

    from theory.smoothness.certify import certify
    from plumbing.provenance import environment_info

    start, functions = time.perf_counter(), []
    with tqdm(entries, desc="frontiers", unit="fn", leave=False) as bar:
        for entry in bar:
            cert = certify(entry.expression, entry.variables[0], grid)
            functions.append({
                "name": entry.id, "expression": entry.expression,
                "variables": list(entry.variables), "mark": entry.mark,
                "class": cert.cls, "L1_min": cert.L1_min, "certified": cert.certified,
                "points": [{"L1": pt.L1, "L0": pt.L0, "certified": pt.certified,
                            "method": pt.method} for pt in cert.frontier]})
    _write_outputs(out, "frontiers", {
        "frontiers.json": json_text(
            {"schema": "l0l1-frontiers/1", "L1_grid": grid, "functions": functions,
             "definition": "L0*(L1) = max(0, sup_x |f''(x)| - L1 |f'(x)|) (theory.smoothness.certify)"}),
        "config.json": json_text({"command": "frontiers", "only": args.only, "L1": grid,
                                   "wall_seconds": round(time.perf_counter() - start, 3)}),
        "env.json": json_text(environment_info())})
    print(f"{len(functions)} frontiers x {len(grid)} L1 values -> {out / 'frontiers.json'}")
    return EXIT_OK


def _box(text: str, n: int) -> list[tuple[float, float]]:
    parts = [p for p in text.split(",")]
    if len(parts) == 1 and n > 1:
        parts *= n
    if len(parts) != n:
        raise UsageError(f"--box: need {n} intervals LO:HI, got {len(parts)}")
    box = []
    for part in parts:
        try:
            lo, hi = (float(v) for v in part.split(":"))
        except ValueError:
            raise UsageError(f"--box: {part!r} is not LO:HI") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise UsageError(f"--box: need finite LO < HI, got {part!r}")
        box.append((lo, hi))
    return box


def _cmd_multicheck(args) -> int:
    names = _variable_names(args.var, "--vars")
    L0, L1 = _number(args.L0, "--L0"), _number(args.L1, "--L1")
    samples = int_in_range("--samples", args.samples, MIN_SAMPLES, MAX_SAMPLES)
    seed = int_in_range("--seed", args.seed, 0, MAX_SEED)
    box = _box(args.box, len(names))
    expr = _parse(_expression_text(args), names)

    import numpy as np

    from theory.smoothness.multivariate import check_l0l1
    from theory.expressions.parsing import real_symbol

    bar = _LazyBar(samples, "multicheck", "point") if not args.json else None
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


def _add_expression(p: argparse.ArgumentParser, default_vars: str | None) -> None:
    p.add_argument("expr", nargs="?", metavar="EXPR",
                   help="the function f, e.g. 'x**4' (syntax below; or --expr)")
    p.add_argument("--expr", dest="expr_option", metavar="EXPR",
                   help="the function f (same as the positional EXPR)")
    if default_vars is None:
        p.add_argument("--vars", "--var", dest="var", required=True, metavar="NAMES",
                       help=f"comma-separated variable names, at most {MAX_VARIABLES} "
                            "(--var is the old spelling; required)")
    else:
        p.add_argument("--vars", "--var", dest="var", default=default_vars, metavar="NAME",
                       help="the variable, real; --var is the old spelling "
                            "(default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m theory`` (every default shown in --help)."""
    parser = _Parser(prog="python -m theory",
                     description="Certify (L0,L1)-smoothness of expressions, verify the "
                                 "catalogue of test functions, check multivariate functions.",
                     epilog="commands: certify, catalogue, frontiers, multicheck "
                            "(python -m theory COMMAND --help for each)\n\n" + EXPRESSION_HELP
                            + "\n" + SYMBOLS_HELP + "\n" + EXIT_CODES_HELP)
    add_version(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    c = sub.add_parser("certify", help="class and frontier of a univariate expression",
                       description="Class, L, L1_min and the frontier L0*(L1) of a univariate "
                                   "f, exact where sympy can decide, estimated otherwise.",
                       epilog=CERTIFY_EPILOG)
    add_version(c)
    _add_expression(c, "x")
    c.add_argument("--L1", help=f"comma-separated L1 values >= 0, at most {MAX_L1_VALUES} "
                                "(default: L1_min and 0.5, 1, 2, 4)")
    c.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds for the whole command, at most {MAX_TIMEOUT:g} "
                        "(default: %(default)s)")
    c.add_argument("--json", action="store_true", help="print one JSON object (default: off)")
    k = sub.add_parser("catalogue", help="verify every declared constant of the catalogue",
                       description="Verify the declared class, constants and f* of every "
                                   "catalogue function.", epilog=CATALOGUE_EPILOG)
    add_version(k)
    k.add_argument("--out", default="results/theory/catalogue",
                   help="output folder (default: %(default)s)")
    k.add_argument("--only", help="comma-separated entry ids (default: every entry)")
    k.add_argument("--seed", type=int, default=0,
                   help=f"seed of the multivariate searches, 0 to {MAX_SEED} "
                        "(default: %(default)s)")
    k.add_argument("--json", action="store_true", help="print the records as one JSON list "
                                                       "(default: off)")
    fr = sub.add_parser("frontiers", help="L0*(L1) of the univariate catalogue on an L1 grid",
                        description="L0*(L1) of the univariate catalogue functions on an L1 "
                                    "grid: the input of the frontier figure.",
                        epilog=FRONTIERS_EPILOG)
    add_version(fr)
    fr.add_argument("--out", default="results/theory/frontiers",
                    help="output folder (default: %(default)s)")
    fr.add_argument("--only", help="comma-separated univariate entry ids (default: all)")
    fr.add_argument("--L1", help=f"comma-separated L1 values >= 0, at most {MAX_L1_VALUES} "
                                 "(default: 25 values from 0.01 to 100, evenly spaced in log L1)")
    m = sub.add_parser("multicheck", help="numeric (L0,L1) check of a multivariate expression",
                       description="Numeric search for the worst violation of "
                                   "||∇²f|| <= L0 + L1||∇f|| on a box (an estimate).",
                       epilog=MULTICHECK_EPILOG)
    add_version(m)
    _add_expression(m, None)
    m.add_argument("--L0", required=True, help="candidate L0 >= 0 (required)")
    m.add_argument("--L1", required=True, help="candidate L1 >= 0 (required)")
    m.add_argument("--box", required=True, metavar="LO:HI[,LO:HI...]",
                   help="the box: one LO:HI per variable, or one for all (required)")
    m.add_argument("--samples", type=int, default=4096,
                   help=f"quasi-random points, {MIN_SAMPLES} to {MAX_SAMPLES} "
                        "(default: %(default)s)")
    m.add_argument("--seed", type=int, default=0,
                   help=f"seed of the search, 0 to {MAX_SEED} (default: %(default)s)")
    m.add_argument("--json", action="store_true", help="print one JSON object (default: off)")
    return parser


def _join_values(argv: list[str]) -> list[str]:
    """``--box -1:1`` or ``--expr -x**2`` would read as an option: join a value option and a
    value starting with one '-' as ``--box=-1:1``; after certify or multicheck, a word starting
    with one '-' that is no option (``-x**2``) is the expression (``--expr=-x**2``)."""
    out, i = [], 0
    takes_expression = bool(argv) and argv[0] in ("certify", "multicheck")
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv) and re.match(r"-(?!-)", argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        if takes_expression and i > 0 and re.match(r"-(?!-)", argv[i]) and argv[i] != "-h":
            out.append(f"--expr={argv[i]}")
        else:
            out.append(argv[i])
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a verdict failed, 2 bad input, 3 a bug)."""
    started = time.monotonic()
    argv = _join_values(list(sys.argv[1:] if argv is None else argv))

    def command() -> int:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: certify, catalogue, frontiers or multicheck "
                             "(see --help)")
        if args.command == "certify":
            return _cmd_certify(args, started)
        return {"catalogue": _cmd_catalogue, "frontiers": _cmd_frontiers,
                "multicheck": _cmd_multicheck}[args.command](args)
    return guarded("theory", command, limit_exceptions=LIMIT_EXCEPTIONS)
