"""An example theorem file for ``simtool verify --file examples/my_theorems.py``.

It is imported as Python (the only user code simtool runs) and must define ``ALL``.
"""

from simtool.symbolic import Subspace, TwoLayerNet, get_activation, prove_invariant
from simtool.theorem import Selection, Theorem
from simtool.verdict import PROVED


def _cases(sel: Selection):
    return [{"activation": a, "width": m} for a in sel.activations_in(("tanh", "sin"))
            for m in sel.widths_in(range(2, 4))]


def _check(case):
    net = TwoLayerNet(case["width"], get_activation(case["activation"]))
    # units 1 and 2 anti-condensed: θ2 = −θ1
    rows = [{i: 1, j: 1} for i, j in zip(net.unit_indices(1), net.unit_indices(2))]
    return prove_invariant(net, Subspace.from_equations(net.dim, rows))


ANTI_CONDENSED = Theorem(
    "anti-condensed-pair-is-sim",
    "For odd σ, the subspace θ_2 = −θ_1 is a SIM.",
    _check,
    ("my paper, Lemma 2",),
    r"\theta_2 = -\theta_1 \text{ invariant}",
    _cases,
    expected=PROVED,
)

ALL = [ANTI_CONDENSED]
