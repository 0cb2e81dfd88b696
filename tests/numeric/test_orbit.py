"""Orbit ranks (simtool.numeric.orbit) against independent computations.

Oracles: the exact rank of sympy gradients at rational points (depth-1 span), central
finite differences of the analytic per-sample Jacobian (depth-2 brackets), and the
proved conservation-law count (D − #laws).  Points: generic, condensed (two equal
units) and zero-unit.
"""

from __future__ import annotations

import random

import pytest
import sympy
import torch

from simtool.numeric.model import TwoLayerModel
from simtool.numeric.orbit import endpoint_rank, lie_rank, numerical_rank, sample_inputs
from simtool.symbolic.activation import get_activation
from simtool.symbolic.network import TwoLayerNet
from tests.tolerances import FD_RANK_TOL


def _rational_point(net, rng, kind):
    th = [sympy.Rational(rng.randint(-9, 9) or 1, rng.randint(1, 5)) for _ in range(net.dim)]
    if kind == "condensed":  # unit 2 := unit 1
        for i, j in zip(net.unit_indices(1), net.unit_indices(2)):
            th[j] = th[i]
    elif kind == "zero-unit":  # unit 2 := 0
        for j in net.unit_indices(2):
            th[j] = sympy.Integer(0)
    return th


def _exact_depth1_rank(net, th, rng, n):
    f = net.function()
    grads = [sympy.diff(f, s) for s in net.symbols]
    rows = []
    for k in range(n):
        sub = dict(zip(net.symbols, th))
        scale = sympy.Rational(10) ** (k % 4 - 1)  # inputs of every size reach every relu region
        sub.update({x: scale * sympy.Rational(rng.randint(-99, 99), rng.randint(1, 7)) for x in net.x_symbols})
        rows.append([g.xreplace(sub) for g in grads])
    return sympy.Matrix(rows).rank()


@pytest.mark.parametrize("act,width,d,bias", [("relu", 3, 1, True), ("identity", 3, 2, False),
                                              ("cube", 2, 1, True), ("square", 2, 2, True)])
@pytest.mark.parametrize("kind", ["generic", "condensed", "zero-unit"])
def test_depth1_rank_equals_exact_rank(act, width, d, bias, kind):
    net = TwoLayerNet(width, get_activation(act), d, bias)
    rng = random.Random(f"{act}{width}{kind}")
    th = _rational_point(net, rng, kind)
    exact = _exact_depth1_rank(net, th, rng, 6 * net.dim)
    theta = torch.tensor([float(v) for v in th], dtype=torch.float64)
    got = lie_rank(TwoLayerModel(net), theta, depth=1, generator=torch.Generator().manual_seed(1))
    assert got.rank == exact
    assert got.final.confidence in ("clear", "full")


def _fd_bracket_rank(model, theta, gen, n, h=1e-4):
    d = model.input_dim

    def V(th, x):
        return model.jacobian(th[None], x[None])[0, 0]

    rows = []
    for _ in range(n):
        x, y = sample_inputs(2, d, gen)
        vx, vy = V(theta, x), V(theta, y)
        dvy = (V(theta + h * vx, y) - V(theta - h * vx, y)) / (2 * h)
        dvx = (V(theta + h * vy, x) - V(theta - h * vy, x)) / (2 * h)
        br = dvy - dvx
        rows.append(vx / vx.norm() if vx.norm() > 0 else vx)  # relu: every unit may be off at x
        scale = dvy.norm() + dvx.norm()
        rows.append(br / scale if scale > 0 else br)
    return numerical_rank(torch.stack(rows), FD_RANK_TOL).rank


@pytest.mark.parametrize("act,expected", [("tanh", {"generic": 12, "condensed": 8, "zero-unit": 8}),
                                          ("relu", {"generic": 9, "condensed": 6, "zero-unit": 6})])
