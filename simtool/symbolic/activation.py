r"""Activations σ(z): the registry, user expressions, and their *proved* properties.

An :class:`Activation` is a name and a sympy expression in :data:`Z`.  What simtool
builds on (math.md §1, §3) is derived symbolically, cached per expression, and each
property carries a short proof or an exact refutation:

* parity: odd, even, odd up to a constant (σ(-z) + σ(z) = 2σ(0), e.g. sigmoid) or
  none, the last with a rational ``z`` at which each identity provably fails;
* σ(0); real analyticity on :math:`\mathbb{R}`, or a point where it fails;
* positive homogeneity degree ``p``: σ(λz) = λ^p σ(z) for all λ > 0;
* polynomial degree; exponential type ``κ``: σ(z + β) = e^{κβ} σ(z) for all β.

Identities go through :func:`~simtool.symbolic.activation_parse.decide_identity`:
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
import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

import sympy

from ..errors import ActivationError
from . import activation_parse as _parse
from .activation_parse import SAMPLE_POINTS, Z, certified_nonzero, decide_identity, parse_expression

__all__ = ["Z", "Parity", "Activation", "ActivationProperties", "REGISTRY",
           "get_activation", "parse_expression"]


class Parity(enum.Enum):
    """Symmetry of σ under z ↦ -z (math.md §3: it decides the sign-flip symmetry)."""

    ODD = "odd"
    EVEN = "even"
    ODD_PLUS_CONST = "odd up to a constant"
    NONE = "none"


_KINKS = (sympy.Abs, sympy.Max, sympy.Min, sympy.Piecewise, sympy.Heaviside, sympy.sign)
_ANALYTIC_ON_R = (sympy.exp, sympy.sin, sympy.cos, sympy.sinh, sympy.cosh, sympy.tanh,
                  sympy.erf, sympy.atan, sympy.asinh)
_IDENTITY = {Parity.ODD: "σ(-z) + σ(z)", Parity.EVEN: "σ(-z) - σ(z)",
             Parity.ODD_PLUS_CONST: "σ(-z) + σ(z) - 2σ(0)"}
_LAMBDA, _T = sympy.Dummy("λ", positive=True), sympy.Dummy("t", positive=True)
_BETA, _HALF = sympy.Dummy("β", real=True), sympy.Rational(1, 2)
_VERDICT = {False: "refuted", None: "undecided"}


def _value(expr: sympy.Expr, u) -> sympy.Expr:
    return expr.xreplace({Z: sympy.S(u)})


@functools.cache
def _sigma0(expr: sympy.Expr) -> sympy.Expr:
    value = _value(expr, 0)
    return value if value.is_Atom else sympy.simplify(value)


@functools.cache
def _derivative(expr: sympy.Expr) -> sympy.Expr:
    return sympy.diff(expr, Z)


@functools.cache
def _parity(expr: sympy.Expr) -> tuple[Parity, str, tuple[tuple[Parity, sympy.Rational], ...]]:
    mirrored = expr.xreplace({Z: -Z})
    identities = {Parity.ODD: mirrored + expr, Parity.EVEN: mirrored - expr,
                  Parity.ODD_PLUS_CONST: mirrored + expr - 2 * _sigma0(expr)}
    refuted, notes = [], []
    for parity, e in identities.items():
        proved, info = decide_identity(e, ({Z: q} for q in SAMPLE_POINTS))
        if proved is None and e.has(*_KINKS):
            branches = _branches(e)  # e is continuous: ≡ 0 iff every branch is
            if branches and all(decide_identity(b, [])[0] for b in branches):
                proved, info = True, f"cancelling on each of the {len(branches)} branches"
        if proved:
            head = f"{parity.value}: {_IDENTITY[parity]} = 0 identically (by {info})"
            return parity, "; ".join([head, *notes]), tuple(refuted)
        if proved is False:
            refuted.append((parity, info[Z]))
        notes.append(f"not {parity.value}: {_IDENTITY[parity]} ≠ 0 at z = {info[Z]}"
                     if proved is False else f"{parity.value} undecided")
    return Parity.NONE, "none: " + "; ".join(notes), tuple(refuted)


# ------------------------------------------------------------ analyticity, kinks
def _analytic_obstacle(expr: sympy.Expr) -> tuple[str | None, list[str]]:
    """First sub-expression not proved real-analytic on R, and the facts used."""
    facts: list[str] = []
    for node in sympy.preorder_traversal(expr):
        if node.is_Atom or node.is_Add or node.is_Mul or isinstance(node, _ANALYTIC_ON_R) \
                or (node.is_Pow and node.exp.is_Integer and node.exp >= 0):
            continue
        if node.is_Pow or isinstance(node, sympy.log):
            arg = node.base if node.is_Pow else node.args[0]
            relation = "nonzero" if node.is_Pow and node.exp.is_Integer else "positive"
            if _parse.decide_sign(arg, relation)[0]:
                facts.append(f"{arg} {'≠' if relation == 'nonzero' else '>'} 0")
                continue
        return str(node), facts
    return None, facts


def _kink_points(expr: sympy.Expr) -> tuple[list[sympy.Expr], bool] | None:
    """Where an Abs/Max/Min may switch branch, as ``(points, all_of_R)``, or ``None``.

    ``all_of_R`` is ``False`` when only the points in [-100, 100] are known.
    """
    equations, points, complete = [], set(), True
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Abs):
            equations.append(node.args[0])
        elif isinstance(node, (sympy.Max, sympy.Min)):
            equations += [a - b for i, a in enumerate(node.args) for b in node.args[i + 1:]]
        elif isinstance(node, _KINKS):
            return None
    for eq in equations:
        try:
            roots = sympy.solveset(eq, Z, sympy.S.Reals)
            if not isinstance(roots, sympy.FiniteSet):
                complete, roots = False, sympy.solveset(eq, Z, sympy.Interval(-100, 100))
        except (NotImplementedError, TypeError, ValueError):
            return None
        if not isinstance(roots, sympy.FiniteSet):
            return None
        points |= set(roots)
    return sorted(points, key=lambda r: (abs(float(r)), float(r))), complete


def _branch(expr: sympy.Expr, m: sympy.Expr) -> sympy.Expr:
    """The kink-free expression equal to ``expr`` on the kink-free interval around ``m``.

    Raises ``ValueError`` when a branch choice at ``m`` cannot be certified.
    """
    def sign(e):
        value = _value(e, m)
        if not certified_nonzero(value):
            raise ValueError(f"cannot decide the sign of {e} at z = {m}")
        return 1 if value.evalf(30) > 0 else -1

    def pick(node):
        if isinstance(node, sympy.Abs):
            return node.args[0] * sign(node.args[0])
        best = node.args[0]
        for a in node.args[1:]:
            if sign(a - best) == (1 if isinstance(node, sympy.Max) else -1):
                best = a
        return best
    return expr.replace(lambda n: isinstance(n, (sympy.Abs, sympy.Max, sympy.Min)), pick)


def _branches(e: sympy.Expr) -> list[sympy.Expr] | None:
    """The analytic branches of ``e`` between consecutive kinks (all within |z| ≤ 10)."""
    found = _kink_points(e)
    if not found or not found[1] or any(abs(k) > 10 for k in found[0]):
        return None
    kinks = sorted(found[0], key=float)
    mids = [kinks[0] - 1, *((a + b) / 2 for a, b in zip(kinks, kinks[1:])), kinks[-1] + 1] \
        if kinks else [sympy.S.Zero]
    try:
        return [_branch(e, m) for m in mids]
    except ValueError:
        return None


def _jump(expr: sympy.Expr, p: sympy.Expr, kinks: list, max_order: int = 8) -> str | None:
    """Why ``expr`` is not analytic at the kink ``p`` (k-th one-sided derivatives differ)."""
    right = min([k for k in kinks if k > p] + [p + 2])
    left = max([k for k in kinks if k < p] + [p - 2])
    try:
        r_branch = _branch(expr, (p + right) / 2).xreplace({Z: p + _T})
        l_branch = _branch(expr, (p + left) / 2).xreplace({Z: p - _T})
    except ValueError:
        return None
    for k in range(1, max_order + 1):
        r = sympy.diff(r_branch, _T, k).xreplace({_T: sympy.S.Zero})
        l = (-1) ** k * sympy.diff(l_branch, _T, k).xreplace({_T: sympy.S.Zero})
        if r.has(sympy.zoo, sympy.oo) or l.has(sympy.zoo, sympy.oo):
            return f"not analytic: a one-sided derivative of order {k} is infinite at z = {p}"
        if certified_nonzero(r - l):
            what = "not differentiable" if k == 1 else f"not analytic: derivative {k} jumps"
            return f"{what} at z = {p}: one-sided derivatives {l} (left) and {r} (right)"
    return None


@functools.cache
def _analyticity(expr: sympy.Expr) -> tuple[bool, str, sympy.Expr | None]:
    if expr.has(*_KINKS):
        kinks = (_kink_points(expr) or ([], False))[0]
        for p in (k for k in kinks if abs(k) <= 10):
            why = _jump(expr, p, kinks)
            if why:
                return False, why, p
        branches = _branches(expr)
        if branches and all(decide_identity(b - branches[0], [])[0] for b in branches) \
                and _analytic_obstacle(branches[0])[0] is None:
            return True, f"real-analytic on R: equal to {branches[0]} on all of R", None
        return False, "not proved analytic: its kinks (Abs/Max/Min) were not resolved", None
    obstacle, facts = _analytic_obstacle(expr)
    if obstacle is not None:
        return False, f"not proved analytic: {obstacle} is not known to be analytic on R", None
    used = sorted({type(n).__name__ for n in sympy.preorder_traversal(expr)
                   if isinstance(n, (*_ANALYTIC_ON_R, sympy.log))})
    text = "real-analytic on R: built from polynomials" + "".join(f", {u}" for u in used)
    return True, text + (f", with {', '.join(facts)} for every real z" if facts else ""), None


# --------------------------------------------------- scaling laws, polynomiality
def _scaling_parameter(expr: sympy.Expr, triples, law: str, to_parameter):
    """Refute a scaling law from exact values, or return its only candidate parameter.

    Both laws (σ(λz) = λ^p σ(z); σ(z + β) = e^{κβ} σ(z)) force σ(x)σ(w) = σ(y)² and
    σ(y)/σ(x) > 0 on the triples (z0, 2z0, 4z0), resp. (a, a + 1, a + 2).
    """
    parameter = None
    for x, y, w in triples:
        a, b, c = (_value(expr, v) for v in (x, y, w))
        if certified_nonzero(a * c - b**2):
            return None, f"not {law}: σ({x})σ({w}) - σ({y})² ≠ 0, which the law would make 0"
        if certified_nonzero(a):
            if (b / a).is_positive is False:
                return None, f"not {law}: σ({y})/σ({x}) ≤ 0, which the law makes positive"
            if parameter is None:
                log_ratio = sympy.expand_log(sympy.log(b / a), force=True)
                parameter = sympy.simplify(to_parameter(log_ratio))
    return parameter, None if parameter is not None else f"{law} undecided: σ vanishes"


@functools.cache
def _homogeneity(expr: sympy.Expr) -> tuple[sympy.Expr | None, str]:
    law = "positively homogeneous"
    degree, why = _scaling_parameter(expr, ((1, 2, 4), (-1, -2, -4)), law,
                                     lambda log_ratio: log_ratio / sympy.log(2))
    if degree is None:
        return None, why
    ways = []
    for sign, side in ((1, "z > 0"), (-1, "z < 0")):
        e = _value(expr, sign * _LAMBDA * _T) - _LAMBDA**degree * _value(expr, sign * _T)
        proved, how = decide_identity(e, ({_LAMBDA: _HALF, _T: q} for q in SAMPLE_POINTS if q > 0))
        if not proved:
            return None, f"not {law}: degree {degree} {_VERDICT[proved]} on {side}"
        ways.append(how)
    if degree != 0 and _sigma0(expr) != 0:
        return None, f"not {law}: σ(0) ≠ 0 but the degree is {degree}"
    return degree, (f"σ(λz) = λ^{degree} σ(z) for all λ > 0: proved for z > 0 and z < 0 with "
                    f"positive symbols (by {' / '.join(dict.fromkeys(ways))}); σ(0) = 0")


@functools.cache
def _exp_scaling(expr: sympy.Expr) -> tuple[sympy.Expr | None, str]:
    law = "of exponential type"
    kappa, why = _scaling_parameter(expr, ((0, 1, 2), (-1, 0, 1)), law, lambda r: r)
    if kappa is None:
        return None, why
    e = _value(expr, Z + _BETA) - sympy.exp(kappa * _BETA) * expr
    proved, how = decide_identity(e, ({Z: q, _BETA: -_HALF} for q in SAMPLE_POINTS))
    if not proved:
        return None, f"not {law}: κ = {kappa} {_VERDICT[proved]}"
    return kappa, f"σ(z + β) = e^({kappa}·β) σ(z) for all real z, β (by {how})"


def _bounded_limit(expr: sympy.Expr, end: sympy.Expr) -> sympy.Expr | None:
    """Finite ``lim σ`` (or its AccumBounds) at ``end``, if a value at z = ±10 agrees."""
    try:
        lim = sympy.limit(expr, Z, end)
        lo, hi = (lim.min, lim.max) if isinstance(lim, sympy.AccumBounds) else (lim, lim)
        if not (lo.is_finite and hi.is_finite):
            return None
        near = complex(_value(expr, 10 * sympy.sign(end)).evalf(20))  # guards sympy bugs
    except (NotImplementedError, ValueError, TypeError, RecursionError, ZeroDivisionError):
        return None
    return lim if float(lo) - 0.5 < near.real < float(hi) + 0.5 else None


@functools.cache
def _polynomial(expr: sympy.Expr) -> tuple[int | None, str]:
    if expr.is_polynomial(Z):
        degree = int(sympy.degree(expr, Z))
        return degree, f"a polynomial of degree {degree}: σ(z) = {sympy.expand(expr)}"
    point = _analyticity(expr)[2]
    if point is not None:
        return None, f"not a polynomial: not analytic at z = {point}"
    if certified_nonzero(_value(expr, 1) - _value(expr, 0)):
        for end in (sympy.oo, -sympy.oo):
            lim = _bounded_limit(expr, end)
            if lim is not None:
                return None, (f"not a polynomial: σ → {lim} as z → {end} yet σ(0) ≠ σ(1), "
                              "and a polynomial bounded at an end is constant")
    simpler = sympy.simplify(expr)
    if simpler.is_polynomial(Z):
        return int(sympy.degree(simpler, Z)), f"a polynomial: σ(z) simplifies to {simpler}"
    return None, "not proved a polynomial: not a polynomial expression in z (not refuted)"


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


def _registry(*entries: tuple[str, sympy.Expr, str]) -> Mapping[str, Activation]:
    return MappingProxyType({name: Activation(name, expr, text) for name, expr, text in entries})


_E = sympy.exp
#: name -> Activation, in a fixed order (drives ``choices`` and the CLI table)
REGISTRY: Mapping[str, Activation] = _registry(
    ("tanh", sympy.tanh(Z), "hyperbolic tangent, odd and bounded"),
    ("sigmoid", 1 / (1 + _E(-Z)), "logistic 1/(1 + e^-z), odd up to the constant 1/2"),
    ("sin", sympy.sin(Z), "sine, odd and periodic"),
    ("cos", sympy.cos(Z), "cosine, even and periodic"),
    ("gauss", _E(-Z**2), "Gaussian bump e^(-z^2), even"),
    ("exp", _E(Z), "exponential e^z: a shift of z rescales it"),
    ("softplus", sympy.log(1 + _E(Z)), "softplus log(1 + e^z), a smooth relu"),
    ("silu", Z / (1 + _E(-Z)), "SiLU / swish z·sigmoid(z)"),
    ("gelu", Z / 2 * (1 + sympy.erf(Z / sympy.sqrt(2))), "GELU z·Φ(z), with the exact erf"),
    ("erf", sympy.erf(Z), "error function, odd and bounded"),
    ("square", Z**2, "z^2, even and homogeneous of degree 2"),
    ("cube", Z**3, "z^3, odd and homogeneous of degree 3"),
    ("identity", Z, "linear activation z (a linear network)"),
    ("relu", sympy.Max(0, Z), "rectifier max(0, z), homogeneous of degree 1"),
    ("leaky_relu", sympy.Max(Z, Z / 100), "leaky rectifier max(z, z/100): slope 1/100 for z < 0"),
)
_BY_EXPR = {act.expr: act for act in REGISTRY.values()}
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
    return _BY_EXPR.get(expr) or Activation(str(expr), expr, f"user expression {spec}")
