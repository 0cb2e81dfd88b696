"""TwoLayerModel and the sympy→torch bridge against autograd and sympy (math.md §1–2)."""

from __future__ import annotations

import math

import pytest
import sympy
import torch
from hypothesis import given
from hypothesis import strategies as st

from simtool.bridge import to_torch, torch_activation
from simtool.errors import ActivationError, ArchitectureError, DataError
from simtool.numeric import GradientFlowField, TwoLayerModel, get_loss
from simtool.numeric.kernel_plan import KernelPlan
from simtool.symbolic.activation import REGISTRY, Z, get_activation
from tests.tolerances import BATCH_VS_SINGLE, FLOAT_VS_EXACT, KERNEL_VS_ORACLE, REASSOCIATION, ULP_LEVEL

ACTIVATIONS = sorted(REGISTRY)
# points away from the kinks of relu/leaky_relu (their derivatives jump there)
POINTS = [-2.3, -1.1, -0.4, 0.3, 0.9, 1.7, 2.6]


# -- bridge ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ACTIVATIONS + ["z + z**3/3"])
def test_bridge_matches_sympy(name):
    act = get_activation(name)
    tact = torch_activation(act)
    z = torch.tensor(POINTS, dtype=torch.float64)
    s, ds, d2s = tact.values(z, order=2)
    d1, d2 = sympy.diff(act.expr, Z), sympy.diff(act.expr, Z, 2)
    for i, p in enumerate(POINTS):
        for got, expr in ((s, act.expr), (ds, d1), (d2s, d2)):
            ref = float(expr.subs(Z, sympy.Float(p, 30)).evalf(30))
            assert math.isclose(got[i].item(), ref, rel_tol=FLOAT_VS_EXACT, abs_tol=FLOAT_VS_EXACT), (name, expr, p)
    for got, ref in ((tact.sigma(z), s), (tact.dsigma(z), ds), (tact.d2sigma(z), d2s)):
        torch.testing.assert_close(got, ref, rtol=ULP_LEVEL, atol=ULP_LEVEL)


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "silu"])
def test_closed_forms_in_both_modes(name, grad_mode):
    import mpmath

    z = torch.linspace(-40, 40, 81, dtype=torch.float64) + 0.37
    act = get_activation(name)
    exact = [sympy.lambdify(Z, e, "mpmath") for e in (act.expr, act.derivative)]
    with mpmath.workdps(40), torch.set_grad_enabled(grad_mode):
        got = torch_activation(name).values(z, 1)
        for out, fn in zip(got, exact, strict=True):
            ref = torch.tensor([float(fn(mpmath.mpf(v))) for v in z.tolist()], dtype=torch.float64)
            torch.testing.assert_close(out, ref, rtol=REASSOCIATION, atol=ULP_LEVEL)


def test_fast_tanh_is_exactly_odd_and_handles_specials():
    z = torch.cat([torch.logspace(-300, 3, 4000, dtype=torch.float64),
                   torch.tensor([0.0, math.inf, 19.99, 20.0, 20.01])])
    with torch.no_grad():
        pos, neg = torch_activation("tanh").sigma(z), torch_activation("tanh").sigma(-z)
        nan = torch_activation("tanh").sigma(torch.tensor([math.nan], dtype=torch.float64))
    assert torch.equal(neg, -pos)
    torch.testing.assert_close(pos, torch.tanh(z), rtol=4e-16 * 4, atol=0)
    assert bool(nan.isnan().all())


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "silu", "tanh"])
def test_bridge_closed_forms_do_not_overflow(name):
    z = torch.tensor([-800.0, -50.0, 50.0, 800.0], dtype=torch.float64)
    for v in torch_activation(name).values(z, order=2):
        assert bool(torch.isfinite(v).all()), name


def test_bridge_relu_conventions():
    s, ds, d2s = torch_activation("relu").values(torch.tensor([-1.0, 0.0, 2.0],
                                                              dtype=torch.float64), 2)
    assert s.tolist() == [0.0, 0.0, 2.0]
    assert ds.tolist() == [0.0, 0.5, 1.0]  # sympy: Heaviside(0) = 1/2
    assert d2s.tolist() == [0.0, 0.0, 0.0]  # DiracDelta -> 0 almost everywhere


def test_bridge_piecewise_and_constants():
    expr = sympy.Piecewise((Z**2, Z < 0), (sympy.pi * Z, True))
    (out,) = to_torch([expr], Z)(torch.tensor([-2.0, 3.0], dtype=torch.float64))
    assert out.tolist() == [4.0, 3 * math.pi]
    (const,) = to_torch([sympy.Integer(3)], Z)(torch.zeros(2, dtype=torch.float64))
    assert const.tolist() == [3.0, 3.0]


def test_bridge_rejects_unknown_nodes():
    with pytest.raises(ActivationError, match="cannot translate"):
        to_torch([sympy.gamma(Z)], Z)
    with pytest.raises(ActivationError, match="free symbols"):
        to_torch([Z + sympy.Symbol("q")], Z)
    with pytest.raises(ActivationError, match="order"):
        torch_activation("tanh").values(torch.zeros(1), order=3)


