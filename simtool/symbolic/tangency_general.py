r"""Exact tangency test for any fully-connected architecture (math.md §2).

``S`` is a SIM iff every normal component ``n·∇_θ f(θ, x)`` vanishes for ``θ ∈ S`` and
all ``x``.  As in :mod:`simtool.symbolic.tangency` (the two-layer version, whose
atoms are sums over units) there are three stages, here for any depth:

1. **Formal in σ.**  ``∇f`` is built by symbolic back-propagation with every
   activation replaced by an *undefined* function ``s_l`` and its derivative by an
   undefined ``ds_l``, normalised only with σ_l's proved parity (odd:
   ``s(−u) = −s(u)``, ``s(0) = 0``, ``ds(−u) = ds(u)``; even: ``s(−u) = s(u)``,
   ``ds(−u) = −ds(u)``, ``ds(0) = 0``; odd up to a constant:
   ``s(−u) = 2σ(0) − s(u)``).  The parametrisation of ``S`` is substituted and each
   residual expanded; if all vanish, the identity holds for *every* activation with
   those parities, in particular for σ: **proved**.
2. **Concrete σ**: the residuals left are rebuilt with the actual σ and simplified.
3. **Refutation**: a rational ``θ ∈ S`` and rational ``x`` with a provably non-zero
   residual.  Otherwise **undecided**.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> from simtool.symbolic.subspace import Subspace
>>> net = DeepNet((2, 2), get_activation("tanh"))
>>> i, j = net.index("b1_1"), net.index("b1_2")
>>> prove_invariant_any(net, Subspace.from_equations(net.dim, [{i: 1, j: -1}])).status   # b1_1 = b1_2 alone
'refuted'
"""

from __future__ import annotations

import functools
from fractions import Fraction

import sympy

from ..verdict import PROVED, REFUTED, UNDECIDED, Verdict
from .activation import Activation, Parity
from .architecture import Network, Role
from .subspace import Subspace, linear_form_text
from .zero import is_identically_zero, refute_at_rationals

__all__ = ["prove_invariant_any", "formal_gradient", "point_on"]


@functools.lru_cache(maxsize=64)
def _formal(name: str, parity: Parity, sigma0: sympy.Expr | None) -> type[sympy.Function]:
    """An undefined function normalised only by ``parity`` (see the module docstring)."""

    def eval_(cls, arg):
        if parity is Parity.ODD:
            if arg.is_zero:
                return sympy.Integer(0)
            if arg.could_extract_minus_sign():
                return -cls(-arg)
        elif parity is Parity.EVEN:
            if arg.could_extract_minus_sign():
                return cls(-arg)
        elif parity is Parity.ODD_PLUS_CONST and sigma0 is not None:
            if arg.is_zero:
                return sigma0
            if arg.could_extract_minus_sign():
                return 2 * sigma0 - cls(-arg)
        return None

    return type(name, (sympy.Function,), {"eval": classmethod(eval_), "is_real": True})


def _derivative_parity(p: Parity) -> Parity:
    return {Parity.ODD: Parity.EVEN, Parity.EVEN: Parity.ODD,
            Parity.ODD_PLUS_CONST: Parity.EVEN}.get(p, Parity.NONE)


def _formal_pair(l: int, act: Activation):
    p = act.parity
    s = _formal(f"s{l}", p, act.sigma0 if p is Parity.ODD_PLUS_CONST else None)
    dp = _derivative_parity(p)
    ds = _formal(f"ds{l}", dp, None)
    if dp is Parity.ODD:  # σ' odd ⇒ σ'(0) = 0 is covered by the ODD rule
        pass
    return s, ds


