"""Tracing: the traced graph computes exactly what the module computes; what is refused."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from simtool.errors import ModelError  # noqa: E402
from simtool.inspect import trace_network  # noqa: E402
from simtool.inspect.check import forward_agreement  # noqa: E402
from tests.tolerances import BATCH_VS_SINGLE  # noqa: E402


class Acts(nn.Module):
    """Every supported activation spelling, skips, scalars, sub, cat, tied and transposed weights."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 3)
        self.b = nn.Linear(3, 3, bias=False)
        self.bias = nn.Parameter(torch.zeros(3))
        self.c = nn.Linear(6, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        h = F.gelu(self.a(x), approximate="tanh") + torch.sigmoid(self.a(x)) * 0.5
        g = nn.functional.softplus(self.b(h) + self.bias, beta=2.0) - F.silu(h) / 4
        g = torch.sin(g) + F.leaky_relu(g, 0.2) + F.gelu(g) + torch.erf(g) + g**3 - torch.exp(-g)
        k = F.linear(g, self.b.weight.t()) + g @ self.b.weight
        return self.c(self.drop(torch.cat([torch.tanh(k), F.relu(h)], dim=-1)))


def test_traced_forward_equals_the_module():
    model = Acts().eval()
    net, theta = trace_network(model)
    res = forward_agreement(model, net, theta, np.random.default_rng(0), tolerance=BATCH_VS_SINGLE)
    assert res.ok, res
    names = {v.activation for v in net.graph.vertices if v.activation}
    assert {"gelu_tanh", "sigmoid", "softplus_beta2", "silu", "sin", "leaky_relu_1_5", "gelu", "erf", "cube",
            "exp", "tanh", "relu"} == names
    assert net.graph.tied_tensors == frozenset({"a.weight", "a.bias", "b.weight"})  # `a` is called twice


def test_gelu_tanh_is_not_the_exact_gelu():
    from simtool.inspect.elementwise import gelu

    assert gelu("tanh").expr != gelu("none").expr
    z = torch.linspace(-3, 3, 61, dtype=torch.float64)
    from simtool.inspect.numeric_forward import _compiled

    for approx in ("none", "tanh"):
        ours = _compiled(gelu(approx).expr)(z.numpy())
        assert np.allclose(ours, F.gelu(z, approximate=approx).numpy(), rtol=BATCH_VS_SINGLE, atol=BATCH_VS_SINGLE)


class Control(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return -self.fc(x)


class InPlace(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)

    def forward(self, x):
        h = self.fc(x)
        h.add_(1.0)
        return h


class Product(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 2)

    def forward(self, x):
        h = self.fc(x)
        return h * h


class UnknownOp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 2)

    def forward(self, x):
        return torch.abs(self.fc(x))


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.att = nn.MultiheadAttention(4, 1)

    def forward(self, x):
        return self.att(x, x, x)[0]


@pytest.mark.parametrize("model, pattern", [
    (nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2)), r"module '1' \(LayerNorm\) is not supported"),
    (Attention(), r"MultiheadAttention|forward takes|cannot"),
    (nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).train(), r"Dropout\) is in training mode"),
    (Control(), r"torch.fx cannot trace Control: .*control flow"),
    (InPlace(), r"in-place method .add_\(\)"),
    (Product(), r"only multiplication by a numeric constant"),
    (UnknownOp(), r"unsupported operation abs"),
    (nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=-1)), r"\(Softmax\) is not supported"),
])
def test_unsupported_pieces_are_refused_with_one_line(model, pattern):
    with pytest.raises(ModelError, match=pattern) as info:
        trace_network(model, input_dim=4 if isinstance(model, Attention) else None)
    assert "\n" not in str(info.value)


def test_input_dim_must_be_inferable():
    class OnlyAct(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(2, 3))

        def forward(self, x):
            return torch.tanh(x) @ self.w

    with pytest.raises(ModelError, match="cannot infer the input dimension"):
        trace_network(OnlyAct())
    net, _ = trace_network(OnlyAct(), input_dim=2)
    assert net.input_dim == 2 and net.n_outputs == 3


def test_parameter_layout_is_parameters_to_vector():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    net, theta = trace_network(model)
    ref = torch.nn.utils.parameters_to_vector(model.parameters()).detach().double().numpy()
    assert np.array_equal(theta, ref)
    assert net.names[:3] == ("0.weight_1_1", "0.weight_1_2", "0.weight_2_1")
    assert net.index("2.bias_1") == net.dim - 1


def test_traced_network_is_torch_free_data():
    import subprocess
    import sys

    code = ("import sys, simtool.inspect, simtool.inspect.lattice, simtool.inspect.verify; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_inspect_module_is_exported_at_the_top():
    import simtool

    ins = simtool.inspect_module(nn.Sequential(nn.Linear(1, 2), nn.Tanh(), nn.Linear(2, 1)))
    assert ins.group.order == 8


def test_flatten_and_layout_keeping_reshapes_are_the_identity():
    class Mnist(nn.Module):
        def __init__(self):
            super().__init__()
            self.flat = nn.Flatten()
            self.fc1, self.fc2 = nn.Linear(6, 4), nn.Linear(4, 3)

        def forward(self, x):
            h = self.flat(x).view(x.size(0), -1).reshape(-1, 6)
            return self.fc2(torch.tanh(self.fc1(h)))

    net, theta = trace_network(Mnist())
    assert net.layer_widths == (6, 4, 3)
    assert forward_agreement(Mnist(), net, theta, np.random.default_rng(0), tolerance=BATCH_VS_SINGLE).ok

    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 4)

        def forward(self, x):
            return self.fc(x).view(-1, 2)

    with pytest.raises(ModelError, match=r"changes the \(batch, features\) layout"):
        trace_network(Bad())
