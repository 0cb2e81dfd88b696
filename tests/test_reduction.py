"""Reduced networks (math.md §5): same function, exact metric identity, merged parameters."""

from __future__ import annotations

import random

import pytest
import sympy

from simtool.symbolic.activation import get_activation
from simtool.symbolic.lattice import enumerate_lattice
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.zero import is_identically_zero


@pytest.mark.parametrize("act,m,d,ob", [("tanh", 3, 1, False), ("cos", 3, 1, True), ("sigmoid", 3, 2, True),
                                        ("z + z**3/3", 2, 1, False)])
def test_every_element_reduces_exactly(act, m, d, ob):
    net = TwoLayerNet(m, get_activation(act), input_dim=d, output_bias=ob)
    for e in enumerate_lattice(net).elements:
        red = e.reduction
        assert red.narrow.width == max(e.reduced_width, 1)
        assert red.verify(), e.description


def test_reduced_network_computes_the_same_function_at_random_points():
    net = TwoLayerNet(4, get_activation("tanh"), output_bias=True)
    rng = random.Random(3)
    for e in enumerate_lattice(net).elements:
        red = e.reduction
        # a random rational point of the SIM, projected to the narrow net and back
        theta = e.subspace.point([sympy.Rational(rng.randint(-4, 4), 3) for _ in e.subspace.free])
        narrow = [sum(c * t for c, t in zip(row, theta)) for row in red.project]
        assert red.lift_point(narrow) == theta
        x = sympy.Rational(rng.randint(-4, 4), 5)
        wide_f = net.function([sympy.Rational(t.numerator, t.denominator) for t in theta], [x])
        narrow_f = red.narrow.function([sympy.Rational(t.numerator, t.denominator) for t in narrow], [x])
        assert is_identically_zero(wide_f - narrow_f)


def test_metric_is_not_euclidean_for_merged_blocks():
    net = TwoLayerNet(3, get_activation("tanh"))
    lat = enumerate_lattice(net)
    e = next(e for e in lat.elements if e.description == "units 1,2,3 condensed")
    red = e.reduction
    assert red.metric_by_name() == {"a~1": "3", "w~1": "1/3", "b~1": "1/3"}
    assert red.merged["a~1"] == "a1 + a2 + a3"
