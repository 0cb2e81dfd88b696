"""Float64 forward pass of a neuron graph with numpy (the traced model, no torch).

Used to confirm that the traced graph computes what the module computes, and by the
checks.  Activations are compiled from their exact sympy expressions with
``sympy.lambdify`` (numpy + scipy), so the float σ is the exact σ of the proofs.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy

from ..symbolic.activation import Z
from .graph import NeuronGraph

__all__ = ["evaluate", "use_index"]


@functools.lru_cache(maxsize=64)
def _compiled(expr: sympy.Expr):
    return sympy.lambdify(Z, expr, modules=["numpy", "scipy"])


def use_index(graph: NeuronGraph, k: int) -> np.ndarray:
    """θ indices of use ``k`` as an (n_out, n_in) integer array."""
    u = graph.uses[k]
    t = graph.tensor[u.tensor]
    grid = np.arange(t.size).reshape(t.shape) + t.offset
    return grid.T if u.transposed else grid


def evaluate(graph: NeuronGraph, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``f(θ, X)`` for a batch ``X`` of shape (n, d); returns (n, number of outputs)."""
    n = X.shape[0]
    val = np.zeros((len(graph.vertices), n))
    val[list(graph.inputs)] = X.T
    done_use = set()
    for v, vert in enumerate(graph.vertices):
        if vert.kind == "affine":
            k, _ = graph.use_of[v]
            if k not in done_use:
                u = graph.uses[k]
                W = theta[use_index(graph, k)]
                val[list(u.outputs)] = W @ val[list(u.inputs)]
                done_use.add(k)
            if vert.bias is not None:
                val[v] += theta[vert.bias]
        elif vert.kind == "act":
            expr = graph.activations[vert.activation].expr
            val[v] = np.broadcast_to(_compiled(expr)(val[vert.sources[0]]), (n,))
        elif vert.kind == "add":
            val[v] = val[list(vert.sources)].sum(axis=0)
        elif vert.kind == "scale":
            val[v] = float(vert.scale) * val[vert.sources[0]]
        elif vert.kind == "output":
            val[v] = val[vert.sources[0]]
    return val[list(graph.outputs)].T
