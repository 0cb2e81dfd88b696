r"""Exact activations for the elementwise ops PyTorch models use (no torch import).

Every supported op maps to an :class:`~simtool.symbolic.activation.Activation` whose
expression is *exactly* the function PyTorch computes (up to floating point), never
a look-alike:

* registry entries: ``tanh``, ``sigmoid``, ``relu``, ``silu``, ``sin``, ``cos``, ``exp``,
  ``erf``, ``gelu`` (``approximate='none'``, the erf form), ``square`` (``x**2``), ``cube``;
* ``F.gelu(approximate='tanh')`` is *not* the registry ``gelu``: it is the expression
  ``z/2 (1 + tanh(√(2/π)(z + 0.044715 z³)))`` with ``0.044715 = 44715/10⁶`` exactly;
* ``softplus(beta)`` is ``log(1 + e^{βz})/β``; PyTorch switches to the identity above
  ``βz > threshold`` (default 20), a floating-point shortcut that differs from the
  expression by less than ``e^{-threshold}/β`` — stated in the description;
* ``leaky_relu(s)`` is ``Max(z, s z)`` with ``s`` the exact rational of the float slope
  (the registry entry when ``s = 1/100``, the default).

>>> gelu("tanh").name
'gelu_tanh'
>>> softplus(1).name, softplus(2).name
('softplus', 'softplus_beta2')
>>> leaky_relu(0.01).name
'leaky_relu'
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from ..errors import ModelError
from ..symbolic.activation import REGISTRY, Activation, Z

__all__ = ["registry", "gelu", "softplus", "leaky_relu", "exact_constant"]


def exact_constant(value: object, what: str) -> Fraction:
    """The exact rational of a constant in the model: a float is read as the shortest decimal
    that round-trips (``0.1 -> 1/10``), i.e. the number the user wrote.

    >>> exact_constant(0.1, "scale"), exact_constant(-2, "scale")
    (Fraction(1, 10), Fraction(-2, 1))
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelError(f"{what}: expected a numeric constant, got {value!r}")
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        raise ModelError(f"{what}: non-finite constant {value!r}")
    return Fraction(value) if isinstance(value, int) else _decimal(value)


def _decimal(value: float) -> Fraction:
    """The short decimal a user wrote (0.01 -> 1/100), not the binary float's expansion."""
    return Fraction(repr(float(value)))


def registry(name: str) -> Activation:
    return REGISTRY[name]


def gelu(approximate: str) -> Activation:
    if approximate == "none":
        return REGISTRY["gelu"]
    if approximate == "tanh":
        c = sympy.Rational(44715, 10**6)
        expr = Z / 2 * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (Z + c * Z**3)))
        return Activation("gelu_tanh", expr, "GELU, PyTorch's tanh approximation (approximate='tanh')")
    raise ModelError(f"F.gelu approximate={approximate!r}; supported: 'none', 'tanh'")


def softplus(beta: object, threshold: object = 20) -> Activation:
    b = exact_constant(beta, "softplus beta")
    if b <= 0:
        raise ModelError(f"softplus beta must be positive, got {beta!r}")
    note = f"; PyTorch returns z itself where βz > {threshold} (differs by < e^-{threshold}/β)"
    if b == 1:
        base = REGISTRY["softplus"]
        return Activation(base.name, base.expr, base.description + note)
    rb = sympy.Rational(b.numerator, b.denominator)
    expr = sympy.log(1 + sympy.exp(rb * Z)) / rb
    return Activation(f"softplus_beta{b}".replace("/", "_"), expr, f"softplus log(1 + e^(βz))/β, β = {b}{note}")


def leaky_relu(slope: object) -> Activation:
    s = exact_constant(slope, "leaky_relu negative_slope")
    if s == Fraction(1, 100):
        return REGISTRY["leaky_relu"]
    rs = sympy.Rational(s.numerator, s.denominator)
    expr = sympy.Max(Z, rs * Z) if s <= 1 else sympy.Min(Z, rs * Z)
    return Activation(f"leaky_relu_{s}".replace("/", "_"), expr, f"leaky rectifier, slope {s} for z < 0")
