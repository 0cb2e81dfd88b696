r"""Deep fully-connected networks with typeable, 1-based parameter names (math.md §1).

.. math:: h_0 = x,\quad h_l = \sigma_l(W_l h_{l-1} + b_l)\ (l = 1,\dots,L-1),\quad
          f = W_L h_{L-1} \;(+\, c)

Layout, shared by the symbolic and the numeric engine: layer by layer ``l = 1 … L``;
inside a layer neuron by neuron ``i = 1 … n_l``; for each neuron its incoming row
``W_l[i, 1 … n_{l-1}]``, then its bias ``b_l[i]`` (hidden layers, when ``bias=True``);
the output bias ``c`` last.

Names (typeable in a shell and in ``--theta`` without quoting):

* ``w{l}_{i}_{j}`` = ``W_l[i, j]``, always three 1-based indices; the output layer is
  ``l = L`` with ``i = 1``;
* ``b{l}_{i}`` = ``b_l[i]`` (hidden layers);
* ``c`` = the output bias.

>>> from simtool.symbolic.activation import get_activation
>>> net = DeepNet((2,), get_activation("tanh"))
>>> net.names
('w1_1_1', 'b1_1', 'w1_2_1', 'b1_2', 'w2_1_1', 'w2_1_2')
>>> net.function()
w2_1_1*tanh(b1_1 + w1_1_1*x) + w2_1_2*tanh(b1_2 + w1_2_1*x)
>>> DeepNet((2, 2), get_activation("tanh")).dim
12
>>> DeepNet((3, 2), get_activation("tanh"), input_dim=2).index("w2_2_3")
15
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy

from ..errors import ArchitectureError
from .activation import Activation
from .architecture import Role
from .network import MAX_WIDTH, check_width

__all__ = ["DeepNet", "MAX_DEPTH", "MAX_DEEP_DIM", "parse_widths"]

#: hidden layers above this are refused
MAX_DEPTH = 64
#: parameter counts above this are refused for deep nets (symbolic work is per coordinate)
MAX_DEEP_DIM = 2_000_000

_NAME = re.compile(r"^(?:w(\d+)_(\d+)_(\d+)|b(\d+)_(\d+)|c)$")


def parse_widths(text: object) -> tuple[int, ...]:
    """Hidden widths from ``"3,3"`` (or a sequence of ints), validated.

    >>> parse_widths("3, 2")
    (3, 2)
    >>> parse_widths("3,,2")
    Traceback (most recent call last):
    ...
    simtool.errors.ArchitectureError: --widths must be comma-separated positive integers such as 3,3; got '3,,2'
    """
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        if not text.strip() or any(not re.fullmatch(r"\+?\d+", p) for p in parts):
            raise ArchitectureError(
                f"--widths must be comma-separated positive integers such as 3,3; got {text!r}")
        values: Sequence[object] = [int(p) for p in parts]
    elif isinstance(text, Sequence):
        values = list(text)
    else:
        raise ArchitectureError(f"widths must be a sequence of positive integers, got {text!r}")
    if not values:
        raise ArchitectureError("at least one hidden layer is needed")
    if len(values) > MAX_DEPTH:
        raise ArchitectureError(f"{len(values)} hidden layers is absurdly many; the limit is {MAX_DEPTH}")
    return tuple(check_width(v, what="hidden width", limit=MAX_WIDTH) for v in values)


@dataclass(frozen=True)
class DeepNet:
    """Deep fully-connected net (see the module docstring).

    Parameters
    ----------
    widths : sequence of int
        Hidden widths ``n_1 … n_{L-1}`` (at least one hidden layer).
    activation : Activation or sequence of Activation
        One activation for every hidden layer, or one per hidden layer.
    input_dim : int
        Input dimension ``d``.
    bias : bool
        Hidden biases ``b_l``.
    output_bias : bool
        Output bias ``c``.
    """

    widths: tuple[int, ...]
    activation: Activation | tuple[Activation, ...]
    input_dim: int = 1
    bias: bool = True
    output_bias: bool = False

    def __post_init__(self) -> None:
        widths = parse_widths(self.widths)
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "input_dim", check_width(self.input_dim, what="input dimension", limit=10_000))
        acts = self.activation
        if isinstance(acts, Activation):
            acts = (acts,) * len(widths)
        else:
            acts = tuple(acts)
            if len(acts) != len(widths) or not all(isinstance(a, Activation) for a in acts):
                raise ArchitectureError(
                    f"{len(acts)} activations given for {len(widths)} hidden layers; give one, or one per layer")
        object.__setattr__(self, "activation", acts)
        if self.dim > MAX_DEEP_DIM:
            raise ArchitectureError(f"widths {','.join(map(str, widths))} give {self.dim:,} parameters; "
                                    f"the limit is {MAX_DEEP_DIM:,}")

    # -- the Network protocol ---------------------------------------------------
    @property
    def activations(self) -> tuple[Activation, ...]:
        return self.activation  # type: ignore[return-value]

    @property
    def depth(self) -> int:
        """Number of layers ``L`` (hidden layers + the output layer)."""
        return len(self.widths) + 1

    @property
    def layer_widths(self) -> tuple[int, ...]:
        """``(d, n_1, …, n_{L-1}, 1)``."""
        return (self.input_dim, *self.widths, 1)

    @property
    def hidden_bias(self) -> bool:
        return self.bias

    @cached_property
    def _offsets(self) -> tuple[int, ...]:
        """Index of the first coordinate of each layer ``1 … L`` (and the total)."""
        out, o = [], 0
        lw = self.layer_widths
        for l in range(1, self.depth + 1):
            out.append(o)
            o += lw[l] * (lw[l - 1] + (1 if self.bias and l < self.depth else 0))
        out.append(o)
        return tuple(out)

    @property
    def dim(self) -> int:
        return self._offsets[-1] + (1 if self.output_bias else 0)

    def _row_size(self, l: int) -> int:
        return self.layer_widths[l - 1] + (1 if self.bias and l < self.depth else 0)

    def _check(self, l: int, i: int, j: int | None = None) -> None:
        lw = self.layer_widths
        if not (1 <= l <= self.depth and 1 <= i <= lw[l] and (j is None or 1 <= j <= lw[l - 1])):
            raise ArchitectureError(f"no parameter at layer {l}, neuron {i}" + ("" if j is None else f", input {j}"))

    def weight_index(self, l: int, i: int, j: int) -> int:
        """Coordinate of ``W_l[i, j]`` (1-based)."""
        self._check(l, i, j)
        return self._offsets[l - 1] + (i - 1) * self._row_size(l) + (j - 1)

    def bias_index(self, l: int, i: int) -> int | None:
        """Coordinate of ``b_l[i]`` or ``None`` (no hidden biases / output layer)."""
        self._check(l, i)
        if not self.bias or l == self.depth:
            return None
        return self._offsets[l - 1] + (i - 1) * self._row_size(l) + self.layer_widths[l - 1]

    @property
    def c_index(self) -> int | None:
        return self.dim - 1 if self.output_bias else None

    @cached_property
    def roles(self) -> tuple[Role, ...]:
        out: list[Role] = []
        lw = self.layer_widths
        for l in range(1, self.depth + 1):
            for i in range(1, lw[l] + 1):
                out.extend(Role(l, "weight", i, j) for j in range(1, lw[l - 1] + 1))
                if self.bias and l < self.depth:
                    out.append(Role(l, "bias", i, None))
        if self.output_bias:
            out.append(Role(self.depth, "bias", 1, None))
        return tuple(out)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(
            f"w{r.layer}_{r.neuron}_{r.input}" if r.kind == "weight"
            else ("c" if r.layer == self.depth else f"b{r.layer}_{r.neuron}")
            for r in self.roles
        )

    @cached_property
    def _name_index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}

    def index(self, name: str) -> int:
        key = name.strip() if isinstance(name, str) else name
        if key in self._name_index:
            return self._name_index[key]
        hint = "w{layer}_{neuron}_{input}, b{layer}_{neuron}" + (", c" if self.output_bias else "")
        raise ArchitectureError(f"unknown parameter {name!r}; names look like {hint} "
                                f"(1-based; e.g. {', '.join(self.names[:3])}, …)")

    @cached_property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(n, real=True) for n in self.names)

    @cached_property
    def x_symbols(self) -> tuple[sympy.Symbol, ...]:
        if self.input_dim == 1:
            return (sympy.Symbol("x", real=True),)
        return tuple(sympy.Symbol(f"x{i}", real=True) for i in range(1, self.input_dim + 1))

    def preactivations(self, l: int, h: Sequence, theta=None) -> list[sympy.Expr]:
        """``W_l h + b_l`` for the layer-``l`` inputs ``h`` (sympy)."""
        th = self.symbols if theta is None else theta
        lw = self.layer_widths
        out = []
        for i in range(1, lw[l] + 1):
            terms = [th[self.weight_index(l, i, j)] * h[j - 1] for j in range(1, lw[l - 1] + 1)]
            b = self.bias_index(l, i)
            if b is not None:
                terms.append(th[b])
            out.append(sympy.Add(*terms))
        return out

    def hidden(self, theta=None, x=None, sigma=None) -> list[list[sympy.Expr]]:
        """``[h_0, h_1, …, h_{L-1}]``; ``sigma`` (a sequence of callables) overrides the activations."""
        xs = self.x_symbols if x is None else x
        sig = self.activations if sigma is None else sigma
        hs = [list(xs)]
        for l in range(1, self.depth):
            hs.append([sig[l - 1](z) for z in self.preactivations(l, hs[-1], theta)])
        return hs

    def function(self, theta=None, x=None, sigma=None) -> sympy.Expr:
        """``f(θ, x)``; ``sigma`` overrides the per-layer activations (callables)."""
        th = self.symbols if theta is None else theta
        h = self.hidden(th, x, sigma)[-1]
        out = self.preactivations(self.depth, h, th)[0]
        if self.output_bias:
            out = out + th[self.dim - 1]
        return out

    def with_widths(self, widths: Sequence[int]) -> DeepNet:
        """Same activations, biases and input dimension; other hidden widths."""
        return DeepNet(tuple(widths), self.activations, self.input_dim, self.bias, self.output_bias)

    with_hidden_widths = with_widths

    def describe(self) -> str:
        acts = self.activations
        act = acts[0].name if len(set(acts)) == 1 else ",".join(a.name for a in acts)
        parts = [f"widths {','.join(map(str, self.widths))}", f"σ = {act}", f"d = {self.input_dim}"]
        parts.append("hidden biases" if self.bias else "no hidden biases")
        if self.output_bias:
            parts.append("output bias c")
        return ", ".join(parts)
