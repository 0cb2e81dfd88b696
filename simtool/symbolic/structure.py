r"""Unit structures: the combinatorial description of two-layer fixed subspaces.

For a two-layer net with group ``G = S_m`` (no sign symmetry) or
``G = S_m ⋉ (Z_2)^m`` (a verified sign flip ``F`` per unit), every fixed subspace
``Fix(H)``, ``H ≤ G``, is described by a *unit structure* (math.md §4):

* the units are partitioned into **blocks**; within a free block every unit equals
  ``±`` the block's first unit, ``θ_u = s_u θ_{u_0}`` with ``s_u ∈ {1, F}``
  (signs only when ``G`` has flips);
* **fixed blocks** are blocks of units fixed by ``F``: for odd σ there is at most one,
  the *zero block* ``θ_u = 0``; for even σ (``F = diag(1, −1, −1)``) each fixed block
  has ``w_u = b_u = 0`` and one common ``a``.

Counts: Bell numbers (A000110) without flips, Dowling numbers (A007405) for odd σ,
and ``Σ_π Π_B (1 + 2^{|B|-1})`` for even σ (computed, cross-checked by brute force).

The structure is only a *description*: the lattice element itself is the exact
:class:`~simtool.symbolic.subspace.Subspace` returned by :meth:`UnitStructure.subspace`.

>>> s = UnitStructure.from_blocks(4, Kind.ODD, [[1, 2], [3, -4]])
>>> s.describe()
'units 1,2 condensed; units 3,4 anti-condensed (θ4 = −θ3)'
>>> UnitStructure.from_blocks(3, Kind.ODD, [[1, 2]], fixed=[3]).describe()
'units 1,2 condensed; unit 3 zero'
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..errors import SubspaceError
from .subspace import Subspace

__all__ = ["Kind", "Block", "UnitStructure", "enumerate_structures"]


class Kind(enum.Enum):
    """Which group acts on the units."""

    PERM = "perm"  # S_m
    ODD = "odd"  # S_m ⋉ Z_2^m, F = −1 on (a, w, b)
    EVEN = "even"  # S_m ⋉ Z_2^m, F = −1 on (w, b) only

    @property
    def has_signs(self) -> bool:
        return self is not Kind.PERM


@dataclass(frozen=True, order=True)
class Block:
    """Units (sorted, from 1), their signs relative to the first unit, fixed flag."""

    units: tuple[int, ...]
    signs: tuple[int, ...]
    fixed: bool = False

    @property
    def size(self) -> int:
        return len(self.units)


def _norm_block(pairs: Sequence[tuple[int, int]], fixed: bool) -> Block:
    pairs = sorted(pairs)
    s0 = pairs[0][1]
    units = tuple(u for u, _ in pairs)
    signs = (1,) * len(pairs) if fixed else tuple(s * s0 for _, s in pairs)
    return Block(units, signs, fixed)


@dataclass(frozen=True)
class UnitStructure:
    """A canonical signed partition of the units ``1..width`` (see module docstring)."""

    width: int
    kind: Kind
    blocks: tuple[Block, ...]  # sorted by first unit, singletons included

    @classmethod
    def from_blocks(
        cls, width: int, kind: Kind, blocks: Sequence[Sequence[int]], fixed: Sequence[Sequence[int] | int] = ()
    ) -> UnitStructure:
        """Build from signed unit lists (``-k`` = unit ``k`` with sign ``F``); others are singletons.

        ``fixed`` lists fixed blocks (for odd σ all fixed units form the zero block).
        """
        out: list[Block] = []
        seen: set[int] = set()
        for blk in blocks:
            out.append(_norm_block([(abs(u), 1 if u > 0 else -1) for u in blk], False))
        fixed_lists = [[f] if isinstance(f, int) else list(f) for f in fixed]
        if kind is Kind.ODD and fixed_lists:
            fixed_lists = [[u for f in fixed_lists for u in f]]
        if fixed_lists and kind is Kind.PERM:
            raise SubspaceError("fixed blocks need a sign symmetry (odd or even σ)")
        for f in fixed_lists:
            out.append(_norm_block([(abs(u), 1) for u in f], True))
        for b in out:
            if seen & set(b.units) or not all(1 <= u <= width for u in b.units):
                raise SubspaceError(f"blocks must be disjoint units in 1..{width}")
            seen |= set(b.units)
            if b.size > 1 and not kind.has_signs and any(s == -1 for s in b.signs):
                raise SubspaceError("negative units need a sign symmetry")
        out += [Block((u,), (1,)) for u in range(1, width + 1) if u not in seen]
        return cls(width, kind, tuple(sorted(out)))

    # -- invariants -----------------------------------------------------------
    @property
    def free_blocks(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if not b.fixed)

    @property
    def fixed_blocks(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.fixed)

    def dim(self, unit_size: int, extra: int = 0) -> int:
        """Dimension of the subspace (``extra`` = parameters outside the units, e.g. ``c``)."""
        per_fixed = 1 if self.kind is Kind.EVEN else 0
        return len(self.free_blocks) * unit_size + len(self.fixed_blocks) * per_fixed + extra

    @property
    def reduced_width(self) -> int:
        """Width of the narrower network: one unit per block, the odd zero block drops out."""
        return len(self.free_blocks) + (len(self.fixed_blocks) if self.kind is Kind.EVEN else 0)

    @property
    def class_key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Key of the symmetry class (orbit under ``G``): block sizes, free and fixed."""
        free = tuple(sorted((b.size for b in self.free_blocks), reverse=True))
        fixed = tuple(sorted((b.size for b in self.fixed_blocks), reverse=True))
        return free, fixed

    def orbit_size(self) -> int:
        return orbit_size(self.width, self.kind, *self.class_key)

    # -- subspace -------------------------------------------------------------
    def subspace(self, unit_size: int, extra: int = 0, a_only_fixed: bool = True) -> Subspace:
        """The exact subspace, built directly in RREF.

        Coordinates: unit ``u`` occupies ``(u-1)·unit_size … u·unit_size − 1`` with
        ``a`` first; ``extra`` trailing coordinates are unconstrained.  In RREF every
        unit of a free block except the last is a pivot expressed through the last.
        """
        ambient = self.width * unit_size + extra
        rows: list[tuple[tuple[int, Fraction], ...]] = []
        one, neg = Fraction(1), Fraction(-1)
        for b in self.blocks:
            last = b.units[-1]
            lo = (last - 1) * unit_size
            if b.fixed:
                for u in b.units:
                    o = (u - 1) * unit_size
                    if self.kind is Kind.ODD:
                        rows += [((o + p, one),) for p in range(unit_size)]
                    else:
                        if u != last:
                            rows.append(((o, one), (lo, neg)))
                        rows += [((o + p, one),) for p in range(1, unit_size)]
                continue
            s_last = b.signs[-1]
            for u, s in zip(b.units[:-1], b.signs[:-1]):
                o = (u - 1) * unit_size
                flip = s != s_last
                for p in range(unit_size):
                    rel = -1 if flip and (self.kind is Kind.ODD or p > 0) else 1
                    rows.append(((o + p, one), (lo + p, Fraction(-rel))))
        rows.sort()
        return Subspace(ambient, tuple(rows))

    # -- words ----------------------------------------------------------------
    def describe(self) -> str:
        parts = []
        for b in self.free_blocks:
            if b.size == 1:
                continue
            us = ",".join(map(str, b.units))
            neg = [u for u, s in zip(b.units, b.signs) if s == -1]
            if not neg:
                parts.append(f"units {us} condensed")
            elif b.size == 2:
                parts.append(f"units {us} anti-condensed (θ{b.units[1]} = {_F(self.kind)}θ{b.units[0]})")
            else:
                rel = ", ".join(f"θ{u} = {_F(self.kind)}θ{b.units[0]}" for u in neg)
                parts.append(f"units {us} condensed up to sign ({rel})")
        for b in self.fixed_blocks:
            us = ",".join(map(str, b.units))
            word = "unit" if b.size == 1 else "units"
            if self.kind is Kind.ODD:
                parts.append(f"{word} {us} zero")
            elif b.size == 1:
                parts.append(f"unit {us} inactive (w = b = 0)")
            else:
                parts.append(f"units {us} inactive (w = b = 0) with equal a")
        return "; ".join(parts) if parts else "whole space (no constraint)"

    def covers(self) -> Iterator[UnitStructure]:
        """Structures covered by this one (one merge step down the lattice)."""
        free = list(self.free_blocks)
        fixed = list(self.fixed_blocks)
        signs = (1, -1) if self.kind.has_signs else (1,)
        for i in range(len(free)):
            for j in range(i + 1, len(free)):
                for eps in signs:
                    pairs = list(zip(free[i].units, free[i].signs))
                    pairs += [(u, eps * s) for u, s in zip(free[j].units, free[j].signs)]
                    merged = _norm_block(pairs, False)
                    rest = [b for k, b in enumerate(free) if k not in (i, j)] + fixed
                    yield UnitStructure(self.width, self.kind, tuple(sorted(rest + [merged])))
        if self.kind is Kind.ODD:
            zero = fixed[0] if fixed else None
            for i, b in enumerate(free):
                units = b.units + (zero.units if zero else ())
                rest = [c for k, c in enumerate(free) if k != i]
                zero_block = _norm_block([(u, 1) for u in units], True)
                yield UnitStructure(self.width, self.kind, tuple(sorted(rest + [zero_block])))
        elif self.kind is Kind.EVEN:
            for i, b in enumerate(free):
                rest = [c for k, c in enumerate(free) if k != i] + fixed
                yield UnitStructure(self.width, self.kind, tuple(sorted(rest + [Block(b.units, (1,) * b.size, True)])))
            for i in range(len(fixed)):
                for j in range(i + 1, len(fixed)):
                    merged = _norm_block([(u, 1) for u in fixed[i].units + fixed[j].units], True)
                    rest = free + [b for k, b in enumerate(fixed) if k not in (i, j)]
                    yield UnitStructure(self.width, self.kind, tuple(sorted(rest + [merged])))


