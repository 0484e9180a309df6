"""Training with a smoothness probe, resumable byte-exactly (``python -m nn_checks measure``).

One loop for both model families (arXiv:1905.11881, Sec. 6): SGD (optional momentum and weight
decay), clipping of the global gradient norm at c (the pre-clip norm ||g|| is summed in float64
and is the reported ``grad_norm``; the gradients are scaled by min(1, c/(||g|| + 1e-6)) on the
device, as ``clip_grad_norm_`` does, so the update has length lr·min(||g||, c) up to 1e-6/||g||),
the authors' halving of the learning rate when the validation loss has not improved for
``lr_halving_patience`` epochs, and a :class:`nn_checks.probe.SmoothnessProbe` on the training
batch of the step (both gradients of the secant estimate on the same batch, mode and dropout
masks, on the scale of ``grad_norm``). The secant runs on steps with step % ``probe_every`` = 0,
the top Hessian eigenvalue on steps with step % ``hessian_every`` = 0 (default: the same steps),
with ``max_hvps`` Hessian-vector products at most and ``hvp`` products: ``auto`` takes exact
(double-backward) products wherever double backward works and finite differences on cuDNN RNNs,
where it does not; an explicit ``exact`` there is refused before anything is written.

Files in the output folder: ``config.json`` (resolved config, status, device, the data set read
and the SHA-256 of exactly the tensors used, :func:`data_fingerprint` -- a resume on other data
is refused --, the seed, the HVP mode used, torch threads, ``batches_per_epoch`` -- the number of training
batches of each epoch started, for plotting partial epochs -- and ``wall_seconds`` accumulated
over resumes), ``env.json`` (versions, hardware: GPU name, CUDA and cuDNN versions, TF32 flags,
or the CPU model and core count; see :func:`nn_checks.envinfo.device_info`), ``metrics.csv``
(one row per step, columns :data:`METRICS`: ``lr`` is the step's effective learning rate,
``grad_norm`` the pre-clip norm of the training gradient, ``probe_grad_norm`` the norm of
∇f(θ_from) of the probe's loss -- the same number unless ``probe_batches`` > 1 -- which is the x
of the fit, ``hessian_converged`` 1 when Lanczos met its tolerance), ``epochs.csv`` (one row per
epoch, :data:`EPOCHS`) and ``checkpoint.pt`` (:mod:`nn_checks.checkpoint`).

Resume. The checkpoint (every ``checkpoint_every`` steps and at each epoch end) holds the model,
optimizer, RNG and data position, and the length and SHA-256 of both CSV files after ``fsync``.
A rerun after an interruption -- kill -9 at any moment included -- checks the files against it,
cuts them to those lengths and recomputes the steps after the checkpoint: the final
``metrics.csv`` and ``epochs.csv`` are byte-identical to those of an uninterrupted run (on CUDA
with the deterministic kernels :func:`nn_checks.envinfo.prepare_device` selects), and
``config.json`` differs only in ``wall_seconds``; ``env.json`` describes the latest start.
A folder is written by one ``measure`` at a time (:class:`plumbing.locks.RunLock`); a folder
holding another run's files is never written (:func:`nn_checks.runfolder.inspect_folder`).

Divergence. A non-finite or exploding loss (above ``diverge_factor`` times the first loss), or a
non-finite gradient norm or update, ends the run as ``diverged``: that step's row has the loss
(empty when not finite) and empty other columns, the rows before are kept and config.json says
so. No NaN or infinity is ever written: a number that is not finite is an empty cell.

The hot loop synchronises with the device once per step (the row's loss, norm and update in one
transfer; probed steps, whose probe reads numbers anyway, once more before probing).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from nn_checks.checkpoint import (FORMAT, check_rng, load_checkpoint, restore_rng,
                                  save_checkpoint)
from nn_checks.config import RunConfig, hessian_steps
from nn_checks.data import batchify, get_batch, load_images, load_ptb
from nn_checks.envinfo import device_info, prepare_device, resolve_device
from nn_checks.models import LSTMLanguageModel, resnet20
from nn_checks.probe import SmoothnessProbe, double_backward_supported, resolve_hvp
from nn_checks.runfolder import (EPOCHS, METRICS, CsvLog, inspect_folder, recorded_data,
                                 remove_stale_temporaries)
from plumbing.provenance import environment_info
from plumbing.jsonio import write_json
from plumbing.locks import RunLock
from plumbing.files import check_output_folder

__all__ = ["METRICS", "EPOCHS", "measure", "hvp_mode", "data_fingerprint"]


def data_fingerprint(*tensors: torch.Tensor) -> str:
    """SHA-256 of exactly the data a run trains and evaluates on: each tensor's dtype, shape and
    bytes (CPU, contiguous), in order. Recorded as ``config.json``'s ``data_sha256``; a resume on
    other data (another --data-dir, a changed copy) is refused rather than mixed in."""
    digest = hashlib.sha256()
    for t in tensors:
        t = t.detach().to("cpu").contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)};".encode("ascii"))
        digest.update(memoryview(t.numpy()).cast("B") if t.numel() else b"")
    return digest.hexdigest()



class _LM:
    """PTB language modelling: contiguous BPTT windows, hidden state carried across them.

    A batch spec is ``(start, length)``. With ``variable_bptt`` the lengths are AWD-LSTM's:
    bptt' = bptt with probability 0.95 else bptt/2, length = max(5, int(N(bptt', 5))), drawn from
    a generator seeded by (seed, epoch) so that a resumed run sees the same windows, and the step's
    learning rate is scaled by length/bptt (:meth:`lr_scale`).
    """

    def __init__(self, c: RunConfig, device, data_dir, data=None):
        corpus = data if data is not None else load_ptb(data_dir)
        train = corpus.train[:c.train_tokens] if c.train_tokens else corpus.train
        if train.numel() < 2 * c.batch_size:
            limit = f" (train_tokens={c.train_tokens})" if c.train_tokens else ""
            raise ValueError(f"batch_size {c.batch_size} needs at least {2 * c.batch_size} "
                             f"training tokens for one language-model batch; the data has "
                             f"{train.numel()}{limit}")
        valid = corpus.valid[:max(c.train_tokens // 10, 2 * c.bptt * 10)] if c.train_tokens \
            else corpus.valid
        if valid.numel() < 2:
            raise ValueError(f"the validation split has {valid.numel()} tokens; need >= 2")
        self.fingerprint = data_fingerprint(train, valid)
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

    def restore_state(self, hidden, device):
        """The carried hidden state of a checkpoint, checked against the model and moved."""
        if hidden is None:
            return None
        expected = [(h.shape, h.dtype) for pair in self.model.init_hidden(self.c.batch_size)
                    for h in pair]
        found = [(t.shape, t.dtype) if isinstance(t, torch.Tensor) else None
                 for pair in hidden for t in pair] if isinstance(hidden, (list, tuple)) else None
        if found != expected or not all(len(pair) == 2 for pair in hidden):
            raise ValueError("its hidden state does not fit the model")
        return [(h.to(device), c.to(device)) for h, c in hidden]

    def loss(self, spec, state):
        data, target = get_batch(self.train, spec[0], spec[1])
        logits, new = self.model(data, state)
        return F.cross_entropy(logits.view(-1, self.vocab), target), new

    def evaluate(self) -> dict:
        self.model.eval()
        total, count, state = None, 0, None
        with torch.no_grad():
            for i in range(0, len(self.valid) - 1, self.c.bptt):
                data, target = get_batch(self.valid, i, self.c.bptt)
                logits, state = self.model(data, state)
                part = F.cross_entropy(logits.view(-1, self.vocab), target,
                                       reduction="sum").double()
                total = part if total is None else total + part
                count += target.numel()
        self.model.train()
        val = total.item() / count
        return {"val_loss": val, "val_ppl": math.exp(min(val, 50.0))}


class _Images:
    """Image classification: a fresh permutation per epoch from (seed, epoch), moved to the
    data's device once per epoch (batches index the device tensors with device indices)."""

    def __init__(self, c: RunConfig, device, data_dir, data=None):
        data = data if data is not None else load_images(c.dataset, data_dir, c.train_images)
        x, y = data.train_x[:c.train_images], data.train_y[:c.train_images]
        if len(x) < c.batch_size:
            raise ValueError(f"batch_size {c.batch_size} exceeds the {len(x)} training images of "
                             f"{data.name}: an epoch would have no step")
        n = c.eval_images or len(data.test_x)
        if len(data.test_x[:n]) == 0:
            raise ValueError(f"{data.name} has no test images to evaluate on")
        self.fingerprint = data_fingerprint(x, y, data.test_x[:n], data.test_y[:n])
        self.x, self.y = x.to(device), y.to(device)
        self.tx, self.ty = data.test_x[:n].to(device), data.test_y[:n].to(device)
        self.c, self.dataset = c, data.name
        self.model = resnet20(len(data.classes), data.shape[0])
        self.state = None

    def batches(self, epoch: int) -> list:
        g = torch.Generator().manual_seed(self.c.seed * 1000 + epoch)
        perm = torch.randperm(len(self.x), generator=g).to(self.x.device)
        n = len(self.x) // self.c.batch_size
        return [perm[k * self.c.batch_size:(k + 1) * self.c.batch_size] for k in range(n)]

    def reset(self) -> None:
        self.state = None

    def restore_state(self, hidden, device):
        if hidden is not None:
            raise ValueError("it holds a hidden state, which ResNet20 has not")
        return None

    def lr_scale(self, spec) -> float:
        return 1.0

    def loss(self, idx, state):
        return F.cross_entropy(self.model(self.x[idx]), self.y[idx]), None

    def evaluate(self) -> dict:
        self.model.eval()
        with torch.no_grad():
            correct = sum((self.model(self.tx[k:k + 500]).argmax(1) == self.ty[k:k + 500]).sum()
                          for k in range(0, len(self.tx), 500))
        self.model.train()
        return {"test_acc": int(correct) / len(self.tx)}


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


