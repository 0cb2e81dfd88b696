"""The numeric engine on CUDA against the CPU (run by benchmarks/gpu.sh; skipped here)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from simtool.numeric import GradientFlowField, integrate
from simtool.numeric.checks import CONFIRMED, FlowSetup, check_element
from simtool.numeric.data import make_dataset
from simtool.numeric.func_model import FuncModel
from simtool.numeric.models import model_for
from simtool.symbolic.activation import get_activation
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.lattice import enumerate_lattice
from simtool.symbolic.network import TwoLayerNet
from tests.tolerances import KERNEL_VS_ORACLE

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

NETS = [TwoLayerNet(4, get_activation("tanh"), 3, True, True),
        DeepNet((5, 3), get_activation("tanh"), input_dim=3, output_bias=True),
        DeepNet((3, 4, 2), get_activation("cos"), input_dim=2, bias=False)]


def _data(net, B=6, n=11):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, net.layer_widths[0], generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    theta = torch.randn(B, net.dim, generator=g, dtype=torch.float64)
    return X, y, theta


@pytest.mark.parametrize("net", NETS, ids=lambda n: n.describe())
def test_kernels_on_cuda_match_the_cpu_oracle(net):
    X, y, theta = _data(net)
    cuda = model_for(net, device="cuda")
    oracle = FuncModel(net)
    with torch.no_grad():
        r1, g1 = cuda.risk_and_grad(theta.cuda(), X.cuda(), y.cuda())
        r0, g0 = oracle.risk_and_grad(theta, X, y)
    scale = max(float(g0.abs().max()), 1.0)
    torch.testing.assert_close(g1.cpu(), g0, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE * scale)
    torch.testing.assert_close(r1.cpu(), r0, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE)
    J1, J0 = cuda.jacobian(theta.cuda(), X.cuda()).cpu(), oracle.jacobian(theta, X)
    torch.testing.assert_close(J1, J0, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE * scale)


@pytest.mark.parametrize("method", ["rk4", "dopri5"])
@pytest.mark.parametrize("net", NETS[:2], ids=lambda n: n.describe())
def test_integration_on_cuda_matches_cpu(net, method):
    X, y, theta = _data(net, B=64)
    runs = []
    for dev in ("cpu", "cuda"):
        fld = GradientFlowField(model_for(net, device=dev), X, y)
        runs.append(integrate(fld, theta.to(dev), 1.0, method=method, dt=0.02, rtol=1e-9, atol=1e-12))
    assert torch.equal(runs[0].status, runs[1].status.cpu())
    torch.testing.assert_close(runs[1].final.cpu(), runs[0].final, rtol=1e-9, atol=1e-11)


def test_check_element_on_cuda_confirms():
    net = TwoLayerNet(3, get_activation("tanh"))
    data = make_dataset("teacher", n_samples=16, rng=np.random.default_rng(0), activation=net.activation)
    lat = enumerate_lattice(net)
    setup = FlowSetup(net, data.x, data.y, device="cuda")
    rep = check_element(setup, lat.element("S10"), symmetries=lat.symmetries.generators, n_traj=16, seed=0)
    assert rep.verdict == CONFIRMED, rep.as_dict()
