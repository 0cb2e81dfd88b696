r"""Expressions in ``z``: the safe parser, and the exact decisions made about them.

User text is never given to ``eval``, ``sympify`` or ``parse_expr`` (they evaluate
Python).  :func:`parse_expression` parses it with ``ast.parse(text, mode="eval")``
and builds the sympy expression node by node from this grammar:

* numbers: integers and decimals, made exact (``0.1`` is ``1/10``), ``|x| ≤ 10^100``;
* the variable ``z`` and the constants ``pi`` and ``E``;
* ``+ - * / **`` and unary ``+ -``; ``^`` is accepted as a synonym of ``**``
  (the text is rewritten before parsing, so ``-z^2`` is ``-(z**2)``);
* calls, with positional arguments only, of the functions in :data:`FUNCTIONS`.

Everything else is refused with :class:`~simtool.errors.ActivationError` quoting the
offending piece: attribute access, subscripts, dunder names, lambdas, containers,
comprehensions, comparisons, keywords, strings, unknown names, exponents above
:data:`MAX_EXPONENT`, texts longer than :data:`MAX_LENGTH`, towers of exponentials
too large to evaluate exactly, expressions without ``z``, and expressions not defined
on all of :math:`\mathbb{R}` (math.md §1): ``log``, ``sqrt``, division and fractional
powers need arguments proved positive, non-negative or non-zero (:func:`decide_sign`).

The exact deciders (``certified_nonzero``, ``decide_identity``, …) live in
:mod:`simtool.symbolic.zero`, the one module of exact decisions.

Examples
--------
>>> parse_expression("z + z^3/3")
z**3/3 + z
>>> parse_expression("0.5*exp(-z**2)")
exp(-z**2)/2
>>> parse_expression("z.__class__")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
simtool.errors.ActivationError: attribute access 'z.__class__' is not allowed ...
>>> parse_expression("log(z)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
simtool.errors.ActivationError: 'log(z)' is not defined on all of R: log needs z > 0, ...
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType

import sympy

from ..errors import ActivationError

__all__ = ["Z", "parse_expression", "decide_sign",
           "FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_EXPONENT", "SAMPLE_POINTS"]

#: the variable of every activation expression
Z = sympy.Symbol("z", real=True)
#: longest accepted expression text
MAX_LENGTH = 500
#: largest accepted ``|p|`` in a power with a numeric exponent ``p``
MAX_EXPONENT = 100
_MAX_NUMBER, _MAX_DIGITS, _MAX_DEPTH = 10**100, 2000, 100
_MAX_LOG = 1000 * math.log(10)  # function arguments stay below 10**1000 for |z| ≤ 12
CONSTANTS: Mapping[str, sympy.Expr] = MappingProxyType({"pi": sympy.pi, "E": sympy.E})
#: name -> (number of arguments, builder); ``None`` means two or more
FUNCTIONS: Mapping[str, tuple[int | None, Callable[..., sympy.Expr]]] = MappingProxyType({
    **{f: (1, getattr(sympy, f)) for f in
       ("exp", "log", "sqrt", "sin", "cos", "sinh", "cosh", "tanh", "atan", "asinh", "erf")},
    "ln": (1, sympy.log), "abs": (1, sympy.Abs), "Abs": (1, sympy.Abs),
    "max": (None, sympy.Max), "Max": (None, sympy.Max),
    "min": (None, sympy.Min), "Min": (None, sympy.Min),
    "sigmoid": (1, lambda u: 1 / (1 + sympy.exp(-u))),
    "softplus": (1, lambda u: sympy.log(1 + sympy.exp(u))),
    "relu": (1, lambda u: sympy.Max(0, u)),
})
_NOT_ON_R = {"tan": "it has poles at pi/2 + k*pi", "cot": "it has poles at k*pi",
             "sec": "it has poles", "csc": "it has poles", "atanh": "its domain is (-1, 1)",
             "acosh": "its domain is [1, oo)", "asin": "its domain is [-1, 1]",
             "acos": "its domain is [-1, 1]"}
#: rational points tried, in order, when looking for an exact counterexample
SAMPLE_POINTS = tuple(sympy.Rational(q) for q in
                      ("0", "1", "-1", "1/2", "-1/2", "2", "-2", "3", "-3", "1/3", "10", "-10"))
_NODE_NAMES = {"Attribute": "attribute access", "Subscript": "subscript", "Lambda": "lambda",
               "List": "list", "Tuple": "tuple", "Set": "set", "Dict": "dict",
               "ListComp": "comprehension", "SetComp": "comprehension",
               "DictComp": "comprehension", "GeneratorExp": "comprehension",
               "Compare": "comparison", "BoolOp": "boolean operator",
               "IfExp": "conditional expression", "NamedExpr": "assignment expression",
               "JoinedStr": "f-string", "Starred": "starred expression"}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_RELATION = {"positive": ("> 0", "is_positive"), "nonnegative": ("≥ 0", "is_nonnegative"),
             "nonzero": ("≠ 0", "is_nonzero")}


def decide_sign(u: sympy.Expr, relation: str) -> tuple[bool | None, sympy.Rational | None]:
    r"""Decide whether ``u(z)`` is positive / nonnegative / nonzero for every real ``z``.

    Returns ``(True, None)`` when proved (sympy's assumptions, then interval
    arithmetic with ``AccumBounds`` over :math:`(-\infty, \infty)`, which
    over-approximates ranges), ``(False, q)`` with a rational ``q`` where the
    relation fails, or ``(None, None)``.

    >>> decide_sign(1 + sympy.exp(-Z), "positive"), decide_sign(2 + sympy.sin(Z), "positive")
    ((True, None), (True, None))
    >>> decide_sign(Z, "nonzero")
    (False, 0)
    """
    attr = _RELATION[relation][1]
    if getattr(u, attr) or (relation == "nonzero" and (u.is_positive or u.is_negative)):
        return True, None
    try:
        r = u.xreplace({Z: sympy.AccumBounds(-sympy.oo, sympy.oo)})
        lo, hi = (r.min, r.max) if isinstance(r, sympy.AccumBounds) else (r, r)
        if lo.is_extended_positive or (relation == "nonnegative" and lo.is_extended_nonnegative) \
                or (relation == "nonzero" and hi.is_extended_negative):
            return True, None
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        pass
    for q in SAMPLE_POINTS:
        value = u.xreplace({Z: q})
        if value.is_finite is not False and getattr(value, attr) is False:
            return False, q
    return None, None


@lru_cache(maxsize=4096)
def _log_size(u: sympy.Expr) -> float:
    """Estimate of max ln(1 + |u(z)|) over |z| ≤ 12 (every point simtool evaluates at).

    Exact for nothing, generous for growth: only ``exp``-like functions can produce
    sizes that make exact evaluation hang, and each multiplies its argument's size.
    """
    if u.is_Rational:
        return (max(abs(u.p).bit_length() - u.q.bit_length(), 0) + 1) * math.log(2)
    if u.is_Atom:
        return math.log(13) if u == Z else 2.0  # z; pi or E
    sizes = [_log_size(a) for a in u.args]
    if isinstance(u, (sympy.sin, sympy.cos, sympy.tanh, sympy.erf, sympy.atan)):
        return 1.0
    if isinstance(u, (sympy.exp, sympy.sinh, sympy.cosh)):
        return math.exp(min(sizes[0], 800.0))
    if u.is_Pow:
        return sizes[0] * max(abs(float(u.exp)), 1.0) if u.exp.is_number else \
            math.exp(min(sizes[1], 800.0)) * (sizes[0] + 1)
    if u.is_Add:
        return max(sizes) + math.log(len(sizes))
    return sum(sizes) if u.is_Mul else max(sizes) + 1.0  # log, asinh, Abs, Max, Min


def parse_expression(text: str) -> sympy.Expr:
    """Parse an activation expression in ``z`` safely (see the module docstring).

    >>> parse_expression("tanh(z)**2"), parse_expression("2**z")
    (tanh(z)**2, 2**z)
    >>> parse_expression("z**10**10")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simtool.errors.ActivationError: exponent '10**10' = 10000000000 in 'z**10**10' is too large ...
    """
    if not isinstance(text, str):
        raise ActivationError(f"an activation expression must be a string, got {text!r}")
    if not text.strip():
        raise ActivationError("empty activation expression; give a registry name or an "
                              "expression in z such as 'z + z**3/3'")
    if len(text) > MAX_LENGTH:
        raise ActivationError(f"activation expression is too long ({len(text)} characters, "
                              f"at most {MAX_LENGTH})")
    source, short = text.strip().replace("^", "**"), _short(text)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = getattr(exc, "msg", None) or "cannot be parsed"
        raise ActivationError(f"malformed activation expression {short!r}: {reason}") from None
    stack = [(tree, 0)]
    while stack:  # iteratively, so that deep nesting cannot overflow the stack
        node, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ActivationError(f"activation expression {short!r} is nested too deeply "
                                  f"(more than {_MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return _check_result(_Builder(source).build(tree.body), short)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_result(expr: sympy.Expr, short: str) -> sympy.Expr:
    if expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise ActivationError(f"activation expression {short!r} is not finite")
    if not expr.has(Z):
        raise ActivationError(f"activation expression {short!r} does not depend on z")
    if expr.is_extended_real is False:
        raise ActivationError(f"activation expression {short!r} is not real-valued")
    for power in expr.atoms(sympy.Pow):  # sympy may merge powers: (z**50)**50 = z**2500
        if power.exp.is_number and abs(power.exp) > MAX_EXPONENT:
            raise ActivationError(f"exponent {power.exp} in {power} (from {short!r}) is too "
                                  f"large (|exponent| ≤ {MAX_EXPONENT})")
    return expr


class _Builder:
    """Turns a whitelisted ``ast`` expression into sympy, checking domains on the way."""

    def __init__(self, source: str):
        self.source = source

    def piece(self, node: ast.AST) -> str:
        return _short(ast.get_source_segment(self.source, node) or type(node).__name__)

    def build(self, node: ast.AST) -> sympy.Expr:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            what = _NODE_NAMES.get(type(node).__name__, type(node).__name__.lower())
            raise ActivationError(f"{what} {self.piece(node)!r} is not allowed in an "
                                  "activation expression")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, str):
            raise ActivationError(f"string {self.piece(node)!r} is not allowed in an "
                                  "activation expression; write the variable z without quotes")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ActivationError(f"constant {self.piece(node)!r} is not a real number")
        exact = Fraction(value if isinstance(value, int) else self.piece(node).replace("_", ""))
        if abs(exact) > _MAX_NUMBER or exact.denominator > _MAX_NUMBER:
            raise ActivationError(f"number {self.piece(node)!r} is too large "
                                  "(at most 10**100 in size and precision)")
        return sympy.Rational(exact.numerator, exact.denominator)

    def visit_Name(self, node: ast.Name) -> sympy.Expr:
        name = node.id
        if name.startswith("__") or name.endswith("__"):
            raise ActivationError(f"name {name!r} is not allowed (dunder names never are)")
        if name == "z" or name in CONSTANTS:
            return Z if name == "z" else CONSTANTS[name]
        if name in FUNCTIONS:
            raise ActivationError(f"{name!r} is a function; call it, as in {name}(z)")
        raise ActivationError(f"unknown name {name!r} in {_short(self.source)!r}; the variable "
                              f"is z and the constants are {', '.join(CONSTANTS)}")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> sympy.Expr:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ActivationError(f"operator in {self.piece(node)!r} is not allowed; "
                                  "use + - * / **")
        operand = self.build(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand

    def visit_BinOp(self, node: ast.BinOp) -> sympy.Expr:
        symbol = _BINARY.get(type(node.op))
        if symbol is None:
            raise ActivationError(f"operator in {self.piece(node)!r} is not allowed; "
                                  "use + - * / **")
        left, right = self.build(node.left), self.build(node.right)
        if symbol == "/":
            self.require(right, "nonzero", node, f"division by {right}")
            return left / right
        if symbol == "**":
            return self.power(left, right, node)
        return {"+": left + right, "-": left - right, "*": left * right}[symbol]

    def power(self, base: sympy.Expr, p: sympy.Expr, node: ast.BinOp) -> sympy.Expr:
        if not p.is_number:
            self.check_size([base, p], node)
            relation = "positive"
        else:
            if abs(p.evalf(15)) > MAX_EXPONENT:
                shown = p if len(str(p)) < 20 else p.evalf(3)
                raise ActivationError(f"exponent {self.piece(node.right)!r} = {shown} in "
                                      f"{self.piece(node)!r} is too large "
                                      f"(|exponent| ≤ {MAX_EXPONENT})")
            if base.is_Rational and p.is_Rational and \
                    abs(p) * (len(str(base.p)) + len(str(base.q))) > _MAX_DIGITS:
                raise ActivationError(f"number {self.piece(node)!r} is too large")
            if p.is_integer and p.is_nonnegative:
                return base**p
            relation = "nonzero" if p.is_integer else "nonnegative" if p > 0 else "positive"
        self.require(base, relation, node, f"the base of the power {self.piece(node)!r}")
        return base**p

    def visit_Call(self, node: ast.Call) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            return self.build(node.func)  # refused: attribute access, lambda, ...
        name, piece = node.func.id, self.piece(node)
        if name in _NOT_ON_R:
            raise ActivationError(f"{piece!r} is not defined on all of R: {name} is not "
                                  f"accepted because {_NOT_ON_R[name]}")
        if name not in FUNCTIONS:
            if name.startswith("__") or name.endswith("__") or name == "z" or name in CONSTANTS:
                self.visit_Name(node.func)  # refuses dunder names; z and constants pass
                raise ActivationError(f"{name!r} in {piece!r} is not a function")
            raise ActivationError(f"unknown function {name!r} in {piece!r}; the accepted "
                                  f"functions are {', '.join(FUNCTIONS)}")
        if node.keywords:
            raise ActivationError(f"keyword argument {self.piece(node.keywords[0])!r} in "
                                  f"{piece!r} is not allowed; pass arguments by position")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.build(arg)  # refused with its own message
        arity, builder = FUNCTIONS[name]
        if len(node.args) != arity and (arity is not None or len(node.args) < 2):
            wanted = "two or more arguments" if arity is None else f"{arity} argument"
            raise ActivationError(f"{name} takes {wanted}, got {len(node.args)} in {piece!r}")
        args = [self.build(a) for a in node.args]
        self.check_size(args, node)
        if name in ("log", "ln", "sqrt"):
            relation = "nonnegative" if name == "sqrt" else "positive"
            self.require(args[0], relation, node, "sqrt" if name == "sqrt" else "log")
        return builder(*args)

    def check_size(self, args: list[sympy.Expr], node: ast.AST) -> None:
        """Refuse arguments that may pass 10**1000 (exact evaluation would hang)."""
        if max(map(_log_size, args)) > _MAX_LOG:
            raise ActivationError(f"{self.piece(node)!r} grows too fast: its argument may "
                                  "exceed 10**1000 for |z| ≤ 12, beyond exact evaluation")

    def require(self, u: sympy.Expr, relation: str, node: ast.AST, who: str) -> None:
        proved, witness = decide_sign(u, relation)
        if proved:
            return
        need = f"{who} needs " + ("it ≠ 0" if relation == "nonzero"
                                  else f"{u} {_RELATION[relation][0]}")
        if proved is False and not u.has(Z):
            raise ActivationError(f"{self.piece(node)!r} is undefined: {need}")
        if proved is False:
            raise ActivationError(f"{self.piece(node)!r} is not defined on all of R: {need}, "
                                  f"which fails at z = {witness}")
        raise ActivationError(f"{self.piece(node)!r} is not defined on all of R, or simtool "
                              f"cannot prove it is: {need} for every real z")
