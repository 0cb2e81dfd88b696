"""Live-row integration (issue 12): stopped rows do not enter the field, and results,
statuses and step counts are bit-identical to evaluating every row at every stage."""

from __future__ import annotations

import pytest
import torch

from simtool.numeric import GradientFlowField, integrate
from simtool.numeric.fields import BatchField
from simtool.numeric.models import model_for
from simtool.symbolic.activation import get_activation
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.network import TwoLayerNet
from tests.tolerances import BATCH_VS_SINGLE

FIELDS = ["linear", "two-layer", "deep"]


class _Rates(BatchField):
    """θ' = −λ_b θ, one rate per row (per-row data: ``rows`` slices it)."""

    def __init__(self, lam):
        self.lam = lam

    def __call__(self, t, th):
        return -self.lam[:, None] * th

    def rows(self, index):
        return _Rates(self.lam[index])

    def jacobian(self, th):
        return -self.lam[:, None, None] * torch.eye(th.shape[1], dtype=th.dtype)


def _mixed(kind: str):
    """A batch of easy rows, stiff rows, rows that converge and rows that diverge."""
    g = torch.Generator().manual_seed(0)
    if kind == "linear":  # per-row rates: λ = 1 (easy) … 300 (stiff), −8 (diverges)
        lam = torch.tensor([1.0, 300.0, 1.0, 50.0, -8.0, 2.0, 300.0, 1.0], dtype=torch.float64)
        theta = torch.randn(len(lam), 3, generator=g, dtype=torch.float64)
        theta[2] *= 1e-9  # converges at once
        return _Rates(lam), theta
    net = (TwoLayerNet(8, get_activation("tanh"), 4, True, True) if kind == "two-layer"
           else DeepNet((6, 5), get_activation("tanh"), input_dim=4))
    X = torch.randn(40, 4, generator=g, dtype=torch.float64)
    y = torch.tanh(X.sum(1))
    scales = torch.tensor([0.1, 3.0, 0.1, 8.0, 0.5, 30.0, 0.2, 1.0], dtype=torch.float64)
    theta = scales[:, None] * torch.randn(8, net.dim, generator=g, dtype=torch.float64)
    return GradientFlowField(model_for(net), X, y), theta


@pytest.mark.parametrize("kind", FIELDS)
@pytest.mark.parametrize("method,opts", [
    ("dopri5", {"rtol": 1e-8, "atol": 1e-10}),
    ("rk4", {"dt": 0.01}),
    ("gd", {"dt": 0.01}),
])
def test_live_rows_bit_identical_to_full_batch(kind, method, opts):
    field, theta = _mixed(kind)
    common = dict(method=method, gtol=1e-6, max_norm=50.0, max_steps=400, save_at=[0, 0.5, 2.0], **opts)
    if isinstance(field, GradientFlowField):  # two separate fields: no shared workspace
        field_ref = GradientFlowField(field.model, field.X, field.y)
    else:
        field_ref = field
    live = integrate(field, theta, 2.0, **common)
    full = integrate(field_ref, theta, 2.0, live_rows=False, **common)
    assert len(set(live.status.tolist())) > 1, live.counts()  # a mixed batch indeed
    for name in ("status", "t_final", "n_steps", "n_rejected"):
        assert torch.equal(getattr(live, name), getattr(full, name)), name
    for name in ("states", "final"):
        if kind == "two-layer":
            # the two-layer kernel's shared-input GEMM spans all rows' columns, and MKL's
            # sums depend on that width at round-off: equal to round-off, not bitwise
            torch.testing.assert_close(getattr(live, name), getattr(full, name),
                                       rtol=BATCH_VS_SINGLE, atol=BATCH_VS_SINGLE)
        else:
            assert torch.equal(getattr(live, name), getattr(full, name)), name
    assert live.n_evals == full.n_evals
    assert live.n_row_evals < full.n_row_evals
    assert full.n_row_evals == full.n_evals * len(theta) or method == "dopri5"


def test_live_rows_do_less_work_on_a_mixed_easy_stiff_batch():
    field, theta = _mixed("linear")
    live = integrate(field, theta, 2.0, method="dopri5", rtol=1e-8, atol=1e-10, max_norm=50.0)
    full = integrate(field, theta, 2.0, method="dopri5", rtol=1e-8, atol=1e-10, max_norm=50.0,
                     live_rows=False)
    assert full.n_row_evals > 2 * live.n_row_evals
