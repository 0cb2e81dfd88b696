r"""The lattice of symmetry-induced invariant manifolds (SIMs) of a two-layer net.

``{Fix(H) : H ≤ G}`` ordered by inclusion is a lattice (math.md §4): meet is
intersection, the whole space is the top, ``Fix(G)`` the bottom.  For two-layer
nets its elements are the unit structures of :mod:`simtool.symbolic.structure`;
each element here carries

* its exact :class:`~simtool.symbolic.subspace.Subspace` (RREF canonical key), so the
  lattice deduplicates by construction and intersections are exact;
* dimension, a plain description, generators of a subgroup ``H`` with
  ``Fix(H)`` = the element, its symmetry class and the class's orbit size;
* the narrower network it reduces to (:mod:`simtool.symbolic.reduction`);
* a :class:`~simtool.verdict.Verdict` on invariance from the exact tangency test,
  run on one representative per symmetry class and transported to the rest of the
  orbit by the symmetry (``g·Fix(H) = Fix(gHg⁻¹)`` and ``∇f`` is ``g``-equivariant).

The Hasse diagram is a :class:`networkx.DiGraph` with an edge ``X → Y`` when ``X``
covers ``Y`` (``Y ⊂ X`` maximal); ranks come from ``topological_generations``.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> lat = enumerate_lattice(TwoLayerNet(2, get_activation("tanh")))
>>> lat.count, lat.count_up_to_symmetry
(6, 4)
>>> [e.description for e in lat.elements]      # doctest: +NORMALIZE_WHITESPACE
['whole space (no constraint)', 'units 1,2 condensed', 'units 1,2 anti-condensed (θ2 = −θ1)',
 'unit 1 zero', 'unit 2 zero', 'units 1,2 zero']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from ..errors import TooLargeError
from ..verdict import PROVED, UNDECIDED, Verdict
from .activation import Parity
from .counting import count_classes, count_elements, integer_partitions
from .network import TwoLayerNet
from .reduction import Reduction, reduce_structure
from .structure import Kind, UnitStructure, describe_sizes, enumerate_structures, orbit_size, representative
from .subspace import Subspace
from .symmetry import SignedPermutation, SymmetryReport, derive_symmetries, unit_flip, unit_permutation
from .tangency import prove_invariant

__all__ = [
    "Lattice",
    "LatticeElement",
    "SymmetryClass",
    "enumerate_lattice",
    "enumerate_classes",
    "lattice_kind",
    "MAX_ELEMENTS",
    "MAX_CLASSES",
    "DIRECT_PROOF_WIDTH",
]

#: requests with more elements than this are refused with the count and a hint
MAX_ELEMENTS = 50_000
#: ``--up-to-symmetry`` requests with more classes than this are refused
MAX_CLASSES = 100_000
#: class representatives up to this width are proved by the tangency test on the whole
#: net; above it block by block (the normal space splits over blocks, see `_prove_blockwise`)
DIRECT_PROOF_WIDTH = 12


def lattice_kind(report: SymmetryReport) -> Kind:
    """Which group acts on the units, from the *verified* generators."""
    if report.flip_parity is Parity.ODD:
        return Kind.ODD
    if report.flip_parity is Parity.EVEN:
        return Kind.EVEN
    return Kind.PERM


@dataclass(frozen=True, eq=False)
class SymmetryClass:
    """An orbit of ``G`` on the lattice: block sizes, orbit size, proof.

    ``free``/``fixed`` are the non-increasing block sizes; the representative puts
    them on consecutive units with all signs ``+``.
    """

    id: str
    lattice: Lattice = field(repr=False)
    free: tuple[int, ...]
    fixed: tuple[int, ...]
    orbit_size: int
    invariance: Verdict

    @property
    def net(self) -> TwoLayerNet:
        return self.lattice.net

    @cached_property
    def representative(self) -> UnitStructure:
        return representative(self.net.width, self.lattice.kind, self.free, self.fixed)

    @property
    def dim(self) -> int:
        return _class_dim(self.net, self.lattice.kind, self.free, self.fixed)

    @property
    def description(self) -> str:
        return describe_sizes(self.lattice.kind, self.free, self.fixed)

    @property
    def reduced_width(self) -> int:
        return len(self.free) + (len(self.fixed) if self.lattice.kind is Kind.EVEN else 0)


def _class_dim(net: TwoLayerNet, kind: Kind, free, fixed) -> int:
    return len(free) * net.unit_size + (len(fixed) if kind is Kind.EVEN else 0) + (1 if net.output_bias else 0)


@dataclass(frozen=True, eq=False)
class LatticeElement:
    """One SIM ``Fix(H)``: exact subspace plus its description, reduction and proof."""

    id: str
    lattice: Lattice = field(repr=False)
    structure: UnitStructure
    class_id: str

    @property
    def net(self) -> TwoLayerNet:
        return self.lattice.net

    @cached_property
    def subspace(self) -> Subspace:
        return self.structure.subspace(self.net.unit_size, 1 if self.net.output_bias else 0)

    @property
    def dim(self) -> int:
        return self.structure.dim(self.net.unit_size, 1 if self.net.output_bias else 0)

    @property
    def description(self) -> str:
        return self.structure.describe()

    @property
    def reduced_width(self) -> int:
        return self.structure.reduced_width

    @cached_property
    def reduction(self) -> Reduction:
        return reduce_structure(self.net, self.structure)

    @property
    def symmetry_class(self) -> SymmetryClass:
        return self.lattice.class_by_id[self.class_id]

    @property
    def invariance(self) -> Verdict:
        """The class representative's proof, transported to this element by symmetry."""
        cls = self.symmetry_class
        v = cls.invariance
        if self.structure == cls.representative or v.status != PROVED:
            return v
        return Verdict(v.status, f"by symmetry from the representative of {cls.id}: {v.evidence}")

    @cached_property
    def generators(self) -> tuple[SignedPermutation, ...]:
        """Generators of a subgroup ``H ≤ G`` with ``Fix(H)`` equal to this element."""
        return _inducing_generators(self.net, self.structure)

    @property
    def covers(self) -> tuple[str, ...]:
        """Ids of the elements this one covers (one step down the Hasse diagram)."""
        return tuple(sorted(self.lattice.graph.successors(self.id), key=_id_order))


