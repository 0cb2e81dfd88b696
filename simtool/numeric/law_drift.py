r"""Numeric confirmation of conservation laws along gradient-flow trajectories (math.md §6).

A law :math:`h` proved exactly (:mod:`simtool.symbolic.conservation`) must stay constant
along every gradient flow.  :func:`law_drift` integrates the flow of a random
regression problem from random starts and reports, per law, the largest relative change

.. math:: \max_t |h(\theta(t)) - h(\theta(0))| \,/\, \textstyle\sum_\alpha |c_\alpha \theta(0)^\alpha|

(the denominator is the size of the law's terms, so cancellation is measured against
what cancels), beside the same quantity for :math:`\lVert\theta\rVert^2`, a control
that must move.  Laws are given as plain data (``[(coefficient, (i, j, …)), …]``, a
monomial as the tuple of its coordinates with repetition) so that no sympy object
crosses into the numeric engine.

>>> import torch
>>> from simtool.numeric.model import TwoLayerModel
>>> model = TwoLayerModel.from_spec(2, "relu")
>>> law = [(1.0, (0, 0)), (-1.0, (1, 1)), (-1.0, (2, 2))]      # a1² − w1² − b1²
>>> res = law_drift(model, [law], generator=torch.Generator().manual_seed(0))
>>> res.drift[0] < 1e-8 < res.control
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .flow import GradientFlowField
from .integrators import integrate

__all__ = ["LawDrift", "law_drift", "evaluate_polynomial"]

Tensor = torch.Tensor
Polynomial = Sequence[tuple[float, tuple[int, ...]]]


def evaluate_polynomial(poly: Polynomial, theta: Tensor) -> tuple[Tensor, Tensor]:
    """``(h(θ), Σ|c_α θ^α|)`` along the last axis of ``theta``."""
    value = theta.new_zeros(theta.shape[:-1])
    size = theta.new_zeros(theta.shape[:-1])
    for c, mono in poly:
        term = theta.new_full(theta.shape[:-1], float(c))
        for i in mono:
            term = term * theta[..., i]
        value = value + term
        size = size + term.abs()
    return value, size


@dataclass(frozen=True)
class LawDrift:
    """Per-law maximal relative drift, the control's, and the run's settings."""

    drift: tuple[float, ...]
    control: float
    n_traj: int
    t_max: float
    rtol: float
    method: str
    status: dict

    def as_dict(self) -> dict:
        return {"drift": list(self.drift), "control_drift": self.control, "n_traj": self.n_traj,
                "t_max": self.t_max, "rtol": self.rtol, "method": self.method, "status": self.status}


def law_drift(model, laws: Sequence[Polynomial], *, generator: torch.Generator, n_traj: int = 8,
              n_samples: int = 16, t_max: float = 2.0, rtol: float = 1e-10, std: float = 0.7) -> LawDrift:
    """Integrate the MSE gradient flow (adaptive dopri5, ``rtol``, ``atol = rtol/100``) of
    random data from ``n_traj`` random starts and measure each law's relative drift (see
    the module docstring); rows that fail keep their last state and are counted in
    ``status``."""
    d, D = model.input_dim, model.dim
    X = torch.randn(n_samples, d, generator=generator, dtype=torch.float64)
    y = torch.randn(n_samples, generator=generator, dtype=torch.float64)
    theta0 = std * torch.randn(n_traj, D, generator=generator, dtype=torch.float64)
    field = GradientFlowField(model, X, y, "mse")
    res = integrate(field, theta0, t_max, method="dopri5", rtol=rtol, atol=rtol / 100,
                    save_at=torch.linspace(0.0, t_max, 21, dtype=torch.float64))
    states = res.states  # (T, B, D)
    drifts = []
    for poly in laws:
        h, size = evaluate_polynomial(poly, states)
        rel = (h - h[0]).abs() / size[0].clamp_min(1e-300)
        drifts.append(float(rel.max()))
    norm2 = (states ** 2).sum(-1)
    control = float(((norm2 - norm2[0]).abs() / norm2[0]).max())
    return LawDrift(tuple(drifts), control, n_traj, t_max, rtol, "dopri5",
                    {k: v for k, v in res.counts().items() if v})
