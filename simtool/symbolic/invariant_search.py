r"""Find every invariant subspace of the search family (math.md §7), screen then decide.

1. **Screen** (float, cheap): for every member ``S`` of
   :func:`~simtool.symbolic.invariant_family.family_members`, the normal component of
   ``∇_θ f`` at random points of ``S`` and random inputs, batched with numpy.  A member
   whose relative normal component exceeds :data:`SCREEN_TOL` gets the numeric verdict
   ``violated`` (evidence: a float value, not an exact refutation unless ``refute=True``).
2. **Decide** (exact): every member that passes is decided by
   :func:`~simtool.symbolic.affine_tangency.decide_tangency`.
3. **Symmetry**: an invariant member is symmetry-induced relative to the complete group
   ``G`` iff it is one of the ``Fix(H)`` (all of them, from the group's closure).
4. **Continuous families**: if ``w_k = b_k = 0`` for the units ``k ∈ I`` (inactive) on an
   invariant ``R`` that leaves ``J = {a_k : k ∈ I}`` (and ``c``) free, the gradient along
   ``J`` is the constant vector ``v = (σ(0), …, σ(0)[, 1])`` on ``R``; hence
   ``R ∩ {θ_J ∈ L}`` is invariant **iff** ``v ∈ L``, for every subspace ``L`` of
   ``R^J``: "any subspace of (a_I, c) containing v", reported as a family (both
   facts are proved exactly for the reported ``R``).

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> res = search_invariant(TwoLayerNet(2, get_activation("silu")))
>>> len(res.invariant), len(res.fix_lattice), len(res.not_induced)
(5, 2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..verdict import PROVED, REFUTED, VIOLATED, Verdict
from .affine import AffineSubspace
from .affine_tangency import decide_tangency
from .complete_group import complete_group
from .group import SymmetryGroup
from .invariant_family import family_members
from .network import TwoLayerNet
from .subspace import Subspace
from .zero import is_identically_zero

__all__ = ["SCREEN_TOL", "SearchResult", "Family", "search_invariant", "fix_lattice_of", "screen"]

#: relative normal component below which a member passes the float screen
SCREEN_TOL = 1e-8
_N_POINTS = 3


@dataclass(frozen=True)
class Family:
    """A continuous family: ``base ∩ {θ_J ∈ L}`` invariant iff ``L ∋ vector``."""

    base: Subspace
    coordinates: tuple[str, ...]
    vector: tuple[sympy.Expr, ...]
    continuum: bool
    evidence: str
    #: an explicit member ``base ∩ {n·θ_J = 0}`` with ``n ⊥ v``, proved invariant, and
    #: whether it is symmetry-induced (``None``: no instance built)
    instance: Subspace | None = None
    instance_induced: bool | None = None

    def short(self) -> str:
        """E.g. ``any L ⊆ (a1, a2, a3) with (1, 1, 1) ∈ L``."""
        return f"any L ⊆ ({', '.join(self.coordinates)}) with ({', '.join(str(v) for v in self.vector)}) ∈ L"

    def describe(self, base_text: str) -> str:
        vec = ", ".join(str(v) for v in self.vector)
        return (f"on {base_text}: any subspace of ({', '.join(self.coordinates)}) containing ({vec}) is "
                f"invariant, and no other{' (a continuum)' if self.continuum else ''}")


@dataclass(frozen=True)
class SearchResult:
    """Members of the family, their verdicts, and what is symmetry-induced."""

    net: TwoLayerNet
    group: SymmetryGroup
    members: tuple[Subspace, ...]
    verdicts: dict[Subspace, Verdict]
    fix_lattice: frozenset[Subspace]
    families: tuple[Family, ...] = field(default=())

    @property
    def invariant(self) -> tuple[Subspace, ...]:
        return tuple(S for S in self.members if self.verdicts[S].status == PROVED)

    @property
    def not_induced(self) -> tuple[Subspace, ...]:
        return tuple(S for S in self.invariant if S not in self.fix_lattice)

    @property
    def all_induced(self) -> bool:
        """Every invariant member, and every member of every continuous family, is induced."""
        return not self.not_induced and not any(f.instance_induced is False for f in self.families)

    @property
    def undecided(self) -> tuple[Subspace, ...]:
        return tuple(S for S in self.members if self.verdicts[S].status not in (PROVED, REFUTED, VIOLATED))

    def describe(self, S: Subspace) -> str:
        return AffineSubspace.of(S).describe(self.net.names)


def fix_lattice_of(group: SymmetryGroup) -> frozenset[Subspace]:
    """``{Fix(H) : H ≤ G}`` for the given group, by :func:`~simtool.symbolic.fix_closure.close_up_to_symmetry`
    (its brute-force oracle :func:`~simtool.symbolic.oracle.closure_of_group` agrees, tested)."""
    from .fix_closure import close_up_to_symmetry

    return frozenset(sp.subspace() for sp in close_up_to_symmetry(group).class_of)


def screen(net, members, *, seed: int = 0) -> list[float]:
    """Largest relative normal component of ``∇f`` per member at random points (float)."""
    import numpy as np

    xs = list(net.x_symbols)
    from .signed_search import value_and_gradient_function

    fg = value_and_gradient_function(net, ["scipy", "numpy"])
    rng = np.random.default_rng(seed)
    D = net.dim
    bases = [np.array([[float(v) for v in b] for b in S.basis()], dtype=float).reshape(-1, D) for S in members]
    thetas = np.concatenate([rng.standard_normal((_N_POINTS, B.shape[0])) @ B if B.shape[0] else
                             np.zeros((_N_POINTS, D)) for B in bases]) if members else np.zeros((0, D))
    x = rng.standard_normal((len(thetas), len(xs)))
    with np.errstate(all="ignore"):
        g = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (len(thetas),))
                      for c in fg(*thetas.T, *x.T)[1:]], axis=1)
    out = []
    for n, S in enumerate(members):
        E = np.array(S.basis_of_orthogonal(), dtype=float).reshape(-1, D)
        gs = g[n * _N_POINTS:(n + 1) * _N_POINTS]
        r = np.linalg.norm(gs @ E.T, axis=1) / (1.0 + np.linalg.norm(gs, axis=1))
        out.append(float(np.max(r)) if np.all(np.isfinite(r)) else float("inf"))
    return out


def _families(net: TwoLayerNet, invariant: list[Subspace]) -> list[Family]:
    """Exactly verified continuous families of inactive units (module docstring, step 4)."""
    sigma0 = net.activation.sigma0
    out, seen = [], set()
    for R in invariant:
        inactive = [k for k in range(1, net.width + 1)
                    if all(R.parametrization[i] == {} for i in net.inner_indices(k))]
        J = [net.a_index(k) for k in inactive] + ([net.c_index] if net.output_bias else [])
        free_j = all(R.parametrization[j] == {j: 1} for j in J)
        others_free = all(R.parametrization[i] == {i: 1} for k in range(1, net.width + 1) if k not in inactive
                          for i in net.unit_indices(k))
        if not inactive or not free_j or not others_free or tuple(inactive) in seen:
            continue
        seen.add(tuple(inactive))
        sub = AffineSubspace.of(R).substitution(net.symbols)
        f = net.function()
        vec = [sigma0] * len(inactive) + ([sympy.Integer(1)] if net.output_bias else [])
        if not all(is_identically_zero(sympy.diff(f, net.symbols[j]).xreplace(sub) - v) for j, v in zip(J, vec)):
            continue  # pragma: no cover - the gradient along J is σ(0) / 1 by construction
        nonzero = any(v != 0 for v in vec)
        continuum = len(J) >= (3 if nonzero else 2)
        if len(J) < 2:
            continue
        inst, induced = _instance(net, R, J, vec) if continuum else (None, None)
        out.append(Family(R, tuple(net.names[j] for j in J), tuple(vec), continuum,
                          "proved: the base is invariant (exact tangency) and ∇f along these coordinates equals "
                          "the vector on it (sympy); normal components of L's equations are n·v",
                          inst, induced))
    return out


def _instance(net: TwoLayerNet, R: Subspace, J: list[int], vec) -> tuple[Subspace | None, bool | None]:
    """One member ``R ∩ {n·θ_J = 0}`` with ``n ⊥ v`` and unequal weights (so not a ± relation),
    proved invariant; returns it and whether it is ``Fix(H)`` for a subgroup of ``G``."""
    from fractions import Fraction

    from .complete_group import complete_group
    from .induced import symmetry_induced

    if all(v == 0 for v in vec):
        n = {J[0]: Fraction(1), J[1]: Fraction(-2)}
    else:
        order = sorted(range(len(J)), key=lambda i: vec[i] == 0)  # a coordinate with v ≠ 0 last
        i1, i2, i3 = order[1], order[2], order[0]
        if vec[i3] == 0 or not all(sympy.Rational(v).is_rational for v in vec):
            return None, None
        v1, v2, v3 = (Fraction(str(sympy.Rational(vec[i]))) for i in (i1, i2, i3))
        n = {J[i1]: Fraction(1), J[i2]: Fraction(2), J[i3]: -(v1 + 2 * v2) / v3}
    inst = R & Subspace.from_equations(net.dim, [n])
    if decide_tangency(net, AffineSubspace.of(inst)).status != PROVED:  # pragma: no cover - proved above
        return None, None
    return inst, symmetry_induced(complete_group(net, continuous=False), AffineSubspace.of(inst)).induced


def search_invariant(net: TwoLayerNet, *, group: SymmetryGroup | None = None, refute: bool = False,
                     seed: int = 0) -> SearchResult:
    """Screen every family member, decide the survivors exactly, compare with ``Fix(H)``.

    ``refute=True`` also decides the screened-out members exactly (slow; for tests).
    """
    group = complete_group(net, continuous=False) if group is None else group
    members = family_members(net)
    values = screen(net, members, seed=seed)
    verdicts: dict[Subspace, Verdict] = {}
    for S, v in zip(members, values):
        if v <= SCREEN_TOL or refute:
            verdicts[S] = decide_tangency(net, AffineSubspace.of(S))
        else:
            verdicts[S] = Verdict(VIOLATED, f"float screen: relative normal component {v:.2e} > {SCREEN_TOL:g} "
                                  "at a random point (evidence, not an exact refutation)")
    lattice = fix_lattice_of(group)
    invariant = [S for S in members if verdicts[S].status == PROVED]
    return SearchResult(net, group, tuple(members), verdicts, lattice, tuple(_families(net, invariant)))


def beyond_symmetry_hint(net: TwoLayerNet, shown_order: int | None = None, *, live: bool = False) -> list[str]:
    """Lines for plain ``enumerate`` when more is *known* than its lattice shows.

    * the complete group is larger than the group of the shown lattice (``shown_order``);
    * continuous orthogonal symmetries exist (decided exactly for polynomial f only);
    * width-1 members of the family are already invariant and not induced: this is sound
      for every width ``m``, since such a member embedded on unit 1 (other units free)
      stays invariant and its pointwise stabiliser acts on unit 1 alone.
    """
    import math

    from .unit_facts import hint_lines, unit_facts

    if live:
        order = complete_group(net, continuous=False, live=True).order
    else:  # Aut(u) from the unit cache (simtool.symbolic.unit_facts): |G| = |Aut(u)|^m m!
        order = unit_facts(net).aut_order ** net.width * math.factorial(net.width)
    return hint_lines(net, order, shown_order, width_one_hints(net, live=live))


def width_one_hints(net: TwoLayerNet, *, live: bool = False) -> tuple[str, ...]:
    """The "beyond symmetry" line from the width-1 search (width-independent; cached for the registry)."""
    if not live:
        from .unit_facts import unit_facts

        return unit_facts(net).hints
    one = TwoLayerNet(1, net.activation, net.input_dim, net.bias, net.output_bias)
    res = search_invariant(one, group=complete_group(one, continuous=False, live=True))
    if not res.not_induced:
        return ()
    ex = "; ".join(f"{{{res.describe(S)}}}" for S in res.not_induced[:2])
    return (f"beyond symmetry: the search family holds invariant subspaces that are not symmetry-induced "
            f"relative to the complete signed-permutation group (already at width 1: {ex}); "
            "run with --all-invariant",)