def hvp_mode(c: RunConfig, model: torch.nn.Module, device: torch.device) -> str | None:
    """The Hessian-vector products the run uses (None without a Hessian probe): ``c.hvp``
    resolved by :func:`nn_checks.probe.resolve_hvp` for the model on its device.

    Raises
    ------
    ValueError
        ``hvp="exact"`` where double backward does not work (an RNN run by cuDNN).
    """
    if hessian_steps(c) is None:
        return None
    if c.hvp == "exact" and not double_backward_supported(model):
        raise ValueError(f"--hvp exact: double backward does not work through cuDNN's LSTM on "
                         f"{device}; use --hvp auto or --hvp finite-difference")
    return resolve_hvp(model, c.hvp)


def _probe_kind(c: RunConfig, step: int) -> str | None:
    secant = c.probe in ("secant", "secant+hessian") and step % c.probe_every == 0
    every = hessian_steps(c)
    hessian = every is not None and step % every == 0
    return {(True, True): "both", (True, False): "secant", (False, True): "hessian"}.get(
        (secant, hessian))


def _rng_state(device: torch.device):
    cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    return torch.get_rng_state(), cuda


def _set_rng_state(device: torch.device, state) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1], device)


def _norm64(tensors: list) -> torch.Tensor:
    """sqrt(sum of ||t||^2) with every norm taken in float64, on the tensors' device (no host
    synchronisation; no concatenated copy)."""
    if not tensors:
        return torch.zeros((), dtype=torch.float64)
    return torch.linalg.vector_norm(torch.stack(
        [torch.linalg.vector_norm(t, dtype=torch.float64) for t in tensors]))


