r"""Gradient-flow vector fields and the per-trajectory result of an integration.

``GradientFlowField(model, X, y, loss, metric=None)`` is the batch-native vector
field :math:`\theta' = -M\,\nabla R(\theta)` of math.md §2, with an optional
diagonal metric :math:`M` so that the preconditioned flow of a reduced network
(math.md §5: ``ã' = -|B| ∂L̃/∂ã``, ``w̃' = -(1/|B|) ∂L̃/∂w̃``) is the same code.

``FlowResult`` is what :func:`simtool.numeric.integrators.integrate` returns: saved
states, final states and a :class:`Status` code *per trajectory* (conventions.md,
rule 8): a failing row is frozen at its last finite state and reported, never
dropped and never allowed to stop the other rows.

Public API
----------
``GradientFlowField(model, X, y, loss="mse", metric=None)``: ``field(t, θ) -> (batch, D)``
(``t`` is ignored: the flow is autonomous; it may be a float or a ``(batch,)``
tensor); ``.risk(θ)``, ``.grad(θ)``, ``.jacobian(θ) -> (batch, D, D)``,
``.subset(index)`` (the field of a minibatch, used by ``sgd``), ``.n_samples``,
``.dim``, ``.model``, ``.X``, ``.y``, ``.loss``, ``.metric``.  A field keeps scratch
buffers between calls: use one field object per thread.

``Status`` (``IntEnum``): ``COMPLETED`` (reached ``t_max``), ``CONVERGED`` (``‖θ'‖``
fell below ``gtol``; the row stopped there), ``MAX_STEPS``, ``DIVERGED``
(``‖θ‖ > max_norm``), ``NON_FINITE`` (a step produced NaN/inf; the row keeps its last
finite state).

``FlowResult``: ``times (T,)`` (CPU float64), ``states (T, batch, D)``,
``final (batch, D)``, ``status (batch,)`` int64 codes, ``t_final (batch,)`` (the time
each row reached), ``n_steps (batch,)`` (attempted steps; accepted ones are
``n_steps - n_rejected``), ``n_rejected (batch,)``, ``n_evals`` (batched field calls),
``method``; ``indices(status)``,
``.converged``/``.completed``/``.max_steps``/``.diverged``/``.non_finite`` (index
tensors), ``.ok`` (bool mask: completed or converged), ``counts()``.

Saved states of a row after its own ``t_final`` repeat its final state.

Examples
--------
>>> import torch
>>> from simtool.numeric.model import TwoLayerModel
>>> model = TwoLayerModel.from_spec(1, "identity", bias=False)
>>> field = GradientFlowField(model, [1.0], [2.0])
>>> field(0.0, torch.tensor([[1.0, 1.0]], dtype=torch.float64)).tolist()  # R = (aw - 2)²/2
[[1.0, 1.0]]
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import torch

from ..errors import DataError
from .losses import Loss, get_loss
from .model import TwoLayerModel

__all__ = ["GradientFlowField", "Status", "FlowResult"]

Tensor = torch.Tensor


class GradientFlowField:
    r"""The field :math:`\theta \mapsto -M \nabla_\theta R(\theta)`, batched over rows.

    Parameters
    ----------
    model : TwoLayerModel
        Any object with the model's ``as_inputs``/``as_targets``/``_design``/
        ``_risk_and_grad``/``_forward`` kernels (deep models will provide the same).
    X, y : array-like
        Data, validated once here (see :class:`TwoLayerModel`).
    loss : str or Loss
        Registry name or ``Loss`` (:mod:`simtool.numeric.losses`).
    metric : array-like, optional
        Diagonal metric ``M``: shape ``(D,)`` or ``(batch, D)``, positive entries.
    """

    def __init__(self, model: TwoLayerModel, X: object, y: object, loss: Loss | str = "mse",
                 metric: object | None = None) -> None:
        self.model = model
        self.loss = get_loss(loss)
        self.X = model.as_inputs(X)
        self.y = model.as_targets(y, self.X, self.loss)
        self._Xd = model._design(self.X)
        if metric is not None:
            metric = torch.as_tensor(metric, dtype=model.dtype, device=model.device)
            if metric.ndim not in (1, 2) or metric.shape[-1] != model.dim:
                raise DataError(f"metric must have shape ({model.dim},) or (batch, {model.dim}), "
                                f"got {tuple(metric.shape)}")
            if not bool((metric > 0).all() & torch.isfinite(metric).all()):
                raise DataError("metric entries must be positive and finite")
        self.metric: Tensor | None = metric
        self._workspace: dict = {}  # scratch buffers reused between calls (one thread)

    @property
    def n_samples(self) -> int:
        return self.X.shape[-2]

    @property
    def dim(self) -> int:
        return self.model.dim

    def __repr__(self) -> str:
        return (f"GradientFlowField({self.model!r}, n={self.n_samples}, loss={self.loss.name}, "
                f"metric={'none' if self.metric is None else 'diagonal'})")

    def grad(self, theta: Tensor) -> Tensor:
        """``∇R(θ)`` (without the metric), ``(batch, D)``."""
        return self.model._risk_and_grad(theta, self._Xd, self.y, self.loss, need_risk=False)[1]

    def __call__(self, t: float | Tensor, theta: Tensor) -> Tensor:
        v = self.model._risk_and_grad(theta, self._Xd, self.y, self.loss, need_risk=False,
                                      scale=-1.0, workspace=self._workspace)[1]
        return v if self.metric is None else self.metric * v

    def risk(self, theta: Tensor) -> Tensor:
        """``R(θ)``, ``(batch,)``."""
        return self.loss.value(self.model._forward(theta, self._Xd), self.y).mean(-1)

    def jacobian(self, theta: Tensor) -> Tensor:
        """Jacobian of the field per row, ``(batch, D, D)`` (reverse mode, ``D`` VJPs).

        Rows are independent, so one VJP with the cotangent ``e_i`` in every row gives
        row ``i`` of every row's Jacobian.
        """
        B, D = theta.shape
        basis = torch.eye(D, dtype=theta.dtype, device=theta.device)[:, None, :].expand(D, B, D)
        with torch.enable_grad():
            _, pullback = torch.func.vjp(lambda th: self(0.0, th), theta)
            return torch.func.vmap(pullback)(basis)[0].permute(1, 0, 2)

    def rows(self, index: slice | Tensor) -> GradientFlowField:
        """The field restricted to batch rows ``index`` (per-row data and metric follow)."""
        new = object.__new__(GradientFlowField)
        new.model, new.loss, new._workspace = self.model, self.loss, self._workspace
        new.X = self.X[index] if self.X.ndim == 3 else self.X
        new._Xd = self._Xd[index] if self._Xd.ndim == 3 else self._Xd
        new.y = self.y[index] if self.y.ndim == 2 else self.y
        m = self.metric
        new.metric = m[index] if m is not None and m.ndim == 2 else m
        return new

    def subset(self, index: Tensor) -> GradientFlowField:
        """The field of the risk on samples ``index`` (a 1-D index tensor)."""
        new = object.__new__(GradientFlowField)
        new.model, new.loss, new.metric = self.model, self.loss, self.metric
        new._workspace = self._workspace
        new.X = self.X.index_select(-2, index)
        new.y = self.y.index_select(-1, index)
        new._Xd = self._Xd.index_select(-2, index)
        return new


class Status(enum.IntEnum):
    """Per-trajectory outcome codes of :func:`~simtool.numeric.integrators.integrate`."""

    COMPLETED = 0
    CONVERGED = 1
    MAX_STEPS = 2
    DIVERGED = 3
    NON_FINITE = 4


@dataclass(frozen=True)
class FlowResult:
    """Result of integrating a batch of trajectories (see the module docstring)."""

    times: Tensor
    states: Tensor
    final: Tensor
    status: Tensor
    t_final: Tensor
    n_steps: Tensor
    n_rejected: Tensor
    n_evals: int
    method: str

    def indices(self, status: Status | int | str) -> Tensor:
        """Batch indices of the rows with ``status`` (a ``Status``, its value or name)."""
        if isinstance(status, str):
            try:
                status = Status[status.upper()]
            except KeyError:
                raise DataError(f"unknown status {status!r}; choose one of "
                                + ", ".join(s.name.lower() for s in Status)) from None
        return torch.nonzero(self.status == int(status)).flatten()

    @property
    def completed(self) -> Tensor:
        return self.indices(Status.COMPLETED)

    @property
    def converged(self) -> Tensor:
        return self.indices(Status.CONVERGED)

    @property
    def max_steps(self) -> Tensor:
        return self.indices(Status.MAX_STEPS)

    @property
    def diverged(self) -> Tensor:
        return self.indices(Status.DIVERGED)

    @property
    def non_finite(self) -> Tensor:
        return self.indices(Status.NON_FINITE)

    @property
    def ok(self) -> Tensor:
        """Boolean mask of rows that completed or converged."""
        return self.status <= int(Status.CONVERGED)

    def counts(self) -> dict[str, int]:
        """Number of rows per status name, e.g. ``{"completed": 3, "diverged": 1, …}``."""
        return {s.name.lower(): int((self.status == int(s)).sum()) for s in Status}


class _Recorder:
    """Per-row bookkeeping shared by all integrators (not public).

    Holds the current state, the active mask, status codes, step counters and the
    saved states; ``finish`` fills the saves a stopped row never reached with its
    final state and builds the :class:`FlowResult`.
    """

    def __init__(self, theta0: Tensor, times: Tensor, method: str, gtol: float | None,
                 max_norm: float) -> None:
        B, D = theta0.shape
        self.state = theta0.clone()
        self.times = times
        self.method = method
        self.gtol, self.max_norm = gtol, max_norm
        dev = theta0.device
        self.active = torch.ones(B, dtype=torch.bool, device=dev)
        self.status = torch.full((B,), int(Status.COMPLETED), dtype=torch.int64, device=dev)
        self.t = torch.zeros(B, dtype=theta0.dtype, device=dev)
        self.n_steps = torch.zeros(B, dtype=torch.int64, device=dev)
        self.n_rejected = torch.zeros(B, dtype=torch.int64, device=dev)
        self.next_save = torch.zeros(B, dtype=torch.int64, device=dev)
        self.states = theta0.new_zeros((len(times), B, D))
        self.n_evals = 0

    def stop(self, rows: Tensor, status: Status) -> None:
        """Mark active rows in the boolean mask ``rows`` with ``status`` and freeze them."""
        rows = rows & self.active
        self.status = torch.where(rows, int(status), self.status)
        self.active = self.active & ~rows

    def check_field(self, k: Tensor) -> None:
        """Converged rows: ``‖θ'‖ ≤ gtol`` with ``k`` the field at the current state."""
        if self.gtol is not None:
            self.stop(torch.linalg.vector_norm(k, dim=1) <= self.gtol, Status.CONVERGED)

    def advance(self, candidate: Tensor, moved: Tensor, t_new: Tensor | float) -> None:
        """Take ``candidate`` for active rows in ``moved`` unless non-finite or diverged."""
        moved = moved & self.active
        norm = torch.linalg.vector_norm(candidate, dim=1)
        finite = torch.isfinite(norm)
        if candidate.device.type != "cpu" or not bool(finite.all()):
            finite = torch.isfinite(candidate).all(dim=1)  # the norm may overflow
        self.stop(moved & ~finite, Status.NON_FINITE)
        moved = moved & finite
        if candidate.device.type == "cpu" and bool(moved.all()):  # the common case
            self.state = candidate
        else:
            self.state = torch.where(moved[:, None], candidate, self.state)
        self.t = torch.where(moved, t_new, self.t)
        self.n_steps += moved
        self.stop(moved & (norm > self.max_norm), Status.DIVERGED)

    def save(self, rows: Tensor) -> None:
        """Save the state of rows in ``rows`` at each row's next save index."""
        rows = rows & (self.next_save < len(self.times))
        idx = self.next_save.clamp(max=len(self.times) - 1)
        cols = torch.arange(self.state.shape[0], device=self.state.device)
        cur = self.states[idx, cols]
        self.states[idx, cols] = torch.where(rows[:, None], self.state, cur)
        self.next_save += rows

    def finish(self) -> FlowResult:
        T = len(self.times)
        unsaved = torch.arange(T, device=self.state.device)[:, None] >= self.next_save[None, :]
        states = torch.where(unsaved[:, :, None], self.state[None], self.states)
        return FlowResult(self.times, states, self.state, self.status, self.t, self.n_steps,
                          self.n_rejected, self.n_evals, self.method)
