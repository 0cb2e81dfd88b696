r"""Activations σ(z): the registry, user expressions, and their *proved* properties.

An :class:`Activation` is a name and a sympy expression in :data:`Z`.  What simtool
builds on (math.md §1, §3) is derived symbolically, cached per expression, and each
property carries a short proof or an exact refutation:

* parity: odd, even, odd up to a constant (σ(-z) + σ(z) = 2σ(0), e.g. sigmoid) or
  none, the last with a rational ``z`` at which each identity provably fails;
* σ(0); real analyticity on :math:`\mathbb{R}`, or a point where it fails;
* positive homogeneity degree ``p``: σ(λz) = λ^p σ(z) for all λ > 0;
* polynomial degree; exponential type ``κ``: σ(z + β) = e^{κβ} σ(z) for all β.

Identities go through :func:`~simtool.symbolic.zero.decide_identity`:
sympy's canonical form, a certified non-zero value at a rational point (a
refutation, found before any simplification), ``expand``, ``cancel``, ``simplify``.
Kinked σ (Abs/Max/Min) are split into their analytic branches between kinks.
User text goes through the safe parser
:func:`~simtool.symbolic.activation_parse.parse_expression`, never ``eval``.

Examples
--------
>>> get_activation("tanh").parity
<Parity.ODD: 'odd'>
>>> get_activation("sigmoid").properties.parity_proof.split(";")[0]
'odd up to a constant: σ(-z) + σ(z) - 2σ(0) = 0 identically (by cancel)'
>>> get_activation("relu").properties.analytic_proof
'not differentiable at z = 0: one-sided derivatives 0 (left) and 1 (right)'
>>> act = get_activation("z + z**3/3")
>>> act.name, act.parity.value, act.properties.polynomial_degree
('z**3/3 + z', 'odd', 3)
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import sympy

from ..errors import ActivationError
from . import activation_parse as _parse
from .activation_parse import Z, parse_expression
from .activation_proofs import (
    Parity,
    _analyticity,
    _derivative,
    _exp_scaling,
    _homogeneity,
    _parity,
    _polynomial,
    _sigma0,
    _value,
)


# ---------------------------------------------------------------- public objects
@dataclass(frozen=True)
class ActivationProperties:
    """Everything simtool proves about one activation, each with its proof text.

    ``analytic`` is ``True`` only when proved; when ``False``, ``nonanalytic_point``
    is where analyticity provably fails, or ``None`` when it is merely unproved.
    ``None`` degrees/scalings mean "refuted" or "unproved", as the proof text says.
    """

    name: str
    expression: sympy.Expr
    description: str
    parity: Parity
    parity_proof: str
    #: (parity, z) pairs: the identity of that parity is provably ≠ 0 at rational z
    parity_refutations: tuple[tuple[Parity, sympy.Rational], ...]
    sigma0: sympy.Expr
    analytic: bool
    analytic_proof: str
    nonanalytic_point: sympy.Expr | None
    homogeneous_degree: sympy.Expr | None
    homogeneity_proof: str
    polynomial_degree: int | None
    polynomial_proof: str
    exp_scaling: sympy.Expr | None
    exp_scaling_proof: str

    def as_dict(self) -> dict:
        """JSON-ready dict: exact sympy values as strings in sympy syntax.

        >>> d = get_activation("cube").properties.as_dict()
        >>> d["homogeneous_degree"], d["polynomial_degree"], d["sigma0"], d["parity"]
        ('3', 3, '0', 'odd')
        """
        def plain(v):
            if isinstance(v, (tuple, list)):
                return [plain(x) for x in v]
            return v.value if isinstance(v, Parity) else \
                v if v is None or isinstance(v, (bool, int, str)) else str(v)
        return {key: plain(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class Activation:
    """A named activation σ, an expression in :data:`Z`; equal when name and expr are.

    >>> sig = get_activation("sigmoid")
    >>> sig(0), sig.sigma0, sig.parity.value, sig.analytic
    (1/2, 1/2, 'odd up to a constant', True)
    """

    name: str
    expr: sympy.Expr
    description: str = field(default="", compare=False)

    def __call__(self, u) -> sympy.Expr:
        """σ(u): ``expr`` with ``Z`` replaced by ``u`` (a sympy expression or number)."""
        return _value(self.expr, u)

    @property
    def derivative(self) -> sympy.Expr:
        """dσ/dz (cached per expression)."""
        return _derivative(self.expr)

    @property
    def parity(self) -> Parity:
        """Proved parity (:data:`Parity.NONE` comes with exact refutations)."""
        return _parity(self.expr)[0]

    @property
    def sigma0(self) -> sympy.Expr:
        """Exact σ(0)."""
        return _sigma0(self.expr)

    @property
    def analytic(self) -> bool:
        """Real-analytic on all of R (proved); :attr:`properties` has the proof."""
        return _analyticity(self.expr)[0]

    @property
    def homogeneous_degree(self) -> sympy.Expr | None:
        """Proved degree of positive homogeneity, or ``None`` (cheap; no limits taken)."""
        return _homogeneity(self.expr)[0]

    @property
    def exp_scaling(self) -> sympy.Expr | None:
        """Proved κ with σ(z + β) = e^{κβ} σ(z), or ``None`` (cheap; no limits taken)."""
        return _exp_scaling(self.expr)[0]

    @property
    def properties(self) -> ActivationProperties:
        """All proved properties, with their proofs."""
        e = self.expr
        return ActivationProperties(self.name, e, self.description, *_parity(e), _sigma0(e),
                                    *_analyticity(e), *_homogeneity(e), *_polynomial(e),
                                    *_exp_scaling(e))


class _LazyRegistry(Mapping):
    """``name -> Activation`` whose sympy expressions are built on first use of each entry.

    Building every expression at import costs ~20 ms (``exp(-z)`` alone pulls in
    ``sympy.tensor``); ``simtool enumerate --width 4`` needs only ``tanh``.
    """

    def __init__(self, entries) -> None:
        self._make = {name: (build, text) for name, build, text in entries}
        self._built: dict[str, Activation] = {}

    def __getitem__(self, name: str) -> Activation:
        act = self._built.get(name)
        if act is None:
            build, text = self._make[name]
            act = self._built[name] = Activation(name, build(), text)
        return act

    def __iter__(self):
        return iter(self._make)

    def __len__(self) -> int:
        return len(self._make)

    def __contains__(self, name: object) -> bool:
        return name in self._make


_E = sympy.exp
#: name -> Activation, in a fixed order (drives ``choices`` and the CLI table)
REGISTRY: Mapping[str, Activation] = _LazyRegistry((
    ("tanh", lambda: sympy.tanh(Z), "hyperbolic tangent, odd and bounded"),
    ("sigmoid", lambda: 1 / (1 + _E(-Z)), "logistic 1/(1 + e^-z), odd up to the constant 1/2"),
    ("sin", lambda: sympy.sin(Z), "sine, odd and periodic"),
    ("cos", lambda: sympy.cos(Z), "cosine, even and periodic"),
    ("gauss", lambda: _E(-Z**2), "Gaussian bump e^(-z^2), even"),
    ("exp", lambda: _E(Z), "exponential e^z: a shift of z rescales it"),
    ("softplus", lambda: sympy.log(1 + _E(Z)), "softplus log(1 + e^z), a smooth relu"),
    ("silu", lambda: Z / (1 + _E(-Z)), "SiLU / swish z·sigmoid(z)"),
    ("gelu", lambda: Z / 2 * (1 + sympy.erf(Z / sympy.sqrt(2))), "GELU z·Φ(z), with the exact erf"),
    ("erf", lambda: sympy.erf(Z), "error function, odd and bounded"),
    ("square", lambda: Z**2, "z^2, even and homogeneous of degree 2"),
    ("cube", lambda: Z**3, "z^3, odd and homogeneous of degree 3"),
    ("identity", lambda: Z, "linear activation z (a linear network)"),
    ("relu", lambda: sympy.Max(0, Z), "rectifier max(0, z), homogeneous of degree 1"),
    ("leaky_relu", lambda: sympy.Max(Z, Z / 100), "leaky rectifier max(z, z/100): slope 1/100 for z < 0"),
))


@functools.lru_cache(maxsize=1)
def _by_expr() -> dict[sympy.Expr, Activation]:
    """Registry entries by expression (a user expression equal to one returns that entry)."""
    return {act.expr: act for act in REGISTRY.values()}


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def get_activation(spec: str) -> Activation:
    """A registry activation by name, else the activation of an expression in ``z``.

    An expression equal to a registry entry returns that entry; otherwise the name is
    the canonical sympy string of the expression.  Raises ``ActivationError``.

    >>> get_activation("tanh(z)").name, get_activation("z**2 + z").name
    ('tanh', 'z**2 + z')
    >>> get_activation("swish")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simtool.errors.ActivationError: unknown activation 'swish'; choose one of tanh, ..., or give an expression in z
    """
    if not isinstance(spec, str):
        raise ActivationError(f"an activation must be a string, got {spec!r}")
    return _get_activation(spec.strip())


@functools.lru_cache(maxsize=512)
def _get_activation(spec: str) -> Activation:
    if spec in REGISTRY:
        return REGISTRY[spec]
    if _IDENTIFIER.fullmatch(spec) and spec != "z" and spec not in _parse.CONSTANTS:
        close = difflib.get_close_matches(spec.lower(), REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ActivationError(f"unknown activation {spec!r}; choose one of "
                              f"{', '.join(REGISTRY)}, or give an expression in z{hint}")
    expr = parse_expression(spec)
    return _by_expr().get(expr) or Activation(str(expr), expr, f"user expression {spec}")
