r"""Lift graph automorphisms and parity flips to signed permutations of θ.

*Permutations.*  An automorphism ``γ`` of the coloured digraph relabels the
computation: the weight on edge ``e`` moves to edge ``γ(e)``, the bias of vertex ``v``
to ``γ(v)``.  :func:`lift_permutation` builds the map of θ coordinates from every
occurrence of every entry; if two occurrences of one tied entry are sent to different
entries (or the map is not a bijection) the candidate is *rejected* with the reason.

*Sign flips.*  A choice ``t_v ∈ GF(2)`` per vertex (negate its value) is a symmetry
when every θ coordinate gets one consistent sign: a weight on ``u → v`` is negated iff
``t_u ⊕ t_v = 1``, a bias iff ``t_v = 1``; inputs and outputs keep ``t = 0``; additions
and scalings need ``t_v = t_u`` for each source; ``σ`` vertices follow the *proved*
parity of σ (:attr:`Activation.parity`): odd ``t_v = t_u``, even ``t_v = 0`` with
``t_u`` free, otherwise ``t_v = t_u = 0``; tied entries need equal signs at all
occurrences.  The solutions form a GF(2) vector space; :func:`sign_flips` returns a
basis of its image in sign vectors of θ.  For an MLP with odd σ that is one flip per
hidden unit: ``(w_in, b, w_out) → −(w_in, b, w_out)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..symbolic.activation import Parity
from ..symbolic.symmetry import SignedPermutation
from .graph import NeuronGraph
from .numeric_forward import use_index

__all__ = ["lift_permutation", "sign_flips", "flip_element"]


def lift_permutation(g: NeuronGraph, hubs: list[int], gamma: Sequence[int],
                     label: str = "") -> tuple[SignedPermutation | None, str]:
    """``(signed permutation, "")`` or ``(None, reason)`` for a digraph automorphism ``gamma``."""
    perm = np.full(g.dim, -1, dtype=np.int64)

    def assign(src: np.ndarray, dst: np.ndarray, what: str) -> str:
        old = perm[src]
        clash = (old >= 0) & (old != dst)
        if clash.any():
            a = int(src[clash][0])
            return (f"tied entry {_name(g, a)} would go to both {_name(g, int(old[clash][0]))} and "
                    f"{_name(g, int(dst[clash][0]))} ({what})")
        perm[src] = dst
        return ""

    pos_in: dict[int, dict[int, int]] = {}
    for k, u in enumerate(g.uses):
        idx = use_index(g, k)
        by_target: dict[int, tuple[list[int], list[int]]] = {}
        for i, dst in enumerate(u.outputs):
            k2, i2 = g.use_of.get(gamma[dst], (None, None))
            if k2 is None:  # pragma: no cover - colours keep affine vertices affine
                return None, f"{g.vertices[dst].label} is not sent to a linear unit"
            rows = by_target.setdefault(k2, ([], []))
            rows[0].append(i)
            rows[1].append(i2)
        for k2, (rows, rows2) in by_target.items():
            where = pos_in.setdefault(k2, {v: j for j, v in enumerate(g.uses[k2].inputs)})
            cols2 = [where.get(gamma[v]) for v in u.inputs]
            if None in cols2:
                return None, f"an input of {u.module} is not sent to an input of {g.uses[k2].module}"
            why = assign(idx[rows].ravel(), use_index(g, k2)[np.ix_(rows2, cols2)].ravel(), f"through {u.module}")
            if why:
                return None, why
    for v, vert in enumerate(g.vertices):
        if vert.bias is not None:
            b2 = g.vertices[gamma[v]].bias
            if b2 is None:  # pragma: no cover - colours keep biased vertices biased
                return None, f"the bias of {vert.label} is not sent to a bias"
            why = assign(np.array([vert.bias]), np.array([b2]), f"bias of {vert.label}")
            if why:
                return None, why
    hit = np.zeros(g.dim, dtype=bool)
    hit[perm[perm >= 0]] = True
    if (perm < 0).any() or not hit.all():
        return None, "the induced map of parameters is not a bijection"
    return SignedPermutation(tuple(perm.tolist()), (1,) * g.dim, label), ""


def _name(g: NeuronGraph, i: int) -> str:
    t, idx = g.coordinate_label(i)
    return f"{t}[{','.join(str(k + 1) for k in idx)}]"


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _gf2_nullspace(n: int, rows: set[int]) -> list[int]:
    """Basis (bitmasks over ``n`` variables) of ``{t : row·t = 0 mod 2 for all rows}``."""
    pivots: dict[int, int] = {}
    for r in rows:
        for p, pr in pivots.items():
            if r >> p & 1:
                r ^= pr
        if r:
            p = r.bit_length() - 1
            for q in list(pivots):
                if pivots[q] >> p & 1:
                    pivots[q] ^= r
            pivots[p] = r
    basis = []
    for f in range(n):
        if f in pivots:
            continue
        vec = 1 << f
        for p, pr in pivots.items():
            if pr >> f & 1:
                vec |= 1 << p
        basis.append(vec)
    return basis


def sign_flips(g: NeuronGraph) -> tuple[list[tuple[int, ...]], int]:
    """A basis of the parity sign-flip symmetries (flipped vertex sets) and ``k``: the flips
    form ``(Z_2)^k``; :func:`flip_element` gives each as a signed permutation of θ."""
    n = len(g.vertices)
    uf = _UnionFind(n + 1)
    zero = n  # the class of variables forced to 0
    for v, vert in enumerate(g.vertices):
        if vert.kind == "input":
            uf.union(v, zero)
        elif vert.kind == "output":
            uf.union(vert.sources[0], zero)
            uf.union(v, zero)
        elif vert.kind in ("add", "scale"):
            for s in vert.sources:
                uf.union(v, s)
        elif vert.kind == "act":
            parity = g.activations[vert.activation].parity
            if parity is Parity.ODD:
                uf.union(v, vert.sources[0])
            elif parity is Parity.EVEN:
                uf.union(v, zero)
            else:
                uf.union(v, zero)
                uf.union(vert.sources[0], zero)
    roots = sorted({uf.find(v) for v in range(n)} - {uf.find(zero)})
    col = {r: i for i, r in enumerate(roots)}

    def bit(v: int) -> int:
        r = uf.find(v)
        return 0 if r == uf.find(zero) else 1 << col[r]

    rows: set[int] = set()
    for occ in g.tied_occurrences.values():
        first = bit(occ[0][0]) ^ bit(occ[0][1])
        for src, dst in occ[1:]:
            r = first ^ bit(src) ^ bit(dst)
            if r:
                rows.add(r)
    bias_owner: dict[int, int] = {}
    for v, vert in enumerate(g.vertices):
        if vert.bias is not None:
            if vert.bias in bias_owner and bit(bias_owner[vert.bias]) ^ bit(v):
                rows.add(bit(bias_owner[vert.bias]) ^ bit(v))
            bias_owner.setdefault(vert.bias, v)
    members: dict[int, list[int]] = {}
    for v in range(n):
        r = uf.find(v)
        if r != uf.find(zero):
            members.setdefault(col[r], []).append(v)
    # t ↦ signs of θ is injective on solutions: the topologically first flipped vertex is
    # affine (σ, +, scale copy their source's t) and its incoming weights change sign
    flips = [tuple(sorted(v for c in _bits(vec) for v in members[c])) for vec in _gf2_nullspace(len(roots), rows)]
    return flips, len(flips)


def _bits(vec: int) -> list[int]:
    out = []
    while vec:
        low = vec & -vec
        out.append(low.bit_length() - 1)
        vec ^= low
    return out


def flip_element(g: NeuronGraph, flipped: Sequence[int], label: str = "") -> SignedPermutation:
    """The signed permutation of θ that negates the values of the vertices ``flipped``."""
    fset = set(flipped)
    signs = np.ones(g.dim, dtype=np.int64)
    for k, u in enumerate(g.uses):
        out_in = np.array([v in fset for v in u.outputs])
        in_in = np.array([v in fset for v in u.inputs])
        if out_in.any() or in_in.any():
            cross = out_in[:, None] != in_in[None, :]
            signs[use_index(g, k)[cross]] = -1
    for v in flipped:
        b = g.vertices[v].bias
        if b is not None:
            signs[b] = -1
    return SignedPermutation(tuple(range(g.dim)), tuple(signs.tolist()), label)
