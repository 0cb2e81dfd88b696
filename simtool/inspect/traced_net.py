r"""A traced model as one more network: plain data plus sympy (no torch).

:class:`TracedNet` wraps a :class:`~simtool.inspect.graph.NeuronGraph` and offers the
network protocol of the symbolic engine: ``dim``, ``names``, ``symbols``,
``x_symbols``, ``roles``, ``layer_widths`` (for plain chains of linear layers),
``activations``, ``index``, ``function``, ``describe``.

Multi-output models: ``f`` is vector valued.  :meth:`TracedNet.outputs` returns one
expression per output component; :meth:`TracedNet.function` is the scalar ``f`` of a
single-output model, and :meth:`TracedNet.component` gives, for each output ``k``, a
single-output view whose ``function`` is ``f_k``.  A subspace ``S`` is invariant under
gradient flow for every loss of the vector output iff every ``∇_θ f_k`` is tangent to
``S`` (the loss gradient is ``Σ_k ∂ℓ/∂f_k ∇_θ f_k`` with arbitrary coefficients), so
invariance is proved component by component and holds only when it holds for all.

Names: ``<tensor>_<i>_<j>`` for a weight entry ``W[i, j]`` and ``<tensor>_<i>`` for a
bias entry, 1-based (``fc1.weight_3_7``, ``fc1.bias_3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy

from ..errors import ArchitectureError
from ..symbolic.architecture import Role
from .graph import NeuronGraph

__all__ = ["TracedNet", "OutputComponent"]


@dataclass(frozen=True, eq=False)
class TracedNet:
    """The network protocol over a traced neuron graph."""

    graph: NeuronGraph
    source: str = "module"

    # -- layout ----------------------------------------------------------------
    @property
    def dim(self) -> int:
        return self.graph.dim

    @cached_property
    def names(self) -> tuple[str, ...]:
        out = []
        for t in self.graph.tensors:
            if len(t.shape) == 2:
                out.extend(f"{t.name}_{i + 1}_{j + 1}" for i in range(t.shape[0]) for j in range(t.shape[1]))
            else:
                out.extend(f"{t.name}_{i + 1}" for i in range(t.shape[0]))
        return tuple(out)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}

    def index(self, name: str) -> int:
        try:
            return self._index[name.strip()]
        except KeyError:
            raise ArchitectureError(f"unknown parameter {name!r}; names look like "
                                    f"{', '.join(self.names[:3])}, …") from None

    @cached_property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(n, real=True) for n in self.names)

    @property
    def input_dim(self) -> int:
        return len(self.graph.inputs)

    @property
    def n_outputs(self) -> int:
        return len(self.graph.outputs)

    @cached_property
    def x_symbols(self) -> tuple[sympy.Symbol, ...]:
        if self.input_dim == 1:
            return (sympy.Symbol("x", real=True),)
        return tuple(sympy.Symbol(f"x{i}", real=True) for i in range(1, self.input_dim + 1))

    @cached_property
    def output_labels(self) -> tuple[str, ...]:
        return tuple(self.graph.vertices[o].label for o in self.graph.outputs)

    @cached_property
    def depth(self) -> dict[int, int]:
        """Affine vertex -> number of linear maps on the longest path from the input to it."""
        g = self.graph
        dep = [0] * len(g.vertices)
        for v, vert in enumerate(g.vertices):
            if vert.kind == "affine":
                k, _ = g.use_of[v]
                dep[v] = 1 + max((dep[s] for s in g.uses[k].inputs), default=0)
            elif vert.sources:
                dep[v] = max(dep[s] for s in vert.sources)
        return {v: dep[v] for v, vert in enumerate(g.vertices) if vert.kind == "affine"}

    @cached_property
    def roles(self) -> tuple[Role, ...]:
        """Each coordinate's :class:`Role`: layer = depth of its linear map (in linear maps
        from the input), neuron = row of that map, input = column; exact for chains (plain
        MLPs), where it matches :class:`~simtool.symbolic.deep.DeepNet`, and only descriptive
        for other graphs (two branches at one depth share layer numbers)."""
        g = self.graph
        roles: list[Role | None] = [None] * self.dim
        for u in g.uses:
            for i, dst in enumerate(u.outputs):
                for j, _ in enumerate(u.inputs):
                    e = g.entry(u, i, j)
                    if roles[e] is None:
                        roles[e] = Role(self.depth[dst], "weight", i + 1, j + 1)
        for v, vert in enumerate(g.vertices):
            if vert.bias is not None and roles[vert.bias] is None:
                roles[vert.bias] = Role(self.depth[v], "bias", vert.unit, None)
        return tuple(roles)  # type: ignore[arg-type]

    @cached_property
    def is_chain(self) -> bool:
        """A plain MLP: linear maps in sequence, each fed by the previous one (through one σ)."""
        g = self.graph
        prev: tuple[int, ...] = g.inputs
        for u in g.uses:
            ins = []
            for s in u.inputs:
                vert = g.vertices[s]
                ins.append(vert.sources[0] if vert.kind == "act" else s)
            if tuple(ins) != prev:
                return False
            prev = u.outputs
        outs = tuple(g.vertices[o].sources[0] for o in g.outputs)
        return bool(g.uses) and outs == prev and all(v.kind in ("input", "affine", "act", "output")
                                                      for v in g.vertices)

    @cached_property
    def layer_widths(self) -> tuple[int, ...]:
        """``(d, n_1, …, n_out)`` for a chain; ``()`` where layers are not meaningful."""
        if not self.is_chain:
            return ()
        return (self.input_dim,) + tuple(len(u.outputs) for u in self.graph.uses)

    @cached_property
    def activations(self) -> tuple:
        """One activation per hidden layer (chains); otherwise each activation used, in order."""
        g = self.graph
        if self.is_chain:
            out = []
            for u in g.uses[1:]:
                src = g.vertices[u.inputs[0]]
                out.append(g.activations[src.activation] if src.kind == "act" else None)
            return tuple(out)
        return tuple(g.activations[n] for n in dict.fromkeys(v.activation for v in g.vertices if v.activation))

    # -- the function --------------------------------------------------------------
    def _evaluate(self, theta, x, sigma, zero, mul):
        g = self.graph
        val: list = [None] * len(g.vertices)
        for k, v in enumerate(g.inputs):
            val[v] = x[k]
        for v, vert in enumerate(g.vertices):
            if vert.kind == "affine":
                k, i = g.use_of[v]
                u = g.uses[k]
                acc = zero
                for j, src in enumerate(u.inputs):
                    acc = acc + mul(theta[g.entry(u, i, j)], val[src])
                val[v] = acc + theta[vert.bias] if vert.bias is not None else acc
            elif vert.kind == "act":
                val[v] = sigma(vert.activation, val[vert.sources[0]])
            elif vert.kind == "add":
                acc = val[vert.sources[0]]
                for s in vert.sources[1:]:
                    acc = acc + val[s]
                val[v] = acc
            elif vert.kind == "scale":
                val[v] = mul(vert.scale, val[vert.sources[0]])
            elif vert.kind == "output":
                val[v] = val[vert.sources[0]]
        return [val[o] for o in g.outputs]

    def outputs(self, theta=None, x=None) -> tuple[sympy.Expr, ...]:
        """One sympy expression per output component, ``f_k(θ, x)``."""
        th = self.symbols if theta is None else theta
        xs = self.x_symbols if x is None else x
        acts = self.graph.activations

        def mul(a, b):
            return (sympy.Rational(a.numerator, a.denominator) if isinstance(a, Fraction) else a) * b

        vals = self._evaluate(th, xs, lambda name, z: acts[name](z), sympy.Integer(0), mul)
        return tuple(sympy.sympify(v, strict=True) for v in vals)

    def function(self, theta=None, x=None) -> sympy.Expr:
        """The scalar ``f(θ, x)`` of a single-output model (see :meth:`component`)."""
        if self.n_outputs != 1:
            raise ArchitectureError(f"the model has {self.n_outputs} outputs; use outputs() or component(k)")
        return self.outputs(theta, x)[0]

    def component(self, k: int) -> OutputComponent:
        """The single-output view ``f_k`` (``k`` 0-based)."""
        return OutputComponent(self, k)

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Float64 forward of a batch ``X`` (n, d): array (n, n_outputs); no torch."""
        from .numeric_forward import evaluate

        return evaluate(self.graph, np.asarray(theta, dtype=np.float64), np.asarray(X, dtype=np.float64))

    def describe(self) -> str:
        g = self.graph
        parts = [f"traced {self.source}", f"D = {self.dim} parameters in {len(g.tensors)} tensors",
                 f"d = {self.input_dim}", f"{self.n_outputs} output{'s' if self.n_outputs > 1 else ''}",
                 f"{len(g.uses)} linear maps"]
        if self.layer_widths:
            parts.append("widths " + "-".join(map(str, self.layer_widths)))
        if g.tied_tensors:
            parts.append("tied: " + ", ".join(sorted(g.tied_tensors)))
        acts = sorted({v.activation for v in g.vertices if v.activation})
        if acts:
            parts.append("σ: " + ", ".join(acts))
        return ", ".join(parts)


@dataclass(frozen=True, eq=False)
class OutputComponent:
    """Output ``k`` of a traced model as a single-output network (same θ, names, layout)."""

    net: TracedNet
    k: int

    @property
    def dim(self) -> int:
        return self.net.dim

    @property
    def names(self):
        return self.net.names

    @property
    def symbols(self):
        return self.net.symbols

    @property
    def x_symbols(self):
        return self.net.x_symbols

    @property
    def roles(self):
        return self.net.roles

    @property
    def layer_widths(self):
        w = self.net.layer_widths
        return w[:-1] + (1,) if w else w

    @property
    def activations(self):
        return self.net.activations

    def index(self, name: str) -> int:
        return self.net.index(name)

    def function(self, theta=None, x=None) -> sympy.Expr:
        return self.net.outputs(theta, x)[self.k]

    def describe(self) -> str:
        return f"output {self.net.output_labels[self.k]} of {self.net.describe()}"
