"""The paper's two model families (docs/statements.md §6): an AWD-LSTM-style LM and ResNet20.

* :class:`LSTMLanguageModel` — embedding → stacked LSTM → linear decoder, as in the authors'
  AWD-LSTM fork (docs/statements.md §7): configurable layers, hidden and embedding sizes,
  dropouts on the embedding matrix (``dropoute``, whole words), the input (``dropouti``), between
  layers (``dropouth``) and the output (``dropout``), and weight tying (decoder weight =
  embedding weight, which needs the last layer's size to equal the embedding size). The authors'
  released default is 2 × 512 hidden, 200 embedding, no dropout; the standard AWD-LSTM PTB model
  is 3 × 1150, 400 embedding, with dropouts (and weight-dropped recurrent matrices, not
  reproduced here: it would change the parameters the smoothness probe differentiates;
  docs/statements.md §8 items 2-3).
* :func:`resnet20` — the CIFAR ResNet of He et al. (2016, §4.2): 3 stages of 3 basic blocks
  with 16/32/64 channels, identity shortcuts with zero padding ("option A"), global average
  pooling; 0.27 M parameters for 3×32×32 input. ``in_channels=1`` adapts it to 1×28×28 images
  (Fashion-MNIST): the network is fully convolutional up to the global pooling, so any input
  size works.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LSTMLanguageModel", "resnet20", "BasicBlock", "ResNetCIFAR"]


def _embedding_dropout(embed: nn.Embedding, words: torch.Tensor, p: float, training: bool
                       ) -> torch.Tensor:
    """Drop whole rows of the embedding matrix (AWD-LSTM's ``embedded_dropout``)."""
    if not training or p == 0:
        return embed(words)
    keep = embed.weight.new_empty((embed.weight.size(0), 1)).bernoulli_(1 - p) / (1 - p)
    return F.embedding(words, embed.weight * keep)


class LSTMLanguageModel(nn.Module):
    """Word-level LSTM language model; ``forward(tokens (T, B), hidden)`` → logits (T, B, V).

    Parameters
    ----------
    vocab_size, embedding_size, hidden_size, layers : int
    dropout, dropouth, dropouti, dropoute : float
        Output, between-layer, input and embedding-row dropout probabilities in [0, 1).
    tie_weights : bool
        Share the decoder and embedding weights (the last LSTM layer then outputs
        ``embedding_size`` features, as in AWD-LSTM).
    """

    def __init__(self, vocab_size: int, embedding_size: int = 200, hidden_size: int = 512,
                 layers: int = 2, dropout: float = 0.0, dropouth: float = 0.0,
                 dropouti: float = 0.0, dropoute: float = 0.0, tie_weights: bool = False):
        super().__init__()
        for name, p in (("dropout", dropout), ("dropouth", dropouth), ("dropouti", dropouti),
                        ("dropoute", dropoute)):
            if not 0 <= p < 1:
                raise ValueError(f"{name} must be in [0, 1), got {p}")
        if min(vocab_size, embedding_size, hidden_size, layers) < 1:
            raise ValueError("vocab_size, embedding_size, hidden_size and layers must be >= 1")
        self.encoder = nn.Embedding(vocab_size, embedding_size)
        sizes = [embedding_size] + [hidden_size] * (layers - 1) + \
            [embedding_size if tie_weights else hidden_size]
        self.rnns = nn.ModuleList(nn.LSTM(sizes[i], sizes[i + 1]) for i in range(layers))
        self.decoder = nn.Linear(sizes[-1], vocab_size)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.dropout, self.dropouth, self.dropouti, self.dropoute = (dropout, dropouth, dropouti,
                                                                     dropoute)
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def init_hidden(self, batch_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Zero (h, c) for every layer."""
        weight = self.encoder.weight
        return [(weight.new_zeros(1, batch_size, rnn.hidden_size),
                 weight.new_zeros(1, batch_size, rnn.hidden_size)) for rnn in self.rnns]

    def forward(self, tokens: torch.Tensor, hidden=None):
        """Logits (T, B, V) and the new hidden state (detach it between BPTT windows)."""
        if hidden is None:
            hidden = self.init_hidden(tokens.size(1))
        x = _embedding_dropout(self.encoder, tokens, self.dropoute, self.training)
        x = F.dropout(x, self.dropouti, self.training)
        new_hidden = []
        for i, (rnn, h) in enumerate(zip(self.rnns, hidden)):
            x, h = rnn(x, h)
            new_hidden.append(h)
            p = self.dropouth if i < len(self.rnns) - 1 else self.dropout
            x = F.dropout(x, p, self.training)
        return self.decoder(x), new_hidden


class BasicBlock(nn.Module):
    """3×3 conv–BN–ReLU–3×3 conv–BN plus an identity shortcut (zero-padded when widening)."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride, self.pad = stride, planes - in_planes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
        if self.pad:
            shortcut = F.pad(shortcut, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + shortcut)


class ResNetCIFAR(nn.Module):
    """ResNet-(6n+2) for small images (He et al. 2016, §4.2); n = 3 is ResNet20."""

    def __init__(self, n: int = 3, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks, planes = [], 16
        for width, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n):
                blocks.append(BasicBlock(planes, width, stride if i == 0 else 1))
                planes = width
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.blocks(F.relu(self.bn(self.conv(x))))
        return self.fc(out.mean(dim=(2, 3)))


def resnet20(num_classes: int = 10, in_channels: int = 3) -> ResNetCIFAR:
    """ResNet20 (3 blocks per stage); ``in_channels=1`` for 1×28×28 Fashion-MNIST."""
    return ResNetCIFAR(3, num_classes, in_channels)
