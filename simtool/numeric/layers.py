r"""Where each layer's weights and biases sit in ``θ``, asked of the network's roles.

For a layered fully-connected network (math.md §1: ``h_l = σ_l(W_l h_{l-1} + b_l)``,
``f = W_L h_{L-1} (+ c)``) the numeric kernels need, per layer ``l = 1 … L``, the
coordinates of ``W_l`` (an ``(n_l, n_{l-1})`` index matrix) and of ``b_l`` (an
``(n_l,)`` index vector, or none).  They are read off ``net.roles`` and
``net.layer_widths`` (the one place that knows the layout); nothing here computes an
offset.  The kernels gather ``W_l = θ[:, index]`` and scatter gradients back with the
inverse permutation, so any order of coordinates works.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> lay = layer_indices(DeepNet((2,), get_activation("tanh")))
>>> [(l.weight.tolist(), None if l.bias is None else l.bias.tolist()) for l in lay.layers]
[([[0], [2]], [1, 3]), ([[4, 5]], None)]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from ..errors import ArchitectureError

__all__ = ["LayerIndex", "LayeredLayout", "layer_indices"]

Tensor = torch.Tensor


@dataclass(frozen=True, eq=False)
class LayerIndex:
    """Coordinates of one layer: ``weight`` ``(n_l, n_{l-1})``, ``bias`` ``(n_l,)`` or None."""

    weight: Tensor
    bias: Tensor | None


@dataclass(frozen=True, eq=False)
class LayeredLayout:
    """All layers plus ``order``: the concatenation ``[W_1, b_1, …, W_L, b_L]`` (each
    flattened row-major) is ``θ[:, order]``; ``inverse`` undoes it."""

    widths: tuple[int, ...]
    layers: tuple[LayerIndex, ...]
    order: Tensor
    inverse: Tensor

    def to(self, device: torch.device) -> LayeredLayout:
        if self.order.device == device:
            return self
        return LayeredLayout(self.widths, tuple(
            LayerIndex(li.weight.to(device), None if li.bias is None else li.bias.to(device))
            for li in self.layers), self.order.to(device), self.inverse.to(device))


@lru_cache(maxsize=64)
def _layout(net) -> LayeredLayout:
    widths = tuple(int(w) for w in net.layer_widths)
    L = len(widths) - 1
    weight = [[[-1] * widths[l - 1] for _ in range(widths[l])] for l in range(1, L + 1)]
    bias: list[list[int] | None] = [None] * L
    for idx, r in enumerate(net.roles):
        if not 1 <= r.layer <= L or not 1 <= r.neuron <= widths[r.layer]:
            raise ArchitectureError(f"coordinate {idx} has role {r}, outside layers {widths}")
        if r.kind == "weight":
            if not 1 <= r.input <= widths[r.layer - 1]:
                raise ArchitectureError(f"coordinate {idx} has role {r}, outside layers {widths}")
            weight[r.layer - 1][r.neuron - 1][r.input - 1] = idx
        else:
            b = bias[r.layer - 1]
            if b is None:
                b = bias[r.layer - 1] = [-1] * widths[r.layer]
            b[r.neuron - 1] = idx
    layers = []
    flat: list[int] = []
    for l in range(L):
        w = weight[l]
        flat += [i for row in w for i in row]
        if bias[l] is not None:
            flat += bias[l]  # type: ignore[operator]
        layers.append(LayerIndex(torch.tensor(w, dtype=torch.long),
                                 None if bias[l] is None else torch.tensor(bias[l], dtype=torch.long)))
    if sorted(flat) != list(range(int(net.dim))):
        raise ArchitectureError(f"the roles of {net.describe()} are not a layered fully-connected "
                                "net (some coordinate is missing or repeated)")
    order = torch.tensor(flat, dtype=torch.long)
    return LayeredLayout(widths, tuple(layers), order, torch.argsort(order))


def layer_indices(net, device: torch.device | str | None = None) -> LayeredLayout:
    """The :class:`LayeredLayout` of ``net`` (from ``net.roles``), on ``device``."""
    lay = _layout(net)
    return lay.to(torch.device(device)) if device is not None else lay
