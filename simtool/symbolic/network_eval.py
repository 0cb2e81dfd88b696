r"""Exact evaluation of :math:`\nabla_\theta f(\theta, x)` for any network, read from its roles.

The layout comes from the network object (:class:`~simtool.symbolic.architecture.Network`:
``roles`` and ``layer_widths``), never from offset arithmetic.  The activations enter
only through an *atom rule* ``(layer, z) -> (s, t)`` giving the values
:math:`s = \sigma_l(z)` and :math:`t = \sigma_l'(z)`, so the same backpropagation runs

* on :class:`fractions.Fraction` with exact values for polynomial σ, or with sampled
  values obeying a proved identity of σ (e.g. :math:`\sigma(z) = z\sigma'(z)/p` for a
  positively homogeneous σ) when σ itself is transcendental or piecewise;
* on sympy expressions.

.. math:: \delta_{L} = 1,\quad \delta_{l,i} = t_{l,i}\sum_k W_{l+1}[k,i]\,\delta_{l+1,k},\quad
          \partial f/\partial W_l[i,j] = \delta_{l,i}\,h_{l-1,j},\quad
          \partial f/\partial b_l[i] = \delta_{l,i}

>>> from fractions import Fraction as F
>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> net = TwoLayerNet(1, get_activation("identity"))   # f = a (w x + b)
>>> gradient(net, [F(2), F(3), F(5)], [F(7)], lambda l, z: (z, F(1)))
[Fraction(26, 1), Fraction(14, 1), Fraction(2, 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .architecture import Network

__all__ = ["LayerIndex", "layer_index", "gradient"]


@dataclass(frozen=True)
class LayerIndex:
    """Coordinates of every weight and bias, by layer (from the network's roles).

    ``weights[l-1][i-1][j-1]`` is the coordinate of ``W_l[i, j]``; ``biases[l-1][i-1]``
    that of ``b_l[i]`` or ``None``; ``widths`` = ``layer_widths``.
    """

    widths: tuple[int, ...]
    weights: tuple[tuple[tuple[int, ...], ...], ...]
    biases: tuple[tuple[int | None, ...], ...]

    @property
    def depth(self) -> int:
        return len(self.widths) - 1


@lru_cache(maxsize=64)
def _layer_index(roles: tuple, widths: tuple[int, ...]) -> LayerIndex:
    L = len(widths) - 1
    W = [[[None] * widths[l - 1] for _ in range(widths[l])] for l in range(1, L + 1)]
    B: list[list[int | None]] = [[None] * widths[l] for l in range(1, L + 1)]
    for c, r in enumerate(roles):
        if r.kind == "weight":
            W[r.layer - 1][r.neuron - 1][r.input - 1] = c
        else:
            B[r.layer - 1][r.neuron - 1] = c
    for l, layer in enumerate(W, start=1):
        if any(v is None for row in layer for v in row):
            raise ValueError(f"layer {l} is not fully connected in the roles")
    return LayerIndex(widths, tuple(tuple(tuple(row) for row in layer) for layer in W),  # type: ignore[arg-type]
                      tuple(tuple(b) for b in B))


def layer_index(net: Network) -> LayerIndex:
    """The :class:`LayerIndex` of ``net`` (cached per layout)."""
    return _layer_index(tuple(net.roles), tuple(net.layer_widths))


AtomRule = Callable[[int, object], tuple[object, object]]


def gradient(net: Network, theta: Sequence, x: Sequence, atoms: AtomRule) -> list:
    """``∇_θ f(θ, x)`` with activations given by ``atoms(layer, z) -> (σ(z), σ'(z))``."""
    ix = layer_index(net)
    L = ix.depth
    hs = [list(x)]
    ts: list[list] = []
    for l in range(1, L):
        h = hs[-1]
        row_h, row_t = [], []
        for i, row in enumerate(ix.weights[l - 1]):
            z = sum((theta[c] * hj for c, hj in zip(row, h)), 0 * theta[row[0]])
            b = ix.biases[l - 1][i]
            if b is not None:
                z = z + theta[b]
            s, t = atoms(l, z)
            row_h.append(s)
            row_t.append(t)
        hs.append(row_h)
        ts.append(row_t)
    zero = 0 * theta[0]
    g = [zero] * len(theta)
    delta = [zero + 1] * ix.widths[L]
    for l in range(L, 0, -1):
        h = hs[l - 1]
        for i, row in enumerate(ix.weights[l - 1]):
            for c, hj in zip(row, h):
                g[c] = delta[i] * hj
            b = ix.biases[l - 1][i]
            if b is not None:
                g[b] = delta[i]
        if l > 1:
            W = ix.weights[l - 1]
            delta = [ts[l - 2][j] * sum((theta[W[k][j]] * delta[k] for k in range(len(W))), zero)
                     for j in range(ix.widths[l - 1])]
    return g
