r"""Numerical orbit dimension: Lie-bracket rank and endpoint-map rank (math.md §6).

For a network :math:`f(\theta, x)` the per-sample fields :math:`V_x(\theta) =
\nabla_\theta f(\theta, x)` generate every gradient flow :math:`\theta' = -\sum_i
r_i V_{x_i}(\theta)`.  By Sussmann / Hermann–Nagano the orbit of the family
:math:`\{V_x\}` through :math:`\theta` is an immersed submanifold whose dimension is
the rank at :math:`\theta` of the Lie algebra they generate.  Two float estimates:

* :func:`lie_rank`: rank of the left-normed brackets
  :math:`[V_{x_1}, [V_{x_2}, \dots, V_{x_k}]](\theta)` for random tuples of inputs,
  :math:`k = 1 \dots` ``depth``, each bracket
  :math:`[A, B] = DB\,A - DA\,B` a pair of nested ``torch.func.jvp``;
* :func:`endpoint_rank`: rank of the Jacobian in :math:`t` of the endpoint map
  :math:`(t_1, \dots, t_N) \mapsto \varphi^{x_N}_{t_N} \circ \dots \circ
  \varphi^{x_1}_{t_1}(\theta)` (flows integrated with RK4, Jacobian by
  ``torch.func.jacfwd``).

Both are **lower bounds** on the orbit dimension: finitely many inputs, a finite
bracket depth and finitely many flows can miss directions, never add them (up to the
float decision).  The decision itself is float evidence: :class:`NumericRank` keeps
the singular values, the threshold, the gap at the cut and a confidence word.  A rank
deficit says nothing about invariance of a set (math.md §2 trap).

Any model works that offers :class:`FieldModel`: ``dim``, ``input_dim`` and the
per-sample gradients ``jacobian(θ (B, D), X) -> (B, n, D)`` for a shared ``X (n, d)``
or per-row ``X (B, n, d)``, differentiable by ``torch.func.jvp`` and by autograd
(:class:`~simtool.numeric.model.TwoLayerModel` does; so does
:class:`~simtool.numeric.network_model.NetworkModel` for any network).

>>> import torch
>>> from simtool.numeric.model import TwoLayerModel
>>> model = TwoLayerModel.from_spec(2, "relu")
>>> theta = torch.tensor([1.0, 0.5, -0.2, -0.7, 1.5, 0.3], dtype=torch.float64)
>>> lie_rank(model, theta, depth=2, generator=torch.Generator().manual_seed(0)).rank  # D − 2 laws
4
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch
from torch.func import jvp

from ..errors import SimtoolError

__all__ = ["FieldModel", "NumericRank", "LieRank", "numerical_rank", "sample_inputs",
           "lie_rank", "endpoint_rank", "DEFAULT_RANK_TOL", "CLEAR_GAP"]

Tensor = torch.Tensor
#: singular values below this fraction of the largest count as zero
DEFAULT_RANK_TOL = 1e-9
#: a cut with at least this ratio s_r / s_{r+1} (and s_{r+1} below the tolerance) is "clear"
CLEAR_GAP = 1e4
_EPS = float(torch.finfo(torch.float64).eps)


@runtime_checkable
class FieldModel(Protocol):
    """What the orbit computations ask of a numeric model."""

    @property
    def dim(self) -> int: ...

    @property
    def input_dim(self) -> int: ...

    def jacobian(self, theta: Tensor, X: object) -> Tensor: ...


@dataclass(frozen=True)
class NumericRank:
    """A float rank decision with its evidence.

    Attributes
    ----------
    rank : int
        Number of singular values above ``tol · s_max``.
    singular_values : tuple of float
        All singular values divided by the largest (descending).
    tol : float
        The relative threshold used.
    gap : float
        ``s_rank / s_{rank+1}`` (``inf`` when nothing was cut or the next is 0).
    confidence : str
        ``"clear"`` (gap ≥ :data:`CLEAR_GAP`), ``"weak"`` otherwise; ``"full"`` when the
        rank is the ambient dimension and the smallest value is above the threshold by
        ``CLEAR_GAP``.
    """

    rank: int
    singular_values: tuple[float, ...]
    tol: float
    gap: float
    confidence: str

    def statement(self) -> str:
        """One sentence: rank, gap, confidence."""
        sv = self.singular_values
        if self.rank == len(sv):
            return (f"rank {self.rank} (full); smallest singular value {sv[-1]:.1e} of the largest "
                    f"(threshold {self.tol:.0e}): {self.confidence}")
        above = f"{sv[self.rank - 1]:.1e}" if self.rank else "—"
        return (f"rank {self.rank}: singular values drop from {above} to {sv[self.rank]:.1e} "
                f"(gap {_fmt_gap(self.gap)}, threshold {self.tol:.0e}): {self.confidence} decision")

    def as_dict(self) -> dict:
        return {"rank": self.rank, "tol": self.tol, "gap": self.gap if math.isfinite(self.gap) else None,
                "confidence": self.confidence, "singular_values": list(self.singular_values)}


def _fmt_gap(g: float) -> str:
    return "∞" if not math.isfinite(g) else f"{g:.1e}"


def numerical_rank(M: Tensor, tol: float = DEFAULT_RANK_TOL) -> NumericRank:
    """Rank of the rows of ``M`` by SVD with a relative threshold, with the gap.

    >>> numerical_rank(torch.tensor([[1.0, 0.0], [2.0, 1e-14]], dtype=torch.float64)).rank
    1
    """
    if M.ndim != 2 or M.shape[1] == 0:
        raise SimtoolError(f"numerical_rank needs a non-empty matrix, got shape {tuple(M.shape)}")
    M = M.detach().to(torch.float64)
    if M.shape[0] == 0 or not bool(torch.isfinite(M).all()):
        raise SimtoolError("the sampled fields are empty or not finite (overflow?); "
                           "try a smaller --x-scale or another point")
    s = torch.linalg.svdvals(M)
    D = M.shape[1]
    if s.numel() < D:
        s = torch.cat([s, s.new_zeros(D - s.numel())])
    top = float(s[0])
    rel = (s / top if top > 0 else s).tolist()
    r = sum(1 for v in rel if v > tol)
    if r == D:
        gap = math.inf
        conf = "full" if rel[-1] > tol * CLEAR_GAP else "weak"
    else:
        below = rel[r]
        gap = (rel[r - 1] / below if below > 0 else math.inf) if r else 0.0
        conf = "clear" if gap >= CLEAR_GAP else "weak"
    return NumericRank(r, tuple(rel), tol, gap, conf)


def sample_inputs(n: int, d: int, generator: torch.Generator, *, scale: float = 1.0) -> Tensor:
    r"""``n`` random inputs ``(n, d)``: Gaussian directions with log-uniform radii.

    Radii :math:`\rho = \text{scale}\cdot 10^{u}`, :math:`u \sim U(-1, 1)`, so small
    inputs (where smooth σ are far from saturation) and large ones (which reach every
    half-space of a relu unit with a bias) both occur.
    """
    g = torch.randn(n, d, generator=generator, dtype=torch.float64)
    u = torch.rand(n, 1, generator=generator, dtype=torch.float64) * 2 - 1
    return g / g.norm(dim=1, keepdim=True).clamp_min(1e-300) * (scale * 10.0 ** u) * math.sqrt(d)


def _field(model: FieldModel, X: Tensor) -> Callable[[Tensor], Tensor]:
    """``Θ (B, D) -> (B, D)``: row ``i`` is ``∇_θ f(Θ_i, X_i)`` (``X (B, d)``)."""
    Xb = X[:, None, :]

    def F(theta: Tensor) -> Tensor:
        return model.jacobian(theta, Xb)[:, 0, :]
    return F


def _jvp_ready() -> None:
    """torch loads its jvp decompositions on the first ``make_dual`` and warns while
    doing so (``torch.jit.script`` deprecation); load them once with that warning off."""
    global _JVP_READY
    if not _JVP_READY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            x = torch.zeros(1, dtype=torch.float64)
            jvp(lambda t: t, (x,), (x,))
        _JVP_READY = True


_JVP_READY = False


def _bracket(A: Callable, B: Callable) -> Callable[[Tensor], tuple[Tensor, Tensor]]:
    """``Θ -> ([A, B](Θ), scale)`` row-wise, ``[A, B] = DB·A − DA·B``; ``A`` is a field,
    ``B`` returns ``(value, scale)``.

    ``scale`` is the size below which the bracket is round-off: the sum of the two
    terms' norms, times the cancellation factor ``scale_B / ‖B‖`` already suffered by
    ``B`` (so a bracket of a round-off-sized ``B`` stays round-off sized, however it is
    normalised).
    """
    def C(theta: Tensor) -> tuple[Tensor, Tensor]:
        (b, b_scale), (t1, _) = jvp(B, (theta,), (A(theta),))
        t2 = jvp(A, (theta,), (b,))[1]
        # cancellation factor of b: total cancellation (b = 0 from non-zero terms) counts
        # as cancellation to round-off; b = 0 from zero terms (e.g. a zero unit) as none
        b_norm = b.norm(dim=1)
        floor = _EPS * b_scale
        rho = torch.where(b_scale > 0, b_scale / torch.maximum(b_norm, floor).clamp_min(1e-300),
                          torch.ones_like(b_norm))
        return t1 - t2, (t1.norm(dim=1) + t2.norm(dim=1)) * rho
    return C


def _with_scale(F: Callable[[Tensor], Tensor]) -> Callable[[Tensor], tuple[Tensor, Tensor]]:
    def G(theta: Tensor) -> tuple[Tensor, Tensor]:
        v = F(theta)
        return v, v.norm(dim=1)
    return G


@dataclass(frozen=True)
class LieRank:
    """Ranks of the bracket spans up to each depth (``by_depth[k-1]`` for depth ``k``)."""

    by_depth: tuple[NumericRank, ...]
    rows_per_depth: int
    scale: float

    @property
    def rank(self) -> int:
        return self.by_depth[-1].rank

    @property
    def depth(self) -> int:
        return len(self.by_depth)

    @property
    def final(self) -> NumericRank:
        return self.by_depth[-1]


def _check(model: FieldModel, theta: Tensor) -> Tensor:
    if not isinstance(model, FieldModel):
        raise SimtoolError(f"{type(model).__name__} does not offer dim, input_dim and forward")
    theta = torch.as_tensor(theta, dtype=torch.float64).detach().reshape(-1)
    if theta.numel() != model.dim or not bool(torch.isfinite(theta).all()):
        raise SimtoolError(f"θ must be a finite vector of length {model.dim}")
    return theta


def lie_rank(model: FieldModel, theta: Tensor, *, depth: int = 2, rows: int | None = None,
             generator: torch.Generator, scale: float = 1.0, tol: float = DEFAULT_RANK_TOL) -> LieRank:
    r"""Rank at ``theta`` of the span of brackets of the fields ``∇_θ f(·, x)`` up to ``depth``.

    Parameters
    ----------
    model : FieldModel
    theta : Tensor
        The point, shape ``(D,)``.
    depth : int
        Longest bracket: 1 = the fields themselves, 2 = also ``[V_x, V_y]``, …
    rows : int, optional
        Random input tuples per depth (default ``2D + 16``).
    generator : torch.Generator
        Source of the random inputs (explicit: conventions.md rule 9).
    scale : float
        Input scale for :func:`sample_inputs`.
    tol : float
        Relative singular-value threshold.

    Each depth-1 row is divided by its norm, each bracket row by the sum of the norms
    of its two terms times the cancellation its inner bracket suffered (so a bracket
    that vanishes algebraically leaves a round-off-sized row, not a unit one).
    The rank at depth ``k`` is that of all rows of depths ``≤ k``.
    """
    theta = _check(model, theta)
    _jvp_ready()
    if depth < 1 or depth > 6:
        raise SimtoolError(f"bracket depth must be 1..6, got {depth}")
    D, d = model.dim, model.input_dim
    n = int(rows) if rows is not None else 2 * D + 16
    stacked: list[Tensor] = []
    ranks: list[NumericRank] = []
    for k in range(1, depth + 1):
        Xs = [sample_inputs(n, d, generator, scale=scale) for _ in range(k)]
        Th = theta.expand(n, D).clone()
        C: Callable = _with_scale(_field(model, Xs[-1]))
        for j in range(k - 2, -1, -1):
            C = _bracket(_field(model, Xs[j]), C)
        R, norm = C(Th)
        R = R.detach()
        stacked.append(torch.where(norm[:, None] > 0, R / norm.clamp_min(1e-300)[:, None], R))
        ranks.append(numerical_rank(torch.cat(stacked), tol))
    return LieRank(tuple(ranks), n, scale)


def endpoint_rank(model: FieldModel, theta: Tensor, *, n_flows: int | None = None, substeps: int = 4,
                  step: float = 0.3, flow_tol: float = 1e-10, generator: torch.Generator, scale: float = 1.0,
                  tol: float = DEFAULT_RANK_TOL) -> tuple[NumericRank, dict]:
    r"""Rank of :math:`\partial E/\partial t` for the endpoint map of ``n_flows`` sample flows.

    Flow ``j`` follows :math:`V_{x_j}` for a time :math:`t_j` chosen so that it moves
    about ``step · ‖θ‖/√N`` (random sign).  Each flow is integrated with RK4 and
    accepted only when ``substeps`` and ``2·substeps`` steps agree to ``flow_tol``
    relative to the displacement; otherwise ``t_j`` is halved.  This keeps the RK4
    endpoint on the orbit to about ``flow_tol`` (RK4 is not an exact flow) and, for
    non-smooth σ such as relu, keeps flows off the kinks where RK4 loses its order.
    The Jacobian in ``t`` (with ``2·substeps``) is one reverse-mode pass; its rows are
    normalised.  ``N`` defaults to ``D + 8`` (the rank is at most ``N``).

    Returns
    -------
    (NumericRank, dict)
        The rank decision and ``{"flows", "substeps", "flow_tol", "shortened"}``
        (``shortened``: how many times a flow time was halved).
    """
    theta = _check(model, theta)
    D, d = model.dim, model.input_dim
    N = int(n_flows) if n_flows is not None else D + 8
    X = sample_inputs(N, d, generator, scale=scale)
    signs = torch.randint(0, 2, (N,), generator=generator).to(torch.float64) * 2 - 1
    u = 0.5 + torch.rand(N, generator=generator, dtype=torch.float64)
    fields = [_shared_field(model, X[j:j + 1]) for j in range(N)]
    radius = float(theta.norm()) or 1.0
    target = step * radius / math.sqrt(N)
    times, shortened = [], 0
    with torch.no_grad():  # choose the times along a first pass
        th = theta[None]
        for j in range(N):
            tj = float(signs[j] * u[j]) * target / max(float(fields[j](th).norm()), 1e-12)
            for _ in range(60):  # shorten flows that blow up, run away or are not smooth
                nxt = _flow(fields[j], th, tj, substeps)
                fine = _flow(fields[j], th, tj, 2 * substeps)
                moved = float((nxt - th).norm())
                if (bool(torch.isfinite(fine).all()) and moved <= 2 * target
                        and float((fine - nxt).norm()) <= flow_tol * max(moved, 1e-300)):
                    break
                tj /= 2
                shortened += 1
            nxt = fine
            times.append(tj)
            th = nxt
    # reverse mode with one row per output coordinate: row i of the batch computes the
    # endpoint from its own copy of the times, and the backward pass of Σ_i E_i(row i)
    # leaves ∂E_i/∂t in row i (rows of the model are independent).  Reverse mode
    # because forward-mode AD of elementwise products is slow on CPU in torch 2.x.
    t0 = torch.tensor(times, dtype=torch.float64)
    T = t0.expand(D, N).clone().requires_grad_(True)
    with torch.enable_grad():
        th = theta.expand(D, D)
        for j in range(N):
            th = _flow(fields[j], th, T[:, j:j + 1], 2 * substeps)
        th.diagonal().sum().backward()
    J = T.grad.detach().T  # (N, D): row j = ∂E/∂t_j
    norms = J.norm(dim=1)
    rank = numerical_rank(torch.where(norms[:, None] > 0, J / norms.clamp_min(1e-300)[:, None], J), tol)
    return rank, {"flows": N, "substeps": 2 * substeps, "flow_tol": flow_tol, "shortened": shortened}


def _shared_field(model: FieldModel, x: Tensor) -> Callable[[Tensor], Tensor]:
    """``Θ (B, D) -> (B, D)``: every row's field at the one input ``x (1, d)``."""
    def F(theta: Tensor) -> Tensor:
        return model.jacobian(theta, x)[:, 0, :]
    return F


def _flow(F: Callable[[Tensor], Tensor], th: Tensor, t, substeps: int) -> Tensor:
    h = t / substeps
    for _ in range(substeps):
        k1 = F(th)
        k2 = F(th + 0.5 * h * k1)
        k3 = F(th + 0.5 * h * k2)
        k4 = F(th + h * k3)
        th = th + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return th
