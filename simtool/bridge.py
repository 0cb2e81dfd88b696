r"""The one module that crosses from sympy to torch (conventions.md, rule 1).

A sympy activation :math:`\sigma(z)` (``simtool.symbolic.activation.Activation``)
becomes float64 torch callables for :math:`\sigma`, :math:`\sigma'` and
:math:`\sigma''`.  The translation walks the sympy expression tree and maps every
node to a torch operation (no ``lambdify`` strings, no ``eval``); the three
expressions are translated together after common-subexpression elimination
(``sympy.cse``), so ``tanh`` and ``1 - tanh(z)**2`` share one ``torch.tanh``.

A few common activations have hand-written, overflow-safe closed forms (sigmoid,
softplus, silu); they are selected only when the sympy expression is *structurally
equal* to the known one, and the test-suite checks them against sympy evaluation.

Conventions for non-smooth activations (they mirror sympy's own):
``Heaviside(0) = 1/2`` (so ``relu'(0) = 1/2``), and ``DiracDelta`` evaluates to 0
(the almost-everywhere second derivative).

Public API
----------
``torch_activation(activation) -> TorchActivation``
    Cached translation of an ``Activation`` (or a name/expression accepted by
    ``get_activation``).
``TorchActivation``: ``.name``, ``.sigma(z)``, ``.dsigma(z)``, ``.d2sigma(z)``,
    ``.values(z, order=1) -> tuple`` (``σ`` and derivatives up to ``order``,
    sharing work).
``to_torch(exprs, var) -> callable``
    Generic translation of sympy expressions in one variable to a function
    ``Tensor -> tuple[Tensor, ...]``.

Examples
--------
>>> import torch
>>> from simtool.symbolic.activation import get_activation
>>> act = torch_activation(get_activation("tanh"))
>>> z = torch.tensor([0.0, 1.0], dtype=torch.float64)
>>> s, ds = act.values(z, order=1)
>>> bool(torch.allclose(ds, 1 - torch.tanh(z) ** 2))
True
>>> f = to_torch([sympy.Max(0, Z), sympy.diff(sympy.Max(0, Z), Z)], Z)
>>> [t.tolist() for t in f(torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64))]
[[0.0, 0.0, 2.0], [0.0, 0.5, 1.0]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sympy
import torch

from .errors import ActivationError
from .symbolic.activation import Activation, Z, get_activation

__all__ = ["TorchActivation", "torch_activation", "to_torch", "plain_no_grad"]

Tensor = torch.Tensor
_Node = Callable[[dict], object]  # env -> Tensor | float

_UNARY: dict[type, Callable[[Tensor], Tensor]] = {
    sympy.exp: torch.exp,
    sympy.log: torch.log,
    sympy.sin: torch.sin,
    sympy.cos: torch.cos,
    sympy.tan: torch.tan,
    sympy.tanh: torch.tanh,
    sympy.sinh: torch.sinh,
    sympy.cosh: torch.cosh,
    sympy.asin: torch.asin,
    sympy.acos: torch.acos,
    sympy.atan: torch.atan,
    sympy.asinh: torch.asinh,
    sympy.acosh: torch.acosh,
    sympy.atanh: torch.atanh,
    sympy.erf: torch.special.erf,
    sympy.erfc: torch.special.erfc,
    sympy.Abs: torch.abs,
    sympy.sign: torch.sign,
    sympy.sec: lambda u: 1 / torch.cos(u),
    sympy.csc: lambda u: 1 / torch.sin(u),
    sympy.cot: lambda u: 1 / torch.tan(u),
    sympy.sech: lambda u: 1 / torch.cosh(u),
    sympy.csch: lambda u: 1 / torch.sinh(u),
    sympy.coth: lambda u: 1 / torch.tanh(u),
    sympy.floor: torch.floor,
    sympy.ceiling: torch.ceil,
}

_RELATIONS = {
    sympy.StrictLessThan: torch.lt,
    sympy.LessThan: torch.le,
    sympy.StrictGreaterThan: torch.gt,
    sympy.GreaterThan: torch.ge,
    sympy.Equality: torch.eq,
    sympy.Unequality: torch.ne,
}


def _as_tensor(v: object, like: Tensor) -> Tensor:
    if isinstance(v, Tensor):
        return v
    return torch.full_like(like, float(v))  # type: ignore[arg-type]


def _compile(expr: sympy.Basic, var: sympy.Symbol, known: dict) -> _Node:
    """Map one sympy node to a closure ``env -> Tensor | float``."""
    if expr in known:
        key = known[expr]
        return lambda env: env[key]
    if expr == var:
        return lambda env: env[var]
    if isinstance(expr, sympy.Expr) and not expr.free_symbols:  # a constant: fold it
        try:
            value = float(expr.evalf(20))
        except TypeError:
            raise ActivationError(f"constant {expr} is not a real number") from None
        return lambda env: value
    if expr is sympy.true or expr is sympy.false:
        flag = bool(expr)
        return lambda env: torch.full_like(env[var], flag, dtype=torch.bool)
    if isinstance(expr, sympy.Piecewise):
        return _compile_piecewise(expr, var, known)
    args = [_compile(a, var, known) for a in expr.args]
    if isinstance(expr, sympy.Add):
        def add(env):
            out = args[0](env)
            for a in args[1:]:
                out = out + a(env)
            return out
        return add
    if isinstance(expr, sympy.Mul):
        def mul(env):
            out = args[0](env)
            for a in args[1:]:
                out = out * a(env)
            return out
        return mul
    if isinstance(expr, sympy.Pow):
        return _compile_pow(expr, args)
    if isinstance(expr, (sympy.Max, sympy.Min)):
        pick = torch.maximum if isinstance(expr, sympy.Max) else torch.minimum

        def extremum(env):
            vals = [a(env) for a in args]
            ref = next(v for v in vals if isinstance(v, Tensor))
            out = _as_tensor(vals[0], ref)
            for v in vals[1:]:
                out = pick(out, _as_tensor(v, ref))
            return out
        return extremum
    if isinstance(expr, sympy.Heaviside):
        at0 = float(expr.args[1]) if len(expr.args) > 1 else 0.5
        def heaviside(env):  # comparisons, not torch.heaviside: those work under forward AD
            u = _as_tensor(args[0](env), env[var])
            return (u > 0).to(u.dtype) + at0 * (u == 0).to(u.dtype)
        return heaviside
    if isinstance(expr, sympy.DiracDelta):
        return lambda env: torch.zeros_like(env[var])
    if type(expr) in _RELATIONS:
        rel = _RELATIONS[type(expr)]
        return lambda env: rel(_as_tensor(args[0](env), env[var]),
                               _as_tensor(args[1](env), env[var]))
    if isinstance(expr, sympy.And):
        return lambda env: torch.stack([a(env) for a in args]).all(0)
    if isinstance(expr, sympy.Or):
        return lambda env: torch.stack([a(env) for a in args]).any(0)
    if isinstance(expr, sympy.Not):
        return lambda env: ~args[0](env)
    if isinstance(expr, sympy.log) and len(args) == 2:  # log(x, base)
        return lambda env: torch.log(args[0](env)) / math.log(float(expr.args[1]))
    fn = _UNARY.get(type(expr))
    if fn is not None and len(args) == 1:
        inner = args[0]
        return lambda env: fn(_as_tensor(inner(env), env[var]))
    raise ActivationError(
        f"cannot translate {expr!r} (node {type(expr).__name__}) to torch; supported: "
        "+, *, powers, Max, Min, Piecewise, Heaviside, "
        + ", ".join(sorted(f.__name__ for f in _UNARY))
    )


def _compile_pow(expr: sympy.Pow, args: list[_Node]) -> _Node:
    base, power = args
    e = expr.args[1]
    if e.is_Number:
        p = float(e)
        if p == 0.5:
            return lambda env: torch.sqrt(base(env))
        if p == -1:
            return lambda env: 1 / base(env)
        if e.is_Integer and 2 <= int(e) <= 4:
            k = int(e)

            def ipow(env):
                b = base(env)
                out = b * b
                for _ in range(k - 2):
                    out = out * b
                return out
            return ipow
        return lambda env: torch.pow(base(env), p)
    if expr.args[0].is_Number or isinstance(expr.args[0], sympy.NumberSymbol):
        logb = math.log(float(expr.args[0]))
        return lambda env: torch.exp(power(env) * logb)
    return lambda env: torch.pow(base(env), power(env))


def _compile_piecewise(expr: sympy.Piecewise, var: sympy.Symbol, known: dict) -> _Node:
    pieces = [(_compile(e, var, known), _compile(c, var, known)) for e, c in expr.args]

    def piecewise(env):
        like = env[var]
        out = torch.full_like(like, math.nan)
        for value, cond in reversed(pieces):
            out = torch.where(_as_tensor(cond(env), like).bool(), _as_tensor(value(env), like), out)
        return out
    return piecewise


def to_torch(exprs: Sequence[sympy.Expr],
             var: sympy.Symbol) -> Callable[[Tensor], tuple[Tensor, ...]]:
    """Translate sympy expressions in ``var`` to one torch function.

    The returned function maps a tensor ``z`` to a tuple of tensors of ``z``'s shape,
    one per expression; common subexpressions are computed once.

    Raises
    ------
    ActivationError
        If an expression has a free symbol other than ``var`` or an unsupported node.
    """
    for e in exprs:
        extra = sympy.sympify(e, strict=True).free_symbols - {var}
        if extra:
            raise ActivationError(f"expression {e} has free symbols "
                                  f"{sorted(map(str, extra))} besides {var}")
    replacements, reduced = sympy.cse([sympy.sympify(e, strict=True) for e in exprs])
    known: dict = {}
    program: list[tuple[sympy.Symbol, _Node]] = []
    for sym, sub in replacements:
        program.append((sym, _compile(sub, var, known)))
        known[sym] = sym
    outputs = [_compile(e, var, known) for e in reduced]

    def evaluate(z: Tensor) -> tuple[Tensor, ...]:
        env = {var: z}
        for sym, node in program:
            env[sym] = node(env)
        return tuple(_as_tensor(out(env), z) for out in outputs)

    return evaluate


# -- overflow-safe closed forms, chosen by structural equality --------------------

def _sigmoid_values(z: Tensor, order: int, out: object = None) -> tuple[Tensor, ...]:
    s = torch.sigmoid(z)
    if order == 0:
        return (s,)
    ds = s * (1 - s)
    return (s, ds) if order == 1 else (s, ds, ds * (1 - 2 * s))


def _softplus_values(z: Tensor, order: int, out: object = None) -> tuple[Tensor, ...]:
    sp = torch.logaddexp(z, torch.zeros_like(z))
    if order == 0:
        return (sp,)
    s = torch.sigmoid(z)
    return (sp, s) if order == 1 else (sp, s, s * (1 - s))


def _silu_values(z: Tensor, order: int, out: object = None) -> tuple[Tensor, ...]:
    s = torch.sigmoid(z)
    if order == 0:
        return (z * s,)
    ds = s * (1 - s)
    out = (z * s, s + z * ds)
    return out if order == 1 else out + (2 * ds + z * ds * (1 - 2 * s),)


def plain_no_grad(t: Tensor) -> bool:
    """True when nothing records ``t``'s operations: no autograd, no ``torch.func``
    transform (then in-place kernels are safe and fast)."""
    return not torch.is_grad_enabled() and not torch._C._functorch.is_functorch_wrapped_tensor(t)


def _tanh(z: Tensor, out: Tensor | None = None) -> Tensor:
    """``torch.tanh`` (exactly odd in float64, vectorised; measured 4× faster here than
    the former ``expm1``-based form), written into ``out`` when nothing records."""
    if out is not None and plain_no_grad(z):
        return torch.tanh(z, out=out)
    return torch.tanh(z)


def _tanh_values(z: Tensor, order: int, out: tuple[Tensor, ...] | None = None
                 ) -> tuple[Tensor, ...]:
    t = _tanh(z, out[0] if out else None)
    if order == 0:
        return (t,)
    if out is not None and len(out) > 1 and plain_no_grad(z):
        dt = torch.mul(t, t, out=out[1]).neg_().add_(1.0)
    else:
        dt = 1 - t * t
    return (t, dt) if order == 1 else (t, dt, -2 * t * dt)


def _tanh_backward(grad: Tensor, s: Tensor, out: Tensor | None = None) -> Tensor:
    if plain_no_grad(grad) and plain_no_grad(s):
        return torch.ops.aten.tanh_backward.grad_input(grad, s, grad_input=grad if out is None else out)
    return grad * (1 - s * s)


def _sigmoid_backward(grad: Tensor, s: Tensor, out: Tensor | None = None) -> Tensor:
    if plain_no_grad(grad) and plain_no_grad(s):
        return torch.ops.aten.sigmoid_backward.grad_input(grad, s, grad_input=grad if out is None else out)
    return grad * (s * (1 - s))


#: closed forms chosen by structural equality: values, and (when σ' is a function of σ)
#: ``backward(g, σ(z)) = g ⊙ σ'(z)``, in place into ``g`` when nothing records
_FAST: list[tuple[sympy.Expr, Callable[..., tuple[Tensor, ...]], Callable[..., Tensor] | None]] = [
    (sympy.tanh(Z), _tanh_values, _tanh_backward),
    (1 / (1 + sympy.exp(-Z)), _sigmoid_values, _sigmoid_backward),
    (sympy.log(1 + sympy.exp(Z)), _softplus_values, None),
    (Z / (1 + sympy.exp(-Z)), _silu_values, None),
]


@dataclass(frozen=True)
class TorchActivation:
    """An activation and its first two derivatives as float torch functions.

    Attributes
    ----------
    name : str
        The activation's name.
    expr : sympy.Expr
        The sympy expression it was translated from.
    backward : callable or None
        ``backward(g, s, out=None)`` = ``g ⊙ σ'(z)`` from ``s = σ(z)`` alone (tanh:
        ``1 − s²``, sigmoid: ``s(1 − s)``; one fused pass, into ``out`` — default ``g``
        itself — when nothing records),
        so a kernel need not keep ``z``; ``None`` when σ' is not a function of σ.
    """

    name: str
    expr: sympy.Expr
    _values: Callable[..., tuple[Tensor, ...]]
    backward: Callable[..., Tensor] | None = None

    def values(self, z: Tensor, order: int = 1,
               out: tuple[Tensor, ...] | None = None) -> tuple[Tensor, ...]:
        """``(σ(z), σ'(z), …)`` up to derivative ``order`` (0, 1 or 2).

        ``out``: optional buffers shaped like ``z`` that some closed forms write into
        when nothing records gradients (the results may or may not be these buffers).
        """
        if order not in (0, 1, 2):
            raise ActivationError(f"derivative order must be 0, 1 or 2, got {order!r}")
        return self._values(z, order, out)

    def sigma(self, z: Tensor) -> Tensor:
        """``σ(z)``."""
        return self._values(z, 0)[0]

    def dsigma(self, z: Tensor) -> Tensor:
        """``σ'(z)``."""
        return self._values(z, 1)[1]

    def d2sigma(self, z: Tensor) -> Tensor:
        """``σ''(z)``."""
        return self._values(z, 2)[2]


@lru_cache(maxsize=256)
def _translate(name: str, expr: sympy.Expr) -> TorchActivation:
    for known, fn, backward in _FAST:
        if expr == known:
            return TorchActivation(name, expr, fn, backward)
    d1 = sympy.diff(expr, Z)
    d2 = sympy.diff(d1, Z)
    fns = {k: to_torch([expr, d1, d2][: k + 1], Z) for k in (0, 1, 2)}
    return TorchActivation(name, expr, lambda z, order, out=None: fns[order](z))


def torch_activation(activation: Activation | str) -> TorchActivation:
    """Translate an activation (or a name / expression string) to torch.

    Results are cached by ``(name, expression)``.
    """
    act = get_activation(activation) if isinstance(activation, str) else activation
    return _translate(act.name, act.expr)
