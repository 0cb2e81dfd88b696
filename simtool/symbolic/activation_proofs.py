"""Proofs of activation properties: parity, analyticity, scaling laws, polynomiality.

Each ``_name(expr)`` returns the proved value (or ``None``/``NONE`` with an exact
refutation or an honest "undecided") together with a human-readable proof text.  All
are cached per expression.  :mod:`simtool.symbolic.activation` assembles them into
:class:`~simtool.symbolic.activation.ActivationProperties`.
"""

from __future__ import annotations

import enum
import functools

import sympy

from . import activation_parse as _parse
from .activation_parse import SAMPLE_POINTS, Z
from .zero import certified_nonzero, decide_identity

__all__ = ["Parity"]


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
    return expr.xreplace({Z: sympy.sympify(u, strict=True)})


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
