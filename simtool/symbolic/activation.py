"""Activations: registry, safe expression parser, and proved properties.

PLACEHOLDER: minimal version; the full module (safe parser, all proofs) replaces it
while keeping this public interface.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property

import sympy

from ..errors import ActivationError

Z = sympy.Symbol("z", real=True)


class Parity(enum.Enum):
    ODD = "odd"
    EVEN = "even"
    ODD_PLUS_CONST = "odd up to a constant"
    NONE = "none"


@dataclass(frozen=True)
class Activation:
    name: str
    expr: sympy.Expr = field(compare=False)

    def __call__(self, u):
        return self.expr.xreplace({Z: u})

    @cached_property
    def derivative(self):
        return sympy.diff(self.expr, Z)

    @cached_property
    def parity(self) -> Parity:
        s = self.expr
        m = s.xreplace({Z: -Z})
        if sympy.simplify(m + s) == 0:
            return Parity.ODD
        if sympy.simplify(m - s) == 0:
            return Parity.EVEN
        return Parity.NONE

    @cached_property
    def sigma0(self):
        return sympy.simplify(self.expr.xreplace({Z: 0}))

    @cached_property
    def analytic(self) -> bool:
        return not self.expr.has(sympy.Piecewise, sympy.Max, sympy.Min, sympy.Abs)


REGISTRY = {
    "tanh": Activation("tanh", sympy.tanh(Z)),
    "sin": Activation("sin", sympy.sin(Z)),
    "cos": Activation("cos", sympy.cos(Z)),
    "sigmoid": Activation("sigmoid", 1 / (1 + sympy.exp(-Z))),
    "relu": Activation("relu", sympy.Max(0, Z)),
    "identity": Activation("identity", Z),
    "square": Activation("square", Z**2),
}


def get_activation(spec: str) -> Activation:
    if spec in REGISTRY:
        return REGISTRY[spec]
    raise ActivationError(f"unknown activation {spec!r}; choose one of {', '.join(REGISTRY)}")
