r"""Float geometry of exact subspaces for the numerical checks (math.md §8).

An exact :class:`~simtool.symbolic.subspace.Subspace` ``S`` becomes, in float64,

* a sampler of random points of ``S`` (Gaussian coefficients on the exact basis
  returned by ``S.basis()``; for condensations its entries are 0/±1, so sampled
  points lie on ``S`` exactly);
* the relative distance :math:`\operatorname{dist}(\theta, S)/\lVert\theta\rVert
  = \lVert L^{-1} E\theta\rVert / \lVert\theta\rVert`, with ``E`` the exact RREF
  equation rows and :math:`LL^\top = EE^\top` (so :math:`E^\top L^{-\top}` is an
  orthonormal basis of :math:`S^\perp`).  Applying the exact rows first means a point
  whose coordinates satisfy the equations exactly has distance exactly 0, and avoids
  the cancellation of :math:`\theta - P\theta`; ``0/0`` counts as 0 (the origin lies
  on every subspace).

It also applies the signed permutations of :mod:`simtool.symbolic.symmetry` to
batches and proposes *look-alikes* of a SIM: subspaces of the same "shape" that are
not invariant (math.md §2 trap), used as controls.

>>> import torch
>>> from simtool.symbolic.subspace import Subspace
>>> s = FloatSubspace(Subspace.from_equations(3, [{0: 1, 1: -1}]))      # θ0 = θ1
>>> [round(v, 12) for v in s.distance(torch.tensor([[1.0, 1.0, 5.0], [1.0, -1.0, 0.0]])).tolist()]
[0.0, 1.0]
>>> p = s.sample(4, torch.Generator().manual_seed(0))
>>> bool((p[:, 0] == p[:, 1]).all()), float(s.distance(p).max())
(True, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import torch

from ..symbolic.subspace import Subspace, linear_form_text

__all__ = [
    "FloatSubspace",
    "apply_signed_permutation",
    "describe_equations",
    "lookalike_candidates",
]

Tensor = torch.Tensor


def _dense(rows: Sequence[Sequence[Fraction]], ncols: int, dtype, device) -> Tensor:
    if not rows:
        return torch.zeros((0, ncols), dtype=dtype, device=device)
    return torch.tensor([[float(v) for v in r] for r in rows], dtype=dtype, device=device)


class FloatSubspace:
    """Float64 view of an exact subspace: sampling, distance, normal projection.

    Attributes
    ----------
    subspace : Subspace
        The exact subspace.
    basis : Tensor
        ``(D, k)``: the exact basis vectors as columns (not orthonormal).
    equations : Tensor
        ``(c, D)``: the exact RREF equation rows ``E``.
    normal : Tensor
        ``(D, c)``: orthonormal basis ``E^T L^{-T}`` of the orthogonal complement ``S^⊥``.
    """

    def __init__(self, subspace: Subspace, *, dtype=torch.float64, device="cpu") -> None:
        self.subspace = subspace
        D = subspace.ambient
        self.basis = _dense(subspace.basis(), D, dtype, device).T.reshape(D, subspace.dim)
        self.equations = _dense(subspace.basis_of_orthogonal(), D, dtype, device)
        gram = self.equations @ self.equations.T
        eye = torch.eye(gram.shape[0], dtype=dtype, device=device)
        chol = torch.linalg.cholesky(gram) if gram.shape[0] else gram
        self._linv_t = torch.linalg.solve_triangular(chol, eye, upper=False).T if gram.shape[0] else eye
        self.normal = self.equations.T @ self._linv_t

    @property
    def dim(self) -> int:
        return self.subspace.dim

    @property
    def ambient(self) -> int:
        return self.subspace.ambient

    def sample(self, n: int, generator: torch.Generator, *, std: float = 1.0) -> Tensor:
        """``n`` random points of ``S``: ``basis @ c`` with ``c ~ N(0, std²)``."""
        c = torch.randn(n, self.dim, generator=generator, dtype=self.basis.dtype)
        return (c.to(self.basis.device) * std) @ self.basis.T

    def random_normal(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` random unit vectors of ``S^⊥`` (rows)."""
        c = torch.randn(n, self.normal.shape[1], generator=generator, dtype=self.normal.dtype)
        v = c.to(self.normal.device) @ self.normal.T
        return v / torch.linalg.vector_norm(v, dim=-1, keepdim=True)

    def normal_component(self, v: Tensor) -> Tensor:
        """``‖L^{-1} E v‖`` (the length of the component in ``S^⊥``) along the last axis."""
        return torch.linalg.vector_norm((v @ self.equations.T) @ self._linv_t, dim=-1)

    def distance(self, theta: Tensor) -> Tensor:
        """Relative distance ``‖N^T θ‖ / ‖θ‖`` along the last axis (``0/0 = 0``)."""
        num = self.normal_component(theta)
        den = torch.linalg.vector_norm(theta, dim=-1)
        return torch.where(num == 0, torch.zeros_like(num), num / den)

    def image(self, g) -> FloatSubspace:
        """The float view of ``g·S`` for a signed permutation ``g`` (no new QR)."""
        new = object.__new__(FloatSubspace)
        new.subspace = Subspace.from_equations(
            self.ambient, [g.apply(r) for r in self.subspace.basis_of_orthogonal()]
        )
        new.basis = apply_signed_permutation(g, self.basis.T).T
        new.equations = apply_signed_permutation(g, self.equations)
        new._linv_t = self._linv_t  # g is orthogonal: E_g E_g^T = E E^T
        new.normal = apply_signed_permutation(g, self.normal.T).T
        return new


