"""`simtool enumerate` through main([...]): output, JSON, Hasse, counts, every bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simtool.cli import main
from simtool.symbolic.counting import count_elements
from tests import strict_json


def run(capsys, *args):
    code = main(["enumerate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_table(capsys):
    code, out, err = run(capsys, "--width", "4")
    assert code == 0, err
    assert "116" in out and "A007405" in out
    assert "units 1,2 condensed" in out and "proved" in out
    assert "refuted" not in out


def test_json_schema(capsys):
    code, out, _ = run(capsys, "--width", "3", "--json")
    doc = strict_json.loads(out)
    assert doc["width"] == 3 and doc["activation"] == "tanh"
    assert doc["count"] == 24 and doc["count_up_to_symmetry"] == 7
    assert len(doc["elements"]) == 24
    for e in doc["elements"]:
        assert {"dim", "description", "reduced_width", "invariance", "covers"} <= set(e)
        assert e["invariance"] == "proved"
    top = doc["elements"][0]
    assert top["dim"] == 9 and len(top["covers"]) == 9
    assert doc["parameters"][:3] == ["a1", "w1", "b1"]


def test_even_activation_counts_computed(capsys):
    code, out, _ = run(capsys, "--width", "3", "--activation", "cos", "--json")
    assert strict_json.loads(out)["count"] == 31


def test_user_expression_and_options(capsys):
    code, out, err = run(capsys, "--width", "2", "--activation", "z + z**3/3", "--input-dim", "2", "--no-bias",
                         "--output-bias", "--json")
    assert code == 0, err
    doc = strict_json.loads(out)
    assert doc["parameters"] == ["a1", "w1_1", "w1_2", "a2", "w2_1", "w2_2", "c"]
    assert doc["count"] == 6


def test_up_to_symmetry(capsys):
    code, out, _ = run(capsys, "--width", "5", "--up-to-symmetry", "--json")
    doc = strict_json.loads(out)
    assert len(doc["classes"]) == doc["count_up_to_symmetry"] == 19
    assert sum(c["orbit_size"] for c in doc["classes"]) == doc["count"] == 648
    code, out, _ = run(capsys, "--width", "5", "--up-to-symmetry")
    assert "orbit size" in out


def test_count_only_large(capsys):
    code, out, _ = run(capsys, "--width", "1000", "--count-only", "--json")
    # beyond 2**53 − 1 integers are JSON strings (simtool.output: strict JSON)
    assert strict_json.loads(out)["count"] == str(count_elements("odd", 1000))


@pytest.mark.parametrize("suffix", [".dot", ".svg", ".png"])
def test_hasse_files(capsys, tmp_path, suffix):
    path = tmp_path / f"hasse{suffix}"
    code, out, err = run(capsys, "--width", "3", "--hasse", str(path))
    assert code == 0, err
    assert path.stat().st_size > 200
    if suffix == ".dot":
        text = path.read_text()
        from simtool.symbolic.activation import get_activation
        from simtool.symbolic.lattice import enumerate_lattice
        from simtool.symbolic.network import TwoLayerNet
        from simtool.symbolic.oracle import hasse_by_containment

        lat = enumerate_lattice(TwoLayerNet(3, get_activation("tanh")))
        oracle = hasse_by_containment({e.id: e.subspace for e in lat.elements})
        assert text.startswith("digraph") and text.count("->") == oracle.number_of_edges()


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--width", "0"], "'0'|0"),
        (["--width", "-3"], "-3"),
        (["--width", "2.5"], "2.5"),
        (["--width", "abc"], "abc"),
        (["--width", "100000000000"], "100000000000"),
        (["--width", "3", "--activation", "swish"], "swish"),
        (["--width", "3", "--activation", "__import__('os')"], "__import__"),
        (["--width", "3", "--activation", "z.__class__"], "__class__"),
        (["--width", "3", "--activation", "log(z)"], "log"),
        (["--width", "3", "--activation", "relu"], "relu"),
        (["--width", "3", "--input-dim", "0"], "input dimension"),
        (["--width", "12"], "--up-to-symmetry"),
        (["--width", "5000", "--count-only"], "5000"),
        (["--width", "3", "--hasse", "out.txt"], "out.txt"),
        (["--width", "3", "--hasse", "/nonexistent-dir/x.dot"], "nonexistent"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, args, needle):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    import re

    assert re.search(needle.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.") if "|" not in needle
                     else needle, err), err


def test_unknown_activation_lists_choices(capsys):
    _, _, err = run(capsys, "--width", "2", "--activation", "swish")
    assert "tanh" in err and "sigmoid" in err


def test_relu_with_allow_nonsmooth(capsys):
    code, out, err = run(capsys, "--width", "3", "--activation", "relu", "--allow-nonsmooth", "--json")
    assert code == 0, err
    doc = strict_json.loads(out)
    assert doc["count"] == 5  # Bell: relu has no sign symmetry
    assert all(e["invariance"] == "inconclusive" for e in doc["elements"])


def test_missing_width_is_usage_error(capsys):
    assert main(["enumerate"]) == 2


def test_enumerate_never_imports_torch():
    code = (
        "import sys; from simtool.cli import main; import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['enumerate', '--width', '3'])\n"
        "import simtool.symbolic.lattice, simtool.symbolic.tangency\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert "simtool" in capsys.readouterr().out
    assert main(["enumerate", "--help"]) == 0
    assert "default: tanh" in capsys.readouterr().out
