r"""Numerical orbit dimension by iterated Lie brackets (math.md §6), with ``torch.func``.

The per-sample fields :math:`V_x(\theta) = \nabla_\theta f(\theta, x)` generate a Lie
algebra; by Sussmann / Hermann–Nagano its rank at ``θ`` is the dimension of the orbit
through ``θ``.  :func:`orbit_rank` stacks, at one point ``θ``,

* the fields ``V_{x_i}(θ)`` for the sample inputs ``x_i``,
* the brackets ``[V_{x_i}, V_{x_j}](θ) = DV_{x_j}(θ)V_{x_i}(θ) − DV_{x_i}(θ)V_{x_j}(θ)``
  (``depth ≥ 2``; Jacobian–vector products by ``torch.func.jvp``),
* brackets of those with the fields again (``depth = 3``),

and returns the numerical rank of the stack with its singular-value gap.  This is a
**lower bound** on the orbit dimension (depth-limited brackets can miss directions,
math.md §6) and a floating-point decision: the rank counts singular values above
``RANK_RTOL · σ_max``; ``gap = σ_r / σ_{r+1}`` says how clear the cut is.

>>> import torch
>>> from simtool.symbolic import TwoLayerNet, get_activation
>>> net = TwoLayerNet(2, get_activation("identity"), bias=False)
>>> r = orbit_rank(net, torch.tensor([0.3, -1.2, 0.7, 0.4]), torch.tensor([[0.5], [-1.5], [2.0]]))
>>> r.rank, r.dim
(1, 4)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import grad, jvp

from ..bridge import to_torch
from ..symbolic.activation import Z
from ..symbolic.network import TwoLayerNet

__all__ = ["OrbitRank", "orbit_rank", "RANK_RTOL", "network_function"]

#: singular values below ``RANK_RTOL · σ_max`` count as zero
RANK_RTOL = 1e-9

Field = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class OrbitRank:
    """Numerical rank of the stacked fields and brackets at one point."""

    rank: int
    dim: int
    singular_values: tuple[float, ...]
    #: ``σ_r / σ_{r+1}`` (``inf`` when the rank is full or zero)
    gap: float
    n_vectors: int
    depth: int

    @property
    def threshold(self) -> float:
        return RANK_RTOL * (self.singular_values[0] if self.singular_values else 0.0)


def network_function(net: TwoLayerNet) -> Callable[[Tensor, Tensor], Tensor]:
    """``f(θ, x)`` for one input ``x`` (shape ``(d,)``), differentiable by ``torch.func``.

    The layout comes from the network object (``a_index``, ``w_indices``, …); σ is the
    generic sympy → torch translation (no fast paths, so forward AD works).
    """
    sigma = to_torch([net.activation.expr], Z)
    units = [(net.a_index(k), list(net.w_indices(k)), net.b_index(k)) for k in range(1, net.width + 1)]
    c = net.c_index

    def f(theta: Tensor, x: Tensor) -> Tensor:
        out = theta.new_zeros(())
        for a, ws, b in units:
            pre = (theta[ws] * x).sum() + (theta[b] if b is not None else 0.0)
            out = out + theta[a] * sigma(pre)[0]
        return out + theta[c] if c is not None else out

    return f


def _bracket(u: Field, v: Field) -> Field:
    def w(theta: Tensor) -> Tensor:
        _, dv_u = jvp(v, (theta,), (u(theta),))
        _, du_v = jvp(u, (theta,), (v(theta),))
        return dv_u - du_v
    return w


def orbit_rank(net: TwoLayerNet, theta: Tensor, xs: Tensor, *, depth: int = 2,
               max_pairs: int | None = None) -> OrbitRank:
    """Rank of fields and Lie brackets up to ``depth`` (1–3) at ``theta``.

    Parameters
    ----------
    net : TwoLayerNet
    theta : Tensor
        The point, shape ``(D,)`` (float64).
    xs : Tensor
        Sample inputs, shape ``(n, d)``.
    depth : int
        1: fields only; 2: and their pairwise brackets; 3: and ``[V_k, [V_i, V_j]]``.
    max_pairs : int, optional
        Use only the first ``max_pairs`` samples inside brackets (cost control).
    """
    with warnings.catch_warnings():
        # torch loads its forward-AD decompositions on the first jvp through torch.jit.script,
        # which torch itself deprecates; the warning is about torch internals, not this code
        warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
        return _orbit_rank(net, theta, xs, depth, max_pairs)


def _orbit_rank(net: TwoLayerNet, theta: Tensor, xs: Tensor, depth: int, max_pairs: int | None) -> OrbitRank:
    theta = theta.to(torch.float64)
    xs = xs.to(torch.float64)
    f = network_function(net)
    g = grad(f)
    fields: list[Field] = [(lambda th, x=x: g(th, x)) for x in xs]
    vectors = [v(theta) for v in fields]
    inner = fields[: max_pairs or len(fields)]
    pairs = [_bracket(inner[i], inner[j]) for i in range(len(inner)) for j in range(i + 1, len(inner))]
    if depth >= 2:
        vectors += [b(theta) for b in pairs]
    if depth >= 3:
        vectors += [_bracket(u, b)(theta) for u in inner for b in pairs]
    mat = torch.stack(vectors)
    s = torch.linalg.svdvals(mat)
    smax = float(s[0]) if s.numel() else 0.0
    rank = int((s > RANK_RTOL * smax).sum()) if smax > 0 else 0
    sv = tuple(float(v) for v in s)
    if 0 < rank < len(sv):
        gap = sv[rank - 1] / max(sv[rank], 1e-300)
    else:
        gap = float("inf")
    return OrbitRank(rank, int(theta.numel()), sv, gap, len(vectors), depth)
