r"""Conservation-law count = D − generic orbit dimension (math.md §6; Marcotte et al.).

For each case the check combines an exact and a numerical half:

* **exact**: candidate laws ``h`` (balancedness ``a_k² − |w_k|² − b_k²`` for relu;
  ``a_i a_j − w_i w_j`` for a linear net without biases) are proved conserved,
  ``∇h · ∇_θ f(θ, x) ≡ 0`` with sympy (for relu on both linear branches σ = z and
  σ = 0, i.e. almost everywhere), and the number ``k`` of independent ones is the
  exact rank of their Jacobian at a rational point.  So the orbit dimension is at most
  ``D − k``.
* **numeric**: the rank ``r`` of fields and Lie brackets at a random point
  (:func:`~simtool.numeric.orbit_rank.orbit_rank`) is a lower bound on the orbit
  dimension.

``r = D − k`` pins both: the known laws are all of them and their number is
``D − r``: **confirmed**, with the singular-value margin.  ``r < D − k`` is
inconclusive (brackets too shallow or laws missing); ``r > D − k`` is **violated**.
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy

from simtool.theorem import Selection, Theorem
from simtool.verdict import CONFIRMED, INCONCLUSIVE, VIOLATED, Verdict

from .sources import MATH, MGP, two_layer_net

__all__ = ["CONSERVATION_LAW_COUNT", "conservation_laws", "MIN_MARGIN"]

#: both sides of the rank cut must clear the threshold by this factor
MIN_MARGIN = 100.0
_CASES = (("relu", True, range(1, 4)), ("identity", False, range(1, 4)), ("tanh", True, range(1, 3)))


def _cases(sel: Selection):
    return [{"activation": a, "width": m, "bias": bias} for a, bias, ws in _CASES
            if a in sel.activations_in([c[0] for c in _CASES]) for m in sel.widths_in(ws, limit=4)]


def conservation_laws(net) -> list[sympy.Expr]:
    """The candidate laws of the module docstring (none for other σ)."""
    th = net.symbols
    if net.activation.name == "relu":
        return [th[net.a_index(k)] ** 2 - sum(th[i] ** 2 for i in net.inner_indices(k))
                for k in range(1, net.width + 1)]
    if net.activation.name == "identity" and not net.bias and net.input_dim == 1:
        a = [th[net.a_index(k)] for k in range(1, net.width + 1)]
        w = [th[net.w_indices(k)[0]] for k in range(1, net.width + 1)]
        return [a[i] * a[j] - w[i] * w[j] for i in range(net.width) for j in range(i, net.width)]
    return []


def _conserved(net, h) -> bool:
    branches = [lambda u: u, lambda u: sympy.Integer(0)] if net.activation.name == "relu" else [None]
    for sigma in branches:
        f = net.function(sigma=sigma)
        if sympy.expand(sum(sympy.diff(h, s) * sympy.diff(f, s) for s in net.symbols)) != 0:
            return False
    return True


def _independent(net, laws) -> int:
    if not laws:
        return 0
    rng = random.Random(0)
    point = {s: sympy.Rational(Fraction(rng.randint(-7, 7), rng.choice((1, 2, 3, 5)))) for s in net.symbols}
    jac = sympy.Matrix([[sympy.diff(h, s).xreplace(point) for s in net.symbols] for h in laws])
    return int(jac.rank())


def _check(case) -> Verdict:
    import torch

    from simtool.numeric.orbit_rank import RANK_RTOL, orbit_rank

    net = two_layer_net(case)
    laws = conservation_laws(net)
    bad = [str(h) for h in laws if not _conserved(net, h)]
    if bad:
        return Verdict(VIOLATED, f"candidate law {bad[0]} is not conserved", {"law": bad[0]})
    k = _independent(net, laws)
    gen = torch.Generator().manual_seed(1234 + net.width)
    theta = torch.randn(net.dim, generator=gen, dtype=torch.float64)
    xs = [torch.linspace(-3.0, 3.0, 2 * net.dim + 1, dtype=torch.float64) + 0.0137]
    if net.bias:  # samples on both sides of every unit's kink / inflection
        kinks = torch.stack([-theta[net.b_index(j)] / theta[net.w_indices(j)[0]] for j in range(1, net.width + 1)])
        xs.append(torch.cat([kinks - 0.31, kinks + 0.29]))
    r = orbit_rank(net, theta, torch.cat(xs).reshape(-1, 1), depth=2, max_pairs=net.dim + 2)
    s, thr = r.singular_values, r.threshold
    above = s[r.rank - 1] / thr if r.rank else float("inf")
    below = thr / max(s[r.rank], 1e-300) if r.rank < len(s) else float("inf")
    margin = min(above, below)
    what = (f"D = {net.dim}; {k} independent conservation law(s) proved exactly "
            f"(orbit dim ≤ {net.dim - k}); fields + brackets (depth 2, {r.n_vectors} vectors) have numerical "
            f"rank {r.rank} (orbit dim ≥ {r.rank}), σ-cut margin {margin:.1e}")
    doc = {"tolerance": RANK_RTOL, "margin": None if margin == float("inf") else margin}
    if r.rank > net.dim - k:
        return Verdict(VIOLATED, what + ": more directions than the proved laws allow", {"rank": r.rank}, **doc)
    if r.rank < net.dim - k or margin < MIN_MARGIN:
        return Verdict(INCONCLUSIVE, what + ": the bounds do not meet or the cut is unclear", **doc)
    return Verdict(CONFIRMED, what + f": number of laws = D − r = {net.dim - r.rank}", **doc)


CONSERVATION_LAW_COUNT = Theorem(
    "conservation-law-count",
    "The number of independent conservation laws of the gradient flow equals D minus the generic "
    "orbit dimension (the rank of the Lie algebra generated by the fields ∇_θ f(·, x)).",
    _check,
    (f"{MGP}, Thm. 3.3 and §4 (number of conservation laws = D − dim Lie(W)(θ); two-layer ReLU: "
     "only balancedness)", f"{MATH} §6"),
    r"\#\{\text{independent } h: \nabla h \cdot \nabla_\theta f(\cdot, x) \equiv 0\} = D - "
    r"\operatorname{rank} \operatorname{Lie}\{\nabla_\theta f(\cdot, x)\}_x(\theta)",
    _cases,
    expected=CONFIRMED,
    engine="numeric",
)