# -- model ---------------------------------------------------------------------------
def _setup(act="tanh", width=3, d=2, bias=True, output_bias=True, batch=4, n=7, seed=0):
    model = TwoLayerModel.from_spec(width, act, d, bias, output_bias)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    theta = model.sample_theta(batch, generator=g)
    return model, X, y, theta


def _single_f(model, X):
    Xd = model.prepare(model.as_inputs(X))
    return lambda th: model.output(th[None], Xd)[0]


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("bias,output_bias", [(True, True), (False, False)])
def test_jacobian_matches_autograd(act, bias, output_bias):
    model, X, _, theta = _setup(act, bias=bias, output_bias=output_bias)
    J = model.jacobian(theta, X)
    assert J.shape == (4, 7, model.dim)
    ref = torch.func.vmap(torch.func.jacrev(_single_f(model, X)))(theta)
    torch.testing.assert_close(J, ref, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE)


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("loss", ["mse", "huber", "logistic"])
def test_risk_grad_matches_autograd_and_jacobian(act, loss):
    model, X, y, theta = _setup(act)
    if loss == "logistic":
        y = (y > 0).to(torch.float64)
    risk, grad = model.risk_and_grad(theta, X, y, loss)
    th = theta.clone().requires_grad_(True)
    Lo = get_loss(loss)
    ref_risk = Lo.value(model(th, X), y).mean(1)
    (ref_grad,) = torch.autograd.grad(ref_risk.sum(), th)
    torch.testing.assert_close(risk, ref_risk.detach(), rtol=FLOAT_VS_EXACT, atol=FLOAT_VS_EXACT)
    torch.testing.assert_close(grad, ref_grad, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE)
    # the same through the per-sample gradients: ∇R = mean_i ℓ'_i ∇f_i
    lp = Lo.derivative(model(theta, X), y)
    via_J = torch.einsum("bn,bnd->bd", lp, model.jacobian(theta, X)) / X.shape[0]
    torch.testing.assert_close(grad, via_J, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE)
    torch.testing.assert_close(model.risk(theta, X, y, loss), risk, rtol=0, atol=0)
    torch.testing.assert_close(model.risk_grad(theta, X, y, loss), grad, rtol=0, atol=0)


@pytest.mark.parametrize("act", ["tanh", "gelu", "leaky_relu", "z + z**3/3"])
def test_gradient_matches_sympy_at_a_point(act):
    model, X, _, theta = _setup(act, width=2, d=2, batch=1, n=2)
    net = model.net
    f = net.function()
    J = model.jacobian(theta, X)[0]
    for i in range(2):
        subs = dict(zip(net.symbols, [sympy.Float(v, 30) for v in theta[0].tolist()],
                        strict=True))
        subs.update(zip(net.x_symbols, [sympy.Float(v, 30) for v in X[i].tolist()], strict=True))
        for j, sym in enumerate(net.symbols):
            ref = float(sympy.diff(f, sym).subs(subs).evalf(30))
            assert math.isclose(J[i, j].item(), ref, rel_tol=KERNEL_VS_ORACLE, abs_tol=KERNEL_VS_ORACLE)


def test_layout_is_the_symbolic_layout():
    model = TwoLayerModel.from_spec(2, "identity", input_dim=2, output_bias=True)
    names = model.net.names  # a1 w1_1 w1_2 b1 a2 w2_1 w2_2 b2 c
    theta = torch.zeros(1, model.dim, dtype=torch.float64)
    values = {"a1": 2.0, "w1_2": 3.0, "b1": 1.0, "a2": 1.0, "w2_1": 5.0, "c": 7.0}
    for name, v in values.items():
        theta[0, names.index(name)] = v
    x = torch.tensor([[10.0, 100.0]], dtype=torch.float64)
    # 2 (3·100 + 1) + 1 (5·10) + 7
    assert model(theta, x).item() == 2 * 301 + 50 + 7


@given(batch=st.integers(1, 5), width=st.integers(1, 4), d=st.integers(1, 3),
       bias=st.booleans(), output_bias=st.booleans(), seed=st.integers(0, 2**16))
def test_batched_equals_per_sample(batch, width, d, bias, output_bias, seed):
    model, X, y, theta = _setup("tanh", width, d, bias, output_bias, batch, 5, seed)
    field = GradientFlowField(model, X, y)
    f, v = model(theta, X), field(0.0, theta)
    for b in range(batch):
        row = theta[b:b + 1]
        torch.testing.assert_close(model(row, X)[0], f[b], rtol=BATCH_VS_SINGLE,
                                   atol=BATCH_VS_SINGLE)
        torch.testing.assert_close(field(0.0, row)[0], v[b], rtol=BATCH_VS_SINGLE,
                                   atol=BATCH_VS_SINGLE)


