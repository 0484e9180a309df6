"""The paper's models: shapes, parameter counts, weight tying, dropout only in training."""
from __future__ import annotations

import pytest
import torch

from nn_checks.models import LSTMLanguageModel, resnet20


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_resnet20_parameter_count_and_shapes():
    model = resnet20()
    assert count(model) == 269_722  # ResNet20 with option-A shortcuts (akamaster's count)
    out = model(torch.zeros(2, 3, 32, 32))
    assert out.shape == (2, 10)
    grey = resnet20(in_channels=1)
    assert grey(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert count(model) - count(grey) == 2 * 16 * 9  # only the first conv differs


def test_lstm_shapes_hidden_and_tying():
    torch.manual_seed(0)
    model = LSTMLanguageModel(50, embedding_size=8, hidden_size=16, layers=3, tie_weights=True)
    tokens = torch.randint(0, 50, (7, 4))
    logits, hidden = model(tokens)
    assert logits.shape == (7, 4, 50) and len(hidden) == 3
    assert hidden[-1][0].shape == (1, 4, 8)  # tied: last layer outputs the embedding size
    assert model.decoder.weight is model.encoder.weight
    untied = LSTMLanguageModel(50, embedding_size=8, hidden_size=16, layers=2)
    assert count(model) < count(untied) + 50 * 16  # the shared matrix is counted once


def test_dropout_only_in_training():
    torch.manual_seed(0)
    model = LSTMLanguageModel(30, 8, 12, 2, dropout=0.5, dropouth=0.3, dropouti=0.3,
                              dropoute=0.2)
    tokens = torch.randint(0, 30, (5, 3))
    model.eval()
    a, _ = model(tokens)
    b, _ = model(tokens)
    assert torch.equal(a, b)
    model.train()
    c, _ = model(tokens)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("kwargs", [dict(dropout=1.0), dict(layers=0), dict(dropoute=-0.1)])
def test_bad_configurations_raise(kwargs):
    with pytest.raises(ValueError):
        LSTMLanguageModel(10, **kwargs)