def _detach(state):
    return None if state is None else [(h.detach(), c.detach()) for h, c in state]


def _fmt(value) -> str:
    """A CSV cell: empty for None and for any number that is not finite."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def _fresh_state(c: RunConfig) -> dict:
    return {"step": 0, "epoch": 0, "pos": 0, "lr": c.lr, "best": math.inf, "stall": 0,
            "rows": 0, "epoch_rows": 0, "loss_sum": 0.0, "loss_n": 0, "first_loss": None,
            "status": "running", "batches_per_epoch": {}, "wall_seconds": 0.0,
            "metrics_bytes": 0, "metrics_sha256": "", "epochs_bytes": 0, "epochs_sha256": ""}


class _Run:
    """One measure: the loop's state, its files and its steps (see the module docstring)."""

    def __init__(self, c: RunConfig, out: Path, device: torch.device, task, hvp: str | None,
                 progress, checkpoint_every: int):
        self.c, self.out, self.device, self.task, self.hvp = c, out, device, task, hvp
        self.progress, self.checkpoint_every = progress, checkpoint_every
        self.model = task.model
        self.opt = torch.optim.SGD(self.model.parameters(), lr=c.lr, momentum=c.momentum,
                                   weight_decay=c.weight_decay)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.resolved = json.loads(json.dumps(dataclasses.asdict(c)))
        self.config_text = json.dumps(self.resolved, sort_keys=True)
        self.s = _fresh_state(c)
        self.ck = None
        self.metrics = self.epochs = None

    # ----------------------------------------------------------------------------- resume
    def load(self) -> None:
        """Read and check ``checkpoint.pt`` and the CSV files against it (nothing written)."""
        path = self.out / "checkpoint.pt"
        if not path.exists():
            return
        ck = load_checkpoint(path, self.config_text, self.device.type)
        check_rng(path, ck, self.device)
        try:
            self.model.load_state_dict(ck["model"])
            self.opt.load_state_dict(ck["opt"])
            for p, st in self.opt.state.items():
                for value in st.values():
                    if isinstance(value, torch.Tensor) and value.dim() and value.shape != p.shape:
                        raise ValueError("optimizer state of another shape")
            self.task.state = self.task.restore_state(ck["hidden"], self.device)
        except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise ValueError(f"{path}: not a checkpoint of this model ({reason}); delete "
                             "checkpoint.pt to restart the run from step 0") from None
        s = dict(ck["state"])
        if s["epoch"] > self.c.epochs or (s["epoch"] < self.c.epochs and
                                          s["pos"] > len(self.task.batches(s["epoch"]))):
            raise ValueError(f"{path}: its data position (epoch {s['epoch']}, batch "
                             f"{s['pos']}) lies outside this run; delete checkpoint.pt to "
                             "restart the run from step 0")
        CsvLog.check(self.out / "metrics.csv", METRICS, s["metrics_bytes"], s["metrics_sha256"])
        CsvLog.check(self.out / "epochs.csv", EPOCHS, s["epochs_bytes"], s["epochs_sha256"])
        self.s, self.ck = s, ck

    def open_files(self) -> None:
        """First writes: stale temporaries out, config.json, env.json, the CSV logs."""
        remove_stale_temporaries(self.out)
        self.running_config()
        env = environment_info(seed=self.c.seed, device=str(self.device),
                               packages=("torch", "numpy", "scipy"))
        write_json(self.out / "env.json", {**env, **device_info(self.device), "hvp": self.hvp})
        s = self.s
        if self.ck is None:
            self.metrics = CsvLog.start(self.out / "metrics.csv", METRICS)
            self.epochs = CsvLog.start(self.out / "epochs.csv", EPOCHS)
        else:
            self.metrics = CsvLog.resume(self.out / "metrics.csv", METRICS, s["metrics_bytes"],
                                         s["metrics_sha256"])
            self.epochs = CsvLog.resume(self.out / "epochs.csv", EPOCHS, s["epochs_bytes"],
                                        s["epochs_sha256"])
            restore_rng(self.out / "checkpoint.pt", self.ck, self.device)
            self.ck = None

    def summary(self, status: str) -> dict:
        s = self.s
        return {"config": self.resolved, "status": status, "device": str(self.device),
                "dataset": self.task.dataset, "data_sha256": self.task.fingerprint,
                "seed": self.c.seed, "hvp": self.hvp,
                "batches_per_epoch": s["batches_per_epoch"], "steps": s["step"],
                "epochs": s["epoch"], "threads": torch.get_num_threads()}

    def running_config(self) -> None:
        write_json(self.out / "config.json", self.summary("running"))

    def checkpoint(self) -> None:
        s = self.s
        s["metrics_bytes"], s["metrics_sha256"] = self.metrics.sync()
        s["epochs_bytes"], s["epochs_sha256"] = self.epochs.sync()
        s["wall_seconds"] = self.wall0 + time.perf_counter() - self.clock
        hidden = _detach(self.task.state)
        save_checkpoint(self.out / "checkpoint.pt", {
            "format": FORMAT, "config": self.config_text, "device_type": self.device.type,
            "model": self.model.state_dict(), "opt": self.opt.state_dict(),
            "state": {**s, "batches_per_epoch": dict(s["batches_per_epoch"])},
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state(self.device) if self.device.type == "cuda"
            else None,
            "hidden": None if hidden is None else [[h, c] for h, c in hidden]})
        self.running_config()

    # ------------------------------------------------------------------------------ steps
    def _diverged(self, loss: float, *others: float) -> bool:
        if not all(math.isfinite(v) for v in (loss, *others)):
            return True
        if self.s["first_loss"] is None:
            self.s["first_loss"] = loss
        return loss > self.c.diverge_factor * abs(self.s["first_loss"])

    def _diverge(self, lr: float, loss: float) -> bool:
        s = self.s
        self.metrics.write([_fmt(v) for v in (s["step"], s["epoch"], lr, loss)]
                           + [""] * (len(METRICS) - 4))
        s["rows"] += 1
        s["status"] = "diverged"
        return False

    def step(self, batches: list, planned: int) -> bool:
        """One training step and its row; False when it diverged."""
        c, s, task, model, opt, device = self.c, self.s, self.task, self.model, self.opt, \
            self.device
        spec, state_in = batches[s["pos"]], _detach(task.state)
        lr = s["lr"] * task.lr_scale(spec)
        for group in opt.param_groups:
            group["lr"] = lr
        kind = _probe_kind(c, s["step"])
        opt.zero_grad(set_to_none=True)
        pre = _rng_state(device) if kind else None
        loss, task.state = task.loss(spec, state_in)
        loss.backward()
        grads = [p.grad for p in self.params if p.grad is not None]
        norm = _norm64(grads)
        flat = None
        if kind is not None and c.probe_batches == 1:  # the probe's ∇f(θ_from), unclipped
            flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                              for p in model.parameters()])
        if c.clip is not None:  # clip_grad_norm_'s scaling, without a host synchronisation
            coef = torch.clamp(c.clip / (norm + 1e-6), max=1.0)
            torch._foreach_mul_(grads, coef.to(grads[0].dtype))
        before = [p.detach().clone() for p in self.params]
        row = {}
        if kind is not None:
            loss_v, norm_v = torch.stack([loss.detach().double(), norm]).tolist()
            if self._diverged(loss_v, norm_v):
                return self._diverge(lr, loss_v)
            probe = SmoothnessProbe(model, _probe_loss(task, batches, s["pos"], state_in,
                                                       c.probe_batches),
                                    kind=kind, gammas=c.gammas, hvp=c.hvp,
                                    max_hvps=c.max_hvps,
                                    generator=torch.Generator().manual_seed(s["step"]))
            post = _rng_state(device)
            _set_rng_state(device, pre)  # the probe sees the step's own dropout masks
            probe.before_step(s["step"], grad=flat)
            opt.step()
            row = probe.after_step(s["step"])
            _set_rng_state(device, post)
            update_v = _norm64(torch._foreach_sub([p.detach() for p in self.params],
                                                  before)).item()
        else:
            opt.step()
            update = _norm64(torch._foreach_sub([p.detach() for p in self.params], before))
            loss_v, norm_v, update_v = torch.stack([loss.detach().double(), norm,
                                                    update]).tolist()
        if self._diverged(loss_v, norm_v, update_v):
            return self._diverge(lr, loss_v)
        self.metrics.write([_fmt(v) for v in (
            s["step"], s["epoch"], lr, loss_v, norm_v,
            bool(c.clip is not None and norm_v > c.clip), update_v, row.get("smoothness"),
            row.get("hessian_top_eig"), row.get("n_hvps"), row.get("grad_norm"),
            row.get("hessian_converged"))])
        s["rows"] += 1
        s["step"], s["pos"] = s["step"] + 1, s["pos"] + 1
        s["loss_sum"], s["loss_n"] = s["loss_sum"] + loss_v, s["loss_n"] + 1
        if self.progress is not None:
            self.progress({"step": s["step"], "loss": loss_v, "lr": lr, "total": planned})
        if s["step"] % self.checkpoint_every == 0:
            self.checkpoint()
        return True

    def end_epoch(self, partial: bool) -> None:
        """Evaluate, write the epoch's row, apply the lr halving rule."""
        s = self.s
        result = self.task.evaluate()
        val = result.get("val_loss", -result.get("test_acc", 0.0))
        s["stall"] = 0 if val < s["best"] else s["stall"] + 1
        s["best"] = min(s["best"], val)
        self.epochs.write([_fmt(v) for v in (s["epoch"], s["lr"],
                                             s["loss_sum"] / max(s["loss_n"], 1),
                                             result.get("val_loss"), result.get("val_ppl"),
                                             result.get("test_acc"))])
        s["epoch_rows"] += 1
        if s["stall"] >= self.c.lr_halving_patience:
            s["lr"], s["stall"] = s["lr"] / 2, 0

    def run(self) -> dict:
        c, s = self.c, self.s
        self.wall0, self.clock = s["wall_seconds"], time.perf_counter()
        planned = len(self.task.batches(0)) * c.epochs  # exact for fixed windows and images
        planned = planned if c.steps is None else min(planned, c.steps)
        try:
            while s["status"] == "running" and s["epoch"] < c.epochs:
                if c.steps is not None and s["step"] >= c.steps and s["loss_n"] == 0:
                    break  # the step budget ran out at an epoch boundary
                batches = self.task.batches(s["epoch"])
                s["batches_per_epoch"][str(s["epoch"])] = len(batches)
                while s["pos"] < len(batches) and (c.steps is None or s["step"] < c.steps):
                    if not self.step(batches, planned):
                        break
                if s["status"] == "diverged":
                    break
                partial = s["pos"] < len(batches)  # stopped by --steps inside an epoch
                self.end_epoch(partial)  # also after a resume from a checkpoint at the last step
                if partial:  # the row describes the partial epoch; the run ends here
                    s["loss_sum"], s["loss_n"] = 0.0, 0
                    break
                s["epoch"], s["pos"], s["loss_sum"], s["loss_n"] = s["epoch"] + 1, 0, 0.0, 0
                self.task.reset()
                self.checkpoint()
            self.checkpoint()
        finally:
            self.metrics.close()
            self.epochs.close()
        status = "diverged" if s["status"] == "diverged" else "finished"
        final = {**self.summary(status),
                 "wall_seconds": round(self.wall0 + time.perf_counter() - self.clock, 3)}
        write_json(self.out / "config.json", final)
        return final


