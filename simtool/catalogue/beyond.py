r"""Beyond symmetry (math.md §2 trap, §7): rank drop, and SIMs no symmetry induces.

* :data:`RANK_DROP_IMPLIES_INVARIANCE` is the trap of math.md §2, stated as a claim and
  expected **refuted**: on ``{a_1 = 0}`` the ``w_1, b_1`` gradients vanish (the
  gradient span drops rank, checked exactly) yet ``∂f/∂a_1 = σ(w_1x + b_1)`` leaves.
* :data:`EVERY_SIM_IS_SYMMETRY_INDUCED` searches a finite family of candidate
  subspaces directly, decides each by the exact tangency test, and asks whether every
  invariant one is a ``Fix(H)`` of the verified symmetry group.  The family is the
  closure under intersection of the per-unit relations ``{a_k = 0}``,
  ``{w_k = b_k = 0}`` and the pairwise ``a_l = ±a_k, (w_l, b_l) = ±(w_k, b_k)``; the
  verdict is about that family and the widths checked, and says so.  Refutations are
  expected where ``σ(0) = 0`` and σ is not odd: a zero unit is then invariant (its own
  gradient vanishes) but no signed permutation fixes exactly it.  math.md: report such
  a SIM as a finding about that σ, not as a refutation of the paper (whose genericity
  hypotheses could not be read).
"""

from __future__ import annotations

from simtool.symbolic import Parity, Subspace, get_activation, prove_invariant
from simtool.symbolic.subspace import linear_form_text
from simtool.theorem import Selection, Theorem
from simtool.verdict import INCONCLUSIVE, PROVED, REFUTED, Status, Verdict

from .sources import MATH, ZHAO, lattice_of, two_layer_net

__all__ = ["RANK_DROP_IMPLIES_INVARIANCE", "EVERY_SIM_IS_SYMMETRY_INDUCED", "candidate_family"]


def _rank_cases(sel: Selection):
    return [{"activation": a, "width": m} for a in sel.activations_in(("tanh", "sin", "sigmoid", "cos", "softplus"))
            for m in sel.widths_in(range(1, 4), limit=6)]


def _rank_drop(case) -> Verdict:
    net = two_layer_net(case)
    a1 = net.a_index(1)
    on_s = {net.symbols[a1]: 0}
    f = net.function()
    dead = [net.names[i] for i in net.inner_indices(1) if f.diff(net.symbols[i]).xreplace(on_s) != 0]
    if dead:
        return Verdict(INCONCLUSIVE, f"premise fails: ∂f/∂{dead[0]} does not vanish on {{a1 = 0}}")
    v = prove_invariant(net, Subspace.from_equations(net.dim, [{a1: 1}]))
    inner = ", ".join(net.names[i] for i in net.inner_indices(1))
    return Verdict(v.status, f"on {{a1 = 0}} the gradients in {inner} vanish identically (rank drops by "
                   f"{len(net.inner_indices(1))}); tangency: {v.evidence}", v.counterexample)


RANK_DROP_IMPLIES_INVARIANCE = Theorem(
    "rank-drop-implies-invariance",
    "(A trap, expected refuted.) A subspace on which the span of the gradient fields drops rank is "
    "invariant; instance: {a_1 = 0}, where ∂f/∂w_1 and ∂f/∂b_1 vanish.",
    _rank_drop,
    (f"{MATH} §2 (trap: rank drop is not invariance)", f"{ZHAO}, §2 (definition of SIMs by tangency)"),
    r"\operatorname{rank}\{\nabla_\theta f(\theta,x)\}_x \text{ drops on } \{a_1=0\}\ \not\Rightarrow\ "
    r"\{a_1 = 0\}\ \text{invariant}",
    _rank_cases,
    expected=REFUTED,
)


def candidate_family(net) -> set[Subspace]:
    """Closure under intersection of the per-unit and pairwise relations (module docstring)."""
    atoms: set[Subspace] = set()
    m = net.width
    for k in range(1, m + 1):
        atoms.add(Subspace.from_equations(net.dim, [{net.a_index(k): 1}]))
        atoms.add(Subspace.from_equations(net.dim, [{i: 1} for i in net.inner_indices(k)]))
        for j in range(k + 1, m + 1):
            for s in (1, -1):
                for t in (1, -1):
                    rows = [{net.a_index(j): 1, net.a_index(k): -s}]
                    rows += [{i: 1, i0: -t} for i, i0 in zip(net.inner_indices(j), net.inner_indices(k))]
                    atoms.add(Subspace.from_equations(net.dim, rows))
    family = set(atoms) | {Subspace.whole(net.dim)}
    frontier = set(atoms)
    while frontier:
        new = {s & a for s in frontier for a in atoms} - family
        family |= new
        frontier = new
    return family


def _expected(case) -> Status:
    act = get_activation(case["activation"])
    return REFUTED if act.sigma0 == 0 and act.parity is not Parity.ODD else PROVED


def _induced_cases(sel: Selection):
    acts = ("tanh", "sin", "cos", "gauss", "sigmoid", "softplus", "z + z**2", "square")
    return [{"activation": a, "width": m} for a in sel.activations_in(acts)
            for m in sel.widths_in(range(1, 3), limit=3)]


def _induced(case) -> Verdict:
    net = two_layer_net(case)
    lattice = {e.subspace for e in lattice_of(case).elements}
    family = candidate_family(net)
    invariant, open_ = [], []
    for s in sorted(family, key=lambda s: (s.codim, s.key)):
        v = prove_invariant(net, s)
        if v.status == PROVED:
            invariant.append(s)
        elif v.status != REFUTED:
            open_.append((s, v))
    extra = [s for s in invariant if s not in lattice]
    scope = f"{len(family)} candidate subspaces (unit and pairwise relations)"
    if extra:
        s = extra[0]
        text = "; ".join(linear_form_text(net.names, row) + " = 0" for row in s.equations)
        return Verdict(REFUTED, f"{len(extra)} of {len(invariant)} invariant candidates are no Fix(H) of the verified "
                       f"group ({scope}); first: {{{text}}} (dim {s.dim}), σ(0) = {net.activation.sigma0}, "
                       f"parity {net.activation.parity.value}", {"equations": text, "dim": s.dim})
    if open_:
        return Verdict(INCONCLUSIVE, f"{len(open_)} of {len(family)} candidates undecided: {open_[0][1].evidence}")
    return Verdict(PROVED, f"all {len(invariant)} invariant subspaces among {scope} are Fix(H) of the verified "
                   f"symmetry group ({len(family) - len(invariant)} refuted exactly)")


EVERY_SIM_IS_SYMMETRY_INDUCED = Theorem(
    "every-two-layer-sim-is-symmetry-induced",
    "Every linear SIM of a two-layer net (within the candidate family of unit and pairwise relations) is "
    "Fix(H) for a subgroup H of the verified symmetry group, checked per activation; expected refuted "
    "when σ(0) = 0 and σ is not odd (zero units).",
    _induced,
    (f"{ZHAO}, §5 (two-layer SIMs are symmetry-induced, for generic σ)", f"{MATH} §7 (beyond symmetry)"),
    r"S \text{ SIM},\ S \in \mathcal{F}_m \Rightarrow \exists H \le G:\ S = \mathrm{Fix}(H)",
    _induced_cases,
    expected=_expected,
)
