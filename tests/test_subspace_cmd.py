"""``simtool subspace`` and its pieces: --where parser, affine tangency, symmetry-induced."""

from __future__ import annotations

import json

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool.cli import main
from simtool.errors import SubspaceError
from simtool.symbolic.activation import get_activation
from simtool.symbolic.affine_tangency import decide_tangency, normal_residuals
from simtool.symbolic.complete_group import complete_group
from simtool.symbolic.induced import symmetry_induced
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.oracle import closure_lattice
from simtool.symbolic.relations import parse_relations
from simtool.symbolic.zero import provably_nonzero


def _run(capsys, *argv):
    rc = main(["subspace", *argv, "--json"])
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc != 2 else out.err)


# (width, activation, options, where, invariant, symmetry-induced) — issue 7's known cases
CASES = [
    (2, "silu", [], "a1=0, w1=0, b1=0", True, False),      # σ(0) = 0, no parity: zero unit
    (2, "tanh", [], "a1=0, w1=0, b1=0", True, True),       # odd: Fix(flip of unit 1)
    (2, "silu", [], "a1=0", False, None),
    (3, "cube", [], "w1=0, b1=0", True, False),            # σ(0) = σ'(0) = 0: inactive unit, a free
    (2, "square", [], "a1=0, w1=0, b1=0", True, False),    # zero unit (even: Fix is {w=b=0})
    (2, "square", [], "w1=0, b1=0", True, True),           # even: Fix(flip), a1 free
    (2, "identity", ["--no-bias"], "a1=w1", True, True),   # a_k ↔ w_k
    (2, "identity", ["--no-bias"], "a1=w2", False, None),
    (2, "cos", ["--output-bias"], "w1=0, b1=0, a1=c", True, False),
    (2, "gauss", ["--output-bias"], "w1=0, b1=0, a1=2*c", False, None),
    (3, "cos", [], "w1=0,b1=0,w2=0,b2=0,w3=0,b3=0, a1 + a2 = 2*a3", True, False),  # ∋ (1,1,1)
    (3, "cos", [], "w1=0,b1=0,w2=0,b2=0,w3=0,b3=0, a1 = 2*a2", False, None),       # ∌ (1,1,1)
    (2, "sin", [], "w1 = 0, b1 = pi/2", True, False),      # affine
    (2, "sin", [], "w1 = 0, b1 = 1", False, None),
    (2, "identity", [], "a2 = 2*a1, w2 = 2*w1, b2 = 2*b1", True, False),  # O(2) acts: continuum
    (2, "tanh", ["--input-dim", "2"], "w1_1 = w2_1, w1_2 = w2_2, b1 = b2, a1 = a2", True, True),
]


@pytest.mark.parametrize("width,act,opts,where,invariant,induced", CASES,
                         ids=[f"{c[1]}-{c[3]}" for c in CASES])
def test_known_cases(capsys, width, act, opts, where, invariant, induced):
    rc, out = _run(capsys, "--width", str(width), "--activation", act, *opts, "--where", where)
    assert rc == 0
    assert out["invariant"] is invariant
    if invariant:
        assert out["symmetry"]["symmetry_induced"] is induced
        assert out["symmetry"]["relative_to"] == out["group"]["name"]
    else:
        assert "symmetry" not in out
        assert out["invariance"]["counterexample"]["normal_component"] != "0"


def test_identity_with_biases_says_continuum(capsys):
    rc, out = _run(capsys, "--width", "2", "--activation", "identity", "--where", "a2 = 2*a1, w2 = 2*w1, b2 = 2*b1")
    assert "continuum" in out["group"]["continuum_note"]


def test_refutation_point_is_exact_and_on_S():
    """The counterexample satisfies the relations exactly and the residual there is ≠ 0."""
    net = TwoLayerNet(2, get_activation("sin"))
    S = parse_relations(net, "w1 = 0, b1 = 1, a2 = 3*a1")
    v = decide_tangency(net, S)
    assert v.status == "refuted"
    theta = [sympy.sympify(v.counterexample["theta"][n]) for n in net.names]   # strings we produced
    assert theta[net.index("w1")] == 0 and theta[net.index("b1")] == 1
    assert theta[net.index("a2")] == 3 * theta[net.index("a1")]
    x = sympy.Rational(v.counterexample["x"]["x"])
    grad = [sympy.diff(net.function(), s) for s in net.symbols]
    at = dict(zip(net.symbols, theta)) | {net.x_symbols[0]: x}
    normals = [sum(sympy.Rational(c.numerator, c.denominator) * grad[i] for i, c in row).xreplace(at)
               for row in S.linear.equations]
    assert any(provably_nonzero(n) for n in normals)


def test_affine_tangency_agrees_with_brute_residuals():
    """Oracle: the residuals with σ substituted, simplified one by one."""
    net = TwoLayerNet(2, get_activation("cos"))
    for where, zero in [("w1 = 0, b1 = pi", True), ("w1 = 0, b1 = pi/3", False)]:
        S = parse_relations(net, where)
        res = [sympy.simplify(r) for r in normal_residuals(net, S)]
        assert all(r == 0 for r in res) is zero
        assert (decide_tangency(net, S).status == "proved") is zero


@pytest.mark.parametrize("act,opts", [("tanh", {}), ("identity", {"bias": False}), ("cos", {"output_bias": True}),
                                      ("silu", {})])
