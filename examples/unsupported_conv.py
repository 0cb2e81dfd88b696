"""Not supported: a convolution (and a norm layer).  `simtool inspect` refuses it with a
one-line error naming the module and what is supported (exit status 2).

    simtool inspect examples/unsupported_conv.py:ConvNet
"""

from torch import nn


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, 3)
        self.norm = nn.LayerNorm(4)
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(self.norm(self.conv(x).mean(-1)))
