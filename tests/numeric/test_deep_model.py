"""DeepModel and TwoLayerModel against the torch.func oracle (FuncModel), and the oracle
against the symbolic network; the model registry; matrix metrics in the field."""

from __future__ import annotations

import pytest
import sympy
import torch

from simtool.errors import ArchitectureError, DataError
from simtool.numeric import GradientFlowField, get_loss
from simtool.numeric import deep_model as deep_module
from simtool.numeric.deep_model import DeepModel
from simtool.numeric.fields import Metric
from simtool.numeric.func_model import FuncModel
from simtool.numeric.layers import layer_indices
from simtool.numeric.model import TwoLayerModel
from simtool.numeric.models import model_for
from simtool.symbolic.activation import get_activation
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.network import TwoLayerNet
from tests.tolerances import KERNEL_VS_ORACLE

ARCHS = [  # widths, d, bias, output_bias
    ((2,), 1, True, False),
    ((3, 2), 2, True, True),
    ((2, 3, 2), 3, False, False),
    ((4, 1), 1, True, True),
]
ACTS = ["tanh", "cos", "sigmoid", "z + z**3/3"]


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _problem(net, batch=5, n=7, per_row=False, seed=0):
    g = _gen(seed)
    d = net.layer_widths[0]
    X = torch.randn((batch, n, d) if per_row else (n, d), generator=g, dtype=torch.float64)
    y = torch.randn((batch, n) if per_row else (n,), generator=g, dtype=torch.float64)
    theta = torch.randn(batch, net.dim, generator=g, dtype=torch.float64)
    return X, y, theta


def _close(a, b):
    scale = max(float(b.abs().max()), 1.0)
    torch.testing.assert_close(a, b, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE * scale)


def test_layout_is_the_nets_own():
    net = DeepNet((3, 2), get_activation("tanh"), input_dim=2, output_bias=True)
    lay = layer_indices(net)
    for l, li in enumerate(lay.layers, start=1):
        for i in range(li.weight.shape[0]):
            for j in range(li.weight.shape[1]):
                assert int(li.weight[i, j]) == net.weight_index(l, i + 1, j + 1)
            want = net.c_index if l == net.depth else net.bias_index(l, i + 1)
            assert (None if li.bias is None else int(li.bias[i])) == want
    assert sorted(lay.order.tolist()) == list(range(net.dim))


@pytest.mark.parametrize("widths,d,bias,output_bias", ARCHS)
def test_oracle_matches_the_symbolic_function(widths, d, bias, output_bias):
    net = DeepNet(widths, get_activation("tanh"), input_dim=d, bias=bias, output_bias=output_bias)
    X, _, theta = _problem(net, batch=2, n=3)
    f = FuncModel(net).forward(theta, X)
    for b in range(2):
        for i in range(3):
            expr = net.function(theta=[sympy.Float(v, 30) for v in theta[b].tolist()],
                                x=[sympy.Float(v, 30) for v in X[i].tolist()])
            assert abs(float(expr) - float(f[b, i])) <= KERNEL_VS_ORACLE * max(1.0, abs(float(expr)))


@pytest.mark.parametrize("widths,d,bias,output_bias", ARCHS)
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("per_row", [False, True])
def test_deep_model_matches_oracle(widths, d, bias, output_bias, act, per_row):
    net = DeepNet(widths, get_activation(act), input_dim=d, bias=bias, output_bias=output_bias)
    X, y, theta = _problem(net, per_row=per_row)
    fast, oracle = DeepModel(net), FuncModel(net)
    _close(fast.forward(theta, X), oracle.forward(theta, X))
    _close(fast.jacobian(theta, X), oracle.jacobian(theta, X))
    for loss in ("mse", "huber"):
        for grad_mode in (True, False):
            with torch.set_grad_enabled(grad_mode):
                r1, g1 = fast.risk_and_grad(theta, X, y, loss)
                r0, g0 = oracle.risk_and_grad(theta, X, y, loss)
            _close(r1, r0)
            _close(g1, g0)


def test_deep_model_logistic_and_mixed_activations():
    acts = (get_activation("tanh"), get_activation("softplus"))
    net = DeepNet((3, 2), acts, input_dim=2, output_bias=True)
    X, y, theta = _problem(net)
    y = (y > 0).double()
    _close(DeepModel(net).risk_grad(theta, X, y, "logistic"),
           FuncModel(net).risk_grad(theta, X, y, "logistic"))


