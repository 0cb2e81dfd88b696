r"""The network protocol every engine asks for layout and function (roadmap: "Network").

A network is *data*: its parameter space :math:`\mathbb{R}^D` with typeable names, one
sympy symbol per coordinate, the **role** of each coordinate (which layer, weight or
bias, which neuron it feeds, which neuron or input it reads), the per-layer widths and
activations, and the symbolic :math:`f(\theta, x)`.  Nothing else in simtool computes a
parameter offset: the symmetry derivation, the lattice, the proofs, the reductions and
the numeric models all ask the network object.

Implementations: :class:`~simtool.symbolic.network.TwoLayerNet` (names ``a1, w1, b1,
…``), :class:`~simtool.symbolic.deep.DeepNet` (names ``w{l}_{i}_{j}``, ``b{l}_{i}``,
``c``); a traced ``torch.nn.Module`` (``simtool inspect``) is one more.

Layer numbering: layer ``l`` maps the activations ``h_{l-1}`` (``h_0 = x``) to
``h_l``; hidden layers are ``1 … L−1`` and the output layer is ``L``.  A coordinate
with ``Role(layer=l, kind="weight", neuron=i, input=j)`` is the weight from neuron
``j`` of layer ``l−1`` (input coordinate ``j`` when ``l = 1``) to neuron ``i`` of
layer ``l``; ``kind="bias"`` has ``input=None``.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> net = TwoLayerNet(2, get_activation("tanh"))
>>> isinstance(net, Network)
True
>>> net.roles[0], net.roles[1]
(Role(layer=2, kind='weight', neuron=1, input=1), Role(layer=1, kind='weight', neuron=1, input=1))
>>> net.layer_widths
(1, 2, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import sympy

from .activation import Activation

__all__ = ["Role", "Network", "role_index", "neuron_coordinates"]


@dataclass(frozen=True, order=True)
class Role:
    """What one coordinate of ``θ`` is (see the module docstring)."""

    layer: int
    kind: str
    neuron: int
    input: int | None

    def __post_init__(self) -> None:
        if self.kind not in ("weight", "bias"):
            raise ValueError(f"kind must be 'weight' or 'bias', got {self.kind!r}")
        if (self.kind == "bias") != (self.input is None):
            raise ValueError("a bias has input=None, a weight has an input")


@runtime_checkable
class Network(Protocol):
    """What every engine may ask of a network (structural protocol)."""

    @property
    def dim(self) -> int: ...

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]: ...

    @property
    def x_symbols(self) -> tuple[sympy.Symbol, ...]: ...

    @property
    def roles(self) -> tuple[Role, ...]: ...

    @property
    def layer_widths(self) -> tuple[int, ...]: ...

    @property
    def activations(self) -> tuple[Activation, ...]: ...

    def index(self, name: str) -> int: ...

    def function(self, theta=None, x=None) -> sympy.Expr: ...

    def describe(self) -> str: ...


def role_index(net: Network) -> dict[Role, int]:
    """``Role -> coordinate`` (inverse of ``net.roles``)."""
    return {r: i for i, r in enumerate(net.roles)}


def neuron_coordinates(net: Network, layer: int, neuron: int) -> tuple[list[int], list[int]]:
    """``(incoming, outgoing)`` coordinates of hidden neuron ``neuron`` of ``layer``.

    Incoming: its weights from layer ``layer−1`` and its bias; outgoing: the weights of
    layer ``layer+1`` that read it.
    """
    inc = [i for i, r in enumerate(net.roles) if r.layer == layer and r.neuron == neuron]
    out = [i for i, r in enumerate(net.roles) if r.layer == layer + 1 and r.kind == "weight" and r.input == neuron]
    return inc, out


def as_symbols(net: Network, theta: Sequence | None) -> Sequence:
    """``theta`` or the network's own symbols."""
    return net.symbols if theta is None else theta
