"""Defects found by review (issue 6, item 7), each pinned by a test that failed before."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from simtool.cli import main
from simtool.numeric.check_setup import FlowSetup
from simtool.symbolic.activation import get_activation
from simtool.symbolic.network import TwoLayerNet
from tests.tolerances import INTEGRATORS_AGREE, ULP_LEVEL

FAST = ["--n-traj", "8", "--n-samples", "12", "--threads", "1"]


@pytest.fixture(autouse=True)
def keep_threads():
    old = torch.get_num_threads()
    yield
    torch.set_num_threads(old)


def test_radau_uses_each_rows_metric_when_coordinates_are_frozen():
    """The frozen-coordinate wrapper dropped ``rows``: radau integrated every row with
    row 0's metric (``check --integrator radau`` then called confirmed SIMs inconclusive)."""
    net = TwoLayerNet(2, get_activation("cos"))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 1)), rng.normal(size=10)
    theta = torch.tensor(rng.normal(size=(2, net.dim)))
    metric = torch.tensor([[1.0] * net.dim, [4.0, 0.25, 0.25] * 2])
    mask = torch.tensor([[1.0] * net.dim, [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]], dtype=torch.float64)
    runs = {}
    for method in ("radau", "dopri5"):
        setup = FlowSetup(net, x, y, integrator=method, t_max=1.0, rtol=1e-10, atol=1e-12)
        runs[method] = setup.run(theta, metric=metric, mask=mask)
    for b in range(2):
        torch.testing.assert_close(runs["radau"].final[b], runs["dopri5"].final[b],
                                   rtol=INTEGRATORS_AGREE, atol=INTEGRATORS_AGREE)
    assert torch.equal(runs["radau"].final[1, 1:3], theta[1, 1:3])  # frozen stay put


def _simulate(tmp_path, dt):
    out = tmp_path / f"run_{dt}.npz"
    argv = ["simulate", "--width", "2", "--n-samples", "8", "--n-traj", "2", "--dt", str(dt),
            "--out", str(out), "--json"]
    assert main(argv) == 0
    return np.load(out)


def test_simulate_uses_and_records_the_requested_step(tmp_path, capsys):
    """The fixed step was capped at the save interval (1/100 of t_max) while --dt was
    recorded: --dt 0.05 and --dt 0.01 gave identical states."""
    coarse, fine = _simulate(tmp_path, 0.05), _simulate(tmp_path, 0.01)
    capsys.readouterr()
    assert not np.array_equal(coarse["final"], fine["final"])
    assert int(coarse["n_steps"].max()) == 20 and int(fine["n_steps"].max()) == 100
    flow = json.loads(str(coarse["config"]))["flow"]
    assert flow["dt"] == 0.05 and flow["dt_requested"] == 0.05
    np.testing.assert_allclose(coarse["times"], np.arange(21) * 0.05, rtol=0, atol=ULP_LEVEL)


def test_simulate_records_the_step_actually_used_when_dt_does_not_divide(tmp_path, capsys):
    run = _simulate(tmp_path, 0.3)
    capsys.readouterr()
    flow = json.loads(str(run["config"]))["flow"]
    assert flow["dt_requested"] == 0.3 and flow["dt"] == 0.25  # ⌈1/0.3⌉ = 4 steps
    assert int(run["n_steps"].max()) == 4


def _check_json(capsys, *extra):
    assert main(["check", "--width", "3", "--json", *FAST, *extra]) == 0
    return {e["id"]: e for e in json.loads(capsys.readouterr().out)["elements"]}


def test_element_samples_do_not_depend_on_the_other_elements(capsys):
    """One generator was shared across elements: S3 alone and S3 inside --all differed."""
    alone = _check_json(capsys, "--element", "S3")["S3"]
    inside = _check_json(capsys, "--all")["S3"]
    assert alone["checks"] == inside["checks"]


def test_check_header_separates_step_and_tolerances(capsys):
    """The header printed ``dt = 0.01rtol = 1e-08``."""
    main(["check", "--width", "2", "--element", "S1", "--integrator", "dopri5", "--dt", "0.01",
          "--rtol", "1e-8", *FAST])
    out = capsys.readouterr().out
    assert "0.01rtol" not in out
    assert "dopri5 rtol = 1e-08, atol = 1e-12, t ∈ [0, 1]" in out
