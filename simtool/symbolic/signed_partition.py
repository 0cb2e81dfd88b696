r"""Fixed subspaces of signed-permutation groups as signed partitions of coordinates.

For a group ``H`` of signed permutations, ``Fix(H)`` is the set of ``θ`` that are
constant (up to the signs) along every ``H``-orbit of the points ``±e_i``; an orbit
containing both ``e_i`` and ``−e_i`` forces its coordinates to 0.  So ``Fix(H)`` is a
**signed partition**: classes of coordinates ``θ_i = s_i θ_{r}`` (``r`` the smallest
coordinate of the class, ``s_r = 1``) plus a zero set.  This is an exact canonical key
equivalent to the RREF key of :class:`~simtool.symbolic.subspace.Subspace` (both are
unique), and much cheaper: intersection of fixed subspaces is a union–find merge.

>>> from simtool.symbolic.symmetry import SignedPermutation
>>> g = SignedPermutation((1, 0, 2), (1, 1, -1))          # θ0 ↔ θ1, θ2 → −θ2
>>> p = SignedPartition.fix(g)
>>> p.code, p.dim
((0, 0, -1), 1)
>>> p.subspace() == g.fixed_subspace()
True
>>> q = SignedPartition.fix(SignedPermutation((0, 1, 2), (1, -1, 1)))
>>> (p & q).code                                          # θ1 = 0 forces θ0 = 0
(-1, -1, -1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from .subspace import Subspace
from .symmetry import SignedPermutation

__all__ = ["SignedPartition", "moved_relations"]

ZERO = -1


class _UnionFind:
    """Union–find with a sign per element relative to its parent and a zero flag per root."""

    __slots__ = ("parent", "sign", "zero")

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.sign = [1] * n
        self.zero = [False] * n

    def find(self, i: int) -> tuple[int, int]:
        s = 1
        path = []
        while self.parent[i] != i:
            path.append(i)
            s *= self.sign[i]
            i = self.parent[i]
        # path compression with accumulated signs
        acc = s
        for j in path:
            sj = self.sign[j]
            self.parent[j] = i
            self.sign[j] = acc
            acc *= sj
        return i, s

    def union(self, i: int, j: int, s: int) -> None:
        """Impose ``θ_i = s θ_j``."""
        ri, si = self.find(i)
        rj, sj = self.find(j)
        if ri == rj:
            if si != s * sj:
                self.zero[ri] = True
            return
        if ri < rj:  # keep the smaller index as root
            ri, rj, si, sj = rj, ri, sj, si
        self.parent[ri] = rj
        self.sign[ri] = si * s * sj
        self.zero[rj] = self.zero[rj] or self.zero[ri]

    @classmethod
    def from_code(cls, code: Sequence[int]) -> _UnionFind:
        """The (already compressed) union–find of a canonical code."""
        uf = cls.__new__(cls)
        n = len(code)
        uf.parent = [i if c == ZERO else c >> 1 for i, c in enumerate(code)]
        uf.sign = [1 if c == ZERO else 1 - 2 * (c & 1) for c in code]
        uf.zero = [False] * n
        for i, c in enumerate(code):
            if c == ZERO:
                uf.zero[i] = True
        # zero coordinates are their own roots, flagged; nothing else to do
        return uf

    def set_zero(self, i: int) -> None:
        r, _ = self.find(i)
        self.zero[r] = True

    def code(self) -> tuple[int, ...]:
        out = []
        for i in range(len(self.parent)):
            r, s = self.find(i)
            out.append(ZERO if self.zero[r] else 2 * r + (0 if s == 1 else 1))
        return tuple(out)


def moved_relations(g: SignedPermutation) -> tuple[tuple[int, int, int], ...]:
    """The non-trivial relations ``θ_{π(i)} = s_i θ_i`` of ``Fix(g)``."""
    return tuple((p, i, s) for i, (p, s) in enumerate(zip(g.perm, g.signs)) if p != i or s != 1)


def _holds(code: Sequence[int], i: int, j: int, s: int) -> bool:
    """Does ``θ_i = s θ_j`` hold on the subspace with canonical ``code``?"""
    ci, cj = code[i], code[j]
    if ci == ZERO or cj == ZERO:
        return ci == cj
    return ci >> 1 == cj >> 1 and (1 - 2 * (ci & 1)) == s * (1 - 2 * (cj & 1))


class SignedPartition:
    """``Fix(H)`` as a canonical signed partition; ``code[i] = 2r + (s < 0)`` or ``-1`` (zero)."""

    __slots__ = ("code", "_hash")

    def __init__(self, code: Sequence[int]) -> None:
        self.code = tuple(code)
        self._hash = hash(self.code)

    @classmethod
    def whole(cls, dim: int) -> SignedPartition:
        return cls(tuple(2 * i for i in range(dim)))

    @classmethod
    def from_relations(cls, dim: int, relations: Iterable[tuple[int, int, int]],
                       zeros: Iterable[int] = ()) -> SignedPartition:
        """From relations ``θ_i = s θ_j`` given as ``(i, j, s)`` and coordinates set to 0."""
        uf = _UnionFind(dim)
        for i, j, s in relations:
            uf.union(i, j, s)
        for i in zeros:
            uf.set_zero(i)
        return cls(uf.code())

    @classmethod
    def fix(cls, g: SignedPermutation) -> SignedPartition:
        """``Fix(g)``: ``θ_{π(i)} = s_i θ_i``."""
        return cls.from_relations(g.dim, ((p, i, s) for i, (p, s) in enumerate(zip(g.perm, g.signs))))

    def _relations(self) -> Iterable[tuple[int, int, int]]:
        for i, c in enumerate(self.code):
            if c != ZERO and c // 2 != i:
                yield i, c // 2, (1 if c % 2 == 0 else -1)

    def _zeros(self) -> list[int]:
        return [i for i, c in enumerate(self.code) if c == ZERO]

    # -- identity ------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, SignedPartition) and self.code == other.code

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"SignedPartition(dim={self.dim}, code={self.code})"

    @property
    def ambient(self) -> int:
        return len(self.code)

    @property
    def dim(self) -> int:
        """Number of non-zero classes = dimension of the subspace."""
        return sum(1 for i, c in enumerate(self.code) if c != ZERO and c // 2 == i)

    # -- lattice operations -------------------------------------------------------------
    def __and__(self, other: SignedPartition) -> SignedPartition:
        """Intersection of the subspaces (join of the partitions)."""
        uf = _UnionFind(self.ambient)
        for part in (self, other):
            for i, j, s in part._relations():
                uf.union(i, j, s)
            for i in part._zeros():
                uf.set_zero(i)
        return SignedPartition(uf.code())

    def meet_fix(self, g: SignedPermutation) -> SignedPartition:
        """``self ∩ Fix(g)``."""
        return self.meet_relations(moved_relations(g))

    def meet_relations(self, relations: Sequence[tuple[int, int, int]]) -> SignedPartition:
        """``self`` with the relations ``θ_i = s θ_j`` imposed (``(i, j, s)`` triples).

        A tight union–find over the canonical code (the hot loop of the lattice search).
        """
        code = self.code
        if all(_holds(code, i, j, s) for i, j, s in relations):
            return self
        parent = [i if c == ZERO else c >> 1 for i, c in enumerate(code)]
        sign = [1 if c == ZERO else 1 - 2 * (c & 1) for c in code]
        zero = [c == ZERO for c in code]

        def find(i: int) -> tuple[int, int]:
            sg = 1
            while parent[i] != i:
                sg *= sign[i]
                i = parent[i]
            return i, sg

        for i, j, s in relations:
            ri, si = find(i)
            rj, sj = find(j)
            if ri == rj:
                if si != s * sj:
                    zero[ri] = True
                continue
            if ri < rj:
                ri, rj, si, sj = rj, ri, sj, si
            parent[ri] = rj
            sign[ri] = si * s * sj
            if zero[ri]:
                zero[rj] = True
        out = []
        for i in range(len(code)):
            r, sg = find(i)
            out.append(ZERO if zero[r] else 2 * r + (0 if sg == 1 else 1))
        return SignedPartition(out)

    def contains(self, other: SignedPartition) -> bool:
        """``other ⊆ self`` (every relation of ``self`` holds on ``other``)."""
        oc = other.code
        for i, c in enumerate(self.code):
            if c == ZERO:
                if oc[i] != ZERO:
                    return False
            elif c >> 1 != i and not _holds(oc, i, c >> 1, 1 - 2 * (c & 1)):
                return False
        return True

    def __le__(self, other: SignedPartition) -> bool:
        """Subspace inclusion ``self ⊆ other``."""
        return other.contains(self)

    def image(self, g: SignedPermutation) -> SignedPartition:
        """``g·S = {gθ : θ ∈ S}``."""
        rel = []
        for i, j, s in self._relations():
            rel.append((g.perm[i], g.perm[j], g.signs[i] * s * g.signs[j]))
        return SignedPartition.from_relations(self.ambient, rel, (g.perm[i] for i in self._zeros()))

    def fixed_by(self, g: SignedPermutation) -> bool:
        """``g`` fixes every point of ``S``."""
        return self.meet_fix(g) == self

    # -- exact subspace ---------------------------------------------------------------------
    def subspace(self) -> Subspace:
        rows: list[dict[int, Fraction]] = []
        for i, c in enumerate(self.code):
            if c == ZERO:
                rows.append({i: Fraction(1)})
            elif c // 2 != i:
                rows.append({i: Fraction(1), c // 2: Fraction(-1 if c % 2 == 0 else 1)})
        return Subspace.from_equations(self.ambient, rows)

    def classes(self) -> list[list[tuple[int, int]]]:
        """Non-zero classes as lists of ``(coordinate, sign)``, by representative."""
        out: dict[int, list[tuple[int, int]]] = {}
        for i, c in enumerate(self.code):
            if c != ZERO:
                out.setdefault(c // 2, []).append((i, 1 if c % 2 == 0 else -1))
        return [out[r] for r in sorted(out)]

    def zeros(self) -> list[int]:
        return self._zeros()
