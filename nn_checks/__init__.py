"""Smoothness against gradient norm along real LSTM and CNN training (docs/statements.md §6).

Commands (``python -m nn_checks COMMAND``, :mod:`nn_checks.cli`):

measure     train one run with the smoothness probe into a run folder, resumable byte-exactly
            after kill -9 (:mod:`nn_checks.train`)
data        find (``--provision``: install) Penn Treebank and the image set; ``--verify`` reads
            every file (:mod:`nn_checks.analyse`, :mod:`nn_checks.data`)
fit         (L0, L1) from a run's ``metrics.csv`` into ``fit.json`` (:mod:`nn_checks.analyse`)
claims      the paper's empirical claims judged on the six runs into ``claims.json``
            (:mod:`nn_checks.claims`)

and ``python -m nn_checks.gpu_smoke`` (:mod:`nn_checks.gpu_smoke`): the GPU path checked in a few
minutes (``--small``: the same checks on the CPU at smoke size).

Modules:

data        Penn Treebank (the ``treebank`` package or ptb.*.txt), Fashion-MNIST (Debian IDX files
            or a folder), CIFAR-10 (torchvision's python layout); one clear error when absent
models      AWD-LSTM-style language model, ResNet20 (CIFAR variant, 1- or 3-channel input)
config      presets (smoke / cpu / paper), the paper's six named runs, the probe schedule
probe       secant smoothness along the update, top Hessian eigenvalue (Lanczos), a hook
tasks       the two training tasks (PTB windows, image batches) and the probe's loss
trainloop   the training step, the epoch's end and the run's counters, files and checkpoints
train       ``measure``: every check before the first write, then the loop; with checkpoint
            (tensors and plain values only), runfolder (the run folder and its CSV files) and
            envinfo (device set-up and description)
metrics     the run's CSV files read against their schema
results     a run folder's config.json, fit.json and epochs.csv read against their schemas
claims      the criteria and verdicts of ``claims``
analyse     the ``data``, ``fit`` and ``claims`` subcommands
cli         the command line (``measure`` and the parsers of the others)
gpu_smoke   the GPU smoke check

Where the workbench departs from the authors' code on purpose: docs/statements.md §8 (their code
itself: §7). Imports ``plumbing``, ``theory`` (fitting), torch, numpy and scipy.
"""