def apply_signed_permutation(g, theta: Tensor) -> Tensor:
    """``g θ`` for each row: ``(gθ)[perm[i]] = signs[i] θ[i]`` (``g`` a SignedPermutation).

    >>> from simtool.symbolic.symmetry import SignedPermutation
    >>> g = SignedPermutation((1, 0, 2), (1, 1, -1))
    >>> apply_signed_permutation(g, torch.tensor([[10.0, 20.0, 30.0]])).tolist()
    [[20.0, 10.0, -30.0]]
    """
    perm = torch.tensor(g.perm, device=theta.device)
    signs = torch.tensor(g.signs, dtype=theta.dtype, device=theta.device)
    out = torch.empty_like(theta)
    out[..., perm] = theta * signs
    return out


def describe_equations(net, subspace: Subspace, *, limit: int = 6) -> str:
    """Short human form of a subspace's equations in parameter names.

    >>> from simtool.symbolic.activation import get_activation
    >>> from simtool.symbolic.network import TwoLayerNet
    >>> net = TwoLayerNet(2, get_activation("tanh"))
    >>> describe_equations(net, Subspace.from_equations(6, [{1: 1, 4: -1}, {0: 1}]))
    'a1 = 0, w1 = w2'
    """
    parts = []
    for row in subspace.equations:
        if len(row) == 1:
            parts.append(f"{net.names[row[0][0]]} = 0")
        elif len(row) == 2 and row[0][1] == 1 and abs(row[1][1]) == 1:
            rhs = net.names[row[1][0]]
            parts.append(f"{net.names[row[0][0]]} = {'' if row[1][1] < 0 else '−'}{rhs}")
        else:
            parts.append(f"{linear_form_text(net.names, row)} = 0")
    if not parts:
        return "no constraint"
    if len(parts) > limit:
        return ", ".join(parts[:limit]) + f", … ({len(parts)} equations)"
    return ", ".join(parts)


def lookalike_candidates(net, subspace: Subspace) -> list[tuple[str, Subspace]]:
    """Subspaces shaped like ``subspace`` that symmetry does not make invariant.

    With ``L`` the output layer and "layer-``l`` weights" the coordinates whose role is
    a weight of layer ``l`` (asked of ``net.roles``), in order of preference, for
    ``l = L, L−1, …, 2``:

    1. *partial*: keep only the equations that do not touch a layer-``l`` weight (a
       condensation without the outgoing weights ``a_k = a_l``; a zero block with
       ``a_k`` free, for the two-layer net ``l = L = 2``);
    2. *output only* (``l = L``) / *layer-l weights only*: keep only the equations on
       layer-``l`` weights;

    and finally 3. the hyperplane ``{W_L[1, 1] = 0}`` (``a_1 = 0``; math.md §2: rank
    drops there, invariance does not hold).

    Candidates equal to ``subspace``, to the whole space or to an earlier one are
    skipped.  Whether a candidate really is non-invariant for the data at hand is
    decided by the caller (numerically: the field has a normal component on it).
    """
    roles = net.roles
    depth = max(r.layer for r in roles)
    rows = [dict(r) for r in subspace.equations]
    out: list[tuple[str, Subspace]] = []
    seen = {subspace, Subspace.whole(net.dim)}

    def offer(label: str, eqs) -> None:
        cand = Subspace.from_equations(net.dim, eqs)
        if cand not in seen:
            seen.add(cand)
            out.append((label, cand))

    for layer in range(depth, 1, -1):
        idx = {i for i, r in enumerate(roles) if r.layer == layer and r.kind == "weight"}
        offer("partial" if layer == depth else f"partial (layer-{layer} weights free)",
              [r for r in rows if not (set(r) & idx)])
        offer("output weights only" if layer == depth else f"layer-{layer} weights only",
              [r for r in rows if set(r) <= idx])
    first = next(i for i, r in enumerate(roles)
                 if r.layer == depth and r.kind == "weight" and r.neuron == 1 and r.input == 1)
    offer("hyperplane", [{first: 1}])
    return out
