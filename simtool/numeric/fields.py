r"""Capabilities of batched vector fields, and the metric of a gradient flow.

A field maps ``(t, θ)`` with ``θ`` of shape ``(batch, D)`` to ``(batch, D)`` and treats
rows independently.  What integrators and checks may ask of it is declared here as
protocols (conventions.md rule 16: no ``hasattr`` probing; a wrapper forwards every
capability):

* :class:`BatchField`: ``field(t, θ)``, ``rows(index)`` (the field of some rows, with
  their per-row data), ``jacobian(θ)`` (``(batch, D, D)``);
* :class:`MinibatchField`: also ``n_samples`` and ``subset(index)`` (the field of the
  risk on some samples, for ``sgd``).

A plain callable becomes a :class:`BatchField` through :func:`as_batch_field`
(:class:`CallableField`: ``rows`` is itself, the Jacobian by autodiff).

:class:`Metric` is the ``M`` of ``θ' = −M ∇R``: diagonal or a full matrix, shared by all
rows or one per row (math.md §5: the reduced flow of a SIM has ``M = P Π_S Pᵀ``).

>>> import torch
>>> M = Metric.matrix([[2.0, 1.0], [1.0, 2.0]])
>>> M.apply(torch.tensor([[1.0, 0.0]], dtype=torch.float64)).tolist()
[[2.0, 1.0]]
>>> fld = as_batch_field(lambda t, th: -th)
>>> bool((fld.jacobian(torch.ones(1, 2, dtype=torch.float64)) == -torch.eye(2)).all())
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch

from ..errors import DataError

__all__ = ["BatchField", "MinibatchField", "CallableField", "as_batch_field", "Metric",
           "as_metric", "jacobian_by_vjp"]

Tensor = torch.Tensor


@runtime_checkable
class BatchField(Protocol):
    """A batched vector field ``(t, θ) -> (batch, D)`` with independent rows.

    ``rows(index)`` is the field of a subset of rows (per-row data, metric and mask
    follow); ``jacobian(θ)`` is ``∂F/∂θ`` per row, ``(batch, D, D)``.  Every wrapper of
    a field implements all of it (conventions.md rule 16).
    """

    def __call__(self, t: float | Tensor, theta: Tensor) -> Tensor: ...

    def rows(self, index: slice | Tensor) -> BatchField: ...

    def jacobian(self, theta: Tensor) -> Tensor: ...


@runtime_checkable
class MinibatchField(BatchField, Protocol):
    """A :class:`BatchField` of an empirical risk: ``subset(index)`` is the field of the
    risk on samples ``index`` (what ``sgd`` needs); ``n_samples`` their number."""

    @property
    def n_samples(self) -> int: ...

    def subset(self, index: Tensor) -> MinibatchField: ...


def jacobian_by_vjp(field: BatchField, theta: Tensor) -> Tensor:
    """Per-row Jacobian of a row-independent field: one VJP with cotangent ``e_i`` in
    every row gives row ``i`` of every row's Jacobian (``D`` VJPs, batched by vmap)."""
    B, D = theta.shape
    basis = torch.eye(D, dtype=theta.dtype, device=theta.device)[:, None, :].expand(D, B, D)
    with torch.enable_grad():
        _, pullback = torch.func.vjp(lambda th: field(0.0, th), theta)
        return torch.func.vmap(pullback)(basis)[0].permute(1, 0, 2)


class CallableField(BatchField):
    """A plain callable ``(t, θ) -> (batch, D)`` (rows independent, no per-row data) as a
    :class:`BatchField`: ``rows`` is the field itself, ``jacobian`` by automatic
    differentiation."""

    def __init__(self, fn: Callable[[object, Tensor], Tensor]) -> None:
        self.fn = fn

    def __call__(self, t: float | Tensor, theta: Tensor) -> Tensor:
        return self.fn(t, theta)

    def rows(self, index: slice | Tensor) -> CallableField:
        return self

    def jacobian(self, theta: Tensor) -> Tensor:
        return jacobian_by_vjp(self, theta)


def as_batch_field(field: object) -> BatchField:
    """``field`` itself when it is a :class:`BatchField`, else a :class:`CallableField`."""
    if isinstance(field, BatchField):
        return field
    if not callable(field):
        raise DataError(f"a field must be callable as field(t, θ), got {type(field).__name__}")
    return CallableField(field)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class Metric:
    r"""A (possibly non-diagonal) metric ``M`` of the flow ``θ' = −M ∇R``.

    ``values``: diagonal ``(D,)`` or ``(batch, D)``; matrix ``(D, D)`` or
    ``(batch, D, D)`` (math.md §5: ``M = P Π_S Pᵀ`` of a reduction, rational and in
    general not diagonal).  Build with :meth:`diag` or :meth:`matrix`; entries must be
    finite, diagonal entries ``≥ 0`` (0 freezes a coordinate).
    """

    values: Tensor
    diagonal: bool

    @classmethod
    def diag(cls, values: object, *, dim: int | None = None, dtype=torch.float64,
             device=None) -> Metric:
        v = torch.as_tensor(values, dtype=dtype, device=device)
        if v.ndim not in (1, 2) or (dim is not None and v.shape[-1] != dim):
            raise DataError(f"a diagonal metric must have shape ({dim or 'D'},) or (batch, "
                            f"{dim or 'D'}), got {tuple(v.shape)}")
        if not bool((v >= 0).all() & torch.isfinite(v).all()):
            raise DataError("diagonal metric entries must be non-negative and finite")
        return cls(v, True)

    @classmethod
    def matrix(cls, values: object, *, dim: int | None = None, dtype=torch.float64,
               device=None) -> Metric:
        v = torch.as_tensor(values, dtype=dtype, device=device)
        if v.ndim not in (2, 3) or v.shape[-1] != v.shape[-2] or (dim is not None and v.shape[-1] != dim):
            raise DataError(f"a metric matrix must have shape (D, D) or (batch, D, D) with "
                            f"D = {dim or 'dim'}, got {tuple(v.shape)}")
        if not bool(torch.isfinite(v).all()):
            raise DataError("metric entries must be finite")
        return cls(v, False)

    @property
    def per_row(self) -> bool:
        return self.values.ndim == (2 if self.diagonal else 3)

    def apply(self, v: Tensor) -> Tensor:
        """``M v`` for each row of ``v`` ``(batch, D)``."""
        M = self.values
        if self.diagonal:
            return M * v
        if M.ndim == 2:
            return v @ M.T
        return torch.bmm(M, v[:, :, None])[:, :, 0]

    def rows(self, index: slice | Tensor) -> Metric:
        return Metric(self.values[index], self.diagonal) if self.per_row else self


def as_metric(metric: object, dim: int, dtype=torch.float64, device=None) -> Metric | None:
    """``None``, a :class:`Metric` (checked against ``dim``, moved to ``device``), or an
    array taken as a diagonal metric."""
    if metric is None:
        return None
    if not isinstance(metric, Metric):
        return Metric.diag(metric, dim=dim, dtype=dtype, device=device)
    if metric.values.shape[-1] != dim:
        raise DataError(f"the metric is for dimension {metric.values.shape[-1]}, the model has {dim}")
    return Metric(metric.values.to(device=device, dtype=dtype), metric.diagonal)
