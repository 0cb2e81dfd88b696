"""Exact tangency: formal engine vs sympy oracle, refutations of look-alikes (math.md §2)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic.activation import get_activation
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.subspace import Subspace
from simtool.symbolic.tangency import concrete_residuals, formal_residuals, prove_invariant
from simtool.symbolic.zero import is_identically_zero, provably_nonzero


def _check_counterexample(net, S, verdict):
    """Re-evaluate the reported counterexample independently: θ ∈ S and a non-zero component."""
    ce = verdict.counterexample
    theta = [sympy.Rational(ce["theta"][n]) for n in net.names]
    assert S.contains_vector([Fraction(str(t)) for t in theta])
    x = [sympy.Rational(ce["x"][str(s)]) for s in net.x_symbols]
    grad = [sympy.diff(net.function(), s) for s in net.symbols]
    point = dict(zip(net.symbols, theta)) | dict(zip(net.x_symbols, x))
    comps = [sum(sympy.Rational(c.numerator, c.denominator) * grad[i] for i, c in row).xreplace(point)
             for row in S.equations]
    assert any(provably_nonzero(c) for c in comps)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "cos", "softplus"])
def test_zero_output_weight_is_refuted(act):
    """{a_1 = 0}: the w_1 gradient vanishes there (rank drop), yet it is not invariant."""
    net = TwoLayerNet(2, get_activation(act))
    S = Subspace.from_equations(net.dim, [{net.a_index(1): 1}])
    v = prove_invariant(net, S)
    assert v.status == "refuted"
    _check_counterexample(net, S, v)


def test_partial_condensation_is_refuted():
    """w1 = w2, b1 = b2 with a1, a2 free is not a SIM (a_k ≠ a_l makes w's drift apart)."""
    net = TwoLayerNet(2, get_activation("tanh"))
    S = Subspace.from_equations(net.dim, [{1: 1, 4: -1}, {2: 1, 5: -1}])
    v = prove_invariant(net, S)
    assert v.status == "refuted"
    _check_counterexample(net, S, v)


def test_zero_unit_without_symmetry_is_invariant():
    """σ(0) = 0 but σ neither odd nor even: the zero unit is invariant though no symmetry explains it (§7)."""
    net = TwoLayerNet(2, get_activation("z + z**2"))
    S = Subspace.from_equations(net.dim, [{i: 1} for i in net.unit_indices(1)])
    assert prove_invariant(net, S).status == "proved"
    # ... and with σ(0) ≠ 0 it is not
    net2 = TwoLayerNet(2, get_activation("softplus"))
    assert prove_invariant(net2, S).status == "refuted"


relations = st.lists(
    st.dictionaries(st.integers(0, 5), st.integers(-2, 2).filter(bool), min_size=1, max_size=2), min_size=1, max_size=3
)


@given(relations, st.sampled_from(["tanh", "cos", "sigmoid", "z**3"]))
def test_formal_engine_agrees_with_sympy_oracle(rows, act):
    """Whenever the formal engine says a residual cancels, sympy with the actual σ agrees;
    and a 'proved' verdict implies every concrete residual is identically zero."""
    net = TwoLayerNet(2, get_activation(act))
    S = Subspace.from_equations(net.dim, rows)
    bad = {r for r, _ in formal_residuals(net, S)}
    residuals = concrete_residuals(net, S)
    for r, expr in enumerate(residuals):
        if r not in bad:
            assert is_identically_zero(expr)
    v = prove_invariant(net, S)
    if v.status == "proved":
        assert all(is_identically_zero(e) for e in residuals)
    if v.status == "refuted":
        _check_counterexample(net, S, v)


def test_refutation_is_reproducible():
    net = TwoLayerNet(3, get_activation("tanh"), input_dim=2)
    S = Subspace.from_equations(net.dim, [{net.a_index(2): 1}])
    assert prove_invariant(net, S) == prove_invariant(net, S)
    random.seed(0)  # global state must not matter
    assert prove_invariant(net, S).counterexample is not None
