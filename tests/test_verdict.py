"""One status vocabulary: exact engine, numeric checks and catalogue share Status."""

import json

import pytest

from simtool.numeric import check_setup
from simtool.symbolic import Subspace, TwoLayerNet, get_activation, prove_invariant
from simtool.verdict import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    PROVED,
    REFUTED,
    UNDECIDED,
    VIOLATED,
    Status,
    Verdict,
    worst_status,
)


def test_numeric_checks_use_the_package_statuses():
    assert check_setup.CONFIRMED is CONFIRMED
    assert check_setup.VIOLATED is VIOLATED
    assert check_setup.INCONCLUSIVE is INCONCLUSIVE
    assert check_setup.NOT_APPLICABLE is NOT_APPLICABLE


def test_exact_engine_returns_status_members():
    net = TwoLayerNet(2, get_activation("tanh"))
    v = prove_invariant(net, Subspace.from_equations(net.dim, [{0: 1}]))
    assert v.status is REFUTED and v.status.exact and not v.ok


def test_undecided_is_an_alias_of_inconclusive():
    assert UNDECIDED is INCONCLUSIVE
    assert Status.parse("undecided") is INCONCLUSIVE
    assert str(UNDECIDED) == "inconclusive"


def test_statuses_are_plain_words_in_json_and_text():
    assert json.dumps({"s": PROVED}) == '{"s": "proved"}'
    assert f"{CONFIRMED}" == "confirmed" and PROVED == "proved"
    assert {"refuted": 1}[REFUTED] == 1


def test_unknown_status_word_is_refused():
    with pytest.raises(ValueError, match="unknown status 'maybe'"):
        Verdict("maybe")


def test_scope_appears_in_the_headline_and_round_trips():
    v = Verdict(CONFIRMED, "stays", scope="widths 1–4", tolerance=1e-12, margin=30.0)
    assert v.headline() == "confirmed for widths 1–4"
    assert Verdict(PROVED, "x").headline() == "proved"
    assert Verdict.from_dict(json.loads(json.dumps(v.as_dict()))) == v


def test_worst_status_orders_refutations_last():
    assert worst_status([PROVED, CONFIRMED, INCONCLUSIVE]) is INCONCLUSIVE
    assert worst_status([PROVED, VIOLATED, REFUTED]) is REFUTED
    assert worst_status([]) is NOT_APPLICABLE
