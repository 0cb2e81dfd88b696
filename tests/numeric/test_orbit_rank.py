"""Numerical orbit rank (fields + Lie brackets) against cases known exactly."""

import torch

from simtool.numeric.orbit_rank import _bracket, network_function, orbit_rank
from simtool.symbolic import TwoLayerNet, get_activation
from tests.tolerances import FINITE_DIFFERENCE


def _xs(n):
    return torch.linspace(-2.0, 2.5, n, dtype=torch.float64).reshape(-1, 1)


def test_linear_net_fields_are_parallel_rank_one():
    # f = Σ a_k w_k x: every field is x·(w1, a1, w2, a2, …), so the orbit is a curve
    net = TwoLayerNet(3, get_activation("identity"), bias=False)
    theta = torch.tensor([0.3, -1.2, 0.7, 0.4, -0.5, 1.1], dtype=torch.float64)
    r = orbit_rank(net, theta, _xs(9))
    assert (r.rank, r.dim) == (1, 6)


def test_fields_alone_miss_directions_brackets_find():
    # tanh, one unit: three fields span at most what brackets add to; depth 2 reaches D
    net = TwoLayerNet(1, get_activation("tanh"))
    theta = torch.tensor([0.8, -0.6, 0.3], dtype=torch.float64)
    assert orbit_rank(net, theta, _xs(1), depth=1).rank == 1
    assert orbit_rank(net, theta, _xs(5), depth=2).rank == 3


def test_bracket_matches_finite_differences():
    net = TwoLayerNet(2, get_activation("tanh"))
    f = network_function(net)
    theta = torch.tensor([0.5, -0.4, 0.2, -0.9, 0.7, 0.1], dtype=torch.float64)

    def field(x):
        xt = torch.tensor([x], dtype=torch.float64)
        return lambda th: torch.func.grad(f)(th, xt)

    u, v = field(0.7), field(-1.3)
    h = 1e-6

    def dir_deriv(w, th, d):  # central difference of w along d
        return (w(th + h * d) - w(th - h * d)) / (2 * h)

    fd = dir_deriv(v, theta, u(theta)) - dir_deriv(u, theta, v(theta))
    assert torch.allclose(_bracket(u, v)(theta), fd, atol=FINITE_DIFFERENCE)
