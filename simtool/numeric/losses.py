r"""Per-sample losses :math:`\ell(p, y)` for the empirical risk (math.md §2).

The risk is :math:`R(\theta) = \frac1n \sum_i \ell(f(\theta, x_i), y_i)`; the numeric
engine needs :math:`\ell` and :math:`\partial\ell/\partial p` (and
:math:`\partial^2\ell/\partial p^2` for implicit integrators).  All functions are
elementwise and broadcast, so ``pred`` of shape ``(batch, n)`` against ``y`` of
shape ``(n,)`` or ``(batch, n)`` works.

Registry (``LOSSES``; ``get_loss(name, **params)``):

``mse``
    :math:`\ell = \tfrac12 (p - y)^2` -- note the factor ½, so ``ℓ' = p - y``.
``logistic``
    Binary cross-entropy on the logit ``p``: :math:`\ell = \log(1 + e^{-s p})` with
    the sign label :math:`s = +1` if ``y > 0`` else :math:`-1`.  Labels may be given
    as ``{0, 1}`` or ``{-1, +1}`` (``check_targets`` refuses anything else).  It is
    *the* cross-entropy of the scalar-output network: simtool's nets have one output,
    so there is no separate multi-class ``cross_entropy``.  Evaluated with
    ``logaddexp`` and ``sigmoid``, stable for any ``|p|``.
``huber``
    :math:`\ell = \tfrac12 r^2` for :math:`|r| \le \delta`, else
    :math:`\delta(|r| - \tfrac12\delta)`, with :math:`r = p - y` and parameter
    ``delta`` (default 1).  :math:`C^1`; ``ℓ'' = 1_{|r| \le δ}``.

Public API
----------
``Loss`` (frozen dataclass): ``name``, ``value(pred, y)``, ``derivative(pred, y)``,
``second_derivative(pred, y)``, ``check_targets(y)``.
``LOSSES``: name -> factory; ``get_loss(spec, **params) -> Loss`` (``spec`` may
already be a ``Loss``).

Examples
--------
>>> import torch
>>> mse = get_loss("mse")
>>> mse.value(torch.tensor([3.0]), torch.tensor([1.0])).item()
2.0
>>> get_loss("huber", delta=0.5).derivative(torch.tensor([3.0]), torch.tensor([1.0])).item()
0.5
>>> get_loss("hinge")
Traceback (most recent call last):
...
simtool.errors.DataError: unknown loss 'hinge'; choose one of mse, logistic, huber
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..errors import DataError

__all__ = ["Loss", "LOSSES", "get_loss"]

Tensor = torch.Tensor


@dataclass(frozen=True)
class Loss:
    """A per-sample loss with its first two derivatives in the prediction.

    Attributes
    ----------
    name : str
        Registry name (with parameters, e.g. ``"huber(delta=0.5)"``).
    value, derivative, second_derivative : callable
        ``(pred, y) -> Tensor``, elementwise and broadcasting.
    """

    name: str
    value: Callable[[Tensor, Tensor], Tensor] = field(repr=False)
    derivative: Callable[[Tensor, Tensor], Tensor] = field(repr=False)
    second_derivative: Callable[[Tensor, Tensor], Tensor] = field(repr=False)
    _check: Callable[[Tensor], None] | None = field(default=None, repr=False)

    def check_targets(self, y: Tensor) -> None:
        """Raise :class:`DataError` if ``y`` is not a valid target for this loss."""
        if not bool(torch.isfinite(y).all()):
            raise DataError(f"targets for loss {self.name!r} contain NaN or inf")
        if self._check is not None:
            self._check(y)


def _mse() -> Loss:
    return Loss(
        "mse",
        lambda p, y: 0.5 * (p - y) ** 2,
        lambda p, y: p - y,
        lambda p, y: torch.ones_like(p - y),
    )


def _sign_labels(y: Tensor) -> Tensor:
    return torch.where(y > 0, 1.0, -1.0).to(y.dtype)


def _check_binary(y: Tensor) -> None:
    vals = torch.unique(y.detach().cpu())
    ok01 = bool(((vals == 0) | (vals == 1)).all())
    okpm = bool(((vals == -1) | (vals == 1)).all())
    if not (ok01 or okpm):
        shown = ", ".join(f"{v:g}" for v in vals[:5].tolist())
        raise DataError(
            f"loss 'logistic' needs binary labels in {{0, 1}} or {{-1, +1}}; got values {shown}"
            + (", …" if len(vals) > 5 else "")
        )


def _logistic() -> Loss:
    def value(p: Tensor, y: Tensor) -> Tensor:
        m = -_sign_labels(y) * p
        return torch.logaddexp(m, torch.zeros_like(m))

    def derivative(p: Tensor, y: Tensor) -> Tensor:
        s = _sign_labels(y)
        return -s * torch.sigmoid(-s * p)

    def second(p: Tensor, y: Tensor) -> Tensor:
        q = torch.sigmoid(_sign_labels(y) * p)
        return q * (1 - q)

    return Loss("logistic", value, derivative, second, _check_binary)


def _huber(delta: float = 1.0) -> Loss:
    try:
        d = float(delta)
    except (TypeError, ValueError):
        raise DataError(f"huber delta must be a positive number, got {delta!r}") from None
    if not (d > 0 and math.isfinite(d)):
        raise DataError(f"huber delta must be a positive number, got {delta!r}")

    def value(p: Tensor, y: Tensor) -> Tensor:
        r = (p - y).abs()
        return torch.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d))

    return Loss(
        f"huber(delta={d:g})",
        value,
        lambda p, y: (p - y).clamp(-d, d),
        lambda p, y: ((p - y).abs() <= d).to(p.dtype),
    )


#: registry: name -> factory taking the loss's keyword parameters
LOSSES: dict[str, Callable[..., Loss]] = {"mse": _mse, "logistic": _logistic, "huber": _huber}


def get_loss(spec: str | Loss, **params: object) -> Loss:
    """Look up a loss by name (``params`` go to the factory, e.g. ``delta``).

    Raises
    ------
    DataError
        Unknown name or invalid parameters (the message lists the choices).
    """
    if isinstance(spec, Loss):
        return spec
    factory = LOSSES.get(str(spec).strip().lower())
    if factory is None:
        raise DataError(f"unknown loss {spec!r}; choose one of {', '.join(LOSSES)}")
    try:
        return factory(**params)
    except TypeError:
        raise DataError(f"loss {spec!r} does not take parameters {sorted(params)}") from None
