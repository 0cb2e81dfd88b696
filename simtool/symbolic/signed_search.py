r"""Search for the signed permutations ``g`` with ``f(gθ, x) ≡ f(θ, x)``.

Two searches, both *complete*: they only ever discard a candidate on a necessary
condition, so every true symmetry survives; survivors are then proved exactly
(``f(gθ, x) − f(θ, x)`` simplifies to 0 with sympy) before anyone uses them.

* :func:`backtrack_symmetries` assigns images ``i ↦ s_i e_{π(i)}`` coordinate by
  coordinate.  After each step it compares ``f`` at random points ``θ`` supported
  on the assigned set ``T`` with ``f`` at their images, which depend only on the
  partial map: for a symmetry ``f(gθ_T) = f(θ_T)`` holds for *every* ``θ_T``, so a
  mismatch beyond round-off prunes the whole subtree soundly.
* :func:`exhaustive_symmetries` tries all ``2^D · D!`` signed permutations (the
  oracle the tests compare against, ``D ≤ 8``).

The float comparisons are a *screen* (they reject; they never accept): a candidate is
kept when ``|f(gθ) − f(θ)| ≤`` :data:`SCREEN_RTOL` ``· (1 + |f(θ)|)`` at every test
point, which a true symmetry satisfies up to round-off.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> net = TwoLayerNet(1, get_activation("identity"), bias=False)     # f = a·w·x
>>> sorted((g.perm, g.signs) for g in backtrack_symmetries(net))
[((0, 1), (-1, -1)), ((0, 1), (1, 1)), ((1, 0), (-1, -1)), ((1, 0), (1, 1))]
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence

import sympy

from .symmetry import SignedPermutation
from .zero import is_identically_zero

__all__ = [
    "SCREEN_RTOL",
    "numeric_function",
    "numeric_value_and_gradient",
    "value_and_gradient_function",
    "output_first_order",
    "backtrack_symmetries",
    "stabilizer_chain_generators",
    "exhaustive_symmetries",
    "verify_exactly",
    "MAX_EXHAUSTIVE_DIM",
]

#: relative mismatch of ``f`` above which a candidate is discarded (float screen)
SCREEN_RTOL = 1e-9
#: the exhaustive oracle refuses larger parameter spaces (``2^9·9! ≈ 1.9·10^8``)
MAX_EXHAUSTIVE_DIM = 8
_N_POINTS = 3


def numeric_function(net) -> Callable[[Sequence[float], Sequence[float]], float]:
    """``f(θ, x)`` as a plain-float function (``math`` module; no numpy, no torch)."""
    syms = list(net.symbols) + list(net.x_symbols)
    fn = sympy.lambdify(syms, net.function(), modules="math")
    return lambda theta, x: float(fn(*theta, *x))


def value_and_gradient_function(net, modules="math"):
    """``(θ…, x…) ↦ [f, ∂_1 f, …, ∂_D f]`` lambdified with ``modules`` (``"math"`` or numpy).

    The gradient comes from back-propagation with formal activations
    (:func:`~simtool.symbolic.tangency_general.formal_gradient`), whose ``s_l``/``ds_l``
    are bound to σ_l and σ_l' numerically: no symbolic differentiation of nested σ.
    """
    from .activation_parse import Z
    from .tangency_general import formal_gradient

    mods = modules if isinstance(modules, list) else [modules]
    namespace = {}
    for l, act in enumerate(net.activations, start=1):
        namespace[f"s{l}"] = sympy.lambdify(Z, act.expr, modules=mods)
        namespace[f"ds{l}"] = sympy.lambdify(Z, act.derivative, modules=mods)
    syms = list(net.symbols) + list(net.x_symbols)
    exprs = [net.function()] + formal_gradient(net, net.symbols)
    return sympy.lambdify(syms, exprs, modules=[namespace, *mods], cse=True)


def numeric_value_and_gradient(net) -> Callable[[Sequence[float], Sequence[float]], list[float]]:
    """``[f, ∂_1 f, …, ∂_D f]`` at ``(θ, x)`` as plain floats."""
    fn = value_and_gradient_function(net)
    return lambda theta, x: [float(v) for v in fn(*theta, *x)]


def _points(net, seed: int) -> list[tuple[list[float], list[float]]]:
    rng = random.Random(seed)
    return [([rng.uniform(-1.5, 1.5) for _ in range(net.dim)], [rng.uniform(-1.5, 1.5) for _ in net.x_symbols])
            for _ in range(_N_POINTS)]


def _close(u: float, v: float) -> bool:
    return math.isfinite(u) and math.isfinite(v) and abs(u - v) <= SCREEN_RTOL * (1.0 + abs(v))


def output_first_order(net) -> list[int]:
    """Coordinates in depth-first order from the output (speed only, never correctness).

    Each newly assigned coordinate then tends to complete an input–output path, so the
    partial-support checks of :func:`backtrack_symmetries` prune early.
    """
    roles = net.roles
    top = max(r.layer for r in roles)
    by_neuron: dict[tuple[int, int], list[int]] = {}
    for i, r in enumerate(roles):
        by_neuron.setdefault((r.layer, r.neuron), []).append(i)
    order: list[int] = []
    done: set[tuple[int, int]] = set()

    def expand(layer: int, neuron: int) -> None:
        if (layer, neuron) in done or layer < 1:
            return
        done.add((layer, neuron))
        coords = sorted(by_neuron.get((layer, neuron), []), key=lambda i: roles[i].kind != "bias")
        for i in coords:
            order.append(i)
            if roles[i].kind == "weight":
                expand(layer - 1, roles[i].input)
    for n in sorted({r.neuron for r in roles if r.layer == top}):
        expand(top, n)
    order += [i for i in range(net.dim) if i not in set(order)]
    return order


class _Screen:
    """Partial signed maps ``i ↦ s_i e_{π(i)}`` and their sound float check."""

    def __init__(self, net, seed: int) -> None:
        self.D = net.dim
        self.fg = numeric_value_and_gradient(net)
        self.pts = _points(net, seed)[:2]
        self.perm = [-1] * self.D
        self.signs = [1] * self.D
        self.used = [False] * self.D

    def consistent(self, assigned: Sequence[int]) -> bool:
        D, perm, signs = self.D, self.perm, self.signs
        inside = set(assigned)
        for theta, x in self.pts:
            src = [0.0] * D
            img = [0.0] * D
            for i in assigned:
                src[i] = theta[i]
                img[perm[i]] = signs[i] * theta[i]
            u, v = self.fg(src, x), self.fg(img, x)
            if not _close(v[0], u[0]):
                return False
            if any(not _close(signs[i] * v[1 + perm[i]], u[1 + i]) for i in assigned):
                return False
            rest_u = sorted(abs(u[1 + i]) for i in range(D) if i not in inside)
            rest_v = sorted(abs(v[1 + j]) for j in range(D) if not self.used[j])
            if any(not _close(b, a) for a, b in zip(rest_u, rest_v)):
                return False
        return True

    def set(self, i: int, j: int, s: int) -> None:
        self.perm[i], self.signs[i], self.used[j] = j, s, True

    def unset(self, i: int) -> None:
        self.used[self.perm[i]] = False
        self.perm[i], self.signs[i] = -1, 1

    def extensions(self, order: Sequence[int], k: int, accept: Callable[[SignedPermutation], bool],
                   first_only: bool) -> list[SignedPermutation]:
        """Screened completions of the map on ``order[:k]`` (identity-like images tried first)."""
        out: list[SignedPermutation] = []

        def grow(k: int) -> bool:
            if k == self.D:
                g = SignedPermutation(tuple(self.perm), tuple(self.signs))
                if accept(g):
                    out.append(g)
                    return first_only
                return False
            i = order[k]
            for j in [i] + [j for j in range(self.D) if j != i]:
                if self.used[j]:
                    continue
                for s in (1, -1):
                    self.set(i, j, s)
                    if self.consistent(order[: k + 1]) and grow(k + 1):
                        self.unset(i)
                        return True
                    self.unset(i)
            return False

        grow(k)
        return out


def backtrack_symmetries(net, *, order: Sequence[int] | None = None, seed: int = 0) -> list[SignedPermutation]:
    """Every signed permutation that passes the float screen (a superset of the symmetries).

    For a symmetry ``g`` and ``θ`` supported on the assigned set ``T``: ``f(gθ) = f(θ)``
    and ``∇f(θ) = gᵀ∇f(gθ)``, i.e. ``∂_i f(θ) = s_i ∂_{π(i)} f(gθ)`` for ``i ∈ T`` and,
    for the unassigned ``i``, equal multisets ``{|∂_i f(θ)|}`` and ``{|∂_k f(gθ)| : k ∉ π(T)}``.
    Each is checked at random points; a failure prunes the subtree soundly.  This lists
    every element (the oracle); :func:`stabilizer_chain_generators` finds generators.

    Parameters
    ----------
    net : Network
        Anything with ``dim``, ``symbols``, ``x_symbols``, ``roles`` and ``function()``.
    order : sequence of int, optional
        Order in which coordinates are assigned (speed only); default
        :func:`output_first_order`.
    seed : int
        Seed of the random test points.
    """
    order = output_first_order(net) if order is None else list(order)
    return _Screen(net, seed).extensions(order, 0, lambda g: True, first_only=False)


def stabilizer_chain_generators(net, accept: Callable[[SignedPermutation], bool], *, seed: int = 0
                                ) -> tuple[list[SignedPermutation], int]:
    """Generators of the group of accepted symmetries, by a complete stabiliser-chain search.

    With ``G_k`` the symmetries fixing ``order[:k]`` (sign ``+``), every candidate image
    ``(j, s)`` of ``order[k]`` that passes the screen is searched for *one* accepted
    completion inside ``G_k``; these coset representatives, over all levels, generate
    ``G`` (Schreier–Sims).  A candidate without a screened completion has none in ``G``,
    because the screen only rejects what no symmetry satisfies.  Returns the generators
    and the number of coordinate levels searched.
    """
    from sympy.combinatorics import PermutationGroup

    order = output_first_order(net)
    sc = _Screen(net, seed)
    gens: list[SignedPermutation] = []
    for k in range(len(order) - 1, -1, -1):  # deepest stabiliser first: its orbits prune the levels above
        i = order[k]
        for j0 in order[:k]:
            sc.set(j0, j0, 1)
        orbit = {2 * i}
        for j in range(sc.D):
            for s in (1, -1):
                if sc.used[j] or 2 * j + (s == -1) in orbit:
                    continue
                sc.set(i, j, s)
                if sc.consistent(order[: k + 1]):
                    new = sc.extensions(order, k + 1, accept, first_only=True)
                    if new:
                        gens += new
                        orbit = set(PermutationGroup([g.as_point_permutation() for g in gens]).orbit(2 * i))
                sc.unset(i)
        for j0 in order[:k]:
            sc.unset(j0)
    return gens, len(order)


def exhaustive_symmetries(net, *, seed: int = 0) -> list[SignedPermutation]:
    """Oracle: screen all ``2^D · D!`` signed permutations on the full ``f``."""
    D = net.dim
    if D > MAX_EXHAUSTIVE_DIM:
        raise ValueError(f"exhaustive search is for D ≤ {MAX_EXHAUSTIVE_DIM}, got D = {D}")
    f = numeric_function(net)
    pts = [(theta, x, f(theta, x)) for theta, x in _points(net, seed)]
    out = []
    for perm in itertools.permutations(range(D)):
        for signs in itertools.product((1, -1), repeat=D):
            ok = True
            for theta, x, ref in pts:
                img = [0.0] * D
                for i in range(D):
                    img[perm[i]] = signs[i] * theta[i]
                if not _close(f(img, x), ref):
                    ok = False
                    break
            if ok:
                out.append(SignedPermutation(perm, signs))
    return out


def verify_exactly(net, g: SignedPermutation) -> bool:
    """Proof that ``f(gθ, x) − f(θ, x)`` simplifies to 0 (``False``: not shown)."""
    th = net.symbols
    return is_identically_zero(net.function(g.apply(th)) - net.function(th))
