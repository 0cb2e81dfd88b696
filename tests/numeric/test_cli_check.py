"""``simtool check`` through ``simtool.cli.main`` (exit codes, table, JSON, plots, errors)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from simtool.cli import main
from tests import strict_json

FAST = ["--n-traj", "8", "--n-samples", "12", "--threads", "1"]


@pytest.fixture(autouse=True)
def keep_threads():
    old = torch.get_num_threads()
    yield
    torch.set_num_threads(old)


def test_width3_all_elements_confirmed(capsys):
    assert main(["check", "--width", "3", *FAST]) == 0
    out = capsys.readouterr().out
    assert "simtool check: width 3, σ = tanh" in out
    for ident in ("S0", "S1", "S10", "S23"):
        assert f"\n{ident} " in out
    assert "24 element(s): 24 confirmed, 0 violated, 0 inconclusive; exit status 0" in out
    assert "units 1,2 condensed" in out


def test_json_output_keys(capsys):
    code = main(["check", "--width", "3", "--element", "S1", "--element", "S10", "--json", *FAST])
    assert code == 0
    doc = strict_json.loads(capsys.readouterr().out)
    assert {"command", "simtool_version", "seed", "network", "data", "flow", "elements",
            "summary", "exit_status", "n_traj", "generators"} <= set(doc)
    assert [e["id"] for e in doc["elements"]] == ["S1", "S10"]
    el = doc["elements"][1]
    assert set(el["checks"]) == {"stays", "control", "reduces", "equivariance", "risk"}
    assert el["checks"]["stays"]["verdict"] == "confirmed"
    red = el["checks"]["reduces"]["figures"]
    assert red["naive_err"] > 100 * max(red["metric_err"], 1e-15)
    assert el["checks"]["control"]["figures"]["growth"] > 1e4
    assert doc["summary"]["confirmed"] == 2 and doc["exit_status"] == 0
    assert doc["network"]["dim"] == 9 and doc["seed"] == 0


def test_up_to_symmetry_and_stability_and_options(capsys):
    code = main(["check", "--width", "2", "--activation", "sin", "--up-to-symmetry", "--stability",
                 "--loss", "huber", "--data", "gaussian", "--integrator", "dopri5", "--rtol", "1e-8",
                 "--json", *FAST])
    assert code == 0
    doc = strict_json.loads(capsys.readouterr().out)
    assert len(doc["elements"]) == 4  # Σ_{k≤2} p(k) classes for odd σ
    assert all("stability" in e["checks"] for e in doc["elements"])
    assert doc["flow"]["integrator"] == "dopri5"


def test_logistic_loss_binarises_synthetic_targets(capsys):
    assert main(["check", "--width", "2", "--loss", "logistic", "--element", "S1", *FAST]) == 0


def test_user_data_file(tmp_path, capsys):
    p = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 2))
    p.write_text("x1,x2,y\n" + "\n".join(f"{a},{b},{np.tanh(a - b)}" for a, b in x))
    argv = ["check", "--width", "2", "--data", str(p), "--element", "S1", "--json", "--n-traj", "4"]
    assert main(argv) == 0
    doc = strict_json.loads(capsys.readouterr().out)
    assert doc["network"]["input_dim"] == 2 and doc["data"]["n_samples"] == 10


def test_plots_written(tmp_path, capsys):
    out = tmp_path / "figs"
    assert main(["check", "--width", "2", "--plot", str(out), *FAST]) == 0
    files = sorted(os.listdir(out))
    assert "summary.png" in files and "distance_S1.png" in files and "reduction_S1.png" in files
    assert all((out / f).stat().st_size > 1000 for f in files)
    assert "figure(s) into" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--width", "0"], "width must be a positive integer"),
        (["--width", "3", "--element", "S99"], "unknown element 'S99'"),
        (["--width", "3", "--data", "mnist"], "unknown data set 'mnist'; choose one of teacher"),
        (["--width", "3", "--n-traj", "0"], "--n-traj must be a positive integer"),
        (["--width", "3", "--t-max", "-1"], "--t-max must be a positive finite number"),
        (["--width", "3", "--activation", "nope"], "nope"),
        (["--width", "3", "--integrator", "leapfrog"], "invalid choice: 'leapfrog'"),
        (["--width", "3", "--loss", "hinge"], "invalid choice: 'hinge'"),
        (["--width", "3", "--data", "missing.npz"], "does not exist"),
        (["--width", "3", "--data", "digits", "--input-dim", "65"], "exceeds the 64 pixels"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(argv, message, capsys):
    assert main(["check", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cuda_unavailable(capsys):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    assert main(["check", "--width", "2", "--device", "cuda"]) == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test_violation_gives_exit_1(monkeypatch, capsys):
    # a lattice whose element S1 is replaced by the non-invariant {a_1 = 0}: stays is violated
    from simtool.cli import check_cmd
    from simtool.symbolic.subspace import Subspace

    real = check_cmd._select

    class Fake:
        def __init__(self, el):
            self.__dict__.update(id=el.id, dim=el.dim - 5, class_id=el.class_id,
                                 description="a1 = 0 (not a SIM)", reduction=el.reduction)
            self.subspace = Subspace.from_equations(el.net.dim, [{0: 1}])

    def select(args, net):
        lat, els = real(args, net)
        return lat, [Fake(e) for e in els]

    monkeypatch.setattr(check_cmd, "_select", select)
    assert main(["check", "--width", "2", "--element", "S0", *FAST]) == 1
    assert "stays violated" in capsys.readouterr().out


def test_help_does_not_import_torch():
    code = ("import sys; from simtool.cli import main; "
            "main(['--help']); main(['enumerate', '--width', '2']); "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