def representative(width: int, kind: Kind, free: Sequence[int], fixed: Sequence[int]) -> UnitStructure:
    """The canonical member of a symmetry class: consecutive units, all signs ``+``."""
    blocks, u = [], 1
    for size, is_fixed in [(s, False) for s in free] + [(s, True) for s in fixed]:
        blocks.append(Block(tuple(range(u, u + size)), (1,) * size, is_fixed))
        u += size
    return UnitStructure(width, kind, tuple(sorted(blocks)))


def describe_sizes(kind: Kind, free: Sequence[int], fixed: Sequence[int]) -> str:
    """``representative(...).describe()`` computed from the block sizes alone (fast)."""
    parts, u = [], 1
    for size in free:
        if size > 1:
            parts.append(f"units {','.join(map(str, range(u, u + size)))} condensed")
        u += size
    for size in fixed:
        us = ",".join(map(str, range(u, u + size)))
        word = "unit" if size == 1 else "units"
        if kind is Kind.ODD:
            parts.append(f"{word} {us} zero")
        elif size == 1:
            parts.append(f"unit {us} inactive (w = b = 0)")
        else:
            parts.append(f"units {us} inactive (w = b = 0) with equal a")
        u += size
    return "; ".join(parts) if parts else "whole space (no constraint)"


