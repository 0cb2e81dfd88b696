"""``simtool enumerate --all-invariant`` and the one-line hint of plain ``enumerate``."""

from __future__ import annotations

import json

from simtool.cli import main


def test_all_invariant_adds_the_silu_zero_units(capsys):
    assert main(["enumerate", "--width", "2", "--activation", "silu", "--all-invariant", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["beyond_symmetry"]["rows"]
    assert len(out["elements"]) == 2 and len(rows) == 3          # 2 listed + 3 more = the 5 invariant
    assert all(not r["symmetry_induced"] and r["invariance"] == "proved" for r in rows)
    assert "a1 = 0, w1 = 0, b1 = 0" in [r["description"] for r in rows]


def test_cube_rows_include_inactive_units_and_the_family(capsys):
    assert main(["enumerate", "--width", "2", "--activation", "cube", "--all-invariant", "--json"]) == 0
    beyond = json.loads(capsys.readouterr().out)["beyond_symmetry"]
    assert "w1 = 0, b1 = 0" in [r["description"] for r in beyond["rows"]]
    assert [f["coordinates"] for f in beyond["families"] if f["continuum"]] == [["a1", "a2"]]


def test_plain_enumerate_prints_the_hint_only_when_known(capsys):
    assert main(["enumerate", "--width", "3", "--activation", "cube"]) == 0
    assert capsys.readouterr().out.count("beyond symmetry:") == 1
    assert main(["enumerate", "--width", "3", "--activation", "tanh"]) == 0
    assert "beyond symmetry:" not in capsys.readouterr().out


def test_all_invariant_refuses_deep_nets(capsys):
    assert main(["enumerate", "--widths", "2,2", "--all-invariant"]) == 2
    assert "two-layer" in capsys.readouterr().err
