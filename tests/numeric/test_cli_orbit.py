"""``simtool orbit`` and ``enumerate --orbit-dims`` end to end (exit codes, JSON, errors)."""

from __future__ import annotations

import json

import pytest

from simtool.cli import main
from tests.tolerances import LAW_DRIFT


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_orbit_relu_count_pinned_by_proved_laws(capsys):
    out = _json(capsys, ["orbit", "--width", "2", "--activation", "relu", "--laws", "--json", "--depth", "2"])
    assert out["conserved"] == 2 and out["orbit_dim_lower_bound"] == 4
    assert out["laws"]["independent"] == 2 and out["laws"]["count_status"].startswith("pinned")
    assert all(law["proof"]["status"] == "proved" for law in out["laws"]["basis"])
    assert max(out["laws"]["simulation"]["drift"]) < LAW_DRIFT < out["laws"]["simulation"]["control_drift"]
    assert "lower bounds" in out["note"] and "invariant" in out["note"]


def test_orbit_at_zero_unit_is_not_a_law_count(capsys):
    out = _json(capsys, ["orbit", "--width", "3", "--input-dim", "2", "--activation", "tanh", "--json",
                         "--depth", "2", "--at", "a3=0, w3_1=0, w3_2=0, b3=0"])
    assert out["orbit_dim_lower_bound"] == 8 and "conserved" not in out
    assert out["theta"][8:12] == [0.0, 0.0, 0.0, 0.0]


def test_orbit_text_output(capsys):
    assert main(["orbit", "--width", "1", "--activation", "exp", "--laws", "--no-endpoint"]) == 0
    text = capsys.readouterr().out
    assert "conserved: 1" in text and "a1**2 + 2*b1" in text and "proved" in text


@pytest.mark.parametrize("at,needle", [
    ("a1*w1 = 0", "not linear"),
    ("q7 = 0", "unknown parameter"),
    ("__import__('os').system('true') = 0", "not allowed"),
    ("a1 = 0, a1 = 1", "inconsistent"),
    ("a1 = exp(1)", "not allowed"),
    ("a1 >= 0", "only equations"),
    ("", "needs at least one relation"),
])
def test_bad_at_strings_are_one_line_errors(capsys, at, needle):
    assert main(["orbit", "--width", "2", "--at", at]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("simtool orbit: error: --at") and needle in err and "\n" not in err


@pytest.mark.parametrize("argv", [["--depth", "0"], ["--depth", "9"], ["--x-scale", "-1"], ["--rank-tol", "2"],
                                  ["--law-degree", "7"]])
def test_bad_options(capsys, argv):
    assert main(["orbit", "--width", "2", *argv]) == 2
    assert capsys.readouterr().err.startswith("simtool orbit: error:")


def test_enumerate_orbit_dims_strata(capsys):
    out = _json(capsys, ["enumerate", "--width", "2", "--activation", "tanh", "--orbit-dims", "--json"])
    rows = out["orbit_dims"]
    assert len(rows) == 6  # Dowling number D_2 (OEIS A007405)
    assert all(r["orbit_rank"] <= r["dim"] for r in rows)  # Fix(H) is invariant: the orbit stays in it
    assert max(r["orbit_rank"] for r in rows) == 6


def test_orbit_deep_linear_net(capsys):
    """(2,2) linear net, d = 3: 6 = D − r (brackets and endpoint agree), the 6 matrix-entry laws proved."""
    out = _json(capsys, ["orbit", "--widths", "2,2", "--activation", "identity", "--no-bias", "--input-dim", "3",
                         "--laws", "--no-simulate", "--json"])
    assert out["D"] == 12 and out["conserved"] == 6 and out["laws"]["independent"] == 6
    assert out["laws"]["count_status"].startswith("pinned")
