r"""Numerical confirmation for ``simtool subspace --simulate``: does a flow started on ``S`` stay?

``S = θ₀ + V`` (affine or linear).  Trajectories start at ``θ₀ + v`` with random
``v ∈ V``; the check measures :math:`\max_t \|N^T(\theta(t) - \theta_0)\| / (1 + \|\theta(t)\|)`
(the normal component relative to the scale of ``θ``) and compares it with the
round-off tolerance of the run (:meth:`FlowSetup.roundoff_tol`).  It also reports how
far the trajectories moved, so a check that barely moved is ``inconclusive``.
Floating point gives evidence, never proof.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..symbolic.subspace import Subspace
from .check_geometry import FloatSubspace
from .check_setup import CONFIRMED, INCONCLUSIVE, MIN_MOVEMENT, VIOLATED, CheckResult, FlowSetup

__all__ = ["check_affine_stays"]


def check_affine_stays(setup: FlowSetup, linear: Subspace, offset: Sequence[float], *, n_traj: int = 16,
                       generator: torch.Generator) -> CheckResult:
    """Start ``n_traj`` flows on ``θ₀ + V`` and measure the largest normal drift."""
    geom = FloatSubspace(linear, device=setup.torch_device)
    theta_0 = torch.tensor([float(v) for v in offset], dtype=torch.float64, device=setup.torch_device)
    start = theta_0 + geom.sample(int(n_traj), generator)
    res = setup.run(start)
    ok = res.completed if len(res.completed) else torch.arange(0)
    if len(ok) == 0:
        return CheckResult("stays", INCONCLUSIVE, "no trajectory completed", {"n_traj": int(n_traj)})
    st = res.states[:, ok].transpose(0, 1)  # (batch, n_save, D)
    drift = geom.normal_component(st - theta_0)
    scale = 1.0 + torch.linalg.vector_norm(st, dim=-1)
    worst = float((drift / scale).max())
    moved = float((torch.linalg.vector_norm(st[:, -1] - st[:, 0], dim=-1) / scale[:, 0]).max())
    tol = setup.roundoff_tol(int(res.n_steps.max()))
    figures = {"max_rel_normal_drift": worst, "tolerance": tol, "max_rel_movement": moved,
               "n_traj": int(len(ok)), "integrator": setup.integrator, "t_max": setup.t_max}
    if worst > tol:
        return CheckResult("stays", VIOLATED, f"trajectories left S: normal drift {worst:.2e} > round-off "
                           f"tolerance {tol:.2e}", figures)
    if moved < MIN_MOVEMENT:
        return CheckResult("stays", INCONCLUSIVE, f"trajectories barely moved ({moved:.1e})", figures)
    return CheckResult("stays", CONFIRMED, f"{len(ok)} trajectories stayed on S: normal drift {worst:.2e} ≤ "
                       f"round-off tolerance {tol:.2e} while moving {moved:.2e}", figures)