def test_deep_model_blocked_path_equals_unblocked(monkeypatch):
    net = DeepNet((3, 2), get_activation("tanh"), input_dim=2, output_bias=True)
    X, y, theta = _problem(net, n=41)
    model = DeepModel(net)
    loss = get_loss("mse")
    Xp = model.prepare(model.as_inputs(X))
    with torch.no_grad():
        whole = model.risk_and_grad_prepared(theta, Xp, y, loss)
        out_whole = model.output(theta, Xp)
        monkeypatch.setattr(deep_module, "_BLOCK_ELEMENTS_CPU", 5 * 3 * 4)  # blocks of 4 samples
        assert model._block(5, 41, theta.device) == 4
        blocked = model.risk_and_grad_prepared(theta, Xp, y, loss)
        out_blocked = model.output(theta, Xp)
    _close(blocked[0], whole[0])
    _close(blocked[1], whole[1])
    _close(out_blocked, out_whole)


@pytest.mark.parametrize("act", ["tanh", "cos"])
@pytest.mark.parametrize("d,bias,output_bias", [(1, True, False), (3, False, True)])
def test_two_layer_kernel_matches_oracle_and_deep_model(act, d, bias, output_bias):
    net = TwoLayerNet(3, get_activation(act), d, bias, output_bias)
    X, y, theta = _problem(net, n=9)
    two, deep, oracle = TwoLayerModel(net), DeepModel(net), FuncModel(net)
    with torch.no_grad():
        g2, gd, g0 = (m.risk_grad(theta, X, y) for m in (two, deep, oracle))
    _close(g2, g0)
    _close(gd, g0)
    _close(two.jacobian(theta, X), oracle.jacobian(theta, X))


def test_field_of_deep_model_and_its_jacobian():
    net = DeepNet((2, 2), get_activation("tanh"), input_dim=2)
    X, y, theta = _problem(net, batch=3)
    fast = GradientFlowField(DeepModel(net), X, y)
    oracle = GradientFlowField(FuncModel(net), X, y)
    with torch.no_grad():
        _close(fast(0.0, theta), oracle(0.0, theta))
    _close(fast.jacobian(theta), oracle.jacobian(theta))
    J = fast.jacobian(theta)
    _close(J, J.transpose(1, 2))  # minus a Hessian: symmetric


def test_matrix_metric_shared_and_per_row():
    net = DeepNet((2,), get_activation("tanh"))
    X, y, theta = _problem(net, batch=3)
    D = net.dim
    A = torch.randn(D, D, generator=_gen(5), dtype=torch.float64)
    M = A @ A.T
    plain = GradientFlowField(DeepModel(net), X, y)
    shared = GradientFlowField(DeepModel(net), X, y, metric=Metric.matrix(M))
    per = torch.stack([M, torch.eye(D, dtype=torch.float64), 2 * M])
    per_row = GradientFlowField(DeepModel(net), X, y, metric=Metric.matrix(per))
    with torch.no_grad():
        v = plain(0.0, theta)
        _close(shared(0.0, theta), v @ M.T)
        want = torch.stack([M @ v[0], v[1], 2 * M @ v[2]])
        _close(per_row(0.0, theta), want)
        _close(per_row.rows(slice(1, 3))(0.0, theta[1:3]), want[1:3])
    with pytest.raises(DataError, match="metric matrix"):
        Metric.matrix(torch.ones(D, D + 1))
    with pytest.raises(DataError, match="non-negative"):
        Metric.diag(-torch.ones(D))


class _Custom:
    """A network that brings its own torch forward: f = θ0 · sin(θ1 x)."""

    dim = 2
    layer_widths = (1, 1)

    def describe(self):
        return "custom"

    def torch_forward(self, theta, X):
        return theta[0] * torch.sin(theta[1] * X[:, 0])


def test_model_registry():
    act = get_activation("tanh")
    assert isinstance(model_for(TwoLayerNet(2, act)), TwoLayerModel)
    assert isinstance(model_for(DeepNet((2, 2), act)), DeepModel)
    custom = model_for(_Custom())
    assert isinstance(custom, FuncModel)
    theta = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    g = custom.risk_grad(theta, [[1.0]], [0.0])  # R = (2 sin 3)²/2
    s, c = torch.sin(torch.tensor(3.0, dtype=torch.float64)), torch.cos(torch.tensor(3.0, dtype=torch.float64))
    _close(g, torch.stack([2 * s * s, 2 * s * 2 * c])[None])
    with pytest.raises(ArchitectureError, match="no numeric model for str"):
        model_for("tanh")
