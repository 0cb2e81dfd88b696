r"""Exact tangency test on a traced graph, per output component (math.md §2).

``S`` is invariant for every loss of the vector output iff ``n · ∇_θ f_k = 0`` on ``S``
for every equation row ``n`` and every output ``k``.  Stage 1 is formal in σ: the
gradient is back-propagated through the graph with *undefined* functions ``σ``, ``σ'``
normalised only by σ's *proved* parity (``σ(−u) = −σ(u)`` for odd σ, …); if every
residual expands to 0 the identity holds for every σ of that parity: **proved**.
Stage 2 looks for a rational point where a residual with the concrete σ is provably
non-zero: **refuted**.  Otherwise **undecided**.
"""

from __future__ import annotations

import functools

import sympy

from ..symbolic.activation import Parity
from ..symbolic.subspace import Subspace, linear_form_text
from ..symbolic.tangency_general import point_on
from ..symbolic.zero import refute_at_rationals
from ..verdict import PROVED, REFUTED, UNDECIDED, Verdict
from .traced_net import TracedNet

__all__ = ["traced_tangency", "formal_gradients"]


@functools.cache
def _formal(name: str, parity: Parity) -> type[sympy.Function]:
    sigma0 = sympy.Symbol(f"{name}_0")

    def eval_(cls, arg):
        if arg.could_extract_minus_sign():
            if parity is Parity.ODD:
                return -cls(-arg)
            if parity is Parity.EVEN:
                return cls(-arg)
            if parity is Parity.ODD_PLUS_CONST:
                return 2 * sigma0 - cls(-arg)
        if arg == 0 and parity is Parity.ODD:
            return sympy.Integer(0)
        return None

    return type(name, (sympy.Function,), {"eval": classmethod(eval_)})


def _pair(name: str, parity: Parity):
    dparity = {Parity.ODD: Parity.EVEN, Parity.EVEN: Parity.ODD,
               Parity.ODD_PLUS_CONST: Parity.EVEN}.get(parity, Parity.NONE)
    return _formal(f"S_{name}", parity), _formal(f"dS_{name}", dparity)


def formal_gradients(net: TracedNet, theta) -> list[list[sympy.Expr]]:
    """``∇_θ f_k`` for each output ``k`` at ``theta`` (reverse mode, formal σ)."""
    g = net.graph
    pairs = {n: _pair(n, a.parity) for n, a in g.activations.items()}
    val: list = [None] * len(g.vertices)
    for k, v in enumerate(g.inputs):
        val[v] = net.x_symbols[k]
    for v, vert in enumerate(g.vertices):
        if vert.kind == "affine":
            k, i = g.use_of[v]
            u = g.uses[k]
            terms = [theta[g.entry(u, i, j)] * val[s] for j, s in enumerate(u.inputs)]
            if vert.bias is not None:
                terms.append(theta[vert.bias])
            val[v] = sympy.Add(*terms)
        elif vert.kind == "act":
            val[v] = pairs[vert.activation][0](val[vert.sources[0]])
        elif vert.kind == "add":
            val[v] = sympy.Add(*[val[s] for s in vert.sources])
        elif vert.kind == "scale":
            val[v] = sympy.Rational(vert.scale.numerator, vert.scale.denominator) * val[vert.sources[0]]
        elif vert.kind == "output":
            val[v] = val[vert.sources[0]]
    out = []
    for o in g.outputs:
        adj: list = [sympy.Integer(0)] * len(g.vertices)
        adj[o] = sympy.Integer(1)
        grad: list = [sympy.Integer(0)] * net.dim
        for v in range(len(g.vertices) - 1, -1, -1):
            a = adj[v]
            if a == 0:
                continue
            vert = g.vertices[v]
            if vert.kind == "affine":
                k, i = g.use_of[v]
                u = g.uses[k]
                for j, s in enumerate(u.inputs):
                    e = g.entry(u, i, j)
                    grad[e] = grad[e] + a * val[s]
                    adj[s] = adj[s] + a * theta[e]
                if vert.bias is not None:
                    grad[vert.bias] = grad[vert.bias] + a
            elif vert.kind == "act":
                s = vert.sources[0]
                adj[s] = adj[s] + pairs[vert.activation][1](val[s]) * a
            elif vert.kind == "scale":
                adj[vert.sources[0]] += sympy.Rational(vert.scale.numerator, vert.scale.denominator) * a
            elif vert.kind in ("add", "output"):
                for s in vert.sources:
                    adj[s] = adj[s] + a
        out.append(grad)
    return out


def traced_tangency(net: TracedNet, S: Subspace) -> Verdict:
    """Decide exactly whether ``S`` is invariant (every output component)."""
    on_S = point_on(net, S)
    grads = formal_gradients(net, on_S)
    open_rows = []
    for k, grad in enumerate(grads):
        for row in S.equations:
            e = sympy.Add(*[sympy.Rational(c.numerator, c.denominator) * grad[i] for i, c in row])
            if e != 0 and sympy.expand(e) != 0:
                open_rows.append((k, row))
    if not open_rows:
        parities = ", ".join(sorted({a.parity.value for a in net.graph.activations.values()}))
        return Verdict(PROVED, f"exact tangency: all {S.codim} normal components of ∇f_k vanish on S for each of "
                       f"the {len(grads)} output(s), identically in σ (using only that σ is {parities})")
    th = net.symbols
    subs = dict(zip(th, on_S))
    outs = net.outputs()
    for k, row in open_rows[:4]:
        e = sympy.Add(*[sympy.Rational(c.numerator, c.denominator) * sympy.diff(outs[k], th[i])
                        for i, c in row]).xreplace(subs)
        found = refute_at_rationals(e, sorted(e.free_symbols, key=lambda s: s.name), tries=4)
        if found is not None:
            return Verdict(REFUTED, f"∇f_{k + 1} leaves S along ({linear_form_text(net.names, row)} = 0): "
                           f"{found[1]} ≠ 0 at a rational point")
    return Verdict(UNDECIDED, f"{len(open_rows)} normal component(s) neither cancelled formally nor were refuted")
