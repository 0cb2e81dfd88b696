r"""The general reduction of a SIM to a narrower network (math.md §5, "General form").

Let ``S`` be a linear subspace of a fully-connected network's parameter space.  Layer
by layer, neurons that compute **the same function on S** are merged: neuron ``i`` of
layer ``l`` has the *effective* incoming vector

.. math:: \big(\textstyle\sum_{j\in J} s_j\,W_l[i, j]\big)_{J} \;\text{and}\; b_l[i],

summed over the classes ``J`` of layer ``l−1`` (``s_j`` the sign of ``h_j`` relative to
its class), each entry a linear form on ``S``.  Equal effective vectors give equal
outputs; a negated one gives ``h_{i'} = −h_i`` for odd σ and ``h_{i'} = h_i`` for even
σ.  A neuron whose effective vector vanishes on ``S`` outputs the constant ``σ(0)``:
it is dropped when ``σ(0) = 0``, and all such neurons of a layer merge into one
*inactive* narrow neuron (incoming weights frozen at 0) otherwise.  This is exact
(the equalities are of linear forms on ``S``), and it finds neurons that compute the
same function although their parameters differ (math.md §5 example).

The result: a narrow network ``f̃`` of the same family, a linear map ``P`` with
``f(θ) = f̃(Pθ)`` for ``θ ∈ S``, the exact metric ``M = P Π_S Pᵀ`` (rational, possibly
non-diagonal), the **fiber** ``ker P ∩ S`` (rows ``v`` with ``v·θ`` conserved by the
flow on a SIM, since ``v·θ' = −v·Π_S Pᵀ∇R̃ = −(Pv)·∇R̃ = 0``), and a lift ``L`` into
``S`` with ``P L = I`` on the narrow coordinates that are not frozen.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> from simtool.symbolic.signed_partition import SignedPartition
>>> from simtool.symbolic.group import neuron_permutation
>>> net = DeepNet((2, 2), get_activation("tanh"), output_bias=True)
>>> g = neuron_permutation(net, 1, {1: 2, 2: 1}) * neuron_permutation(net, 2, {1: 2, 2: 1})
>>> S = SignedPartition.fix(g).subspace()          # the diagonal swap of math.md §5
>>> red = reduce_subspace(net, S)
>>> S.dim, red.narrow.widths, len(red.fiber)
(7, (1, 1), 1)
>>> red.merged["w~2_1_1"], red.fiber_text()
('w2_1_1 + w2_1_2', ['w2_1_1 − w2_1_2'])
>>> red.verify()
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from .activation import Parity
from .architecture import Network, Role
from .reduction import NamedReduction
from .subspace import Subspace, linear_form_text
from .zero import is_identically_zero

__all__ = ["Reduction", "GeneralReduction", "reduce_subspace", "NeuronClass"]

Form = tuple[tuple[int, Fraction], ...]  # sparse linear form in the free coordinates of S


@dataclass(frozen=True)
class NeuronClass:
    """Neurons of one layer that compute the same function on ``S``."""

    layer: int
    members: tuple[int, ...]
    #: sign of each member's output relative to the first member's
    signs: tuple[int, ...]
    #: "live", "inactive" (constant σ(0) ≠ 0) or "zero" (σ(0) = 0: dropped)
    kind: str = "live"
    #: members whose raw incoming parameters differ from the first member's (up to sign)
    mirrored: bool = False


def _add(a: dict[int, Fraction], form: dict[int, Fraction], c: int | Fraction) -> None:
    for j, v in form.items():
        nv = a.get(j, Fraction(0)) + c * v
        if nv:
            a[j] = nv
        else:
            a.pop(j, None)


def _neg(form: Form) -> Form:
    return tuple((j, -v) for j, v in form)


def _classes(net: Network, S: Subspace) -> list[list[NeuronClass]]:
    """Neuron classes of every hidden layer (the core of the reduction)."""
    forms = S.parametrization
    where = {r: i for i, r in enumerate(net.roles)}
    lw = net.layer_widths
    prev: list[tuple[list[int], list[int]]] = [([j], [1]) for j in range(1, lw[0] + 1)]  # inputs
    out: list[list[NeuronClass]] = []
    for l in range(1, len(lw) - 1):
        parity = net.activations[l - 1].parity
        sigma0 = net.activations[l - 1].sigma0
        keyed: dict[tuple, list[tuple[int, int]]] = {}
        raw: dict[int, tuple] = {}
        inactive: list[int] = []
        for i in range(1, lw[l] + 1):
            vec: list[Form] = []
            for members, signs in prev:
                acc: dict[int, Fraction] = {}
                for j, s in zip(members, signs):
                    _add(acc, forms[where[Role(l, "weight", i, j)]], s)
                vec.append(tuple(sorted(acc.items())))
            b = where.get(Role(l, "bias", i, None))
            vec.append(tuple(sorted(forms[b].items())) if b is not None else ())
            raw[i] = tuple(tuple(sorted(forms[where[r]].items())) for r in net.roles
                           if r.layer == l and r.neuron == i)
            key = tuple(vec)
            if not any(key):
                inactive.append(i)
                continue
            sign = 1
            if parity in (Parity.ODD, Parity.EVEN):
                first = next(f for f in key if f)
                if first[0][1] < 0:
                    key = tuple(_neg(f) for f in key)
                    sign = -1
            keyed.setdefault(key, []).append((i, sign))
        layer_classes = []
        for members in keyed.values():
            s0 = members[0][1]
            rel = [s * s0 for _, s in members]
            out_signs = tuple(r if parity is Parity.ODD else 1 for r in rel)
            base = raw[members[0][0]]
            mirrored = any(raw[i] != (base if r == 1 else tuple(_neg(f) for f in base))
                           for (i, _), r in zip(members, rel))
            layer_classes.append(NeuronClass(l, tuple(i for i, _ in members), out_signs, "live", mirrored))
        if inactive:
            kind = "zero" if sigma0 == 0 else "inactive"
            layer_classes.append(NeuronClass(l, tuple(inactive), (1,) * len(inactive), kind))
        layer_classes.sort(key=lambda c: (c.kind == "zero", c.kind == "inactive", c.members))
        out.append(layer_classes)
        prev = [(list(c.members), list(c.signs)) for c in layer_classes if c.kind != "zero"]
    return out


@dataclass(frozen=True, eq=False)
class Reduction(NamedReduction):
    """Narrow network, ``P``, ``M = P Π_S Pᵀ``, fiber and lift of a subspace (module docstring)."""

    wide: Network
    subspace: Subspace
    narrow: Network
    project: tuple[tuple[Fraction, ...], ...]
    frozen: tuple[int, ...]
    classes: tuple[tuple[NeuronClass, ...], ...]

    @cached_property
    def _basis(self) -> DomainMatrix:
        B = self.subspace.basis()
        D = self.wide.dim
        if not B:
            return DomainMatrix.zeros((D, 0), QQ)
        return DomainMatrix([[QQ(B[k][i].numerator, B[k][i].denominator) for k in range(len(B))]
                             for i in range(D)], (D, len(B)), QQ)

    @cached_property
    def _P(self) -> DomainMatrix:
        Dn, D = len(self.project), self.wide.dim
        return DomainMatrix([[QQ(v.numerator, v.denominator) for v in row] for row in self.project], (Dn, D), QQ)

    @cached_property
    def metric_matrix(self) -> tuple[tuple[Fraction, ...], ...]:
        """``M = P Π_S Pᵀ = (PB)(BᵀB)⁻¹(PB)ᵀ`` exactly (``B`` a basis of ``S``)."""
        B, P = self._basis, self._P
        Dn = P.shape[0]
        if B.shape[1] == 0:
            return tuple(tuple(Fraction(0) for _ in range(Dn)) for _ in range(Dn))
        PB = P * B
        G = (B.transpose() * B).inv()
        M = (PB * G * PB.transpose()).to_Matrix()
        return tuple(tuple(Fraction(int(M[r, c].p), int(M[r, c].q)) for c in range(Dn)) for r in range(Dn))

    @property
    def is_diagonal(self) -> bool:
        M = self.metric_matrix
        return all(M[r][c] == 0 for r in range(len(M)) for c in range(len(M)) if r != c)

    @property
    def metric(self) -> tuple[Fraction, ...]:
        """The diagonal of ``M`` (the whole metric when :attr:`is_diagonal`)."""
        return tuple(self.metric_matrix[i][i] for i in range(len(self.metric_matrix)))

    @cached_property
    def fiber(self) -> tuple[tuple[Fraction, ...], ...]:
        """Rows ``v ∈ ker P ∩ S``: the linear quantities ``v·θ`` the flow on ``S`` conserves."""
        B, P = self._basis, self._P
        if B.shape[1] == 0:
            return ()
        null = (P * B).to_Matrix().nullspace()
        Bm = B.to_Matrix()
        out = []
        for c in null:
            v = Bm * c
            den = sympy.ilcm(*[sympy.fraction(x)[1] for x in v]) if len(v) else 1
            v = v * den
            nz = [abs(int(x)) for x in v if x != 0]
            g = functools.reduce(math.gcd, nz, 0) or 1
            out.append(tuple(Fraction(int(x) // int(g)) for x in v))
        return tuple(out)

    @cached_property
    def lift(self) -> tuple[tuple[Fraction, ...], ...]:
        """``L = B (PB)ᵀ ((PB)(PB)ᵀ)⁻¹`` on the live narrow coordinates (zero columns for frozen)."""
        B, P = self._basis, self._P
        D, Dn = self.wide.dim, P.shape[0]
        live = [r for r in range(Dn) if r not in set(self.frozen)]
        cols = [[Fraction(0)] * Dn for _ in range(D)]
        if live and B.shape[1]:
            Pl = DomainMatrix([[QQ(self.project[r][c].numerator, self.project[r][c].denominator)
                               for c in range(D)] for r in live], (len(live), D), QQ)
            PB = Pl * B
            L = (B * PB.transpose() * (PB * PB.transpose()).inv()).to_Matrix()
            for k, r in enumerate(live):
                for i in range(D):
                    cols[i][r] = Fraction(int(L[i, k].p), int(L[i, k].q))
        return tuple(tuple(row) for row in cols)

    # -- words ----------------------------------------------------------------------------
    @property
    def narrow_widths(self) -> tuple[int, ...]:
        return tuple(self.narrow.layer_widths[1:-1])

    def fiber_text(self) -> list[str]:
        """Each conserved quantity ``v·θ`` restricted to ``S``, written in the smallest
        parameter that represents each free coordinate of ``S`` (up to a positive factor)."""
        forms = self.subspace.parametrization
        reps: dict[int, tuple[int, Fraction]] = {}
        for i, form in enumerate(forms):
            if len(form) == 1:
                (j, c), = form.items()
                if abs(c) == 1 and j not in reps:
                    reps[j] = (i, c)
        out = []
        for v in self.fiber:
            coef: dict[int, Fraction] = {}
            for i, vi in enumerate(v):
                if vi:
                    _add(coef, forms[i], vi)
            terms = sorted(((reps[j][0], c * reps[j][1]) if j in reps else (j, c)) for j, c in coef.items())
            lead = abs(terms[0][1]) if terms else 1
            sign = 1 if not terms or terms[0][1] > 0 else -1
            out.append(linear_form_text(self.wide.names, [(i, sign * c / lead) for i, c in terms]))
        return out

    def describe(self) -> str:
        return describe_classes(self.classes, self.wide, self.subspace)

    # -- proof ------------------------------------------------------------------------------
    def verify(self) -> bool:
        """Prove ``f(θ) ≡ f̃(Pθ)`` and ``Π_S ∇f(θ) ≡ Π_S Pᵀ ∇f̃(Pθ)`` on ``S`` (sympy, exact)."""
        S = self.subspace
        th = self.wide.symbols
        zero = sympy.Integer(0)
        on_S = [sum((sympy.Rational(c.numerator, c.denominator) * th[j] for j, c in form.items()), zero)
                for form in S.parametrization]
        narrow_theta = [sum((sympy.Rational(c.numerator, c.denominator) * on_S[i]
                             for i, c in enumerate(row) if c), zero) for row in self.project]
        x = self.wide.x_symbols
        f_wide = self.wide.function(on_S, x)
        if not is_identically_zero(f_wide - self.narrow.function(narrow_theta, x)):
            return False
        # chain rule on S: for every basis direction u of S, u·∇f(θ) = (Pu)·∇f̃(Pθ)
        fn = self.narrow.function(self.narrow.symbols, x)
        sub = dict(zip(self.narrow.symbols, narrow_theta))
        g_n = [sympy.diff(fn, t).xreplace(sub) for t in self.narrow.symbols]
        f_full = self.wide.function(th, x)
        grad = {}
        for u in S.basis():
            lhs = zero
            for i, c in enumerate(u):
                if c:
                    if i not in grad:
                        grad[i] = sympy.diff(f_full, th[i]).xreplace(dict(zip(th, on_S)))
                    lhs += sympy.Rational(c.numerator, c.denominator) * grad[i]
            Pu = [sum((row[i] * u[i] for i in range(len(u)) if row[i] and u[i]), Fraction(0)) for row in self.project]
            rhs = sum((sympy.Rational(c.numerator, c.denominator) * g for c, g in zip(Pu, g_n) if c), zero)
            if not is_identically_zero(lhs - rhs):
                return False
        return True


#: the name under which :mod:`simtool.symbolic` exports it (``Reduction`` there is the two-layer one)
GeneralReduction = Reduction


def describe_classes(classes: Sequence[Sequence[NeuronClass]], net: Network, S: Subspace | None = None) -> str:
    """Layer-by-layer words: condensed, anti-condensed, same function with other weights, zero, inactive.

    With ``S``, a zero neuron whose outgoing weights are not all 0 on ``S`` is called
    "dead" and the free outgoing weights are named (they are fiber directions).
    """
    parts = []
    forms = S.parametrization if S is not None else None
    for layer in classes:
        for c in layer:
            l = c.layer
            who = "neuron" if len(c.members) == 1 else "neurons"
            us = ",".join(map(str, c.members))
            unit = "unit" if len(c.members) == 1 else "units"
            prefix = f"layer-{l} {who} {us}" if len(net.layer_widths) > 3 else f"{unit} {us}"
            if c.kind == "zero":
                free = [] if forms is None else [
                    net.names[i] for i, r in enumerate(net.roles)
                    if r.layer == l + 1 and r.kind == "weight" and r.input in c.members and forms[i]]
                if free:
                    parts.append(f"{prefix} dead (incoming 0 and σ(0) = 0; their outgoing weights "
                                 f"{', '.join(free[:2])}{', …' if len(free) > 2 else ''} form fiber directions)")
                else:
                    parts.append(f"{prefix} zero")
            elif c.kind == "inactive":
                parts.append(f"{prefix} inactive (incoming weights 0: constant σ(0))")
            elif len(c.members) > 1:
                neg = [m for m, s in zip(c.members, c.signs) if s == -1]
                word = "condensed" if not neg else f"condensed up to sign (−: {','.join(map(str, neg))})"
                if c.mirrored and not neg:
                    word = "compute the same function with different incoming weights"
                parts.append(f"{prefix} {word}")
    return "; ".join(parts) if parts else "no neurons merged"


def reduce_subspace(net: Network, S: Subspace) -> Reduction:
    """The :class:`Reduction` of ``S`` (any linear subspace; meaningful on a SIM)."""
    if S.ambient != net.dim:
        raise ValueError(f"subspace lives in R^{S.ambient}, the network has {net.dim} parameters")
    classes = _classes(net, S)
    kept = [[c for c in layer if c.kind != "zero"] for layer in classes]
    widths = [max(len(k), 1) for k in kept]
    narrow = net.with_hidden_widths(widths)  # type: ignore[attr-defined]
    nwhere = {r: i for i, r in enumerate(narrow.roles)}
    where = {r: i for i, r in enumerate(net.roles)}
    Dn, D = narrow.dim, net.dim
    P = [[Fraction(0)] * D for _ in range(Dn)]
    frozen: set[int] = set()
    lw = net.layer_widths
    depth = len(lw) - 1
    # classes of the previous layer: inputs first
    prev: list[NeuronClass | None] = [None] * lw[0]
    for l in range(1, depth + 1):
        cur = kept[l - 1] if l < depth else [NeuronClass(l, (1,), (1,))]
        if l < depth and not cur:  # a layer with no live neuron: one frozen dummy neuron
            for r, i in nwhere.items():
                if (r.layer == l) or (r.layer == l + 1 and r.kind == "weight" and r.input == 1):
                    frozen.add(i)
            prev = []
            continue
        for I, c in enumerate(cur, start=1):
            rep = c.members[0]
            if c.kind == "inactive":
                frozen.update(i for r, i in nwhere.items() if r.layer == l and r.neuron == I)
            else:
                for J in range(1, narrow.layer_widths[l - 1] + 1):
                    row = P[nwhere[Role(l, "weight", I, J)]]
                    if l == 1:
                        row[where[Role(1, "weight", rep, J)]] = Fraction(1)
                    elif J <= len(prev) and prev[J - 1] is not None:
                        pc = prev[J - 1]
                        for j, s in zip(pc.members, pc.signs):
                            row[where[Role(l, "weight", rep, j)]] = Fraction(s)
                    else:
                        frozen.add(nwhere[Role(l, "weight", I, J)])
                b = where.get(Role(l, "bias", rep, None))
                if b is not None and l < depth:
                    P[nwhere[Role(l, "bias", I, None)]][b] = Fraction(1)
        prev = list(cur)
    c = where.get(Role(depth, "bias", 1, None))
    if c is not None:
        P[nwhere[Role(depth, "bias", 1, None)]][c] = Fraction(1)
    return Reduction(net, S, narrow, tuple(tuple(r) for r in P), tuple(sorted(frozen)),
                     tuple(tuple(layer) for layer in classes))
