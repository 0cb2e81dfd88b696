"""``simtool survey``: one row per activation and width, counterexamples beyond symmetry."""

from __future__ import annotations

import json

import pytest

from simtool.cli import main


def _survey(capsys, *argv):
    assert main(["survey", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_rows_and_counterexamples(capsys):
    out = _survey(capsys, "--widths", "1..2", "--activations", "tanh,silu,cube,relu")
    rows = {(r["activation"], r["width"]): r for r in out["rows"]}
    assert rows[("tanh", 2)]["all_induced"] and rows[("tanh", 2)]["fix_h"] == 6      # Dowling(2) = 6
    assert not rows[("silu", 2)]["all_induced"] and rows[("silu", 2)]["invariant"] == 5
    assert rows[("silu", 2)]["counterexamples"] == ["a1 = 0, w1 = 0, b1 = 0"]
    assert rows[("cube", 1)]["counterexamples"] == ["w1 = 0, b1 = 0"]
    assert rows[("cube", 2)]["family_instances"]          # a1 = 2·a2 on inactive units
    assert [s["activation"] for s in out["skipped"]] == ["relu"]


def test_even_sigma_width_three_continuum_is_not_all_induced(capsys):
    row = _survey(capsys, "--widths", "3", "--activations", "cos")["rows"][0]
    assert row["counterexamples"] == [] and not row["all_induced"]
    assert row["families_short"] == ["any L ⊆ (a1, a2, a3) with (1, 1, 1) ∈ L"]


@pytest.mark.parametrize("widths", ["0..2", "3..1", "1..9", "a"])
def test_bad_widths(capsys, widths):
    assert main(["survey", "--widths", widths]) == 2
    assert capsys.readouterr().err.startswith("simtool survey: error:")


def test_text_table(capsys):
    assert main(["survey", "--widths", "1", "--activations", "silu"]) == 0
    assert "relative to each net's complete signed-permutation group" in capsys.readouterr().out


def test_subspace_survey_and_all_invariant_never_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, io, contextlib; from simtool.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['subspace', '--width', '2', '--activation', 'sin', '--where', 'w1=0, b1=pi/2'])\n"
        "    main(['survey', '--widths', '1', '--activations', 'silu'])\n"
        "    main(['enumerate', '--width', '2', '--activation', 'silu', '--all-invariant'])\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_exact_flag_decides_every_member(capsys):
    fast = _survey(capsys, "--widths", "2", "--activations", "square")["rows"][0]
    slow = _survey(capsys, "--widths", "2", "--activations", "square", "--exact")["rows"][0]
    assert slow["exact_refutations"] and not fast["exact_refutations"]
    assert (slow["invariant"], slow["undecided"]) == (fast["invariant"], 0) == (13, 0)
