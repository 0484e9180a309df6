"""``python -m synthetic``: GD / clipped GD / normalized GD on an expression, Thm 4's lower bound
on its hard constructions, and every theorem check of arXiv:1905.11881 (Zhang, He, Sra,
Jadbabaie, ICLR 2020).

run --expr EXPR --method gd|clipped|normalized [--h H | --eta E --gamma G | --eta E --beta B]
    --x0 X --eps EPS [--max-iter N] [--vars x1,x2] [--time-limit S] [--json]
    prints {"expression", "variables", "method", "iterations": int or null, "status":
    "converged"|"diverged"|"max_iter", "final_grad_norm": number or null, "note" (if any)}.
    Clipped uses h = min{η, γη/||g||}; normalized h = η/(||g|| + β). ``--f`` is the old
    spelling of ``--expr``.

lower-bound --L0 A --L1 B --M M --eps E --delta D [--h H | --grid K] [--max-iter N] [--json]
    Thm 4: for each fixed step h, GD's iteration count on the certified hard construction (A
    above h_thr = 2 x0_A/M, B at or below) against the reconstructed bound; --json prints a
    list with one record per step: "h", "construction", "iterations" (null when it never
    converges), "status", "bound", "verdict" and the details.

worst-case --method gd|clipped|normalized [--h H | --eta E --gamma G | --eta E --beta B]
    | --rule thm3|thm6|vankov|vankov-clipped, --L0 --L1 --M --eps --delta [--json]
    the 1-D supremum of T_ε over the class for one rule, its best certified witness and the
    dip witness (:mod:`synthetic.cli_worstcase`).

check [--quick] [--out DIR] [--only NAMES] [--engine local|dask] [--workers N] [--scheduler A]
    every theorem check (thm3, thm4, rem5, thm6, thm7, thm8, followup) with a progress bar;
    writes DIR/records.jsonl, DIR/summary.json, DIR/config.json, DIR/env.json and prints the
    verdict table. A rerun with the same DIR and sizes resumes (finished checks are kept in
    DIR/parts/); ``--only`` adds checks to the run in DIR (see :mod:`synthetic.checkrun`).

grid lower-bound|worst-case [--L0 A,B ... | --grid-file FILE] --out DIR [--engine local|dask]
    one lower-bound or worst-case subprocess per point of a grid, resumably, into
    DIR/records.jsonl and DIR/grid.json (:mod:`synthetic.cli_grid`).

Exit codes (:mod:`plumbing.cli`): 0 ran, no verdict failed; 1 ``check`` ran and wrote its
results, some verdict is ``fail`` (``lower-bound`` verdicts are pass or inconclusive);
2 bad input or a refusal, one line ``synthetic: error: ...`` on stderr, nothing written, never
a traceback; 3 internal error.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys

from plumbing.cli import (EXIT_CODES_HELP, EXIT_OK, EXIT_VERDICT_FAILED,
                          OneLineParser as _Parser, UsageError, add_version, emit,
                          guarded, int_in_range)
from synthetic.cli_check import CHECK_EPILOG, LazyBar, cmd_check
from theory.expressions.timelimit import LIMIT_EXCEPTIONS

SUPPORTED = (1e-8, 1e8)  # range of the lower-bound parameters (exact arithmetic stays fast)
MAX_TIME_LIMIT = 3600.0  # seconds, --time-limit of run and (per step) of lower-bound
MAX_ITER = 10**18        # --max-iter of run and lower-bound (int64; jumped steps cost nothing)
MAX_VARS = 1000          # --vars of run
MAX_STEPS = 10_000       # steps of lower-bound (--h list, --grid)

EXPRESSION_HELP = """\
expression syntax (--expr): a formula in the variables of --vars, e.g. 'x**4',
  'log(1 + exp(x))', 'x**2 + 10*y**2', 'Piecewise((x**2, x < 1), (2*x - 1, True))';
  operators + - * / and ** (^ is also a power), comparisons inside Piecewise; numbers 3, 0.5,
  1e-3, Rational(1, 3); functions exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, atan, erf,
  Abs, sign, Max, Min, Piecewise, Heaviside, ...; constants pi and E. At most 2000 characters.
  The full list: python -m theory --help."""

RUN_EPILOG = EXPRESSION_HELP + f"""

symbols: x_0 = --x0, then x_(t+1) = x_t - h_t ∇f(x_t) until ||∇f(x_t)|| <= ε (--eps):
  gd          h_t = h                          (--h)
  clipped     h_t = min{{η, γη/||∇f(x_t)||}}      (--eta η, --gamma γ)
  normalized  h_t = η/(||∇f(x_t)|| + β)         (--eta η, --beta β)
  one variable: the exact fast counter on the expression's pieces; several variables, or
  pieces that cannot be found (e.g. Abs(sin(x))): a plain numpy loop (the note says why).

