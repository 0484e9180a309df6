"""``python -m nn_checks``: train with a smoothness probe, then fit (L0, L1).

measure --model lstm|resnet20 --preset smoke|cpu|long|paper [--run NAME] [--clip C|none] [--lr LR]
        [--momentum M] [--steps N | --epochs E] [--probe none|secant|hessian|secant+hessian]
        [--probe-every K] [--probe-batches K] [--hessian-every K] [--max-hvps N]
        [--hvp auto|exact|finite-difference] [--batch-size B] [--seed S]
        [--device auto|cpu|cuda|cuda:N] [--ptb-dir D] [--image-dir D] [--data-dir D]
        [--checkpoint-every N] --out DIR
    writes DIR/{config.json, env.json, metrics.csv, epochs.csv, checkpoint.pt}; rerun with the
    same --out to resume after an interruption (kill -9 included: the files end byte-identical
    to an uninterrupted run's).
data [--ptb-dir D] [--image-dir D] [--provision] [--verify] [--json]
    finds (with --provision installs) the data sets of the pipeline and prints where.
fit DIR [--seed S] [--n-boot N] [--allow-insufficient]
    writes DIR/fit.json: (L0, L1) by envelope and regression with bootstrap intervals and the
    correlation of log gradient norm with log smoothness (theory.fitting.fit_all).
sweep --runs all|NAMES --seeds 0-4 --preset P [--engine local|dask] [--workers N] ...
    settings x seeds (measure, fit) locally or on Dask, then the claims across seeds
    (nn_checks.cli_sweep; results/nn_checks/<preset>-sweep/<setting>/seed<S>/).
claims DIR
    writes DIR/claims.json: the paper's empirical claims judged on the six settings under DIR
    (DIR/<model>_<run>/, one run, or its seed<S>/ runs: then across seeds), with the
    criterion of each verdict and the seeds and steps it rests on (nn_checks.claims).

Bad input: one line ``nn_checks: error: ...`` on stderr, exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nn_checks import analyse
from nn_checks.cli_sweep import add_sweep_parser, cmd_sweep
from nn_checks.config import HVP_CHOICES, PROBES, RunConfig, describe_presets
from plumbing.cli import EXIT_CODES_HELP, OneLineParser, UsageError, add_version, guarded

_FROM_PRESET = "(default: from --preset and --run)"
_MEASURE_EPILOG = f"""\
{describe_presets()}

