r"""Parse ``--where`` relations between named parameters, by a whitelist (never ``eval``).

A text is a comma- (or semicolon-) separated list of relations ``lhs = rhs``
(``==`` is accepted; chains ``w1 = w2 = w3`` mean ``w1 = w2, w2 = w3``).  Each side
is parsed with ``ast.parse(side, mode="eval")`` and walked node by node; only these
nodes are accepted:

* parameter names of the network (``a1``, ``w2_1``, ``b3``, ``c``, ``w1_2_1`` …) and ``pi``;
* integer and decimal literals, made exact (``0.5`` is ``1/2``), at most 40 digits;
* ``+``, ``-``, ``*``, ``/`` and unary ``±``, where a product needs a constant factor and
  a quotient a non-zero rational denominator (so every relation is affine).

Everything else (calls, attributes, powers, comparisons, strings, unknown names,
non-linear products, ``pi·pi``) is refused with
:class:`~simtool.errors.SubspaceError` quoting the piece, and so are trivial and
inconsistent systems.  ``−`` and ``×``/``·`` are read as ``-`` and ``*``.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> net = TwoLayerNet(3, get_activation("sin"))
>>> parse_relations(net, "w1 = 0, b1 = pi/2").describe(net.names)
'w1 = 0, b1 = pi/2'
>>> parse_relations(net, "a1 + a2 = 2*a3").describe(net.names)
'a1 + a2 − 2·a3 = 0'
>>> parse_relations(net, "a1*w1 = 0")
Traceback (most recent call last):
...
simtool.errors.SubspaceError: 'a1*w1' is not linear: a product needs a constant factor
>>> parse_relations(net, "__import__('os').system('ls') = 0")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
simtool.errors.SubspaceError: call ... is not allowed in --where; ...
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction

from ..errors import SimtoolError, SubspaceError
from .affine import AffineSubspace, Relation

__all__ = ["parse_relations", "MAX_WHERE_LENGTH"]

#: longest accepted ``--where`` text
MAX_WHERE_LENGTH = 2000
_MAX_DIGITS = 40
_ALLOWED = "use parameter names, rational numbers, pi, +, -, * and /"
_NODE = {ast.Call: "call", ast.Attribute: "attribute access", ast.Subscript: "subscript",
         ast.Pow: "power", ast.Compare: "comparison", ast.Lambda: "lambda", ast.BoolOp: "boolean operator"}


class _Form:
    """``Σ coef_i θ_i + q + r·π``."""

    __slots__ = ("coef", "q", "r")

    def __init__(self, coef=None, q=Fraction(0), r=Fraction(0)):
        self.coef: dict[int, Fraction] = dict(coef or {})
        self.q, self.r = Fraction(q), Fraction(r)

    @property
    def is_constant(self) -> bool:
        return not any(self.coef.values())

    def __add__(self, o: _Form) -> _Form:
        c = dict(self.coef)
        for i, v in o.coef.items():
            c[i] = c.get(i, Fraction(0)) + v
        return _Form(c, self.q + o.q, self.r + o.r)

    def scale(self, k: Fraction) -> _Form:
        return _Form({i: k * v for i, v in self.coef.items()}, k * self.q, k * self.r)


def _piece(text: str, node: ast.AST) -> str:
    seg = ast.get_source_segment(text, node)
    return seg if seg is not None else type(node).__name__


def _walk(net, text: str, node: ast.AST) -> _Form:
    if isinstance(node, ast.Expression):
        return _walk(net, text, node.body)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise SubspaceError(f"literal {_piece(text, node)!r} is not allowed in --where; {_ALLOWED}")
        seg = _piece(text, node)
        if len(re.sub(r"[^0-9]", "", seg)) > _MAX_DIGITS or not re.fullmatch(r"[0-9_]*\.?[0-9_]*", seg):
            raise SubspaceError(f"number {seg!r} is not a plain decimal of at most {_MAX_DIGITS} digits")
        return _Form(q=Fraction(seg.replace("_", "")))
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return _Form(r=Fraction(1))
        try:
            i = net.index(node.id)
        except SimtoolError as exc:
            raise SubspaceError(str(exc)) from None
        return _Form({i: Fraction(1)})
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        inner = _walk(net, text, node.operand)
        return inner if isinstance(node.op, ast.UAdd) else inner.scale(Fraction(-1))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _walk(net, text, node.left), _walk(net, text, node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left + right.scale(Fraction(-1))
        if isinstance(node.op, ast.Div):
            if not right.is_constant or right.r or not right.q:
                raise SubspaceError(f"{_piece(text, node)!r}: divide only by a non-zero rational number")
            return left.scale(1 / right.q)
        if left.is_constant and right.is_constant:
            if left.r and right.r:
                raise SubspaceError(f"{_piece(text, node)!r}: only rational multiples of pi are allowed")
            return _Form(q=left.q * right.q, r=left.q * right.r + left.r * right.q)
        const, form = (left, right) if left.is_constant else (right, left) if right.is_constant else (None, None)
        if const is None or form is None:
            raise SubspaceError(f"{_piece(text, node)!r} is not linear: a product needs a constant factor")
        if const.r:
            raise SubspaceError(f"{_piece(text, node)!r}: a parameter times pi is not a rational relation")
        return form.scale(const.q)
    what = _NODE.get(type(node)) or _NODE.get(type(getattr(node, "op", None))) or type(node).__name__
    raise SubspaceError(f"{what} {_piece(text, node)!r} is not allowed in --where; {_ALLOWED}")


def _side(net, side: str) -> _Form:
    try:
        tree = ast.parse(side.strip(), mode="eval")
    except SyntaxError:
        raise SubspaceError(f"cannot parse {side.strip()!r}; {_ALLOWED}") from None
    return _walk(net, side.strip(), tree)


def parse_relations(net, text: str) -> AffineSubspace:
    """The affine subspace of ``net``'s parameter space cut out by ``text`` (exact)."""
    if not isinstance(text, str) or not text.strip():
        raise SubspaceError("--where needs at least one relation such as 'a1 = 0, w1 = w2'")
    if len(text) > MAX_WHERE_LENGTH:
        raise SubspaceError(f"--where text is {len(text)} characters long; the limit is {MAX_WHERE_LENGTH}")
    clean = text.replace("−", "-").replace("×", "*").replace("·", "*").replace("==", "=")
    if re.search(r"[<>!]=?|:=", clean):
        raise SubspaceError(f"only equations are allowed in --where, got {text.strip()!r}")
    relations: list[Relation] = []
    for rel in re.split(r"[,;]", clean):
        if not rel.strip():
            raise SubspaceError(f"empty relation in --where {text.strip()!r}")
        sides = rel.split("=")
        if len(sides) < 2 or any(not s.strip() for s in sides):
            raise SubspaceError(f"{rel.strip()!r} is not an equation 'lhs = rhs'")
        forms = [_side(net, s) for s in sides]
        for lhs, rhs in zip(forms, forms[1:]):
            d = lhs + rhs.scale(Fraction(-1))
            coef = {i: v for i, v in d.coef.items() if v}
            if not coef:
                what = "trivially true" if not (d.q or d.r) else "never true"
                raise SubspaceError(f"relation {rel.strip()!r} involves no parameter and is {what}")
            relations.append((coef, -d.q, -d.r))
    return AffineSubspace.from_relations(net.dim, relations)
