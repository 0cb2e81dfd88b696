r"""Discrete-time training of batched models: full-batch GD, minibatch SGD and Adam.

The continuous gradient flow lives in :mod:`simtool.numeric.flow`; the companion
experiments need the discrete optimisers practitioners use.  Every row of ``θ`` is
an independent network: minibatches are drawn independently per row (without
replacement within a step), learning rates may differ per row, and a row whose
parameters become non-finite is frozen at its last finite value and reported
(``TrainResult.finite``) instead of stopping the batch.

Checkpoints: :func:`log_spaced_steps` gives ``0`` plus about ``count - 1``
log-spaced steps up to ``total``; at each, ``record(θ, step)`` returns a dict of
tensors that are stacked into ``TrainResult.records[name]`` of shape ``(T, …)``.

Public API
----------
``OPTIMIZERS`` (``sgd``, ``adam``), ``log_spaced_steps(total, count)``,
``TrainResult``, ``train(model, theta0, X, y, *, steps, lr, optimizer="sgd",
batch_size=None, checkpoints=None, record=None, generator=None, weight_decay=0.0, weights=None)``.

Examples
--------
>>> import torch
>>> from simtool.numeric.classifier import MLPClassifier
>>> model = MLPClassifier((2, 4, 2), device="cpu")
>>> X = torch.tensor([[0.0, 1.0], [1.0, 0.0]]); y = torch.tensor([0, 1])
>>> theta = model.sample_theta(3, generator=torch.Generator().manual_seed(0))
>>> res = train(model, theta, X, y, steps=200, lr=0.5)
>>> bool((model.risk(res.theta, X, y) < model.risk(theta, X, y)).all())
True
>>> log_spaced_steps(100, 5).tolist()
[0, 1, 5, 22, 100]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import SimtoolError

__all__ = ["OPTIMIZERS", "log_spaced_steps", "TrainResult", "train"]

Tensor = torch.Tensor

#: optimiser names accepted by :func:`train`
OPTIMIZERS = ("sgd", "adam")


def log_spaced_steps(total: int, count: int) -> np.ndarray:
    """``0`` and about ``count - 1`` distinct log-spaced integers in ``[1, total]`` (``total`` included)."""
    if total < 1 or count < 2:
        raise SimtoolError(f"need total >= 1 and count >= 2, got total={total}, count={count}")
    inner = np.unique(np.rint(np.geomspace(1, total, count - 1)).astype(np.int64))
    return np.concatenate([[0], inner])


@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    steps : ndarray (T,)
        Checkpoint steps.
    theta : Tensor (batch, D)
        Final parameters.
    records : dict of name -> ndarray (T, ...)
        What ``record`` returned at each checkpoint, stacked.
    finite : ndarray (batch,) of bool
        False for rows frozen after their parameters became non-finite.
    """

    steps: np.ndarray
    theta: Tensor
    records: dict = field(default_factory=dict)
    finite: np.ndarray | None = None


def _minibatch(X: Tensor, y: Tensor, batch: int, size: int, generator) -> tuple[Tensor, Tensor]:
    n = X.shape[-2]
    idx = torch.rand(batch, n, generator=generator, dtype=torch.float64).argsort(dim=1)[:, :size].to(X.device)
    Xb = X[idx] if X.dim() == 2 else torch.gather(X, 1, idx.unsqueeze(-1).expand(-1, -1, X.shape[-1]))
    yb = y[idx] if y.dim() == 1 else torch.gather(y, 1, idx)
    return Xb, yb


def train(model, theta0: Tensor, X, y, *, steps: int, lr, optimizer: str = "sgd",
          batch_size: int | None = None, checkpoints=None,
          record: Callable[[Tensor, int], dict] | None = None, generator: torch.Generator | None = None,
          weight_decay: float = 0.0, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weights=None) -> TrainResult:
    """Train every row of ``theta0`` for ``steps`` updates (see the module docstring).

    ``lr`` is a float or a ``(batch,)`` tensor; ``batch_size=None`` is full batch
    (``optimizer="sgd"`` is then plain gradient descent).  ``weight_decay`` adds
    ``weight_decay · θ`` to the gradient (L2, coupled, also for Adam).  ``weights``
    (``(n,)`` or ``(batch, n)``, full batch only) weight the samples of each row.
    """
    if optimizer not in OPTIMIZERS:
        raise SimtoolError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    X, y = model.as_inputs(X), model.as_targets(y)
    theta = theta0.detach().clone().to(model.device)
    batch = theta.shape[0]
    n = X.shape[-2]
    if batch_size is not None and not 1 <= batch_size <= n:
        raise SimtoolError(f"batch_size must be in 1..{n}, got {batch_size}")
    if weights is not None and batch_size not in (None, n):
        raise SimtoolError("sample weights are supported for full-batch training only")
    lr_t = torch.as_tensor(lr, dtype=theta.dtype, device=theta.device).reshape(-1, 1).expand(batch, 1)
    checkpoints = np.asarray(checkpoints if checkpoints is not None else [0, steps], dtype=np.int64)
    checkpoints = np.unique(checkpoints[(checkpoints >= 0) & (checkpoints <= steps)])
    wanted = set(checkpoints.tolist())
    records: dict[str, np.ndarray] = {}
    alive = torch.ones(batch, dtype=torch.bool, device=theta.device)
    m = torch.zeros_like(theta)
    v = torch.zeros_like(theta)

    n_saved = [0]

    def save(step: int) -> None:
        # preallocated (T, …) buffers: appending many small long-lived arrays between the large
        # transient ones of each step fragments the heap (RSS grew by MBs per checkpoint)
        if record is None:
            return
        for name, value in record(theta, step).items():
            value = torch.as_tensor(value).detach().cpu().numpy()
            if name not in records:
                records[name] = np.empty((len(wanted), *value.shape), dtype=value.dtype)
            records[name][n_saved[0]] = value
        n_saved[0] += 1

    with torch.no_grad():
        if 0 in wanted:
            save(0)
        for step in range(1, steps + 1):
            Xb, yb = (X, y) if batch_size is None or batch_size == n else _minibatch(X, y, batch, batch_size, generator)
            _, grad = model.risk_and_grad(theta, Xb, yb, weights=weights)
            if weight_decay:
                grad = grad + weight_decay * theta
            if optimizer == "adam":
                m.mul_(betas[0]).add_(grad, alpha=1 - betas[0])
                v.mul_(betas[1]).addcmul_(grad, grad, value=1 - betas[1])
                m_hat = m / (1 - betas[0] ** step)
                v_hat = v / (1 - betas[1] ** step)
                update = m_hat / (v_hat.sqrt() + eps)
            else:
                update = grad
            new = theta - lr_t * update
            ok = torch.isfinite(new).all(dim=1) & alive
            alive = ok
            theta = torch.where(ok.unsqueeze(1), new, theta)
            if step in wanted:
                save(step)
    return TrainResult(checkpoints, theta, records, alive.cpu().numpy())
