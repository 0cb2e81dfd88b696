r"""Deep fully-connected nets (math.md §4–§5): the lattice against brute force, and
reduction with its metric and conserved fiber.

* :data:`DEEP_LATTICE_MATCHES_BRUTE_FORCE`: the Fix(H) lattice built from the group
  (:func:`~simtool.symbolic.fixlattice.build_fix_lattice`, including subgroups that act
  on several layers at once) equals, subspace by subspace, the brute-force closure of
  ``{Fix(g) : g ∈ G}`` over every group element
  (:func:`~simtool.symbolic.oracle.closure_of_group`), and every class representative
  is proved invariant.
* :data:`DEEP_REDUCTION_WITH_FIBER`: for every class representative, the narrow net
  computes the same function and the chain rule ``Π_S ∇f = Π_S Pᵀ ∇f̃(Pθ)`` holds on S
  (:meth:`~simtool.symbolic.reduction_general.Reduction.verify`, so ``θ̃ = Pθ`` follows
  ``θ̃' = −M∇R̃`` with ``M = PΠ_SPᵀ``), and every fiber direction ``v ∈ ker P ∩ S`` is
  conserved: ``v·∇_θ f(θ, x) ≡ 0`` on S, proved with sympy.
"""

from __future__ import annotations

import sympy

from simtool.symbolic import get_activation, is_identically_zero
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.fixlattice import build_fix_lattice
from simtool.symbolic.group import derive_group
from simtool.symbolic.oracle import closure_of_group
from simtool.theorem import Selection, Theorem
from simtool.verdict import PROVED, REFUTED, Verdict

from .sources import MATH, ZHAO

__all__ = ["DEEP_LATTICE_MATCHES_BRUTE_FORCE", "DEEP_REDUCTION_WITH_FIBER"]

ARCHS = ((1, 1), (2, 1), (1, 2), (2, 2), (3, 1))


def _net(case) -> DeepNet:
    return DeepNet(tuple(case["widths"]), get_activation(case["activation"]))


def _arch_cases(sel: Selection, activations, archs=ARCHS):
    # --widths caps the largest hidden layer
    cap = max(sel.widths) if sel.widths else None
    return [{"activation": a, "widths": list(w)} for a in sel.activations_in(activations) for w in archs
            if cap is None or max(w) <= cap]


def _brute(case) -> Verdict:
    net = _net(case)
    group = derive_group(net)
    lat = build_fix_lattice(net, group)
    fast = {e.subspace for e in lat.elements}
    brute = closure_of_group(group)
    if fast != brute:
        return Verdict(REFUTED, f"widths {case['widths']}: {len(fast - brute)} subspaces only in the lattice, "
                       f"{len(brute - fast)} only in the closure", {"lattice": len(fast), "closure": len(brute)})
    open_ = [c for c in lat.classes if c.invariance.status != PROVED]
    if open_:
        c = open_[0]
        return Verdict(c.invariance.status, f"class {c.id} ({c.description}): {c.invariance.evidence}",
                       c.invariance.counterexample)
    return Verdict(PROVED, f"widths {case['widths']}, |G| = {group.order}: lattice = closure of {{Fix(g)}} "
                   f"= {len(brute)} subspaces; {len(lat.classes)} class representatives proved invariant")


DEEP_LATTICE_MATCHES_BRUTE_FORCE = Theorem(
    "deep-lattice-matches-brute-force",
    "For a deep fully-connected net, the lattice of all Fix(H), H ≤ G (G the product of the "
    "layers' verified groups), equals the closure under intersection of {Fix(g) : g ∈ G}, and "
    "each of its elements is a SIM.",
    _brute,
    (f"{ZHAO}, §3–4 (symmetry-induced SIMs of deep nets)", f"{MATH} §3, §4 (deep lattices are not "
     "products of per-layer lattices)"),
    r"\{\mathrm{Fix}(H) : H \le G\} = \overline{\{\mathrm{Fix}(g) : g \in G\}}^{\cap}",
    lambda sel: _arch_cases(sel, ("tanh", "sigmoid", "cos")),
)


def _fiber_conserved(red) -> tuple[int, str]:
    """Number of fiber directions proved conserved on S, or (-1, text of the first failure)."""
    S, net = red.subspace, red.wide
    th = net.symbols
    zero = sympy.Integer(0)
    on_s = dict(zip(th, [sum((sympy.Rational(c.numerator, c.denominator) * th[j] for j, c in form.items()), zero)
                         for form in S.parametrization]))
    f = net.function(th, net.x_symbols)
    for k, v in enumerate(red.fiber):
        rate = sum((sympy.Rational(c.numerator, c.denominator) * sympy.diff(f, th[i]) for i, c in enumerate(v) if c),
                   zero)
        if not is_identically_zero(rate.xreplace(on_s)):
            return -1, red.fiber_text()[k]
    return len(red.fiber), ""


def _reduction(case) -> Verdict:
    lat = build_fix_lattice(_net(case))
    checked, fibers, example = 0, 0, ""
    for c in lat.classes:
        e = c.representative
        red = e.reduction
        if not red.verify():
            return Verdict(REFUTED, f"{e.id} ({e.description}): the reduction identity was not proved",
                           {"element": e.id})
        n, bad = _fiber_conserved(red)
        if n < 0:
            return Verdict(REFUTED, f"{e.id} ({e.description}): fiber quantity {bad} is not conserved",
                           {"element": e.id, "fiber": bad})
        checked += 1
        fibers += n
        if n and (not example or "−" in " ".join(red.fiber_text()) and "−" not in example):
            # prefer a fiber that mixes weights (math.md §5) over a dropped neuron's weight
            example = f"; e.g. {e.description}: conserved {', '.join(red.fiber_text())}"
    return Verdict(PROVED, f"widths {case['widths']}: {checked} class representatives reduce exactly "
                   f"(same function, chain rule on S, M = PΠ_SPᵀ); {fibers} fiber direction(s) proved "
                   f"conserved{example}")


DEEP_REDUCTION_WITH_FIBER = Theorem(
    "deep-reduction-with-fiber",
    "On every symmetry-induced SIM S of a deep net, θ̃ = Pθ follows the narrow net's flow "
    "preconditioned by M = PΠ_SPᵀ, and the fiber coordinates ker P ∩ S are conserved.",
    _reduction,
    (f"{ZHAO}, §4 (reduction to narrower networks)", f"{MATH} §5 (general form, fiber)"),
    r"\tilde\theta' = -P\Pi_S P^\top \nabla \tilde R(\tilde\theta),\quad v \cdot \nabla_\theta f \equiv 0 "
    r"\text{ on } S\ \ \forall v \in \ker P \cap S",
    lambda sel: _arch_cases(sel, ("tanh", "sigmoid"), ((2, 1), (1, 2), (2, 2))),
)
