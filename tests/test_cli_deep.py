"""``simtool enumerate --widths``: the deep CLI through ``main([...])``."""

from __future__ import annotations

import json

import pytest

from simtool.cli import main


@pytest.mark.parametrize("argv", [
    ["--widths", ""], ["--widths", "0"], ["--widths", "-1,2"], ["--widths", "1.5"], ["--widths", "a,b"],
    ["--widths", "3,,3"], ["--widths", "100000000"], ["--widths", "2,2", "--activations", "tanh"],
    ["--widths", "2,2", "--activations", "tanh,swish"], ["--width", "2", "--activations", "tanh"],
    ["--widths", "2,2", "--activation", "relu"], ["--widths", "2", "--width", "2"],
    ["--widths", "2,2", "--hasse", "x.txt"],
])
def test_bad_deep_input_is_one_line_and_exit_2(argv, capsys):
    assert main(["enumerate", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "error" in err and "Traceback" not in err


def test_deep_json_schema_is_generic_and_keeps_the_two_layer_keys(capsys):
    assert main(["enumerate", "--widths", "2,2", "--activation", "sigmoid", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["count"] == 5 and out["count_up_to_symmetry"] == 5 and out["widths"] == [2, 2]
    assert "relative to" not in out["relative_to"] and out["relative_to"].startswith("the template group")
    for e in out["elements"]:
        assert {"id", "dim", "description", "class", "invariance", "proof", "covers", "generators", "equations",
                "reduced"} <= set(e)
        assert {"widths", "metric", "fiber_dim", "fiber"} <= set(e["reduced"])
    diag = [e for e in out["elements"] if e["reduced"]["fiber_dim"] == 1]
    assert len(diag) == 1 and diag[0]["dim"] == 6 and diag[0]["reduced"]["fiber"] == ["w2_1_1 − w2_1_2"]


def test_per_layer_activations_and_up_to_symmetry(capsys):
    assert main(["enumerate", "--widths", "2,2", "--activations", "tanh,cos", "--up-to-symmetry"]) == 0
    out = capsys.readouterr().out
    assert "σ = tanh,cos" in out and "class" in out


def test_count_only_deep(capsys):
    assert main(["enumerate", "--widths", "2,2", "--count-only", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["count"] == 135 and out["group_order"] == 64
