"""The search for invariant subspaces beyond symmetry (issue 7, item 3)."""

from __future__ import annotations

import pytest

from simtool.symbolic.activation import get_activation
from simtool.symbolic.affine import AffineSubspace
from simtool.symbolic.induced import symmetry_induced
from simtool.symbolic.invariant_family import closure_of_atoms, family_members
from simtool.symbolic.invariant_search import beyond_symmetry_hint, search_invariant
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.relations import parse_relations
from simtool.verdict import PROVED


def _S(net, where):
    return parse_relations(net, where).linear


def _search(width, act, **kw):
    net = TwoLayerNet(width, get_activation(act), **kw)
    return net, search_invariant(net)


def test_silu_width_two_has_five_invariant_zero_unit_shapes_where_the_lattice_has_two():
    net, res = _search(2, "silu")
    assert len(res.invariant) == 5
    assert len([S for S in res.invariant if S in res.fix_lattice]) == 2
    zero = {_S(net, "a1=0,w1=0,b1=0"), _S(net, "a2=0,w2=0,b2=0"), _S(net, "a1=0,w1=0,b1=0,a2=0,w2=0,b2=0")}
    assert set(res.not_induced) == zero


def test_cube_inactive_units_are_invariant_and_not_induced():
    net, res = _search(3, "cube")
    for k in (1, 2, 3):
        S = _S(net, f"w{k}=0, b{k}=0")
        assert res.verdicts[S].status == PROVED and S in res.not_induced
    assert any(f.continuum and f.vector == (0, 0, 0) for f in res.families)


def test_square_zero_units():
    net, res = _search(2, "square")
    assert _S(net, "a1=0,w1=0,b1=0") in res.not_induced


def test_even_sigma_with_output_bias_ties_a_to_c():
    net, res = _search(2, "cos", output_bias=True)
    assert _S(net, "w1=0, b1=0, a1=c") in res.not_induced
    assert _S(net, "w1=0, b1=0, a1=-c") not in res.invariant


def test_even_sigma_without_output_bias_family_containing_ones():
    net, res = _search(3, "cos")
    fam = [f for f in res.families if f.coordinates == ("a1", "a2", "a3")]
    assert len(fam) == 1 and fam[0].continuum and fam[0].vector == (1, 1, 1)
    # members of it: the discrete instance a1 = a2 = a3 on inactive units
    S = _S(net, "w1=0,b1=0,w2=0,b2=0,w3=0,b3=0, a1=a2, a2=a3")
    assert res.verdicts[S].status == PROVED


def test_tanh_everything_found_is_symmetry_induced():
    _, res = _search(3, "tanh")
    assert res.invariant and not res.not_induced


@pytest.mark.parametrize("width,act,kw", [(2, "tanh", {}), (2, "silu", {}), (2, "cube", {}), (2, "gauss", {}),
                                          (1, "cos", {"output_bias": True}), (2, "identity", {"bias": False})])
def test_search_misses_nothing_of_the_brute_force_closure(width, act, kw):
    """Oracle: the family is the intersection closure of the atoms, and deciding *every*
    member exactly finds exactly what screen-then-decide finds."""
    net = TwoLayerNet(width, get_activation(act), **kw)
    assert set(family_members(net)) == closure_of_atoms(net)
    fast = search_invariant(net)
    slow = search_invariant(net, refute=True)
    assert set(fast.invariant) == set(slow.invariant)
    assert all(slow.verdicts[S].status in (PROVED, "refuted") for S in slow.members)


@pytest.mark.parametrize("act,kw", [("silu", {}), ("cos", {"output_bias": True}), ("identity", {"bias": False})])
def test_symmetry_induced_iff_in_fix_lattice(act, kw):
    net, res = _search(2, act, **kw)
    for S in res.invariant:
        assert symmetry_induced(res.group, AffineSubspace.of(S)).induced is (S in res.fix_lattice)


def test_hint_only_when_more_is_known():
    assert [line.split(":")[0] for line in beyond_symmetry_hint(TwoLayerNet(3, get_activation("silu")), 6)] == [
        "beyond symmetry"]
    assert beyond_symmetry_hint(TwoLayerNet(3, get_activation("tanh")), 48) == []
    identity = beyond_symmetry_hint(TwoLayerNet(2, get_activation("identity"), bias=False), 8)
    assert [line.split(":")[0] for line in identity] == ["beyond the lattice's group", "continuum"]
    assert [line.split(":")[0] for line in beyond_symmetry_hint(TwoLayerNet(2, get_activation("identity")), 8)] == [
        "continuum"]


def test_family_is_the_closure_of_atoms_at_width_three():
    """Blocks of three units (the structure enumeration once dropped them; this caught it)."""
    net = TwoLayerNet(3, get_activation("cos"), bias=False)
    assert set(family_members(net)) == closure_of_atoms(net)


@pytest.mark.parametrize("act,kw", [("identity", {"bias": False}), ("cos", {}), ("silu", {})])
def test_fix_lattice_of_complete_group_equals_brute_force_closure(act, kw):
    from simtool.symbolic.complete_group import complete_group
    from simtool.symbolic.invariant_search import fix_lattice_of
    from simtool.symbolic.oracle import closure_of_group

    group = complete_group(TwoLayerNet(2, get_activation(act), **kw), continuous=False)
    assert fix_lattice_of(group) == closure_of_group(group)
