r"""Safe parser for user activations: a whitelist walk over Python's ``ast``.

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
:data:`MAX_EXPONENT`, texts longer than :data:`MAX_LENGTH`, expressions without
``z``, and expressions not defined (real) on all of :math:`\mathbb{R}` (math.md §1):
``log``/``sqrt``/division/fractional powers must have an argument proved positive,
non-negative or non-zero for every real ``z`` (:func:`decide_sign`).

Examples
--------
>>> parse_expression("z + z^3/3")
z**3/3 + z
>>> parse_expression("0.5*exp(-z**2)")
exp(-z**2)/2
>>> parse_expression("z.__class__")
Traceback (most recent call last):
...
simtool.errors.ActivationError: attribute access 'z.__class__' is not allowed in an activation expression
>>> parse_expression("log(z)")
Traceback (most recent call last):
...
simtool.errors.ActivationError: 'log(z)' is not defined on all of R: log needs z > 0, which fails at z = 0
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from fractions import Fraction
from types import MappingProxyType

import sympy

from ..errors import ActivationError

__all__ = ["Z", "parse_expression", "decide_sign", "FUNCTIONS", "CONSTANTS",
           "MAX_LENGTH", "MAX_EXPONENT", "SAMPLE_POINTS"]

#: the variable of every activation expression
Z = sympy.Symbol("z", real=True)
#: longest accepted expression text
MAX_LENGTH = 500
#: largest accepted ``|p|`` in a power with a numeric exponent ``p``
MAX_EXPONENT = 100
_MAX_NUMBER = 10**100
_MAX_DIGITS = 2000  # of a power of two numbers, estimated before computing it
_MAX_DEPTH = 100

CONSTANTS: Mapping[str, sympy.Expr] = MappingProxyType({"pi": sympy.pi, "E": sympy.E})

_RELU = lambda u: sympy.Max(0, u)  # noqa: E731
#: name -> (number of arguments, builder); ``None`` means two or more
FUNCTIONS: Mapping[str, tuple[int | None, Callable[..., sympy.Expr]]] = MappingProxyType({
    **{f: (1, getattr(sympy, f)) for f in
       ("exp", "log", "sqrt", "sin", "cos", "sinh", "cosh", "tanh", "atan", "asinh", "erf")},
    "ln": (1, sympy.log), "abs": (1, sympy.Abs), "Abs": (1, sympy.Abs),
    "max": (None, sympy.Max), "Max": (None, sympy.Max),
    "min": (None, sympy.Min), "Min": (None, sympy.Min),
    "sigmoid": (1, lambda u: 1 / (1 + sympy.exp(-u))),
    "softplus": (1, lambda u: sympy.log(1 + sympy.exp(u))),
    "relu": (1, _RELU),
})
_NOT_ON_R = {
    "tan": "it has poles at pi/2 + k*pi", "cot": "it has poles at k*pi",
    "sec": "it has poles", "csc": "it has poles", "atanh": "its domain is (-1, 1)",
    "acosh": "its domain is [1, oo)", "asin": "its domain is [-1, 1]",
    "acos": "its domain is [-1, 1]",
}
#: rational points tried, in order, when looking for an exact counterexample
SAMPLE_POINTS = tuple(sympy.Rational(q) for q in
                      ("0", "1", "-1", "1/2", "-1/2", "2", "-2", "3", "-3", "1/3", "10", "-10"))
_NODE_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.List: "list", ast.Tuple: "tuple", ast.Set: "set", ast.Dict: "dict",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension",
    ast.DictComp: "comprehension", ast.GeneratorExp: "comprehension",
    ast.Compare: "comparison", ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression", ast.NamedExpr: "assignment expression",
    ast.JoinedStr: "f-string", ast.Starred: "starred expression", ast.Slice: "slice",
}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_RELATION = {"positive": ("> 0", "is_positive"), "nonnegative": ("≥ 0", "is_nonnegative"),
             "nonzero": ("≠ 0", "is_nonzero")}


def decide_sign(u: sympy.Expr, relation: str) -> tuple[bool | None, sympy.Rational | None]:
    """Decide whether ``u(z)`` is positive / nonnegative / nonzero for every real ``z``.

    Returns ``(True, None)`` when proved (sympy assumptions, then sound interval
    arithmetic with ``AccumBounds`` over :math:`(-\\infty, \\infty)`), ``(False, q)``
    with an exact rational ``q`` where the relation fails, or ``(None, None)``.

    >>> decide_sign(1 + sympy.exp(-Z), "positive")
    (True, None)
    >>> decide_sign(2 + sympy.sin(Z), "positive")
    (True, None)
    >>> decide_sign(Z, "nonzero")
    (False, 0)
    """
    suffix, attr = _RELATION[relation]
    if getattr(u, attr) or (relation == "nonzero" and (u.is_positive or u.is_negative)):
        return True, None
    if _interval_proves(u, relation):
        return True, None
    for q in SAMPLE_POINTS:
        value = u.xreplace({Z: q})
        if value.is_finite is not False and getattr(value, attr) is False:
            return False, q
    return None, None


def _interval_proves(u: sympy.Expr, relation: str) -> bool:
    try:  # AccumBounds arithmetic over-approximates the range, so it is sound
        r = u.xreplace({Z: sympy.AccumBounds(-sympy.oo, sympy.oo)})
        lo, hi = (r.min, r.max) if isinstance(r, sympy.AccumBounds) else (r, r)
        if relation == "nonnegative":
            return bool(lo.is_extended_nonnegative)
        return bool(lo.is_extended_positive or (relation == "nonzero" and hi.is_extended_negative))
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return False


def parse_expression(text: str) -> sympy.Expr:
    """Parse an activation expression in ``z`` safely (see the module docstring).

    >>> parse_expression("tanh(z)**2")
    tanh(z)**2
    >>> parse_expression("2**z")
    2**z
    >>> parse_expression("z**10**10")
    Traceback (most recent call last):
    ...
    simtool.errors.ActivationError: exponent '10**10' = 10000000000 in 'z**10**10' is too large (|exponent| ≤ 100)
    """
    if not isinstance(text, str):
        raise ActivationError(f"an activation expression must be a string, got {text!r}")
    if not text.strip():
        raise ActivationError("empty activation expression; give a registry name or an "
                              "expression in z such as 'z + z**3/3'")
    if len(text) > MAX_LENGTH:
        raise ActivationError(f"activation expression is too long ({len(text)} characters, "
                              f"at most {MAX_LENGTH})")
    source = text.strip().replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = getattr(exc, "msg", None) or "cannot be parsed"
        raise ActivationError(f"malformed activation expression {text!r}: {reason}") from None
    _check_depth(tree, text)
    try:
        expr = _Builder(source).build(tree.body)
    except RecursionError:
        raise ActivationError(f"activation expression {text!r} is nested too deeply") from None
    return _check_result(expr, text)


def _check_depth(tree: ast.AST, text: str) -> None:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ActivationError(f"activation expression {text!r} is nested too deeply "
                                  f"(more than {_MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_result(expr: sympy.Expr, text: str) -> sympy.Expr:
    if expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise ActivationError(f"activation expression {text!r} is not finite")
    if not expr.has(Z):
        raise ActivationError(f"activation expression {text!r} does not depend on z")
    if expr.is_extended_real is False:
        raise ActivationError(f"activation expression {text!r} is not real-valued")
    for power in expr.atoms(sympy.Pow):
        p = power.exp
        if p.is_number and abs(p) > MAX_EXPONENT:
            raise ActivationError(f"exponent {p} in {power} (from {text!r}) is too large "
                                  f"(|exponent| ≤ {MAX_EXPONENT})")
    return expr


class _Builder:
    """Turns a whitelisted ``ast`` expression into sympy, checking domains on the way."""

    def __init__(self, source: str):
        self.source = source

    def piece(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or type(node).__name__

    def fail(self, message: str) -> ActivationError:
        return ActivationError(message)

    def build(self, node: ast.AST) -> sympy.Expr:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            what = _NODE_NAMES.get(type(node), type(node).__name__.lower())
            raise self.fail(f"{what} {self.piece(node)!r} is not allowed in an "
                            "activation expression")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, str):
            raise self.fail(f"string {self.piece(node)!r} is not allowed in an activation "
                            "expression; write the variable z without quotes")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"constant {self.piece(node)!r} is not a real number")
        exact = Fraction(value) if isinstance(value, int) else \
            Fraction(self.piece(node).replace("_", ""))
        if abs(exact) > _MAX_NUMBER or exact.denominator > _MAX_NUMBER:
            raise self.fail(f"number {self.piece(node)!r} is too large "
                            f"(at most 10**100 in size and precision)")
        return sympy.Rational(exact.numerator, exact.denominator)

    def visit_Name(self, node: ast.Name) -> sympy.Expr:
        name = node.id
        if name.startswith("__") or name.endswith("__"):
            raise self.fail(f"name {name!r} is not allowed (dunder names are never accepted)")
        if name == "z":
            return Z
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise self.fail(f"{name!r} is a function; call it, as in {name}(z)")
        raise self.fail(f"unknown name {name!r} in {self.source!r}; the variable is z and "
                        f"the constants are {', '.join(CONSTANTS)}")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> sympy.Expr:
        operand = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.fail(f"operator in {self.piece(node)!r} is not allowed; use + - * / **")

    def visit_BinOp(self, node: ast.BinOp) -> sympy.Expr:
        symbol = _BINARY.get(type(node.op))
        if symbol is None:
            raise self.fail(f"operator in {self.piece(node)!r} is not allowed; use + - * / **")
        left, right = self.build(node.left), self.build(node.right)
        if symbol == "/":
            self.require(right, "nonzero", node, f"division by {right}")
            return left / right
        if symbol == "**":
            return self.power(left, right, node)
        return {"+": left + right, "-": left - right, "*": left * right}[symbol]

    def power(self, base: sympy.Expr, p: sympy.Expr, node: ast.BinOp) -> sympy.Expr:
        if p.is_number:
            if abs(p.evalf(15)) > MAX_EXPONENT:
                raise self.fail(f"exponent {self.piece(node.right)!r} = {p} in "
                                f"{self.piece(node)!r} is too large (|exponent| ≤ {MAX_EXPONENT})")
            if base.is_Rational and p.is_Rational and \
                    abs(p) * (len(str(base.p)) + len(str(base.q))) > _MAX_DIGITS:
                raise self.fail(f"number {self.piece(node)!r} is too large")
            if p.is_integer and p.is_nonnegative:
                return base**p
            relation = "nonzero" if p.is_integer else "nonnegative" if p > 0 else "positive"
        else:
            relation = "positive"
        self.require(base, relation, node, f"the base of the power {self.piece(node)!r}")
        return base**p

    def visit_Call(self, node: ast.Call) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            return self.build(node.func)  # refused: attribute access, lambda, ...
        name = node.func.id
        if name in _NOT_ON_R:
            raise self.fail(f"{self.piece(node)!r} is not defined on all of R: "
                            f"{name} is not accepted because {_NOT_ON_R[name]}")
        if name not in FUNCTIONS:
            self.visit_Name(node.func)  # dunder names get their own message
        if node.keywords:
            raise self.fail(f"keyword argument {self.piece(node.keywords[0])!r} in "
                            f"{self.piece(node)!r} is not allowed; pass arguments by position")
        arity, builder = FUNCTIONS[name]
        if (arity is None and len(node.args) < 2) or (arity is not None and len(node.args) != arity):
            wanted = "two or more arguments" if arity is None else f"{arity} argument"
            raise self.fail(f"{name} takes {wanted}, got {len(node.args)} in {self.piece(node)!r}")
        args = [self.build(a) for a in node.args]
        if name in ("log", "ln"):
            self.require(args[0], "positive", node, "log")
        if name == "sqrt":
            self.require(args[0], "nonnegative", node, "sqrt")
        return builder(*args)

    def require(self, u: sympy.Expr, relation: str, node: ast.AST, who: str) -> None:
        proved, witness = decide_sign(u, relation)
        if proved:
            return
        need = f"{who} needs {u} {_RELATION[relation][0]}"
        if relation == "nonzero":
            need = f"{who} needs it ≠ 0"
        if proved is False and not u.has(Z):
            raise self.fail(f"{self.piece(node)!r} is undefined: {need}")
        if proved is False:
            raise self.fail(f"{self.piece(node)!r} is not defined on all of R: {need}, "
                            f"which fails at z = {witness}")
        raise self.fail(f"{self.piece(node)!r} is not defined on all of R, or simtool cannot "
                        f"prove it is: {need} for every real z")
