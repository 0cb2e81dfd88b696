r"""Reduction of a two-layer SIM to the narrower network it computes (math.md §5).

On the SIM of a unit structure, each free block ``B`` (units ``θ_u = s_u θ_{u_0}``)
acts as one unit of a narrower net with

.. math:: \tilde a = \sum_{u∈B} s_u a_u = |B|\,a_{u_0},\qquad
          \tilde w = w_{u_0},\qquad \tilde b = b_{u_0},

an odd-σ zero block drops out, and an even-σ fixed block ``B`` becomes one unit with
``w̃ = b̃ = 0`` and ``ã = Σ_{u∈B} a_u``.  The flow on the SIM is **not** the plain
gradient flow of the narrow net; the chain rule gives the diagonal metric

.. math:: \tilde a' = -|B|\,\partial_{\tilde a}\tilde L,\qquad
          \tilde w' = -\tfrac{1}{|B|}\,\partial_{\tilde w}\tilde L,\qquad
          \tilde b' = -\tfrac{1}{|B|}\,\partial_{\tilde b}\tilde L .

Exactly: with ``L`` = :attr:`Reduction.lift` and ``M`` = ``diag(metric)``,
``∇_θ f(L θ̃, x) = L M ∇_θ̃ f̃(θ̃, x)`` for every ``x``; so ``θ(t) = L θ̃(t)`` for
every loss.  :meth:`Reduction.verify` proves this identity and
``f(Lθ̃, x) = f̃(θ̃, x)`` symbolically.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> from simtool.symbolic.structure import Kind, UnitStructure
>>> net = TwoLayerNet(3, get_activation("tanh"))
>>> red = reduce_structure(net, UnitStructure.from_blocks(3, Kind.ODD, [[1, -2]], fixed=[3]))
>>> red.narrow.width, red.merged["a~1"], [str(m) for m in red.metric]
(1, 'a1 − a2', ['2', '1/2', '1/2'])
>>> red.verify()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from .network import TwoLayerNet
from .structure import Kind, UnitStructure
from .subspace import linear_form_text
from .zero import is_identically_zero

__all__ = ["Reduction", "reduce_structure"]


class NamedReduction:
    """Words for any reduction with ``wide``, ``narrow``, ``project`` (P) and a ``metric`` diagonal."""

    @property
    def merged(self) -> dict[str, str]:
        """Narrow parameter name (``a~1``, …) → how it is made of wide parameters."""
        out = {}
        for r, name in enumerate(self.narrow.names):  # type: ignore[attr-defined]
            terms = [(i, c) for i, c in enumerate(self.project[r]) if c]  # type: ignore[attr-defined]
            out[_tilde(name)] = linear_form_text(self.wide.names, terms) if terms else "0"  # type: ignore[attr-defined]
        return out

    def metric_by_name(self) -> dict[str, str]:
        return {_tilde(n): str(m) for n, m in zip(self.narrow.names, self.metric)}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Reduction(NamedReduction):
    """A SIM's narrower network with the linear maps and metric that relate the flows.

    Attributes
    ----------
    wide, narrow : TwoLayerNet
        The network and the reduced network (same σ, ``d`` and bias flags).
    lift : tuple of rows
        ``D × D̃`` rational matrix: ``θ = lift · θ̃`` is the point of the SIM.
    project : tuple of rows
        ``D̃ × D`` rational matrix with ``project · lift = I``.
    metric : tuple of Fraction
        Diagonal ``M``: on the SIM the wide flow is ``θ̃' = −M ⊙ ∇_θ̃ L̃(θ̃)``.
    frozen : tuple of int
        Narrow coordinates that stay 0 (``w̃, b̃`` of even-σ fixed blocks).
    blocks : tuple
        The wide units behind each narrow unit.
    """

    wide: TwoLayerNet
    narrow: TwoLayerNet
    lift: tuple[tuple[Fraction, ...], ...]
    project: tuple[tuple[Fraction, ...], ...]
    metric: tuple[Fraction, ...]
    frozen: tuple[int, ...]
    blocks: tuple[tuple[int, ...], ...]

    def lift_point(self, narrow_theta):
        return [sum((c * t for c, t in zip(row, narrow_theta) if c), 0) for row in self.lift]

    def verify(self) -> bool:
        """Prove ``f(Lθ̃, x) ≡ f̃(θ̃, x)`` and ``∇f(Lθ̃, x) ≡ L M ∇f̃(θ̃, x)`` with sympy."""
        th_n = tuple(0 if i in self.frozen else t for i, t in enumerate(self.narrow.symbols))
        lifted = [sum((sympy.Rational(c.numerator, c.denominator) * t for c, t in zip(row, th_n) if c),
                      sympy.Integer(0)) for row in self.lift]
        x = self.wide.x_symbols
        f_wide = self.wide.function(self.wide.symbols, x)
        sub = dict(zip(self.wide.symbols, lifted))
        if not is_identically_zero(f_wide.xreplace(sub) - self.narrow.function(th_n, x)):
            return False
        f_n = self.narrow.function(self.narrow.symbols, x)
        g_n = [(sympy.Rational(m.numerator, m.denominator) * sympy.diff(f_n, t)).xreplace(
            {s: 0 for i, s in enumerate(self.narrow.symbols) if i in self.frozen})
            for m, t in zip(self.metric, self.narrow.symbols)]
        for i, th in enumerate(self.wide.symbols):
            lhs = sympy.diff(f_wide, th).xreplace(sub)
            rhs = sum((sympy.Rational(c.numerator, c.denominator) * g for c, g in zip(self.lift[i], g_n) if c),
                      sympy.Integer(0))
            if not is_identically_zero(lhs - rhs):
                return False
        return True


def _tilde(name: str) -> str:
    return name[0] + "~" + name[1:] if name != "c" else "c~"


def reduce_structure(net: TwoLayerNet, structure: UnitStructure) -> Reduction:
    """The :class:`Reduction` of the SIM described by ``structure``."""
    blocks = [b for b in structure.blocks if not (b.fixed and structure.kind is Kind.ODD)]
    narrow = net.with_width(max(len(blocks), 1)) if blocks else None
    if narrow is None:  # everything in the zero block: the narrow net is empty; keep width 1, frozen
        narrow = net.with_width(1)
    D, Dn, us = net.dim, narrow.dim, net.unit_size
    lift = [[Fraction(0)] * Dn for _ in range(D)]
    project = [[Fraction(0)] * D for _ in range(Dn)]
    metric = [Fraction(1)] * Dn
    frozen: list[int] = []
    for j, b in enumerate(blocks, start=1):
        n = len(b.units)
        o_n = narrow.unit_offset(j)
        for u, s in zip(b.units, b.signs):
            o = net.unit_offset(u)
            for p in range(us):
                flip = s == -1 and (structure.kind is Kind.ODD or p > 0)
                sign = -1 if flip else 1
                if b.fixed and p > 0:
                    continue  # w = b = 0 on an even fixed block
                if p == 0:
                    lift[o][o_n] = Fraction(sign, n)
                    project[o_n][o] = Fraction(sign)
                else:
                    lift[o + p][o_n + p] = Fraction(sign)
                    project[o_n + p][o + p] = Fraction(sign, n)
        metric[o_n] = Fraction(n)
        for p in range(1, us):
            metric[o_n + p] = Fraction(1, n)
            if b.fixed:
                frozen.append(o_n + p)
    if not blocks:
        frozen.extend(range(narrow.unit_size))
    if net.output_bias:
        lift[D - 1][Dn - 1] = Fraction(1)
        project[Dn - 1][D - 1] = Fraction(1)
    return Reduction(
        net, narrow,
        tuple(tuple(r) for r in lift), tuple(tuple(r) for r in project),
        tuple(metric), tuple(frozen), tuple(b.units for b in blocks),
    )
