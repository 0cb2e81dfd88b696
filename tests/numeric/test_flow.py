"""Gradient flows of the two-layer net: statuses, properties of the flow (math.md §5, §8)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from simtool.errors import DataError
from simtool.numeric import GradientFlowField, Status, TwoLayerModel, integrate
from tests.tolerances import KERNEL_VS_ORACLE, REASSOCIATION, ROUNDOFF_REL, ULP_LEVEL


def _field(act="tanh", width=3, d=2, n=24, seed=0, loss="mse", output_bias=False):
    model = TwoLayerModel.from_spec(width, act, input_dim=d, output_bias=output_bias)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.tanh(2 * X[:, 0]) + 0.3 * X[:, -1]
    if loss == "logistic":
        y = (y > 0).to(torch.float64)
    return GradientFlowField(model, X, y, loss), g


def test_divergent_row_does_not_disturb_the_others():
    model = TwoLayerModel.from_spec(1, "identity", bias=False)  # f = a w x
    field = GradientFlowField(model, [1.0], [1.0])
    theta0 = torch.tensor([[0.5, 0.5], [10.0, 10.0], [0.3, -0.4], [1.2, 0.7]], dtype=torch.float64)
    res = integrate(field, theta0, 300.0, method="gd", dt=0.1, gtol=1e-8, max_norm=1e6)
    assert res.diverged.tolist() == [1]
    assert res.converged.tolist() == [0, 2, 3]
    assert res.counts() == {"completed": 0, "converged": 3, "max_steps": 0, "diverged": 1,
                            "non_finite": 0}
    assert res.ok.tolist() == [True, False, True, True]
    assert float(torch.linalg.vector_norm(res.final[1])) > 1e6
    alone = integrate(field, theta0[[0, 2, 3]], 300.0, method="gd", dt=0.1, gtol=1e-8)
    assert torch.equal(alone.final, res.final[[0, 2, 3]])
    assert torch.equal(alone.n_steps, res.n_steps[[0, 2, 3]])
    # a converged row stops: its later saves repeat its final state
    assert torch.equal(res.states[-1], res.final) and bool((res.t_final[[0, 2, 3]] < 300).all())
    prod = res.final[[0, 2, 3], 0] * res.final[[0, 2, 3], 1]
    torch.testing.assert_close(prod, torch.ones(3, dtype=torch.float64), rtol=1e-7, atol=0)


@pytest.mark.parametrize("method", ["rk4", "dopri5"])
def test_non_finite_row_is_frozen_and_reported(method):
    model = TwoLayerModel.from_spec(2, "exp", bias=False)
    field = GradientFlowField(model, [1.0, -0.5], [0.5, 0.2])
    theta0 = torch.tensor([[0.1, 0.2, -0.1, 0.3], [1.0, 800.0, 1.0, 0.0], [0.2, -0.1, 0.1, 0.1]],
                          dtype=torch.float64)
    res = integrate(field, theta0, 1.0, method=method, dt=0.01)
    assert res.non_finite.tolist() == [1] and res.completed.tolist() == [0, 2]
    assert torch.equal(res.final[1], theta0[1])  # last finite state
    assert bool(torch.isfinite(res.states).all())
    ref = integrate(field, theta0[[0, 2]], 1.0, method=method, dt=0.01)
    torch.testing.assert_close(ref.final, res.final[[0, 2]], rtol=REASSOCIATION, atol=ULP_LEVEL)


def test_status_lookup():
    field, g = _field()
    res = integrate(field, field.model.sample_theta(2, generator=g), 0.1, dt=0.05)
    assert res.indices("completed").tolist() == [0, 1]
    assert res.indices(Status.DIVERGED).tolist() == []
    with pytest.raises(DataError, match="unknown status 'lost'; choose one of completed"):
        res.indices("lost")


@pytest.mark.parametrize("method", ["rk4", "dopri5", "sgd", "radau"])
def test_bit_for_bit_reproducible(method):
    field, g = _field(n=16)
    theta0 = field.model.sample_theta(3, generator=g)
    runs = [integrate(field, theta0, 0.5, method=method, dt=0.05, batch_size=4,
                      generator=torch.Generator().manual_seed(11), save_at=[0.0, 0.25, 0.5])
            for _ in range(2)]
    assert torch.equal(runs[0].states, runs[1].states)
    assert torch.equal(runs[0].n_steps, runs[1].n_steps)


@given(seed=st.integers(0, 2**16), loss=st.sampled_from(["mse", "logistic", "huber"]),
       act=st.sampled_from(["tanh", "sigmoid", "softplus", "sin"]))
def test_risk_is_monotone_along_rk4_flow(seed, loss, act):
    field, g = _field(act, width=2, n=12, seed=seed, loss=loss, output_bias=True)
    theta0 = field.model.sample_theta(3, generator=g)
    res = integrate(field, theta0, 1.0, method="rk4", dt=0.01,
                    save_at=torch.linspace(0, 1, 21))
    risk = torch.stack([field.risk(s) for s in res.states])  # (T, batch)
    assert bool((risk[1:] <= risk[:-1] * (1 + 1e-12) + 1e-15).all())


def _unit_map(model, perm, signs):
    """Signed permutation of units acting on θ (math.md §3)."""
    def g(theta):
        m, us = model.width, model.unit_size
        units = theta.reshape(len(theta), m, us)[:, perm]
        sign = torch.tensor(signs, dtype=theta.dtype)[None, :, None]
        return (units * sign).reshape(len(theta), -1)
    return g


@given(seed=st.integers(0, 2**16), perm=st.permutations([0, 1, 2]),
       signs=st.lists(st.sampled_from([1.0, -1.0]), min_size=3, max_size=3),
       act=st.sampled_from(["tanh", "sin", "sigmoid"]))
def test_flow_is_equivariant(seed, perm, signs, act):
    if act == "sigmoid":  # not odd: only permutations are symmetries
        signs = [1.0, 1.0, 1.0]
    field, gen = _field(act, width=3, n=10, seed=seed)
    g = _unit_map(field.model, perm, signs)
    theta0 = field.model.sample_theta(2, generator=gen)
    a = integrate(field, g(theta0), 0.5, method="rk4", dt=0.05).final
    b = g(integrate(field, theta0, 0.5, method="rk4", dt=0.05).final)
    scale = torch.linalg.vector_norm(b, dim=1, keepdim=True)
    assert float(((a - b).abs() / scale).max()) < ROUNDOFF_REL


def test_reduced_network_needs_the_metric():
    """math.md §5: width 3 with units 1, 2 condensed = width 2 with ã = 2a and metric."""
    field, gen = _field("tanh", width=3, d=1, n=16)
    narrow_model = TwoLayerModel.from_spec(2, "tanh", input_dim=1)
    metric = torch.tensor([2.0, 0.5, 0.5, 1.0, 1.0, 1.0], dtype=torch.float64)
    reduced = GradientFlowField(narrow_model, field.X, field.y, metric=metric)
    naive = GradientFlowField(narrow_model, field.X, field.y)
    u = torch.randn(2, 3, generator=gen, dtype=torch.float64)  # (a, w, b) of the two blocks
    wide0 = torch.cat([u[0], u[0], u[1]])[None]
    narrow0 = torch.cat([u[0] * torch.tensor([2.0, 1.0, 1.0]), u[1]])[None]
    wide = integrate(field, wide0, 2.0, method="rk4", dt=0.01).final[0]
    lift = torch.tensor([0.5, 1.0, 1.0], dtype=torch.float64)
    for red, close in ((reduced, True), (naive, False)):
        nar = integrate(red, narrow0, 2.0, method="rk4", dt=0.01).final[0]
        lifted = torch.cat([nar[:3] * lift, nar[:3] * lift, nar[3:]])
        err = float((lifted - wide).abs().max())
        assert (err < KERNEL_VS_ORACLE) if close else (err > 1e-3), err
