"""Every catalogue theorem gets the verdict theory expects, case by case.

The default run checks each theorem on a small selection (seconds); the slow run checks
the whole default catalogue, as ``simtool verify`` does.
"""

import pytest

from simtool.catalogue import ALL, get_theorem
from simtool.theorem import Selection, summarize
from simtool.verdict import PROVED, REFUTED

#: a fast selection per theorem (widths / activations inside each theorem's range)
FAST = {
    "fix-of-orthogonal-symmetry-is-sim": Selection(widths=(1, 3)),
    "lattice-counts": Selection(widths=(1, 2, 3)),
    "condensation-reduces-with-metric": Selection(widths=(2, 3)),
    "rank-drop-implies-invariance": Selection(widths=(2,)),
    "non-orthogonal-symmetry-gives-sim": Selection(widths=(1, 2)),
    "every-two-layer-sim-is-symmetry-induced": Selection(widths=(1, 2), activations=("tanh", "z + z**2")),
    "deep-lattice-matches-brute-force": Selection(widths=(2,), activations=("tanh", "sigmoid")),
    "deep-reduction-with-fiber": Selection(widths=(2,), activations=("sigmoid",)),
    "conservation-law-count": Selection(widths=(2,)),
    "flow-equivariance": Selection(widths=(2,), activations=("tanh",)),
    "affine-sims-invariant-under-gd-sgd": Selection(widths=(2,), activations=("tanh",)),
}


def test_every_theorem_has_a_fast_selection():
    assert sorted(FAST) == sorted(t.name for t in ALL)


@pytest.mark.parametrize("theorem", ALL, ids=lambda t: t.name)
def test_theorem_cases_get_the_expected_verdict(theorem):
    outcomes = theorem.run(FAST[theorem.name])
    assert outcomes
    for o in outcomes:
        assert o.matches, (o.case, o.verdict.status, o.expected, o.verdict.evidence)
        assert o.verdict.evidence
    assert theorem.references and theorem.latex and theorem.statement
    v = summarize(theorem, outcomes)  # a finite check of a universal statement names its scope
    assert v.scope and v.headline().startswith(f"{v.status.value} for ")


def test_every_sim_symmetry_induced_is_refuted_by_a_zero_unit_for_z_plus_z2():
    t = get_theorem("every-two-layer-sim-is-symmetry-induced")
    [o] = t.run(Selection(widths=(1,), activations=("z + z**2",)))
    assert o.verdict.status == REFUTED
    assert o.verdict.counterexample["equations"] == "a1 = 0; w1 = 0; b1 = 0"


def test_expected_verdict_depends_on_the_activation():
    t = get_theorem("every-two-layer-sim-is-symmetry-induced")
    assert [t.expected_for({"activation": a}) for a in ("tanh", "cos", "sigmoid", "z + z**2", "square")] == \
        [PROVED, PROVED, PROVED, REFUTED, REFUTED]


def test_deep_reduction_conserves_the_fiber_of_the_diagonal_swap():
    # math.md §5: on the (2,2) SIM where layer-1 neurons condense, W2[1,1] − W2[1,2] is conserved
    outcomes = get_theorem("deep-reduction-with-fiber").run(Selection(widths=(2,), activations=("sigmoid",)))
    [o] = [o for o in outcomes if o.case["widths"] == [2, 2]]
    assert o.verdict.status == PROVED and "conserved w2_1_1 − w2_1_2" in o.verdict.evidence


def test_the_old_theorems_package_reexports_the_catalogue():
    import theorems

    assert theorems.ALL is ALL


@pytest.mark.slow
@pytest.mark.parametrize("theorem", ALL, ids=lambda t: t.name)
def test_full_default_catalogue(theorem):
    for o in theorem.run():
        assert o.matches, (o.case, o.verdict.status, o.expected, o.verdict.evidence)


def test_catalogue_and_sweeps_import_neither_torch_nor_rich():
    import subprocess
    import sys

    code = ("import sys, simtool.catalogue, simtool.sweep; "
            "print('torch' in sys.modules, 'rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
