"""Exact polynomial conservation laws (simtool.symbolic.conservation).

Golden cases (math.md §6; Marcotte–Gribonval–Peyré, arXiv 2307.00144): relu two-layer
nets have exactly one law per hidden unit, a_k² − |w_k|² − b_k²; linear nets the
entries of W_{l+1}ᵀW_{l+1} − W̃_l W̃_lᵀ (W̃_l = [W_l, b_l]); exp the trade-off
a_k² − 2 b_k (Q = κa²/2 − b of symmetry_continuous, κ = 1).  Each law found is proved
(∇h·∇f ≡ 0 from sympy's differentiation of f), and the backpropagation that produces
the candidates is checked against sympy's gradient.
"""

from __future__ import annotations

import random

import pytest
import sympy

from simtool.symbolic.activation import Z, get_activation
from simtool.symbolic.architecture import neuron_coordinates
from simtool.symbolic.conservation import polynomial_laws, prove_law
from simtool.symbolic.deep import DeepNet
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.network_eval import gradient, layer_index
from simtool.verdict import PROVED


def _span_equal(net, found, expected) -> bool:
    """Same linear span of polynomials (coefficient vectors over Q)."""
    syms = net.symbols
    monos = sorted({m for e in found + expected for m in sympy.Poly(e, *syms).monoms()})
    rows = lambda es: sympy.Matrix([[sympy.Poly(e, *syms).coeff_monomial(m) for m in monos] for e in es])  # noqa: E731
    a, b = rows(found), rows(expected)
    return a.rank() == b.rank() == sympy.Matrix.vstack(a, b).rank()


def _balancedness(net, p=1):
    """|incoming|² − p·|outgoing|² for every hidden neuron (from the roles)."""
    out = []
    for l in range(1, len(net.layer_widths) - 1):
        for i in range(1, net.layer_widths[l] + 1):
            inc, og = neuron_coordinates(net, l, i)
            s = net.symbols
            out.append(sum(s[c] ** 2 for c in inc) - p * sum(s[c] ** 2 for c in og))
    return out


def _linear_laws(net):
    """Entries (i ≤ j) of W_{l+1}ᵀW_{l+1} − W̃_l W̃_lᵀ for every hidden layer l."""
    ix, s, out = layer_index(net), net.symbols, []
    for l in range(1, ix.depth):
        rows = [[s[c] for c in row] + ([s[ix.biases[l - 1][i]]] if ix.biases[l - 1][i] is not None else [])
                for i, row in enumerate(ix.weights[l - 1])]
        nxt = ix.weights[l]
        n = ix.widths[l]
        for i in range(n):
            for j in range(i, n):
                out.append(sum(s[nxt[k][i]] * s[nxt[k][j]] for k in range(len(nxt)))
                           - sum(a * b for a, b in zip(rows[i], rows[j])))
    return [e for e in out if e != 0]


@pytest.mark.parametrize("width,d,bias", [(1, 1, True), (2, 2, True), (3, 1, False)])
def test_relu_two_layer_one_law_per_unit(width, d, bias):
    net = TwoLayerNet(width, get_activation("relu"), d, bias)
    res = polynomial_laws(net)
    assert res.independent == width
    assert _span_equal(net, [law.expr for law in res.laws], _balancedness(net))
    assert all(law.proof.status == PROVED for law in res.laws) and not res.unproved


@pytest.mark.parametrize("widths", [(2, 2), (3, 2)])
def test_deep_relu_balancedness_per_neuron(widths):
    net = DeepNet(widths, get_activation("relu"), bias=False)
    res = polynomial_laws(net)
    assert res.independent == sum(widths)
    assert _span_equal(net, [law.expr for law in res.laws], _balancedness(net))


@pytest.mark.parametrize("net", [TwoLayerNet(3, get_activation("identity"), 2, bias=False),
                                 TwoLayerNet(2, get_activation("identity"), 1, bias=True),
                                 DeepNet((2, 2), get_activation("identity"), bias=False)],
                         ids=["two-layer-3x2", "two-layer-bias", "deep-2-2"])
def test_linear_nets_matrix_laws(net):
    res = polynomial_laws(net)
    expected = _linear_laws(net)
    assert _span_equal(net, [law.expr for law in res.laws], expected)
    assert res.independent == polynomial_laws(net).independent  # deterministic for a seed
    assert all(prove_law(net, e).status == PROVED for e in expected)


def test_exp_trade_off_law():
    net = TwoLayerNet(2, get_activation("exp"))
    res = polynomial_laws(net)
    a1, w1, b1, a2, w2, b2 = net.symbols
    assert _span_equal(net, [law.expr for law in res.laws], [a1**2 - 2 * b1, a2**2 - 2 * b2])
    assert res.independent == 2


def test_square_homogeneous_degree_two():
    net = TwoLayerNet(2, get_activation("square"))
    assert _span_equal(net, [law.expr for law in polynomial_laws(net).laws], _balancedness(net, p=2))


def test_tanh_has_no_polynomial_law():
    res = polynomial_laws(TwoLayerNet(2, get_activation("tanh"), 2))
    assert res.laws == () and res.independent == 0


@pytest.mark.parametrize("act,h", [("relu", "a1**2"), ("relu", "a1**2 - w1**2"), ("tanh", "a1**2 - b1**2 - w1**2")])
def test_non_laws_are_not_proved(act, h):
    net = TwoLayerNet(1, get_activation(act))
    expr = sympy.sympify(h, locals={s.name: s for s in net.symbols})  # test-authored text, not user input
    assert prove_law(net, expr).status != PROVED


@pytest.mark.parametrize("net", [DeepNet((2, 3), get_activation("z + z**2/2 - z**3"), input_dim=2, output_bias=True),
                                 TwoLayerNet(2, get_activation("z**2 - 3*z + 1"), 2, output_bias=True)],
                         ids=["deep", "two-layer"])
def test_backpropagation_equals_sympy_gradient(net):
    """Polynomial σ with every kind of term, so both sides are exact rationals."""
    rng = random.Random("backprop")
    point = {s: sympy.Rational(rng.randint(-9, 9), rng.randint(1, 5)) for s in net.symbols + net.x_symbols}
    acts = net.activations
    g = gradient(net, [point[s] for s in net.symbols], [point[x] for x in net.x_symbols],
                 lambda l, z: (acts[l - 1](z), acts[l - 1].derivative.xreplace({Z: z})))
    f = net.function()
    for gi, s in zip(g, net.symbols):
        assert gi == sympy.diff(f, s).xreplace(point)  # rational numbers: exact equality
