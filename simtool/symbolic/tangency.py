r"""Exact tangency test: prove or refute that a linear subspace is a SIM (math.md §2).

A subspace ``S`` is invariant under gradient flow *for every data set and loss* iff
every per-sample field ``∇_θ f(·, x)`` is tangent to ``S``: for ``θ ∈ S`` and all
``x``, ``n · ∇_θ f(θ, x) = 0`` for every row ``n`` of ``S``'s equations (which span
``S^⊥``).  This module decides it exactly, in three stages:

1. **Formal in σ** (fast): substitute the parametrisation of ``S`` and expand every
   residual ``n · ∇f`` as a polynomial in ``θ``'s free coordinates and ``x`` whose
   coefficients are *atoms* ``σ(L)`` and ``σ'(L)`` for linear forms ``L``.  Atoms are
   normalised only with the *proved* parity of σ (``σ(−L) = −σ(L)`` for odd σ, …).
   If every residual collects to the empty polynomial, the identity holds for *every*
   function with that parity, in particular for σ: **proved**.
2. **Concrete σ** (sympy): the residuals that stage 1 could not cancel are rebuilt with
   the actual σ and simplified; all 0 ⇒ **proved**.
3. **Refutation**: a rational point ``θ ∈ S``, rational ``x`` where a residual is
   provably non-zero ⇒ **refuted**, reported with that point.  Otherwise
   **inconclusive** (``Status.UNDECIDED`` is its alias): a floating-point check may
   suggest an answer but never proves one.

Rank drop is not invariance (math.md §2): on ``{a_k = 0}`` the ``w_k`` gradient
vanishes, yet ``∂f/∂a_k = σ(w_k·x + b_k)`` is not tangent, and stage 3 refutes it.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> from simtool.symbolic.subspace import Subspace
>>> net = TwoLayerNet(2, get_activation("tanh"))
>>> cond = Subspace.from_equations(6, [{0: 1, 3: -1}, {1: 1, 4: -1}, {2: 1, 5: -1}])
>>> prove_invariant(net, cond).status
'proved'
>>> prove_invariant(net, Subspace.from_equations(6, [{0: 1}])).status      # {a1 = 0}
'refuted'
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import sympy

from ..verdict import PROVED, REFUTED, UNDECIDED, Verdict
from .activation import Parity
from .network import TwoLayerNet
from .subspace import Subspace, linear_form_text
from .zero import is_identically_zero, refute_at_rationals

__all__ = ["formal_residuals", "concrete_residuals", "prove_invariant"]

Atom = tuple[str, tuple]
Poly = dict[tuple[Atom, tuple[int, ...]], Fraction]


def _atom(fn: str, form: dict[tuple[int, ...], Fraction], parity: Parity) -> list[tuple[Fraction, Atom]]:
    """``fn(L)`` (``fn`` = "s" for σ, "ds" for σ') normalised with the proved parity."""
    key = tuple(sorted((m, c) for m, c in form.items() if c))
    one = Fraction(1)
    if not key:
        if (fn == "s" and parity is Parity.ODD) or (fn == "ds" and parity is Parity.EVEN):
            return []  # σ(0) = 0 for odd σ, σ'(0) = 0 for even σ
        return [(one, (fn, ()))]
    if key[0][1] > 0 or parity is Parity.NONE:
        return [(one, (fn, key))]
    neg = tuple((m, -c) for m, c in key)
    if parity is Parity.ODD:
        return [(-one if fn == "s" else one, (fn, neg))]
    if parity is Parity.EVEN:
        return [(one if fn == "s" else -one, (fn, neg))]
    # odd up to a constant: σ(−u) = 2σ(0) − σ(u), σ'(−u) = σ'(u)
    if fn == "s":
        return [(Fraction(2), ("s", ())), (-one, ("s", neg))]
    return [(one, ("ds", neg))]


def formal_residuals(net: TwoLayerNet, S: Subspace, parity: Parity | None = None) -> list[tuple[int, Poly]]:
    """Stage 1: the residual ``n·∇f`` of each equation row, formal in σ.

    Returns the ``(row index, polynomial)`` pairs whose polynomial did not cancel.
    Variables: free coordinate ``j`` of ``S`` is ``j``, input ``x_i`` is ``D + i``.
    """
    if S.ambient != net.dim:
        raise ValueError(f"subspace lives in R^{S.ambient}, the network has {net.dim} parameters")
    parity = net.activation.parity if parity is None else parity
    D = net.dim
    forms = S.parametrization
    unit_of: dict[int, int] = {}
    for k in range(1, net.width + 1):
        for i in net.unit_indices(k):
            unit_of[i] = k

    cache: dict[int, list[tuple[Fraction, tuple[Atom, tuple[int, ...]]]]] = {}

    def grad(i: int):
        """∇f component i as a list of (coef, (atom, monomial))."""
        if i in cache:
            return cache[i]
        out: list = []
        if i == net.c_index:
            out = [(Fraction(1), (("1", ()), ()))]
        else:
            k = unit_of[i]
            z: dict[tuple[int, ...], Fraction] = defaultdict(Fraction)
            for xi, wi in enumerate(net.w_indices(k)):
                for j, c in forms[wi].items():
                    z[(j, D + xi)] += c
            b = net.b_index(k)
            if b is not None:
                for j, c in forms[b].items():
                    z[(j,)] += c
            a = net.a_index(k)
            if i == a:
                out = [(c, (atom, ())) for c, atom in _atom("s", z, parity)]
            else:
                xmono = (D + (i - a - 1),) if i != b else ()
                for c_at, atom in _atom("ds", z, parity):
                    for j, c in forms[a].items():
                        out.append((c_at * c, (atom, tuple(sorted((j,) + xmono)))))
        cache[i] = out
        return out

    bad = []
    for r, row in enumerate(S.equations):
        poly: dict = defaultdict(Fraction)
        for i, n in row:
            for c, term in grad(i):
                poly[term] += n * c
        poly = {t: c for t, c in poly.items() if c}
        if poly:
            bad.append((r, poly))
    return bad


def concrete_residuals(net: TwoLayerNet, S: Subspace, rows: list[int] | None = None) -> list[sympy.Expr]:
    """Stage 2 (and the brute-force oracle): residuals ``n·∇f`` with the actual σ (sympy)."""
    th = net.symbols
    f = net.function()
    zero = sympy.Integer(0)
    sub = {th[i]: sum((c * th[j] for j, c in form.items()), zero) for i, form in enumerate(S.parametrization)}
    rows = range(len(S.equations)) if rows is None else rows
    out = []
    for r in rows:
        expr = sum((sympy.Rational(n.numerator, n.denominator) * sympy.diff(f, th[i]) for i, n in S.equations[r]), zero)
        out.append(expr.xreplace(sub))
    return out


def prove_invariant(net: TwoLayerNet, S: Subspace, *, concrete: bool = True) -> Verdict:
    """Decide exactly whether ``S`` is invariant under every gradient flow of ``net``."""
    bad = formal_residuals(net, S)
    parity = net.activation.parity
    if not bad:
        return Verdict(PROVED, f"exact tangency: all {S.codim} normal components of ∇f vanish on S "
                       f"identically in σ (using only that σ is {parity.value})" + _smooth_caveat(net))
    if not concrete:
        return Verdict(UNDECIDED, f"{len(bad)} normal component(s) do not cancel formally in σ")
    rows = [r for r, _ in bad]
    residuals = concrete_residuals(net, S, rows)
    open_rows = [(r, e) for r, e in zip(rows, residuals) if not is_identically_zero(e)]
    if not open_rows:
        return Verdict(PROVED, f"exact tangency with σ = {net.activation.expr}: every normal component "
                       "of ∇f simplifies to 0 on S" + _smooth_caveat(net))
    for r, expr in open_rows:
        symbols = sorted(expr.free_symbols, key=lambda s: s.name)
        found = refute_at_rationals(expr, symbols)
        if found is not None:
            point, value = found
            theta = S.point([point.get(net.symbols[j], 0) for j in S.free])
            ce = {
                "theta": {n: str(v) for n, v in zip(net.names, theta)},
                "x": {str(s): str(point.get(s, 0)) for s in net.x_symbols},
                "equation": _row_text(net, S.equations[r]),
                "normal_component": str(value),
            }
            return Verdict(REFUTED, f"∇f leaves S: the component along ({ce['equation']}) is "
                           f"{value} ≠ 0 at a rational point of S", ce)
    return Verdict(UNDECIDED, f"{len(open_rows)} normal component(s) neither simplified to 0 "
                   "nor refuted at rational points")


def _smooth_caveat(net: TwoLayerNet) -> str:
    if net.activation.analytic:
        return ""
    return f"; caveat: σ = {net.activation.name} is not analytic, the flow may be non-unique at kinks"


def _row_text(net: TwoLayerNet, row) -> str:
    return linear_form_text(net.names, row) + " = 0"
