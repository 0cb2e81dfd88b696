"""Integrators: declared order, tolerances, per-row step control, validation (math.md §8)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from simtool.errors import IntegratorError
from simtool.numeric import INTEGRATORS, GradientFlowField, Status, TwoLayerModel, integrate
from simtool.numeric.adaptive import _dopri5_step
from simtool.numeric.fields import BatchField
from simtool.numeric.integrators import get_integrator
from tests.tolerances import FLOAT_VS_EXACT, KERNEL_VS_ORACLE, ORDER_SLACK, REASSOCIATION, ULP_LEVEL


def _quadratic(D=4, batch=3, seed=0):
    """θ' = -Hθ with H symmetric positive definite: θ(t) = expm(-tH) θ0."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((D, D))
    H = A @ A.T / D + 0.5 * np.eye(D)
    Ht = torch.tensor(H)
    theta0 = torch.tensor(rng.standard_normal((batch, D)))

    def field(t, th):
        return -th @ Ht

    def exact(t):
        return theta0 @ torch.tensor(scipy.linalg.expm(-t * H)).T

    return field, theta0, exact


def _slope(dts, errs):
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0])


@pytest.mark.parametrize("method,dts", [("euler", [0.04, 0.02, 0.01, 0.005]),
                                        ("gd", [0.04, 0.02, 0.01, 0.005]),
                                        ("rk4", [0.2, 0.1, 0.05, 0.025])])
def test_fixed_step_order(method, dts):
    field, theta0, exact = _quadratic()
    errs = [float((integrate(field, theta0, 1.0, method=method, dt=dt).final - exact(1.0))
                  .abs().max()) for dt in dts]
    order = get_integrator(method).order
    assert abs(_slope(dts, errs) - order) < ORDER_SLACK, (errs, order)


def test_dopri5_tableau_order():
    field, theta0, exact = _quadratic(batch=2)
    errs, dts = [], [0.1, 0.05, 0.025, 0.0125]
    for dt in dts:
        y, n = theta0.clone(), round(2.0 / dt)
        h = torch.full((2,), dt, dtype=torch.float64)
        for i in range(n):
            y, _, _ = _dopri5_step(field, h * i, y, h, field(0.0, y))
        errs.append(float((y - exact(2.0)).abs().max()))
    assert abs(_slope(dts, errs) - INTEGRATORS["dopri5"].order) < ORDER_SLACK, errs


@pytest.mark.parametrize("method", ["dopri5", "radau"])
@pytest.mark.parametrize("rtol,atol", [(1e-5, 1e-8), (1e-9, 1e-12)])
def test_adaptive_meets_tolerance(method, rtol, atol):
    field, theta0, exact = _quadratic()
    res = integrate(field, theta0, 3.0, method=method, rtol=rtol, atol=atol,
                    save_at=[0.0, 0.5, 3.0])
    assert res.counts()["completed"] == 3
    for i, t in enumerate(res.times.tolist()):
        ref = exact(t)
        scale = atol + rtol * ref.abs()
        # global error of a method controlling local error: a small multiple of the tolerance
        assert float(((res.states[i] - ref).abs() / scale).max()) < 50.0, (t, method)


class _Decay(BatchField):
    """θ' = -λ_b θ with a rate per row; ``rows`` lets per-row methods split it."""

    def __init__(self, lams):
        self.lam = torch.as_tensor(lams, dtype=torch.float64)[:, None]

    def __call__(self, t, th):
        return -self.lam * th

    def rows(self, index):
        return _Decay(self.lam[index, 0])

    def jacobian(self, th):
        return -self.lam[:, :, None] * torch.eye(th.shape[1], dtype=th.dtype)


def _decay(lams):
    return _Decay(lams)


def test_per_trajectory_step_control():
    field = _decay([1.0, 200.0])
    theta0 = torch.ones(2, 3, dtype=torch.float64)
    res = integrate(field, theta0, 2.0, method="dopri5", rtol=1e-7, atol=1e-10)
    assert res.counts()["completed"] == 2
    assert res.n_steps[1] > 5 * res.n_steps[0]
    torch.testing.assert_close(res.final[0], torch.full((3,), math.exp(-2.0), dtype=torch.float64),
                               rtol=1e-6, atol=0)
    # each row is controlled alone: the batched run equals the single-row runs bit for bit
    for b, lam in enumerate([1.0, 200.0]):
        alone = integrate(_decay([lam]), theta0[b:b + 1], 2.0, method="dopri5", rtol=1e-7,
                          atol=1e-10)
        assert torch.equal(alone.final[0], res.final[b])
        assert alone.n_steps[0] == res.n_steps[b]


def test_radau_handles_stiff_rows():
    field = _decay([1.0, 1e3])
    theta0 = torch.ones(2, 2, dtype=torch.float64)
    stiff = integrate(field, theta0, 3.0, method="radau", rtol=1e-6, atol=1e-10)
    explicit = integrate(field, theta0, 3.0, method="dopri5", rtol=1e-6, atol=1e-10)
    assert stiff.counts()["completed"] == 2
    # dopri5 is stability-limited (h ≲ 3.3/λ); the implicit method is not
    assert stiff.n_steps[1] * 5 < explicit.n_steps[1]
    assert float(stiff.final[1].abs().max()) < 1e-9
    torch.testing.assert_close(stiff.final[0], torch.full((2,), math.exp(-3.0),
                                                          dtype=torch.float64), rtol=1e-5, atol=0)