def _id_order(name: str) -> int:
    return int(name[1:])


def _inducing_generators(net: TwoLayerNet, s: UnitStructure) -> tuple[SignedPermutation, ...]:
    parity = {Kind.ODD: Parity.ODD, Kind.EVEN: Parity.EVEN}.get(s.kind)
    out: list[SignedPermutation] = []
    for b in s.blocks:
        if b.fixed:
            out += [unit_flip(net, u, parity, f"flip {u}") for u in b.units]  # type: ignore[arg-type]
        last, s_last = b.units[-1], b.signs[-1]
        for u, sg in zip(b.units[:-1], b.signs[:-1]):
            g = unit_permutation(net, {u: last, last: u}, f"swap {u},{last}")
            if sg != s_last and not b.fixed:
                f = unit_flip(net, u, parity) * unit_flip(net, last, parity)  # type: ignore[arg-type]
                g = SignedPermutation((f * g).perm, (f * g).signs, f"signed swap {u},{last}")
            out.append(g)
    return tuple(out)


class Lattice:
    """All symmetry-induced SIMs of a two-layer net (see module docstring)."""

    def __init__(self, net: TwoLayerNet, symmetries: SymmetryReport, structures: list[UnitStructure],
                 classes: list[tuple[tuple[int, ...], tuple[int, ...], Verdict]]):
        self.net = net
        self.symmetries = symmetries
        self.kind = kind = lattice_kind(symmetries)
        dimf = net.unit_size
        structures = sorted(structures, key=lambda s: (-s.dim(dimf), _order_key(s)))
        classes = sorted(classes, key=lambda c: (-_class_dim(net, kind, c[0], c[1]), sum(c[1]), c[1],
                                                 [-x for x in c[0]]))
        self.classes = tuple(
            SymmetryClass(f"C{i}", self, free, fixed, orbit_size(net.width, kind, free, fixed), v)
            for i, (free, fixed, v) in enumerate(classes)
        )
        self.class_by_id = {c.id: c for c in self.classes}
        by_key = {(c.free, c.fixed): c.id for c in self.classes}
        self.elements = tuple(
            LatticeElement(f"S{i}", self, s, by_key[s.class_key]) for i, s in enumerate(structures)
        )
        self._by_structure = {e.structure: e for e in self.elements}

    # -- counts ---------------------------------------------------------------
    @property
    def count(self) -> int:
        return count_elements(self.kind.value, self.net.width)

    @property
    def count_up_to_symmetry(self) -> int:
        return count_classes(self.kind.value, self.net.width)

    def __len__(self) -> int:
        return len(self.elements)

    def __iter__(self) -> Iterator[LatticeElement]:
        return iter(self.elements)

    def element(self, ident: str) -> LatticeElement:
        for e in self.elements:
            if e.id == ident:
                return e
        raise KeyError(ident)

    def find(self, structure: UnitStructure) -> LatticeElement:
        return self._by_structure[structure]

    @property
    def top(self) -> LatticeElement:
        return self.elements[0]

    @property
    def bottom(self) -> LatticeElement:
        return self.elements[-1]

    def representatives(self) -> tuple[LatticeElement, ...]:
        return tuple(self.find(c.representative) for c in self.classes)

    # -- Hasse diagram ----------------------------------------------------------
    @cached_property
    def graph(self) -> nx.DiGraph:
        """Hasse diagram: edge ``X → Y`` iff ``X`` covers ``Y``; node attribute ``dim``."""
        g = nx.DiGraph()
        for e in self.elements:
            g.add_node(e.id, dim=e.dim, description=e.description, class_id=e.class_id)
        for e in self.elements:
            for t in e.structure.covers():
                g.add_edge(e.id, self._by_structure[t].id)
        # merging a free block into an even-σ fixed block is a strict inclusion but not a
        # cover; structure.covers() never proposes it, and the brute-force tests check that
        return g

    def ranks(self) -> list[list[str]]:
        """Elements grouped by distance from the top (``networkx.topological_generations``)."""
        return [sorted(gen, key=_id_order) for gen in nx.topological_generations(self.graph)]


