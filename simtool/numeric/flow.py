r"""Gradient-flow vector fields and the per-trajectory result of an integration.

``GradientFlowField(model, X, y, loss, metric=None, mask=None)`` is the batch-native
vector field :math:`\theta' = -\,\mathrm{mask} \odot M\,\nabla R(\theta)` of math.md §2
for any :class:`~simtool.numeric.models.Model`, with an optional metric :math:`M`
(:class:`~simtool.numeric.fields.Metric`: diagonal or matrix, shared or per row) so
that the flow of a reduced network (math.md §5, ``θ̃' = −M ∇R̃``) is the same code, and
an optional 0/1 mask of frozen coordinates.

``FlowResult`` is what :func:`simtool.numeric.integrators.integrate` returns: saved
states, final states and a :class:`Status` code *per trajectory* (conventions.md,
rule 8): a failing row is frozen at its last finite state and reported, never
dropped and never allowed to stop the other rows.

Public API
----------
``GradientFlowField(model, X, y, loss="mse", metric=None, mask=None)`` (a
:class:`~simtool.numeric.fields.MinibatchField`): ``field(t, θ) -> (batch, D)``
(``t`` is ignored: the flow is autonomous; it may be a float or a ``(batch,)``
tensor); ``.risk(θ)``, ``.grad(θ)``, ``.jacobian(θ) -> (batch, D, D)``,
``.rows(index)``, ``.subset(index)`` (the field of a minibatch, used by ``sgd``),
``.n_samples``, ``.dim``, ``.model``, ``.X``, ``.y``, ``.loss``, ``.metric``, ``.mask``.  A field keeps scratch
buffers between calls: use one field object per thread.

``Status`` (``IntEnum``): ``COMPLETED`` (reached ``t_max``), ``CONVERGED`` (``‖θ'‖``
fell below ``gtol``; the row stopped there), ``MAX_STEPS``, ``DIVERGED``
(``‖θ‖ > max_norm``), ``NON_FINITE`` (a step produced NaN/inf; the row keeps its last
finite state).

``FlowResult``: ``times (T,)`` (CPU float64), ``states (T, batch, D)``,
``final (batch, D)``, ``status (batch,)`` int64 codes, ``t_final (batch,)`` (the time
each row reached), ``n_steps (batch,)`` (attempted steps; accepted ones are
``n_steps - n_rejected``), ``n_rejected (batch,)``, ``n_evals`` (batched field calls), ``method``,
``n_row_evals`` (field evaluations counted per row: stopped rows are not evaluated); ``indices(status)``,
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
from .fields import Metric, MinibatchField, as_metric, jacobian_by_vjp
from .kernel_plan import KernelPlan, as_plan
from .losses import Loss, get_loss
from .models import Model

__all__ = ["GradientFlowField", "Status", "FlowResult"]

Tensor = torch.Tensor


class GradientFlowField(MinibatchField):
    r"""The field :math:`\theta \mapsto -\,\mathrm{mask} \odot M \nabla_\theta R(\theta)`,
    batched over rows.

    Parameters
    ----------
    model : Model
        Any :class:`~simtool.numeric.models.Model` (two-layer, deep, ``torch.func``).
    X, y : array-like
        Data, validated and prepared once here.
    loss : str or Loss
        Registry name or ``Loss`` (:mod:`simtool.numeric.losses`).
    metric : Metric or array-like, optional
        ``M``: a :class:`Metric`, or an array taken as a diagonal ``(D,)``/``(batch, D)``.
    mask : array-like, optional
        0/1 of shape ``(D,)`` or ``(batch, D)``: coordinates with 0 are frozen.
    kernel : "auto", "LAYOUT:SAMPLES" or KernelPlan, optional
        How a blocked kernel runs (:mod:`simtool.numeric.kernel_plan`): ``"auto"`` (the
        default; ``SIMTOOL_KERNEL_PLAN`` if set, else measured once per model and
        sample count) or a pinned plan, e.g. the one a result recorded, to rerun it bit
        for bit.
    """

    def __init__(self, model: Model, X: object, y: object, loss: Loss | str = "mse",
                 metric: object | None = None, mask: object | None = None,
                 kernel: KernelPlan | str | None = "auto") -> None:
        self.model = model
        self.loss = get_loss(loss)
        self.X = model.as_inputs(X)
        self.y = model.as_targets(y, self.X, self.loss)
        self._Xp = model.prepare(self.X)
        self.metric: Metric | None = as_metric(metric, model.dim, model.dtype, model.device)
        if mask is not None:
            mask = torch.as_tensor(mask, dtype=model.dtype, device=model.device)
            if mask.ndim not in (1, 2) or mask.shape[-1] != model.dim:
                raise DataError(f"mask must have shape ({model.dim},) or (batch, {model.dim}), "
                                f"got {tuple(mask.shape)}")
        self.mask: Tensor | None = mask
        self._workspace: dict = {}  # scratch buffers reused between calls (one thread)
        plan = as_plan(kernel)
        if plan is not None:
            self._workspace["kernel_plan"] = plan

    @property
    def n_samples(self) -> int:
        return self.X.shape[-2]

    @property
    def dim(self) -> int:
        return self.model.dim

    def __repr__(self) -> str:
        kind = "none" if self.metric is None else "diagonal" if self.metric.diagonal else "matrix"
        return (f"GradientFlowField({self.model!r}, n={self.n_samples}, loss={self.loss.name}, "
                f"metric={kind}{', masked' if self.mask is not None else ''})")

    def grad(self, theta: Tensor) -> Tensor:
        """``∇R(θ)`` (without the metric), ``(batch, D)``."""
        return self.model.risk_and_grad_prepared(theta, self._Xp, self.y, self.loss,
                                                 need_risk=False)[1]

    def __call__(self, t: float | Tensor, theta: Tensor) -> Tensor:
        v = self.model.risk_and_grad_prepared(theta, self._Xp, self.y, self.loss, need_risk=False,
                                              scale=-1.0, workspace=self._workspace)[1]
        if self.metric is not None:
            v = self.metric.apply(v)
        return v if self.mask is None else v * self.mask

    def risk(self, theta: Tensor) -> Tensor:
        """``R(θ)``, ``(batch,)``."""
        return self.loss.value(self.model.output(theta, self._Xp), self.y).mean(-1)

    def jacobian(self, theta: Tensor) -> Tensor:
        """Jacobian of the field per row, ``(batch, D, D)`` (reverse mode, ``D`` VJPs)."""
        return jacobian_by_vjp(self, theta)

    def _copy(self) -> GradientFlowField:
        new = object.__new__(GradientFlowField)
        new.__dict__.update(self.__dict__)
        return new

    def rows(self, index: slice | Tensor) -> GradientFlowField:
        """The field restricted to batch rows ``index`` (per-row data, metric, mask follow)."""
        new = self._copy()
        if self.X.ndim == 3:
            new.X, new._Xp = self.X[index], self._Xp[index]
        if self.y.ndim == 2:
            new.y = self.y[index]
        if self.metric is not None:
            new.metric = self.metric.rows(index)
        if self.mask is not None and self.mask.ndim == 2:
            new.mask = self.mask[index]
        return new

    def subset(self, index: Tensor) -> GradientFlowField:
        """The field of the risk on samples ``index`` (a 1-D index tensor)."""
        new = self._copy()
        new.X = self.X.index_select(-2, index)
        new.y = self.y.index_select(-1, index)
        new._Xp = self._Xp.index_select(-2, index)
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
    #: row-evaluations of the field (live-row integration skips stopped rows), or None
    n_row_evals: int | None = None

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
                 max_norm: float, live_rows: bool = True) -> None:
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
        self.n_row_evals = 0
        self.live_rows = live_rows

    def live(self) -> Tensor | None:
        """Indices of the active rows when some row has stopped (else ``None``: all live).

        Integrators evaluate the field on these rows only (``field.rows(idx)``) and
        scatter the results back; a stopped row's state is never read again.
        """
        if not self.live_rows:
            return None
        n = int(self.active.sum())
        if n == self.active.numel():
            return None
        return torch.nonzero(self.active).flatten()

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
                          self.n_rejected, self.n_evals, self.method, self.n_row_evals)
