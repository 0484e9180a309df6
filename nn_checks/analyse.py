"""``python -m nn_checks fit`` and ``claims``: (L0, L1) from a run's metrics, the paper's claims.

fit DIR [--seed S] [--n-boot N] [--allow-insufficient]
    writes DIR/fit.json: (L0, L1) by envelope and regression with bootstrap intervals and the
    correlation of log gradient norm with log smoothness (theory.fitting.fit_all).
claims DIR
    writes DIR/claims.json: the paper's empirical claims judged on the six runs under DIR
    (DIR/<model>_<run>/), with the criterion of each verdict (nn_checks.claims).
"""
from __future__ import annotations

from pathlib import Path

from theory.cli_common import UsageError

__all__ = ["add_fit_parser", "add_claims_parser", "cmd_fit", "cmd_claims"]


def add_fit_parser(sub) -> None:
    """The ``fit`` subcommand's arguments."""
    f = sub.add_parser("fit", help="fit (L0, L1) to DIR/metrics.csv")
    f.add_argument("dir")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--n-boot", type=int, default=999)
    f.add_argument("--allow-insufficient", action="store_true",
                   help="too few points: write fit.json with status 'insufficient', exit 0")


def add_claims_parser(sub) -> None:
    """The ``claims`` subcommand's arguments."""
    cl = sub.add_parser("claims", help="judge the paper's empirical claims on the six runs")
    cl.add_argument("dir")


def cmd_fit(args) -> int:
    import numpy as np

    from nn_checks.metrics import smoothness_pairs
    from theory.fitting import fit_all
    from theory.records import write_json

    path = Path(args.dir) / "metrics.csv"
    if not path.exists():
        raise UsageError(f"{path} not found (run measure first)")
    x, y, column = smoothness_pairs(path)
    try:
        if x.size < 3:
            raise ValueError(f"{path} has {x.size} probed steps with a finite smoothness;"
                             " need >= 3 (run measure with --probe secant)")
        fit = fit_all(x, y, np.random.default_rng(args.seed), n_boot=args.n_boot)
    except ValueError as error:
        if not args.allow_insufficient:
            raise
        write_json(Path(args.dir) / "fit.json", {
            "schema": "l0l1-fit/1", "status": "insufficient", "reason": str(error),
            "n": int(x.size), "source": {"metrics": str(path), "x": column}})
        print(f"no fit: {error} -> {Path(args.dir) / 'fit.json'}")
        return 0
    fit["status"] = "fitted"
    fit["source"] = {"metrics": str(path), "rows": int(x.size), "x": column,
                     "y": "smoothness (secant estimate along the update)"}
    write_json(Path(args.dir) / "fit.json", fit)
    env = fit["envelope"][0]
    corr = fit["correlation"]

    def show(value, spec: str) -> str:  # None where the number is undefined (NaN in the fit)
        return "n/a" if value is None else format(value, spec)
    print(f"envelope: L0 = {show(env.get('L0'), '.4g')}, L1 = {show(env.get('L1'), '.4g')}; "
          f"log-log Pearson r = {show(corr.get('pearson_r'), '.3f')}, Spearman rho = "
          f"{show(corr.get('spearman_rho'), '.3f')} (n = {corr.get('n_used')}) -> "
          f"{Path(args.dir) / 'fit.json'}")
    return 0


def cmd_claims(args) -> int:
    from nn_checks.claims import claims_file
    from theory.records import write_json

    data = claims_file(Path(args.dir))
    write_json(Path(args.dir) / "claims.json", data)
    for claim in data["claims"]:
        print(f"{claim['verdict']:<14} {claim['id']:<20} {claim['claim']}")
    return 0
