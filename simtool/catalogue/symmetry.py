r"""Symmetry ⇒ SIM, and why orthogonality matters (math.md §3).

* :data:`FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM`: for every subgroup ``H`` of the verified
  signed-permutation symmetries, ``Fix(H)`` is a SIM (``gᵀ∇f(gθ) = ∇f(θ)`` and
  ``g`` orthogonal give ``∇f(gθ) = g∇f(θ)``, so the field is tangent on ``Fix(g)``).
* :data:`NON_ORTHOGONAL_SYMMETRY_GIVES_SIM` states the tempting generalisation to
  non-orthogonal symmetries; it is expected **refuted**: for sigmoid with an output
  bias, ``(a,w,b,c) → (−a,−w,−b,c+a)`` is a verified symmetry whose fixed set
  ``{unit zero}`` is not invariant.
"""

from __future__ import annotations

from simtool.symbolic import Subspace, TwoLayerNet, derive_symmetries, get_activation, prove_invariant
from simtool.theorem import Selection, Theorem
from simtool.verdict import PROVED, REFUTED, Verdict

from .sources import MATH, ZHAO, lattice_of

__all__ = ["FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM", "NON_ORTHOGONAL_SYMMETRY_GIVES_SIM"]

ACTIVATIONS = ("tanh", "sin", "cos", "gauss", "sigmoid", "softplus", "z + z**3/3")


def _fix_cases(sel: Selection):
    return [{"activation": a, "width": m, "input_dim": d, "output_bias": ob}
            for a in sel.activations_in(ACTIVATIONS) for m in sel.widths_in(range(1, 5), limit=6)
            for d in (1, 2) for ob in (False, True)]


def _fix_is_sim(case) -> Verdict:
    lat = lattice_of(case)
    for el in lat.elements:  # each element is fixed by its inducing generators, exactly
        for g in el.generators:
            if not g.fixed_subspace().contains(el.subspace):
                return Verdict(REFUTED, f"{el.id} ({el.description}) is not fixed by {g}",
                               {"element": el.id, "generator": str(g)})
    for cls in lat.classes:
        if cls.invariance.status != PROVED:
            return Verdict(cls.invariance.status, f"class {cls.id} ({cls.description}): {cls.invariance.evidence}",
                           cls.invariance.counterexample)
    return Verdict(PROVED, f"{len(lat.elements)} subspaces Fix(H), each fixed by its inducing generators; "
                   f"{len(lat.classes)} class representatives proved tangent (exact tangency, math.md §2), "
                   "the rest by transport along the symmetry")


FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM = Theorem(
    "fix-of-orthogonal-symmetry-is-sim",
    "For every subgroup H of the verified signed-permutation symmetries of a two-layer net, "
    "Fix(H) is invariant under gradient flow for every loss and data set.",
    _fix_is_sim,
    (f"{ZHAO}, §3 (symmetry-induced SIMs: Fix of an orthogonal symmetry group is a SIM)", f"{MATH} §3"),
    r"\forall H \le G_{\mathrm{orth}}:\ \nabla_\theta f(\theta,x) \in \mathrm{Fix}(H)\ "
    r"\text{for all } \theta \in \mathrm{Fix}(H),\ x \in \mathbb{R}^d",
    _fix_cases,
)


def _flip_cases(sel: Selection):
    return [{"activation": "sigmoid", "width": m, "output_bias": True} for m in sel.widths_in(range(1, 4), limit=6)]


def _non_orthogonal(case) -> Verdict:
    net = TwoLayerNet(case["width"], get_activation(case["activation"]), output_bias=True)
    cont = [c for c in derive_symmetries(net).continuous if c.name == "flip with output-bias shift"]
    if not cont or not cont[0].verified:
        return Verdict(REFUTED, "the sigmoid flip with output-bias shift was not verified as a symmetry")
    fix = Subspace.from_equations(net.dim, [{i: 1} for i in net.unit_indices(1)])  # its Fix: unit 1 zero
    v = prove_invariant(net, fix)
    return Verdict(v.status, "Fix of the verified, non-orthogonal symmetry (a1,w1,b1,c) → (−a1,−w1,−b1,c+a1) "
                   "is {unit 1 zero}: " + v.evidence, v.counterexample)


NON_ORTHOGONAL_SYMMETRY_GIVES_SIM = Theorem(
    "non-orthogonal-symmetry-gives-sim",
    "(A false generalisation, expected refuted.) The fixed set of every verified linear symmetry, "
    "orthogonal or not, is a SIM. Counterexample family: sigmoid with an output bias and "
    "(a,w,b,c) → (−a,−w,−b,c+a).",
    _non_orthogonal,
    (f"{ZHAO}, §3 (the orthogonality hypothesis)", f"{MATH} §3 (non-orthogonal symmetries)"),
    r"g^\top \nabla f(g\theta) = \nabla f(\theta),\ g \notin O(D)\ \not\Rightarrow\ "
    r"\mathrm{Fix}(g)\ \text{invariant}",
    _flip_cases,
    expected=REFUTED,
)