output (--json: one strict JSON object): expression, variables, method, iterations (T_ε, the
  first t with ||∇f(x_t)|| <= ε; null unless converged), status (converged | diverged: an
  overflow or a blow-up of x_t | max_iter: censored by --max-iter or --time-limit),
  final_grad_norm (the last finite ||∇f(x_t)||, null when there is none), note (when any).

limits: --max-iter <= {MAX_ITER:.0e}, --time-limit <= {MAX_TIME_LIMIT:g} s, <= {MAX_VARS} variables.
{EXIT_CODES_HELP}"""

LOWER_BOUND_EPILOG = f"""\
Thm 4 of arXiv:1905.11881 [bound reconstructed]: in the class of f with f* > -inf,
(L0,L1)-smoothness ||∇²f(x)|| <= L0 + L1||∇f(x)|| (L0 >= 1, L1 >= 1) on the sublevel set
{{f <= f(x_0)}} where ||∇f|| <= M (M > 1), and Δ = f(x_0) - f* (--delta), every fixed step h
has a member on which GD needs T_ε >= L1 M (Δ - 5ε/8)/(8 ε² (log M + 1)) steps to reach
||∇f|| <= ε (--eps). The hard member is construction A (never converges) for
h > h_thr = 2 x0_A/M and construction B for h <= h_thr; both are certified before use.
Needs ε <= L0/6, 2ε <= M and Δ > 5ε/8; each of L0, L1, M, ε, Δ in
[{SUPPORTED[0]:g}, {SUPPORTED[1]:g}].

verdict per step: pass (T_ε >= bound), fail (T_ε < bound: a finding about the reconstructed
bound), inconclusive (censored count or no certified member).
limits: at most {MAX_STEPS} steps (--grid K adds h_thr itself), --max-iter <= {MAX_ITER:.0e},
--time-limit <= {MAX_TIME_LIMIT:g} s per step.
{EXIT_CODES_HELP}"""

_VALUE_OPTIONS = frozenset({"--x0", "--h", "--eta", "--gamma", "--beta", "--eps", "--L0", "--L1",
                            "--M", "--delta", "--expr", "--f", "--max-iter", "--time-limit",
                            "--grid"})


def _number(text: str, name: str) -> float:
    values = _numbers(text, name)
    if len(values) != 1:
        raise UsageError(f"{name} takes one number, got {text!r}")
    return values[0]


def _numbers(text: str, name: str) -> list[float]:
    """Comma-separated finite numbers; one line naming ``name`` and the text otherwise (the
    messages of this command since before plumbing.cli.number_list, kept)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"{name}: {text!r} is not a number (or comma-separated numbers)") from None
    if not all(math.isfinite(v) for v in values):
        raise UsageError(f"{name} must be finite, got {text!r}")
    return values


def _time_limit(value: float, name: str = "--time-limit") -> float:
    if not (math.isfinite(value) and 0 < value <= MAX_TIME_LIMIT):
        raise UsageError(f"{name} must be a number of seconds in (0, {MAX_TIME_LIMIT:g}], "
                         f"got {value!r}")
    return value


def _positive(value: float, name: str, minimum: float = 0.0, strict: bool = True) -> float:
    ok = value > minimum if strict else value >= minimum
    if not ok:
        raise UsageError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value:g}")
    return value


