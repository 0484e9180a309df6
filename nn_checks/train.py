"""Training with a smoothness probe at every step, resumable (``python -m nn_checks measure``).

One loop for both model families (paper.md §6): SGD (optional momentum and weight decay),
clipping of the global gradient norm at c (:func:`_clip`, whose float64 pre-clip norm is the
reported ``grad_norm``), the authors' halving of the learning rate when the validation loss has
not improved for ``lr_halving_patience`` epochs, and a :class:`nn_checks.probe.SmoothnessProbe`
on the training batch of the step (both gradients of the secant estimate on the same batch, mode
and dropout masks, on the scale of ``grad_norm``).

Files in the output folder: ``config.json`` (resolved config, status, the data set actually read,
wall seconds accumulated over resumes, torch threads, ``batches_per_epoch`` -- the number of
training batches of each epoch started, for plotting partial epochs), ``env.json``,
``metrics.csv`` (one row per step: ``lr`` is the step's effective learning rate, ``grad_norm``
the pre-clip norm of the training gradient, ``probe_grad_norm`` the norm of ∇f(θ_from) of the
probe's loss -- the same number unless ``probe_batches`` > 1 -- which is the x of the fit),
``epochs.csv`` (one row per epoch) and ``checkpoint.pt``.
The checkpoint (written atomically every ``checkpoint_every`` steps and at each epoch end) holds
the model, optimizer, RNG and data position and the number of rows already written; a rerun after
an interruption (even kill -9) truncates the CSV files to those rows and continues, so the
result has no duplicated or missing rows (the steps after the checkpoint are recomputed). A
non-finite or exploding loss (above ``diverge_factor`` times the first loss) ends the run as
``diverged``: its row has the loss and empty gradient columns, the rows before are kept and
config.json says so.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from nn_checks.config import RunConfig
from nn_checks.data import batchify, get_batch, load_images, load_ptb
from nn_checks.models import LSTMLanguageModel, resnet20
from nn_checks.probe import SmoothnessProbe
from theory.records import environment_info, write_json

__all__ = ["METRICS", "EPOCHS", "measure"]

METRICS = ("step", "epoch", "lr", "loss", "grad_norm", "clipped", "update_norm", "smoothness",
           "hessian_top_eig", "n_hvps", "probe_grad_norm")
EPOCHS = ("epoch", "lr", "train_loss", "val_loss", "val_ppl", "test_acc")
_PROBE_KIND = {"secant": "secant", "hessian": "hessian", "secant+hessian": "both"}


class _LM:
    """PTB language modelling: contiguous BPTT windows, hidden state carried across them.

    A batch spec is ``(start, length)``. With ``variable_bptt`` the lengths are AWD-LSTM's:
    bptt' = bptt with probability 0.95 else bptt/2, length = max(5, int(N(bptt', 5))), drawn from
    a generator seeded by (seed, epoch) so that a resumed run sees the same windows, and the step's
    learning rate is scaled by length/bptt (:meth:`lr_scale`).
    """

    def __init__(self, c: RunConfig, device, data_dir):
        corpus = load_ptb(data_dir)
        train = corpus.train[:c.train_tokens] if c.train_tokens else corpus.train
        valid = corpus.valid[:max(c.train_tokens // 10, 2 * c.bptt * 10)] if c.train_tokens \
            else corpus.valid
        self.train = batchify(train, c.batch_size).to(device)
        self.valid = batchify(valid, min(10, valid.numel() // 2)).to(device)
        self.c, self.vocab, self.dataset = c, len(corpus.vocab), "ptb"
        self.model = LSTMLanguageModel(self.vocab, c.embedding, c.hidden, c.layers, c.dropout,
                                       c.dropouth, c.dropouti, c.dropoute, c.tie_weights)
        self.state = None

    def batches(self, epoch: int) -> list:
        end, c = len(self.train) - 1, self.c
        if not c.variable_bptt:
            return [(i, c.bptt) for i in range(0, end, c.bptt)]
        rng, specs, i = np.random.default_rng([c.seed, epoch]), [], 0
        while i < end:
            base = c.bptt if rng.random() < 0.95 else c.bptt / 2
            length = max(5, int(rng.normal(base, 5)))
            specs.append((i, length))
            i += length
        return specs

    def lr_scale(self, spec) -> float:
        """AWD-LSTM's length/bptt with variable windows (the drawn length, also for a last window
        cut short by the data); 1 with fixed windows."""
        return spec[1] / self.c.bptt if self.c.variable_bptt else 1.0

    def reset(self) -> None:
        self.state = None

    def loss(self, spec, state):
        data, target = get_batch(self.train, spec[0], spec[1])
        logits, new = self.model(data, state)
        return F.cross_entropy(logits.view(-1, self.vocab), target), new

    def evaluate(self) -> dict:
        self.model.eval()
        total, count, state = 0.0, 0, None
        with torch.no_grad():
            for i in range(0, len(self.valid) - 1, self.c.bptt):
                data, target = get_batch(self.valid, i, self.c.bptt)
                logits, state = self.model(data, state)
                total += F.cross_entropy(logits.view(-1, self.vocab), target,
                                         reduction="sum").item()
                count += target.numel()
        self.model.train()
        val = total / count
        return {"val_loss": val, "val_ppl": math.exp(min(val, 50.0))}


class _Images:
    """Image classification: a fresh permutation per epoch from (seed, epoch)."""

    def __init__(self, c: RunConfig, device, data_dir):
        data = load_images(c.dataset, data_dir, c.train_images)
        self.x, self.y = data.train_x.to(device), data.train_y.to(device)
        n = c.eval_images or len(data.test_x)
        self.tx, self.ty = data.test_x[:n].to(device), data.test_y[:n].to(device)
        self.c, self.dataset = c, data.name
        self.model = resnet20(len(data.classes), data.shape[0])
        self.state = None

    def batches(self, epoch: int) -> list:
        g = torch.Generator().manual_seed(self.c.seed * 1000 + epoch)
        perm = torch.randperm(len(self.x), generator=g)
        n = len(self.x) // self.c.batch_size
        return [perm[k * self.c.batch_size:(k + 1) * self.c.batch_size] for k in range(n)]

    def reset(self) -> None:
        self.state = None

    def lr_scale(self, spec) -> float:
        return 1.0

    def loss(self, idx, state):
        return F.cross_entropy(self.model(self.x[idx]), self.y[idx]), None

    def evaluate(self) -> dict:
        self.model.eval()
        with torch.no_grad():
            correct = sum((self.model(self.tx[k:k + 500]).argmax(1) == self.ty[k:k + 500])
                          .sum().item() for k in range(0, len(self.tx), 500))
        self.model.train()
        return {"test_acc": correct / len(self.tx)}


def _probe_loss(task, batches: list, pos: int, state_in, k: int):
    """The probe's loss: the step's own batch (k = 1) or the mean over it and the next k - 1.

    The k batches follow the epoch's order (wrapping to its start); for the LM the extra windows
    start from a zero hidden state. Every gradient of the probe is the gradient of this one mean
    loss, so the secant and the ``probe_grad_norm`` it reports share one scale.
    """
    if k == 1:
        spec = batches[pos]
        return lambda: task.loss(spec, state_in)[0]
    specs = [batches[(pos + j) % len(batches)] for j in range(k)]
    return [lambda spec=spec, j=j: task.loss(spec, state_in if j == 0 else None)[0]
            for j, spec in enumerate(specs)]


def _clip(params: list, clip: float | None) -> torch.Tensor:
    """Pre-clip global gradient norm, summed in float64; grads scaled by min(1, c/(norm + 1e-6)).

    The scaling is ``clip_grad_norm_``'s; its float32 norm drifts by up to ~1e-4 (relative) from
    the float64 one on the 10^6-entry gradients of the LM, more than the probes resolve.
    """
    norm = torch.sqrt(sum(p.grad.double().pow(2).sum() for p in params if p.grad is not None))
    if clip is not None:
        coef = min(clip / (norm.item() + 1e-6), 1.0)
        if coef < 1.0:
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(coef)
    return norm


def _rng_state(device: str):
    cuda = torch.cuda.get_rng_state() if str(device).startswith("cuda") else None
    return torch.get_rng_state(), cuda


def _set_rng_state(device: str, state) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1])


def _detach(state):
    return None if state is None else [(h.detach(), c.detach()) for h, c in state]


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _truncate_csv(path: Path, header: tuple, rows: int) -> None:
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    keep = lines[1:rows + 1] if lines else []
    path.write_text(",".join(header) + "\n" + "".join(keep))


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    return repr(float(value)) if isinstance(value, float) else str(value)


def measure(c: RunConfig, out: str | Path, device: str = "cpu", data_dir=None,
            progress: Callable[[dict], None] | None = None,
            checkpoint_every: int = 25) -> dict:
    """Train ``c`` into ``out`` (resuming from ``out/checkpoint.pt``); return the final status."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    resolved = dataclasses.asdict(c)
    config_path, ckpt_path = out / "config.json", out / "checkpoint.pt"
    if config_path.exists():
        previous = json.loads(config_path.read_text())
        if previous.get("config") != json.loads(json.dumps(resolved)):
            raise ValueError(f"{out} holds a run with another configuration; choose another --out")
        if previous.get("status") in ("finished", "diverged"):
            return previous
    torch.manual_seed(c.seed)
    task = (_LM if c.model == "lstm" else _Images)(c, device, data_dir)
    model = task.model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=c.lr, momentum=c.momentum,
                          weight_decay=c.weight_decay)
    s = {"step": 0, "epoch": 0, "pos": 0, "lr": c.lr, "best": math.inf, "stall": 0,
         "rows": 0, "epoch_rows": 0, "loss_sum": 0.0, "loss_n": 0}
    if ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        rng = ck["rng"]  # (CPU, CUDA) states; a bare CPU state in older checkpoints
        _set_rng_state(device, rng if isinstance(rng, tuple) else (rng, None))
        s, task.state = ck["s"], ck["hidden"]
    wall0, clock = s.get("wall_seconds", 0.0), time.perf_counter()  # accumulated over resumes
    def running_config() -> None:
        write_json(config_path, {"config": resolved, "status": "running", "device": device,
                                 "dataset": task.dataset,
                                 "batches_per_epoch": s.get("batches_per_epoch", {})})
    running_config()
    write_json(out / "env.json", environment_info(seed=c.seed, device=device,
                                                  packages=("torch", "numpy", "scipy")))
    _truncate_csv(out / "metrics.csv", METRICS, s["rows"])
    _truncate_csv(out / "epochs.csv", EPOCHS, s["epoch_rows"])
    params = [p for p in model.parameters() if p.requires_grad]
    status = s.get("status", "finished")  # "diverged" survives a crash after the last step
    with open(out / "metrics.csv", "a", newline="") as mf, \
            open(out / "epochs.csv", "a", newline="") as ef:
        metrics, epochs = csv.writer(mf), csv.writer(ef)

        def checkpoint() -> None:
            mf.flush(), ef.flush()
            s["wall_seconds"] = wall0 + time.perf_counter() - clock
            _atomic_save({"model": model.state_dict(), "opt": opt.state_dict(), "s": dict(s),
                          "rng": _rng_state(device), "hidden": _detach(task.state)}, ckpt_path)
            running_config()

        planned = len(task.batches(0)) * c.epochs  # exact for fixed windows and images
        planned = planned if c.steps is None else min(planned, c.steps)
        while status != "diverged" and s["epoch"] < c.epochs and \
                (c.steps is None or s["step"] < c.steps):
            batches = task.batches(s["epoch"])
            s.setdefault("batches_per_epoch", {})[str(s["epoch"])] = len(batches)
            while s["pos"] < len(batches) and (c.steps is None or s["step"] < c.steps):
                spec, state_in = batches[s["pos"]], _detach(task.state)
                lr = s["lr"] * task.lr_scale(spec)
                for group in opt.param_groups:
                    group["lr"] = lr
                probe = None
                if c.probe != "none" and s["step"] % c.probe_every == 0:
                    probe = SmoothnessProbe(model, _probe_loss(task, batches, s["pos"], state_in,
                                                               c.probe_batches),
                                            kind=_PROBE_KIND[c.probe], gammas=c.gammas,
                                            generator=torch.Generator().manual_seed(s["step"]))
                opt.zero_grad(set_to_none=True)
                pre = _rng_state(device)
                loss, task.state = task.loss(spec, state_in)
                first = s.setdefault("first_loss", loss.item())
                if not math.isfinite(loss.item()) or loss.item() > c.diverge_factor * abs(first):
                    status = s["status"] = "diverged"
                    metrics.writerow([_fmt(v) for v in (s["step"], s["epoch"], lr,
                                                        loss.item())] + [""] * 7)
                    s["rows"] += 1
                    break
                loss.backward()
                grad_from = None if probe is None or c.probe_batches > 1 else torch.cat(  # ∇f(θ_from)
                    [(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                     for p in model.parameters()])
                norm = _clip(params, c.clip)
                before = torch.nn.utils.parameters_to_vector(params).detach().clone()
                row = {}
                if probe is not None:  # the probe sees the step's own dropout masks
                    post = _rng_state(device)
                    _set_rng_state(device, pre)
                    probe.before_step(s["step"], grad=grad_from)
                    opt.step()
                    row = probe.after_step(s["step"])
                    _set_rng_state(device, post)
                else:
                    opt.step()
                update = (torch.nn.utils.parameters_to_vector(params) - before).double().norm().item()
                metrics.writerow([_fmt(v) for v in (
                    s["step"], s["epoch"], lr, loss.item(), norm.item(),
                    bool(c.clip and norm.item() > c.clip), update, row.get("smoothness"),
                    row.get("hessian_top_eig"), row.get("n_hvps"), row.get("grad_norm"))])
                s["rows"] += 1
                s["step"], s["pos"] = s["step"] + 1, s["pos"] + 1
                s["loss_sum"], s["loss_n"] = s["loss_sum"] + loss.item(), s["loss_n"] + 1
                if progress is not None:
                    progress({"step": s["step"], "loss": loss.item(), "lr": lr,
                              "total": planned})
                if s["step"] % checkpoint_every == 0:
                    checkpoint()
            if status == "diverged":
                break
            partial = s["pos"] < len(batches)  # stopped by --steps inside an epoch
            if partial and s["loss_n"] == 0:
                break
            result = task.evaluate()
            val = result.get("val_loss", -result.get("test_acc", 0.0))
            s["stall"] = 0 if val < s["best"] else s["stall"] + 1
            s["best"] = min(s["best"], val)
            epochs.writerow([_fmt(v) for v in (s["epoch"], s["lr"],
                                               s["loss_sum"] / max(s["loss_n"], 1),
                                               result.get("val_loss"), result.get("val_ppl"),
                                               result.get("test_acc"))])
            s["epoch_rows"] += 1
            if s["stall"] >= c.lr_halving_patience:
                s["lr"], s["stall"] = s["lr"] / 2, 0
            if partial:  # the row describes the partial epoch; the run ends here
                s["loss_sum"], s["loss_n"] = 0.0, 0
                break
            s["epoch"], s["pos"], s["loss_sum"], s["loss_n"] = s["epoch"] + 1, 0, 0.0, 0
            task.reset()
            checkpoint()
        checkpoint()
    final = {"config": resolved, "status": status, "device": device, "dataset": task.dataset,
             "steps": s["step"], "batches_per_epoch": s.get("batches_per_epoch", {}),
             "epochs": s["epoch"], "wall_seconds": round(wall0 + time.perf_counter() - clock, 3),
             "threads": torch.get_num_threads()}
    write_json(config_path, final)
    return final
