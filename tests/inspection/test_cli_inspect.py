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
