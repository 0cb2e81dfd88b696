"""Hypothesis properties of the exact engine, over random networks and rational points.

The strategies are simtool's own (:mod:`simtool.testing`), the ones users get.
"""

from __future__ import annotations

from functools import cache

import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic import Subspace, derive_symmetries, group_elements, is_identically_zero
from simtool.testing import activations, lattice_elements, points_on, rationals, two_layer_nets

ACTS = activations(("tanh", "cos", "sigmoid", "sin", "gauss", "z + z**3/3", "softplus"), expressions=False)


def _q(values):
    return [sympy.Rational(q.numerator, q.denominator) for q in values]


@cache
def _group(net):
    return group_elements(derive_symmetries(net))


@given(two_layer_nets(widths=(1, 3), activations=ACTS, input_dims=(1, 2), bias=True, output_bias=False), st.data())
def test_derived_symmetries_preserve_f(net, data):
    g = data.draw(st.sampled_from(_group(net)))
    theta = _q(data.draw(points_on(Subspace.whole(net.dim))))
    x = _q(data.draw(st.lists(rationals(), min_size=net.input_dim, max_size=net.input_dim)))
    assert is_identically_zero(net.function(g.apply(theta), x) - net.function(theta, x))


@given(two_layer_nets(widths=(1, 3), activations=ACTS, input_dims=(1, 2), bias=True), st.data())
def test_reduced_network_computes_the_same_function(net, data):
    e = data.draw(lattice_elements(net))
    red = e.reduction
    theta = data.draw(points_on(e.subspace))
    narrow = [sum(c * t for c, t in zip(row, theta)) for row in red.project]
    assert red.lift_point(narrow) == theta  # project then lift is the identity on the SIM
    x = _q(data.draw(st.lists(rationals(), min_size=net.input_dim, max_size=net.input_dim)))
    assert is_identically_zero(net.function(_q(theta), x) - red.narrow.function(_q(narrow), x))


@given(two_layer_nets(widths=(1, 3), activations=ACTS, input_dims=(1, 1), bias=True, output_bias=False), st.data())
def test_subspace_points_are_fixed_by_the_inducing_generators(net, data):
    e = data.draw(lattice_elements(net))
    theta = data.draw(points_on(e.subspace))
    for g in e.generators:
        assert g.apply(theta) == theta
