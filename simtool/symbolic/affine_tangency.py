r"""Exact tangency test for *affine* subspaces ``S = θ₀ + V`` (math.md §2, extended).

``S`` is invariant under every gradient flow (every loss, every data set) iff every
per-sample field is tangent to it: ``n·∇_θ f(θ, x) = 0`` for every equation row ``n``
of ``V``, every ``θ ∈ S`` and every ``x``.  This is the test of
:mod:`simtool.symbolic.tangency` with the parametrisation ``θ = θ₀ + Σ_j t_j v_j``:

1. linear ``S``: the formal stage of :func:`~simtool.symbolic.tangency.formal_residuals`
   (two-layer nets, identically in σ of its parity) or main's generic
   :func:`~simtool.symbolic.tangency_general.prove_invariant_any` (any other network);
2. the rows left over, with the actual σ: a cheap exact refutation is tried first (a
   rational ``t``, rational ``x`` where the component is *provably* non-zero, so the
   point ``θ = θ₀ + V t`` is exact, e.g. with ``b1 = π/2``), then sympy simplification to 0;
3. otherwise **undecided**.

Works for any network object with ``names``, ``symbols``, ``x_symbols``, ``function()``.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> from simtool.symbolic.relations import parse_relations
>>> net = TwoLayerNet(2, get_activation("sin"))
>>> decide_tangency(net, parse_relations(net, "w1 = 0, b1 = pi/2")).status
'proved'
>>> decide_tangency(net, parse_relations(net, "w1 = 0, b1 = 1")).status
'refuted'
"""

from __future__ import annotations

import sympy

from ..verdict import PROVED, REFUTED, UNDECIDED, Verdict
from .affine import AffineSubspace
from .network import TwoLayerNet
from .subspace import linear_form_text
from .tangency import formal_residuals
from .zero import is_identically_zero, refute_at_rationals

__all__ = ["decide_tangency", "normal_residuals"]


def normal_residuals(net, S: AffineSubspace, rows=None) -> list[sympy.Expr]:
    """``n_r·∇f`` on ``S`` with the actual σ, for the given equation rows (all by default)."""
    th = net.symbols
    f = net.function()
    sub = S.substitution(th)
    zero = sympy.Integer(0)
    rows = range(S.codim) if rows is None else rows
    grads: dict[int, sympy.Expr] = {}
    out = []
    for r in rows:
        expr = zero
        for i, n in S.linear.equations[r]:
            if i not in grads:
                grads[i] = sympy.diff(f, th[i]).xreplace(sub)
            expr += sympy.Rational(n.numerator, n.denominator) * grads[i]
        out.append(expr)
    return out


def decide_tangency(net, S: AffineSubspace) -> Verdict:
    """Prove or refute, exactly, that the affine subspace ``S`` is invariant."""
    if S.ambient != net.dim:
        raise ValueError(f"subspace lives in R^{S.ambient}, the network has {net.dim} parameters")
    rows = list(range(S.codim))
    if S.is_linear and isinstance(net, TwoLayerNet):
        bad = formal_residuals(net, S.linear)
        if not bad:
            return Verdict(PROVED, f"exact tangency: all {S.codim} normal components of ∇f vanish on S "
                           f"identically in σ (using only that σ is {net.activation.parity.value})"
                           + _caveat(net))
        rows = [r for r, _ in bad]
    elif S.is_linear:  # any other network: main's generic test (formal back-propagation first)
        from .tangency_general import prove_invariant_any

        return prove_invariant_any(net, S.linear)
    residuals = normal_residuals(net, S, rows)
    open_rows = []
    for r, expr in zip(rows, residuals):
        expr = sympy.expand(expr)
        if expr == 0:
            continue
        refuted = _refute(net, S, r, expr)
        if refuted is not None:
            return refuted
        open_rows.append((r, expr))
    if all(is_identically_zero(e) for _, e in open_rows):
        where = "on the affine S = θ₀ + V" if not S.is_linear else "on S"
        return Verdict(PROVED, f"exact tangency with σ = {_sigma(net)}: every normal component of ∇f "
                       f"simplifies to 0 {where}" + _caveat(net))
    return Verdict(UNDECIDED, f"{len(open_rows)} normal component(s) neither simplified to 0 nor refuted "
                   "at exact points")


def _refute(net, S: AffineSubspace, r: int, expr: sympy.Expr) -> Verdict | None:
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    found = refute_at_rationals(expr, symbols)
    if found is None:
        return None
    point, value = found
    theta = S.point([point.get(net.symbols[j], 0) for j in S.free])
    eq = linear_form_text(net.names, S.linear.equations[r])
    ce = {
        "theta": {n: str(v) for n, v in zip(net.names, theta)},
        "x": {str(s): str(point.get(s, 0)) for s in net.x_symbols},
        "equation": eq,
        "normal_component": str(value),
    }
    return Verdict(REFUTED, f"∇f leaves S: the component along ({eq}) is {value} ≠ 0 at an exact point "
                   "of S", ce)


def _sigma(net) -> str:
    acts = net.activations
    return ", ".join(str(a.expr) for a in acts)


def _caveat(net) -> str:
    acts = net.activations
    bad = [a.name for a in acts if not a.analytic]
    return f"; caveat: σ = {', '.join(bad)} is not analytic, the flow may be non-unique at kinks" if bad else ""