def test_fixed_step_lands_on_save_times():
    field, theta0, exact = _quadratic()
    save = [0.0, 0.13, 0.5, 1.0]
    res = integrate(field, theta0, 1.0, method="rk4", dt=0.01, save_at=save)
    assert res.times.tolist() == save and res.states.shape == (4, 3, 4)
    assert torch.equal(res.states[0], theta0)
    for i, t in enumerate(save):
        torch.testing.assert_close(res.states[i], exact(t), rtol=1e-7, atol=1e-9)
    assert torch.equal(res.states[-1], res.final)


def test_gd_is_euler_with_learning_rate():
    field, theta0, _ = _quadratic()
    gd = integrate(field, theta0, 1.0, method="gd", dt=0.1, save_at=[0.0, 0.3, 1.0])
    y = theta0.clone()
    for _ in range(10):
        y = y + 0.1 * field(0.0, y)
    torch.testing.assert_close(gd.final, y, rtol=ULP_LEVEL, atol=ULP_LEVEL)
    assert gd.n_steps.tolist() == [10, 10, 10]
    off_grid = integrate(field, theta0, 1.0, method="gd", dt=0.1, save_at=[0.0, 0.33, 1.0])
    torch.testing.assert_close(off_grid.times, torch.tensor([0.0, 0.3, 1.0]))  # rounded


def _net_field(batch=4, n=32, seed=0, act="tanh"):
    model = TwoLayerModel.from_spec(3, act, input_dim=2)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=g, dtype=torch.float64)
    y = torch.sin(X[:, 0]) - X[:, 1]
    return GradientFlowField(model, X, y), model.sample_theta(batch, generator=g)


def test_sgd_is_reproducible_and_full_batch_is_gd():
    field, theta0 = _net_field()
    run = [integrate(field, theta0, 1.0, method="sgd", dt=0.05, batch_size=8,
                     generator=torch.Generator().manual_seed(s)) for s in (7, 7, 8)]
    assert torch.equal(run[0].final, run[1].final)
    assert not torch.equal(run[0].final, run[2].final)
    full = integrate(field, theta0, 1.0, method="sgd", dt=0.05, batch_size=32,
                     generator=torch.Generator().manual_seed(0))
    gd = integrate(field, theta0, 1.0, method="gd", dt=0.05)
    torch.testing.assert_close(full.final, gd.final, rtol=KERNEL_VS_ORACLE, atol=FLOAT_VS_EXACT)


@pytest.mark.parametrize("method", ["rk4", "dopri5", "sgd"])
def test_chunked_equals_unchunked(method):
    field, theta0 = _net_field(batch=5)
    kw = {"dt": 0.05, "batch_size": 8} if method != "dopri5" else {}
    runs = [integrate(field, theta0, 1.0, method=method, chunk_size=c,
                      generator=torch.Generator().manual_seed(3), **kw) for c in (None, 2)]
    torch.testing.assert_close(runs[0].states, runs[1].states, rtol=FLOAT_VS_EXACT, atol=REASSOCIATION)
    assert torch.equal(runs[0].status, runs[1].status)


@pytest.mark.parametrize("method", ["rk4", "dopri5"])
def test_max_steps_returns_last_state(method):
    field, theta0, _ = _quadratic()
    res = integrate(field, theta0, 1.0, method=method, dt=0.01, max_steps=7)
    assert res.max_steps.tolist() == [0, 1, 2]
    assert res.n_steps.tolist() == [7, 7, 7]
    assert bool(torch.isfinite(res.final).all()) and bool((res.t_final < 1.0).all())
    assert torch.equal(res.states[-1], res.final)


def test_validation_messages():
    field, theta0, _ = _quadratic()
    cases = [
        (dict(method="midpoint", dt=0.1), "unknown integrator 'midpoint'; choose one of euler"),
        (dict(method="rk4"), "needs a step size dt"),
        (dict(method="rk4", dt=-0.1), "dt must be a positive finite number, got -0.1"),
        (dict(method="rk4", dt=0.1, save_at=[0.5, 0.2]), "strictly increasing"),
        (dict(method="rk4", dt=0.1, save_at=[0.5, 2.0]), "within"),
        (dict(method="rk4", dt=0.1, max_steps=2.5), "max_steps must be a positive integer"),
        (dict(method="sgd", dt=0.1), "torch.Generator"),
        (dict(method="dopri5", rtol=0), "rtol must be"),
    ]
    for kwargs, message in cases:
        with pytest.raises(IntegratorError, match=message.replace("(", r"\(")):
            integrate(field, theta0, 1.0, **kwargs)
    with pytest.raises(IntegratorError, match="t_max"):
        integrate(field, theta0, math.inf, dt=0.1)
    with pytest.raises(IntegratorError, match=r"\(batch, D\)"):
        integrate(field, theta0[0], 1.0, dt=0.1)
    with pytest.raises(IntegratorError, match=r"\.subset"):
        integrate(field, theta0, 1.0, method="sgd", dt=0.1, batch_size=2,
                  generator=torch.Generator())
    net_field, th = _net_field()
    with pytest.raises(IntegratorError, match="exceeds"):
        integrate(net_field, th, 1.0, method="sgd", dt=0.1, batch_size=99,
                  generator=torch.Generator())


def test_registry_declares_orders():
    assert {k: v.order for k, v in INTEGRATORS.items()} == {
        "euler": 1, "rk4": 4, "dopri5": 5, "radau": 5, "gd": 1, "sgd": 1}
    assert Status.COMPLETED == 0
