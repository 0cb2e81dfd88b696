"""Every check of math.md §8 on deep nets: every element of the (2, 2) lattice confirmed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from simtool.numeric import deep_model
from simtool.numeric.checks import CONFIRMED, FlowSetup, check_elements
from simtool.numeric.data import make_dataset
from simtool.symbolic.activation import get_activation
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.fixlattice import build_fix_lattice
from tests.tolerances import ULP_LEVEL


@pytest.fixture(autouse=True)
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.mark.parametrize("act", ["tanh", "cos"])
def test_every_element_of_the_2_2_lattice_is_confirmed(act):
    net = DeepNet((2, 2), get_activation(act))
    lat = build_fix_lattice(net, prove=False)
    G, els = lat.group, list(lat)
    data = make_dataset("teacher", n_samples=16, rng=np.random.default_rng(0), activation=net.activation[0])
    setup = FlowSetup(net, data.x, data.y, t_max=1.0)
    reports = [r for _, rs in check_elements(setup, els, symmetries=G.generators, n_traj=4, seed=0)
               for r in rs]
    bad = [(r.id, [(x.check, x.verdict, x.reason) for x in r.results if x.verdict != CONFIRMED
                   and x.verdict != "n/a"]) for r in reports if r.verdict != CONFIRMED]
    assert not bad, bad
    checked = {c: sum(r.result(c).verdict == CONFIRMED for r in reports)
               for c in ("stays", "control", "reduces", "equivariance", "risk")}
    assert min(checked.values()) >= len(els) - 2, checked  # only top/bottom may be n/a
    fibers = [r for r in reports if r.result("reduces").figures.get("fiber_dim", 0) > 0]
    assert fibers  # the diagonal swap of math.md §5 has a conserved fiber quantity
    assert all(r.result("reduces").figures["fiber_drift"] <= r.result("reduces").figures["tol"]
               for r in fibers)


def test_tiny_batched_products_equal_bmm_and_cancel_exactly():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(7, 2, 3, generator=g, dtype=torch.float64)
    b = torch.randn(7, 3, 5, generator=g, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(deep_model._bmm(a, b), torch.bmm(a, b), rtol=0, atol=ULP_LEVEL)
        a[:, :, 1] = -a[:, :, 0]  # mirrored weights on two equal inputs
        b[:, 1] = b[:, 0]
        a[:, :, 2] = 0.0
        assert bool((deep_model._bmm(a, b) == 0).all())
