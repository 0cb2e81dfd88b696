"""``simtool activations``: table, JSON and one-line errors (called through ``main``)."""

from __future__ import annotations

import pytest

from simtool.cli import main
from simtool.symbolic.activation import REGISTRY
from tests import strict_json


def _json(capsys, *argv: str) -> dict:
    assert main(["activations", "--json", *argv]) == 0
    return strict_json.loads(capsys.readouterr().out)


def test_json_lists_the_whole_registry(capsys):
    entries = _json(capsys)["activations"]
    assert [e["name"] for e in entries] == list(REGISTRY)
    by_name = {e["name"]: e for e in entries}
    assert by_name["tanh"]["parity"] == "odd"
    assert by_name["sigmoid"]["parity"] == "odd up to a constant"
    assert by_name["sigmoid"]["sigma0"] == "1/2"
    assert by_name["relu"]["analytic"] is False
    assert by_name["relu"]["nonanalytic_point"] == "0"
    assert by_name["relu"]["homogeneous_degree"] == "1"
    assert by_name["exp"]["exp_scaling"] == "1"
    assert by_name["cube"]["polynomial_degree"] == 3
    for entry in entries:
        assert entry["parity_proof"] and entry["analytic_proof"]


def test_json_for_a_user_expression(capsys):
    (entry,) = _json(capsys, "--activation", "z + z**3/3")["activations"]
    assert entry["name"] == "z**3/3 + z" and entry["parity"] == "odd"
    assert entry["polynomial_degree"] == 3 and entry["analytic"] is True


def test_repeated_activation_option(capsys):
    entries = _json(capsys, "--activation", "gauss", "--activation", "relu")["activations"]
    assert [e["name"] for e in entries] == ["gauss", "relu"]


def test_table_and_proofs(capsys):
    assert main(["activations", "--proofs"]) == 0
    out = capsys.readouterr().out
    for name in ("tanh", "sigmoid", "leaky_relu", "gelu"):
        assert name in out
    assert "not differentiable at z = 0" in out


def test_table_for_one_activation(capsys):
    assert main(["activations", "--activation", "cos"]) == 0
    out = capsys.readouterr().out
    assert "cos" in out and "even" in out and "tanh" not in out


@pytest.mark.parametrize("spec, quoted", [
    ("__import__('os')", "'__import__'"),
    ("swish", "unknown activation 'swish'; choose one of tanh"),
    ("log(z)", "'log(z)' is not defined on all of R"),
    ("z.__class__", "'z.__class__'"),
])
def test_bad_activation_is_a_one_line_error(capsys, spec, quoted):
    assert main(["activations", "--activation", spec]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("simtool activations: error: ") and quoted in err


def test_help_mentions_the_registry(capsys):
    assert main(["activations", "--help"]) == 0
    assert "leaky_relu" in capsys.readouterr().out