def _same_data(out: Path, previous: dict | None, task) -> None:
    """Refuse to resume ``previous`` (a running run's ``config.json``) on other data than it
    started with: another data set, or the same one with other contents (folders written before
    ``data_sha256`` existed are checked by name only)."""
    if previous is None:
        return
    try:
        dataset, digest = recorded_data(out / "config.json", previous)
    except ValueError as exc:
        raise ValueError(f"{exc}; delete the folder to restart or choose another --out"
                         ) from None
    if dataset not in (None, task.dataset):
        raise ValueError(f"{out} holds a run on {dataset}, not on {task.dataset}: resume it "
                         "with the same data folder (or choose another --out)")
    if digest not in (None, task.fingerprint):
        raise ValueError(f"{out} holds a run on other {task.dataset} data (data_sha256 "
                         f"{digest[:12]}..., this data {task.fingerprint[:12]}...): resume it "
                         "with the same data folder (or choose another --out)")


def measure(c: RunConfig, out: str | Path, device: str | torch.device = "cpu", data_dir=None,
            progress: Callable[[dict], None] | None = None, checkpoint_every: int = 25, *,
            data=None) -> dict:
    """Train ``c`` into ``out``, resuming from ``out/checkpoint.pt``; return the final status.

    Everything is checked before the first write (the folder is created only then): the config,
    the device (``auto``, ``cpu``, ``cuda``, ``cuda:N``), the folder (another run's files, a
    damaged config.json or one of another configuration are refused), the data (present, enough
    of it for one batch), the HVP mode, and on a resume the data (the same set, the same
    ``data_sha256``), the checkpoint and both CSV files. A
    finished or diverged run in ``out`` is returned as it is, without writing.

    Parameters
    ----------
    data : PTBCorpus or ImageData, optional
        Already-loaded data to train on instead of reading ``data_dir`` (its ``name`` is
        recorded as the data set).

    Raises
    ------
    ValueError
        Any of the refusals above (one line naming the file or setting), or the folder is
        locked by another ``measure`` (:class:`plumbing.locks.LockedError`).
    plumbing.files.WriteError
        A file could not be written (disk full: the last checkpoint stays valid).
    """
    out = check_output_folder(out)
    device = resolve_device(device)
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or \
            checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be an integer >= 1, got {checkpoint_every!r}")
    current = json.loads(json.dumps(dataclasses.asdict(c)))
    defaults = json.loads(json.dumps(dataclasses.asdict(RunConfig())))
    previous = inspect_folder(out, current, defaults)
    if previous is not None and previous["status"] != "running":
        return previous
    prepare_device(device)
    torch.manual_seed(c.seed)
    task = (_LM if c.model == "lstm" else _Images)(c, device, data_dir, data)
    _same_data(out, previous, task)
    task.model.to(device)
    hvp = hvp_mode(c, task.model, device)
    per_epoch = len(task.batches(0))
    if c.probe_batches > per_epoch:
        raise ValueError(f"probe_batches {c.probe_batches} exceeds the {per_epoch} batches of "
                         "an epoch")
    with RunLock(out, f"measure --model {c.model} --run {c.run} --preset {c.preset}"):
        previous = inspect_folder(out, current, defaults)  # again, now as the only writer
        if previous is not None and previous["status"] != "running":
            return previous
        _same_data(out, previous, task)
        run = _Run(c, out, device, task, hvp, progress, checkpoint_every)
        if previous is not None:
            run.load()
        run.open_files()
        return run.run()
