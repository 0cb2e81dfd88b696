"""The vertex-coloured computation digraph of a neuron graph (see :mod:`.automorphism`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .graph import NeuronGraph

__all__ = ["Digraph", "coloured_digraph", "is_automorphism"]


@dataclass(frozen=True, eq=False)
class Digraph:
    """A vertex-coloured digraph; ``colour[v]`` is a hashable, orderable key."""

    n: int
    colour: Sequence[tuple]
    out: Sequence[Sequence[int]]

    @cached_property
    def inn(self) -> list[list[int]]:
        inn: list[list[int]] = [[] for _ in range(self.n)]
        for u, vs in enumerate(self.out):
            for v in vs:
                inn[v].append(u)
        return inn

    @cached_property
    def edges(self) -> frozenset[tuple[int, int]]:
        return frozenset((u, v) for u, vs in enumerate(self.out) for v in vs)

    @cached_property
    def colour_ids(self) -> list[int]:
        keys = sorted(set(self.colour), key=repr)
        index = {k: i for i, k in enumerate(keys)}
        return [index[c] for c in self.colour]


def coloured_digraph(g: NeuronGraph, ties: bool = True) -> tuple[Digraph, list[int]]:
    """The digraph of ``g`` and the hub vertex of each linear map.

    Untied maps with the same set of inputs share one hub: the hub graph then has
    exactly the automorphisms of the graph with one edge per weight (the hubs are the
    distinct in-neighbourhoods), so a unit may move between parallel branches — the
    split of θ into tensors is bookkeeping, not structure.  ``ties=False`` leaves out
    the tie gadget (tests use it to show that lifting rejects tie-breaking candidates).
    """
    colour: list[tuple] = []
    for k, v in enumerate(g.vertices):
        if v.kind in ("input", "output"):
            colour.append((v.kind, k))
        elif v.kind == "affine":
            tied_bias = v.bias is not None and g.tensor_of(v.bias).name in g.tied_tensors
            colour.append(("affine", v.bias is not None, g.tensor_of(v.bias).name if tied_bias else ""))
        elif v.kind == "act":
            colour.append(("act", v.activation or ""))
        elif v.kind == "scale":
            colour.append(("scale", str(v.scale)))
        else:
            colour.append((v.kind,))
    out: list[list[int]] = [[] for _ in g.vertices]
    for k, v in enumerate(g.vertices):
        for s in v.sources:
            out[s].append(k)
    hubs = []
    shared: dict[frozenset, int] = {}
    for u in g.uses:
        tied = u.tensor in g.tied_tensors
        key = frozenset(u.inputs)
        if not tied and key in shared:
            h = shared[key]
            out[h].extend(u.outputs)
        else:
            h = len(colour)
            colour.append(("use", u.tensor, u.transposed) if tied and ties else ("use",))
            out.append(list(u.outputs))
            for s in u.inputs:
                out[s].append(h)
            if not tied:
                shared[key] = h
        hubs.append(h)
    for name in sorted(g.tied_tensors) if ties else ():
        t = g.tensor[name]
        rows = {}
        for r in range(t.shape[0]):
            rows[r] = len(colour)
            colour.append(("row", name))
            out.append([])
        cols = {}
        if len(t.shape) == 2:
            for c in range(t.shape[1]):
                cols[c] = len(colour)
                colour.append(("col", name))
                out.append([])
        for u in g.uses:
            if u.tensor != name:
                continue
            out_side, in_side = (cols, rows) if u.transposed else (rows, cols)
            for i, v in enumerate(u.outputs):
                out[out_side[i]].append(v)
            for j, v in enumerate(u.inputs):
                out[in_side[j]].append(v)
        for k, v in enumerate(g.vertices):
            if v.bias is not None and g.tensor_of(v.bias).name == name:
                out[rows[v.bias - t.offset]].append(k)
    return Digraph(len(colour), colour, out), hubs


def is_automorphism(dg: Digraph, perm: Sequence[int]) -> bool:
    """``perm`` preserves colours and maps the edge set onto itself (exact check)."""
    if any(dg.colour[perm[v]] != dg.colour[v] for v in range(dg.n)):
        return False
    edges = dg.edges
    return all((perm[u], perm[v]) in edges for u, v in edges)
