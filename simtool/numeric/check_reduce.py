r"""The *reduces* check: the wide flow on a SIM is the narrow net's metric flow (§5).

For a lattice element ``S`` with its general reduction ``red``
(:func:`simtool.symbolic.reduction_general.reduce_subspace`: narrow net ``f̃``,
projection ``P`` with ``f = f̃∘P`` on ``S``, metric ``M = P Π_S Pᵀ`` — rational and in
general not diagonal —, frozen narrow coordinates and fiber rows ``v``), sample
``θ_0 ∈ S`` and integrate

* the wide gradient flow ``θ' = −∇R(θ)`` from ``θ_0``;
* the narrow *metric* flow ``θ̃' = −M ∇R̃(θ̃)`` from ``P θ_0``;
* the narrow *naive* (Euclidean) flow ``θ̃' = −∇R̃(θ̃)`` from ``P θ_0`` (frozen
  coordinates held at 0);

and compare ``P θ(t)`` with ``θ̃(t)``.  Also check that every fiber quantity ``v·θ(t)``
stays constant (``ker P ∩ S`` is invisible to ``f̃``, so the flow cannot move it).
The metric error and the fiber drift must be at integrator accuracy
(``FlowSetup.accuracy_tol``); whenever ``M ≠ I`` on the live coordinates the naive
error must be clearly larger (at least 100 × the metric error and 10 × the
tolerance), otherwise the run could not tell the two flows apart and the verdict is
``inconclusive``.

Fixed-step integrators and gradient descent commute with ``P`` exactly (every stage
stays on ``S``, where ``P F(θ) = M F̃(Pθ)``), so there the errors are round-off.

What the check needs of a reduction is the :class:`ReductionLike` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import torch

from ..symbolic.subspace import Subspace
from .check_batch import FlowBatch
from .check_flows import _np, _rel, failures
from .check_geometry import FloatSubspace
from .check_setup import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    VIOLATED,
    CheckResult,
    FlowSetup,
)
from .fields import Metric

__all__ = ["ReductionLike", "check_reduces", "plan_reduces", "is_identity_reduction"]

Tensor = torch.Tensor
Rows = Sequence[Sequence[Fraction]]


class ReductionLike(Protocol):
    """What the reduces check asks of a reduction (the general ``Reduction`` has it)."""

    @property
    def subspace(self) -> Subspace: ...

    @property
    def narrow(self) -> Any: ...

    @property
    def project(self) -> Rows: ...

    @property
    def metric_matrix(self) -> Rows: ...

    @property
    def frozen(self) -> tuple[int, ...]: ...

    @property
    def fiber(self) -> Rows: ...


def _matrix(rows: Rows, ncols: int, dtype, device) -> Tensor:
    if not rows:
        return torch.zeros((0, ncols), dtype=dtype, device=device)
    return torch.tensor([[float(v) for v in r] for r in rows], dtype=dtype, device=device)


def is_identity_reduction(red: ReductionLike) -> bool:
    """``True`` when the narrow net is the wide net itself (the top element)."""
    P = red.project
    D = red.subspace.ambient
    return len(P) == D and all(P[i][j] == (1 if i == j else 0) for i in range(D) for j in range(D))


def _metric(red: ReductionLike, dtype, device) -> tuple[Metric, bool]:
    """The float metric (diagonal when ``M`` is) and whether ``M ≠ I`` on live coordinates."""
    M = red.metric_matrix
    n = len(M)
    frozen = set(red.frozen)
    live = [i for i in range(n) if i not in frozen]
    diagonal = all(M[r][c] == 0 for r in range(n) for c in range(n) if r != c)
    non_identity = any(M[r][c] != (1 if r == c else 0) for r in live for c in live)
    if diagonal:
        return Metric.diag([float(M[i][i]) for i in range(n)], dtype=dtype, device=device), non_identity
    return Metric.matrix(_matrix(M, n, dtype, device)), non_identity


def plan_reduces(batch: FlowBatch, red: ReductionLike, *, n_traj: int = 64,
                 generator: torch.Generator) -> Callable[[], CheckResult]:
    """Queue the three runs of :func:`check_reduces`; call the result after ``batch.run()``."""
    if is_identity_reduction(red):
        return lambda: CheckResult("reduces", NOT_APPLICABLE, "trivial: the reduction is the identity")
    S = red.subspace
    if S.dim == 0:
        return lambda: CheckResult("reduces", NOT_APPLICABLE, "the SIM is the origin (nothing to reduce)")
    setup = batch.setup
    dev, dt = setup.torch_device, torch.float64
    D = S.ambient
    P = _matrix(red.project, D, dt, dev)  # (Dn, D)
    metric, non_identity = _metric(red, dt, dev)
    frozen = tuple(red.frozen)
    theta0 = FloatSubspace(S, device=dev).sample(int(n_traj), generator)
    t0 = theta0 @ P.T
    if frozen:
        t0[:, list(frozen)] = 0.0  # P θ_0 is 0 there already; make it exact
    wide = batch.add(theta0)
    met = batch.add(t0, net=red.narrow, metric=metric, frozen=frozen)
    naive = batch.add(t0, net=red.narrow, frozen=frozen)
    V = _matrix(red.fiber, D, dt, dev)
    return lambda: _compare(setup, red, P, V, non_identity, wide(), met(), naive())


def check_reduces(setup: FlowSetup, red: ReductionLike, *, n_traj: int = 64,
                  generator: torch.Generator) -> CheckResult:
    """Compare the projected wide trajectory with the metric and naive narrow flows."""
    batch = FlowBatch(setup)
    finish = plan_reduces(batch, red, n_traj=n_traj, generator=generator)
    batch.run()
    return finish()


def _compare(setup: FlowSetup, red: ReductionLike, P: Tensor, V: Tensor, non_identity: bool,
             wide, met, naive) -> CheckResult:
    narrow = red.narrow
    n_traj = len(wide.status)
    ok = wide.ok & met.ok & naive.ok
    n_steps = int(max(r.n_steps.max() for r in (wide, met, naive)))
    tol = setup.accuracy_tol(n_steps)
    widths = tuple(narrow.layer_widths[1:-1])
    figures: dict[str, Any] = {"tol": tol, "narrow_widths": ",".join(map(str, widths)),
                               "n_traj": int(n_traj), "n_ok": int(ok.sum()),
                               "merged_block": non_identity, "fiber_dim": int(V.shape[0])}
    if not bool(ok.any()):
        why = "; ".join(filter(None, (failures(r) for r in (wide, met, naive))))
        return CheckResult("reduces", INCONCLUSIVE, f"no trajectory completed; {why}", figures)
    W = wide.states[:, ok]  # (T, B, D)
    PW = W @ P.T
    npw = torch.linalg.vector_norm(PW, dim=-1)

    def err(res) -> Tensor:  # (T, B)
        return _rel(torch.linalg.vector_norm(PW - res.states[:, ok], dim=-1), npw)

    e_met, e_naive = err(met), err(naive)
    m_err = float(e_met.max())
    n_err = float(e_naive.max(dim=0).values.median())
    figures.update(metric_err=m_err, naive_err=n_err)
    drift = 0.0
    if V.shape[0]:
        c = W @ V.T  # (T, B, k)
        scale = torch.linalg.vector_norm(V, dim=1) * torch.linalg.vector_norm(W, dim=-1).amax(0)[:, None]
        drift = float(_rel((c - c[:1]).abs(), scale.expand_as(c)).max())
        figures["fiber_drift"] = drift
    traces = {"times": _np(wide.times), "metric_err": _np(e_met), "naive_err": _np(e_naive),
              "wide_projected": _np(PW[:, 0]), "metric": _np(met.states[:, ok][:, 0]),
              "naive": _np(naive.states[:, ok][:, 0]),
              "names": np.array([n[0] + "~" + n[1:] for n in narrow.names])}
    text = (f"D = {P.shape[1]} → {P.shape[0]} (widths {','.join(map(str, widths))}): metric-flow "
            f"error {m_err:.1e} (tol {tol:.1e}), naive Euclidean error {n_err:.1e} (median)")
    if V.shape[0]:
        text += f"; {V.shape[0]} fiber quantit{'y' if V.shape[0] == 1 else 'ies'} drift {drift:.1e}"
    if m_err > tol:
        return CheckResult("reduces", VIOLATED, f"the metric flow does not reproduce the wide one: "
                           f"{text}", figures, traces)
    if drift > tol:
        return CheckResult("reduces", VIOLATED, f"a fiber quantity v·θ is not conserved: {text}",
                           figures, traces)
    if not non_identity:
        return CheckResult("reduces", CONFIRMED, f"{text}; no merged block (M = I), so the naive "
                           "flow is the metric flow", figures, traces)
    M = red.metric_matrix
    frozen = set(red.frozen)
    merged = [j for j in range(len(M)) if j not in frozen
              and any(M[j][c] != (1 if c == j else 0) for c in range(len(M)))]
    Sm = met.states[:, ok][:, :, merged]
    if not bool((Sm != Sm[:1]).any()):
        return CheckResult("reduces", CONFIRMED, f"{text}; the merged coordinates (M ≠ I) have zero "
                           "velocity here, so the naive flow is the metric flow", figures, traces)
    if n_err >= max(100 * m_err, 10 * tol):
        return CheckResult("reduces", CONFIRMED, text, figures, traces)
    return CheckResult("reduces", INCONCLUSIVE, f"{text}; the naive flow is not clearly worse, the "
                       "flow moved too little to tell them apart (try a larger --t-max)",
                       figures, traces)
