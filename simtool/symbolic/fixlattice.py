r"""The lattice ``{Fix(H) : H ≤ G}`` of any network and group, with proofs and reductions.

:func:`build_fix_lattice` takes a network and a verified
:class:`~simtool.symbolic.group.SymmetryGroup` (the template group by default) and
returns a :class:`FixLattice` whose elements are keyed by the exact
:class:`~simtool.symbolic.subspace.Subspace` (RREF key; the signed partition of
:mod:`~simtool.symbolic.signed_partition` is the equivalent cheap key).  Each
:class:`FixElement` carries its dimension, generators of a subgroup ``H`` with
``Fix(H)`` equal to it, its symmetry class and orbit size, its covers (a networkx
Hasse diagram), a layer-by-layer description, its reduction (narrow network, ``P``,
metric, fiber) and the exact invariance proof of its class representative (general
tangency, formal in σ), transported to the orbit by the symmetry.

The elements are *all* ``Fix(H)``, including those of subgroups acting on several
layers at once (math.md §4–5): it is built from the group, not from per-layer
partitions.  The algorithm is in :mod:`~simtool.symbolic.fix_closure`; the
brute-force closure :func:`~simtool.symbolic.oracle.closure_of_group` is its oracle.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> lat = build_fix_lattice(DeepNet((2, 2), get_activation("sigmoid")))
>>> lat.count, lat.count_up_to_symmetry, [e.dim for e in lat.elements]
(5, 5, [12, 8, 8, 6, 5])
>>> lat.elements[3].description
'layer-1 neurons 1,2 condensed; layer-2 neurons 1,2 compute the same function with different incoming weights'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from ..errors import TooLargeError
from ..verdict import PROVED, UNDECIDED, Verdict
from .architecture import Network
from .fix_closure import MAX_LATTICE_ELEMENTS, Closure, close_up_to_symmetry
from .group import SymmetryGroup, derive_group, describe_element
from .reduction_general import Reduction, reduce_subspace
from .signed_partition import SignedPartition
from .subspace import Subspace, linear_form_text
from .symmetry import SignedPermutation
from .tangency_general import prove_invariant_any

__all__ = ["FixLattice", "FixElement", "FixClass", "build_fix_lattice"]


def _prove(net: Network, S: Subspace) -> Verdict:
    from .network import TwoLayerNet

    if isinstance(net, TwoLayerNet):  # the tuned two-layer test (same verdicts, tested)
        from .tangency import prove_invariant

        return prove_invariant(net, S)
    return prove_invariant_any(net, S)


@dataclass(frozen=True, eq=False)
class FixClass:
    """A ``G``-orbit of lattice elements, with the representative's proof."""

    id: str
    lattice: FixLattice = field(repr=False)
    index: int
    invariance: Verdict

    @property
    def _cls(self):
        return self.lattice._closure.classes[self.index]

    @property
    def orbit_size(self) -> int:
        return len(self._cls.members)

    @cached_property
    def representative(self) -> FixElement:
        return self.lattice._by_partition[self._cls.rep]

    @property
    def dim(self) -> int:
        return self._cls.rep.dim

    @property
    def description(self) -> str:
        return self.representative.description

    @property
    def reduced_widths(self) -> tuple[int, ...]:
        return self.representative.reduced_widths


@dataclass(frozen=True, eq=False)
class FixElement:
    """One ``Fix(H)`` (see the module docstring)."""

    id: str
    lattice: FixLattice = field(repr=False)
    partition: SignedPartition
    class_id: str

    @property
    def net(self) -> Network:
        return self.lattice.net

    @cached_property
    def subspace(self) -> Subspace:
        return self.partition.subspace()

    @property
    def dim(self) -> int:
        return self.partition.dim

    @property
    def symmetry_class(self) -> FixClass:
        return self.lattice.class_by_id[self.class_id]

    @property
    def _carrier(self) -> SignedPermutation:
        """A group element carrying the class representative to this element."""
        return self.symmetry_class._cls.members[self.partition]

    @cached_property
    def generators(self) -> tuple[SignedPermutation, ...]:
        """Generators of ``H ≤ G`` with ``Fix(H)`` = this element (conjugated from the representative)."""
        h = self._carrier
        hinv = h.inverse()
        out = []
        for g in self.symmetry_class._cls.isotropy:
            c = h * g * hinv
            out.append(SignedPermutation(c.perm, c.signs, describe_element(self.net, c)))
        return tuple(out)

    @cached_property
    def reduction(self) -> Reduction:
        return reduce_subspace(self.net, self.subspace)

    @property
    def reduced_widths(self) -> tuple[int, ...]:
        return self.reduction.narrow_widths

    @property
    def reduced_width(self) -> int:
        """Total narrow hidden width (the two-layer "red. width")."""
        return sum(self.reduced_widths)

    @cached_property
    def description(self) -> str:
        if self.dim == self.net.dim:
            return "whole space (no constraint)"
        text = self.reduction.describe()
        if text == "no neurons merged":  # e.g. role-mixing symmetries: say what the equations are
            eqs = [linear_form_text(self.net.names, row) + " = 0" for row in self.subspace.equations]
            text = ", ".join(eqs[:3]) + (f", … (+{len(eqs) - 3})" if len(eqs) > 3 else "")
        return text

    @property
    def invariance(self) -> Verdict:
        v = self.symmetry_class.invariance
        if self.partition == self.symmetry_class._cls.rep or v.status != PROVED:
            return v
        return Verdict(v.status, f"by symmetry from the representative of {self.class_id}: {v.evidence}")

    @property
    def covers(self) -> tuple[str, ...]:
        return tuple(sorted(self.lattice.graph.successors(self.id), key=_id_order))


