r"""The *reduces* check: the wide flow on a SIM is the narrow net's metric flow (§5).

For a lattice element with :class:`~simtool.symbolic.reduction.Reduction` ``red``
(lift ``L``, metric ``M``), start the wide net at ``θ_0 = L θ̃_0`` and the narrow net
at ``θ̃_0``; integrate

* the wide gradient flow ``θ' = −∇L(θ)``,
* the narrow *metric* flow ``θ̃' = −M ⊙ ∇L̃(θ̃)`` (math.md §5),
* the narrow *naive* (Euclidean) flow ``θ̃' = −∇L̃(θ̃)``,

and compare ``θ(t)`` with ``L θ̃(t)``.  The metric error must be at integrator
accuracy (``FlowSetup.accuracy_tol``); whenever some block has more than one unit
(``M ≠ 1``) the naive error must be clearly larger (at least 100 × the metric
error and 10 × the tolerance), otherwise the run could not tell the two flows apart
and the verdict is ``inconclusive``.

Fixed-step integrators and gradient descent commute with ``L`` exactly
(``F(Lθ̃) = L M F̃(θ̃)`` stage by stage), so there the metric error is round-off.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .check_batch import FlowBatch
from .check_flows import _np, _rel, failures
from .check_setup import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    VIOLATED,
    CheckResult,
    FlowSetup,
)

__all__ = ["check_reduces", "plan_reduces", "is_identity_reduction"]

Tensor = torch.Tensor


def _matrix(rows, dtype, device) -> Tensor:
    return torch.tensor([[float(v) for v in r] for r in rows], dtype=dtype, device=device)


def is_identity_reduction(red) -> bool:
    """``True`` when the narrow net is the wide net itself (the top element)."""
    D = red.wide.dim
    return red.narrow.dim == D and all(
        red.lift[i][j] == (1 if i == j else 0) for i in range(D) for j in range(D)
    ) and all(m == 1 for m in red.metric)


def plan_reduces(batch: FlowBatch, red, *, n_traj: int = 64,
                 generator: torch.Generator) -> Callable[[], CheckResult]:
    """Queue the three runs of :func:`check_reduces`; call the result after ``batch.run()``."""
    if is_identity_reduction(red):
        return lambda: CheckResult("reduces", NOT_APPLICABLE, "trivial: the reduction is the identity")
    setup = batch.setup
    dev, dt = setup.torch_device, torch.float64
    L = _matrix(red.lift, dt, dev)  # (D, Dn)
    if not bool(L.any()):
        return lambda: CheckResult("reduces", NOT_APPLICABLE, "the SIM is the origin (nothing to reduce)")
    narrow = red.narrow
    frozen = tuple(red.frozen)
    metric = torch.tensor([float(m) for m in red.metric], dtype=dt, device=dev)
    t0 = torch.randn(int(n_traj), narrow.dim, generator=generator, dtype=dt).to(dev)
    if frozen:
        t0[:, list(frozen)] = 0.0
    wide = batch.add(t0 @ L.T)
    met = batch.add(t0, net=narrow, metric=metric, frozen=frozen)
    naive = batch.add(t0, net=narrow, frozen=frozen)
    return lambda: _compare(setup, red, L, wide(), met(), naive())


def check_reduces(setup: FlowSetup, red, *, n_traj: int = 64,
                  generator: torch.Generator) -> CheckResult:
    """Compare the wide trajectory with the lifted metric and naive narrow flows."""
    batch = FlowBatch(setup)
    finish = plan_reduces(batch, red, n_traj=n_traj, generator=generator)
    batch.run()
    return finish()


def _compare(setup: FlowSetup, red, L: Tensor, wide, met, naive) -> CheckResult:
    narrow = red.narrow
    n_traj = len(wide.status)
    dev, dt = setup.torch_device, torch.float64
    ok = wide.ok & met.ok & naive.ok
    n_steps = int(max(r.n_steps.max() for r in (wide, met, naive)))
    tol = setup.accuracy_tol(n_steps)
    has_block = any(m != 1 for m in red.metric)
    figures = {"tol": tol, "narrow_width": narrow.width, "n_traj": int(n_traj), "n_ok": int(ok.sum()),
               "merged_block": has_block}
    if not bool(ok.any()):
        why = "; ".join(filter(None, (failures(r) for r in (wide, met, naive))))
        return CheckResult("reduces", INCONCLUSIVE, f"no trajectory completed; {why}", figures)
    W = wide.states[:, ok]
    nw = torch.linalg.vector_norm(W, dim=-1)

    def err(res) -> Tensor:  # (T, B)
        return _rel(torch.linalg.vector_norm(W - res.states[:, ok] @ L.T, dim=-1), nw)

    e_met, e_naive = err(met), err(naive)
    m_err = float(e_met.max())
    n_err = float(e_naive.max(dim=0).values.median())
    figures.update(metric_err=m_err, naive_err=n_err)
    P = _matrix(red.project, dt, dev)  # (Dn, D)
    traces = {"times": _np(wide.times), "metric_err": _np(e_met), "naive_err": _np(e_naive),
              "wide_projected": _np(W[:, 0] @ P.T), "metric": _np(met.states[:, ok][:, 0]),
              "naive": _np(naive.states[:, ok][:, 0]),
              "names": np.array([n[0] + "~" + n[1:] for n in narrow.names])}
    text = (f"width {red.wide.width} → {narrow.width}: metric-flow error {m_err:.1e} "
            f"(tol {tol:.1e}), naive Euclidean error {n_err:.1e} (median)")
    if m_err > tol:
        return CheckResult("reduces", VIOLATED, f"the metric flow does not reproduce the wide one: "
                           f"{text}", figures, traces)
    if not has_block:
        return CheckResult("reduces", CONFIRMED, f"{text}; no merged block (M = 1), so the naive "
                           "flow is the metric flow", figures, traces)
    merged = [j for j, m in enumerate(red.metric) if m != 1 and j not in red.frozen]
    Sm = met.states[:, ok][:, :, merged]
    if not bool((Sm != Sm[:1]).any()):
        return CheckResult("reduces", CONFIRMED, f"{text}; the merged coordinates (M ≠ 1) have zero "
                           "velocity here, so the naive flow is the metric flow", figures, traces)
    if n_err >= max(100 * m_err, 10 * tol):
        return CheckResult("reduces", CONFIRMED, text, figures, traces)
    return CheckResult("reduces", INCONCLUSIVE, f"{text}; the naive flow is not clearly worse, the "
                       "flow moved too little to tell them apart (try a larger --t-max)",
                       figures, traces)
