"""Derived symmetries: verified generators, brute-force oracle over every group element."""

from __future__ import annotations

import random

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic.activation import Parity, get_activation
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.symmetry import SignedPermutation, derive_symmetries, group_elements, unit_flip
from simtool.symbolic.zero import is_identically_zero, provably_nonzero

ACTS = ["tanh", "sin", "cos", "gauss", "sigmoid", "softplus", "square", "cube", "z + z**3/3", "exp"]


def _rational(rng: random.Random) -> sympy.Rational:
    return sympy.Rational(rng.randint(-5, 5), rng.choice([1, 2, 3, 7]))


def _f_at(net: TwoLayerNet, theta, x) -> sympy.Expr:
    return net.function(theta, x)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("width,d,output_bias", [(2, 1, False), (3, 2, True)])
def test_every_group_element_preserves_f_at_rational_points(act, width, d, output_bias):
    """Oracle: apply every element of G to random rational θ, x; f must not change, exactly."""
    net = TwoLayerNet(width, get_activation(act), input_dim=d, output_bias=output_bias)
    report = derive_symmetries(net)
    elements = group_elements(report)
    assert len(elements) == report.group_order
    rng = random.Random(f"{act}/{width}")  # str seeds are hashed deterministically (SHA-512)
    for g in elements:
        theta = [_rational(rng) for _ in range(net.dim)]
        x = [_rational(rng) for _ in range(d)]
        diff = _f_at(net, g.apply(theta), x) - _f_at(net, theta, x)
        assert is_identically_zero(diff), (act, g)


@pytest.mark.parametrize("act,parity", [("tanh", Parity.ODD), ("cos", Parity.EVEN), ("sigmoid", None),
                                        ("softplus", None), ("gauss", Parity.EVEN), ("z + z**3/3", Parity.ODD)])
def test_flip_generators_follow_parity(act, parity):
    net = TwoLayerNet(3, get_activation(act))
    report = derive_symmetries(net)
    assert report.flip_parity == parity
    assert len(report.generators) == (3 if parity else 2)


@pytest.mark.parametrize("act,wrong", [("sigmoid", Parity.ODD), ("tanh", Parity.EVEN), ("cos", Parity.ODD)])
def test_non_symmetries_change_f(act, wrong):
    """The flips simtool does *not* derive really change f (the derivation is not too weak)."""
    net = TwoLayerNet(2, get_activation(act))
    g = unit_flip(net, 1, wrong)
    rng = random.Random(1)
    found = False
    for _ in range(10):
        theta = [_rational(rng) for _ in range(net.dim)]
        x = [_rational(rng)]
        if provably_nonzero(_f_at(net, g.apply(theta), x) - _f_at(net, theta, x)):
            found = True
            break
    assert found


def test_large_width_verification_is_per_unit():
    net = TwoLayerNet(40, get_activation("tanh"))
    report = derive_symmetries(net)
    assert report.flip_parity is Parity.ODD
    assert any("per unit" in e for e in report.evidence)


def _signed(n):
    return st.tuples(st.permutations(range(n)), st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n))


pairs = st.integers(1, 5).flatmap(lambda n: st.tuples(_signed(n), _signed(n)))


@given(pairs)
def test_signed_permutation_group_laws(pair):
    a, b = pair  # same dimension by construction: no example is discarded
    g = SignedPermutation(tuple(a[0]), tuple(a[1]))
    h = SignedPermutation(tuple(b[0]), tuple(b[1]))
    v = list(range(1, g.dim + 1))
    assert (g * h).apply(v) == g.apply(h.apply(v))
    assert (g * g.inverse()).is_identity
    assert g.matrix() * sympy.Matrix(v) == sympy.Matrix(g.apply(v))
    # Fix(g) = null space of (g - I)
    assert g.fixed_subspace().dim == len((g.matrix() - sympy.eye(g.dim)).nullspace())
    # the 2D-point permutation representation composes the same way
    assert (g * h).as_point_permutation() == h.as_point_permutation() * g.as_point_permutation()
