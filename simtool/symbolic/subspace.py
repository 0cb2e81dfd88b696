r"""Exact linear subspaces of parameter space with a canonical key.

A subspace :math:`S \subseteq \mathbb{R}^D` is stored by its defining equations in
reduced row echelon form (RREF) with rational entries.  The RREF of the equation
matrix is unique, so it is an exact canonical key: two :class:`Subspace` objects are
equal (and hash equal) iff they are the same subspace.  This is the general
representation that lattice elements of every architecture use (roadmap item 1);
set partitions are only one way to *describe* a subspace.

Rows are sparse: a row is a tuple of ``(column, coefficient)`` pairs sorted by
column, whose first entry is the pivot with coefficient 1.

Examples
--------
>>> from fractions import Fraction
>>> s = Subspace.from_equations(3, [{0: 1, 1: -1}])        # x0 = x1
>>> s.dim
2
>>> t = Subspace.from_equations(3, [{1: 2, 2: -2}])        # x1 = x2
>>> (s & t).dim, (s & t).contains(s), s.contains(s & t)
(1, False, True)
>>> Subspace.from_equations(3, [{1: 1, 0: -1}]) == s       # same subspace, same key
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from functools import cached_property

from ..errors import SubspaceError

__all__ = ["Subspace", "rref", "linear_form_text"]

Row = tuple[tuple[int, Fraction], ...]


def _as_dict(row: Mapping[int, object] | Sequence[object], ambient: int) -> dict[int, Fraction]:
    if isinstance(row, Mapping):
        items = row.items()
    else:
        if len(row) != ambient:
            raise SubspaceError(f"equation has {len(row)} coefficients; expected {ambient}")
        items = enumerate(row)
    out: dict[int, Fraction] = {}
    for col, val in items:
        if not 0 <= int(col) < ambient:
            raise SubspaceError(f"coordinate {col} out of range 0..{ambient - 1}")
        q = Fraction(val)  # type: ignore[arg-type]
        if q:
            out[int(col)] = out.get(int(col), Fraction(0)) + q
    return {c: v for c, v in out.items() if v}


def linear_form_text(names: Sequence[str], terms: Iterable[tuple[int, object]], *, ascii: bool = False) -> str:
    """A sparse linear form ``Σ c_i θ_i`` written with parameter names.

    >>> linear_form_text(["a1", "w1", "a2"], [(0, Fraction(1)), (2, Fraction(-1, 2))])
    'a1 − 1/2·a2'
    >>> linear_form_text(["a1", "w1", "a2"], [(0, -1), (1, 2)], ascii=True)
    '-a1 + 2*w1'
    """
    minus, times = ("-", "*") if ascii else ("−", "·")
    out = []
    for k, (i, c) in enumerate(terms):
        mag = abs(c)
        body = names[i] if mag == 1 else f"{mag}{times}{names[i]}"
        if k == 0:
            out.append(body if c > 0 else minus + body)
        else:
            out.append(f"{'+' if c > 0 else minus} {body}")
    return " ".join(out)


def rref(rows: Iterable[dict[int, Fraction]]) -> tuple[Row, ...]:
    """Sparse exact reduced row echelon form of a list of rows.

    >>> rref([{0: Fraction(2), 1: Fraction(4)}, {0: Fraction(1), 1: Fraction(2)}])
    (((0, Fraction(1, 1)), (1, Fraction(2, 1))),)
    """
    basis: dict[int, dict[int, Fraction]] = {}  # pivot column -> reduced row
    for raw in rows:
        row = {c: v for c, v in raw.items() if v}
        # eliminate existing pivots from the new row
        for p in [c for c in row if c in basis]:
            if p in row:
                f = row[p]
                for c, v in basis[p].items():
                    nv = row.get(c, Fraction(0)) - f * v
                    if nv:
                        row[c] = nv
                    else:
                        row.pop(c, None)
        # repeat until no pivot column remains (elimination can introduce none, since
        # basis rows are reduced with respect to each other)
        if not row:
            continue
        p = min(row)
        inv = 1 / row[p]
        row = {c: v * inv for c, v in row.items()}
        # reduce the other rows by the new pivot
        for other in basis.values():
            if p in other:
                f = other[p]
                for c, v in row.items():
                    nv = other.get(c, Fraction(0)) - f * v
                    if nv:
                        other[c] = nv
                    else:
                        other.pop(c, None)
        basis[p] = row
    return tuple(tuple(sorted(basis[p].items())) for p in sorted(basis))


class Subspace:
    """A linear subspace of :math:`\\mathbb{R}^{D}` given by exact RREF equations."""

    __slots__ = ("ambient", "equations", "_hash", "__dict__")

    def __init__(self, ambient: int, equations: tuple[Row, ...]):
        self.ambient = int(ambient)
        self.equations = equations
        self._hash = hash((self.ambient, equations))

    # -- construction -------------------------------------------------------
    @classmethod
    def from_equations(
        cls, ambient: int, rows: Iterable[Mapping[int, object] | Sequence[object]]
    ) -> Subspace:
        """Subspace ``{θ : row · θ = 0 for every row}``; rows are dicts or dense lists."""
        return cls(ambient, rref(_as_dict(r, ambient) for r in rows))

    @classmethod
    def whole(cls, ambient: int) -> Subspace:
        return cls(ambient, ())

    @classmethod
    def span(cls, ambient: int, vectors: Iterable[Sequence[object]]) -> Subspace:
        """Subspace spanned by the given (dense) vectors."""
        vecs = [_as_dict(v, ambient) for v in vectors]
        complement = Subspace(ambient, rref(vecs))  # {θ : v·θ = 0 for all v} = span^⊥
        # the span's equations are a basis of its orthogonal complement
        return cls.from_equations(ambient, [dict(enumerate(v)) for v in complement.basis()])

    # -- identity -----------------------------------------------------------
    @property
    def key(self) -> tuple[int, tuple[Row, ...]]:
        """Exact canonical key: ambient dimension and RREF equations."""
        return (self.ambient, self.equations)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Subspace) and self.key == other.key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Subspace(ambient={self.ambient}, dim={self.dim}, equations={len(self.equations)})"

    # -- structure ----------------------------------------------------------
    @property
    def codim(self) -> int:
        return len(self.equations)

    @property
    def dim(self) -> int:
        return self.ambient - len(self.equations)

    @cached_property
    def pivots(self) -> tuple[int, ...]:
        return tuple(r[0][0] for r in self.equations)

    @cached_property
    def free(self) -> tuple[int, ...]:
        """Free (non-pivot) coordinates; they parametrise the subspace."""
        piv = set(self.pivots)
        return tuple(c for c in range(self.ambient) if c not in piv)

    @cached_property
    def parametrization(self) -> tuple[dict[int, Fraction], ...]:
        """Coordinate ``i`` of a point of ``S`` as a linear form in the free coordinates.

        Entry ``i`` maps free column ``j`` to its coefficient: ``θ_i = Σ_j c_ij θ_j``.
        """
        forms: list[dict[int, Fraction]] = [{} for _ in range(self.ambient)]
        for j in self.free:
            forms[j] = {j: Fraction(1)}
        for row in self.equations:
            p = row[0][0]
            forms[p] = {c: -v for c, v in row[1:]}
        return tuple(forms)

    def basis(self) -> list[list[Fraction]]:
        """A basis of ``S`` (one vector per free coordinate), exact."""
        out = []
        for j in self.free:
            v = [Fraction(0)] * self.ambient
            for i, form in enumerate(self.parametrization):
                if j in form:
                    v[i] = form[j]
            out.append(v)
        return out

    def basis_of_orthogonal(self) -> list[list[Fraction]]:
        """Dense equation rows: a basis of the orthogonal complement ``S^⊥``."""
        out = []
        for row in self.equations:
            v = [Fraction(0)] * self.ambient
            for c, val in row:
                v[c] = val
            out.append(v)
        return out

    def point(self, free_values: Sequence[object]) -> list[Fraction]:
        """The point of ``S`` whose free coordinates take ``free_values``."""
        if len(free_values) != len(self.free):
            raise SubspaceError(f"need {len(self.free)} free values, got {len(free_values)}")
        vals = dict(zip(self.free, (Fraction(v) for v in free_values)))  # type: ignore[arg-type]
        return [sum((c * vals[j] for j, c in form.items()), Fraction(0)) for form in self.parametrization]

    def contains_vector(self, v: Sequence[object]) -> bool:
        return all(sum((val * Fraction(v[c]) for c, val in row), Fraction(0)) == 0 for row in self.equations)  # type: ignore[arg-type]

    def contains(self, other: Subspace) -> bool:
        """``other ⊆ self`` (exact)."""
        self._check_same(other)
        if other.dim > self.dim:
            return False
        return all(self.contains_vector(v) for v in other.basis())

    def __and__(self, other: Subspace) -> Subspace:
        """Intersection (the lattice meet)."""
        self._check_same(other)
        return Subspace(self.ambient, rref([dict(r) for r in self.equations + other.equations]))

    def __le__(self, other: Subspace) -> bool:
        return other.contains(self)

    def __lt__(self, other: Subspace) -> bool:
        return self != other and other.contains(self)

    def _check_same(self, other: Subspace) -> None:
        if self.ambient != other.ambient:
            raise SubspaceError(f"ambient dimensions differ: {self.ambient} vs {other.ambient}")
