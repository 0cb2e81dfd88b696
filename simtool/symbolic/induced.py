r"""Is an invariant subspace symmetry-induced, relative to a given group ``G``?

``S`` is induced by ``G`` iff ``S = Fix(H)`` for some ``H ≤ G``.  The largest
candidate is the pointwise stabiliser ``H_S = {g ∈ G : gθ = θ for all θ ∈ S}``:
always ``S ⊆ Fix(H_S)``, and ``S = Fix(H)`` forces ``H ≤ H_S`` hence
``Fix(H_S) ⊆ Fix(H) = S``.  So **S is induced iff Fix(H_S) = S**, decided exactly
(``H_S`` by sympy's ``subgroup_search`` on the ``2D`` points ``±e_i``; ``Fix`` by exact
RREF).  An affine ``S`` not through 0 is never a fixed space of a linear group.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.complete_group import complete_group
>>> from simtool.symbolic.network import TwoLayerNet
>>> from simtool.symbolic.relations import parse_relations
>>> net = TwoLayerNet(2, get_activation("identity"), bias=False)
>>> G = complete_group(net)
>>> symmetry_induced(G, parse_relations(net, "a1 = w1")).induced      # by a1 ↔ w1
True
>>> symmetry_induced(G, parse_relations(net, "a1 = 0, w1 = 0")).induced  # Fix of flip of unit 1
True
>>> net = TwoLayerNet(2, get_activation("silu"))
>>> symmetry_induced(complete_group(net, continuous=False), parse_relations(net, "a1=0, w1=0, b1=0")).induced
False
"""

from __future__ import annotations

from dataclasses import dataclass

from .affine import AffineSubspace
from .complete_group import cycle_notation, from_point_permutation
from .group import SymmetryGroup
from .subspace import Subspace
from .symmetry import SignedPermutation

__all__ = ["Induced", "symmetry_induced", "pointwise_stabilizer", "in_words"]


@dataclass(frozen=True)
class Induced:
    """Outcome: induced or not, the stabiliser ``H_S`` (order, generators), ``Fix(H_S)``, words."""

    induced: bool
    relative_to: str
    subgroup_order: int
    generators: tuple[SignedPermutation, ...]
    fix: Subspace | None
    text: str

    def as_dict(self, names) -> dict:
        return {"symmetry_induced": self.induced, "relative_to": self.relative_to,
                "subgroup_order": self.subgroup_order,
                "subgroup_generators": [cycle_notation(names, g) for g in self.generators],
                "fix_dim": None if self.fix is None else self.fix.dim, "text": self.text}


def pointwise_stabilizer(group: SymmetryGroup, S: Subspace):
    """``H_S`` as a sympy ``PermutationGroup`` (exact, by backtracking subgroup search)."""
    basis = S.basis()
    D = group.net.dim

    def fixes(p) -> bool:
        g = from_point_permutation(p, D)
        return all(g.apply(v) == v for v in basis)

    # every e_i ∈ V (a free coordinate no pivot depends on) must be fixed as a point: search
    # inside that point stabiliser (Schreier–Sims) instead of the whole group
    used = {j for row in S.equations for j, _ in row}
    lonely = [2 * i for i in S.free if i not in used]
    G = group.perm_group
    K = G.pointwise_stabilizer(lonely) if lonely else G
    return K.subgroup_search(fixes) if K.order() > 1 else K


def in_words(net, g: SignedPermutation) -> str:
    """Neuron words (main's ``describe_element``) when ``g`` keeps every coordinate's layer and
    kind, with the exact cycle notation; the cycle notation alone when it mixes roles."""
    from .group import describe_element

    cycles = cycle_notation(net.names, g)
    roles = net.roles
    if all(roles[g.perm[i]].layer == r.layer and roles[g.perm[i]].kind == r.kind for i, r in enumerate(roles)):
        return f"{describe_element(net, g)} [{cycles}]"
    return f"{cycles} (mixes parameter roles)"


def _small_generating_set(H, D: int, S: Subspace) -> list[SignedPermutation]:
    """Few elements of ``H`` whose fixed spaces already intersect to ``Fix(H)``."""
    gens = [from_point_permutation(p, D) for p in H.generators]
    target = Subspace.whole(D)
    for g in gens:
        target = target & g.fixed_subspace()
    chosen, cur = [], Subspace.whole(D)
    for g in sorted(gens, key=lambda e: e.fixed_subspace().dim):
        nxt = cur & g.fixed_subspace()
        if nxt != cur:
            chosen.append(g)
            cur = nxt
        if cur == target:
            break
    return chosen


def symmetry_induced(group: SymmetryGroup, S: AffineSubspace) -> Induced:
    """Decide exactly whether ``S`` is ``Fix(H)`` for a subgroup ``H`` of ``group``."""
    if not S.is_linear:
        return Induced(False, group.relative_to, 1, (), None,
                       f"not symmetry-induced relative to {group.relative_to}: S does not contain 0, "
                       "and every fixed space of a linear group does")
    V = S.linear
    H = pointwise_stabilizer(group, V)
    gens = _small_generating_set(H, group.net.dim, V)
    fix = Subspace.whole(group.net.dim)
    for g in gens:
        fix = fix & g.fixed_subspace()
    order = int(H.order())
    words = "; ".join(in_words(group.net, g) for g in gens) or "the trivial group"
    if fix == V:
        text = (f"symmetry-induced relative to {group.relative_to}: S = Fix(H) for H of order {order} "
                f"generated by {words}")
        return Induced(True, group.relative_to, order, tuple(gens), fix, text)
    text = (f"not symmetry-induced relative to {group.relative_to}: the elements fixing S pointwise "
            f"(order {order}{'' if order == 1 else ', generated by ' + words}) fix a space of dimension "
            f"{fix.dim} > dim S = {V.dim}")
    return Induced(False, group.relative_to, order, tuple(gens), fix, text)