def test_symmetry_induced_iff_in_the_fix_lattice(act, opts):
    """Oracle: Fix(H) for all H ≤ G by brute-force intersection closure of {Fix(g)}."""
    net = TwoLayerNet(2, get_activation(act), **opts)
    group = complete_group(net, continuous=False)
    lattice = closure_lattice(_Report(group))
    from simtool.symbolic.affine import AffineSubspace

    for S in lattice:
        assert symmetry_induced(group, AffineSubspace.of(S)).induced
    zero_unit = ", ".join(f"{n} = 0" for n in net.unit_names(1))
    for where in ["a1 = 0", zero_unit, "a1 = a2", "w1 = 0", "a1 = w1", "a1 = 2*a2"]:
        S = parse_relations(net, where)
        assert symmetry_induced(group, S).induced is (S.linear in lattice)


class _Report:
    """Adapter: ``closure_lattice`` reads ``net`` and ``generators``."""

    def __init__(self, group):
        self.net, self.generators = group.net, group.generators


@pytest.mark.parametrize("where,fragment", [
    ("a1*w1 = 0", "not linear"),
    ("a9 = 0", "unknown parameter"),
    ("__import__('os').system('true') = 0", "not allowed"),
    ("a1 = 1, a1 = 2", "inconsistent"),
    ("a1 ** 2 = 0", "power"),
    ("a1 < 0", "only equations"),
    ("a1 = pi*w1", "rational"),
    ("a1 = x", "unknown parameter"),
    ("", "at least one relation"),
    ("a1 = 0,", "empty relation"),
    ("a1", "not an equation"),
    ("a1 = 'w1'", "not allowed"),
    ("a1 = w1.real", "attribute"),
    ("a1 = 1/0", "non-zero rational"),
    ("a1 = 1e400", "plain decimal"),
    ("a1 = " + "1" * 60, "plain decimal"),
    ("a1 = (lambda: 0)()", "not allowed"),
    ("0 = 0", "trivially true"),
    ("a1 = [w1]", "not allowed"),
    ("a1 = " + "+".join(["w1"] * 1000), "limit"),
])
def test_bad_where_is_one_line_exit_2(capsys, where, fragment):
    rc = main(["subspace", "--width", "2", "--activation", "tanh", "--where", where])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("simtool subspace: error:") and err.count("\n") == 1
    assert fragment in err


def test_parser_forms():
    net = TwoLayerNet(3, get_activation("tanh"), output_bias=True)
    assert parse_relations(net, "w1 = w2 = w3") == parse_relations(net, "w1 = w2, w2 = w3")
    assert parse_relations(net, "a1 − 0.5×a2 = c") == parse_relations(net, "2*a1 - a2 = 2*c")
    assert parse_relations(net, "b1 = pi/2").offset[net.index("b1")] == sympy.pi / 2
    with pytest.raises(SubspaceError):
        parse_relations(net, "a1 = a1 + 1")


def test_deep_net_zero_neuron(capsys):
    rc, out = _run(capsys, "--widths", "2,2", "--activation", "tanh",
                   "--where", "w1_1_1 = 0, b1_1 = 0, w2_1_1 = 0, w2_2_1 = 0")
    assert rc == 0 and out["invariant"] is True and out["symmetry"]["symmetry_induced"] is True


def test_text_output_names_the_group(capsys):
    assert main(["subspace", "--width", "2", "--activation", "silu", "--where", "a1=0, w1=0, b1=0"]) == 0
    text = capsys.readouterr().out
    assert "not symmetry-induced relative to the complete signed-permutation group" in text


def test_sin_affine_sim_is_fixed_by_an_affine_isometry():
    """(a, w, b) ↦ (a, −w, π − b) preserves a·sin(wx + b) exactly; its fixed set is {w = 0, b = π/2}:
    the affine SIM is induced by an affine (not linear) orthogonal symmetry."""
    from simtool.symbolic.zero import is_identically_zero

    net = TwoLayerNet(1, get_activation("sin"))
    a, w, b = net.symbols
    assert is_identically_zero(net.function([a, -w, sympy.pi - b]) - net.function())
    fixed = sympy.solve([sympy.Eq(-w, w), sympy.Eq(sympy.pi - b, b)], [w, b], dict=True)
    assert fixed == [{w: 0, b: sympy.pi / 2}]
    assert decide_tangency(net, parse_relations(net, "w1 = 0, b1 = pi/2")).status == "proved"


@st.composite
def _relations(draw):
    """Relations satisfied by a drawn point θ* = q + r·π (so the system is consistent)."""
    from fractions import Fraction

    D = 7   # TwoLayerNet(2, ..., output_bias=True)
    q_star = [Fraction(draw(st.integers(-2, 2)), draw(st.integers(1, 2))) for _ in range(D)]
    r_star = [Fraction(draw(st.integers(-1, 1)), 2) for _ in range(D)]
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        cols = draw(st.lists(st.integers(0, D - 1), min_size=1, max_size=3, unique=True))
        coef = {c: Fraction(draw(st.integers(-3, 3).filter(bool)), draw(st.integers(1, 3))) for c in cols}
        rows.append((coef, sum(v * q_star[c] for c, v in coef.items()), sum(v * r_star[c] for c, v in coef.items())))
    return rows


@given(_relations(), st.booleans())
def test_describe_then_parse_round_trips(rows, ascii):
    """Law: the text simtool prints for S parses back to exactly S."""
    from simtool.symbolic.affine import AffineSubspace

    net = TwoLayerNet(2, get_activation("tanh"), output_bias=True)
    S = AffineSubspace.from_relations(net.dim, rows)
    assert parse_relations(net, S.describe(net.names, ascii=ascii)) == S
