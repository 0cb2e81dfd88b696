"""The shipped unit cache (simtool/symbolic/data/unit_facts.json) is a cache of exact results:
recomputing an entry gives the same answer (a sample by default, all with -m slow)."""

from __future__ import annotations

import pytest

from simtool.symbolic.activation import get_activation
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.unit_facts import _registry_nets, compute_facts, unit_facts

SAMPLE = [("tanh", 1, True, False), ("identity", 1, False, False), ("cos", 1, True, True), ("silu", 1, True, False),
          ("square", 2, False, False)]


@pytest.mark.parametrize("act,d,bias,c", SAMPLE)
def test_shipped_entries_equal_a_fresh_computation(act, d, bias, c):
    net = TwoLayerNet(1, get_activation(act), d, bias, c)
    shipped = unit_facts(net)
    assert shipped.source.startswith("shipped")
    fresh = compute_facts(net)
    assert (shipped.aut, shipped.hints) == (fresh.aut, fresh.hints)


@pytest.mark.slow
def test_every_shipped_entry_equals_a_fresh_computation():
    for net in _registry_nets():
        shipped, fresh = unit_facts(net), compute_facts(net)
        assert (shipped.aut, shipped.hints) == (fresh.aut, fresh.hints), net.describe()


def test_unknown_activations_are_computed_live():
    net = TwoLayerNet(2, get_activation("z + z**2"))
    assert unit_facts(net).source == "computed" and unit_facts(net).aut_order == 1


def test_identity_without_biases_uses_the_complete_group(capsys):
    from simtool.cli import main

    assert main(["enumerate", "--width", "2", "--activation", "identity", "--no-bias"]) == 0
    out = capsys.readouterr().out
    assert "order 32, relative to the complete signed-permutation group" in out and "a1 − w1 = 0" in out


@pytest.mark.parametrize("act,kw,order", [("silu", {}, 6), ("identity", {"bias": False}, 8), ("identity", {}, 8),
                                          ("tanh", {}, 48), ("cos", {"output_bias": True}, 8)])
def test_cached_hints_equal_the_live_hints(act, kw, order):
    from simtool.symbolic.invariant_search import beyond_symmetry_hint
    from simtool.symbolic.unit_facts import enumerate_hints

    net = TwoLayerNet(2 if order != 48 else 3, get_activation(act), **kw)
    assert enumerate_hints(net, order) == beyond_symmetry_hint(net, order, live=True)