@pytest.mark.parametrize("kind", ["generic", "condensed", "zero-unit"])
def test_depth2_rank_equals_finite_differences(act, expected, kind):
    net = TwoLayerNet(3, get_activation(act), 2)
    rng = random.Random(f"fd{act}{kind}")
    theta = torch.tensor([float(v) for v in _rational_point(net, rng, kind)], dtype=torch.float64)
    model = TwoLayerModel(net)
    fd = _fd_bracket_rank(model, theta, torch.Generator().manual_seed(2), 2 * net.dim + 8)
    got = lie_rank(model, theta, depth=2, generator=torch.Generator().manual_seed(3))
    assert got.rank == fd == expected[kind]


@pytest.mark.parametrize("act,width,d,bias,laws", [("relu", 3, 2, True, 3), ("exp", 2, 1, True, 2),
                                                   ("identity", 3, 2, False, 6), ("tanh", 2, 1, True, 0)])
def test_endpoint_and_lie_rank_equal_d_minus_laws(act, width, d, bias, laws):
    """D − (number of proved independent laws, tests/test_conservation.py) at a generic point."""
    model = TwoLayerModel(TwoLayerNet(width, get_activation(act), d, bias))
    gen = torch.Generator().manual_seed(4)
    theta = torch.randn(model.dim, generator=gen, dtype=torch.float64)
    lie = lie_rank(model, theta, depth=3, generator=gen)
    end, info = endpoint_rank(model, theta, generator=gen)
    assert lie.rank == end.rank == model.dim - laws
    assert end.confidence in ("clear", "full") and lie.final.confidence in ("clear", "full")


def test_endpoint_rank_at_zero_unit_point_stays_in_the_sim():
    net = TwoLayerNet(3, get_activation("tanh"), 2)
    theta = torch.randn(net.dim, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    theta[list(net.unit_indices(3))] = 0.0
    end, _ = endpoint_rank(TwoLayerModel(net), theta, generator=torch.Generator().manual_seed(6))
    assert end.rank == net.dim - net.unit_size


class _CommutingFields:
    """``V_x(θ) = (x M + x² M²) θ``: the fields commute, so every bracket is 0
    algebraically while its two terms are not (their float difference is round-off)."""

    dim, input_dim = 6, 1

    def __init__(self):
        self.M = torch.randn(6, 6, generator=torch.Generator().manual_seed(9), dtype=torch.float64)

    def jacobian(self, theta, X):
        x = X.reshape(theta.shape[0], 1) if X.ndim == 3 else X.reshape(1, 1).expand(theta.shape[0], 1)
        m1 = theta @ self.M.T
        return (x * m1 + x ** 2 * (m1 @ self.M.T))[:, None, :]


def test_cancelled_brackets_do_not_count():
    """Rows are scaled by their terms' norms, so round-off brackets stay round-off sized."""
    model = _CommutingFields()
    theta = torch.randn(6, generator=torch.Generator().manual_seed(10), dtype=torch.float64)
    got = lie_rank(model, theta, depth=3, generator=torch.Generator().manual_seed(11))
    assert [r.rank for r in got.by_depth] == [2, 2, 2]
    assert got.final.confidence == "clear"


def test_numerical_rank_reports_gap_and_confidence():
    M = torch.diag(torch.tensor([1.0, 0.5, 1e-14], dtype=torch.float64))
    r = numerical_rank(M)
    assert (r.rank, r.confidence) == (2, "clear") and r.gap > 1e13
    weak = numerical_rank(torch.diag(torch.tensor([1.0, 1e-8, 1e-10], dtype=torch.float64)))
    assert (weak.rank, weak.confidence) == (2, "weak")
    assert numerical_rank(torch.eye(3, dtype=torch.float64)).confidence == "full"


def test_parallel_fields_give_rank_one_at_every_depth():
    """d = 1 linear net without biases: V_x = x·V_1, so every bracket vanishes exactly
    in exact arithmetic, and its float remainder (bitwise 0 or round-off) must not count."""
    model = TwoLayerModel(TwoLayerNet(4, get_activation("identity"), 1, bias=False))
    theta = torch.randn(model.dim, generator=torch.Generator().manual_seed(12), dtype=torch.float64)
    got = lie_rank(model, theta, depth=4, generator=torch.Generator().manual_seed(13))
    assert [r.rank for r in got.by_depth] == [1, 1, 1, 1]
