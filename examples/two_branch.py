"""Two parallel branches concatenated: y = head(cat(tanh(A x), tanh(B x))).

Expected: the split into branches is bookkeeping — a unit of `a` can trade places with
a unit of `b` (weights, bias and head column together) — so the group is the one of a
single tanh layer of width 2 + 2: S_4 ⋉ (Z_2)^4, order 384.  With a sigmoid branch
(`mixed=True`) units cannot cross and only `a` (tanh, odd) has flips: S_2 × S_2 ⋉ (Z_2)^2, order 16.

    simtool inspect examples/two_branch.py:make_two_branch
"""

import torch
from torch import nn


class TwoBranch(nn.Module):
    def __init__(self, d: int = 1, width_a: int = 2, width_b: int = 2, mixed: bool = False):
        super().__init__()
        self.a = nn.Linear(d, width_a)
        self.b = nn.Linear(d, width_b)
        self.head = nn.Linear(width_a + width_b, 1)
        self.mixed = mixed

    def forward(self, x):
        ha = torch.tanh(self.a(x))
        hb = torch.sigmoid(self.b(x)) if self.mixed else torch.tanh(self.b(x))
        return self.head(torch.cat([ha, hb], dim=-1))


def make_two_branch(mixed: bool = False):
    """Factory: the example as a module (`path:make_two_branch`)."""
    return TwoBranch(mixed=mixed)
