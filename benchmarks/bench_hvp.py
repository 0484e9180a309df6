"""Benchmark: exact vs finite-difference top Hessian eigenvalue (nn_checks.probe).

For the smoke LSTM (1×32), the cpu-preset LSTM (2×512, embedding 200, vocabulary 10,000; one
real PTB batch of 16 × 70 tokens) and ResNet20 (in_channels 1, 28×28; Fashion-MNIST when
installed, else random-but-fixed images, said in the output), in float32 on the CPU: the top
|eigenvalue| by the device Lanczos with exact (double-backward) products and with central
gradient differences at the default step r = c·ε^{1/3}·RMS(θ) and at the former step
ε^{1/3}(1 + ||θ||); relative error against exact, products, measured residuals, seconds.

    .venv/bin/python benchmarks/bench_hvp.py [--cases smoke,cpu,resnet20] [--tol 1e-3]
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from nn_checks.config import resolve
from nn_checks.data import DataNotFoundError, batchify, get_batch, load_images, load_ptb
from nn_checks.models import LSTMLanguageModel, resnet20
from nn_checks.probe import finite_difference_step, top_hessian_eigenvalue

CASES = ("smoke", "cpu", "resnet20")


def lstm_case(preset: str):
    c = resolve("lstm", preset)
    corpus = load_ptb(limit=c.train_tokens)
    data, target = get_batch(batchify(corpus.train, c.batch_size), 0, c.bptt)
    torch.manual_seed(c.seed)
    vocab = len(corpus.vocab)
    model = LSTMLanguageModel(vocab, c.embedding, c.hidden, c.layers)
    note = (f"LSTM {c.layers}x{c.hidden}, embedding {c.embedding}, vocabulary {vocab}, "
            f"PTB batch {c.batch_size} x {c.bptt}")
    return model, (lambda: F.cross_entropy(model(data)[0].view(-1, vocab), target)), note


def resnet_case(batch: int = 32):
    torch.manual_seed(0)
    try:
        images = load_images("fashion-mnist", limit=batch)
        x, y, note = images.train_x[:batch], images.train_y[:batch], "Fashion-MNIST"
    except DataNotFoundError:
        g = torch.Generator().manual_seed(0)
        x = torch.rand(batch, 1, 28, 28, generator=g)
        y = torch.randint(0, 10, (batch,), generator=g)
        note = "random-but-fixed 1x28x28 images (Fashion-MNIST not installed)"
    model = resnet20(10, 1).train()
    return model, (lambda: F.cross_entropy(model(x), y)), f"ResNet20, batch {batch}, {note}"


def old_step(model) -> float:
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double()
    return torch.finfo(torch.float32).eps ** (1 / 3) * (1 + float(theta.norm()))


def run_case(name: str, tol: float, max_hvps: int) -> list[str]:
    model, loss_fn, note = resnet_case() if name == "resnet20" else lstm_case(name)
    n = sum(p.numel() for p in model.parameters())
    lines = [f"{name}: {note}; {n:,} parameters"]
    runs = {}
    for label, hvp, step in (("exact", "exact", None),
                             ("fd (c·ε^1/3·RMS)", "finite-difference", None),
                             ("fd old ε^1/3(1+|θ|)", "finite-difference", old_step(model))):
        start = time.perf_counter()
        r = top_hessian_eigenvalue(model, loss_fn, hvp=hvp, tol=tol, max_hvps=max_hvps,
                                   fd_step=step, generator=torch.Generator().manual_seed(0))
        runs[label] = (r, time.perf_counter() - start)
    exact = runs["exact"][0].value
    for label, (r, seconds) in runs.items():
        err = abs(r.value - exact) / exact
        step = "" if r.fd_step is None else f" r={r.fd_step:.3g}"
        lines.append(f"  {label:<22} λ={r.signed_value:+.7g}  rel.err {err:.2e}  "
                     f"{r.n_hvps:3d} HVPs {r.n_grads:4d} grads  residual {r.residual:.1e}  "
                     f"converged {r.converged}{step}  {seconds:6.1f} s")
    lines.append(f"  default fd step {finite_difference_step(model):.3g}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES),
                        help="comma-separated among %(choices)s (default: %(default)s)"
                        .replace("%(choices)s", ", ".join(CASES)))
    parser.add_argument("--tol", type=float, default=1e-3, help="(default: %(default)s)")
    parser.add_argument("--max-hvps", type=int, default=200, help="(default: %(default)s)")
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    bad = [c for c in cases if c not in CASES]
    if bad:
        parser.error(f"unknown case(s) {bad}; choose from {CASES}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32 on the CPU, "
          f"tol {args.tol}")
    for name in cases:
        for line in run_case(name, args.tol, args.max_hvps):
            print(line, flush=True)


if __name__ == "__main__":
    main()