def formal_gradient(net: Network, theta, x=None) -> list[sympy.Expr]:
    """``∇_θ f`` at ``theta`` by back-propagation with formal activations (stage 1)."""
    where = {r: i for i, r in enumerate(net.roles)}
    lw = net.layer_widths
    depth = len(lw) - 1
    xs = net.x_symbols if x is None else x
    pairs = [_formal_pair(l, a) for l, a in enumerate(net.activations, start=1)]
    hs = [list(xs)]
    zs: list[list[sympy.Expr]] = [[]]
    for l in range(1, depth):
        z = []
        for i in range(1, lw[l] + 1):
            terms = [theta[where[Role(l, "weight", i, j)]] * hs[-1][j - 1] for j in range(1, lw[l - 1] + 1)]
            b = where.get(Role(l, "bias", i, None))
            if b is not None:
                terms.append(theta[b])
            z.append(sympy.Add(*terms))
        zs.append(z)
        hs.append([pairs[l - 1][0](u) for u in z])
    grad: list[sympy.Expr] = [sympy.Integer(0)] * net.dim
    dh = []
    for j in range(1, lw[depth - 1] + 1):
        grad[where[Role(depth, "weight", 1, j)]] = hs[depth - 1][j - 1]
        dh.append(theta[where[Role(depth, "weight", 1, j)]])
    c = where.get(Role(depth, "bias", 1, None))
    if c is not None:
        grad[c] = sympy.Integer(1)
    for l in range(depth - 1, 0, -1):
        ds = pairs[l - 1][1]
        dz = [ds(zs[l][i - 1]) * dh[i - 1] for i in range(1, lw[l] + 1)]
        for i in range(1, lw[l] + 1):
            for j in range(1, lw[l - 1] + 1):
                grad[where[Role(l, "weight", i, j)]] = dz[i - 1] * hs[l - 1][j - 1]
            b = where.get(Role(l, "bias", i, None))
            if b is not None:
                grad[b] = dz[i - 1]
        if l > 1:
            dh = [sympy.Add(*[theta[where[Role(l, "weight", i, j)]] * dz[i - 1] for i in range(1, lw[l] + 1)])
                  for j in range(1, lw[l - 1] + 1)]
    return grad


def point_on(net: Network, S: Subspace) -> list[sympy.Expr]:
    """The generic point of ``S`` in the free symbols (coordinates as sympy expressions)."""
    th = net.symbols
    zero = sympy.Integer(0)
    return [sum((sympy.Rational(c.numerator, c.denominator) * th[j] for j, c in form.items()), zero)
            for form in S.parametrization]


def _residual(row, grad) -> sympy.Expr:
    return sympy.Add(*[sympy.Rational(n.numerator, n.denominator) * grad[i] for i, n in row])


def prove_invariant_any(net: Network, S: Subspace, *, concrete: bool = True) -> Verdict:
    """Decide exactly whether ``S`` is invariant under every gradient flow of ``net``."""
    if S.ambient != net.dim:
        raise ValueError(f"subspace lives in R^{S.ambient}, the network has {net.dim} parameters")
    on_S = point_on(net, S)
    grad = formal_gradient(net, on_S)
    bad = []
    for r, row in enumerate(S.equations):
        e = _residual(row, grad)
        if e != 0 and sympy.expand(e) != 0:
            bad.append(r)
    parities = ", ".join(sorted({a.parity.value for a in net.activations}))
    if not bad:
        return Verdict(PROVED, f"exact tangency: all {S.codim} normal components of ∇f vanish on S identically "
                       f"in σ (using only that σ is {parities})" + _caveat(net))
    if not concrete:
        return Verdict(UNDECIDED, f"{len(bad)} normal component(s) do not cancel formally in σ")
    th = net.symbols
    f = net.function()
    residuals = [(r, sympy.Add(*[sympy.Rational(n.numerator, n.denominator) * sympy.diff(f, th[i])
                                 for i, n in S.equations[r]]).xreplace(dict(zip(th, on_S)))) for r in bad]
    # refutation first: a certified non-zero value at a rational point is cheap and final
    for r, e in residuals:
        found = refute_at_rationals(e, sorted(e.free_symbols, key=lambda s: s.name), tries=6)
        if found is not None:
            point, value = found
            theta = S.point([Fraction(str(point.get(th[j], 0))) for j in S.free])
            ce = {
                "theta": {n: str(v) for n, v in zip(net.names, theta)},
                "x": {str(s): str(point.get(s, 0)) for s in net.x_symbols},
                "equation": linear_form_text(net.names, S.equations[r]) + " = 0",
                "normal_component": str(value),
            }
            return Verdict(REFUTED, f"∇f leaves S: the component along ({ce['equation']}) is {value} ≠ 0 at a "
                           "rational point of S", ce)
    open_rows = [(r, e) for r, e in residuals if not is_identically_zero(e)]
    if not open_rows:
        return Verdict(PROVED, "exact tangency with the concrete σ: every normal component of ∇f simplifies to 0 "
                       "on S" + _caveat(net))
    return Verdict(UNDECIDED, f"{len(open_rows)} normal component(s) neither simplified to 0 nor refuted "
                   "at rational points")


def _caveat(net: Network) -> str:
    bad = [a.name for a in net.activations if not a.analytic]
    if not bad:
        return ""
    return f"; caveat: σ = {', '.join(sorted(set(bad)))} is not analytic, the flow may be non-unique at kinks"
