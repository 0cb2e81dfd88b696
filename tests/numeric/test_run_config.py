"""What a check records about how it ran (issue 12): the OpenMP wait policy a fresh
simtool process starts with (PASSIVE unless the user chose), torch threads, and the
kernel plans (calibrated with their timings, or pinned by SIMTOOL_KERNEL_PLAN)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ARGS = ["-m", "simtool", "check", "--width", "2", "--element", "S1", "--json",
        "--n-traj", "8", "--t-max", "0.2"]


def _flow(env_extra: dict[str, str], drop: tuple[str, ...] = ()) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in drop and k not in env_extra}
    env.update(env_extra)
    out = subprocess.run([sys.executable, *ARGS], env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout)["flow"]


@pytest.mark.parametrize("user_policy", [None, "ACTIVE"])
def test_fresh_process_records_the_policy_it_started_with(user_policy):
    extra = {} if user_policy is None else {"OMP_WAIT_POLICY": user_policy}
    flow = _flow(extra, drop=("OMP_WAIT_POLICY", "SIMTOOL_KERNEL_PLAN"))
    assert flow["threads"]["omp_wait_policy"] == (user_policy or "PASSIVE")
    assert flow["threads"]["torch_threads"] == 1
    plans = flow["kernel_plans"]
    assert plans["pinned"] is None and plans["calibrated"]
    for rec in plans["calibrated"]:
        assert rec["plan"] in rec["times_s"] or len(rec["times_s"]) == 0


def test_a_pinned_plan_is_recorded_and_nothing_is_measured():
    flow = _flow({"SIMTOOL_KERNEL_PLAN": "unit:16"})
    assert flow["kernel_plans"] == {"pinned": "unit:16", "calibrated": []}


def test_the_default_policy_is_not_claimed_once_torch_is_loaded(monkeypatch):
    import torch  # noqa: F401  (this process has OpenMP started)

    from simtool.cli import default_omp_wait_policy

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    default_omp_wait_policy()
    assert "OMP_WAIT_POLICY" not in os.environ
