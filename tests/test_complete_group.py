"""The complete signed-permutation group against the exhaustive oracle over all 2^D·D! maps."""

from __future__ import annotations

import math
import random

import pytest
import sympy

from simtool.symbolic.activation import get_activation
from simtool.symbolic.complete_group import complete_group, cycle_notation
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.signed_search import backtrack_symmetries, exhaustive_symmetries, verify_exactly
from simtool.symbolic.symmetry import SignedPermutation
from simtool.symbolic.zero import is_identically_zero


def _net(spec):
    kind, act, args, kw = spec
    a = get_activation(act)
    return TwoLayerNet(args, a, **kw) if kind == "two" else DeepNet(args, a, **kw)


#: D ≤ 6 (≤ 46 080 signed permutations each): the default run
SMALL = [
    ("two", "identity", 2, {"bias": False}),
    ("two", "identity", 3, {"bias": False}),
    ("two", "tanh", 2, {}),
    ("two", "cos", 1, {"output_bias": True}),
    ("two", "silu", 2, {}),
    ("two", "sigmoid", 2, {"bias": False, "output_bias": True}),
    ("two", "square", 2, {}),
    ("two", "z + z**2", 2, {}),
    ("two", "identity", 2, {}),
    ("deep", "identity", (1, 1), {"bias": False}),
    ("deep", "identity", (2,), {"bias": False}),
    ("deep", "tanh", (1, 2), {"bias": False}),
    ("deep", "identity", (2, 1), {"bias": False}),
]
#: D = 7, 8 (up to 10^7 signed permutations): slow
LARGE = [
    ("two", "tanh", 2, {"output_bias": True}),
    ("two", "cos", 2, {"input_dim": 2, "bias": False, "output_bias": True}),
    ("deep", "identity", (2, 2), {"bias": False}),
    ("deep", "tanh", (2, 2), {"bias": False}),
]


def _exhaustive_group(net) -> set[tuple]:
    return {(g.perm, g.signs) for g in exhaustive_symmetries(net) if verify_exactly(net, g)}


def _check_against_oracle(spec):
    net = _net(spec)
    group = complete_group(net, continuous=False)
    mine = {(g.perm, g.signs) for g in group.elements()}
    assert mine == _exhaustive_group(net)
    assert group.order == len(mine)


@pytest.mark.parametrize("spec", SMALL, ids=lambda s: f"{s[0]}-{s[1]}-{s[2]}-{sorted(s[3])}")
def test_group_equals_exhaustive_search(spec):
    _check_against_oracle(spec)


@pytest.mark.slow
@pytest.mark.parametrize("spec", LARGE, ids=lambda s: f"{s[0]}-{s[1]}-{s[2]}-{sorted(s[3])}")
def test_group_equals_exhaustive_search_large(spec):
    _check_against_oracle(spec)


def test_identity_without_biases_has_the_role_swap_and_order_32():
    """Issue 7: a_k ↔ w_k is a symmetry of Σ a_k w_k x; |G| = 4^2·2! = 32, not 8."""
    net = TwoLayerNet(2, get_activation("identity"), bias=False)
    group = complete_group(net)
    swap = SignedPermutation((1, 0, 2, 3), (1, 1, 1, 1))
    assert group.order == 32
    assert group.contains(swap)
    assert group.continuous is not None and group.continuous.exact and group.continuous.dim == 2
    assert "continuum" in group.continuum_note


@pytest.mark.parametrize("act,order", [("tanh", 2**4 * 24), ("silu", 24), ("cos", 2**4 * 24)])
def test_width_four_orders(act, order):
    """|Aut(u)|^m·m!: odd/even σ have one flip per unit, silu none (brute force above for m ≤ 3)."""
    assert complete_group(TwoLayerNet(4, get_activation(act)), continuous=False).order == order


def test_deep_three_three_tanh_is_permutations_times_flips():
    """(3,3) tanh: (3!·2^3)^2 = 2304, neuron permutations and flips per hidden layer."""
    group = complete_group(DeepNet((3, 3), get_activation("tanh")), continuous=False)
    assert group.order == (math.factorial(3) * 2**3) ** 2
    assert not group.rejected


def test_deep_linear_chain_can_be_reversed():
    """(2,2) linear, no biases, d = 1: f = W3 W2 W1 x = W1ᵀ W2ᵀ W3ᵀ x adds a layer reversal."""
    net = DeepNet((2, 2), get_activation("identity"), bias=False)
    group = complete_group(net, continuous=False)
    assert group.order == (math.factorial(2) * 2**2) ** 2 * 2   # (2!·2^2)^2 per-layer gauge, times reversal
    perm = [0] * net.dim
    for i in range(1, 3):
        perm[net.index(f"w1_{i}_1")] = net.index(f"w3_1_{i}")
        perm[net.index(f"w3_1_{i}")] = net.index(f"w1_{i}_1")
        for j in range(1, 3):
            perm[net.index(f"w2_{i}_{j}")] = net.index(f"w2_{j}_{i}")
    assert group.contains(SignedPermutation(tuple(perm), (1,) * net.dim))


def test_every_element_preserves_f_at_rational_points():
    rng = random.Random(7)
    for spec in SMALL[:6]:
        net = _net(spec)
        for g in complete_group(net, continuous=False).elements():
            theta = [sympy.Rational(rng.randint(-5, 5), rng.choice([1, 2, 3])) for _ in range(net.dim)]
            x = [sympy.Rational(rng.randint(-5, 5), 2) for _ in net.x_symbols]
            assert is_identically_zero(net.function(g.apply(theta), x) - net.function(theta, x))


def test_backtracking_lists_what_the_exhaustive_screen_lists():
    net = TwoLayerNet(2, get_activation("z + z**2"))
    assert {(g.perm, g.signs) for g in backtrack_symmetries(net)} == \
        {(g.perm, g.signs) for g in exhaustive_symmetries(net)}


def test_continuous_orthogonal_symmetries():
    assert complete_group(TwoLayerNet(3, get_activation("identity"))).continuous.dim == 3   # so(3)
    cont = complete_group(TwoLayerNet(2, get_activation("tanh"))).continuous
    assert cont.dim == 0 and not cont.exact


def test_cycle_notation_cycles():
    names = ["a1", "w1", "a2", "w2"]
    assert cycle_notation(names, SignedPermutation((2, 1, 0, 3), (-1, 1, -1, 1))) == "(a1 ↦ −a2 ↦ a1)"
    assert cycle_notation(names, SignedPermutation.identity(4)) == "id"