def _order_key(s: UnitStructure):
    fixed = tuple(u for b in s.fixed_blocks for u in b.units)
    merged = tuple((b.units, tuple(-x for x in b.signs)) for b in s.free_blocks if b.size > 1)
    return (len(fixed), fixed, merged)


def _prove_blockwise(net: TwoLayerNet, free, fixed, kind: Kind, cache: dict) -> Verdict:
    """Tangency proof of a class representative, block by block.

    ``f = Σ_k u(θ_k, x) + c`` and the equations of a unit structure never mix units of
    different blocks, so each normal component of ``∇f`` depends only on one block's
    units: ``S`` is tangent iff each block's subspace is tangent for the narrow net made
    of that block alone.  Each block type (size, fixed) is proved once, exactly.
    """
    parts = []
    for key in {(s, False) for s in free if s > 1} | {(s, True) for s in fixed}:
        if key not in cache:
            sub = net.with_width(key[0])
            block = representative(key[0], kind, () if key[1] else (key[0],), (key[0],) if key[1] else ())
            cache[key] = prove_invariant(sub, block.subspace(sub.unit_size, 1 if sub.output_bias else 0))
        v = cache[key]
        if v.status != PROVED:
            return Verdict(v.status, f"block of {key[0]} units: {v.evidence}", v.counterexample)
        parts.append(key)
    return Verdict(PROVED, "exact tangency, block by block "
                   f"({len(set(parts))} block type(s); the normal space splits over blocks)")


def _prove_classes(net: TwoLayerNet, kind: Kind, keys: list, prove: bool) -> list:
    if not prove:
        v = Verdict(UNDECIDED, "proofs skipped (--no-proofs)")
        return [(free, fixed, v) for free, fixed in keys]
    if net.width <= DIRECT_PROOF_WIDTH:
        extra = 1 if net.output_bias else 0
        return [(free, fixed, prove_invariant(net, representative(net.width, kind, free, fixed).subspace(
            net.unit_size, extra))) for free, fixed in keys]
    cache: dict = {}
    return [(free, fixed, _prove_blockwise(net, free, fixed, kind, cache)) for free, fixed in keys]


def class_keys(width: int, kind: Kind) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Block sizes ``(free, fixed)`` of every symmetry class (orbit of ``G``)."""
    fixed_sizes = range(width + 1) if kind is not Kind.PERM else (0,)
    for nfix in fixed_sizes:
        fixed_parts = [()] if nfix == 0 else ([(nfix,)] if kind is Kind.ODD else list(integer_partitions(nfix)))
        for free in integer_partitions(width - nfix):
            for fixed in fixed_parts:
                yield free, fixed


def _prepare(net: TwoLayerNet) -> tuple[SymmetryReport, Kind]:
    report = derive_symmetries(net)
    return report, lattice_kind(report)


def enumerate_lattice(net: TwoLayerNet, *, prove: bool = True, limit: int = MAX_ELEMENTS) -> Lattice:
    """Every element of the SIM lattice with proofs; refuses more than ``limit`` elements."""
    report, kind = _prepare(net)
    total = count_elements(kind.value, net.width)
    if total > limit:
        raise TooLargeError(
            f"width {net.width} with σ = {net.activation.name} has {total:,} lattice elements "
            f"(limit {limit:,}); use --up-to-symmetry ({count_classes(kind.value, net.width):,} "
            "classes) or --count-only")
    classes = _prove_classes(net, kind, list(class_keys(net.width, kind)), prove)
    return Lattice(net, report, enumerate_structures(net.width, kind), classes)


def enumerate_classes(net: TwoLayerNet, *, prove: bool = True, limit: int = MAX_CLASSES) -> Lattice:
    """Only the symmetry classes (``Lattice.elements`` is empty); refuses more than ``limit``."""
    report, kind = _prepare(net)
    total = count_classes(kind.value, net.width)
    if total > limit:
        raise TooLargeError(
            f"width {net.width} with σ = {net.activation.name} has {total:,} symmetry classes "
            f"(limit {limit:,}); use --count-only")
    classes = _prove_classes(net, kind, list(class_keys(net.width, kind)), prove)
    return Lattice(net, report, [], classes)