Probes: the secant estimate of the smoothness along the update (a directional lower bound on
||∇²f||, arXiv:1905.11881 Sec. 6) on steps with step % probe_every == 0; the top Hessian
eigenvalue |λ|max by Lanczos on steps with step % hessian_every == 0 (probe hessian or
secant+hessian), with at most --max-hvps Hessian-vector products; --hvp auto takes exact
(double-backward) products wherever they work and finite differences on cuDNN LSTMs.
Resume: rerun with the same --out; a folder is written by one measure at a time.
{EXIT_CODES_HELP}"""


def _float_or_none(text: str):
    return None if text.lower() == "none" else float(text)


def _cmd_measure(args) -> int:
    from tqdm import tqdm

    from nn_checks.config import resolve
    from nn_checks.envinfo import resolve_device
    from nn_checks.train import measure

    if args.steps is not None and args.epochs is not None:
        raise UsageError("give --steps or --epochs, not both")
    overrides = {"probe": args.probe, "probe_every": args.probe_every, "lr": args.lr,
                 "momentum": args.momentum, "steps": args.steps, "epochs": args.epochs,
                 "probe_batches": args.probe_batches, "batch_size": args.batch_size,
                 "seed": args.seed, "max_hvps": args.max_hvps, "hvp": args.hvp,
                 "hessian_every": args.hessian_every}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if args.clip is not None:
        try:
            overrides["clip"] = _float_or_none(args.clip)
        except ValueError:
            raise UsageError(f"--clip: expected a number or none, got {args.clip!r}") from None
    config = resolve(args.model, args.preset, args.run, **overrides)
    try:
        device = resolve_device(args.device)
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None
    if args.checkpoint_every < 1:
        raise UsageError(f"--checkpoint-every must be >= 1, got {args.checkpoint_every}")
    for option, value in (("--ptb-dir", args.ptb_dir), ("--image-dir", args.image_dir),
                          ("--data-dir", args.data_dir)):
        analyse.folder_option(value, option)
    data_dir = (args.ptb_dir if args.model == "lstm" else args.image_dir) or args.data_dir
    bars = []  # created at the first step: every error before it stays a single line

    def progress(report: dict) -> None:
        if not bars:
            bars.append(tqdm(desc=f"{config.model} {config.run}", unit="step",
                             total=report.get("total"), initial=report["step"] - 1))
        bars[0].update(1)
        bars[0].set_postfix(loss=f"{report['loss']:.3f}", refresh=False)
    try:
        status = measure(config, args.out, device, data_dir, progress=progress,
                         checkpoint_every=args.checkpoint_every)
    finally:
        for bar in bars:
            bar.close()
    print(f"{status['status']}: {status.get('steps', '?')} steps -> "
          f"{Path(args.out) / 'metrics.csv'}")
    return 0


def _add_measure_parser(sub) -> None:
    m = sub.add_parser("measure", help="train with a smoothness probe",
                       description="Train one of the paper's runs with a smoothness probe; "
                                   "resumable.", epilog=_MEASURE_EPILOG)
    m.add_argument("--model", required=True, choices=["lstm", "resnet20"])
    m.add_argument("--preset", required=True, choices=["smoke", "cpu", "long", "paper"],
                   help="model and data sizes (listed below)")
    m.add_argument("--run", help="one of the paper's named settings (listed below; default: "
                                 "the first of the model's)")
    m.add_argument("--clip", help=f"clip the gradient norm at C, or none {_FROM_PRESET}")
    m.add_argument("--lr", type=float, help=f"learning rate {_FROM_PRESET}")
    m.add_argument("--momentum", type=float, help=f"SGD momentum {_FROM_PRESET}")
    m.add_argument("--steps", type=int, help=f"stop after N steps {_FROM_PRESET}")
    m.add_argument("--epochs", type=int, help=f"epochs {_FROM_PRESET}")
    m.add_argument("--probe", choices=list(PROBES),
                   help=f"what to measure on probed steps (default: {RunConfig.probe})")
    m.add_argument("--probe-every", type=int,
                   help=f"secant probe every K steps {_FROM_PRESET}; 1 except resnet20 paper: "
                        "10")
    m.add_argument("--probe-batches", type=int,
                   help=f"probe on the mean loss of this many batches (default: "
                        f"{RunConfig.probe_batches}, the step's own)")
    m.add_argument("--hessian-every", type=int,
                   help="top Hessian eigenvalue every K steps (default: the --probe-every steps)")
    m.add_argument("--max-hvps", type=int,
                   help=f"Hessian-vector products per eigenvalue, at most "
                        f"(default: {RunConfig.max_hvps})")
    m.add_argument("--hvp", choices=list(HVP_CHOICES),
                   help=f"Hessian-vector products (default: {RunConfig.hvp})")
    m.add_argument("--batch-size", type=int, help=f"sequences or images per step {_FROM_PRESET}")
    m.add_argument("--seed", type=int,
                   help=f"seed of initialisation, dropout, windows and image order (default: "
                        f"{RunConfig.seed}, the authors')")
    m.add_argument("--device", default="auto",
                   help="auto, cpu, cuda or cuda:N (default: %(default)s: cuda:0 when "
                        "available)")
    analyse.add_data_folder_arguments(m, for_runs=True)
    m.add_argument("--data-dir", metavar="DIR",
                   help="the data folder of this run's model when --ptb-dir / --image-dir is "
                        "not given (older spelling)")
    m.add_argument("--checkpoint-every", type=int, default=25,
                   help="write checkpoint.pt every N steps and at each epoch end "
                        "(default: %(default)s; the results do not depend on it)")
    m.add_argument("--out", required=True, help="run folder (created; resumed when it holds "
                                                "this run)")
    add_version(m)


def _cmd_fit(args) -> int:
    from tqdm import tqdm

    return analyse.cmd_fit(args, progress=lambda total, desc: tqdm(total=total, desc=desc,
                                                                     unit="resample"))


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``measure`` here, ``data``/``fit``/``claims`` from
    :mod:`nn_checks.analyse`; every parser reports a usage error as one line, exit 2."""
    parser = OneLineParser(prog="python -m nn_checks", description=__doc__.split("\n\n")[0],
                           epilog=EXIT_CODES_HELP)
    add_version(parser)
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    _add_measure_parser(sub)
    analyse.add_data_parser(sub)
    analyse.add_fit_parser(sub)
    analyse.add_claims_parser(sub)
    add_sweep_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input)."""

    def command() -> int:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
        if args.command is None:
            raise UsageError("choose a command: measure, data, fit, claims or sweep")
        return {"measure": _cmd_measure, "data": analyse.cmd_data, "fit": _cmd_fit,
                "claims": analyse.cmd_claims, "sweep": cmd_sweep}[args.command](args)
    return guarded("nn_checks", command, "interrupted (rerun with the same --out to resume)")
