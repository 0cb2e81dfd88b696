r"""Condensation reduces the flow to a narrower net, with the stated metric (math.md §5).

On the SIM where the units of each block ``B`` are condensed, ``θ = Lθ̃`` and

.. math:: \nabla_\theta f(L\tilde\theta, x) = L\,M\,\nabla_{\tilde\theta}\tilde f(\tilde\theta, x),
          \qquad M = \mathrm{diag}(|B|, 1/|B|, 1/|B|)\ \text{per block},

so the wide flow on the SIM is the narrow flow preconditioned by ``M``.  The check
proves the identity with sympy for every class representative that merges units
(:meth:`~simtool.symbolic.Reduction.verify`), and refutes the Euclidean identity
``∇f(Lθ̃) = L∇f̃(θ̃)`` at an exact rational point: the naive narrow flow is wrong.
"""

from __future__ import annotations

import sympy

from simtool.symbolic import refute_at_rationals
from simtool.theorem import Selection, Theorem
from simtool.verdict import INCONCLUSIVE, PROVED, REFUTED, Verdict

from .sources import MATH, ZHAO, lattice_of

__all__ = ["CONDENSATION_REDUCES_WITH_METRIC"]

ACTIVATIONS = ("tanh", "sigmoid", "cos")


def _cases(sel: Selection):
    return [{"activation": a, "width": m} for a in sel.activations_in(ACTIVATIONS)
            for m in sel.widths_in(range(2, 5), limit=5) if m >= 2]


def _q(c) -> sympy.Rational:
    return sympy.Rational(c.numerator, c.denominator)


def _euclidean_witness(red):
    """A rational point where ``∂f/∂θ_i(Lθ̃) ≠ (L∇f̃(θ̃))_i`` for some i, or ``None``."""
    net, th, x = red.wide, red.narrow.symbols, red.wide.x_symbols
    lifted = [sum((_q(c) * t for c, t in zip(row, th) if c), sympy.Integer(0)) for row in red.lift]
    f = net.function(net.symbols, x)
    g = [sympy.diff(red.narrow.function(th, x), t) for t in th]
    sub = dict(zip(net.symbols, lifted))
    for i, s in enumerate(net.symbols):
        diff = sympy.diff(f, s).xreplace(sub) - sum((_q(c) * gi for c, gi in zip(red.lift[i], g) if c),
                                                    sympy.Integer(0))
        hit = refute_at_rationals(diff, list(th) + list(x))
        if hit is not None:
            return net.names[i], {str(k): str(v) for k, v in hit[0].items()}
    return None


def _check(case) -> Verdict:
    lat = lattice_of(case)
    merged = [e for e in lat.representatives() if any(len(b) > 1 for b in e.reduction.blocks)]
    if not merged:
        return Verdict(INCONCLUSIVE, "no class representative merges units")
    for e in merged:
        red = e.reduction
        if not red.verify():
            return Verdict(REFUTED, f"{e.id} ({e.description}): the metric identity ∇f(Lθ̃) = L M ∇f̃(θ̃) "
                           "was not proved", {"element": e.id})
        if _euclidean_witness(red) is None:
            return Verdict(INCONCLUSIVE, f"{e.id} ({e.description}): no rational point separates the "
                           "Euclidean narrow flow from the wide one (metric not needed?)")
    e = merged[-1]
    name, point = _euclidean_witness(e.reduction)
    return Verdict(PROVED, f"{len(merged)} merging class representatives: the metric identity holds exactly "
                   f"(e.g. {e.description}: M = {e.reduction.metric_by_name()}); the Euclidean narrow "
                   f"flow differs in ∂/∂{name} at the rational point {point}")


CONDENSATION_REDUCES_WITH_METRIC = Theorem(
    "condensation-reduces-with-metric",
    "On a condensed SIM the wide gradient flow equals the narrow net's flow preconditioned by "
    "M = diag(|B|, 1/|B|, 1/|B|) per block, and not the Euclidean narrow flow.",
    _check,
    (f"{ZHAO}, §4 (reduction of SIMs to narrower networks)", f"{MATH} §5"),
    r"\nabla_\theta f(L\tilde\theta, x) = L M \nabla_{\tilde\theta} \tilde f(\tilde\theta, x),\ "
    r"M = \mathrm{diag}(|B|, |B|^{-1}, |B|^{-1})",
    _cases,
)
