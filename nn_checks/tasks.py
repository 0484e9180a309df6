"""The two training tasks the loop of :mod:`nn_checks.trainloop` drives, and the probe's loss.

A task owns its data (moved to the run's device once), its model and the carried state, and
answers the loop's questions: the batch specs of an epoch, a batch's loss, the learning-rate scale
of a batch, an evaluation at the epoch's end, and the check of a checkpoint's carried state.

* :class:`LMTask` -- Penn Treebank language modelling (docs/statements.md §6, §8 item 4):
  contiguous BPTT windows of ``bptt`` tokens over ``batch_size`` streams, the hidden state carried
  from window to window; the loss is the token-mean cross-entropy, the evaluation the validation
  loss and perplexity exp(min(loss, 50)). With ``variable_bptt`` the windows are AWD-LSTM's
  (docs/statements.md §7, "Variable BPTT"), drawn from a generator seeded by (seed, epoch).
* :class:`ImageTask` -- image classification with ResNet20: a fresh permutation of the training
  images per epoch from (seed, epoch); the loss is the batch-mean cross-entropy, the evaluation
  the test accuracy.
* :func:`probe_loss` -- the loss the smoothness probe differentiates: the step's own batch, or the
  mean over it and the next k - 1 (docs/statements.md §8 item 1).
* :func:`data_fingerprint` -- SHA-256 of exactly the tensors a run uses (``data_sha256``).
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import torch
import torch.nn.functional as F

from nn_checks.config import RunConfig
from nn_checks.data import batchify, get_batch, load_images, load_ptb
from nn_checks.models import LSTMLanguageModel, resnet20

__all__ = ["LMTask", "ImageTask", "probe_loss", "data_fingerprint"]


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


class LMTask:
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


class ImageTask:
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


def probe_loss(task, batches: list, pos: int, state_in, k: int):
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
