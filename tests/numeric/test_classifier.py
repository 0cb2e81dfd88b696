"""MLPClassifier: layout, forward oracle, gradient vs torch.func, training, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from simtool.errors import ArchitectureError, DataError, SimtoolError
from simtool.numeric.classifier import MLPClassifier, SoftmaxCrossEntropy
from simtool.numeric.training import log_spaced_steps, train
from tests.tolerances import BATCH_VS_SINGLE


def _problem(widths, activation, seed=0, n=9, batch=4):
    g = torch.Generator().manual_seed(seed)
    model = MLPClassifier(widths, activation, device="cpu")
    theta = model.sample_theta(batch, generator=g)
    X = torch.randn(n, widths[0], generator=g, dtype=torch.float64)
    y = torch.randint(0, widths[-1], (n,), generator=g)
    return model, theta, X, y


@pytest.mark.parametrize("widths", [(3, 2), (3, 5, 4), (2, 4, 3, 5), (4, 3, 3, 3, 2)])
@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_forward_matches_nn_linear_stack(widths, activation):
    model, theta, X, _ = _problem(widths, activation)
    act = {"tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU(), "linear": torch.nn.Identity()}[activation]
    out = model.forward(theta, X)
    for row in range(theta.shape[0]):
        layers = []
        for layer, ((w0, w1), (b0, b1)) in enumerate(model.layout):
            lin = torch.nn.Linear(widths[layer], widths[layer + 1], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(theta[row, w0:w1].reshape(widths[layer + 1], widths[layer]))
                lin.bias.copy_(theta[row, b0:b1])
            layers += [lin, act]
        net = torch.nn.Sequential(*layers[:-1])
        with torch.no_grad():
            assert torch.max(torch.abs(net(X) - out[row])) < BATCH_VS_SINGLE


@pytest.mark.parametrize("widths", [(3, 4), (3, 5, 4), (2, 4, 3, 5)])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_gradient_matches_torch_func(widths, activation, bias):
    g = torch.Generator().manual_seed(1)
    model = MLPClassifier(widths, activation, bias=bias, device="cpu")
    theta = model.sample_theta(3, generator=g) * 3.0
    X = torch.randn(3, 7, widths[0], generator=g, dtype=torch.float64)  # one data set per row
    y = torch.randint(0, widths[-1], (3, 7), generator=g)

    def risk_one(t, x, yy):
        # the loss on the forward pass, autograd end to end (no label validation under vmap)
        return model.loss.value(model.forward(t.unsqueeze(0), x.unsqueeze(0)), yy.unsqueeze(0)).mean()

    ref = torch.func.vmap(torch.func.grad(risk_one))(theta, X, y)
    risk, grad = model.risk_and_grad(theta, X, y)
    assert torch.max(torch.abs(grad - ref)) < BATCH_VS_SINGLE
    assert torch.max(torch.abs(risk - model.risk(theta, X, y))) < BATCH_VS_SINGLE


def test_cross_entropy_matches_torch():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 6, 5, generator=g, dtype=torch.float64) * 10
    y = torch.randint(0, 5, (6,), generator=g)
    ce = SoftmaxCrossEntropy()
    ref = torch.stack([torch.nn.functional.cross_entropy(lg, y, reduction="none") for lg in logits])
    assert torch.max(torch.abs(ce.value(logits, y) - ref)) < BATCH_VS_SINGLE


def test_default_init_bounds():
    model = MLPClassifier((16, 4, 3), device="cpu")
    theta = model.sample_theta(200, generator=torch.Generator().manual_seed(0))
    (w0, w1), (b0, b1) = model.layout[1]
    assert theta[:, w0:b1].abs().max() <= 0.5 and theta[:, w0:b1].abs().max() > 0.45
    (w0, w1), (b0, b1) = model.layout[0]
    assert theta[:, w0:b1].abs().max() <= 0.25


def test_bad_input_refused():
    with pytest.raises(ArchitectureError, match="unknown activation 'gelu'"):
        MLPClassifier((2, 3), "gelu")
    with pytest.raises(ArchitectureError):
        MLPClassifier((2,))
    model = MLPClassifier((2, 3), device="cpu")
    with pytest.raises(DataError, match="labels must lie"):
        model.risk(model.sample_theta(1), torch.zeros(2, 2), torch.tensor([0, 3]))
    with pytest.raises(DataError, match="inputs must be"):
        model.forward(model.sample_theta(1), torch.zeros(2, 5))


def test_gd_matches_per_row_loop_and_sgd_adam_descend():
    model, theta, X, y = _problem((3, 6, 3), "tanh", n=30, batch=3)
    lr = torch.tensor([0.1, 0.3, 1.0], dtype=torch.float64)
    res = train(model, theta, X, y, steps=25, lr=lr)
    for row in range(3):
        t = theta[row:row + 1].clone()
        for _ in range(25):
            t = t - lr[row] * model.risk_and_grad(t, X, y)[1]
        assert torch.max(torch.abs(res.theta[row] - t[0])) < BATCH_VS_SINGLE
    r0 = model.risk(theta, X, y)
    for opt in ("sgd", "adam"):
        out = train(model, theta, X, y, steps=300, lr=0.05 if opt == "sgd" else 0.01, optimizer=opt,
                    batch_size=8, generator=torch.Generator().manual_seed(0))
        assert bool((model.risk(out.theta, X, y) < r0).all())


def test_minibatches_are_independent_per_row():
    model, theta, X, y = _problem((3, 4, 2), "tanh", n=40, batch=1)
    theta = theta.repeat(2, 1)
    out = train(model, theta, X, y, steps=3, lr=0.5, batch_size=5, generator=torch.Generator().manual_seed(0))
    assert torch.max(torch.abs(out.theta[0] - out.theta[1])) > 0


def test_checkpoints_and_records():
    model, theta, X, y = _problem((3, 4, 2), "tanh", n=10, batch=2)
    steps = log_spaced_steps(50, 8)
    res = train(model, theta, X, y, steps=50, lr=0.1, checkpoints=steps,
                record=lambda t, s: {"risk": model.risk(t, X, y), "step": torch.tensor(s)})
    assert res.records["risk"].shape == (steps.size, 2)
    assert res.records["step"].tolist() == steps.tolist()
    assert np.all(np.diff(res.records["risk"], axis=0) < 0)  # GD with a small step descends


def test_divergent_row_is_frozen_not_fatal():
    model, theta, X, y = _problem((3, 4, 2), "tanh", n=10, batch=2)
    theta[1, 0] = float("inf")
    res = train(model, theta, X, y, steps=5, lr=0.1)
    assert res.finite.tolist() == [True, False]
    assert torch.isfinite(res.theta[0]).all()


def test_unknown_optimizer():
    model, theta, X, y = _problem((3, 2), "tanh")
    with pytest.raises(SimtoolError, match="unknown optimizer 'lbfgs'; choose one of sgd, adam"):
        train(model, theta, X, y, steps=1, lr=0.1, optimizer="lbfgs")


def test_mask_weights_equal_training_on_the_subset():
    model, theta, X, y = _problem((3, 5, 3), "tanh", n=12, batch=2)
    mask = torch.zeros(2, 12, dtype=torch.float64)
    mask[0, :7] = 1.0
    mask[1, 4:] = 1.0
    res = train(model, theta, X, y, steps=10, lr=0.3, weights=mask)
    for row, keep in ((0, slice(0, 7)), (1, slice(4, 12))):
        sub = train(model, theta[row:row + 1], X[keep], y[keep], steps=10, lr=0.3)
        assert torch.max(torch.abs(res.theta[row] - sub.theta[0])) < BATCH_VS_SINGLE


@pytest.mark.parametrize("per_row", [False, True])
def test_jacobian_matches_autograd_loop(per_row):
    model, theta, X, _ = _problem((3, 4, 3, 2), "tanh", n=5, batch=2)
    if per_row:
        X = torch.stack([X, 2.0 * X])
    J = model.jacobian(theta, X)
    assert J.shape == (2, 5, 2, model.dim)
    for row in range(2):
        x = X[row] if per_row else X
        ref = torch.autograd.functional.jacobian(lambda t, x=x: model.forward(t.unsqueeze(0), x)[0], theta[row])
        assert torch.max(torch.abs(J[row] - ref)) < BATCH_VS_SINGLE