def test_per_row_data_matches_shared_data():
    model, X, y, theta = _setup("sin", batch=3)
    Xb, yb = X.expand(3, -1, -1), y.expand(3, -1)
    torch.testing.assert_close(model(theta, Xb), model(theta, X), rtol=0, atol=ULP_LEVEL)
    torch.testing.assert_close(model.risk_grad(theta, Xb, yb), model.risk_grad(theta, X, y),
                               rtol=REASSOCIATION, atol=ULP_LEVEL)
    torch.testing.assert_close(model.jacobian(theta, Xb), model.jacobian(theta, X),
                               rtol=0, atol=ULP_LEVEL)


def test_field_metric_and_jacobian():
    model, X, y, theta = _setup("tanh")
    metric = torch.linspace(0.5, 2.0, model.dim, dtype=torch.float64)
    plain, pre = GradientFlowField(model, X, y), GradientFlowField(model, X, y, metric=metric)
    torch.testing.assert_close(pre(0.0, theta), metric * plain(0.0, theta), rtol=0, atol=0)
    with torch.no_grad():  # integrators call it under no_grad
        J = pre.jacobian(theta)
    ref = torch.stack([torch.func.jacrev(lambda t: pre(0.0, t[None])[0])(theta[b])
                       for b in range(len(theta))])
    torch.testing.assert_close(J, ref, rtol=KERNEL_VS_ORACLE, atol=KERNEL_VS_ORACLE)
    torch.testing.assert_close(pre.risk(theta), model.risk(theta, X, y), rtol=0, atol=0)
    sub = plain.subset(torch.tensor([0, 3]))
    torch.testing.assert_close(sub.grad(theta), model.risk_grad(theta, X[[0, 3]], y[[0, 3]]))
    per_row = GradientFlowField(model, X, y, metric=metric.expand(4, -1))
    torch.testing.assert_close(per_row.rows(slice(1, 3))(0.0, theta[1:3]), pre(0.0, theta[1:3]))


def test_input_validation():
    model, X, y, theta = _setup()
    with pytest.raises(ArchitectureError, match=r"shape \(batch, "):
        model(theta[0], X)
    with pytest.raises(DataError, match="inputs must have shape"):
        model(theta, X[:, :1])
    with pytest.raises(DataError, match="NaN"):
        model(theta, X.clone().fill_(math.nan))
    with pytest.raises(DataError, match="targets must have shape"):
        model.risk(theta, X, y[:3])
    with pytest.raises(DataError, match="binary labels"):
        model.risk(theta, X, y, "logistic")
    with pytest.raises(DataError, match="metric"):
        GradientFlowField(model, X, y, metric=-torch.ones(model.dim))
    with pytest.raises(DataError, match="Generator"):
        model.sample_theta(2, generator=None)  # type: ignore[arg-type]
    with pytest.raises(ArchitectureError):
        TwoLayerModel("tanh")  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [3, 40])  # n ≤ d+1 and n > d+1 take different branches
@pytest.mark.parametrize("per_row", [False, True])
@pytest.mark.parametrize("output_bias", [False, True])
@pytest.mark.parametrize("act", ["tanh", "exp", "identity", "cos"])  # exp: σ, σ' alias; cos even
@pytest.mark.parametrize("block", [None, 7, 64])  # samples per block: 7 → ragged blocks
@pytest.mark.parametrize("layout", ["row", "unit"])
@pytest.mark.parametrize("d", [4, 30])  # gradient GEMM transposed / in place
def test_in_place_kernel_equals_autograd_kernel(n, per_row, output_bias, act, block, layout, d):
    model, X, y, theta = _setup(act, width=3, d=d, output_bias=output_bias, n=n)
    if per_row:
        X, y = X.expand(4, -1, -1), y.expand(4, -1)
    # None: calibrated (or the env pin); else samples per block
    kernel = "auto" if block is None else KernelPlan(layout, block)
    field = GradientFlowField(model, X, y, "huber", kernel=kernel)
    with torch.no_grad():
        fast = field(0.0, theta)
    with torch.enable_grad():
        slow = field(0.0, theta)
    # blocks sum the samples in another order: round-off, with some cancellation
    scale = float(slow.abs().max())
    torch.testing.assert_close(fast, slow, rtol=KERNEL_VS_ORACLE, atol=REASSOCIATION * scale)
    torch.testing.assert_close(slow, -model.risk_grad(theta, X, y, "huber"), rtol=0, atol=0)
    with torch.no_grad():
        torch.testing.assert_close(field.risk(theta), model.risk(theta, X, y, "huber"),
                                   rtol=REASSOCIATION, atol=ULP_LEVEL)
        risk, _ = model.risk_and_grad_prepared(theta, field._Xp, field.y, field.loss)
    torch.testing.assert_close(risk, model.risk(theta, X, y, "huber"), rtol=REASSOCIATION, atol=ULP_LEVEL)


def test_vmap_under_no_grad_uses_the_functional_kernel():
    model, X, y, theta = _setup("tanh")
    field = GradientFlowField(model, X, y)
    with torch.no_grad():
        out = torch.func.vmap(lambda t: field(0.0, t[None])[0])(theta)
        torch.testing.assert_close(out, field(0.0, theta), rtol=FLOAT_VS_EXACT, atol=ULP_LEVEL)
