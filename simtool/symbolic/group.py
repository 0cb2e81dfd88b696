r"""A symmetry group of a network as verified signed-permutation generators.

:class:`SymmetryGroup` holds generators ``g`` of parameter space, each verified to
satisfy :math:`f(g\theta, x) \equiv f(\theta, x)` before use (math.md §3), the
evidence, the rejected candidates, and *what the group is relative to* (the template
group of per-layer neuron permutations and parity flips, or a complete group).
Order, membership and orbits go through :mod:`sympy.combinatorics` (Schreier–Sims),
acting on the ``2D`` points ``±e_i``, never by listing all elements.

:func:`derive_group` builds the template group of any fully-connected network from
its :class:`~simtool.symbolic.architecture.Role` layout (math.md §3): per hidden
layer ``l``, the neuron swap ``(1 2)`` and cycle ``(1 … n_l)`` (permuting incoming
rows, biases and outgoing columns), and a flip of neuron 1 as the layer's *proved*
parity allows: odd σ negates the incoming row, the bias and the outgoing column; even
σ the incoming row and the bias only.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> G = derive_group(DeepNet((2, 2), get_activation("tanh")))
>>> G.order, len(G.generators)
(64, 4)
>>> [g.label for g in G.generators][:2]
['swap layer-1 neurons 1,2', 'flip layer-1 neuron 1 (odd σ: row, bias, column)']
>>> derive_group(DeepNet((2, 3), get_activation("sigmoid"))).order      # S_2 × S_3
12
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy

from .activation import Parity
from .architecture import Network
from .subspace import Subspace
from .symmetry import SignedPermutation
from .zero import is_identically_zero, refute_at_rationals

__all__ = ["SymmetryGroup", "derive_group", "neuron_permutation", "neuron_flip", "verify_generator",
           "TEMPLATE", "MAX_LIST_ORDER", "describe_element"]

#: "relative to" text of the template group
TEMPLATE = "the template group (per hidden layer: neuron permutations, and sign flips where σ's parity is proved)"
#: :meth:`SymmetryGroup.elements` refuses groups larger than this
MAX_LIST_ORDER = 500_000
#: networks up to this many parameters are verified on the whole f
FULL_VERIFY_DIM = 40


def _coords(net: Network, layer: int, neuron: int) -> tuple[list[int], list[int]]:
    inc, out = [], []
    for i, r in enumerate(net.roles):
        if r.layer == layer and r.neuron == neuron:
            inc.append(i)
        elif r.layer == layer + 1 and r.kind == "weight" and r.input == neuron:
            out.append(i)
    return inc, out


def neuron_permutation(net: Network, layer: int, images: dict[int, int], label: str = "") -> SignedPermutation:
    """Permute neurons of hidden ``layer`` (1-based ``k → images[k]``): rows, biases, columns move."""
    where = {r: i for i, r in enumerate(net.roles)}
    perm = list(range(net.dim))
    for i, r in enumerate(net.roles):
        if r.layer == layer and r.neuron in images:
            perm[i] = where[type(r)(r.layer, r.kind, images[r.neuron], r.input)]
        elif r.layer == layer + 1 and r.kind == "weight" and r.input in images:
            perm[i] = where[type(r)(r.layer, r.kind, r.neuron, images[r.input])]
    return SignedPermutation(tuple(perm), (1,) * net.dim, label)


def neuron_flip(net: Network, layer: int, neuron: int, parity: Parity, label: str = "") -> SignedPermutation:
    """Sign flip of one hidden neuron: row, bias and column (odd σ) or row and bias (even σ)."""
    if parity not in (Parity.ODD, Parity.EVEN):
        raise ValueError(f"no orthogonal sign flip for parity {parity.value!r}")
    inc, out = _coords(net, layer, neuron)
    signs = [1] * net.dim
    for i in inc + (out if parity is Parity.ODD else []):
        signs[i] = -1
    return SignedPermutation(tuple(range(net.dim)), tuple(signs), label)


def _moved_layers(net: Network, g: SignedPermutation) -> set[int]:
    return {net.roles[i].layer for i in range(net.dim) if g.perm[i] != i or g.signs[i] != 1}


def verify_generator(net: Network, g: SignedPermutation) -> tuple[bool, str]:
    r"""Prove ``f(gθ, x) ≡ f(θ, x)`` exactly; ``(holds, evidence)``.

    Two-layer nets up to ``FULL_VERIFY_DIM`` parameters: the difference is simplified on
    the whole ``f``.  Otherwise, when ``g`` only moves the parameters of hidden layer ``l`` (rows, biases) and of
    layer ``l+1`` (columns): ``f`` depends on them only through the local map
    :math:`h \mapsto W_{l+1}\,\sigma_l(W_l h + b_l)` with ``h = h_{l-1}`` free, so
    proving that map invariant for symbolic ``h`` proves ``f`` invariant (exact).
    """
    layers = _moved_layers(net, g)
    depth = len(net.layer_widths) - 1
    th = net.symbols
    gth = g.apply(th)
    local = None
    if layers and max(layers) - min(layers) <= 1 and min(layers) < depth and \
            (net.dim > FULL_VERIFY_DIM or depth > 2):
        local = min(layers)
    if local is None:
        diffs = [net.function(gth) - net.function(th)]
        where = "on the whole f"
    else:
        diffs = _local_differences(net, local, th, gth)
        where = (f"on the local map h ↦ W{local + 1} σ(W{local} h + b{local}) with h free "
                 "(f depends on the moved parameters only through it)")
    for diff in diffs:
        if diff == 0 or is_identically_zero(diff):
            continue
        found = refute_at_rationals(diff, sorted(diff.free_symbols, key=str))
        if found is not None:
            return False, f"f(gθ, x) − f(θ, x) = {found[1]} ≠ 0 at a rational point"
        return False, "f(gθ, x) − f(θ, x) did not simplify to 0 (unverified; not used)"
    return True, f"f(gθ, x) − f(θ, x) simplifies to 0 {where}"


def _local_differences(net: Network, layer: int, th, gth) -> list[sympy.Expr]:
    lw = net.layer_widths
    sigma = net.activations[layer - 1]
    h = [sympy.Symbol(f"h{j}", real=True) for j in range(1, lw[layer - 1] + 1)]
    where = {r: i for i, r in enumerate(net.roles)}
    Role = type(net.roles[0])

    def local_map(t) -> list[sympy.Expr]:
        z = []
        for i in range(1, lw[layer] + 1):
            terms = [t[where[Role(layer, "weight", i, j)]] * h[j - 1] for j in range(1, lw[layer - 1] + 1)]
            b = where.get(Role(layer, "bias", i, None))
            if b is not None:
                terms.append(t[b])
            z.append(sigma(sympy.Add(*terms)))
        return [sympy.Add(*[t[where[Role(layer + 1, "weight", k, i)]] * z[i - 1] for i in range(1, lw[layer] + 1)])
                for k in range(1, lw[layer + 1] + 1)]

    return [a - b for a, b in zip(local_map(gth), local_map(th))]


@dataclass(frozen=True)
class SymmetryGroup:
    """Verified signed-permutation generators of a network's symmetry group.

    Attributes
    ----------
    net : Network
    generators : tuple of SignedPermutation
        Each verified (``evidence`` says how).
    evidence : tuple of str
    rejected : tuple of (label, reason)
        Candidates that failed verification (never used).
    relative_to : str
        What the group is: the template group, or a complete group of a family.
    """

    net: Network
    generators: tuple[SignedPermutation, ...]
    evidence: tuple[str, ...]
    rejected: tuple[tuple[str, str], ...] = ()
    relative_to: str = TEMPLATE

    @property
    def dim(self) -> int:
        return self.net.dim

    @cached_property
    def perm_group(self):
        """The group as a sympy ``PermutationGroup`` on the ``2D`` points ``±e_i``."""
        from sympy.combinatorics import Permutation, PermutationGroup

        gens = [g.as_point_permutation() for g in self.generators] or [Permutation(list(range(2 * self.dim)))]
        return PermutationGroup(gens)

    @cached_property
    def order(self) -> int:
        """``|G|`` by Schreier–Sims."""
        return int(self.perm_group.order())

    def contains(self, g: SignedPermutation) -> bool:
        """Membership by sifting through the stabiliser chain."""
        return bool(self.perm_group.contains(g.as_point_permutation()))

    def elements(self, limit: int = MAX_LIST_ORDER) -> Iterator[SignedPermutation]:
        """Every element (for oracles and small groups); refuses ``|G| > limit``."""
        if self.order > limit:
            raise ValueError(f"|G| = {self.order:,} is too large to list (limit {limit:,})")
        for p in self.perm_group.generate_schreier_sims(af=True):
            yield _from_points(p, self.dim)

    @property
    def name(self) -> str:
        return _describe_order(self)

    def fixed_subspace(self) -> Subspace:
        """``Fix(G)``, the bottom of the lattice."""
        out = Subspace.whole(self.dim)
        for g in self.generators:
            out = out & g.fixed_subspace()
        return out


def _from_points(p: Sequence[int], dim: int) -> SignedPermutation:
    perm = [p[2 * i] // 2 for i in range(dim)]
    signs = [1 if p[2 * i] % 2 == 0 else -1 for i in range(dim)]
    return SignedPermutation(tuple(perm), tuple(signs))


def _describe_order(G: SymmetryGroup) -> str:
    return f"order {G.order:,}"


def describe_element(net: Network, g: SignedPermutation) -> str:
    """A signed permutation in words, layer by layer: neuron cycles and flipped neurons.

    >>> from simtool.symbolic.activation import get_activation
    >>> from simtool.symbolic.deep import DeepNet
    >>> net = DeepNet((3, 2), get_activation("tanh"))
    >>> g = neuron_permutation(net, 1, {1: 2, 2: 3, 3: 1}) * neuron_flip(net, 2, 2, Parity.ODD)
    >>> describe_element(net, g)
    'layer-1 neurons (1 2 3); layer-2 flip 2'
    """
    where = {r: i for i, r in enumerate(net.roles)}
    widths = net.layer_widths
    parts = []
    prev_eps = {1: 1}  # sign of input/neuron 1 of the previous layer (inputs never flip)
    prev_odd = False
    for l in range(1, len(widths) - 1):
        img: dict[int, int] = {}
        flips = []
        eps: dict[int, int] = {}
        for k in range(1, widths[l] + 1):
            # W_l[k, 1] goes to W_l[π(k), π(1)] with sign ε_l(k)·ε_{l−1}(1) (the latter for odd σ_{l−1})
            i = where[type(net.roles[0])(l, "weight", k, 1)]
            img[k] = net.roles[g.perm[i]].neuron
            eps[k] = g.signs[i] * (prev_eps[1] if prev_odd else 1)
            if eps[k] == -1:
                flips.append(img[k])
        prev_eps, prev_odd = eps, net.activations[l - 1].parity is Parity.ODD
        cycles, seen = [], set()
        for k in sorted(img):
            if k in seen or img[k] == k:
                continue
            cyc, j = [], k
            while j not in seen:
                seen.add(j)
                cyc.append(j)
                j = img[j]
            cycles.append("(" + " ".join(map(str, cyc)) + ")")
        words = []
        if cycles:
            words.append(f"neurons {' '.join(cycles)}")
        if flips:
            words.append(f"flip {','.join(map(str, sorted(flips)))}")
        if words:
            parts.append(f"layer-{l} " + " ".join(words))
    return "; ".join(parts) or "identity"


def _layer_parity(act) -> Parity | None:
    p = act.parity
    return p if p in (Parity.ODD, Parity.EVEN) else None


def derive_group(net: Network) -> SymmetryGroup:
    """The template symmetry group of a fully-connected ``net``, every generator verified."""
    widths = net.layer_widths
    candidates: list[SignedPermutation] = []
    for l in range(1, len(widths) - 1):
        n = widths[l]
        if n >= 2:
            candidates.append(neuron_permutation(net, l, {1: 2, 2: 1}, f"swap layer-{l} neurons 1,2"))
        if n >= 3:
            candidates.append(neuron_permutation(net, l, {k: k % n + 1 for k in range(1, n + 1)},
                                                 f"cycle layer-{l} neurons 1..{n}"))
        parity = _layer_parity(net.activations[l - 1])
        if parity is not None:
            what = "row, bias, column" if parity is Parity.ODD else "row and bias"
            what = what if getattr(net, "hidden_bias", True) else what.replace("bias, ", "").replace(" and bias", "")
            candidates.append(neuron_flip(net, l, 1, parity, f"flip layer-{l} neuron 1 ({parity.value} σ: {what})"))
    gens, evidence, rejected = [], [], []
    for g in candidates:
        ok, why = verify_generator(net, g)
        if ok:
            gens.append(g)
            evidence.append(why)
        else:
            rejected.append((g.label, why))
    return SymmetryGroup(net, tuple(gens), tuple(evidence), tuple(rejected))


def template_order(net: Network) -> int:
    """``Π_l n_l! (· 2^{n_l} with flips)`` predicted for the template group (a check, not a proof)."""
    out = 1
    for l, n in enumerate(net.layer_widths[1:-1], start=1):
        out *= math.factorial(n) * (2**n if _layer_parity(net.activations[l - 1]) else 1)
    return out
