r"""The exact deciders: prove ``e ≡ 0``, certify a constant non-zero, refute at a point.

This is the one module of exact decisions (conventions.md rule 17); every other
module calls these.  Structural answers must be exact (math.md §2):

* :func:`certified_nonzero` — the one rule for "this constant is not 0": rationals
  exactly, other closed forms by sympy's adaptive-precision ``evalf(30, strict=True)``,
  which raises rather than return digits it cannot guarantee.
* :func:`is_identically_zero` — ``True`` only when a sound simplification reduced the
  expression to the literal 0 (a proof); ``False`` means "not shown".
* :func:`decide_identity` — cheapest first: canonical form, substitution points
  (refutation), ``expand``/``cancel``, more points, ``rewrite(exp)``, ``simplify``.
* :func:`refute_at_rationals` — a seeded search for a rational point where the
  expression is certified non-zero.

These are public library functions, so they refuse strings: a string given to
``sympify`` is *executed*.  Parse user text with
:func:`~simtool.symbolic.activation_parse.parse_expression` first.

>>> import sympy
>>> z = sympy.Symbol("z", real=True)
>>> is_identically_zero(sympy.tanh(-z) + sympy.tanh(z))
True
>>> is_identically_zero(1/(1 + sympy.exp(-z)) + 1/(1 + sympy.exp(z)) - 1)
True
>>> point, value = refute_at_rationals(sympy.tanh(z), [z])
>>> value != 0
True
>>> certified_nonzero(sympy.tanh(1) - sympy.Rational(3, 4)), certified_nonzero(z)
(True, False)
>>> is_identically_zero("__import__('os')")
Traceback (most recent call last):
...
TypeError: exact deciders take sympy expressions or numbers, not str: parse user text with parse_expression
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import islice

import sympy
from sympy.core.evalf import PrecisionExhausted

__all__ = ["as_expr", "certified_nonzero", "decide_identity", "is_identically_zero", "provably_nonzero",
           "refute_at_rationals"]


def as_expr(value: object) -> sympy.Expr:
    """``value`` as a sympy object, refusing strings (``sympify(strict=True)``).

    >>> as_expr(Fraction(1, 3)), as_expr(2)
    (1/3, 2)
    """
    if isinstance(value, str):
        raise TypeError("exact deciders take sympy expressions or numbers, not str: "
                        "parse user text with parse_expression")
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    try:
        return sympy.sympify(value, strict=True)
    except sympy.SympifyError as exc:
        raise TypeError(f"exact deciders take sympy expressions or numbers, got {type(value).__name__}") from exc


def certified_nonzero(c: object) -> bool:
    """``True`` only if the constant ``c`` is provably non-zero (see the module docstring)."""
    c = as_expr(c)
    if c.free_symbols or c.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return False
    if c.is_Rational:
        return c != 0
    if c.is_zero is False:
        return True
    if c.is_zero:
        return False
    try:
        value = c.evalf(30, strict=True)
    except (PrecisionExhausted, TypeError, ValueError):
        return False
    return bool(value.is_Number and value != 0)


#: the one rule, under the name the first exact engine used
provably_nonzero = certified_nonzero


def is_identically_zero(expr: object, *, simplify: bool = True) -> bool:
    """``True`` iff sympy reduces ``expr`` to exactly 0 (a proof); ``False`` = not shown."""
    expr = as_expr(expr)
    if expr == 0:
        return True
    e = sympy.expand(expr)
    if e == 0:
        return True
    if not simplify:
        return False
    for attempt in (sympy.cancel, sympy.simplify, lambda u: sympy.simplify(u.rewrite(sympy.exp))):
        try:
            if attempt(e) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError, RecursionError):  # pragma: no cover
            continue
    return False


_CHEAP = (("expand", sympy.expand), ("cancel", lambda x: sympy.cancel(sympy.together(x))))
_COSTLY = (("rewriting in exp and cancel", lambda x: sympy.cancel(x.rewrite(sympy.exp))),
           ("simplify", sympy.simplify))


def decide_identity(e: object, points: Iterable[dict]) -> tuple[bool | None, object]:
    """``(True, how)`` if ``e ≡ 0``, ``(False, point)`` if refuted, else ``(None, None)``.

    Cheapest first: sympy's canonical form; the first two substitution ``points`` (a
    point refutes when the value there is :func:`certified_nonzero`); ``expand`` and
    ``cancel``; the other points; ``rewrite(exp)`` + ``cancel``; ``simplify``.

    >>> Z = sympy.Symbol("z", real=True)
    >>> decide_identity(sympy.sin(-Z) + sympy.sin(Z), [])
    (True, "sympy's automatic canonical form")
    >>> decide_identity(1/(1 + sympy.exp(Z)) + 1/(1 + sympy.exp(-Z)) - 1, [{Z: 1}])
    (True, 'cancel')
    >>> decide_identity(sympy.cos(Z) - 1, [{Z: 0}, {Z: 1}])
    (False, {z: 1})
    """
    e = as_expr(e)
    if e == 0:
        return True, "sympy's automatic canonical form"
    points = iter(points)
    for stage in (islice(points, 2), _CHEAP, points, _COSTLY):
        for item in stage:
            if isinstance(item, dict):
                if certified_nonzero(e.xreplace(item)):
                    return False, item
                continue
            try:
                if item[1](e) == 0:
                    return True, item[0]
            except (sympy.PolynomialError, NotImplementedError, TypeError, ValueError):
                continue
    return None, None


def refute_at_rationals(
    expr: object,
    symbols: Sequence[sympy.Symbol],
    *,
    tries: int = 12,
    seed: int = 0,
    denominators: Sequence[int] = (1, 2, 3, 5),
) -> tuple[dict[sympy.Symbol, sympy.Rational], sympy.Expr] | None:
    """A rational point where ``expr`` is certified non-zero, with the exact value there.

    Points are drawn from a seeded generator so the counterexample is reproducible.
    Returns ``None`` when no such point was found (which proves nothing).
    """
    expr = as_expr(expr)
    rng = random.Random(seed)
    symbols = list(symbols)
    for _ in range(tries):
        point = {
            s: sympy.Rational(Fraction(rng.randint(-4, 4), rng.choice(denominators)))
            for s in symbols
        }
        try:
            value = expr.xreplace(point)
        except (ZeroDivisionError, TypeError, ValueError):  # pragma: no cover
            continue
        if value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            continue
        if certified_nonzero(value):
            return point, value
    return None
