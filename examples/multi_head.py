"""A shared trunk with two labelled heads: returns (mean, log_scale).

Expected: hidden units of the trunk permute and flip (tanh); the heads' outputs are
labelled and never permuted even though both are Linear(3, 1): S_3 ⋉ (Z_2)^3, order 48.

    simtool inspect examples/multi_head.py:MultiHead
"""

import torch
from torch import nn


class MultiHead(nn.Module):
    def __init__(self, d: int = 1, width: int = 3):
        super().__init__()
        self.trunk = nn.Linear(d, width)
        self.mean = nn.Linear(width, 1)
        self.log_scale = nn.Linear(width, 1)

    def forward(self, x):
        h = torch.tanh(self.trunk(x))
        return self.mean(h), self.log_scale(h)
