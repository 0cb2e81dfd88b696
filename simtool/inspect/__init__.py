"""``simtool inspect``: the symmetries and invariant manifolds of a user's own ``nn.Module``.

The pipeline: :mod:`~simtool.inspect.loader` (file, factory, TOML spec) →
:mod:`~simtool.inspect.trace` (``torch.fx`` → neuron graph) →
:mod:`~simtool.inspect.group` (automorphisms, lifting, parity flips, verification) →
lattice of ``Fix(H)`` and reductions.  Only ``loader`` and ``trace`` import torch; the
traced network (:class:`~simtool.inspect.traced_net.TracedNet`) is plain data + sympy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import LinearUse, NeuronGraph, Tensor, Vertex
from .group import TracedGroup, derive_traced_group
from .traced_net import OutputComponent, TracedNet

__all__ = ["Inspection", "inspect_module", "trace_network", "TracedNet", "OutputComponent",
           "TracedGroup", "derive_traced_group", "NeuronGraph", "Tensor", "Vertex", "LinearUse"]


@dataclass(frozen=True, eq=False)
class Inspection:
    """A traced model, the module's parameter values in its layout, and its group."""

    net: TracedNet
    theta: np.ndarray  #: the module's current parameters in the traced layout
    group: TracedGroup
    model: object  #: the nn.Module


def trace_network(model, *, input_dim: int | None = None, source: str = "module") -> tuple[TracedNet, np.ndarray]:
    """Trace ``model`` (an ``nn.Module``) to a :class:`TracedNet` and its parameter vector."""
    from .trace import trace_module

    graph, values = trace_module(model, input_dim)
    theta = np.concatenate([values[t.name].reshape(-1).double().numpy() for t in graph.tensors]) \
        if graph.tensors else np.zeros(0)
    return TracedNet(graph, source), theta


def inspect_module(model, *, input_dim: int | None = None, backend: str = "auto", verify: str = "auto",
                   seed: int = 0, source: str = "module") -> Inspection:
    """Trace ``model`` and derive its verified symmetry group.

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> ins = inspect_module(model)
    >>> ins.group.order, ins.net.layer_widths          # S_3 ⋉ (Z_2)^3
    (48, (1, 3, 1))
    """
    net, theta = trace_network(model, input_dim=input_dim, source=source)
    group = derive_traced_group(net, backend=backend, verify=verify, seed=seed)
    return Inspection(net, theta, group, model)
