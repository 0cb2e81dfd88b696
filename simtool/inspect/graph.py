r"""The neuron-level computation graph of a traced model (plain data, no torch).

A :class:`NeuronGraph` is what :mod:`simtool.inspect.trace` extracts from a
``torch.fx`` graph and what the exact side (automorphisms, lifting, the symbolic
``f``) works on.  One :class:`Vertex` per scalar value:

* ``input``  — coordinate ``x_j`` (labelled, never permuted);
* ``affine`` — ``Σ_j W[i, j] h_j (+ b_i)``: row ``i`` of one :class:`LinearUse`;
* ``act``    — ``σ(h)`` of one source, ``σ`` a registry :class:`Activation` name;
* ``add``    — the sum of its sources (skip connections);
* ``scale``  — ``c · h`` for an exact rational constant ``c``;
* ``output`` — output component ``k`` (labelled, never permuted).

The parameter vector ``θ`` is the concatenation of the used parameter tensors in
first-use order, each flattened row-major: the order of
``torch.nn.utils.parameters_to_vector`` restricted to the parameters ``forward`` uses.
A tensor used twice (tied weights, ``W`` and ``Wᵀ``) occupies one block of ``θ``.

>>> g = NeuronGraph(
...     tensors=(Tensor("fc.weight", (2, 1), 0), Tensor("fc.bias", (2,), 2)),
...     vertices=(Vertex("input", "x"), Vertex("affine", "fc[1]", "fc", 1, bias=2),
...               Vertex("affine", "fc[2]", "fc", 2, bias=3),
...               Vertex("output", "out[1]", sources=(1,)), Vertex("output", "out[2]", sources=(2,))),
...     uses=(LinearUse("fc.weight", False, (0,), (1, 2), "fc"),), inputs=(0,), outputs=(3, 4))
>>> g.dim, g.entry(g.uses[0], 1, 0)
(4, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

__all__ = ["Tensor", "Vertex", "LinearUse", "NeuronGraph", "KINDS"]

KINDS = ("input", "affine", "act", "add", "scale", "output")


@dataclass(frozen=True)
class Tensor:
    """A parameter tensor: its module path name, shape and offset of its first entry in ``θ``."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n


@dataclass(frozen=True)
class Vertex:
    """One scalar value of the computation (see the module docstring for ``kind``)."""

    kind: str
    label: str
    module: str = ""
    unit: int = 0  #: 1-based index in its module's output vector
    activation: str | None = None  #: registry activation name (``act`` only)
    bias: int | None = None  #: θ index of the bias (``affine`` only)
    scale: Fraction | None = None  #: the constant (``scale`` only)
    sources: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class LinearUse:
    """One application of a weight tensor: ``outputs[i] = Σ_j W[i, j] inputs[j]``.

    With ``transposed`` the entry is ``W[j, i]`` (``h @ W`` or ``F.linear(h, W.t())``).
    """

    tensor: str
    transposed: bool
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    module: str


@dataclass(frozen=True)
class NeuronGraph:
    """The whole traced computation at neuron level; vertices are in topological order."""

    tensors: tuple[Tensor, ...]
    vertices: tuple[Vertex, ...]
    uses: tuple[LinearUse, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    activations: dict = field(default_factory=dict, compare=False)  #: name -> Activation

    @cached_property
    def tensor(self) -> dict[str, Tensor]:
        return {t.name: t for t in self.tensors}

    @property
    def dim(self) -> int:
        return sum(t.size for t in self.tensors)

    def entry(self, use: LinearUse, i: int, j: int) -> int:
        """θ index of the weight between ``use.inputs[j]`` and ``use.outputs[i]`` (0-based)."""
        t = self.tensor[use.tensor]
        r, c = (j, i) if use.transposed else (i, j)
        return t.offset + r * t.shape[1] + c

    @cached_property
    def use_of(self) -> dict[int, tuple[int, int]]:
        """Affine vertex -> (index of its use, its row ``i`` in that use)."""
        return {v: (k, i) for k, u in enumerate(self.uses) for i, v in enumerate(u.outputs)}

    @cached_property
    def tied_occurrences(self) -> dict[int, list[tuple[int, int]]]:
        """Weight θ index of a tied tensor -> the (source, target) vertex pairs it multiplies."""
        occ: dict[int, list[tuple[int, int]]] = {}
        for u in self.uses:
            if u.tensor not in self.tied_tensors:
                continue
            for i, dst in enumerate(u.outputs):
                for j, src in enumerate(u.inputs):
                    occ.setdefault(self.entry(u, i, j), []).append((src, dst))
        return occ

    @cached_property
    def tied_tensors(self) -> frozenset[str]:
        """Tensors used more than once (as weights or as biases)."""
        count: dict[str, int] = {}
        for u in self.uses:
            count[u.tensor] = count.get(u.tensor, 0) + 1
        bias_tensors: dict[str, set[int]] = {}
        for v in self.vertices:
            if v.bias is not None:
                name = self.tensor_of(v.bias).name
                if v.bias in bias_tensors.setdefault(name, set()):
                    count[name] = 2
                bias_tensors[name].add(v.bias)
        return frozenset(n for n, c in count.items() if c > 1)

    def tensor_of(self, index: int) -> Tensor:
        """The tensor holding θ coordinate ``index``."""
        for t in self.tensors:
            if t.offset <= index < t.offset + t.size:
                return t
        raise IndexError(index)

    def coordinate_label(self, index: int) -> tuple[str, tuple[int, ...]]:
        """``(tensor name, 0-based multi-index)`` of θ coordinate ``index``."""
        t = self.tensor_of(index)
        k = index - t.offset
        if len(t.shape) == 2:
            return t.name, divmod(k, t.shape[1])
        return t.name, (k,)

    @cached_property
    def n_hidden(self) -> int:
        return sum(1 for v in self.vertices if v.kind not in ("input", "output"))
