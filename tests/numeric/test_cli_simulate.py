"""``simtool simulate`` through ``simtool.cli.main``: saved file, config, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from simtool.cli import main
from tests import strict_json
from tests.tolerances import KERNEL_VS_ORACLE

FAST = ["--n-samples", "8", "--n-save", "11", "--threads", "1"]


@pytest.fixture(autouse=True)
def keep_threads():
    old = torch.get_num_threads()
    yield
    torch.set_num_threads(old)


def test_given_theta_saved_with_config(tmp_path, capsys):
    out = tmp_path / "run.npz"
    theta = "a1=0.5,w1=1,b1=0,a2=-0.3,w2=0.2,b2=0.1"
    assert main(["simulate", "--width", "2", "--theta", theta, "--theta", "a1=1", "--out", str(out),
                 "--seed", "7", *FAST]) == 0
    cap = capsys.readouterr()
    assert "saved" in cap.out and "parameters not given are 0 (θ #2): w1, b1, a2, w2, b2" in cap.err
    z = np.load(out)
    assert z["states"].shape == (11, 2, 6) and z["times"].shape == (11,)
    assert z["states"][0, 0].tolist() == [0.5, 1.0, 0.0, -0.3, 0.2, 0.1]
    assert z["names"].tolist() == ["a1", "w1", "b1", "a2", "w2", "b2"]
    assert z["risk"].shape == (11, 2) and (np.diff(z["risk"], axis=0) <= KERNEL_VS_ORACLE).all()
    cfg = strict_json.loads(str(z["config"]))
    assert cfg["seed"] == 7 and cfg["simtool_version"] == str(z["version"])
    assert cfg["network"]["width"] == 2 and cfg["start"] == "given (--theta)"
    assert z["status_names"][z["status"]].tolist() == ["completed", "completed"]


def test_sampled_on_element_stays(tmp_path, capsys):
    out = tmp_path / "s.npz"
    assert main(["simulate", "--width", "3", "--element", "S10", "--n-traj", "5", "--out", str(out),
                 "--json", *FAST]) == 0
    summary = strict_json.loads(capsys.readouterr().out)
    assert summary["max_dist_to_element"] <= KERNEL_VS_ORACLE
    assert summary["status"] == {"completed": 5}
    st = np.load(out)["states"]
    assert np.array_equal(st[:, :, 0], st[:, :, 3]) and np.array_equal(st[:, :, 3], st[:, :, 6])


def test_theta_file(tmp_path, capsys):
    f = tmp_path / "t.npy"
    np.save(f, np.ones((3, 6)))
    out = tmp_path / "o.npz"
    assert main(["simulate", "--width", "2", "--theta-file", str(f), "--out", str(out), *FAST]) == 0
    assert np.load(out)["states"].shape[1] == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--theta", "a9=1"], "unknown parameter 'a9'"),
        (["--theta", "a1"], "is not NAME=VALUE"),
        (["--theta", "a1=x"], "not a number"),
        (["--theta", "a1=1,a1=2"], "gives 'a1' twice"),
        (["--theta", "a1=nan"], "must be finite"),
        (["--element", "S42"], "unknown element 'S42'"),
        (["--element", "S1", "--theta", "a1=1"], "cannot be combined"),
        (["--n-traj", "-2"], "--n-traj must be a positive integer"),
    ],
)
def test_bad_inputs(argv, message, tmp_path, capsys):
    assert main(["simulate", "--width", "2", "--out", str(tmp_path / "x.npz"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_files(tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.ones((2, 5)))
    assert main(["simulate", "--width", "2", "--theta-file", str(bad), "--out",
                 str(tmp_path / "o.npz")]) == 2
    assert "expected (6,) or (B, 6)" in capsys.readouterr().err
    assert main(["simulate", "--width", "2", "--out", str(tmp_path / "o.txt")]) == 2
    assert "must end in .npz" in capsys.readouterr().err
    assert main(["simulate", "--width", "2", "--theta-file", str(tmp_path / "none.npy"), "--out",
                 str(tmp_path / "o.npz")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_diverging_run_exit_3(tmp_path, capsys):
    out = tmp_path / "d.npz"
    code = main(["simulate", "--width", "1", "--activation", "identity", "--integrator", "gd",
                 "--dt", "5", "--t-max", "500", "--theta", "a1=3,w1=3,b1=3", "--out", str(out),
                 *FAST])
    assert code == 3
    assert "diverged" in capsys.readouterr().out or "non_finite" in str(np.load(out)["status"])
