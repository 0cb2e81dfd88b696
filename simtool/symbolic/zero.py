r"""Exact zero tests for sympy expressions: prove ``e ≡ 0`` or refute it at a point.

Structural answers must be exact (math.md §2).  :func:`is_identically_zero` tries
increasingly expensive *sound* simplifications; it answers ``True`` only when sympy
reduced the expression to the literal ``0``.  :func:`refute_at_rationals` looks for a
rational point where the expression is *provably* non-zero: either sympy decides
``is_zero is False`` or a certified evaluation (``evalf(strict=True)``, which raises
when the requested accuracy cannot be guaranteed) bounds it away from 0.

>>> import sympy
>>> z = sympy.Symbol("z", real=True)
>>> is_identically_zero(sympy.tanh(-z) + sympy.tanh(z))
True
>>> is_identically_zero(1/(1 + sympy.exp(-z)) + 1/(1 + sympy.exp(z)) - 1)
True
>>> point, value = refute_at_rationals(sympy.tanh(z), [z])
>>> value != 0
True
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import sympy

__all__ = ["is_identically_zero", "provably_nonzero", "refute_at_rationals"]


def is_identically_zero(expr: sympy.Expr, *, simplify: bool = True) -> bool:
    """``True`` iff sympy reduces ``expr`` to exactly 0 (a proof); ``False`` = not shown."""
    expr = sympy.sympify(expr)
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


def provably_nonzero(value: sympy.Expr) -> bool:
    """``True`` iff the closed-form constant ``value`` is certified non-zero."""
    value = sympy.sympify(value)
    if value.free_symbols:
        return False
    if value.is_zero is False:
        return True
    if value.is_zero:
        return False
    try:
        approx = value.evalf(30, strict=True)
    except (sympy.core.evalf.PrecisionExhausted, TypeError, ValueError):
        return False
    return bool(approx.is_number and approx != 0 and abs(approx) > sympy.Float(10) ** -25)


def refute_at_rationals(
    expr: sympy.Expr,
    symbols: Sequence[sympy.Symbol],
    *,
    tries: int = 12,
    seed: int = 0,
    denominators: Sequence[int] = (1, 2, 3, 5),
) -> tuple[dict[sympy.Symbol, sympy.Rational], sympy.Expr] | None:
    """A rational point where ``expr`` is provably non-zero, with the exact value there.

    Points are drawn from a seeded generator so the counterexample is reproducible.
    Returns ``None`` when no such point was found (which proves nothing).
    """
    rng = random.Random(seed)
    symbols = list(symbols)
    for _ in range(tries):
        point = {
            s: sympy.Rational(Fraction(rng.randint(-4, 4), rng.choice(denominators)))
            for s in symbols
        }
        try:
            value = sympy.sympify(expr).xreplace(point)
        except (ZeroDivisionError, TypeError, ValueError):  # pragma: no cover
            continue
        if value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            continue
        if provably_nonzero(value):
            return point, value
    return None
