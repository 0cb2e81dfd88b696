"""Losses: values, derivatives against autograd, stability, registry errors."""

from __future__ import annotations

import pytest
import torch

from simtool.errors import DataError
from simtool.numeric import LOSSES, get_loss
from tests.tolerances import REASSOCIATION, ULP_LEVEL

CASES = [("mse", {}), ("logistic", {}), ("huber", {}), ("huber", {"delta": 0.3})]


def _data(name):
    g = torch.Generator().manual_seed(1)
    p = 3 * torch.randn(4, 9, generator=g, dtype=torch.float64)
    y = torch.randn(9, generator=g, dtype=torch.float64)
    if name == "logistic":
        y = (y > 0).to(torch.float64)
    return p, y


@pytest.mark.parametrize("name,params", CASES)
def test_derivatives_match_autograd(name, params):
    loss = get_loss(name, **params)
    p, y = _data(name)
    pp = p.clone().requires_grad_(True)
    (d1,) = torch.autograd.grad(loss.value(pp, y).sum(), pp, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), pp)
    torch.testing.assert_close(loss.derivative(p, y), d1.detach(), rtol=REASSOCIATION, atol=ULP_LEVEL)
    torch.testing.assert_close(loss.second_derivative(p, y), d2, rtol=REASSOCIATION, atol=ULP_LEVEL)
    assert loss.value(p, y).shape == (4, 9)


def test_conventions():
    p, y = torch.tensor([3.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
    assert get_loss("mse").value(p, y).item() == 2.0  # ½ (p - y)²
    assert get_loss("huber", delta=1.0).value(p, y).item() == 1.5  # δ(|r| - δ/2)
    # {0,1} and {-1,+1} labels mean the same thing
    lg = get_loss("logistic")
    p = torch.tensor([0.7, -2.0], dtype=torch.float64)
    torch.testing.assert_close(lg.value(p, torch.tensor([0.0, 1.0])),
                               lg.value(p, torch.tensor([-1.0, 1.0])))
    torch.testing.assert_close(lg.value(p, torch.tensor([0.0, 1.0])),
                               torch.nn.functional.binary_cross_entropy_with_logits(
                                   p, torch.tensor([0.0, 1.0]), reduction="none"))


def test_logistic_is_stable_for_huge_logits():
    lg = get_loss("logistic")
    p = torch.tensor([-1e4, 1e4], dtype=torch.float64)
    y = torch.tensor([1.0, 1.0], dtype=torch.float64)
    assert lg.value(p, y).tolist() == [1e4, 0.0]
    assert lg.derivative(p, y).tolist() == [-1.0, -0.0]


def test_registry_errors():
    assert set(LOSSES) == {"mse", "logistic", "huber"}
    with pytest.raises(DataError, match="choose one of mse, logistic, huber"):
        get_loss("hinge")
    with pytest.raises(DataError, match="positive"):
        get_loss("huber", delta=-1)
    with pytest.raises(DataError, match="does not take"):
        get_loss("mse", delta=1)
    with pytest.raises(DataError, match="NaN"):
        get_loss("mse").check_targets(torch.tensor([float("nan")]))
    loss = get_loss("mse")
    assert get_loss(loss) is loss
