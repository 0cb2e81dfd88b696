"""simtool.testing: the example user test file runs green in a user's repository, the
strategies produce valid objects, and the property checks fail loudly."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic import Subspace, TwoLayerNet, Z, get_activation
from simtool.testing import (
    activation_texts,
    assert_equivariant,
    assert_not_sim,
    assert_reduces,
    assert_sim,
    load_profile,
    points_on,
)
from simtool.testing.profiles import PROFILE_ENV

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "user_tests"


def _user_repo(tmp_path, *files):
    tests = tmp_path / "tests"
    tests.mkdir()
    for f in files:
        shutil.copy(EXAMPLE / f, tests / f)
    return tmp_path


def test_example_user_test_file_passes_in_a_subprocess(tmp_path):
    repo = _user_repo(tmp_path, "conftest.py", "test_my_sims.py")
    env = dict(os.environ, **{PROFILE_ENV: "ci"})
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout


def test_a_false_user_claim_fails_with_the_counterexample(tmp_path):
    repo = _user_repo(tmp_path, "conftest.py")
    (repo / "tests" / "test_false.py").write_text(
        "from simtool.symbolic import Subspace, TwoLayerNet, get_activation\n"
        "from simtool.testing import assert_sim\n\n"
        "def test_a1_zero_is_a_sim():\n"
        "    net = TwoLayerNet(2, get_activation('tanh'))\n"
        "    assert_sim(net, Subspace.from_equations(net.dim, [{0: 1}]))\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=repo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "not proved a SIM (refuted)" in done.stdout and "counterexample" in done.stdout


def test_unknown_profile_is_refused(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "fast")
    with pytest.raises(ValueError, match="unknown hypothesis profile 'fast'"):
        load_profile()


@given(activation_texts())
def test_grammar_texts_are_accepted_by_the_safe_parser(text):
    assert get_activation(text).expr.has(Z)  # parsed by the safe parser, and depends on z
    assert re.fullmatch(r"[a-z0-9()+\-*/ ]+", text)  # only the grammar's tokens


@given(st.data())
def test_points_on_a_subspace_lie_on_it(data):
    net = TwoLayerNet(3, get_activation("tanh"))
    s = Subspace.from_equations(net.dim, [{0: 1, 3: -1}, {1: 1, 4: 1}])
    assert s.contains_vector(data.draw(points_on(s)))


def test_property_checks_fail_with_evidence():
    net = TwoLayerNet(2, get_activation("tanh"))
    condensed = Subspace.from_equations(net.dim, [{0: 1, 3: -1}, {1: 1, 4: -1}, {2: 1, 5: -1}])
    with pytest.raises(AssertionError, match="not refuted"):
        assert_not_sim(net, condensed)
    with pytest.raises(AssertionError, match="not proved a SIM"):
        assert_sim(net, Subspace.from_equations(net.dim, [{0: 1}]))
    from simtool.symbolic import SignedPermutation, enumerate_lattice

    swap_a_only = SignedPermutation((3, 1, 2, 0, 4, 5), (1,) * 6)  # swaps a1, a2 but not w, b
    with pytest.raises(AssertionError, match="f\\(gθ, x\\) − f\\(θ, x\\) is not identically 0"):
        assert_equivariant(net, swap_a_only)
    other = enumerate_lattice(TwoLayerNet(3, get_activation("tanh"))).elements[1]
    with pytest.raises(AssertionError, match="belongs to"):
        assert_reduces(net, other)


def test_assert_equivariant_takes_numbers_never_strings():
    from simtool.symbolic import enumerate_lattice

    net = TwoLayerNet(2, get_activation("tanh"))
    swap = enumerate_lattice(net).symmetries.generators[0]
    assert_equivariant(net, swap, [0.5, 1, 2, 3, -1, 0.25])  # floats are taken exactly
    with pytest.raises(TypeError, match="must be numbers"):
        assert_equivariant(net, swap, ["__import__('os')"] * 6)
