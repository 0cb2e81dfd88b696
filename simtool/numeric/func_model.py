r"""The generic model: ``torch.func`` (``vmap``/``grad``/``jacrev``) of a torch forward.

Given a forward ``f(θ, X)`` for one parameter vector (``θ`` ``(D,)``, ``X`` ``(n, d)``
→ ``(n,)``), :class:`FuncModel` implements the :class:`~simtool.numeric.models.Model`
protocol by automatic differentiation, batched with ``torch.func.vmap``:

* ``output``: ``vmap(f)``;
* ``risk_and_grad_prepared``: ``vmap(grad_and_value(θ ↦ mean_i ℓ(f(θ, x_i), y_i)))``;
* ``jacobian_prepared``: ``vmap(jacrev(f))``.

It is the model of networks nothing faster is registered for, and the *oracle* every
hand-written kernel (:class:`~simtool.numeric.model.TwoLayerModel`,
:class:`~simtool.numeric.deep_model.DeepModel`) is tested against.  Without an explicit
forward it builds the layered fully-connected one from the net's roles and
activations (:func:`layered_forward`): a straight transcription of math.md §1, one
gather and one matmul per layer, no hand-written derivative anywhere.

>>> import torch
>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> m = FuncModel(DeepNet((2,), get_activation("identity"), bias=False))
>>> theta = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64)
>>> m.risk_and_grad(theta, [[1.0]], [0.0])[1].tolist()  # R = (11 x)²/2 at x = 1
[[33.0, 44.0, 11.0, 22.0]]
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..bridge import torch_activation
from .layers import layer_indices
from .losses import Loss
from .models import ModelBase

__all__ = ["FuncModel", "layered_forward"]

Tensor = torch.Tensor
Forward = Callable[[Tensor, Tensor], Tensor]


def layered_forward(net, device: torch.device | str | None = None) -> Forward:
    """``f(θ, X)`` of a layered fully-connected ``net`` for one ``θ`` ``(D,)``.

    Reads the layout from ``net.roles`` (:func:`~simtool.numeric.layers.layer_indices`)
    and the activations from ``net.activations``.
    """
    lay = layer_indices(net, device)
    sigmas = [torch_activation(a).sigma for a in net.activations]

    def forward(theta: Tensor, X: Tensor) -> Tensor:
        h = X
        for l, li in enumerate(lay.layers):
            z = h @ theta[li.weight].T
            if li.bias is not None:
                z = z + theta[li.bias]
            h = sigmas[l](z) if l < len(sigmas) else z
        return h[:, 0]

    return forward


class FuncModel(ModelBase):
    """A model by ``torch.func`` of a per-row forward.

    Parameters
    ----------
    net : Network
        The network (layout, dimension, description).
    forward : callable, optional
        ``f(θ (D,), X (n, d)) -> (n,)``, composable with ``torch.func``; default
        :func:`layered_forward` of ``net``.
    device, dtype
        Where and in which float type to compute.
    """

    def __init__(self, net, forward: Forward | None = None, *,
                 device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float64) -> None:
        self.net = net
        self._init_device(device, dtype)
        self.forward_one: Forward = forward if forward is not None else layered_forward(net, self.device)

    @staticmethod
    def _dims(Xp: Tensor, y: Tensor | None = None) -> tuple:
        dx = 0 if Xp.ndim == 3 else None
        if y is None:
            return (0, dx)
        return (0, dx, 0 if y.ndim == 2 else None)

    def output(self, theta: Tensor, Xp: Tensor) -> Tensor:
        return torch.func.vmap(self.forward_one, in_dims=self._dims(Xp))(theta, Xp)

    def risk_and_grad_prepared(self, theta: Tensor, Xp: Tensor, y: Tensor, loss: Loss, *,
                               need_risk: bool = True, scale: float = 1.0,
                               workspace: dict | None = None) -> tuple[Tensor | None, Tensor]:
        fwd = self.forward_one

        def risk_one(th: Tensor, X: Tensor, yy: Tensor) -> Tensor:
            return loss.value(fwd(th, X), yy).mean()

        g, r = torch.func.vmap(torch.func.grad_and_value(risk_one),
                               in_dims=self._dims(Xp, y))(theta, Xp, y)
        return (r if need_risk else None), (g if scale == 1.0 else g * scale)

    def jacobian_prepared(self, theta: Tensor, Xp: Tensor) -> Tensor:
        return torch.func.vmap(torch.func.jacrev(self.forward_one), in_dims=self._dims(Xp))(theta, Xp)
