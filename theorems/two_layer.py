"""Two-layer theorems (math.md §2–§5, §7), each decided by exact computation."""

from __future__ import annotations

import sympy

from simtool.symbolic import (
    Subspace,
    TwoLayerNet,
    closure_lattice,
    count_elements,
    derive_symmetries,
    enumerate_lattice,
    get_activation,
    is_identically_zero,
    prove_invariant,
)
from simtool.theorem import Theorem
from simtool.verdict import PROVED, REFUTED, Verdict

ZHAO = "Zhao, Luo, Zhang, arXiv 2510.09564"


def _fix_is_sim() -> Verdict:
    checked = 0
    for act in ("tanh", "sin", "cos", "gauss", "sigmoid", "softplus", "z + z**3/3"):
        for m, d, ob in ((1, 1, False), (2, 2, True), (3, 1, True)):
            lat = enumerate_lattice(TwoLayerNet(m, get_activation(act), input_dim=d, output_bias=ob))
            for cls in lat.classes:
                if cls.invariance.status != PROVED:
                    return Verdict(REFUTED, f"{act}, width {m}: {cls.description}: {cls.invariance.evidence}")
                checked += 1
    return Verdict(PROVED, f"{checked} class representatives (7 activations, widths 1–3) proved tangent")


FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM = Theorem(
    "fix-of-orthogonal-symmetry-is-sim",
    "For every subgroup H of the verified signed-permutation symmetries, Fix(H) is invariant "
    "under gradient flow for every loss and data set.",
    (f"{ZHAO}, Thm. (symmetry induces SIMs)", "math.md §3"),
    _fix_is_sim,
)


def _lattice_counts() -> Verdict:
    for act, kind in (("sigmoid", "perm"), ("tanh", "odd"), ("cos", "even")):
        for m in (1, 2, 3):
            net = TwoLayerNet(m, get_activation(act))
            brute = closure_lattice(derive_symmetries(net))
            fast = enumerate_lattice(net)
            if len(brute) != count_elements(kind, m) or {e.subspace for e in fast.elements} != brute:
                return Verdict(REFUTED, f"{act} width {m}: closure {len(brute)} vs formula {count_elements(kind, m)}")
    return Verdict(PROVED, "closure of {Fix(g)} over all of G equals the formula counts "
                   "(Bell A000110, Dowling A007405, even-σ computed) for m ≤ 3")


LATTICE_COUNTS = Theorem(
    "lattice-counts",
    "The two-layer SIM lattice has B(m) elements without sign symmetry (A000110), Dowling "
    "numbers for odd σ (A007405), and Σ_π Π_B (1 + 2^{|B|−1}) for even σ.",
    ("math.md §4", "OEIS A000110, A007405"),
    _lattice_counts,
)


def _rank_drop() -> Verdict:
    net = TwoLayerNet(2, get_activation("tanh"))
    s = Subspace.from_equations(net.dim, [{net.a_index(1): 1}])
    v = prove_invariant(net, s)
    return Verdict(v.status, "{a1 = 0} (where ∂f/∂w1 vanishes): " + v.evidence, v.counterexample)


RANK_DROP_IS_NOT_INVARIANCE = Theorem(
    "rank-drop-is-not-invariance",
    "{a_k = 0} is not a SIM although the gradient span drops rank there.",
    ("math.md §2 (trap)",),
    _rank_drop,
    expected=REFUTED,
)


def _metric() -> Verdict:
    net = TwoLayerNet(2, get_activation("tanh"))
    lat = enumerate_lattice(net)
    cond = next(e for e in lat.elements if e.description == "units 1,2 condensed")
    red = cond.reduction
    if not red.verify():
        return Verdict(REFUTED, "the metric identity ∇f(Lθ̃) = L M ∇f̃(θ̃) failed")
    # the Euclidean identity ∇f(Lθ̃) = L ∇f̃(θ̃) fails: the naive narrow flow is wrong
    th = red.narrow.symbols
    x = net.x_symbols
    lifted = [sum(sympy.Rational(c.numerator, c.denominator) * t for c, t in zip(row, th)) for row in red.lift]
    f = net.function(net.symbols, x)
    g = [sympy.diff(red.narrow.function(th, x), t) for t in th]
    bad = [i for i, s in enumerate(net.symbols)
           if not is_identically_zero(sympy.diff(f, s).xreplace(dict(zip(net.symbols, lifted)))
                                      - sum(sympy.Rational(c.numerator, c.denominator) * gi
                                            for c, gi in zip(red.lift[i], g)))]
    if not bad:
        return Verdict(REFUTED, "the Euclidean narrow flow matched too: metric not needed?")
    return Verdict(PROVED, f"metric {red.metric_by_name()} makes the flows agree exactly; without it "
                   f"{len(bad)} of {net.dim} components differ")


REDUCED_FLOW_NEEDS_METRIC = Theorem(
    "reduced-flow-needs-metric",
    "On the condensed SIM of units 1,2 the wide flow equals the narrow flow preconditioned by "
    "diag(|B|, 1/|B|, 1/|B|), and not the Euclidean narrow flow.",
    ("math.md §5",),
    _metric,
)


def _non_orthogonal() -> Verdict:
    net = TwoLayerNet(2, get_activation("sigmoid"), output_bias=True)
    cont = [c for c in derive_symmetries(net).continuous if c.name == "flip with output-bias shift"]
    if not cont or not cont[0].verified:
        return Verdict(REFUTED, "the sigmoid flip with output-bias shift was not verified as a symmetry")
    fix = Subspace.from_equations(net.dim, [{i: 1} for i in net.unit_indices(1)])  # its Fix: unit 1 zero
    v = prove_invariant(net, fix)
    return Verdict(v.status, "Fix of the (verified, non-orthogonal) sigmoid flip+shift = {unit 1 zero}: "
                   + v.evidence, v.counterexample)


NON_ORTHOGONAL_FLIP_NO_SIM = Theorem(
    "non-orthogonal-symmetry-gives-no-sim-for-free",
    "For sigmoid with an output bias, (a,w,b,c) → (−a,−w,−b,c+a) is a symmetry but not "
    "orthogonal, and its fixed set {unit zero} is not invariant.",
    ("math.md §3",),
    _non_orthogonal,
    expected=REFUTED,
)


def _zero_unit() -> Verdict:
    net = TwoLayerNet(2, get_activation("z + z**2"))
    if derive_symmetries(net).flip_parity is not None:
        return Verdict(REFUTED, "z + z² unexpectedly has a sign symmetry")
    zero = Subspace.from_equations(net.dim, [{i: 1} for i in net.unit_indices(1)])
    v = prove_invariant(net, zero)
    return Verdict(v.status, "σ = z + z² (σ(0) = 0, no parity): {unit 1 zero}: " + v.evidence)


ZERO_UNIT_WITHOUT_SYMMETRY = Theorem(
    "zero-unit-sim-without-symmetry",
    "If σ(0) = 0, a zero unit is invariant whether or not σ is odd: a SIM no symmetry induces.",
    ("math.md §7",),
    _zero_unit,
)
