r"""Controls and stability: what is *not* invariant leaves, and how SIMs attract.

* :func:`check_control`: trajectories started on a non-invariant look-alike of a SIM
  (same "shape": a partial condensation with ``a_k`` free, ``{a_k = 0}``, …, see
  :func:`~simtool.numeric.check_geometry.lookalike_candidates`) leave it; the growth
  factor of the distance is reported;
* :func:`check_stability`: trajectories started ``ε`` off ``S`` approach or leave it
  (informational, verdict ``n/a``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..symbolic.subspace import Subspace
from .check_batch import FlowBatch
from .check_flows import _np, _rel, failures
from .check_geometry import FloatSubspace, describe_equations
from .check_geometry import lookalike_candidates as _candidates
from .check_setup import (
    CONFIRMED,
    CONTROL_GROWTH,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    CheckResult,
    FlowSetup,
)
from .flow import FlowResult

__all__ = [
    "TANGENCY_SCREEN",
    "choose_lookalike",
    "plan_control",
    "check_control",
    "plan_stability",
    "check_stability",
]

#: a look-alike is accepted as a control when the field's normal component on it,
#: relative to the field, exceeds this at the median of a few random points
TANGENCY_SCREEN = 1e-6


def choose_lookalike(setup: FlowSetup, subspace: Subspace, *, generator: torch.Generator,
                     n_points: int = 8) -> tuple[str, Subspace, str] | None:
    """The first look-alike of ``subspace`` whose field is not tangent at random points.

    Returns ``(label, lookalike, note)`` or ``None``; ``note`` names the candidates
    skipped because the field looked tangent to them (possibly invariant subspaces
    that no symmetry explains, math.md §7).
    """
    if subspace.dim == subspace.ambient:
        return None
    fld = setup.field()
    skipped = []
    for label, cand in _candidates(setup.net, subspace):
        geom = FloatSubspace(cand, device=setup.torch_device)
        th = geom.sample(n_points, generator)
        v = fld(0.0, th)
        ratio = _rel(geom.normal_component(v), torch.linalg.vector_norm(v, dim=-1))
        if float(ratio.median()) > TANGENCY_SCREEN:
            note = ("skipped (field tangent at random points): " + "; ".join(skipped)) if skipped else ""
            return label, cand, note
        skipped.append(describe_equations(setup.net, cand))
    return None


def plan_control(batch: FlowBatch, lookalike: Subspace, *, n_traj: int = 64,
                 generator: torch.Generator, label: str = "") -> Callable[[], CheckResult]:
    """Queue the control run of :func:`check_control`; call the result after ``batch.run()``."""
    setup = batch.setup
    geom = FloatSubspace(lookalike, device=setup.torch_device)
    handle = batch.add(geom.sample(int(n_traj), generator))
    return lambda: _control(setup, geom, handle(), label)


def check_control(setup: FlowSetup, lookalike: Subspace, *, n_traj: int = 64,
                  generator: torch.Generator, label: str = "") -> CheckResult:
    """Trajectories started on a non-invariant ``lookalike`` leave it.

    The growth factor of a trajectory is ``max_t dist(θ(t)) / max(dist(θ(0)), ε)``;
    the control is confirmed (left, as predicted) when the median growth is at least
    ``CONTROL_GROWTH`` and the median final distance exceeds ``CONTROL_GROWTH`` times
    the round-off tolerance.  A look-alike that does not leave is ``inconclusive``:
    the flow was too short, or the look-alike is invariant after all.
    """
    batch = FlowBatch(setup)
    finish = plan_control(batch, lookalike, n_traj=n_traj, generator=generator, label=label)
    batch.run()
    return finish()


def _control(setup: FlowSetup, geom: FloatSubspace, res: FlowResult, label: str) -> CheckResult:
    ok = res.ok
    desc = describe_equations(setup.net, geom.subspace)
    figures = {"lookalike": desc, "kind": label, "n_traj": int(ok.numel()), "n_ok": int(ok.sum())}
    if not bool(ok.any()):
        return CheckResult("control", INCONCLUSIVE, f"no trajectory completed; {failures(res)}",
                           figures)
    dist = geom.distance(res.states[:, ok])
    growth = dist.max(dim=0).values / dist[0].clamp(min=setup.eps)
    tol = setup.roundoff_tol(int(res.n_steps.max()))
    g_med, g_min = float(growth.median()), float(growth.min())
    d_med = float(dist.max(dim=0).values.median())
    figures.update(growth=g_med, min_growth=g_min, max_dist=d_med, tol=tol)
    traces = {"times": _np(res.times), "dist": _np(dist)}
    text = (f"look-alike {{{desc}}}: distance grew ×{g_med:.1e} (median; min ×{g_min:.1e}) "
            f"to {d_med:.1e}")
    if g_med >= CONTROL_GROWTH and d_med >= CONTROL_GROWTH * tol:
        return CheckResult("control", CONFIRMED, f"left as predicted: {text}", figures, traces)
    return CheckResult("control", INCONCLUSIVE, f"did not leave clearly: {text}; the flow may be "
                       "too short (--t-max) or the look-alike invariant", figures, traces)


def plan_stability(batch: FlowBatch, subspace: Subspace, *, n_traj: int = 64,
                   generator: torch.Generator, offset: float = 1e-6) -> Callable[[], CheckResult]:
    """Queue the run of :func:`check_stability`; call the result after ``batch.run()``."""
    if subspace.dim == subspace.ambient:
        return lambda: CheckResult("stability", NOT_APPLICABLE, "trivial: the whole space")
    setup = batch.setup
    geom = FloatSubspace(subspace, device=setup.torch_device)
    p = geom.sample(int(n_traj), generator)
    scale = torch.linalg.vector_norm(p, dim=1, keepdim=True).clamp(min=1.0)
    handle = batch.add(p + offset * scale * geom.random_normal(int(n_traj), generator))
    return lambda: _stability(setup, geom, handle(), offset)


def check_stability(setup: FlowSetup, subspace: Subspace, *, n_traj: int = 64,
                    generator: torch.Generator, offset: float = 1e-6) -> CheckResult:
    """Start ``offset·max(‖p‖, 1)`` off ``S`` along a random normal; report whether
    the distance shrinks (attracts) or grows (repels).  Informational: verdict ``n/a``."""
    batch = FlowBatch(setup)
    finish = plan_stability(batch, subspace, n_traj=n_traj, generator=generator, offset=offset)
    batch.run()
    return finish()


def _stability(setup: FlowSetup, geom: FloatSubspace, res: FlowResult, offset: float) -> CheckResult:
    ok = res.ok
    if not bool(ok.any()):
        return CheckResult("stability", INCONCLUSIVE, f"no trajectory completed; {failures(res)}")
    dist = geom.normal_component(res.states[:, ok])
    ratio = dist[-1] / dist[0]
    med = float(ratio.median())
    frac = float((ratio < 1).double().mean())
    word = "attracts" if med < 0.5 else "repels" if med > 2 else "neutral"
    figures = {"ratio": med, "fraction_shrinking": frac, "offset": offset, "behaviour": word}
    traces = {"times": _np(res.times), "dist": _np(dist)}
    return CheckResult("stability", NOT_APPLICABLE,
                       f"{word}: distance ×{med:.2g} (median) by t = {setup.t_max:g}, "
                       f"{frac:.0%} of trajectories approach", figures, traces)
