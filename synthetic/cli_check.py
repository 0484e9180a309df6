"""``python -m synthetic check``: every theorem check, resumable, with a progress bar.

The command of :mod:`synthetic.cli` that drives :func:`synthetic.checkrun.run_checks` (the
registry :data:`synthetic.checks.CHECKS`); split from the other commands to keep files short.
"""
from __future__ import annotations

import json
import time

from plumbing.cli import EXIT_CODES_HELP, EXIT_OK, EXIT_VERDICT_FAILED, UsageError

__all__ = ["CHECK_EPILOG", "LazyBar", "cmd_check"]

CHECK_EPILOG = f"""\
checks: thm3 (Thm 3, clipped GD upper bound), thm4 (Thm 4, fixed-step GD lower bound), rem5
  (Remark 5, separation clipped vs fixed-step GD), thm6 (Thm 6, fixed-step GD upper bound),
  thm7 (Thm 7, clipped SGD upper bound), thm8 (Thm 8, SGD: measured complexity, shape only),
  followup (follow-up papers' bounds).
  Symbols as in the paper: L0, L1 ((L0,L1)-smoothness), M (gradient bound on the sublevel
  set), Δ = f(x_0) - f*, ε (target gradient norm), τ (noise bound of the stochastic oracle).

run folder (--out): parts/<check>.jsonl (finished checks, resumed by a rerun with the same
  sizes; a damaged part is redone), records.jsonl, summary.json, config.json, env.json. The
  last four change only when every selected check has finished. --only adds the selected
  checks to the run already in --out and keeps the other checks' records: records.jsonl,
  summary.json and config.json then describe the union, and config.json's "invocations" say
  which checks each call ran. Refused (exit 2, nothing changed): a run made with the other
  --quick setting whose other checks would be kept, a folder holding another command's files,
  damaged or mismatching published files, a folder another process is writing.
engines: --engine local (default) runs the checks one after another in this process;
  --engine dask runs each missing check as its own subprocess (python -m synthetic check --only
  NAME --out DIR/.engine/NAME) on a LocalCluster of --workers processes (default: one per core)
  or on a running cluster (--scheduler tcp://host:8786), longest first, then assembles the run
  from the parts as a local run does: records.jsonl and summary.json are byte-identical.
  --timeout S kills a check past S seconds (its part is not kept).
exit 1 when a record of the selected checks has verdict "fail" (results written all the same).
{EXIT_CODES_HELP}"""

# options whose value may start with '-' ("--x0 -1", "--expr -x**2"): joined as --opt=value

class LazyBar:
    """A tqdm bar on stderr created at the first unit of work, so that every refusal before it
    stays one line."""

    def __init__(self, total: int, desc: str, unit: str, disable: bool):
        self.total, self.desc, self.unit, self.disable = total, desc, unit, disable
        self.bar = None

    def step(self, label: str) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc=self.desc, unit=self.unit,
                            disable=True if self.disable else None)
        self.bar.set_postfix_str(label, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_names(only: str | None) -> tuple[str, ...]:
    from synthetic.checks import CHECKS

    if only is None:
        return CHECKS
    names = tuple(dict.fromkeys(n.strip() for n in only.split(",") if n.strip()))
    if not names:
        raise UsageError("--only selects no check; choose from " + ", ".join(CHECKS))
    bad = [n for n in names if n not in CHECKS]
    if bad:
        raise UsageError(f"--only: unknown check(s) {', '.join(bad)}; choose from "
                         f"{', '.join(CHECKS)}")
    return tuple(n for n in CHECKS if n in names)


def _engine_parts(args, out, bar: LazyBar):
    """``compute_parts`` for ``--engine dask`` (:mod:`synthetic.checkengine`); the options of
    the engine are checked here, before anything runs."""
    from synthetic.checkengine import part_computer
    from synthetic.checkrun import config_of
    from synthetic.checks import module
    from sweeps import describe_engine

    describe_engine(args.engine, args.workers, args.scheduler)  # EngineError: exit 2
    if args.timeout is not None and not (args.engine == "dask" and 0 < args.timeout < 1e9):
        raise UsageError("--timeout needs --engine dask and a positive number of seconds")

    def progress(name: str, ok: bool) -> None:
        for _ in range(module(name).units(config_of(name, args.quick))):
            bar.step(f"{name} ({'done' if ok else 'FAILED'})")
    return part_computer(out, args.quick, args.engine, args.workers, args.scheduler,
                         args.timeout, progress)


def cmd_check(args) -> int:
    from synthetic.checkrun import check_of, read_state, run_checks, summary_rows, total_units
    from plumbing.files import check_output_folder

    names = _check_names(args.only)
    default = f"results/synthetic/check{'-quick' if args.quick else ''}"
    out = check_output_folder(default if args.out is None else args.out, "--out")
    state = read_state(out, names, args.quick)  # refusals before anything is created
    start = time.perf_counter()
    bar = LazyBar(total_units(names, args.quick), "check", "instance", disable=args.json)
    command = "synthetic check" + (" --quick" if args.quick else "") + \
        (f" --only {','.join(names)}" if args.only is not None else "")
    compute = None
    if args.engine != "local" or args.workers is not None or args.scheduler is not None \
            or args.timeout is not None:
        compute = _engine_parts(args, out, bar)
    try:
        rows = run_checks(out, names, args.quick, bar.step, command=command,
                          compute_parts=compute, engine=args.engine)
    finally:
        bar.close()
    table = summary_rows(rows)
    elapsed = time.perf_counter() - start
    kept = [c for c in state.kept if any(check_of(r) == c for r in rows)]
    failed = any(r.get("verdict") == "fail" and check_of(r) in names for r in rows)
    code = EXIT_VERDICT_FAILED if failed else EXIT_OK
    if args.json:
        print(json.dumps({"out": str(out), "seconds": elapsed, "checks": list(names),
                          "kept": kept, "records": len(rows), "summary": table},
                         allow_nan=False))
        return code
    head = f"{'check':<9}{'theorem':<34}{'mark':<14}{'n':>5}{'pass':>6}{'fail':>6}" \
           f"{'inc':>5}{'shape':>6}  {'measured/bound':<22}tightness: witness / 1-D sup"
    print(head)
    for t in table:
        span = "" if t["ratio_min"] is None else f"{t['ratio_min']:.3g} .. {t['ratio_max']:.3g}"
        tight = " / ".join("-" if t.get(k) is None else f"{t[k]:.3g}"
                           for k in ("tightness_witness", "tightness_analytic"))
        theorem = t["theorem"] + (f" ({t['algorithm']})" if t.get("algorithm") else "")
        print(f"{t['check']:<9}{theorem[:33]:<34}{t['mark']:<14}{t['records']:>5}"
              f"{t['pass']:>6}{t['fail']:>6}{t['inconclusive']:>5}{t['shape-only']:>6}  "
              f"{span:<22}{'' if tight == '- / -' else tight}".rstrip())
    fails = [r for r in rows if r["verdict"] == "fail"]
    for r in fails[:20]:
        print(f"FAIL {r['check_id']}: measured {r['measured']} vs {r['bound_kind']} bound "
              f"{r['bound']} [{r['mark']}] {r['notes'][:160]}")
    if len(fails) > 20:
        print(f"... {len(fails) - 20} more failures in {out / 'records.jsonl'}")
    if kept:
        print(f"kept from earlier calls: {', '.join(kept)}")
    print(f"{len(rows)} records in {out / 'records.jsonl'} ({elapsed:.1f} s)")
    return code


