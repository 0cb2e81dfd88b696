r"""Two-layer network parameterization with stable, typeable parameter names.

.. math:: f(\theta, x) = \sum_{k=1}^{m} a_k\,\sigma(w_k\cdot x + b_k) \; (+\, c)

(math.md §1).  Parameters are laid out unit by unit, units numbered from 1:

* ``d = 1``: ``a1, w1, b1, a2, w2, b2, …``
* ``d > 1``: ``a1, w1_1, …, w1_d, b1, a2, w2_1, …``
* without hidden biases the ``b`` entries are absent;
* the optional output bias ``c`` comes last.

This layout is shared by the symbolic engine and the numeric engine (a vector
``θ`` of length :attr:`TwoLayerNet.dim` means the same thing in both).

Examples
--------
>>> from simtool.symbolic.activation import get_activation
>>> net = TwoLayerNet(width=2, activation=get_activation("tanh"))
>>> net.names
('a1', 'w1', 'b1', 'a2', 'w2', 'b2')
>>> TwoLayerNet(2, get_activation("tanh"), input_dim=2, bias=False, output_bias=True).names
('a1', 'w1_1', 'w1_2', 'a2', 'w2_1', 'w2_2', 'c')
>>> net.index("w2")
4
>>> net.function()
a1*tanh(b1 + w1*x) + a2*tanh(b2 + w2*x)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import sympy

from ..errors import ArchitectureError
from .activation import Activation
from .architecture import Role

__all__ = ["TwoLayerNet", "MAX_WIDTH", "check_width"]

#: Widths above this are refused outright (counts for them are astronomically large
#: and even a parameter vector would not fit in memory).
MAX_WIDTH = 100_000

_NAME = re.compile(r"^(?:(a|b)(\d+)|w(\d+)(?:_(\d+))?|c)$")


def check_width(width: object, *, what: str = "width", limit: int = MAX_WIDTH) -> int:
    """Validate a width-like positive integer given by a user.

    >>> check_width(3)
    3
    >>> check_width(0)
    Traceback (most recent call last):
    ...
    simtool.errors.ArchitectureError: width must be a positive integer, got 0
    """
    if isinstance(width, bool) or not isinstance(width, int):
        try:
            text = str(width).strip()
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ValueError
            width = int(text)
        except ValueError:
            raise ArchitectureError(f"{what} must be a positive integer, got {width!r}") from None
    if width < 1:
        raise ArchitectureError(f"{what} must be a positive integer, got {width}")
    if width > limit:
        raise ArchitectureError(f"{what} {width} is absurdly large; the limit is {limit}")
    return width


@dataclass(frozen=True)
class TwoLayerNet:
    """Two-layer fully-connected network ``Σ_k a_k σ(w_k·x + b_k) (+ c)``.

    Parameters
    ----------
    width : int
        Number of hidden units ``m`` (at least 1).
    activation : Activation
        The hidden activation ``σ``.
    input_dim : int
        Input dimension ``d``.
    bias : bool
        Whether hidden units have biases ``b_k``.
    output_bias : bool
        Whether the output has a bias ``c``.
    """

    width: int
    activation: Activation
    input_dim: int = 1
    bias: bool = True
    output_bias: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", check_width(self.width))
        object.__setattr__(self, "input_dim", check_width(self.input_dim, what="input dimension", limit=10_000))

    # -- layout -------------------------------------------------------------
    @property
    def unit_size(self) -> int:
        """Parameters per hidden unit: ``1 + d (+ 1)``."""
        return 1 + self.input_dim + (1 if self.bias else 0)

    @property
    def dim(self) -> int:
        """Total number of parameters ``D``."""
        return self.width * self.unit_size + (1 if self.output_bias else 0)

    def unit_offset(self, k: int) -> int:
        """Index of ``a_k`` (units numbered from 1)."""
        if not 1 <= k <= self.width:
            raise ArchitectureError(f"unit {k} out of range 1..{self.width}")
        return (k - 1) * self.unit_size

    def a_index(self, k: int) -> int:
        return self.unit_offset(k)

    def w_indices(self, k: int) -> range:
        o = self.unit_offset(k) + 1
        return range(o, o + self.input_dim)

    def b_index(self, k: int) -> int | None:
        return self.unit_offset(k) + 1 + self.input_dim if self.bias else None

    def unit_indices(self, k: int) -> range:
        o = self.unit_offset(k)
        return range(o, o + self.unit_size)

    @property
    def c_index(self) -> int | None:
        return self.dim - 1 if self.output_bias else None

    def inner_indices(self, k: int) -> range:
        """Indices of the incoming parameters ``w_k`` (and ``b_k``) of unit ``k``."""
        o = self.unit_offset(k) + 1
        return range(o, o + self.unit_size - 1)

    # -- names --------------------------------------------------------------
    def unit_names(self, k: int) -> tuple[str, ...]:
        ws = (f"w{k}",) if self.input_dim == 1 else tuple(f"w{k}_{i}" for i in range(1, self.input_dim + 1))
        return (f"a{k}",) + ws + ((f"b{k}",) if self.bias else ())

    @cached_property
    def names(self) -> tuple[str, ...]:
        out: list[str] = []
        for k in range(1, self.width + 1):
            out.extend(self.unit_names(k))
        if self.output_bias:
            out.append("c")
        return tuple(out)

    def index(self, name: str) -> int:
        """Position of the parameter called ``name`` in ``θ``."""
        m = _NAME.match(name.strip())
        if m:
            kind, k1, k2, i = m.groups()
            try:
                if name.strip() == "c":
                    if self.output_bias:
                        return self.dim - 1
                elif kind == "a":
                    return self.a_index(int(k1))
                elif kind == "b" and self.bias:
                    return self.b_index(int(k1))  # type: ignore[return-value]
                elif k2 is not None:
                    k = int(k2)
                    if i is None and self.input_dim == 1:
                        return self.w_indices(k)[0]
                    if i is not None and self.input_dim > 1 and 1 <= int(i) <= self.input_dim:
                        return self.w_indices(k)[int(i) - 1]
            except ArchitectureError:
                pass
        example = ", ".join(self.names[: min(len(self.names), 2 * self.unit_size)])
        raise ArchitectureError(f"unknown parameter {name!r}; names look like {example}, …")

    # -- the Network protocol (simtool.symbolic.architecture) -------------------
    @cached_property
    def roles(self) -> tuple[Role, ...]:
        """Role of each coordinate: ``a_k`` is the output weight from unit ``k``."""
        out: list[Role] = []
        for k in range(1, self.width + 1):
            out.append(Role(2, "weight", 1, k))
            out.extend(Role(1, "weight", k, i) for i in range(1, self.input_dim + 1))
            if self.bias:
                out.append(Role(1, "bias", k, None))
        if self.output_bias:
            out.append(Role(2, "bias", 1, None))
        return tuple(out)

    @property
    def layer_widths(self) -> tuple[int, ...]:
        """``(d, m, 1)``."""
        return (self.input_dim, self.width, 1)

    @property
    def activations(self) -> tuple[Activation, ...]:
        return (self.activation,)

    @property
    def hidden_bias(self) -> bool:
        return self.bias

    # -- symbols ------------------------------------------------------------
    @cached_property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(n, real=True) for n in self.names)

    @cached_property
    def x_symbols(self) -> tuple[sympy.Symbol, ...]:
        if self.input_dim == 1:
            return (sympy.Symbol("x", real=True),)
        return tuple(sympy.Symbol(f"x{i}", real=True) for i in range(1, self.input_dim + 1))

    def preactivation(self, k: int, theta=None, x=None) -> sympy.Expr:
        """``w_k · x + b_k`` as a sympy expression."""
        th = self.symbols if theta is None else theta
        xs = self.x_symbols if x is None else x
        # one n-ary Add: repeated ``+`` re-flattens the sum each time (quadratic in d)
        terms = [th[j] * xi for j, xi in zip(self.w_indices(k), xs)]
        b = self.b_index(k)
        if b is not None:
            terms.append(th[b])
        return sympy.Add(*terms)

    def function(self, theta=None, x=None, sigma=None) -> sympy.Expr:
        """``f(θ, x)``; ``sigma`` overrides the activation (a callable on sympy expressions)."""
        th = self.symbols if theta is None else theta
        s = self.activation if sigma is None else sigma
        terms = [th[self.a_index(k)] * s(self.preactivation(k, th, x)) for k in range(1, self.width + 1)]
        if self.output_bias:
            terms.append(th[self.dim - 1])
        return sympy.Add(*terms)

    def with_width(self, width: int) -> TwoLayerNet:
        """Same architecture and activation, another width (used by reductions)."""
        return TwoLayerNet(width, self.activation, self.input_dim, self.bias, self.output_bias)

    def with_hidden_widths(self, widths) -> TwoLayerNet:
        """The Network-protocol spelling of :meth:`with_width` (one hidden layer)."""
        (width,) = widths
        return self.with_width(width)

    def describe(self) -> str:
        parts = [f"width {self.width}", f"σ = {self.activation.name}", f"d = {self.input_dim}"]
        parts.append("hidden biases" if self.bias else "no hidden biases")
        if self.output_bias:
            parts.append("output bias c")
        return ", ".join(parts)
