"""``simtool inspect`` end to end: files, factories, TOML specs, errors, --json, --check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from simtool.cli import main  # noqa: E402

EX = Path(__file__).resolve().parents[2] / "examples"


def run_json(capsys, *argv) -> dict:
    assert main(["inspect", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_class_with_args_and_check(capsys):
    out = run_json(capsys, f"{EX}/residual_mlp.py:ResidualMLP", "--args", '{"d": 1, "width": 2}', "--check")
    assert out["group"]["order"] == 8
    assert all(c["ok"] for c in out["check"]) and len(out["check"]) == 2 + len(out["lattice"]["classes"])
    assert all(c["invariance"]["status"] == "proved" for c in out["lattice"]["classes"])
    full = out["lattice"]["full"]
    assert len(full) == out["lattice"]["elements"]
    assert [sum(1 for e in full if e["class"] == k) for k in range(len(out["lattice"]["classes"]))] == [
        c["orbit_size"] for c in out["lattice"]["classes"]]


def test_factory_and_toml_spec_agree(capsys):
    spec = run_json(capsys, str(EX / "residual_spec.toml"), "--no-lattice")
    code = run_json(capsys, f"{EX}/residual_mlp.py:ResidualMLP", "--args", "[2, 3]", "--no-lattice")
    assert spec["group"]["order"] == code["group"]["order"] == 48
    fac = run_json(capsys, f"{EX}/two_branch.py:make_two_branch", "--args", '{"mixed": true}', "--no-lattice")
    assert fac["group"]["order"] == 16


def test_text_report_names_generators_in_words(capsys):
    assert main(["inspect", f"{EX}/multi_head.py:MultiHead"]) == 0
    text = capsys.readouterr().out
    assert "swap hidden units 1 and 2 of `trunk`" in text and "flip unit 1 of `trunk`" in text
    assert "outputs (labelled, never permuted): out0[1], out1[1]" in text


@pytest.mark.parametrize("argv, message", [
    ([f"{EX}/unsupported_conv.py:ConvNet"], "module 'conv' (Conv1d) is not supported"),
    ([f"{EX}/nope.py:Net"], "not found"),
    ([f"{EX}/multi_head.py:Missing"], "defines no 'Missing'"),
    ([f"{EX}/multi_head.py:MultiHead", "--args", "{bad"], "--args is not valid JSON"),
    ([f"{EX}/multi_head.py"], "expected path/to/model.py:ClassName"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["inspect", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("simtool inspect: error:")


def test_bad_toml(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('input_dim = 1\n[[layer]]\nwidth = 2\nactivation = "swish"\n')
    assert main(["inspect", str(spec)]) == 2
    assert "unknown activation 'swish'; choose one of tanh" in capsys.readouterr().err


def test_help_says_which_code_runs(capsys):
    assert main(["inspect", "--help"]) == 0
    assert "ONLY user code simtool runs" in capsys.readouterr().out


def test_traced_plain_mlp_matches_enumerate_widths(tmp_path, capsys):
    """The bar: the traced nn.Sequential gives the group, lattice and reductions of
    ``simtool enumerate --widths`` for the same architecture."""
    model = tmp_path / "mlp.py"
    model.write_text("from torch import nn\n"
                     "def make():\n"
                     "    return nn.Sequential(nn.Linear(1, 2), nn.Tanh(), nn.Linear(2, 2), nn.Tanh(),\n"
                     "                         nn.Linear(2, 1))\n")
    ours = run_json(capsys, f"{model}:make")
    assert main(["enumerate", "--widths", "2,2", "--output-bias", "--json"]) == 0
    ref = json.loads(capsys.readouterr().out)
    assert ours["group"]["order"] == ref["symmetries"]["order"] == 64
    assert ours["lattice"]["elements"] == ref["count"] == 135
    assert len(ours["lattice"]["classes"]) == ref["count_up_to_symmetry"] == 48
    assert sorted((c["dim"], c["orbit_size"], c["reduced"]) for c in ours["lattice"]["classes"]) == sorted(
        (c["dim"], c["orbit_size"], "reduces to widths 1-" + "-".join(map(str, c["reduced_widths"])) + "-1")
        for c in ref["classes"])
    assert {c["invariance"]["status"] for c in ours["lattice"]["classes"]} == {"proved"}


def test_toml_tie_is_the_tied_autoencoder(tmp_path, capsys):
    spec = tmp_path / "ae.toml"
    spec.write_text('input_dim = 2\n[[layer]]\nname = "enc"\nwidth = 3\nactivation = "tanh"\n'
                    '[[layer]]\nname = "dec"\nwidth = 2\ntie = "enc"\n')
    toml = run_json(capsys, str(spec), "--no-lattice")
    code = run_json(capsys, f"{EX}/tied_autoencoder.py:TiedAutoencoder", "--args", "[2, 3]", "--no-lattice")
    assert toml["group"]["order"] == code["group"]["order"] == 48
    assert "tied: layers.enc.weight" in toml["describe"]
