"""Sweeps: plain specs, failures kept with their case, reuse from the output directory,
the local process pool and a Dask LocalCluster."""

import json

import pytest

from simtool.catalogue import load_theorem_file
from simtool.sweep import Grid, ResultStore, execute_with_timeout, merge, run_check_case, run_tasks, theorem_specs
from tests.user_theorems import write_theorems

MODES = ["ok", "refute", "raise", "sleep"]


@pytest.fixture
def user_specs(tmp_path):
    f = write_theorems(tmp_path / "claims.py", MODES)
    return theorem_specs(load_theorem_file(f), file=str(f), timeout=3)


def _by_mode(results):
    return {r["case"]["mode"]: r for r in results}


def _assert_outcomes(results):
    got = _by_mode(results)
    assert sorted(got) == sorted(MODES)  # nothing lost
    assert got["ok"]["matches"] and not got["ok"]["failure"]
    assert got["refute"]["verdict"]["status"] == "refuted" and not got["refute"]["matches"]
    assert got["raise"]["failure"] == "error" and "boom in the user check" in got["raise"]["verdict"]["evidence"]
    assert got["sleep"]["failure"] == "timeout" and "timed out after 3 s" in got["sleep"]["verdict"]["evidence"]
    json.dumps(results)  # plain dicts only


def test_specs_are_plain_json(user_specs):
    assert json.loads(json.dumps(user_specs)) == user_specs
    assert {s["expected"] for s in user_specs} == {"proved"}


def test_sequential_run_keeps_failures_with_their_case(user_specs):
    _assert_outcomes(run_tasks(user_specs))


def test_local_process_pool(user_specs):
    _assert_outcomes(run_tasks(user_specs, jobs=2))


def _in_a_thread(spec):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(execute_with_timeout, spec).result()


def test_outside_the_main_thread_a_child_process_applies_the_limit(user_specs):
    got = {s["case"]["mode"]: _in_a_thread(s) for s in user_specs if s["case"]["mode"] in ("ok", "sleep")}
    assert got["ok"]["matches"]
    assert got["sleep"]["failure"] == "timeout" and "timed out after 3 s" in got["sleep"]["verdict"]["evidence"]


def test_a_child_that_overruns_is_killed(user_specs, monkeypatch):
    from simtool.sweep import tasks

    monkeypatch.setattr(tasks, "STARTUP_GRACE", 0.0)
    sleep = next(s for s in user_specs if s["case"]["mode"] == "sleep")
    res = _in_a_thread({**sleep, "timeout": 1})
    assert res["failure"] == "timeout" and "child process killed" in res["verdict"]["evidence"]


def test_output_directory_reuses_finished_results_only(user_specs, tmp_path):
    store = ResultStore(tmp_path / "out")
    ok = [s for s in user_specs if s["case"]["mode"] in ("ok", "raise")]
    first = run_tasks(ok, store=store)
    second = run_tasks(ok, store=store)
    assert [r.get("reused", False) for r in first] == [False, False]
    assert {r["case"]["mode"]: r.get("reused", False) for r in second} == {"ok": True, "raise": False}


def test_dask_local_cluster(user_specs):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        _assert_outcomes(run_tasks(user_specs, scheduler=client))


def test_grid_points_are_plain_specs_and_results():
    g = Grid(widths=(1, 2), activations=("tanh", "sin"), losses=("mse",), seeds=(0, 1, 2))
    specs = g.specs()
    assert len(specs) == 12 and len({json.dumps(s, sort_keys=True) for s in specs}) == 12
    res = run_check_case({**specs[0]["case"], "n_traj": 4, "t_max": 0.2})
    json.dumps(res)
    assert res["verdict"]["status"] == "confirmed" and res["elements"]
    report = merge([res])
    assert report["counts"] == {"confirmed": 1} and report["failures"] == []
