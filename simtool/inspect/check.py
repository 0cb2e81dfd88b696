r"""Numeric confirmation on the user's module itself (float64 torch; evidence, not proof).

* :func:`forward_agreement` — the traced graph's forward (numpy) equals the module's
  forward on random inputs, with the module's parameters and with random ones;
* :func:`generator_agreement` — every reported generator ``g`` preserves the module's
  output: ``model(gθ)(x) = model(θ)(x)`` at random ``θ`` and ``x``;
* :func:`flow_stays` — gradient descent on a random regression task, run with torch
  autograd *on the module*, started on a manifold ``S``, stays on ``S`` to round-off.

All three load θ into a float64 copy of the module in the traced layout (the order of
``torch.nn.utils.parameters_to_vector`` over the parameters ``forward`` uses).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from ..symbolic.subspace import Subspace
from .traced_net import TracedNet

__all__ = ["CheckResult", "load_theta", "forward_agreement", "generator_agreement", "flow_stays"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    worst: float  #: largest discrepancy found (absolute, or relative where stated)
    tolerance: float
    detail: str

    @property
    def ok(self) -> bool:
        return self.worst <= self.tolerance

    def as_dict(self) -> dict:
        return {"name": self.name, "worst": self.worst, "tolerance": self.tolerance, "ok": self.ok,
                "detail": self.detail}


def double_copy(model: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(model).double().eval()


def load_theta(model: torch.nn.Module, net: TracedNet, theta: np.ndarray) -> None:
    """Write the traced-layout vector ``theta`` into ``model``'s parameters (in place)."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for t in net.graph.tensors:
            p = params[t.name]
            p.copy_(torch.as_tensor(theta[t.offset:t.offset + t.size], dtype=p.dtype).reshape(p.shape))


def _module_out(model, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = model(torch.as_tensor(X, dtype=torch.float64))
    parts = out if isinstance(out, (tuple, list)) else (list(out.values()) if isinstance(out, dict) else (out,))
    return np.concatenate([p.reshape(X.shape[0], -1).numpy() for p in parts], axis=1)


def forward_agreement(model, net: TracedNet, theta0: np.ndarray, rng: np.random.Generator,
                      n: int = 64, tolerance: float = 1e-12) -> CheckResult:
    m = double_copy(model)
    worst = 0.0
    for theta in (theta0, rng.standard_normal(net.dim)):
        load_theta(m, net, theta)
        X = rng.standard_normal((n, net.input_dim))
        ref = _module_out(m, X)
        worst = max(worst, float(np.max(np.abs(net.forward(theta, X) - ref) / (1 + np.abs(ref)))))
    return CheckResult("traced forward = module forward", worst, tolerance,
                       f"relative max over {n} inputs × (module θ, random θ), float64")


def generator_agreement(model, net: TracedNet, generators, rng: np.random.Generator, n: int = 32,
                        tolerance: float = 1e-12) -> CheckResult:
    m = double_copy(model)
    theta = rng.standard_normal(net.dim)
    X = rng.standard_normal((n, net.input_dim))
    load_theta(m, net, theta)
    ref = _module_out(m, X)
    worst = 0.0
    for g in generators:
        moved = np.empty(net.dim)
        moved[np.asarray(g.perm)] = np.asarray(g.signs) * theta
        load_theta(m, net, moved)
        worst = max(worst, float(np.max(np.abs(_module_out(m, X) - ref) / (1 + np.abs(ref)))))
    return CheckResult("generators preserve the module's output", worst, tolerance,
                       f"{len(generators)} generators, random θ and {n} inputs, float64")


def flow_stays(model, net: TracedNet, S: Subspace, rng: np.random.Generator, *, steps: int = 200,
               lr: float = 0.05, n: int = 32, tolerance: float = 1e-10) -> CheckResult:
    """Gradient descent on the module from a random point of ``S``; relative distance to ``S``."""
    m = double_copy(model)
    basis = np.array(S.basis(), dtype=np.float64).reshape(-1, net.dim) if S.dim else np.zeros((0, net.dim))
    theta = rng.standard_normal(S.dim) @ basis if S.dim else np.zeros(net.dim)
    X = torch.as_tensor(rng.standard_normal((n, net.input_dim)))
    Y = torch.as_tensor(rng.standard_normal((n, net.n_outputs)))
    load_theta(m, net, theta)
    params = dict(m.named_parameters())
    used = [params[t.name] for t in net.graph.tensors]
    normals = np.array(S.basis_of_orthogonal(), dtype=np.float64).reshape(-1, net.dim)
    scale = np.linalg.norm(normals, axis=1, keepdims=True) if len(normals) else None
    worst = 0.0
    for _ in range(steps):
        out = m(X)
        parts = out if isinstance(out, (tuple, list)) else (list(out.values()) if isinstance(out, dict) else (out,))
        pred = torch.cat([p.reshape(n, -1) for p in parts], dim=1)
        loss = ((pred - Y) ** 2).mean()
        grads = torch.autograd.grad(loss, used)
        with torch.no_grad():
            for p, gr in zip(used, grads):
                p -= lr * gr
    theta_end = np.concatenate([p.detach().reshape(-1).numpy() for p in used])
    if len(normals):
        worst = float(np.max(np.abs(normals @ theta_end) / scale[:, 0]) / (1 + np.linalg.norm(theta_end)))
    return CheckResult(f"gradient descent stays on the dim-{S.dim} manifold", worst, tolerance,
                       f"{steps} steps of lr {lr} on MSE to random targets ({n} samples), relative distance")
