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

from nn_checks import analyse
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
    analyse.add_fit_parser(sub)
    analyse.add_claims_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input)."""

    def command() -> int:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
        if args.command is None:
            raise UsageError("choose a command: measure, fit or claims")
        return {"measure": _cmd_measure, "fit": analyse.cmd_fit,
                "claims": analyse.cmd_claims}[args.command](args)
    return guarded("nn_checks", command, "interrupted (rerun with the same --out to resume)")
