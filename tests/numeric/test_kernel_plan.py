"""Kernel plans (issue 12): the calibration picks one of the candidates, once per shape;
a pinned plan (argument or SIMTOOL_KERNEL_PLAN) replays a run bit for bit; every plan
computes the torch.func oracle's gradient."""

from __future__ import annotations

import pytest
import torch

from simtool.errors import DataError
from simtool.numeric import GradientFlowField, integrate
from simtool.numeric import kernel_plan as kp
from simtool.numeric.func_model import FuncModel
from simtool.numeric.kernel_plan import KernelPlan, calibrate, chosen_plans
from simtool.numeric.model import TwoLayerModel
from tests.tolerances import KERNEL_VS_ORACLE, REASSOCIATION


def _problem(width=4, d=3, batch=6, n=50, act="tanh", seed=1):
    model = TwoLayerModel.from_spec(width, act, d)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.tanh(X.sum(1))
    return model, X, y, model.sample_theta(batch, generator=g)


@pytest.mark.parametrize("act", ["tanh", "cos"])  # odd and even σ
@pytest.mark.parametrize("d", [1, 3])
# 1, 7 (ragged) and 50 (one block) samples per block
@pytest.mark.parametrize("plan", ["row:1", "unit:1", "row:7", "unit:7", "row:50", "unit:50"])
def test_every_plan_matches_the_func_oracle(act, d, plan):
    model, X, y, theta = _problem(d=d, act=act)
    fld = GradientFlowField(model, X, y, kernel=plan)
    with torch.no_grad():
        fast = fld(0.0, theta)
    oracle = -FuncModel(model.net).risk_grad(theta, X, y)
    torch.testing.assert_close(fast, oracle, rtol=KERNEL_VS_ORACLE,
                               atol=REASSOCIATION * float(oracle.abs().max()))


def test_a_pinned_plan_replays_bit_for_bit():
    model, X, y, theta = _problem()
    runs = [integrate(GradientFlowField(model, X, y, kernel="unit:2"), theta, 0.2, method="rk4", dt=0.01)
            for _ in range(2)]
    assert torch.equal(runs[0].final, runs[1].final)
    other = integrate(GradientFlowField(model, X, y, kernel="row:1"), theta, 0.2, method="rk4", dt=0.01)
    torch.testing.assert_close(other.final, runs[0].final, rtol=REASSOCIATION, atol=REASSOCIATION)


def test_calibration_picks_a_candidate_once_per_shape_and_records_it(monkeypatch):
    monkeypatch.delenv(kp.ENV_VAR, raising=False)
    monkeypatch.setattr(kp, "_CHOSEN", {})
    model, X, y, theta = _problem(batch=5, n=33)
    Xd = model.prepare(X)
    loss = GradientFlowField(model, X, y).loss
    calls = []
    real = model.risk_and_grad_prepared

    def counting(*args, **kwargs):
        calls.append(kwargs.get("plan"))
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "risk_and_grad_prepared", counting)
    with torch.no_grad():
        plan = calibrate(model, theta, Xd, y, loss)
        n_timing_calls = len(calls)
        assert calibrate(model, theta, Xd, y, loss) == plan and len(calls) == n_timing_calls
        # another batch of the same model and samples (an element alone or inside --all,
        # live rows): the same plan, not measured again, so its rows' sums are the same
        assert calibrate(model, theta[:2], Xd, y, loss) == plan and len(calls) == n_timing_calls
    candidates = model.plan_candidates(5, 33, True)
    assert plan in candidates and {p.layout for p in candidates} == {"row", "unit"}
    assert n_timing_calls == len(candidates) * (1 + kp._TIMED_CALLS)
    (rec,) = chosen_plans()
    assert rec["plan"] == str(plan) and set(rec["times_s"]) == {str(p) for p in candidates}
    assert rec["batch"] == 5 and rec["n"] == 33 and rec["shared_inputs"] is True


def test_the_environment_pins_the_plan_for_the_process(monkeypatch):
    monkeypatch.setattr(kp, "_CHOSEN", {})
    monkeypatch.setenv(kp.ENV_VAR, "unit:3")
    model, X, y, theta = _problem()
    with torch.no_grad():
        assert calibrate(model, theta, model.prepare(X), y, GradientFlowField(model, X, y).loss) \
            == KernelPlan("unit", 3)
    assert chosen_plans() == []  # nothing was measured
    monkeypatch.setenv(kp.ENV_VAR, "fast")
    with pytest.raises(DataError, match="LAYOUT:SAMPLES"), torch.no_grad():
        GradientFlowField(model, X, y)(0.0, theta)


def test_per_row_inputs_have_only_the_row_layout():
    model = TwoLayerModel.from_spec(4, "tanh", 3)
    assert {p.layout for p in model.plan_candidates(6, 50, False)} == {"row"}
    # candidate blocks that give the same samples per block are timed once
    assert len(model.plan_candidates(1000, 2, True)) == 2


@pytest.mark.parametrize("bad,match", [("rows:7", "unknown kernel layout"), ("row:0", "positive"),
                                       ("row:x", "positive"), ("row", "LAYOUT:SAMPLES"), (7, "KernelPlan")])
def test_bad_plans_are_refused(bad, match):
    model, X, y, _ = _problem()
    with pytest.raises(DataError, match=match):
        GradientFlowField(model, X, y, kernel=bad)
