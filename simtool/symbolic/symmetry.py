r"""Symmetries of a network's parameterization: derived, then verified exactly.

A *discrete orthogonal* symmetry is a signed permutation ``g`` of parameter space
with :math:`f(g\theta, x) = f(\theta, x)` for all ``θ, x`` (math.md §3).  Since ``g``
is orthogonal, ``Fix(g)`` is a SIM.  simtool represents ``g`` as a
:class:`SignedPermutation` acting on coordinates,
:math:`(g\theta)_{\pi(i)} = s_i\,\theta_i`, so the engine accepts any group given by
generators (roadmap item 2), not only "S_m × signs".

For a two-layer net :func:`derive_symmetries` proposes

* unit permutations (always): generators ``(1 2)`` and ``(1 2 … m)``;
* a sign flip of a unit, ``(a, w, b) → (−a, −w, −b)`` when σ is proved odd and
  ``(a, w, b) → (a, −w, −b)`` when σ is proved even;

and *verifies each one symbolically* (``f(gθ, x) − f(θ, x)`` simplifies to 0) before
using it.  Continuous and non-orthogonal symmetries (rescalings of homogeneous σ,
the ``e^b ↔ a`` trade-off of exp, GL(m) of linear nets, the output-bias shift of
"odd up to a constant" σ) are verified too but reported separately: they do not
give SIMs for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy

from .activation import Parity
from .network import TwoLayerNet
from .subspace import Subspace
from .zero import is_identically_zero, refute_at_rationals

__all__ = [
    "SignedPermutation",
    "ContinuousSymmetry",
    "SymmetryReport",
    "derive_symmetries",
    "unit_permutation",
    "unit_flip",
    "group_elements",
    "VERIFY_FULL_WIDTH",
]

#: up to this width a symmetry is verified on the full ``f``; above it on the one or
#: two units it moves (exact: ``f`` is a sum over units, the others cancel term by term)
VERIFY_FULL_WIDTH = 8


@dataclass(frozen=True)
class SignedPermutation:
    """Signed permutation of coordinates: ``(gθ)[perm[i]] = signs[i] · θ[i]``.

    >>> g = SignedPermutation((1, 0, 2), (1, 1, -1))
    >>> g.apply([10, 20, 30])
    [20, 10, -30]
    >>> (g * g).is_identity
    True
    >>> g.fixed_subspace().dim
    1
    """

    perm: tuple[int, ...]
    signs: tuple[int, ...]
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if sorted(self.perm) != list(range(len(self.perm))) or len(self.signs) != len(self.perm):
            raise ValueError("perm must be a permutation of range(D) and signs of the same length")
        if not set(self.signs) <= {1, -1}:
            raise ValueError("signs must be ±1")

    @property
    def dim(self) -> int:
        return len(self.perm)

    @classmethod
    def identity(cls, dim: int) -> SignedPermutation:
        return cls(tuple(range(dim)), (1,) * dim, "id")

    @property
    def is_identity(self) -> bool:
        return all(p == i for i, p in enumerate(self.perm)) and all(s == 1 for s in self.signs)

    def apply(self, theta):
        out = [None] * len(self.perm)
        for i, (p, s) in enumerate(zip(self.perm, self.signs)):
            out[p] = theta[i] if s == 1 else -theta[i]
        return out

    def __mul__(self, other: SignedPermutation) -> SignedPermutation:
        """Composition ``(self * other)θ = self(other(θ))``."""
        perm = tuple(self.perm[other.perm[i]] for i in range(self.dim))
        signs = tuple(other.signs[i] * self.signs[other.perm[i]] for i in range(self.dim))
        return SignedPermutation(perm, signs)

    def inverse(self) -> SignedPermutation:
        perm = [0] * self.dim
        signs = [1] * self.dim
        for i, (p, s) in enumerate(zip(self.perm, self.signs)):
            perm[p] = i
            signs[p] = s
        return SignedPermutation(tuple(perm), tuple(signs))

    def matrix(self) -> sympy.Matrix:
        m = sympy.zeros(self.dim, self.dim)
        for i, (p, s) in enumerate(zip(self.perm, self.signs)):
            m[p, i] = s
        return m

    def fixed_subspace(self) -> Subspace:
        """``Fix(g) = {θ : gθ = θ}``, exactly."""
        rows = []
        for i, (p, s) in enumerate(zip(self.perm, self.signs)):
            row = {p: 1}
            row[i] = row.get(i, 0) - s
            rows.append(row)
        return Subspace.from_equations(self.dim, rows)

    def as_point_permutation(self):
        """The same element as a permutation of the ``2D`` points ``±e_i`` (sympy)."""
        from sympy.combinatorics import Permutation

        img = [0] * (2 * self.dim)
        for i, (p, s) in enumerate(zip(self.perm, self.signs)):
            img[2 * i] = 2 * p + (0 if s == 1 else 1)
            img[2 * i + 1] = 2 * p + (1 if s == 1 else 0)
        return Permutation(img)


def unit_permutation(net: TwoLayerNet, images: dict[int, int], label: str = "") -> SignedPermutation:
    """Permutation of hidden units ``k → images[k]`` (units numbered from 1) as a coordinate map."""
    perm = list(range(net.dim))
    for k, l in images.items():
        for i, j in zip(net.unit_indices(k), net.unit_indices(l)):
            perm[i] = j
    return SignedPermutation(tuple(perm), (1,) * net.dim, label)


def unit_flip(net: TwoLayerNet, k: int, parity: Parity, label: str = "") -> SignedPermutation:
    """Sign flip of unit ``k``: all of ``(a, w, b)`` (odd σ) or only ``(w, b)`` (even σ)."""
    if parity not in (Parity.ODD, Parity.EVEN):
        raise ValueError(f"no orthogonal sign flip for parity {parity.value!r}")
    signs = [1] * net.dim
    idx = net.unit_indices(k) if parity is Parity.ODD else net.inner_indices(k)
    for i in idx:
        signs[i] = -1
    return SignedPermutation(tuple(range(net.dim)), tuple(signs), label or f"flip {k}")


def _per_unit_map(net: TwoLayerNet, g: SignedPermutation) -> dict[int, tuple[int, tuple[int, ...]]] | None:
    """``k -> (l, signs)`` if ``g`` maps each unit block onto a unit block position-wise
    and fixes ``c``; ``None`` otherwise."""
    out = {}
    for k in range(1, net.width + 1):
        idx = list(net.unit_indices(k))
        l = g.perm[idx[0]] // net.unit_size + 1
        if l > net.width or [g.perm[i] for i in idx] != list(net.unit_indices(l)):
            return None
        out[k] = (l, tuple(g.signs[i] for i in idx))
    c = net.c_index
    if c is not None and (g.perm[c] != c or g.signs[c] != 1):
        return None
    return out


def verify_symmetry(net: TwoLayerNet, g: SignedPermutation) -> tuple[bool, str]:
    """Prove ``f(gθ, x) ≡ f(θ, x)`` symbolically; return ``(holds, evidence)``.

    Up to :data:`VERIFY_FULL_WIDTH` the difference is simplified on the whole ``f``.
    Above it, for ``g`` that maps units to units, the exact reindexing
    ``f(gθ) − f(θ) = Σ_k [u(S_k θ_k, x) − u(θ_k, x)]`` (``u`` one unit's summand,
    ``S_k`` its sign pattern) reduces the proof to one identity per distinct ``S_k``.
    """
    th = net.symbols
    units = _per_unit_map(net, g) if net.width > VERIFY_FULL_WIDTH else None
    if units is None:
        diffs = [net.function(g.apply(th)) - net.function(th)]
        where = "on f"
    else:
        one = net.with_width(1)
        patterns = sorted({s for _, s in units.values()})
        ths = one.symbols
        diffs = [
            one.function([(-t if sg == -1 else t) for t, sg in zip(ths, pat)] + list(ths[len(pat):]))
            - one.function(ths)
            for pat in patterns
        ]
        where = f"per unit ({len(patterns)} sign pattern(s); f is a sum over units)"
    for diff in diffs:
        if not is_identically_zero(diff):
            found = refute_at_rationals(diff, sorted(diff.free_symbols, key=str))
            if found is not None:
                return False, f"f(gθ, x) − f(θ, x) = {found[1]} ≠ 0 at a rational point"
            return False, "f(gθ, x) − f(θ, x) did not simplify to 0 (unverified; not used)"
    return True, f"f(gθ, x) − f(θ, x) simplifies to 0 {where}"


@dataclass(frozen=True)
class ContinuousSymmetry:
    """A verified continuous or non-orthogonal symmetry (does not give a SIM for free)."""

    name: str
    action: str
    consequence: str
    verified: bool
    evidence: str


@dataclass(frozen=True)
class SymmetryReport:
    """Derived symmetries of a network, each verified before use."""

    net: TwoLayerNet
    generators: tuple[SignedPermutation, ...]
    evidence: tuple[str, ...]
    flip_parity: Parity | None
    rejected: tuple[tuple[str, str], ...]

    @cached_property
    def continuous(self) -> tuple[ContinuousSymmetry, ...]:
        """Verified continuous / non-orthogonal symmetries (computed on first use)."""
        from .symmetry_continuous import continuous_symmetries

        return continuous_symmetries(self.net)

    @cached_property
    def group_order(self) -> int:
        """``|G| = m! · 2^m`` with sign flips, ``m!`` without (the hyperoctahedral / symmetric group)."""
        import math

        m = self.net.width
        return math.factorial(m) * (2**m if self.flip_parity is not None else 1)

    @property
    def group_name(self) -> str:
        m = self.net.width
        return f"S_{m} ⋉ (Z_2)^{m}" if self.flip_parity is not None else f"S_{m}"


def derive_symmetries(net: TwoLayerNet) -> SymmetryReport:
    """Derive the discrete orthogonal symmetry generators of ``net`` and verify each."""
    m = net.width
    candidates: list[SignedPermutation] = []
    if m >= 2:
        candidates.append(unit_permutation(net, {1: 2, 2: 1}, "swap units 1,2"))
    if m >= 3:
        candidates.append(unit_permutation(net, {k: k % m + 1 for k in range(1, m + 1)}, f"cycle units 1..{m}"))
    parity = net.activation.parity
    flip_parity = parity if parity in (Parity.ODD, Parity.EVEN) else None
    if flip_parity is not None:
        kind = "(a,w,b) → (−a,−w,−b)" if flip_parity is Parity.ODD else "(a,w,b) → (a,−w,−b)"
        candidates.append(unit_flip(net, 1, flip_parity, f"flip unit 1 {kind}"))
    generators, evidence, rejected = [], [], []
    for g in candidates:
        ok, why = verify_symmetry(net, g)
        if ok:
            generators.append(g)
            evidence.append(why)
        else:
            rejected.append((g.label, why))
            if "flip" in g.label:
                flip_parity = None
    return SymmetryReport(net, tuple(generators), tuple(evidence), flip_parity, tuple(rejected))


def group_elements(report: SymmetryReport) -> list[SignedPermutation]:
    """All elements of the group generated by the verified generators (brute force).

    Closure by breadth-first search; meant for small widths (|G| = m!·2^m).
    """
    ident = SignedPermutation.identity(report.net.dim)
    seen = {(ident.perm, ident.signs): ident}
    frontier = [ident]
    while frontier:
        nxt = []
        for h in frontier:
            for g in report.generators:
                e = g * h
                key = (e.perm, e.signs)
                if key not in seen:
                    seen[key] = e
                    nxt.append(e)
        frontier = nxt
    return list(seen.values())
