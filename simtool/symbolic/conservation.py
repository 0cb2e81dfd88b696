r"""Polynomial conservation laws of gradient flows, found by exact linear algebra and proved.

A function :math:`h(\theta)` is conserved by *every* gradient flow of *every* loss and
data set iff :math:`\nabla h(\theta)\cdot\nabla_\theta f(\theta, x) \equiv 0` for all
:math:`\theta, x` (Marcotte, Gribonval, Peyré, "Abide by the law and follow the flow",
NeurIPS 2023, arXiv 2307.00144; math.md §6).  :func:`polynomial_laws` looks for such
:math:`h = \sum_{1\le|\alpha|\le k} c_\alpha \theta^\alpha`:

1. **Candidates** (exact, over Q).  The condition is linear in :math:`c`.  It is
   imposed at random rational sample points :math:`(\theta, x)` where
   :math:`\nabla_\theta f` is computed exactly by backpropagation
   (:mod:`simtool.symbolic.network_eval`) with activation values from an *atom rule*:
   exact :math:`\sigma, \sigma'` for polynomial σ; for positively homogeneous σ of degree
   :math:`p`, a random :math:`t = \sigma'(z)` and :math:`s = zt/p` (Euler's identity); for
   :math:`\sigma(z+\beta) = e^{\kappa\beta}\sigma(z)`, a random :math:`s` and
   :math:`t = \kappa s`; otherwise independent random :math:`s, t`.  The null space of
   the sampled system (RREF modulo a prime, rational reconstruction, each vector
   checked exactly) holds every law valid in this algebra; extra sample rounds are added until it stops shrinking.
2. **Proof** of each basis law (:func:`prove_law`): :math:`\nabla h\cdot\nabla f` with
   :math:`\nabla f` from sympy's own differentiation of ``net.function()``; every
   :math:`\sigma(u)`, :math:`\sigma'(u)` in it is replaced by an atom, the same proved
   identity of σ is applied, and the result must expand to exactly 0.
3. **Independence**: the exact rank of the laws' gradients at a random rational point
   (a lower bound on their generic functional rank) and a maximal independent subset.

Laws that need an identity of σ not listed above (e.g. :math:`\tanh' = 1-\tanh^2`) are
not searched for; non-polynomial laws are out of the ansatz.  The numeric orbit rank
(:mod:`simtool.numeric.orbit`) gives the count to compare with.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> laws = polynomial_laws(TwoLayerNet(2, get_activation("relu")))
>>> [str(law.expr) for law in laws.laws]
['a1**2 - b1**2 - w1**2', 'a2**2 - b2**2 - w2**2']
>>> laws.independent, all(law.proof.ok for law in laws.laws)
(2, True)
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm

import sympy
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from ..errors import TooLargeError
from ..verdict import PROVED, UNDECIDED, Verdict
from .activation import Activation, Z
from .architecture import Network
from .network_eval import gradient, layer_index

__all__ = ["ConservationLaw", "LawSearch", "polynomial_laws", "prove_law", "atom_identity",
           "MAX_UNKNOWNS"]

#: the ansatz is refused above this many monomials (exact elimination is cubic)
MAX_UNKNOWNS = 1500


@dataclass(frozen=True)
class ConservationLaw:
    """One law ``h(θ)`` (a sympy polynomial in ``net.symbols``) with its proof."""

    expr: sympy.Expr
    proof: Verdict
    origin: str = "polynomial ansatz"


@dataclass(frozen=True)
class LawSearch:
    """Result of :func:`polynomial_laws`.

    Attributes
    ----------
    laws : tuple of ConservationLaw
        A basis of the space of polynomial laws of degree ≤ ``degree`` found (proved).
    independent : int
        Exact rank of their gradients at a random rational point.
    independent_laws : tuple of ConservationLaw
        A maximal functionally independent subset (of that size).
    unproved : tuple of sympy.Expr
        Candidates whose proof failed (reported, never counted).
    identities : tuple of str
        The identities of σ used, one per hidden layer.
    """

    degree: int
    laws: tuple[ConservationLaw, ...]
    independent: int
    independent_laws: tuple[ConservationLaw, ...]
    unproved: tuple[sympy.Expr, ...]
    identities: tuple[str, ...]
    samples: int


def atom_identity(act: Activation) -> tuple[str, str]:
    """``(kind, text)``: which proved identity of σ the search and the proofs use.

    >>> from simtool.symbolic.activation import get_activation
    >>> atom_identity(get_activation("relu"))[1]
    'z·σ′(z) = 1·σ(z) (proved positive homogeneity)'
    """
    if act.expr.is_polynomial(Z):
        return "polynomial", f"σ(z) = {act.expr} (polynomial, exact)"
    p = act.homogeneous_degree
    if p is not None:
        return "homogeneous", f"z·σ′(z) = {p}·σ(z) (proved positive homogeneity)"
    k = act.exp_scaling
    if k is not None and k.is_Rational:
        return "exp", f"σ′(z) = {k}·σ(z) (proved σ(z+β) = e^({k}β)σ(z))"
    return "free", "none: σ(z), σ′(z) treated as independent"


def _rand(rng: random.Random, positive: bool = False) -> Fraction:
    q = Fraction(rng.randint(1 if positive else -30, 30), rng.randint(1, 11))
    return q if q != 0 else Fraction(1, 7)


def _poly(expr: sympy.Expr) -> list[Fraction]:
    """Coefficients of a polynomial in ``Z`` (low to high) as Fractions."""
    coeffs = sympy.Poly(expr, Z).all_coeffs()[::-1]
    return [Fraction(int(sympy.fraction(c)[0]), int(sympy.fraction(c)[1])) for c in coeffs]


def _horner(coeffs: list[Fraction], z: Fraction) -> Fraction:
    v = Fraction(0)
    for c in reversed(coeffs):
        v = v * z + c
    return v


def _sample_atoms(net: Network, rng: random.Random):
    """The atom rule of :func:`atom_identity`, on random rationals."""
    plan = []
    for act in net.activations:
        kind = atom_identity(act)[0]
        if kind == "polynomial":
            plan.append((kind, _poly(act.expr), _poly(act.derivative)))
        elif kind == "homogeneous":
            plan.append((kind, Fraction(str(act.homogeneous_degree)), None))
        elif kind == "exp":
            plan.append((kind, Fraction(str(act.exp_scaling)), None))
        else:
            plan.append((kind, None, None))

    def rule(l: int, z: Fraction):
        kind, p, q = plan[l - 1]
        if kind == "polynomial":
            return _horner(p, z), _horner(q, z)
        if kind == "homogeneous":
            t = _rand(rng)
            return z * t / p, t
        if kind == "exp":
            s = _rand(rng, positive=True)
            return s, p * s
        return _rand(rng), _rand(rng)
    return rule


def _monomials(D: int, degree: int) -> list[tuple[int, ...]]:
    out = []
    for k in range(1, degree + 1):
        out.extend(itertools.combinations_with_replacement(range(D), k))
    return out


def _row(mons, theta, g) -> list[Fraction]:
    """``∇(θ^α)·g`` for every monomial (a sorted tuple of coordinates with repetition)."""
    row = []
    for m in mons:
        v = Fraction(0)
        for i in set(m):
            rest = Fraction(m.count(i))
            removed = False
            for j in m:
                if j == i and not removed:
                    removed = True
                    continue
                rest *= theta[j]
            v += rest * g[i]
        row.append(v)
    return row


#: a prime below 2^31: products of two residues fit in int64
_PRIME = 2_147_483_629


def _nullspace(rows: list[list[Fraction]], n: int) -> list[list[Fraction]]:
    """Null space of the sampled system: RREF modulo a prime (numpy, fast), entries
    recovered by rational reconstruction, each vector then checked exactly on every row.

    Exact elimination over Q blows up (coefficient growth); the modular route can only
    *lose* vectors (a prime dividing a minor, or a reconstruction out of range), and
    what it returns is verified exactly here and proved symbolically afterwards.
    """
    import numpy as np

    p = _PRIME
    A = np.array([[v.numerator % p * pow(v.denominator, -1, p) % p for v in r] for r in rows],
                 dtype=np.int64)
    pivots: list[int] = []
    r = 0
    for c in range(n):
        if r == len(A):
            break
        nz = np.nonzero(A[r:, c])[0]
        if not len(nz):
            continue
        k = r + int(nz[0])
        A[[r, k]] = A[[k, r]]
        A[r] = A[r] * pow(int(A[r, c]), -1, p) % p
        col = A[:, c].copy()
        col[r] = 0
        A = (A - (col[:, None] * A[r][None, :]) % p) % p
        pivots.append(c)
        r += 1
    free = [c for c in range(n) if c not in set(pivots)]
    out = []
    for f in free:
        v = [Fraction(0)] * n
        v[f] = Fraction(1)
        ok = True
        for i, pc in enumerate(pivots):
            q = _reconstruct(int(-A[i, f] % p), p)
            if q is None:
                ok = False
                break
            v[pc] = q
        if ok and all(sum((a * b for a, b in zip(row, v) if b), Fraction(0)) == 0 for row in rows):
            out.append(v)
    return out


def _reconstruct(a: int, p: int) -> Fraction | None:
    """The rational ``u/v`` with ``|u|, |v| ≤ √(p/2)`` and ``u ≡ a·v (mod p)``, if any."""
    bound = int((p // 2) ** 0.5)
    r0, r1, s0, s1 = p, a % p, 0, 1
    while r1 > bound:
        q = r0 // r1
        r0, r1, s0, s1 = r1, r0 - q * r1, s1, s0 - q * s1
    if s1 == 0 or abs(s1) > bound:
        return None
    return Fraction(r1, s1)


def _as_expr(coeffs, mons, syms) -> sympy.Expr:
    den = lcm(*(c.denominator for c in coeffs if c))
    ints = [int(c * den) for c in coeffs]
    g = 0
    for v in ints:
        g = gcd(g, v)
    lead = next(v for v in ints if v)
    g = g if lead > 0 else -g
    return sympy.Add(*[sympy.Integer(v // g) * sympy.Mul(*[syms[i] for i in m]) for v, m in zip(ints, mons) if v])


def polynomial_laws(net: Network, degree: int = 2, *, seed: int = 0, prove: bool = True) -> LawSearch:
    """Polynomial conservation laws of degree ``1 … degree`` (see the module docstring)."""
    D = net.dim
    mons = _monomials(D, degree)
    if len(mons) > MAX_UNKNOWNS:
        raise TooLargeError(f"a degree-{degree} ansatz in {D} parameters has {len(mons):,} monomials; "
                            f"the exact search stops at {MAX_UNKNOWNS:,} (lower --law-degree or use a smaller net)")
    rng = random.Random(seed)
    d = len(net.x_symbols)
    layer_index(net)
    rows: list[list[Fraction]] = []
    basis: list[list[Fraction]] | None = None
    batch = len(mons) + 8
    while True:
        for _ in range(batch):
            theta = [_rand(rng) for _ in range(D)]
            x = [_rand(rng) for _ in range(d)]
            g = gradient(net, theta, x, _sample_atoms(net, rng))
            rows.append(_row(mons, theta, g))
        new = _nullspace(rows, len(mons))
        if basis is not None and len(new) == len(basis):
            break
        basis = new
        batch = max(8, len(mons) // 4)
    syms = net.symbols
    laws, unproved = [], []
    for vec in basis:
        expr = _as_expr(vec, mons, syms)
        proof = prove_law(net, expr) if prove else Verdict(UNDECIDED, "proof skipped")
        if proof.ok or not prove:
            laws.append(ConservationLaw(expr, proof))
        else:
            unproved.append(expr)
    rank, chosen = _independent(net, [law.expr for law in laws], rng)
    return LawSearch(degree, tuple(laws), rank, tuple(laws[i] for i in chosen), tuple(unproved),
                     tuple(atom_identity(a)[1] for a in net.activations), len(rows))


def _independent(net: Network, exprs: list[sympy.Expr], rng: random.Random) -> tuple[int, list[int]]:
    """Exact rank of the gradients at a random rational point, and a greedy basis."""
    if not exprs:
        return 0, []
    point = {s: sympy.Rational(rng.randint(-30, 30) or 1, rng.randint(1, 11)) for s in net.symbols}
    chosen: list[int] = []
    rows: list[list] = []
    rank = 0
    for k, e in enumerate(exprs):
        grad = [QQ.convert(sympy.diff(e, s).xreplace(point)) for s in net.symbols]
        r = DomainMatrix(rows + [grad], (len(rows) + 1, len(grad)), QQ).rank()
        if r > rank:
            rows.append(grad)
            chosen.append(k)
            rank = r
    return rank, chosen


def prove_law(net: Network, h: sympy.Expr) -> Verdict:
    r"""Prove :math:`\nabla h\cdot\nabla_\theta f \equiv 0` from sympy's differentiation of ``f``.

    Every :math:`\sigma_l(u)` and :math:`\sigma_l'(u)` (``u`` a preactivation) in the
    gradient becomes an atom; the identity of :func:`atom_identity` is applied; the
    expression must then expand to 0 as a polynomial in parameters, inputs and atoms.
    """
    ix = layer_index(net)
    th, xs = net.symbols, net.x_symbols
    f = net.function()
    replace: dict = {}
    relation: dict = {}
    h_prev: list = list(xs)        # real-σ activations of the previous layer
    a_prev: list = list(xs)        # the same in the atom algebra
    for l in range(1, ix.depth):
        act = net.activations[l - 1]
        kind = atom_identity(act)[0]
        h_next, a_next = [], []
        for i, row in enumerate(ix.weights[l - 1]):
            b = ix.biases[l - 1][i]
            z = sympy.Add(*[th[c] * hj for c, hj in zip(row, h_prev)], *([th[b]] if b is not None else []))
            za = sympy.Add(*[th[c] * hj for c, hj in zip(row, a_prev)], *([th[b]] if b is not None else []))
            S, T = sympy.Symbol(f"_s{l}_{i + 1}"), sympy.Symbol(f"_t{l}_{i + 1}")
            replace[act(z)] = S
            replace[act.derivative.xreplace({Z: z})] = T
            if kind == "polynomial":
                relation[S], relation[T] = act(za), act.derivative.xreplace({Z: za})
            elif kind == "homogeneous":
                relation[S] = za * T / act.homogeneous_degree
            elif kind == "exp":
                relation[T] = act.exp_scaling * S
            h_next.append(act(z))
            a_next.append(relation.get(S, S))
        h_prev, a_prev = h_next, a_next
    total = sympy.Integer(0)
    for s in th:
        dh = sympy.diff(h, s)
        if dh != 0:
            total += dh * sympy.diff(f, s).xreplace(replace)
    leftover = [a for a in total.atoms(sympy.Function) if not a.is_Symbol]
    total = total.xreplace(relation)
    # relations may reference atoms of earlier layers that are themselves related
    for _ in range(ix.depth):
        total = total.xreplace(relation)
    if sympy.expand(total) == 0:
        how = "; ".join(sorted({atom_identity(a)[1] for a in net.activations}))
        return Verdict(PROVED, f"∇h·∇f expands to 0 (∇f by sympy differentiation of f; σ identity: {how})")
    if leftover:
        return Verdict(UNDECIDED, f"σ terms left after atom replacement: {sorted(map(str, leftover))[:3]}")
    return Verdict(UNDECIDED, "∇h·∇f did not expand to 0")
