"""``simtool subspace --simulate``: the float64 flow agrees with the exact verdict."""

from __future__ import annotations

import json

import pytest

from simtool.cli import main


@pytest.mark.parametrize("where,verdict", [("w1 = 0, b1 = pi/2", "confirmed"), ("w1 = 0, b1 = 1", "violated")])
def test_affine_sin_simulation(capsys, where, verdict):
    assert main(["subspace", "--width", "2", "--activation", "sin", "--where", where, "--simulate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["simulation"]["verdict"] == verdict
    assert out["invariant"] is (verdict == "confirmed")
