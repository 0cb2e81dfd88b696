r"""The documented search family of candidate invariant subspaces of a two-layer net.

The family ``𝓕`` is the closure under intersection of these **atoms** (``θ_k`` is unit
``k``'s parameter vector ``(a_k, w_k, b_k)``, ``s`` its length):

* zeroing one parameter of a unit: ``θ_{k,r} = 0``;
* a unit-level relation with mixed signs: ``θ_l = E θ_k`` for ``k < l`` and any
  diagonal sign matrix ``E ∈ {±1}^s`` (``θ_l = θ_k``, ``θ_l = −θ_k`` and everything in between);
* a relation with the output bias: ``a_k = ±c``.

Every member is therefore described by a *structure* (:func:`family_members` enumerates
them directly): a set partition of the units into blocks, per block one set ``Z`` of
zeroed roles shared by its units and a sign vector ``E_l`` on the other roles for every
non-leading unit, and per block an optional tie ``a_leader = ±c``.  Intersections of
such structures are structures again; :func:`closure_of_atoms` computes the closure by
brute force, the oracle the tests compare with.

Linear relations among inactive units' outgoing weights (``w_k = b_k = 0``) beyond
``±`` form continuous families; they are characterised exactly in
:mod:`simtool.symbolic.invariant_search`, not enumerated here.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> len(family_members(TwoLayerNet(1, get_activation("tanh"))))      # 2^3 zero sets
8
>>> len(family_members(TwoLayerNet(2, get_activation("tanh")))) == len(closure_of_atoms(
...     TwoLayerNet(2, get_activation("tanh"))))
True
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ..errors import TooLargeError
from .network import TwoLayerNet
from .subspace import Subspace

__all__ = ["family_members", "closure_of_atoms", "family_atoms", "family_size_estimate", "MAX_FAMILY"]

#: families with more members than this are refused (the screen is linear in the size)
MAX_FAMILY = 300_000


def _set_partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _set_partitions(rest):
        yield [[first]] + part
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]


def _block_options(net: TwoLayerNet, block: list[int]) -> Iterator[list[dict[int, int]]]:
    """Equation rows of one block: every zero set, every sign vector of the other units, every c tie."""
    s = net.unit_size
    lead = list(net.unit_indices(block[0]))
    ties = (None, 1, -1) if net.output_bias else (None,)
    for zmask in range(2 ** s):
        zero = [r for r in range(s) if zmask >> r & 1]
        free = [r for r in range(s) if not zmask >> r & 1]
        for signs in itertools.product(*[list(itertools.product((1, -1), repeat=len(free)))] * (len(block) - 1)):
            for tie in ties:
                rows: list[dict[int, int]] = []
                for u in block:
                    idx = list(net.unit_indices(u))
                    rows += [{idx[r]: 1} for r in zero]
                for u, sg in zip(block[1:], signs):
                    idx = list(net.unit_indices(u))
                    rows += [{idx[r]: 1, lead[r]: -e} for r, e in zip(free, sg)]
                if tie is not None:
                    rows.append({net.a_index(block[0]): 1, net.c_index: -tie})  # type: ignore[dict-item]
                yield rows


def family_size_estimate(net: TwoLayerNet) -> int:
    """Number of structures (an upper bound on the number of distinct members)."""
    s, ties = net.unit_size, (3 if net.output_bias else 1)
    total = 0
    for part in _set_partitions(list(range(1, net.width + 1))):
        prod = 1
        for b in part:
            prod *= ties * sum(_binom(s, j) * 2 ** ((s - j) * (len(b) - 1)) for j in range(s + 1))
        total += prod
        if total > 10 * MAX_FAMILY:
            break
    return total


def _binom(n: int, k: int) -> int:
    import math

    return math.comb(n, k)


def family_members(net: TwoLayerNet, *, limit: int = MAX_FAMILY) -> list[Subspace]:
    """Every member of the family, deduplicated by the exact RREF key, in a fixed order."""
    est = family_size_estimate(net)
    if est > limit:
        raise TooLargeError(f"the search family of {net.describe()} has about {est:,} structures "
                            f"(limit {limit:,}); use a smaller width")
    seen: dict[Subspace, None] = {}
    for part in _set_partitions(list(range(1, net.width + 1))):
        for choice in itertools.product(*[list(_block_options(net, b)) for b in part]):
            S = Subspace.from_equations(net.dim, [r for rows in choice for r in rows])
            seen.setdefault(S)
    return sorted(seen, key=lambda S: (-S.dim, S.key))


def family_atoms(net: TwoLayerNet) -> list[Subspace]:
    """The atoms whose intersection closure is the family (see the module docstring)."""
    atoms = [Subspace.from_equations(net.dim, [{i: 1}]) for k in range(1, net.width + 1)
             for i in net.unit_indices(k)]
    for k, l in itertools.combinations(range(1, net.width + 1), 2):
        for signs in itertools.product((1, -1), repeat=net.unit_size):
            atoms.append(Subspace.from_equations(net.dim, [
                {i: 1, j: -e} for i, j, e in zip(net.unit_indices(l), net.unit_indices(k), signs)]))
    if net.output_bias:
        for k in range(1, net.width + 1):
            for e in (1, -1):
                atoms.append(Subspace.from_equations(net.dim, [{net.a_index(k): 1, net.c_index: -e}]))
    return atoms


def closure_of_atoms(net: TwoLayerNet) -> set[Subspace]:
    """Oracle: the whole space and every intersection of atoms (brute-force closure)."""
    atoms = family_atoms(net)
    closed = {Subspace.whole(net.dim), *atoms}
    frontier = set(atoms)
    while frontier:
        new = {a & b for a in frontier for b in atoms} - closed
        closed |= new
        frontier = new
    return closed