def _id_order(name: str) -> int:
    return int(name[1:])


class FixLattice:
    """All ``Fix(H)``, ``H ≤ G``, of a network (see the module docstring)."""

    def __init__(self, net: Network, group: SymmetryGroup, closure: Closure, proofs: list[Verdict]) -> None:
        self.net = net
        self.group = group
        self._closure = closure
        order = sorted(range(len(closure.classes)),
                       key=lambda k: (-closure.classes[k].rep.dim, len(closure.classes[k].isotropy),
                                      closure.classes[k].rep.code))
        self.classes = tuple(FixClass(f"C{n}", self, k, proofs[k]) for n, k in enumerate(order))
        self.class_by_id = {c.id: c for c in self.classes}
        cid = {c.index: c.id for c in self.classes}
        rank = {c.index: n for n, c in enumerate(self.classes)}
        parts = sorted(closure.class_of, key=lambda p: (-p.dim, rank[closure.class_of[p]], p.code))
        self.elements = tuple(FixElement(f"S{i}", self, p, cid[closure.class_of[p]]) for i, p in enumerate(parts))
        self._by_partition = {e.partition: e for e in self.elements}
        self._by_subspace: dict[Subspace, FixElement] | None = None

    @property
    def relative_to(self) -> str:
        return self.group.relative_to

    @property
    def count(self) -> int:
        return len(self.elements)

    @property
    def count_up_to_symmetry(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return len(self.elements)

    def __iter__(self) -> Iterator[FixElement]:
        return iter(self.elements)

    def element(self, ident: str) -> FixElement:
        for e in self.elements:
            if e.id == ident:
                return e
        raise KeyError(ident)

    def find(self, S: Subspace) -> FixElement | None:
        if self._by_subspace is None:
            self._by_subspace = {e.subspace: e for e in self.elements}
        return self._by_subspace.get(S)

    @property
    def top(self) -> FixElement:
        return self.elements[0]

    @property
    def bottom(self) -> FixElement:
        return self.elements[-1]

    def representatives(self) -> tuple[FixElement, ...]:
        return tuple(c.representative for c in self.classes)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Hasse diagram: edge ``X → Y`` iff ``X`` covers ``Y``; node attribute ``dim``."""
        g = nx.DiGraph()
        for e in self.elements:
            g.add_node(e.id, dim=e.dim, class_id=e.class_id)
        for c in self._closure.classes:
            for member, h in c.members.items():
                src = self._by_partition[member].id
                for t in c.covers:
                    g.add_edge(src, self._by_partition[t.image(h)].id)
        return g

    def ranks(self) -> list[list[str]]:
        return [sorted(gen, key=_id_order) for gen in nx.topological_generations(self.graph)]


def build_fix_lattice(net: Network, group: SymmetryGroup | None = None, *, prove: bool = True,
                      limit: int = MAX_LATTICE_ELEMENTS) -> FixLattice:
    """Every ``Fix(H)`` with per-class proofs; refuses more than ``limit`` elements."""
    group = derive_group(net) if group is None else group
    try:
        closure = close_up_to_symmetry(group, limit=limit)
    except TooLargeError as exc:
        raise TooLargeError(f"{net.describe()}: {exc}; use --up-to-symmetry or a smaller net") from None
    if prove:
        proofs = [_prove(net, c.rep.subspace()) for c in closure.classes]
    else:
        proofs = [Verdict(UNDECIDED, "proofs skipped (--no-proofs)")] * len(closure.classes)
    return FixLattice(net, group, closure, proofs)
