r"""The complete group of signed-permutation symmetries of a network (math.md §3, §7).

"Symmetry-induced" is always relative to a group.  :func:`complete_group` returns
*every* signed permutation ``g`` of parameter space with ``f(gθ, x) ≡ f(θ, x)``,
not just the swap/cycle/flip templates of :mod:`simtool.symbolic.symmetry`.

**Two-layer nets** (``f = Σ_k u(θ_k, x) + c``).  Completeness argument: for a
symmetry ``g``, ``∂_i∂_j f ≡ 0`` iff ``∂_{π(i)}∂_{π(j)} f ≡ 0`` (differentiate
``f∘g = f`` twice; ``g`` is a signed permutation), so ``π`` is an automorphism of the
graph "``∂_i∂_j f ≢ 0``".  Its connected components are the units (``a_k`` is joined
to every ``w_{k,i}`` and ``b_k`` through ``σ' ≢ 0``, different units never interact)
and ``{c}``; hence ``g`` maps units onto units and ``c`` to ``±c``.  Since ``f`` is the
sum of the components' terms, each vanishing at ``θ_k = 0``, ``f∘g = f`` holds iff
every unit map is a symmetry ``β`` of the single-unit term ``u`` and ``c ↦ c``.  So
``G = Aut(u) ≀ S_m``, ``|G| = |Aut(u)|^m · m!``, where ``Aut(u)`` is found by the
complete :func:`~simtool.symbolic.signed_search.backtrack_symmetries` over the
``2^s · s!`` signed permutations of one unit's ``s`` coordinates and proved exactly.

**Any other network** (deep nets): the same complete backtracking search over the
whole parameter space, every survivor proved exactly.

Continuous *orthogonal* symmetries (identity σ: ``O(m)``) are reported in
:attr:`CompleteGroup.continuous` (:mod:`simtool.symbolic.orthogonal_algebra`):
then every subspace fixed by a subgroup of that continuous group is a SIM, and the
finite lattice of ``G`` is only a sublattice of a continuum.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> complete_group(TwoLayerNet(2, get_activation("identity"), bias=False)).order   # a_k ↔ w_k too
32
>>> complete_group(TwoLayerNet(2, get_activation("tanh"))).order
8
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ArchitectureError
from .group import SymmetryGroup, _from_points
from .network import TwoLayerNet
from .orthogonal_algebra import OrthogonalAlgebra, orthogonal_algebra
from .signed_search import backtrack_symmetries, stabilizer_chain_generators, verify_exactly
from .symmetry import SignedPermutation, unit_permutation, verify_symmetry
from .zero import is_identically_zero

__all__ = ["CompleteGroup", "complete_group", "from_point_permutation", "cycle_notation"]


def from_point_permutation(p, dim: int) -> SignedPermutation:
    """Inverse of :meth:`SignedPermutation.as_point_permutation` (a sympy ``Permutation``)."""
    return _from_points(list(p.array_form) + list(range(len(p.array_form), 2 * dim)), dim)


def cycle_notation(names, g: SignedPermutation) -> str:
    """Cycle notation on parameter names, e.g. ``(a1 w1)(b1 ↦ −b1)``; ``id`` for the identity.

    >>> cycle_notation(["a1", "w1", "b1"], SignedPermutation((1, 0, 2), (1, 1, -1)))
    '(a1 w1) (b1 ↦ −b1)'
    """
    seen, parts = set(), []
    for start in range(g.dim):
        if start in seen:
            continue
        cyc, i = [], start
        while i not in seen:
            seen.add(i)
            cyc.append(i)
            i = g.perm[i]
        if len(cyc) == 1:
            if g.signs[start] == -1:
                parts.append(f"({names[start]} ↦ −{names[start]})")
            continue
        if all(g.signs[i] == 1 for i in cyc):
            parts.append("(" + " ".join(names[i] for i in cyc) + ")")
        else:
            parts.append("(" + " ↦ ".join([names[cyc[0]]] + [
                _signed(names, g, cyc, k) for k in range(1, len(cyc) + 1)]) + ")")
    return " ".join(parts) or "id"


def _signed(names, g: SignedPermutation, cyc, k: int) -> str:
    sign = 1
    for i in cyc[:k]:
        sign *= g.signs[i]
    return ("−" if sign == -1 else "") + names[cyc[k % len(cyc)]]


@dataclass(frozen=True)
class CompleteGroup(SymmetryGroup):
    """:class:`~simtool.symbolic.group.SymmetryGroup` with the completeness argument and the
    continuous orthogonal symmetries (``None``: not searched)."""

    method: str = ""
    continuous: OrthogonalAlgebra | None = None

    @property
    def continuum_note(self) -> str | None:
        """The sentence every output prints when continuous orthogonal symmetries exist."""
        if self.continuous is None or self.continuous.dim == 0:
            return None
        return (f"continuous orthogonal symmetries ({self.continuous.describe()}): every subspace fixed by "
                "one of their subgroups is a SIM, so the SIMs form a continuum; the finite lattice of "
                f"{self.relative_to} is only a sublattice of it")


def _generating_subset(elements: list[SignedPermutation]) -> list[SignedPermutation]:
    from sympy.combinatorics import PermutationGroup

    gens: list[SignedPermutation] = []
    target = len(elements)
    for g in sorted(elements, key=lambda e: (sum(p != i for i, p in enumerate(e.perm)), e.signs.count(-1))):
        if g.is_identity:
            continue
        if gens and PermutationGroup([h.as_point_permutation() for h in gens]).order() == target:
            break
        if not gens or not PermutationGroup([h.as_point_permutation() for h in gens]).contains(
                g.as_point_permutation()):
            gens.append(g)
    return gens


def _embed(net: TwoLayerNet, beta: SignedPermutation, k: int) -> SignedPermutation:
    perm, signs = list(range(net.dim)), [1] * net.dim
    idx = list(net.unit_indices(k))
    for i, (p, s) in enumerate(zip(beta.perm, beta.signs)):
        perm[idx[i]] = idx[p]
        signs[idx[i]] = s
    return SignedPermutation(tuple(perm), tuple(signs))


def unit_automorphisms(unit: TwoLayerNet) -> list[SignedPermutation]:
    """``Aut(u)`` of a width-1 net by the complete search, each element proved exactly (live)."""
    if is_identically_zero(unit.activation.derivative):
        raise ArchitectureError(f"σ = {unit.activation.name} is constant; the network has no parameters to train")
    one = TwoLayerNet(1, unit.activation, unit.input_dim, unit.bias, output_bias=False)
    return [b for b in backtrack_symmetries(one) if verify_exactly(one, b)]


def _two_layer(net: TwoLayerNet, *, with_continuous: bool, live: bool = False) -> CompleteGroup:
    from .unit_facts import unit_facts

    if is_identically_zero(net.activation.derivative):
        raise ArchitectureError(f"σ = {net.activation.name} is constant; the network has no parameters to train")
    unit = TwoLayerNet(1, net.activation, net.input_dim, net.bias, output_bias=False)
    # Aut(u): shipped for the registry (simtool.symbolic.unit_facts), else searched and proved now
    aut = unit_automorphisms(unit) if live else unit_facts(net).automorphisms()
    rejected: list = []
    gens, evidence = [], []
    for b in _generating_subset(aut):
        g = _embed(net, b, 1)
        label = f"unit symmetry {cycle_notation(net.names, g)}"
        ok, why = verify_symmetry(net, g)
        (gens if ok else rejected).append(SignedPermutation(g.perm, g.signs, label) if ok else (label, why))
        if ok:
            evidence.append(why)
    m = net.width
    for images, label in (({1: 2, 2: 1}, "swap units 1,2"),
                          ({k: k % m + 1 for k in range(1, m + 1)}, f"cycle units 1..{m}")):
        if (label.startswith("swap") and m >= 2) or (label.startswith("cycle") and m >= 3):
            g = unit_permutation(net, images, label)
            ok, why = verify_symmetry(net, g)
            if ok:
                gens.append(g)
                evidence.append(why)
            else:  # pragma: no cover - unit permutations always hold
                rejected.append((label, why))
    name = _two_layer_name(m, len(aut))
    method = (f"complete: symmetries map units to units (components of the Hessian-support graph), so "
              f"G = Aut(u) ≀ S_{m}; Aut(u) of order {len(aut)} from a complete search over the "
              f"{2 ** unit.dim * math.factorial(unit.dim)} signed permutations of one unit, each proved exactly")
    cont = orthogonal_algebra(net) if with_continuous else None
    return CompleteGroup(net, tuple(gens), tuple(evidence), tuple(rejected), name, method, cont)


def _two_layer_name(m: int, aut: int) -> str:
    base = f"S_{m}" if aut == 1 else f"Aut(u) ≀ S_{m} with |Aut(u)| = {aut}"
    return f"the complete signed-permutation group ({base})"


def _generic(net, *, with_continuous: bool) -> CompleteGroup:
    rejected: list[tuple[str, str]] = []

    def accept(g: SignedPermutation) -> bool:
        if verify_exactly(net, g):
            return True
        rejected.append((cycle_notation(net.names, g), "passed the float screen; not proved exactly"))
        return False

    found, levels = stabilizer_chain_generators(net, accept)
    gens = [SignedPermutation(g.perm, g.signs, cycle_notation(net.names, g)) for g in found]
    evidence = tuple("f(gθ, x) − f(θ, x) simplifies to 0 on f" for _ in gens)
    method = ("complete: stabiliser-chain backtracking over all signed permutations with a sound float "
              f"screen on partial supports ({levels} levels); every coset representative proved exactly")
    cont = orthogonal_algebra(net) if with_continuous else None
    group = CompleteGroup(net, tuple(gens), evidence, tuple(rejected), "", method, cont)
    name = f"the complete signed-permutation group (order {group.order})"
    return CompleteGroup(net, tuple(gens), evidence, tuple(rejected), name, method, cont)


def complete_group(net, *, continuous: bool = True, live: bool = False) -> CompleteGroup:
    """Every signed-permutation symmetry of ``net``, as a verified :class:`CompleteGroup`.

    ``continuous=False`` skips the search for continuous orthogonal symmetries;
    ``live=True`` recomputes ``Aut(u)`` instead of reading the shipped unit cache.
    """
    if isinstance(net, TwoLayerNet):
        return _two_layer(net, with_continuous=continuous, live=live)
    return _generic(net, with_continuous=continuous)
