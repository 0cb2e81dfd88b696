"""A complete example of a user's test file: drop it into your repository's tests/.

It states three claims about the networks of *your* paper and lets hypothesis search
for counterexamples; every check is exact (sympy), except the flow test (float64).
"""

from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic import Subspace, TwoLayerNet, enumerate_lattice, get_activation
from simtool.testing import (
    activations,
    assert_equivariant,
    assert_flow_equivariant,
    assert_not_sim,
    assert_reduces,
    assert_sim,
    datasets,
    deep_nets,
    lattice_elements,
    losses,
    points_on,
    two_layer_nets,
)

ODD = activations(("tanh", "sin", "erf"), expressions=False)


@given(two_layer_nets(widths=(2, 3), activations=ODD, input_dims=(1, 1)), st.data())
def test_every_lattice_element_is_a_sim_and_reduces(net, data):
    element = data.draw(lattice_elements(net))
    assert_sim(net, element.subspace)
    assert_reduces(net, element)


@given(deep_nets(widths=(1, 2), depth=(2, 2), activations=activations(("tanh", "sigmoid"), expressions=False)),
       st.data())
def test_deep_lattice_elements_are_sims_and_reduce(net, data):
    element = data.draw(lattice_elements(net))
    assert_sim(net, element.subspace)
    assert_reduces(net, element)


@given(two_layer_nets(widths=(2, 2), activations=ODD, input_dims=(1, 1)))
def test_my_lookalike_is_not_a_sim(net):
    # my claim: "a1 = 0" looks like a SIM (the w1, b1 gradients vanish there) but is not one
    assert_not_sim(net, Subspace.from_equations(net.dim, [{net.a_index(1): 1}]))


@given(two_layer_nets(widths=(2, 3), activations=activations(expressions=True), input_dims=(1, 1)), st.data())
def test_symmetries_commute_with_the_gradient(net, data):
    lat = enumerate_lattice(net)
    g = data.draw(st.sampled_from(lat.symmetries.generators))
    theta = data.draw(points_on(Subspace.whole(net.dim)))
    assert_equivariant(net, g, theta)


@given(datasets(n_samples=(8, 16)), losses(("mse", "huber")), st.data())
def test_flow_commutes_with_the_swap(data_set, loss, data):
    from simtool.numeric.check_setup import FlowSetup

    net = TwoLayerNet(2, get_activation("tanh"))
    setup = FlowSetup(net, data_set.x, data_set.y, loss=loss, t_max=0.5, dt=0.05, n_save=3)
    swap = enumerate_lattice(net).symmetries.generators[0]
    theta = [float(v) for v in data.draw(points_on(Subspace.whole(net.dim)))]
    assert_flow_equivariant(setup, swap, theta)
