r"""Invariant manifolds of a traced model: the ``Fix(H)`` lattice up to symmetry, reduced.

The group of :func:`~simtool.inspect.group.derive_traced_group` is handed to the
core's lattice code unchanged (:class:`~simtool.symbolic.group.SymmetryGroup`,
:func:`~simtool.symbolic.fixlattice.build_fix_lattice`,
:func:`~simtool.symbolic.fix_closure.close_up_to_symmetry`).  Every element is
``Fix(H)`` for a subgroup ``H`` of *verified* orthogonal symmetries, hence invariant
under gradient flow for every loss and data set (math.md §3) — for multi-output
models for every output component, since each generator was verified on every
component.  Small models also get the exact tangency test per class (per output).

*Plain MLPs* (a chain of linear maps, one output) are mapped onto the core's
:class:`~simtool.symbolic.deep.DeepNet` through their roles (:func:`as_deepnet`), so
the lattice, the reductions (:func:`~simtool.symbolic.reduction_general.reduce_subspace`)
and the comparison with ``simtool enumerate --widths`` run in the DeepNet layout.
Other graphs get a unit-level description of each manifold (merged and zero units).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TooLargeError
from ..symbolic.architecture import role_index
from ..symbolic.deep import DeepNet
from ..symbolic.fix_closure import close_up_to_symmetry
from ..symbolic.fixlattice import build_fix_lattice
from ..symbolic.group import SymmetryGroup
from ..symbolic.subspace import Subspace
from ..symbolic.symmetry import SignedPermutation
from ..verdict import PROVED, REFUTED, Verdict
from .group import TracedGroup
from .tangency import traced_tangency
from .traced_net import TracedNet

__all__ = ["InspectedClass", "InspectedLattice", "as_deepnet", "transport", "traced_lattice",
           "MAX_GROUP_FOR_LATTICE"]

#: groups that are not template groups of a DeepNet are listed element by element
MAX_GROUP_FOR_LATTICE = 50_000

#: the whole lattice (every element, not only one per orbit) is listed up to this size
FULL_LATTICE = 200
#: plain MLPs up to this D get the core's exact tangency proof per class
TANGENCY_DIM = 60
#: other traced graphs up to this D get :func:`traced_tangency` per class
TRACED_TANGENCY_DIM = 30
#: plain MLPs: the core expands one atom per conjugacy class; refused above this many
MAX_CONJUGACY_CLASSES = 20_000

SYMMETRY_PROOF = "Fix(H) of verified orthogonal symmetries: ∇f is H-equivariant, so tangent (math.md §3)"


def as_deepnet(net: TracedNet) -> tuple[DeepNet, tuple[int, ...]] | None:
    """The DeepNet with the same function and ``φ`` (traced index → DeepNet index), or ``None``."""
    if not net.is_chain or net.n_outputs != 1 or any(a is None for a in net.activations):
        return None
    g = net.graph
    hidden_bias = {g.vertices[u.outputs[0]].bias is not None for u in g.uses[:-1]}
    if len(hidden_bias) != 1 or g.tied_tensors:
        return None
    out_bias = g.vertices[g.uses[-1].outputs[0]].bias is not None
    deep = DeepNet(net.layer_widths[1:-1], net.activations, net.input_dim, hidden_bias.pop(), out_bias)
    where = role_index(deep)
    try:
        phi = tuple(where[r] for r in net.roles)
    except KeyError:  # pragma: no cover - chains have DeepNet roles
        return None
    return (deep, phi) if sorted(phi) == list(range(deep.dim)) else None


def _conjugacy_classes(deep: DeepNet, group: TracedGroup) -> int:
    """``Π_l`` (classes of ``S_n`` or of the hyperoctahedral group ``B_n``) for the layers."""
    from ..symbolic.counting import partition_numbers

    out = 1
    signed = group.flip_rank > 0
    for n in deep.widths:
        p = partition_numbers(n)
        out *= sum(p[k] * p[n - k] for k in range(n + 1)) if signed else p[n]
    return out


def transport(g: SignedPermutation, phi: tuple[int, ...]) -> SignedPermutation:
    """``φ g φ⁻¹``: the same symmetry in the coordinates ``φ`` maps to."""
    perm = [0] * len(phi)
    signs = [1] * len(phi)
    for i, (p, s) in enumerate(zip(g.perm, g.signs)):
        perm[phi[i]] = phi[p]
        signs[phi[i]] = s
    return SignedPermutation(tuple(perm), tuple(signs), g.label)


def transport_subspace(S: Subspace, phi: tuple[int, ...], inverse: bool = False) -> Subspace:
    """``S`` written in the other layout (``inverse``: DeepNet → traced)."""
    m = phi if not inverse else tuple(sorted(range(len(phi)), key=lambda i: phi[i]))
    return Subspace.from_equations(S.ambient, [{m[c]: v for c, v in row} for row in S.equations])


@dataclass(frozen=True)
class InspectedClass:
    """One orbit of invariant manifolds: a representative in the traced layout."""

    subspace: Subspace
    dim: int
    orbit_size: int
    description: str
    reduced: str  #: the reduced architecture
    invariance: Verdict
    isotropy: tuple[str, ...]  #: labels of generators of H with Fix(H) = the representative


@dataclass(frozen=True)
class InspectedLattice:
    classes: tuple[InspectedClass, ...]
    count: int  #: elements of the whole lattice
    layout: str  #: "DeepNet" (plain MLP, core reductions) or "traced"
    deep: DeepNet | None
    #: the full lattice when it has at most :data:`FULL_LATTICE` elements: (class index, subspace)
    elements: tuple[tuple[int, Subspace], ...] = ()


def _unit_forms(net: TracedNet, S: Subspace) -> dict[int, tuple]:
    """Affine vertex -> its incoming coordinates (row, bias) as linear forms on S."""
    g = net.graph
    forms = S.parametrization
    out = {}
    for v, vert in enumerate(g.vertices):
        if vert.kind != "affine":
            continue
        k, i = g.use_of[v]
        u = g.uses[k]
        coords = [g.entry(u, i, j) for j in range(len(u.inputs))] + ([vert.bias] if vert.bias is not None else [])
        out[v] = tuple(tuple(sorted(forms[c].items())) for c in coords)
    return out


def _neg(form: tuple) -> tuple:
    return tuple(tuple((j, -c) for j, c in f) for f in form)


def describe_units(net: TracedNet, S: Subspace) -> tuple[str, str]:
    """(what S imposes on units, reduced architecture) for any traced graph."""
    g = net.graph
    forms = _unit_forms(net, S)
    groups: dict[tuple, list[int]] = {}
    zero, parts = [], []
    for v, f in forms.items():
        if all(not c for c in f):
            zero.append(v)
            continue
        key = (frozenset(g.uses[g.use_of[v][0]].inputs), min(f, _neg(f)))
        groups.setdefault(key, []).append(v)
    for members in groups.values():
        if len(members) > 1:
            anti = any(forms[v] != forms[members[0]] for v in members[1:])
            text = ", ".join(f"{g.vertices[v].module}[{g.vertices[v].unit}]" for v in members)
            parts.append(f"units {text} {'condensed (some with opposite sign)' if anti else 'condensed'}")
    if zero:
        parts.append("units " + ", ".join(f"{g.vertices[v].module}[{g.vertices[v].unit}]" for v in zero)
                     + " with zero incoming weights")
    pforms = S.parametrization
    zeros = []
    for t in g.tensors:
        k = sum(1 for i in range(t.offset, t.offset + t.size) if not pforms[i])
        if k:
            zeros.append(f"{t.name} {k}/{t.size}")
    if zeros:
        parts.append("zero coordinates: " + ", ".join(zeros))
    per_input: dict[frozenset, int] = {}
    for key in groups:
        per_input[key[0]] = per_input.get(key[0], 0) + 1
    widths, seen = [], set()
    for u in g.uses:
        key = frozenset(u.inputs)
        if key not in seen:
            seen.add(key)
            widths.append(str(per_input.get(key, 0)))
    reduced = "live units per linear layer: " + ", ".join(widths)
    return ("; ".join(parts) if parts else "whole space (no constraint)"), reduced


def _isotropy_labels(gens) -> tuple[str, ...]:
    return tuple(g.label or "element" for g in gens)


def _combine(tangency: Verdict | None) -> Verdict:
    """The tangency verdict when it proves or refutes; otherwise the symmetry argument."""
    if tangency is not None and tangency.status in (PROVED, REFUTED):
        return tangency
    extra = f"; tangency test: {tangency.status}" if tangency is not None else ""
    return Verdict(PROVED, SYMMETRY_PROOF + extra)


def traced_lattice(group: TracedGroup, *, limit: int = MAX_GROUP_FOR_LATTICE, prove: bool = True) -> InspectedLattice:
    """The lattice of ``Fix(H)`` up to symmetry, with reductions and proof status.

    Each class representative is proved invariant by the exact tangency test when the
    model is small (:data:`TANGENCY_DIM`): the core's general tangency for plain MLPs,
    :func:`~simtool.inspect.tangency.traced_tangency` per output otherwise; elsewhere by the symmetry argument.
    """
    net = group.net
    mapped = as_deepnet(net)
    if mapped is not None:
        deep, phi = mapped
        classes_bound = _conjugacy_classes(deep, group)
        if classes_bound > MAX_CONJUGACY_CLASSES:
            raise TooLargeError(f"the group has {classes_bound:,} conjugacy classes (atoms of the lattice); "
                                f"listing the lattice is refused above {MAX_CONJUGACY_CLASSES:,}")
        G = SymmetryGroup(deep, tuple(transport(g, phi) for g in group.generators), group.evidence,
                          group.rejected, "the traced model's group (automorphisms and parity flips)")
        tangent = prove and deep.dim <= TANGENCY_DIM
        lat = build_fix_lattice(deep, G, prove=tangent)
        classes = []
        for cls in lat.classes:
            e = cls.representative
            widths = "-".join(map(str, (deep.input_dim, *e.reduced_widths, 1)))
            classes.append(InspectedClass(transport_subspace(e.subspace, phi, inverse=True), e.dim, cls.orbit_size,
                                          e.description, f"reduces to widths {widths}",
                                          _combine(cls.invariance if tangent else None),
                                          _isotropy_labels(e.generators)))
        index = {c.id: k for k, c in enumerate(lat.classes)}
        full = tuple((index[e.class_id], transport_subspace(e.subspace, phi, inverse=True))
                     for e in lat.elements) if lat.count <= FULL_LATTICE else ()
        return InspectedLattice(tuple(classes), lat.count, "DeepNet", deep, full)
    order = group.order
    if order is None or order > limit:
        size = "unknown" if order is None else (f"{order:,}" if order < 10**12 else f"≈ 10^{len(str(order)) - 1}")
        raise TooLargeError(f"the group has order {size}; listing the lattice of a model that is not a "
                            f"single-output plain MLP needs |G| ≤ {limit:,}")
    G = SymmetryGroup(net, group.generators, group.evidence, group.rejected, "the traced model's group")
    closure = close_up_to_symmetry(G)
    tangent = prove and net.dim <= TRACED_TANGENCY_DIM
    classes = []
    for cls in closure.classes:
        S = cls.rep.subspace()
        text, reduced = describe_units(net, S)
        verdict = _combine(traced_tangency(net, S) if tangent and S.dim < net.dim else None)
        classes.append(InspectedClass(S, S.dim, len(cls.members), text, reduced, verdict,
                                      _isotropy_labels(cls.isotropy)))
    full = tuple(sorted(((k, m.subspace()) for k, cls in enumerate(closure.classes) for m in cls.members),
                        key=lambda e: (-e[1].dim, e[0]))) if closure.count <= FULL_LATTICE else ()
    return InspectedLattice(tuple(classes), closure.count, "traced", None, full)
