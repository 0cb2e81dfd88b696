r"""Exact affine subspaces ``S = θ₀ + V`` of parameter space (constants in ``Q + Q·π``).

Relations ``n·θ = q + r·π`` (rational ``n, q, r``) are reduced together with their
right-hand sides: the right-hand side occupies two extra columns (``1`` and ``π``) of
the exact sparse RREF of :func:`simtool.symbolic.subspace.rref`.  A pivot in those
columns means ``0 = q + r·π`` with ``(q, r) ≠ 0``: the system is inconsistent
(``π`` is irrational).  Otherwise the RREF restricted to the ``θ`` columns is the
canonical key of the direction space ``V`` and the right-hand sides give the point
``θ₀`` whose free coordinates are 0.

>>> from fractions import Fraction as F
>>> S = AffineSubspace.from_relations(3, [({0: F(1)}, F(0), F(1, 2))])   # θ0 = π/2
>>> S.is_linear, S.dim, S.offset
(False, 2, (pi/2, 0, 0))
>>> AffineSubspace.from_relations(2, [({0: F(1)}, F(1), F(0)), ({0: F(1)}, F(2), F(0))])
Traceback (most recent call last):
...
simtool.errors.SubspaceError: the relations are inconsistent: no θ satisfies all of them
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from functools import cached_property

import sympy

from ..errors import SubspaceError
from .subspace import Subspace, linear_form_text, rref

__all__ = ["AffineSubspace", "Relation", "constant_expr"]

#: a relation ``Σ coef_i θ_i = q + r·π``: ({i: coef}, q, r)
Relation = tuple[dict[int, Fraction], Fraction, Fraction]


def constant_expr(q: Fraction, r: Fraction) -> sympy.Expr:
    """``q + r·π`` as an exact sympy number."""
    return sympy.Rational(q.numerator, q.denominator) + sympy.Rational(r.numerator, r.denominator) * sympy.pi


class AffineSubspace:
    """``{θ : n_r·θ = β_r}`` with rational ``n_r`` and ``β_r ∈ Q + Q·π``; equality is exact."""

    __slots__ = ("linear", "rhs", "__dict__")

    def __init__(self, linear: Subspace, rhs: tuple[tuple[Fraction, Fraction], ...]):
        self.linear = linear
        self.rhs = rhs

    @classmethod
    def from_relations(cls, ambient: int, relations: Iterable[Relation]) -> AffineSubspace:
        rows = []
        for coef, q, r in relations:
            row = {int(i): Fraction(c) for i, c in coef.items() if c}
            if q:
                row[ambient] = -Fraction(q)
            if r:
                row[ambient + 1] = -Fraction(r)
            rows.append(row)
        red = rref(rows)
        if any(row[0][0] >= ambient for row in red):
            raise SubspaceError("the relations are inconsistent: no θ satisfies all of them")
        eqs, rhs = [], []
        for row in red:
            eqs.append(tuple((c, v) for c, v in row if c < ambient))
            d = dict(row)
            rhs.append((-d.get(ambient, Fraction(0)), -d.get(ambient + 1, Fraction(0))))
        return cls(Subspace(ambient, tuple(eqs)), tuple(rhs))

    @classmethod
    def of(cls, linear: Subspace) -> AffineSubspace:
        zero = (Fraction(0), Fraction(0))
        return cls(linear, tuple(zero for _ in linear.equations))

    # -- identity -------------------------------------------------------------
    @property
    def key(self):
        return (self.linear.key, self.rhs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AffineSubspace) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"AffineSubspace(ambient={self.ambient}, dim={self.dim}, linear={self.is_linear})"

    # -- structure --------------------------------------------------------------
    @property
    def ambient(self) -> int:
        return self.linear.ambient

    @property
    def dim(self) -> int:
        return self.linear.dim

    @property
    def codim(self) -> int:
        return self.linear.codim

    @property
    def is_linear(self) -> bool:
        """``True`` iff ``0 ∈ S`` (then ``S = V``)."""
        return all(q == 0 and r == 0 for q, r in self.rhs)

    @property
    def free(self) -> tuple[int, ...]:
        return self.linear.free

    @cached_property
    def offset(self) -> tuple[sympy.Expr, ...]:
        """The point of ``S`` whose free coordinates are 0 (exact)."""
        out = [sympy.Integer(0)] * self.ambient
        for row, (q, r) in zip(self.linear.equations, self.rhs):
            out[row[0][0]] = constant_expr(q, r)
        return tuple(out)

    def point(self, free_values: Sequence[object]) -> list[sympy.Expr]:
        """``θ₀ + v`` where ``v ∈ V`` has the given free coordinates (exact)."""
        lin = self.linear.point(free_values)
        return [o + sympy.Rational(v.numerator, v.denominator) for o, v in zip(self.offset, lin)]

    def substitution(self, symbols: Sequence[sympy.Symbol]) -> dict[sympy.Symbol, sympy.Expr]:
        """``θ_i ↦ θ₀_i + Σ_j c_ij θ_j`` (free coordinates keep their own symbols)."""
        zero = sympy.Integer(0)
        return {symbols[i]: self.offset[i] + sum((sympy.Rational(c.numerator, c.denominator) * symbols[j]
                                                   for j, c in form.items()), zero)
                for i, form in enumerate(self.linear.parametrization)}

    def describe(self, names: Sequence[str], *, ascii: bool = False) -> str:
        """The equations with parameter names, e.g. ``w1 = 0, b1 = π/2``."""
        if not self.linear.equations:
            return "whole space (no constraint)"
        parts = []
        for row, (q, r) in zip(self.linear.equations, self.rhs):
            rhs = constant_expr(q, r)
            parts.append(f"{linear_form_text(names, row, ascii=ascii)} = {rhs}")
        return ", ".join(parts)
