"""Issue 10 for the flow commands: seeds, interrupts with partial results, strict JSON of a
diverged run, staged outputs, thread cap, heartbeat, and the torch-free name copies."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from simtool import guards
from simtool.cli import main, preflight
from simtool.errors import DataError
from simtool.numeric.data import make_dataset
from tests import strict_json

TINY = ["--width", "2", "--n-traj", "3", "--n-samples", "6", "--threads", "1", "--quiet"]


@pytest.fixture(autouse=True)
def keep_threads():
    old = torch.get_num_threads()
    yield
    torch.set_num_threads(old)


def test_torch_free_copies_agree_with_the_registries():
    from simtool.numeric import check_flows, checks
    from simtool.numeric.check_setup import FlowSetup
    from simtool.numeric.data import DATASETS
    from simtool.numeric.integrators import INTEGRATORS
    from simtool.numeric.losses import LOSSES

    assert preflight.INTEGRATOR_NAMES == tuple(INTEGRATORS)
    assert preflight.LOSS_NAMES == tuple(LOSSES)
    assert preflight.DATASET_NAMES == tuple(DATASETS)
    assert guards.ROWS_PER_BATCH == checks.ROWS_PER_BATCH and guards.IMAGES == check_flows.IMAGES
    assert guards.CHECK_SAVES == FlowSetup.__dataclass_fields__["n_save"].default


@pytest.mark.parametrize("seed", ["-1", str(2**64 + 5), str(-(2**80))])
def test_any_integer_seed(seed, capsys):
    assert main(["check", *TINY, "--element", "S1", "--json", "--seed", seed]) == 0
    doc = strict_json.loads(capsys.readouterr().out)
    given = doc["seed"]
    assert int(given) == int(seed)  # large ones as strings (strict JSON)
    assert int(doc["generator_seed"]) == int(seed) % 2**63


def test_seed_rule_is_the_documented_one(capsys):
    """--seed -1 and --seed 2**63 − 1 map to the same generator seed: identical runs."""
    runs = []
    for seed in ("-1", str(2**63 - 1)):
        assert main(["check", *TINY, "--element", "S1", "--json", "--seed", seed]) == 0
        runs.append(strict_json.loads(capsys.readouterr().out)["elements"])
    assert runs[0] == runs[1]


def test_interrupt_writes_partial_json(capsys, monkeypatch):
    import simtool.numeric.checks as checks

    real = checks.check_elements

    def interrupted(*args, **kwargs):
        it = real(*args, **kwargs)
        yield next(it)
        raise KeyboardInterrupt

    monkeypatch.setattr(checks, "check_elements", interrupted)
    code = main(["check", *TINY, "--json", "--n-traj", "2100"])  # > 8192 rows: one element per batch
    cap = capsys.readouterr()
    assert code == 130 and cap.err == "simtool check: interrupted\n"
    doc = strict_json.loads(cap.out)
    assert doc["interrupted"] is True and doc["elements_requested"] == 6
    assert 1 <= len(doc["elements"]) < 6


def test_plots_staged_into_the_directory(tmp_path, capsys):
    figs = tmp_path / "figs"
    assert main(["check", *TINY, "--element", "S1", "--plot", str(figs)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert "summary.png" in os.listdir(figs) and os.listdir(tmp_path) == ["figs"]
    assert main(["check", *TINY, "--element", "S1", "--plot", str(figs)]) == 2
    assert "pass --force" in capsys.readouterr().err


def test_diverged_run_is_strict_json(tmp_path, capsys):
    out = tmp_path / "d.npz"
    code = main(["simulate", "--width", "1", "--activation", "exp", "--integrator", "euler", "--dt", "1",
                 "--t-max", "100", "--theta", "a1=30,w1=30,b1=30", "--n-save", "3", "--out", str(out),
                 "--json", "--quiet"])
    assert code == 3
    doc = strict_json.loads(capsys.readouterr().out)
    assert doc["risk_end_median"] is None and doc["non_finite"] == {"/risk_end_median": "inf"}
    assert doc["status"] == {"diverged": 1}
    cfg = strict_json.loads(str(np.load(out)["config"]))
    assert cfg["seed"] == 0


def test_simulate_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "r.npz"
    argv = ["simulate", "--width", "1", "--n-traj", "2", "--n-save", "3", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    stamp = out.read_bytes()
    assert main(argv) == 2 and "pass --force" in capsys.readouterr().err
    assert out.read_bytes() == stamp
    assert main([*argv, "--force"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["r.npz"]


def test_threads_capped_with_a_warning(capsys, monkeypatch):
    monkeypatch.setattr(guards, "usable_cores", lambda: 1)
    assert main(["check", *TINY[:-3], "--quiet", "--element", "S1", "--threads", "100000"]) == 0
    err = capsys.readouterr().err
    assert "simtool check: warning: --threads 100,000 exceeds the 1 usable core(s); using 1" in err
    assert torch.get_num_threads() == 1


def test_heartbeat_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    monkeypatch.setenv("SIMTOOL_HEARTBEAT", "0.01")
    assert main(["check", *TINY[:-1], "--element", "S1"]) == 0
    assert "simtool check: still running after" in capsys.readouterr().err
    assert main(["check", *TINY, "--element", "S1"]) == 0  # --quiet
    assert "still running" not in capsys.readouterr().err


# -- data files: silent surprises of the issue ----------------------------------------------
def test_complex_npz_refused(tmp_path):
    p = tmp_path / "c.npz"
    np.savez(p, x=np.array([1 + 1j, 2, 3]), y=np.array([1.0, 2, 3]))
    with pytest.raises(DataError, match="x is complex"):
        make_dataset(str(p), rng=np.random.default_rng(0))


def test_bom_csv_header_accepted(tmp_path):
    p = tmp_path / "b.csv"
    p.write_bytes(b"\xef\xbb\xbfx,y\n1,2\n3,4\n")
    ds = make_dataset(str(p), rng=np.random.default_rng(0))
    assert ds.x.tolist() == [[1.0], [3.0]] and ds.y.tolist() == [2.0, 4.0]


def test_rows_counted_from_one(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("x,y\n1,2\n3,nan\n")
    with pytest.raises(DataError, match=r"at row 2 \(rows counted from 1\)"):
        make_dataset(str(p), rng=np.random.default_rng(0))


def test_data_file_size_decides_again_after_loading(tmp_path, capsys):
    """A small file of 3,000-dimensional inputs: refused once its dimension is known."""
    p = tmp_path / "wide.npz"
    np.savez(p, x=np.ones((4, 3000)), y=np.ones(4))
    assert main(["check", "--width", "2", "--data", str(p), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("needs about" in err or "many minutes" in err)
