"""The SIM lattice: brute-force closure oracle, Hasse covers, orbits, lattice axioms, proofs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simtool.errors import TooLargeError
from simtool.symbolic.activation import get_activation
from simtool.symbolic.lattice import DIRECT_PROOF_WIDTH, enumerate_classes, enumerate_lattice
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.oracle import closure_lattice, hasse_by_containment, orbit_partition
from simtool.symbolic.structure import Kind

CASES = [("tanh", 3, 1, True), ("cos", 3, 1, True), ("sigmoid", 3, 2, False), ("tanh", 2, 2, False),
         ("gauss", 2, 1, True), ("tanh", 4, 1, True)]


def _net(act, m, d, bias, output_bias=False):
    return TwoLayerNet(m, get_activation(act), input_dim=d, bias=bias, output_bias=output_bias)


@pytest.mark.parametrize("act,m,d,bias", CASES)
def test_elements_equal_bruteforce_closure_of_fixed_subspaces(act, m, d, bias):
    """Oracle (math.md §4): the lattice is the intersection-closure of {Fix(g) : g ∈ G}."""
    net = _net(act, m, d, bias)
    lat = enumerate_lattice(net)
    assert {e.subspace for e in lat.elements} == closure_lattice(lat.symmetries)
    assert len(lat) == lat.count


@pytest.mark.parametrize("act,m,d,bias", CASES[:5])
def test_hasse_covers_equal_transitive_reduction_of_containment(act, m, d, bias):
    lat = enumerate_lattice(_net(act, m, d, bias))
    oracle = hasse_by_containment({e.id: e.subspace for e in lat.elements})
    assert set(lat.graph.edges) == set(oracle.edges)


@pytest.mark.parametrize("act,m,d,bias", CASES[:5])
def test_classes_are_orbits(act, m, d, bias):
    lat = enumerate_lattice(_net(act, m, d, bias))
    orbits = orbit_partition(lat.symmetries, {e.subspace for e in lat.elements})
    by_sub = {e.subspace: e for e in lat.elements}
    assert len(orbits) == len(lat.classes) == lat.count_up_to_symmetry
    for orbit in orbits:
        ids = {by_sub[s].class_id for s in orbit}
        assert len(ids) == 1
        assert lat.class_by_id[ids.pop()].orbit_size == len(orbit)


@pytest.mark.parametrize("act,m,d,bias", CASES[:5])
def test_inducing_generators_fix_exactly_the_element(act, m, d, bias):
    net = _net(act, m, d, bias)
    lat = enumerate_lattice(net)
    from simtool.symbolic.subspace import Subspace

    for e in lat.elements:
        fix = Subspace.whole(net.dim)
        for g in e.generators:
            fix = fix & g.fixed_subspace()
        assert fix == e.subspace, e.description


def test_axioms_on_the_full_lattice():
    lat = enumerate_lattice(_net("tanh", 4, 1, True, output_bias=True))
    g = lat.graph
    tops = [n for n in g if g.in_degree(n) == 0]
    bottoms = [n for n in g if g.out_degree(n) == 0]
    assert tops == [lat.top.id] and bottoms == [lat.bottom.id]
    assert lat.top.dim == lat.net.dim and lat.bottom.dim == 1  # only the output bias is left
    for a, b in g.edges:
        assert g.nodes[a]["dim"] > g.nodes[b]["dim"]
    assert [len(r) for r in lat.ranks()][0] == 1


@given(st.data())
def test_meet_closure_property(data):
    """Hypothesis: the intersection of any two elements is an element (meet), and it is the
    greatest element below both."""
    lat = _LAT
    a = data.draw(st.sampled_from(lat.elements))
    b = data.draw(st.sampled_from(lat.elements))
    meet = a.subspace & b.subspace
    subs = {e.subspace: e for e in lat.elements}
    assert meet in subs
    below = [e for e in lat.elements if a.subspace.contains(e.subspace) and b.subspace.contains(e.subspace)]
    assert all(meet.contains(e.subspace) for e in below)


_LAT = enumerate_lattice(TwoLayerNet(3, get_activation("cos")))


@pytest.mark.parametrize("act", ["tanh", "cos", "sigmoid", "z + z**3/3", "gauss"])
def test_every_element_proved_invariant(act):
    lat = enumerate_lattice(_net(act, 3, 2, True, output_bias=True))
    assert all(e.invariance.status == "proved" for e in lat.elements)


def test_blockwise_proofs_agree_with_direct_proofs():
    """Above DIRECT_PROOF_WIDTH classes are proved block by block; below, on the whole net.
    Both must agree where both run (monkeypatching the threshold)."""
    import simtool.symbolic.lattice as L

    net = _net("sin", 5, 1, True)
    direct = enumerate_classes(net)
    old = L.DIRECT_PROOF_WIDTH
    try:
        L.DIRECT_PROOF_WIDTH = 0
        blockwise = enumerate_classes(net)
    finally:
        L.DIRECT_PROOF_WIDTH = old
    assert [c.invariance.status for c in direct.classes] == [c.invariance.status for c in blockwise.classes]
    assert "block by block" in blockwise.classes[1].invariance.evidence
    assert DIRECT_PROOF_WIDTH >= 6


def test_class_representatives_match_elements():
    lat = enumerate_lattice(_net("tanh", 4, 1, True))
    for c in lat.classes:
        rep = lat.find(c.representative)
        assert rep.class_id == c.id and rep.dim == c.dim and rep.description == c.description
        assert rep.reduced_width == c.reduced_width


def test_up_to_symmetry_wide():
    lat = enumerate_classes(TwoLayerNet(30, get_activation("tanh")))
    assert len(lat.classes) == 28629  # OEIS A000070(30)
    assert sum(c.orbit_size for c in lat.classes) == lat.count
    assert all(c.invariance.status == "proved" for c in lat.classes)


def test_too_large_is_refused_with_count():
    with pytest.raises(TooLargeError, match="21,147"):
        enumerate_lattice(TwoLayerNet(9, get_activation("sigmoid")), limit=10_000)


def test_kind_follows_verified_symmetries():
    assert enumerate_lattice(_net("sigmoid", 2, 1, True)).kind is Kind.PERM
    assert enumerate_lattice(_net("cos", 2, 1, True)).kind is Kind.EVEN
    assert enumerate_lattice(_net("tanh", 2, 1, False)).kind is Kind.ODD
