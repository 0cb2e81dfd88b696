"""Activation registry, safe parser and proved properties (math.md §1, §3).

Golden values are hand-derived from the closed forms (e.g. tanh(-z) = -tanh(z);
sigmoid(-z) + sigmoid(z) = 1; relu(λz) = λ relu(z) for λ > 0); every claimed
refutation is re-checked here with an independent float evaluation.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool import testing
from simtool.errors import ActivationError, SimtoolError
from simtool.symbolic.activation import (
    REGISTRY,
    Activation,
    ActivationProperties,
    Parity,
    Z,
    get_activation,
    parse_expression,
)
from tests.tolerances import KERNEL_VS_ORACLE

ODD, EVEN, OPC, NONE = Parity.ODD, Parity.EVEN, Parity.ODD_PLUS_CONST, Parity.NONE
HALF = sympy.Rational(1, 2)

#: name -> (parity, σ(0), analytic, homogeneous degree, polynomial degree, κ)
GOLDEN = {
    "tanh": (ODD, 0, True, None, None, None),
    "sigmoid": (OPC, HALF, True, None, None, None),
    "sin": (ODD, 0, True, None, None, None),
    "cos": (EVEN, 1, True, None, None, None),
    "gauss": (EVEN, 1, True, None, None, None),
    "exp": (NONE, 1, True, None, None, 1),
    "softplus": (NONE, sympy.log(2), True, None, None, None),
    "silu": (NONE, 0, True, None, None, None),
    "gelu": (NONE, 0, True, None, None, None),
    "erf": (ODD, 0, True, None, None, None),
    "square": (EVEN, 0, True, 2, 2, None),
    "cube": (ODD, 0, True, 3, 3, None),
    "identity": (ODD, 0, True, 1, 1, None),
    "relu": (NONE, 0, False, 1, None, None),
    "leaky_relu": (NONE, 0, False, 1, None, None),
}
IDENTITIES = {  # the expression that must vanish identically for each parity
    ODD: lambda s, q: s(-q) + s(q),
    EVEN: lambda s, q: s(-q) - s(q),
    OPC: lambda s, q: s(-q) + s(q) - 2 * s(0),
}


def test_registry_holds_the_required_activations_with_descriptions():
    assert set(GOLDEN) <= set(REGISTRY)
    for name, act in REGISTRY.items():
        assert act.name == name
        assert act.description and "\n" not in act.description
        assert act.expr.free_symbols == {Z}


def test_registry_closed_forms():
    assert REGISTRY["gauss"].expr == sympy.exp(-Z**2)
    assert REGISTRY["softplus"].expr == sympy.log(1 + sympy.exp(Z))
    assert REGISTRY["silu"].expr == Z / (1 + sympy.exp(-Z))
    assert REGISTRY["gelu"].expr == Z / 2 * (1 + sympy.erf(Z / sympy.sqrt(2)))
    leaky = REGISTRY["leaky_relu"]
    assert leaky(-1) == sympy.Rational(-1, 100) and leaky(3) == 3
    assert "1/100" in leaky.description


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_properties(name):
    parity, sigma0, analytic, degree, poly, kappa = GOLDEN[name]
    act = get_activation(name)
    props = act.properties
    assert act.parity is parity is props.parity
    assert sympy.simplify(act.sigma0 - sigma0) == 0
    assert act.analytic is analytic is props.analytic
    assert props.homogeneous_degree == degree
    assert props.polynomial_degree == poly
    assert props.exp_scaling == kappa
    for proof in (props.parity_proof, props.analytic_proof, props.homogeneity_proof,
                  props.polynomial_proof, props.exp_scaling_proof):
        assert isinstance(proof, str) and proof


def test_relu_kink_is_reported_with_its_point():
    props = REGISTRY["relu"].properties
    assert props.nonanalytic_point == 0
    assert "not differentiable at z = 0" in props.analytic_proof
    assert REGISTRY["leaky_relu"].properties.nonanalytic_point == 0
    cusp = get_activation("abs(z)**3").properties  # C^2, but the 3rd derivative jumps
    assert cusp.analytic is False and "derivative 3 jumps" in cusp.analytic_proof
    root = get_activation("sqrt(abs(z))").properties  # infinite one-sided slope
    assert root.nonanalytic_point == 0 and "infinite" in root.analytic_proof
    clamp = get_activation("max(-1, min(1, z))").properties  # hard tanh: kinks at ±1
    assert abs(clamp.nonanalytic_point) == 1
    assert clamp.parity is ODD and "branches" in clamp.parity_proof
    hidden = get_activation("relu(z) - relu(-z)").properties  # = z, kinks cancel
    assert hidden.analytic and hidden.homogeneous_degree == 1


def test_disguised_polynomial_and_non_polynomials():
    props = get_activation("sin(z)**2 + cos(z)**2 + z").properties  # = 1 + z
    assert props.polynomial_degree == 1 and props.parity is OPC
    for name in ("tanh", "exp", "gelu", "softplus"):
        assert REGISTRY[name].properties.polynomial_proof.startswith("not a polynomial: σ → ")


@pytest.mark.parametrize("name", [n for n in REGISTRY if REGISTRY[n].parity is NONE]
                         + ["sigmoid", "cos", "tanh"])
def test_parity_refutations_really_refute(name):
    act = REGISTRY[name]
    refutations = act.properties.parity_refutations
    refuted = {p for p, _ in refutations}
    expected = {ODD: set(), EVEN: {ODD}, OPC: {ODD, EVEN}, NONE: {ODD, EVEN, OPC}}
    assert refuted == expected[act.parity]
    for parity, q in refutations:
        assert isinstance(q, sympy.Rational)
        value = float(IDENTITIES[parity](act, q))  # independent float oracle
        assert abs(value) > 1e-9, (name, parity, q, value)


rationals = testing.rationals(bound=5, max_denominator=12).map(lambda f: sympy.Rational(f.numerator, f.denominator))


@given(name=st.sampled_from(sorted(REGISTRY)), q=rationals)
def test_parity_claims_hold_exactly_at_rational_points(name, q):
    act = REGISTRY[name]
    if act.parity is not NONE:
        assert sympy.simplify(IDENTITIES[act.parity](act, q)) == 0


odd_coeffs = st.lists(st.integers(-3, 3), min_size=3, max_size=3)
nonzero_pair = st.tuples(odd_coeffs, odd_coeffs).filter(lambda p: any(p[0]) or any(p[1]))


@given(pair=nonzero_pair)
def test_parity_of_random_polynomials(pair):
    odd, even = pair
    expr = sum(c * Z ** (2 * i + 1) for i, c in enumerate(odd)) \
        + sum(c * Z ** (2 * i + 2) for i, c in enumerate(even))
    assert expr != 0
    act = get_activation(str(expr))
    expected = ODD if not any(even) else EVEN if not any(odd) else NONE
    assert act.parity is expected
    assert act.properties.polynomial_degree == sympy.degree(expr, Z)


@given(name=st.sampled_from(["relu", "leaky_relu", "identity", "square", "cube"]),
       q=st.floats(-10, 10), lam=st.floats(0.01, 10))
def test_homogeneity_claims_hold_numerically(name, q, lam):
    act = REGISTRY[name]
    p = act.properties.homogeneous_degree
    lhs, rhs = float(act(q * lam)), lam**p * float(act(q))
    assert math.isclose(lhs, rhs, rel_tol=KERNEL_VS_ORACLE, abs_tol=KERNEL_VS_ORACLE)


def test_exp_type_scaling():
    assert get_activation("exp").properties.exp_scaling == 1
    assert get_activation("3*exp(2*z)").properties.exp_scaling == 2
    assert get_activation("2**z").properties.exp_scaling == sympy.log(2)
    assert get_activation("exp(z) + z").properties.exp_scaling is None


def test_user_expressions_properties():
    act = get_activation("z + z**3/3")
    assert act.parity is ODD and act.analytic
    assert act.properties.polynomial_degree == 3
    assert act.properties.homogeneous_degree is None
    assert get_activation("tanh(z)**2").parity is EVEN
    assert get_activation("sqrt(1 + z**2)").analytic
    assert get_activation("max(z**3, 0)").properties.homogeneous_degree == 3


def test_expressions_equal_to_a_registry_entry_return_it():
    assert get_activation("tanh(z)") is REGISTRY["tanh"]
    assert get_activation("z") is REGISTRY["identity"]
    assert get_activation(" sigmoid ") is REGISTRY["sigmoid"]


def test_activation_equality_call_and_derivative():
    a, b = Activation("q", Z**2), Activation("q", Z**2)
    assert a == b and hash(a) == hash(b) and a != Activation("q", Z**4)
    assert get_activation("z**2 + z") == get_activation("z + z**2")
    tanh = REGISTRY["tanh"]
    assert tanh(2 * Z) == sympy.tanh(2 * Z)
    s = REGISTRY["sigmoid"]
    assert sympy.simplify(s.derivative - s.expr * (1 - s.expr)) == 0


def test_properties_as_dict_is_json():
    for act in REGISTRY.values():
        d = act.properties.as_dict()
        assert json.loads(json.dumps(d)) == d
        assert d["name"] == act.name and d["parity"] == act.parity.value
    assert isinstance(REGISTRY["tanh"].properties, ActivationProperties)


def test_unknown_name_lists_the_registry():
    with pytest.raises(ActivationError) as info:
        get_activation("swish")
    msg = str(info.value)
    assert msg.startswith("unknown activation 'swish'; choose one of tanh, ")
    assert "leaky_relu" in msg and msg.endswith("or give an expression in z")
    assert isinstance(info.value, SimtoolError) and isinstance(info.value, ValueError)
    with pytest.raises(ActivationError, match="did you mean 'tanh'"):
        get_activation("Tanh")


@pytest.mark.parametrize("text, expected", [
    ("z + z**3/3", Z + Z**3 / 3),
    ("tanh(z)", sympy.tanh(Z)),
    ("2*z", 2 * Z),
    ("exp(-z**2)", sympy.exp(-Z**2)),
    ("exp(-z^2)", sympy.exp(-Z**2)),
    ("0.1*z", Z / 10),
    ("1.5e2*z", 150 * Z),
    ("max(0, z)", sympy.Max(0, Z)),
    ("abs(z)", sympy.Abs(Z)),
    ("log(1 + exp(z))", sympy.log(1 + sympy.exp(Z))),
    ("sqrt(1 + z**2)", sympy.sqrt(1 + Z**2)),
    ("sigmoid(z) - 1/2", 1 / (1 + sympy.exp(-Z)) - HALF),
    ("pi*z + E", sympy.pi * Z + sympy.E),
    ("2**z", 2**Z),
    ("1/(1 + z**2)", 1 / (1 + Z**2)),
])
def test_parser_accepts(text, expected):
    assert parse_expression(text) == expected


@pytest.mark.parametrize("text, piece", [
    ("__import__('os')", "'__import__'"),
    ("z.__class__", "'z.__class__'"),
    ("().__class__", "'().__class__'"),
    ("lambda: 1", "'lambda: 1'"),
    ("[z]", "'[z]'"),
    ("z[0]", "'z[0]'"),
    ("open('f')", "'open'"),
    ('"z"', "'\"z\"'"),
    ("1e400**z", "'1e400'"),
    ("z**10**10", "'10**10'"),
    ("2**2**2**2**2", "'2**2**2**2'"),
    ("(z**50)**50", "z**2500"),
    ("log(z)", "'log(z)' is not defined on all of R"),
    ("1/z", "'1/z' is not defined on all of R"),
    ("sqrt(z)", "'sqrt(z)' is not defined on all of R"),
    ("tan(z)", "'tan(z)' is not defined on all of R"),
    ("z**0.5", "'z**0.5' is not defined on all of R"),
    ("", "empty"),
    ("   ", "empty"),
    ("3", "'3' does not depend on z"),
    ("pi", "'pi' does not depend on z"),
    ("max(z, key=abs)", "'key=abs'"),
    ("y + z", "'y'"),
    ("z // 2", "'z // 2'"),
    ("z if z else 1", "'z if z else 1'"),
    ("z > 0", "'z > 0'"),
    ("[x for x in z]", "'[x for x in z]'"),
    ("1j*z", "'1j'"),
    ("z(1)", "'z'"),
    ("exp(z, 2)", "'exp(z, 2)'"),
    ("z +", "malformed"),
    ("z" + " + z" * 200, "too long"),
    ("-" * 200 + "z", "nested too deeply"),
    ("sqrt(-1)*z", "'sqrt(-1)'"),
    ("exp(exp(exp(z)))", "'exp(exp(exp(z)))' grows too fast"),
    ("exp(exp(exp(exp(100))))*z", "grows too fast"),
    ("2**(2**(2**z))", "grows too fast"),
])
def test_parser_rejects_with_the_bad_piece(text, piece):
    with pytest.raises(ActivationError) as info:
        parse_expression(text)
    assert piece in str(info.value)
    with pytest.raises(ActivationError):
        get_activation(text)


def test_parser_never_evaluates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ["open('pwned', 'w')", "__import__('os').system('touch pwned')",
                 "exec('open(1)')", "eval('1')"]:
        with pytest.raises(ActivationError):
            get_activation(text)
    assert not (tmp_path / "pwned").exists()


def test_non_string_spec():
    with pytest.raises(ActivationError, match="must be a string"):
        get_activation(3)  # type: ignore[arg-type]


def test_symbolic_module_imports_neither_rich_nor_torch():
    code = ("import sys, simtool.symbolic.activation as a; a.REGISTRY['tanh'].properties;"
            "print('rich' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_registry_parity_is_fast_on_a_cold_start():
    code = ("import time, simtool.symbolic.activation as a\n"
            "for n, act in a.REGISTRY.items():\n"
            "    t = time.perf_counter(); act.parity; print(n, time.perf_counter() - t)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    times = {n: float(t) for n, t in (line.split() for line in out.stdout.splitlines())}
    assert max(times.values()) < 0.05, times  # budget 20 ms; slack for loaded machines


def test_fraction_helper_is_exact():  # decimals become exact rationals, never floats
    assert parse_expression("0.3*z").coeff(Z) == sympy.Rational(Fraction("0.3").numerator, 10)
