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
    "backtrack_symmetries",
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


def _points(net, seed: int) -> list[tuple[list[float], list[float]]]:
    rng = random.Random(seed)
    return [([rng.uniform(-1.5, 1.5) for _ in range(net.dim)], [rng.uniform(-1.5, 1.5) for _ in net.x_symbols])
            for _ in range(_N_POINTS)]


def _close(u: float, v: float) -> bool:
    return math.isfinite(u) and math.isfinite(v) and abs(u - v) <= SCREEN_RTOL * (1.0 + abs(v))


def backtrack_symmetries(net, *, order: Sequence[int] | None = None, seed: int = 0) -> list[SignedPermutation]:
    """Every signed permutation that passes the float screen (a superset of the symmetries).

    Parameters
    ----------
    net : Network
        Anything with ``dim``, ``symbols``, ``x_symbols`` and ``function()``.
    order : sequence of int, optional
        Order in which coordinates are assigned (affects speed only, not the result).
    seed : int
        Seed of the random test points.
    """
    D = net.dim
    f = numeric_function(net)
    pts = _points(net, seed)
    order = list(range(D)) if order is None else list(order)
    perm = [-1] * D
    signs = [1] * D
    used = [False] * D
    out: list[SignedPermutation] = []

    def consistent(k: int) -> bool:
        assigned = order[: k + 1]
        for theta, x in pts:
            src = [0.0] * D
            img = [0.0] * D
            for i in assigned:
                src[i] = theta[i]
                img[perm[i]] = signs[i] * theta[i]
            if not _close(f(img, x), f(src, x)):
                return False
        return True

    def grow(k: int) -> None:
        if k == D:
            out.append(SignedPermutation(tuple(perm), tuple(signs)))
            return
        i = order[k]
        for j in range(D):
            if used[j]:
                continue
            used[j] = True
            perm[i] = j
            for s in (1, -1):
                signs[i] = s
                if consistent(k):
                    grow(k + 1)
            used[j] = False
        perm[i] = -1
        signs[i] = 1

    grow(0)
    return out


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
