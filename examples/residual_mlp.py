"""A residual MLP: h = tanh(W0 x + b0); h = h + tanh(W1 h + b1); y = W2 h + c.

Expected (derived by hand, checked by brute force in tests/inspect/test_examples.py):
the residual forces the same permutation and sign on `inp` and `block` units, so the
group is S_n ⋉ (Z_2)^n (order n!·2^n; 48 for n = 3).

    simtool inspect examples/residual_mlp.py:ResidualMLP --args '{"d": 2, "width": 3}'
"""

import torch
from torch import nn


class ResidualMLP(nn.Module):
    def __init__(self, d: int = 2, width: int = 3):
        super().__init__()
        self.inp = nn.Linear(d, width)
        self.block = nn.Linear(width, width)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        h = h + torch.tanh(self.block(h))
        return self.out(h)
