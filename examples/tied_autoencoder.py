"""A tied-weight autoencoder: h = tanh(W x + b), x̂ = Wᵀ h + c (one Parameter W used twice).

Expected: permutations and sign flips of the hidden units act on W's rows, and through
Wᵀ consistently on the decoder; inputs and outputs are labelled, never permuted: the
group is S_m ⋉ (Z_2)^m (order m!·2^m; 48 for m = 3).

    simtool inspect examples/tied_autoencoder.py:TiedAutoencoder --args '[2, 3]'
"""

import torch
import torch.nn.functional as F
from torch import nn


class TiedAutoencoder(nn.Module):
    def __init__(self, d: int = 2, hidden: int = 3):
        super().__init__()
        self.enc = nn.Linear(d, hidden)
        self.dec_bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        h = torch.tanh(self.enc(x))
        return F.linear(h, self.enc.weight.t(), self.dec_bias)
