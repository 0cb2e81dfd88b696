"""Hypothesis properties of the exact engine, over random networks and rational points."""

from __future__ import annotations

from functools import cache

import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic import (
    TwoLayerNet,
    derive_symmetries,
    enumerate_lattice,
    get_activation,
    group_elements,
    is_identically_zero,
)

ACTS = ["tanh", "cos", "sigmoid", "sin", "gauss", "z + z**3/3", "softplus"]
rationals = st.fractions(min_value=-3, max_value=3, max_denominator=5).map(lambda q: sympy.Rational(q.numerator,
                                                                                                    q.denominator))


@cache
def _lattice(act: str, m: int, d: int, ob: bool):
    return enumerate_lattice(TwoLayerNet(m, get_activation(act), input_dim=d, output_bias=ob))


@cache
def _group(act: str, m: int, d: int):
    net = TwoLayerNet(m, get_activation(act), input_dim=d)
    return net, group_elements(derive_symmetries(net))


@given(st.sampled_from(ACTS), st.integers(1, 3), st.integers(1, 2), st.data())
def test_derived_symmetries_preserve_f(act, m, d, data):
    net, elements = _group(act, m, d)
    g = data.draw(st.sampled_from(elements))
    theta = data.draw(st.lists(rationals, min_size=net.dim, max_size=net.dim))
    x = data.draw(st.lists(rationals, min_size=d, max_size=d))
    assert is_identically_zero(net.function(g.apply(theta), x) - net.function(theta, x))


@given(st.sampled_from(ACTS), st.integers(1, 3), st.integers(1, 2), st.booleans(), st.data())
def test_reduced_network_computes_the_same_function(act, m, d, ob, data):
    lat = _lattice(act, m, d, ob)
    e = data.draw(st.sampled_from(lat.elements))
    red = e.reduction
    free = data.draw(st.lists(rationals, min_size=len(e.subspace.free), max_size=len(e.subspace.free)))
    theta = e.subspace.point([sympy.Rational(q) for q in free])
    narrow = [sum(c * t for c, t in zip(row, theta)) for row in red.project]
    assert red.lift_point(narrow) == theta  # project then lift is the identity on the SIM
    x = data.draw(st.lists(rationals, min_size=d, max_size=d))
    as_sym = [sympy.Rational(t.numerator, t.denominator) for t in theta]
    narrow_sym = [sympy.Rational(t.numerator, t.denominator) for t in narrow]
    assert is_identically_zero(net_f(lat.net, as_sym, x) - net_f(red.narrow, narrow_sym, x))


def net_f(net, theta, x):
    return net.function(theta, x)


@given(st.sampled_from(ACTS), st.integers(1, 3), st.data())
def test_subspace_points_are_fixed_by_the_inducing_generators(act, m, data):
    lat = _lattice(act, m, 1, False)
    e = data.draw(st.sampled_from(lat.elements))
    free = data.draw(st.lists(rationals, min_size=len(e.subspace.free), max_size=len(e.subspace.free)))
    theta = e.subspace.point(free)
    for g in e.generators:
        assert g.apply(theta) == theta