def _F(kind: Kind) -> str:
    return "−" if kind is Kind.ODD else "F"


def orbit_size(width: int, kind: Kind, free: Sequence[int], fixed: Sequence[int]) -> int:
    """Number of structures with the given block sizes (size of the ``G``-orbit)."""
    n = math.factorial(width)
    for s in list(free) + list(fixed):
        n //= math.factorial(s)
    for mult in list(Counter(free).values()) + list(Counter(fixed).values()):
        n //= math.factorial(mult)
    if kind.has_signs:
        n *= 2 ** sum(s - 1 for s in free)
    return n


def enumerate_structures(width: int, kind: Kind) -> list[UnitStructure]:
    """All unit structures of ``width`` units, by adding units 1..m one at a time."""
    # a partial structure: list of [pairs, fixed]; grown recursively
    results: list[UnitStructure] = []
    signs = (1, -1) if kind.has_signs else (1,)

    def grow(u: int, blocks: list[tuple[tuple[tuple[int, int], ...], bool]]) -> None:
        if u > width:
            results.append(
                UnitStructure(width, kind, tuple(sorted(_norm_block(p, f) for p, f in blocks)))
            )
            return
        for i, (pairs, fixed) in enumerate(blocks):
            for s in ((1,) if fixed else signs):
                blocks[i] = (pairs + ((u, s),), fixed)
                grow(u + 1, blocks)
            blocks[i] = (pairs, fixed)
        blocks.append((((u, 1),), False))
        grow(u + 1, blocks)
        blocks.pop()
        if kind is Kind.EVEN or (kind is Kind.ODD and not any(f for _, f in blocks)):
            blocks.append((((u, 1),), True))
            grow(u + 1, blocks)
            blocks.pop()

    grow(1, [])
    return results
