"""The training loop of ``measure``: one :class:`TrainingRun` holds the loop's counters, its files
and its steps (:mod:`nn_checks.train` describes the files and the resume; docs/statements.md §8
lists where this loop differs from the authors' code on purpose).

A step (:meth:`TrainingRun.step`) on the batch spec of the epoch's position:

* the learning rate is the current rate times the task's scale (length/bptt with AWD-LSTM's
  variable windows, else 1), set on every parameter group of ``torch.optim.SGD`` (momentum and
  weight decay from the config);
* the pre-clip gradient norm ||g|| = sqrt(sum_p ||g_p||²) is summed in float64 on the device
  (:func:`norm64`) and is the row's ``grad_norm``; with clipping at c the gradients are scaled by
  min(1, c/(||g|| + 1e-6)) without a host synchronisation, as ``clip_grad_norm_`` does, so the
  update has length lr·min(||g||, c) up to 1e-6/||g|| (docs/statements.md §8 item 11);
* on probed steps (:func:`nn_checks.config.probe_kind`) a :class:`nn_checks.probe.SmoothnessProbe`
  measures the secant and/or the top Hessian eigenvalue on :func:`nn_checks.tasks.probe_loss`,
  with the step's own dropout masks (the RNG state before the step is replayed to the probe and
  the training RNG put back after it; docs/statements.md §8 item 1);
* the row (:data:`nn_checks.runfolder.METRICS`) is written, the counters advanced, and a
  checkpoint taken every ``checkpoint_every`` steps.

At each epoch's end (:meth:`TrainingRun.end_epoch`) the task is evaluated and a row of
:data:`nn_checks.runfolder.EPOCHS` written; the rate is halved after ``lr_halving_patience``
epochs without a new best validation loss (ResNet20: test accuracy), and the counter then resets
(docs/statements.md §8 item 10).

Divergence: a non-finite loss, gradient norm or update, or a loss above ``diverge_factor`` times
the first, ends the run as ``diverged`` with that step's row holding only step, epoch, lr and the
loss (:func:`csv_cell` writes a number that is not finite as an empty cell).

The loop synchronises with the device once per step (the row's loss, norm and update in one
transfer; probed steps, whose probe reads numbers anyway, once more before probing).
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import torch

from nn_checks.checkpoint import (FORMAT, check_rng, load_checkpoint, restore_rng, rng_state,
                                  save_checkpoint, set_rng_state)
from nn_checks.config import RunConfig, probe_kind
from nn_checks.envinfo import device_info
from nn_checks.probe import SmoothnessProbe
from nn_checks.runfolder import EPOCHS, METRICS, CsvLog, remove_stale_temporaries
from nn_checks.tasks import probe_loss
from plumbing.jsonio import write_json
from plumbing.provenance import environment_info

__all__ = ["TrainingRun", "fresh_state", "norm64", "csv_cell", "detach_state"]


def norm64(tensors: list) -> torch.Tensor:
    """sqrt(sum of ||t||^2) with every norm taken in float64, on the tensors' device (no host
    synchronisation; no concatenated copy)."""
    if not tensors:
        return torch.zeros((), dtype=torch.float64)
    return torch.linalg.vector_norm(torch.stack(
        [torch.linalg.vector_norm(t, dtype=torch.float64) for t in tensors]))


def detach_state(state):
    """The LM's carried hidden state cut from the graph (None stays None)."""
    return None if state is None else [(h.detach(), c.detach()) for h, c in state]


def csv_cell(value) -> str:
    """A CSV cell: empty for None and for any number that is not finite."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def fresh_state(c: RunConfig) -> dict:
    """The loop's counters at step 0 (:data:`nn_checks.checkpoint.STATE_FIELDS`)."""
    return {"step": 0, "epoch": 0, "pos": 0, "lr": c.lr, "best": math.inf, "stall": 0,
            "rows": 0, "epoch_rows": 0, "loss_sum": 0.0, "loss_n": 0, "first_loss": None,
            "status": "running", "batches_per_epoch": {}, "wall_seconds": 0.0,
            "metrics_bytes": 0, "metrics_sha256": "", "epochs_bytes": 0, "epochs_sha256": ""}


class TrainingRun:
    """One measure: the loop's state, its files and its steps (see the module docstring and
    :mod:`nn_checks.train` for the files)."""

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
        self.s = fresh_state(c)
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
        hidden = detach_state(self.task.state)
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
        self.metrics.write([csv_cell(v) for v in (s["step"], s["epoch"], lr, loss)]
                           + [""] * (len(METRICS) - 4))
        s["rows"] += 1
        s["status"] = "diverged"
        return False

    def step(self, batches: list, planned: int) -> bool:
        """One training step and its row; False when it diverged."""
        c, s, task, model, opt, device = self.c, self.s, self.task, self.model, self.opt, \
            self.device
        spec, state_in = batches[s["pos"]], detach_state(task.state)
        lr = s["lr"] * task.lr_scale(spec)
        for group in opt.param_groups:
            group["lr"] = lr
        kind = probe_kind(c, s["step"])
        opt.zero_grad(set_to_none=True)
        pre = rng_state(device) if kind else None
        loss, task.state = task.loss(spec, state_in)
        loss.backward()
        grads = [p.grad for p in self.params if p.grad is not None]
        norm = norm64(grads)
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
            probe = SmoothnessProbe(model, probe_loss(task, batches, s["pos"], state_in,
                                                      c.probe_batches),
                                    kind=kind, gammas=c.gammas, hvp=c.hvp,
                                    max_hvps=c.max_hvps,
                                    generator=torch.Generator().manual_seed(s["step"]))
            post = rng_state(device)
            set_rng_state(device, pre)  # the probe sees the step's own dropout masks
            probe.before_step(s["step"], grad=flat)
            opt.step()
            row = probe.after_step(s["step"])
            set_rng_state(device, post)
            update_v = norm64(torch._foreach_sub([p.detach() for p in self.params],
                                                 before)).item()
        else:
            opt.step()
            update = norm64(torch._foreach_sub([p.detach() for p in self.params], before))
            loss_v, norm_v, update_v = torch.stack([loss.detach().double(), norm,
                                                    update]).tolist()
        if self._diverged(loss_v, norm_v, update_v):
            return self._diverge(lr, loss_v)
        self.metrics.write([csv_cell(v) for v in (
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
        self.epochs.write([csv_cell(v) for v in (s["epoch"], s["lr"],
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
