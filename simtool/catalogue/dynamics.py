r"""Numerical theorems about the flow itself (math.md §2, §8), decided by batched float64 runs.

* :data:`FLOW_EQUIVARIANCE`: ``φ_t(gθ) = gφ_t(θ)`` for the verified generators ``g``
  (``g`` orthogonal and ``f(gθ) = f(θ)`` give ``∇R(gθ) = g∇R(θ)``), for several losses.
* :data:`AFFINE_SIMS_INVARIANT_UNDER_GD_SGD`: Fix(H) is a linear subspace and the
  gradient is tangent to it, so every discrete step ``θ − η∇R(θ)`` (full-batch GD or a
  minibatch SGD step) stays on it exactly, up to round-off (math.md §2: affine SIMs stay
  invariant under GD/SGD, curved ones generally do not).

Both are ``confirmed``/``violated`` with the tolerance of
:mod:`simtool.numeric.check_setup` and the margin ``tolerance / measured``.
"""

from __future__ import annotations

from simtool.theorem import Selection, Theorem
from simtool.verdict import CONFIRMED, Verdict, worst_status

from .sources import MATH, ZHAO, lattice_of, two_layer_net

__all__ = ["FLOW_EQUIVARIANCE", "AFFINE_SIMS_INVARIANT_UNDER_GD_SGD"]

N_TRAJ = 16


def _setup(case):
    import numpy as np

    from simtool.numeric.check_setup import FlowSetup
    from simtool.numeric.data import make_dataset

    seed = int(case.get("seed", 0))
    data = make_dataset(case.get("data", "teacher"), n_samples=24, rng=np.random.default_rng(seed),
                        binary=case.get("loss") == "logistic")
    return FlowSetup(two_layer_net(case), data.x, data.y, loss=case.get("loss", "mse"),
                     integrator=case.get("integrator", "rk4"), t_max=1.0, dt=0.05, n_save=5, seed=seed)


def _margin(tol: float, measured: float) -> float | None:
    return None if measured == 0 else tol / measured


def _equiv_cases(sel: Selection):
    return [{"activation": a, "width": m, "loss": loss, "seed": 0}
            for a in sel.activations_in(("tanh", "sin", "cos")) for m in sel.widths_in(range(2, 4), limit=5)
            for loss in ("mse", "logistic")]


def _equivariance(case) -> Verdict:
    from simtool.numeric.checks import check_element

    lat = lattice_of(case)
    rep = check_element(_setup(case), lat.top, symmetries=lat.symmetries.generators, n_traj=N_TRAJ,
                        seed=int(case.get("seed", 0)))
    res = rep.result("equivariance")
    fig = res.figures
    return Verdict(res.verdict, res.reason, tolerance=fig.get("tol"),
                   margin=_margin(fig["tol"], fig["max_err"]) if "max_err" in fig else None)


FLOW_EQUIVARIANCE = Theorem(
    "flow-equivariance",
    "Gradient flow commutes with every verified signed-permutation symmetry g: φ_t(gθ) = g φ_t(θ), "
    "for every loss and data set.",
    _equivariance,
    (f"{ZHAO}, §3 (equivariance of the gradient field under orthogonal symmetries)", f"{MATH} §3, §8"),
    r"\varphi_t(g\theta) = g\,\varphi_t(\theta)\quad \forall g \in G_{\mathrm{orth}},\ t \ge 0",
    _equiv_cases,
    expected=CONFIRMED,
    engine="numeric",
)


def _gd_cases(sel: Selection):
    return [{"activation": a, "width": m, "integrator": integ, "loss": "mse", "seed": 0}
            for a in sel.activations_in(("tanh", "cos")) for m in sel.widths_in(range(2, 4), limit=4)
            for integ in ("gd", "sgd")]


def _gd_sgd(case) -> Verdict:
    from simtool.numeric.checks import check_elements

    lat = lattice_of(case)
    reps = [e for e in lat.representatives() if e.dim < e.subspace.ambient]
    results = [r.result("stays") for _, reports in check_elements(_setup(case), reps, n_traj=N_TRAJ,
                                                                   seed=int(case.get("seed", 0)))
               for r in reports]
    status = worst_status(r.verdict for r in results)
    worst = max(results, key=lambda r: r.figures.get("max_dist", 0.0) / max(r.figures.get("tol", 1.0), 1e-300))
    tol, dist = worst.figures.get("tol"), worst.figures.get("max_dist", 0.0)
    return Verdict(status, f"{len(results)} class representatives under {case['integrator']}; worst: {worst.reason}",
                   tolerance=tol, margin=_margin(tol, dist) if tol is not None else None)


AFFINE_SIMS_INVARIANT_UNDER_GD_SGD = Theorem(
    "affine-sims-invariant-under-gd-sgd",
    "Symmetry-induced SIMs are linear subspaces, so discrete gradient descent and minibatch SGD "
    "started on one stay on it exactly (to round-off), not only the continuous flow.",
    _gd_sgd,
    (f"{ZHAO}, §2 (SIMs under discrete training)", f"{MATH} §2 (affine SIMs stay invariant under GD/SGD)"),
    r"\theta \in S \Rightarrow \theta - \eta \nabla R_B(\theta) \in S\ \text{for every minibatch } B",
    _gd_cases,
    expected=CONFIRMED,
    engine="numeric",
)
