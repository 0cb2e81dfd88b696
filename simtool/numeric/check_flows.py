r"""The numerical checks of math.md §8 that start *on* a subspace ``S``.

* :func:`check_stays`: trajectories started on ``S`` (and on its images ``g·S``)
  stay on it, :math:`\max_t \operatorname{dist}(\theta(t), S)/\lVert\theta(t)\rVert`
  at round-off;
* :func:`check_equivariance`: :math:`\varphi_t(g\theta) = g\,\varphi_t(\theta)` for
  the symmetry generators;
* :func:`check_risk`: the risk does not increase along the flow.

``stays``, ``equivariance`` and ``risk`` can share one batch of trajectories:
:func:`run_on_subspace` integrates ``θ_0`` and every ``g θ_0`` together and the
``*_from`` functions read the three checks off it.  Controls and stability live in
:mod:`simtool.numeric.check_control`, the reduction check (math.md §5) in
:mod:`simtool.numeric.check_reduce`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..symbolic.subspace import Subspace
from .check_batch import FlowBatch
from .check_geometry import FloatSubspace, apply_signed_permutation
from .check_setup import (
    CONFIRMED,
    INCONCLUSIVE,
    MIN_MOVEMENT,
    NOT_APPLICABLE,
    VIOLATED,
    CheckResult,
    FlowSetup,
)
from .flow import FlowResult

__all__ = [
    "SubspaceRun",
    "plan_on_subspace",
    "run_on_subspace",
    "stays_from",
    "equivariance_from",
    "risk_from",
    "check_stays",
    "check_equivariance",
    "check_risk",
    "failures",
]

Tensor = torch.Tensor
#: trajectories per generator whose symmetric images are integrated too
IMAGES = 32


def _np(t: Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def failures(result: FlowResult, rows: Tensor | None = None) -> str:
    """Words for the rows that did not complete (empty string when all did)."""
    counts = {}
    for name in result.counts():
        if name in ("completed", "converged"):
            continue
        idx = result.indices(name)
        if rows is not None:
            idx = idx[torch.isin(idx, rows)]
        if len(idx):
            counts[name] = len(idx)
    if not counts:
        return ""
    return "excluded trajectories: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())


def _rel(num: Tensor, den: Tensor) -> Tensor:
    return torch.where(num == 0, torch.zeros_like(num), num / den)


@dataclass(frozen=True, eq=False)
class SubspaceRun:
    """One batch: ``n`` points of ``S``, then ``n_img`` of them mapped by each generator."""

    setup: FlowSetup
    geom: FloatSubspace
    images: tuple[FloatSubspace, ...]
    generators: tuple
    n: int
    n_img: int
    handle: Callable[[], FlowResult]

    @property
    def result(self) -> FlowResult:
        return self.handle()

    def block(self, i: int) -> slice:
        """Rows of block ``i`` (0: the points of ``S``; ``i ≥ 1``: images by generator i)."""
        if i == 0:
            return slice(0, self.n)
        start = self.n + (i - 1) * self.n_img
        return slice(start, start + self.n_img)


def plan_on_subspace(
    batch: FlowBatch,
    subspace: Subspace,
    *,
    n_traj: int,
    generator: torch.Generator,
    symmetries: Sequence = (),
    n_images: int = IMAGES,
) -> SubspaceRun:
    """Queue ``n_traj`` random points of ``subspace`` and, for each generator ``g``,
    the images ``g θ_0`` of the first ``n_images`` of them."""
    setup = batch.setup
    geom = FloatSubspace(subspace, device=setup.torch_device)
    theta0 = geom.sample(int(n_traj), generator)
    n_img = min(int(n_traj), int(n_images))
    blocks = [theta0] + [apply_signed_permutation(g, theta0[:n_img]) for g in symmetries]
    images = tuple(geom.image(g) for g in symmetries)
    handle = batch.add(torch.cat(blocks))
    return SubspaceRun(setup, geom, images, tuple(symmetries), int(n_traj), n_img, handle)


def run_on_subspace(setup: FlowSetup, subspace: Subspace, *, n_traj: int,
                    generator: torch.Generator, symmetries: Sequence = (),
                    n_images: int = IMAGES) -> SubspaceRun:
    """:func:`plan_on_subspace` on a batch of its own, integrated at once."""
    batch = FlowBatch(setup)
    run = plan_on_subspace(batch, subspace, n_traj=n_traj, generator=generator,
                           symmetries=symmetries, n_images=n_images)
    batch.run()
    return run


def stays_from(run: SubspaceRun) -> CheckResult:
    """The *stays* check read off a :class:`SubspaceRun`."""
    geom, res, setup = run.geom, run.result, run.setup
    if geom.dim == geom.ambient:
        return CheckResult("stays", NOT_APPLICABLE, "trivial: the whole space")
    states = res.states
    dist = torch.cat(
        [g.distance(states[:, run.block(i)]) for i, g in enumerate((geom,) + run.images)], dim=1
    )
    ok = res.ok
    n_steps = int(res.n_steps.max())
    tol = setup.roundoff_tol(n_steps)
    figures = {"tol": tol, "n_steps": n_steps, "n_traj": int(ok.numel()), "n_ok": int(ok.sum())}
    traces = {"times": _np(res.times), "dist": _np(dist[:, : run.n])}
    note = failures(res)
    if not bool(ok.any()):
        return CheckResult("stays", INCONCLUSIVE, f"no trajectory completed; {note}", figures)
    d_ok = dist[:, ok]
    max_dist = float(d_ok.max())
    start = states[0, ok]
    moved = _rel(torch.linalg.vector_norm(states[-1, ok] - start, dim=1),
                 torch.linalg.vector_norm(start, dim=1))
    figures.update(max_dist=max_dist, movement=float(moved.median()))
    where = f"max dist/‖θ‖ = {max_dist:.2e} (tol {tol:.1e} = {n_steps} steps × 16ε)"
    note = f"; {note}" if note else ""
    if max_dist > tol:
        worst = int(d_ok.max(dim=0).values.argmax())
        return CheckResult("stays", VIOLATED, f"left the subspace: {where}, worst trajectory "
                           f"{worst}{note}", figures, traces)
    if geom.dim == 0:
        return CheckResult("stays", CONFIRMED, f"the SIM is the origin, an equilibrium: {where}"
                           f"{note}", figures, traces)
    if float(moved.max()) == 0.0:
        return CheckResult("stays", CONFIRMED, f"every sampled point is an equilibrium (θ(t) = θ(0) "
                           f"exactly: the field vanishes on S); {where}{note}", figures, traces)
    if float(moved.max()) <= tol:  # the same, seen through round-off of the kernels
        return CheckResult("stays", CONFIRMED, f"every sampled point is an equilibrium to round-off "
                           f"(max movement {float(moved.max()):.1e} ≤ tol): the field vanishes on "
                           f"S; {where}{note}", figures, traces)
    if float(moved.median()) < MIN_MOVEMENT:
        return CheckResult("stays", INCONCLUSIVE, f"trajectories barely moved (median "
                           f"{float(moved.median()):.1e}); staying proves nothing{note}",
                           figures, traces)
    images = f" and {len(run.images)} symmetric image(s)" if run.images else ""
    return CheckResult("stays", CONFIRMED, f"{where} over {int(ok.sum())} trajectories on S"
                       f"{images}{note}", figures, traces)


def equivariance_from(run: SubspaceRun) -> CheckResult:
    """The *equivariance* check ``φ_t(gθ) = g φ_t(θ)`` read off a :class:`SubspaceRun`."""
    res, setup = run.result, run.setup
    if not run.generators:
        return CheckResult("equivariance", NOT_APPLICABLE, "no verified symmetry generators")
    base = res.states[:, : run.n_img]
    ok_base = res.ok[: run.n_img]
    errs, figures = [], {}
    for i, g in enumerate(run.generators, start=1):
        img = res.states[:, run.block(i)]
        ok = ok_base & res.ok[run.block(i)]
        if not bool(ok.any()):
            continue
        gb = apply_signed_permutation(g, base[:, ok])
        e = _rel(torch.linalg.vector_norm(img[:, ok] - gb, dim=-1),
                 torch.linalg.vector_norm(gb, dim=-1))
        errs.append((float(e.max()), g.label or f"g{i}"))
    tol = setup.accuracy_tol(int(res.n_steps.max()))
    figures = {"tol": tol, "n_generators": len(run.generators), "n_traj": run.n_img}
    if not errs:
        return CheckResult("equivariance", INCONCLUSIVE, f"no trajectory completed; {failures(res)}",
                           figures)
    err, label = max(errs)
    figures["max_err"] = err
    text = f"max ‖φ_t(gθ) − gφ_t(θ)‖/‖θ‖ = {err:.2e} (tol {tol:.1e}) over {len(errs)} generator(s)"
    if err > tol:
        return CheckResult("equivariance", VIOLATED, f"{text}; worst: {label}", figures)
    return CheckResult("equivariance", CONFIRMED, text, figures)


def risk_from(run: SubspaceRun) -> CheckResult:
    """The *monotone risk* check read off a :class:`SubspaceRun` (saved states)."""
    return _risk(run.setup, run.result)


def _risk(setup: FlowSetup, res: FlowResult) -> CheckResult:
    if setup.stochastic:
        return CheckResult("risk", NOT_APPLICABLE, "sgd: minibatch steps need not decrease the "
                           "full risk")
    ok = res.ok
    if not bool(ok.any()):
        return CheckResult("risk", INCONCLUSIVE, f"no trajectory completed; {failures(res)}")
    R = setup.risk(res.states[:, ok])  # (T, B)
    scale = R[0].clamp(min=torch.finfo(R.dtype).tiny)
    rise = ((R[1:] - R[:-1]) / scale).max() if R.shape[0] > 1 else R.new_zeros(())
    rise = float(rise.clamp(min=0.0))
    tol = setup.accuracy_tol(int(res.n_steps.max()))
    drop = float(((R[0] - R[-1]) / scale).median())
    figures = {"max_rise": rise, "tol": tol, "median_drop": drop}
    text = f"max rise of R between saves = {rise:.1e}·R(0) (tol {tol:.1e}); median drop {drop:.2f}·R(0)"
    traces = {"times": _np(res.times), "risk": _np(R)}
    if rise <= tol:
        return CheckResult("risk", CONFIRMED, text, figures, traces)
    if setup.adaptive:
        return CheckResult("risk", VIOLATED, text, figures, traces)
    return CheckResult("risk", INCONCLUSIVE, f"{text}; fixed step dt = {setup.dt:g} may be too "
                       "large for a monotone discretisation (try a smaller --dt or dopri5)",
                       figures, traces)


def check_stays(setup: FlowSetup, subspace: Subspace, *, n_traj: int = 64,
                generator: torch.Generator, symmetries: Sequence = ()) -> CheckResult:
    """Trajectories started on ``subspace`` (and its images ``g·S``) stay on it."""
    return stays_from(run_on_subspace(setup, subspace, n_traj=n_traj, generator=generator,
                                      symmetries=symmetries))


def check_equivariance(setup: FlowSetup, symmetries: Sequence, *, subspace: Subspace | None = None,
                       n_traj: int = 64, generator: torch.Generator) -> CheckResult:
    """``φ_t(gθ) = g φ_t(θ)`` for each generator ``g``, from points of ``subspace``
    (default: the whole space)."""
    sub = subspace if subspace is not None else Subspace.whole(setup.net.dim)
    return equivariance_from(run_on_subspace(setup, sub, n_traj=n_traj, generator=generator,
                                             symmetries=symmetries))


def check_risk(setup: FlowSetup, *, subspace: Subspace | None = None, n_traj: int = 64,
               generator: torch.Generator) -> CheckResult:
    """The risk does not increase along the flow from random points of ``subspace``."""
    sub = subspace if subspace is not None else Subspace.whole(setup.net.dim)
    return risk_from(run_on_subspace(setup, sub, n_traj=n_traj, generator=generator))
