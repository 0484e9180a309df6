"""``python -m nn_checks``: train with a smoothness probe, then fit (L0, L1).

measure --model lstm|resnet20 --preset smoke|cpu|paper [--run NAME] [--clip C|none] [--lr LR]
        [--momentum M] [--steps N | --epochs E] [--probe none|secant|hessian|secant+hessian]
        [--probe-every K] [--probe-batches K] [--batch-size B] [--device auto|cpu|cuda]
        [--data-dir D] --out DIR
    writes DIR/{config.json, env.json, metrics.csv, epochs.csv}; rerun with the same --out to
    resume after an interruption.
fit DIR [--seed S] [--n-boot N] [--allow-insufficient]
    writes DIR/fit.json: (L0, L1) by envelope and regression with bootstrap intervals and the
    correlation of log gradient norm with log smoothness (theory.fitting.fit_all).
claims DIR
    writes DIR/claims.json: the paper's empirical claims judged on the six runs under DIR
    (DIR/<model>_<run>/), with the criterion of each verdict (nn_checks.claims).

Bad input: one line ``nn_checks: error: ...`` on stderr, exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from theory.cli_common import OneLineParser, UsageError, guarded


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available")
    return name


def _cmd_measure(args) -> int:
    from tqdm import tqdm

    from nn_checks.config import resolve
    from nn_checks.train import measure

    if args.steps is not None and args.epochs is not None:
        raise UsageError("give --steps or --epochs, not both")
    overrides = {"probe": args.probe, "probe_every": args.probe_every, "lr": args.lr,
                 "momentum": args.momentum, "steps": args.steps, "epochs": args.epochs,
                 "probe_batches": args.probe_batches, "batch_size": args.batch_size}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if args.clip is not None:
        overrides["clip"] = None if args.clip.lower() == "none" else float(args.clip)
    config = resolve(args.model, args.preset, args.run, **overrides)
    device = _device(args.device)
    bars = []  # created at the first step, so that a data error stays a single line

    def progress(report: dict) -> None:
        if not bars:
            bars.append(tqdm(desc=f"{config.model} {config.run}", unit="step",
                             total=report.get("total"), initial=report["step"] - 1))
        bars[0].update(1)
        bars[0].set_postfix(loss=f"{report['loss']:.3f}", refresh=False)
    try:
        status = measure(config, args.out, device, args.data_dir, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    print(f"{status['status']}: {status.get('steps', '?')} steps -> {Path(args.out) / 'metrics.csv'}")
    return 0


def _cmd_fit(args) -> int:
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


def _cmd_claims(args) -> int:
    from nn_checks.claims import claims_file
    from theory.records import write_json

    data = claims_file(Path(args.dir))
    write_json(Path(args.dir) / "claims.json", data)
    for claim in data["claims"]:
        print(f"{claim['verdict']:<14} {claim['id']:<20} {claim['claim']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m nn_checks", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    m = sub.add_parser("measure", help="train with a smoothness probe")
    m.add_argument("--model", required=True, choices=["lstm", "resnet20"])
    m.add_argument("--preset", required=True, choices=["smoke", "cpu", "paper"])
    m.add_argument("--run")
    m.add_argument("--clip")
    m.add_argument("--lr", type=float)
    m.add_argument("--momentum", type=float)
    m.add_argument("--steps", type=int)
    m.add_argument("--epochs", type=int)
    m.add_argument("--probe", choices=["none", "secant", "hessian", "secant+hessian"])
    m.add_argument("--probe-every", type=int)
    m.add_argument("--probe-batches", type=int,
                   help="probe on the mean loss of this many batches (default 1: the step's)")
    m.add_argument("--batch-size", type=int)
    m.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    m.add_argument("--data-dir")
    m.add_argument("--out", required=True)
    f = sub.add_parser("fit", help="fit (L0, L1) to DIR/metrics.csv")
    f.add_argument("dir")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--n-boot", type=int, default=999)
    f.add_argument("--allow-insufficient", action="store_true",
                   help="too few points: write fit.json with status 'insufficient', exit 0")
    cl = sub.add_parser("claims", help="judge the paper's empirical claims on the six runs")
    cl.add_argument("dir")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input)."""

    def command() -> int:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
        if args.command is None:
            raise UsageError("choose a command: measure, fit or claims")
        return {"measure": _cmd_measure, "fit": _cmd_fit, "claims": _cmd_claims}[args.command](args)
    return guarded("nn_checks", command, "interrupted (rerun with the same --out to resume)")