def _cmd_run(args) -> int:
    from synthetic.runners import method_parameters, run_deterministic

    names = [v.strip() for v in args.vars.split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise UsageError(f"--vars needs distinct, comma-separated variable names, "
                         f"got {args.vars!r}")
    if len(names) > MAX_VARS:
        raise UsageError(f"--vars: at most {MAX_VARS} variables, got {len(names)}")
    x0 = _numbers(args.x0, "--x0")
    if len(x0) != len(names):
        raise UsageError(f"--x0 needs {len(names)} coordinate(s) for --vars {args.vars}, "
                         f"got {len(x0)}")
    params = {k: (None if getattr(args, k) is None else
                  _positive(_number(getattr(args, k), f"--{k}"), f"--{k}"))
              for k in ("h", "eta", "gamma", "beta")}
    eps = _positive(_number(args.eps, "--eps"), "--eps")
    int_in_range("--max-iter", args.max_iter, 0, MAX_ITER)
    _time_limit(args.time_limit)
    method_parameters(args.method, params)  # needed/extra/non-positive: one line
    from theory.expressions.objective import objective  # sympy: only once the numbers are valid
    from theory.expressions.parsing import ExpressionError, real_symbol

    try:
        for name in names:
            real_symbol(name)
    except ExpressionError as exc:
        raise UsageError(f"--vars: {exc}") from None
    try:
        obj = objective(args.expr, names)
    except ExpressionError as exc:
        raise UsageError(f"--expr: {exc}") from None
    head = {"expression": str(obj.expr), "variables": names, "method": args.method}
    pieces, why = None, ""
    if obj.dim == 1:  # the exact 1-D counter: same double iteration, ~300x cheaper per step
        from theory.functions.toolkit import from_expression, gradient_pieces

        try:
            pieces = gradient_pieces(from_expression(obj.expr, names[0]))
        except ValueError as exc:  # no interval pieces (e.g. Abs(sin(x))): the numpy loop
            why = f"counted by the plain loop: {' '.join(str(exc).split())}"
    if pieces is not None:
        from synthetic.fastcount import gd_count
        from theory.statements.steps import step_rule

        rule = step_rule(args.method, **{k: v for k, v in params.items() if v is not None})
        record = gd_count(pieces, x0[0], eps, rule, max_iter=args.max_iter,
                          time_limit=args.time_limit).record()
    else:
        record = run_deterministic(obj, [x0], args.method, eps, max_iter=args.max_iter,
                                   time_limit=args.time_limit, **params).record(0)
        record = record | ({"note": why} if why else {})
    payload = head | record
    if not args.json:
        payload = payload | {"variables": ",".join(names)}
    emit(payload, args.json)
    return EXIT_OK


def _lower_bound_steps(args, L0: float, L1: float, M: float) -> list[float]:
    from synthetic.checks.thm4 import h_grid

    if (args.h is None) == (args.grid is None):
        raise UsageError("give exactly one of --h H (comma-separated steps) or --grid K")
    if args.h is not None:
        if args.h.count(",") >= MAX_STEPS:
            raise UsageError(f"--h: at most {MAX_STEPS} steps, got {args.h.count(',') + 1}")
        return [_positive(h, "--h") for h in _numbers(args.h, "--h")]
    int_in_range("--grid", args.grid, 2, MAX_STEPS)
    return [float(h) for h in h_grid(L0, L1, M, args.grid)]


def _cmd_lower_bound(args) -> int:
    from synthetic.checks.thm4 import lower_bound_records
    from theory.statements.bounds import thm4_bound

    L0 = _positive(_number(args.L0, "--L0"), "--L0")
    L1 = _positive(_number(args.L1, "--L1"), "--L1")
    M = _positive(_number(args.M, "--M"), "--M (Thm 4 needs M > 1)", 1.0)
    eps = _positive(_number(args.eps, "--eps"), "--eps")
    Delta = _positive(_number(args.delta, "--delta"), "--delta")
    for name, value in (("--L0", L0), ("--L1", L1), ("--M", M), ("--eps", eps),
                        ("--delta", Delta)):
        if not SUPPORTED[0] <= value <= SUPPORTED[1]:
            raise UsageError(f"{name} = {value:g} is outside the supported range "
                             f"[{SUPPORTED[0]:g}, {SUPPORTED[1]:g}]")
    _time_limit(args.time_limit)
    int_in_range("--max-iter", args.max_iter, 1, MAX_ITER)
    thm4_bound(L0, L1, M, eps, Delta)  # the class's preconditions, one line if violated
    if Delta <= 5 * eps / 8:
        raise UsageError(f"--delta must exceed 5*eps/8 = {5 * eps / 8:g} (construction B)")
    hs = _lower_bound_steps(args, L0, L1, M)
    bar = LazyBar(len(hs), "lower-bound", "step", disable=args.json or len(hs) < 2)
    try:
        records = lower_bound_records(L0, L1, M, eps, Delta, hs, max_iter=args.max_iter,
                                      time_limit=args.time_limit, progress=bar.step)
    finally:
        bar.close()
    rows = [{"h": r.params["h"], "construction": r.params["construction"],
             "iterations": r.extra["iterations"], "status": r.status,
             "bound": r.bound, "verdict": r.verdict, "h_thr": r.params["h_thr"],
             "ratio": r.extra["ratio"] if r.extra["ratio"] != math.inf else None,
             "note": "; ".join(c.get("note") or "" for c in r.extra["candidates"]
                               if c["name"] == r.params["construction"]),
             "bound_alt_log": r.extra["bound_alt_log"], "minimax_1d": r.extra["minimax_1d"],
             "candidates": r.extra["candidates"], "mark": r.mark, "notes": r.notes}
            for r in records]
    code = EXIT_VERDICT_FAILED if any(r["verdict"] == "fail" for r in rows) else EXIT_OK
    if args.json:
        from plumbing.jsonio import to_jsonable
        print(json.dumps(to_jsonable(rows), allow_nan=False))
        return code
    print(f"Thm 4 [reconstructed], bound = {rows[0]['bound']:.6g}; hardest certified member "
          f"per step (extremal, A, B, B_delta); lower estimate of min over h of the 1-D supremum = "
          f"{rows[0]['minimax_1d'] or math.inf:.6g}")
    print(f"{'h':>12} {'member':>8} {'status':>10} {'iterations':>14} {'ratio':>10}  verdict")
    for r in rows:
        its = "never" if r["status"] == "diverged" else (r["iterations"] or f">{args.max_iter}")
        ratio = "inf" if r["ratio"] is None else f"{r['ratio']:.4g}"
        print(f"{r['h']:>12.5g} {r['construction'] or '-':>8} {r['status']:>10} {its!s:>14} "
              f"{ratio:>10}  {r['verdict']}")
    for r in rows:
        for text in (r["notes"], r["note"]):
            if text:
                print(f"note (h={r['h']:.5g}): {text}")
    return code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m synthetic`` (every default shown in --help)."""
    description = __doc__.partition("\n\n")[0]
    parser = _Parser(prog="python -m synthetic", description=" ".join(description.split()),
                     epilog="commands: run, lower-bound, worst-case, check, grid "
                            "(python -m synthetic COMMAND --help for each)\n" + EXIT_CODES_HELP)
    add_version(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    r = sub.add_parser("run", help="one deterministic run of GD, clipped or normalized GD",
                       description="One run of GD, clipped GD or normalized GD on an "
                                   "expression from x_0 until ||∇f|| <= ε.",
                       epilog=RUN_EPILOG)
    add_version(r)
    r.add_argument("--expr", "--f", dest="expr", required=True, metavar="EXPR",
                   help="the function f, e.g. 'x**4' (syntax below; --f is the old spelling)")
    r.add_argument("--method", required=True, choices=["gd", "clipped", "normalized"],
                   help="the step rule (table below)")
    for name, text in (("h", "fixed step h of gd"), ("eta", "η of clipped and normalized"),
                       ("gamma", "γ of clipped (the clipping threshold)"),
                       ("beta", "β of normalized")):
        r.add_argument(f"--{name}", help=f"{text}, > 0 (no default)")
    r.add_argument("--x0", required=True, help="starting point x_0, one number per variable, "
                                                "comma-separated")
    r.add_argument("--eps", required=True, help="ε > 0: stop at ||∇f(x_t)|| <= ε")
    r.add_argument("--max-iter", type=int, default=1_000_000,
                   help=f"most gradient steps, 0 to {MAX_ITER:.0e} (default: %(default)s)")
    r.add_argument("--vars", "--var", dest="vars", default="x",
                   help="comma-separated variable names, in the order of --x0 "
                        "(default: %(default)s)")
    r.add_argument("--time-limit", type=float, default=60.0,
                   help=f"seconds of iterating before the count is censored, at most "
                        f"{MAX_TIME_LIMIT:g} (default: %(default)s)")
    r.add_argument("--json", action="store_true", help="print one JSON object (default: off)")
    lb = sub.add_parser("lower-bound", help="Thm 4: GD on the hard constructions vs the bound",
                        description="Thm 4: fixed-step GD's iteration count on the certified "
                                    "hard construction for each step h, against the bound.",
                        epilog=LOWER_BOUND_EPILOG)
    add_version(lb)
    for name, text in (("L0", "L0 >= 1 of (L0,L1)-smoothness"),
                       ("L1", "L1 >= 1 of (L0,L1)-smoothness"),
                       ("M", "M > 1, the bound of ||∇f|| on the sublevel set"),
                       ("eps", "ε, the target gradient norm (ε <= L0/6, 2ε <= M)"),
                       ("delta", "Δ = f(x_0) - f*, > 5ε/8")):
        lb.add_argument(f"--{name}", required=True, help=f"{text} (required)")
    lb.add_argument("--h", help="fixed step(s) h > 0, comma-separated (or --grid)")
    lb.add_argument("--grid", type=int, help=f"K log-spaced steps over h_thr·10^[-3, 3], "
                                             f"2 to {MAX_STEPS} (or --h)")
    lb.add_argument("--max-iter", type=int, default=10**13,
                    help=f"most steps per count, 1 to {MAX_ITER:.0e} (default: %(default)s)")
    lb.add_argument("--time-limit", type=float, default=60.0,
                    help=f"seconds of stepping per step size before the count is censored, at "
                         f"most {MAX_TIME_LIMIT:g} (default: %(default)s)")
    lb.add_argument("--json", action="store_true", help="print one JSON list (default: off)")
    wc = sub.add_parser("worst-case", help="the 1-D worst case of a step rule over the class",
                        description="The supremum of T_ε over 1-D (L0,L1) members for one step "
                                    "rule, with its best certified witness (docs/statements.md "
                                    "§5c).")
    add_version(wc)
    wc.add_argument("--method", choices=["gd", "clipped", "normalized"],
                    help="the step rule, with its parameters (or --rule)")
    wc.add_argument("--rule", choices=["thm3", "thm6", "vankov", "vankov-clipped"],
                    help="a theorem's rule at these constants (or --method)")
    for name, text in (("h", "fixed step h of gd"), ("eta", "η of clipped and normalized"),
                       ("gamma", "γ of clipped"), ("beta", "β of normalized")):
        wc.add_argument(f"--{name}", help=f"{text}, > 0")
    for name, text in (("L0", "L0 > 0"), ("L1", "L1 > 0"), ("M", "M > eps, the bound of |f'| "
                       "on the sublevel set"), ("eps", "ε > 0, the target |f'|"),
                       ("delta", "Δ = f(x0) - f* > 0")):
        wc.add_argument(f"--{name}", required=True, help=f"{text} (required)")
    wc.add_argument("--search", action="store_true",
                    help="also search for harder members: differential evolution over ψ "
                         "profiles, distilled into a certified witness (default: off)")
    wc.add_argument("--seed", help="seed of --search, an integer >= 0 (default: 0)")
    wc.add_argument("--search-time", help="seconds for the generations of --search, in "
                                          "(0, 600] (default: 60)")
    wc.add_argument("--cells", help="plateaus of the searched profiles, 0 to 12 (default: 4)")
    wc.add_argument("--generations", help="generations of --search, 2 to 10000 (default: 40)")
    wc.add_argument("--json", action="store_true", help="print one JSON object (default: off)")
    ck = sub.add_parser("check", help="run every theorem check, write results/synthetic/...",
                        description="Run the theorem checks into a run folder, resumably, and "
                                    "print the verdict table.", epilog=CHECK_EPILOG)
    add_version(ck)
    ck.add_argument("--quick", action="store_true",
                    help="small sizes, seconds instead of minutes (default: off)")
    ck.add_argument("--out", help="run folder (default: results/synthetic/check, or "
                                  "results/synthetic/check-quick with --quick)")
    ck.add_argument("--only", help="comma-separated checks to run and add to the run in --out "
                                   "(default: every check)")
    ck.add_argument("--engine", default="local", choices=["local", "dask"],
                    help="local: the checks one after another in this process; dask: each "
                         "missing check as a subprocess task on a Dask cluster (default: "
                         "%(default)s)")
    ck.add_argument("--workers", type=int,
                    help="Dask LocalCluster workers (default: one per core)")
    ck.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
    ck.add_argument("--timeout", type=float,
                    help="wall-clock seconds per check on the Dask engine; a check past it is "
                         "killed (default: none)")
    ck.add_argument("--json", action="store_true",
                    help="print the summary as one JSON object (default: off)")
    from synthetic.cli_grid import add_grid_parser
    add_grid_parser(sub)
    return parser


def _join_values(argv: list[str]) -> list[str]:
    """``--x0 -1`` would read as an option: join a value option and a value starting with '-'
    (but not '--') as ``--x0=-1``."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv) and \
                re.match(r"-(?!-)", argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a verdict failed, 2 bad input, 3 a bug)."""
    argv = _join_values(list(sys.argv[1:] if argv is None else argv))

    def command() -> int:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: run, lower-bound, worst-case, check or grid "
                             "(see --help)")
        if args.command == "worst-case":
            from synthetic.cli_worstcase import cmd_worst_case
            return cmd_worst_case(args, _number)
        if args.command == "grid":
            from synthetic.cli_grid import cmd_grid
            return cmd_grid(args)
        return {"run": _cmd_run, "lower-bound": _cmd_lower_bound,
                "check": cmd_check}[args.command](args)
    return guarded("synthetic", command, "interrupted (rerun check with the same --out to "
                                         "resume)", limit_exceptions=LIMIT_EXCEPTIONS)
