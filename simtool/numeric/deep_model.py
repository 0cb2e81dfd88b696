r"""Batched float model of a deep fully-connected net, per-layer batched matmuls.

.. math:: h_0 = x,\quad h_l = \sigma_l(W_l h_{l-1} + b_l)\ (l < L),\quad
          f = W_L h_{L-1} \;(+\, c)

(math.md §1; the layout of :class:`~simtool.symbolic.deep.DeepNet`, read from the
net's roles by :func:`~simtool.numeric.layers.layer_indices`).  Every row of ``θ``
``(batch, D)`` is an independent network.  Activations are kept *feature-major*,
``H_l^T`` of shape ``(batch, n_l, n)``, so every product is one contiguous batched
GEMM; with inputs shared by all rows the first layer is a single GEMM
``(batch·n_1, d) × (d, n)`` forward and ``(batch·n_1, n) × (n, d)`` backward.

Risk gradient (back-propagation, math.md §2), with ``r_i = scale · ℓ'(f_i, y_i)/n``:

.. math:: \delta_{L-1} = (W_L^T r^T) \odot \sigma'_{L-1}(z_{L-1}),\quad
          \delta_{l-1} = (W_l^T \delta_l) \odot \sigma'_{l-1}(z_{l-1}),\quad
          \partial_{W_l} R = \delta_l H_{l-1},\quad \partial_{b_l} R = \delta_l \mathbf 1 .

Without autograd recording (integrators run under ``no_grad``) the samples are taken
in blocks so that intermediates stay ``O(batch · n_l · block)``; under autograd or
``torch.func`` the same formulas run on all samples (so ``vjp``/``vmap`` of the field
work).  Float64 on CPU and CUDA.

Public API
----------
``DeepModel(net, *, device=None, dtype=torch.float64)``: the :class:`~simtool.numeric.
models.Model` protocol (``prepare``, ``output``, ``risk_and_grad_prepared``,
``jacobian_prepared``) and the validating ``forward``, ``jacobian``, ``risk``,
``risk_grad``, ``risk_and_grad``, ``sample_theta`` of
:class:`~simtool.numeric.models.ModelBase`.

>>> import torch
>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> model = DeepModel(DeepNet((2,), get_activation("identity"), bias=False))
>>> theta = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64)  # f = (3·1 + 4·2) x
>>> model(theta, torch.tensor([1.0, -1.0], dtype=torch.float64)).tolist()
[[11.0, -11.0]]
"""

from __future__ import annotations

import torch

from ..bridge import TorchActivation, plain_no_grad, torch_activation
from .layers import layer_indices
from .losses import Loss
from .models import ModelBase

__all__ = ["DeepModel"]

Tensor = torch.Tensor

#: samples per block × batch × widest layer, in elements (CPU: cache; CUDA: memory)
_BLOCK_ELEMENTS_CPU = 1 << 20
_BLOCK_ELEMENTS_CUDA = 1 << 27


class DeepModel(ModelBase):
    """Float, batched evaluation of a layered fully-connected network.

    Parameters
    ----------
    net : Network
        A :class:`~simtool.symbolic.deep.DeepNet` (or any network whose roles describe
        a layered fully-connected net with one activation per hidden layer).
    device, dtype
        Where and in which float type to compute (default CPU, float64).
    """

    def __init__(self, net, *, device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float64) -> None:
        self.net = net
        self._init_device(device, dtype)
        self.layout = layer_indices(net, self.device)
        self.widths = self.layout.widths
        acts = tuple(net.activations)
        self.activations: tuple[TorchActivation, ...] = tuple(torch_activation(a) for a in acts)

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    # -- parameters ----------------------------------------------------------------
    def _params(self, theta: Tensor) -> list[tuple[Tensor, Tensor | None]]:
        """``[(W_l (B, n_l, n_{l-1}), b_l (B, n_l) or None)]`` gathered from ``θ``."""
        B = theta.shape[0]
        out = []
        for li in self.layout.layers:
            W = theta.index_select(1, li.weight.flatten()).view(B, *li.weight.shape)
            b = None if li.bias is None else theta.index_select(1, li.bias)
            out.append((W, b))
        return out

    def _scatter(self, grads: list[Tensor], B: int) -> Tensor:
        """``(B, D)`` gradient in the net's layout from per-layer ``[gW_1, gb_1, …]``."""
        flat = torch.cat([g.reshape(B, -1) for g in grads], dim=1)
        return flat.index_select(1, self.layout.inverse)

    # -- kernels -----------------------------------------------------------------
    def _first(self, W: Tensor, b: Tensor | None, X: Tensor) -> Tensor:
        """``z_1^T`` ``(B, n_1, n)`` from inputs ``X`` ``(n, d)`` or ``(B, n, d)``."""
        B, n1, d = W.shape
        if X.ndim == 2:  # one GEMM for the whole batch
            if b is None:
                return (W.reshape(B * n1, d) @ X.T).view(B, n1, -1)
            return torch.addmm(b.reshape(B * n1, 1), W.reshape(B * n1, d), X.T).view(B, n1, -1)
        z = torch.bmm(W, X.transpose(1, 2))
        return z if b is None else z + b[:, :, None]

    def _hidden(self, params, X: Tensor, order: int):
        """Forward through the hidden layers: ``[H_0^T, …, H_{L-1}^T]`` (H_0 = X as given)
        and ``[σ'_l(z_l)]`` when ``order = 1``."""
        hs: list[Tensor] = [X]
        ds: list[Tensor] = []
        for l in range(self.depth - 1):
            W, b = params[l]
            if l == 0:
                z = self._first(W, b, X)
            elif b is None:
                z = torch.bmm(W, hs[-1])
            else:
                z = torch.baddbmm(b[:, :, None], W, hs[-1])
            vals = self.activations[l].values(z, order)
            hs.append(vals[0])
            if order:
                ds.append(vals[1])
        return hs, ds

    def _out(self, params, h: Tensor) -> Tensor:
        W, c = params[-1]
        f = torch.bmm(W, h)[:, 0, :]  # (B, 1, n_{L-1}) x (B, n_{L-1}, n)
        return f if c is None else f + c

    def _block(self, B: int, n: int, device: torch.device) -> int:
        target = _BLOCK_ELEMENTS_CUDA if device.type == "cuda" else _BLOCK_ELEMENTS_CPU
        return max(1, min(n, target // max(1, B * max(self.widths[1:]))))

    def output(self, theta: Tensor, Xp: Tensor) -> Tensor:
        params = self._params(theta)
        n = Xp.shape[-2]
        nb = self._block(theta.shape[0], n, theta.device) if plain_no_grad(theta) else n
        parts = []
        for i in range(0, n, nb):
            Xb = Xp[i:i + nb] if Xp.ndim == 2 else Xp[:, i:i + nb]
            hs, _ = self._hidden(params, Xb, 0)
            parts.append(self._out(params, hs[-1]))
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    def _grad_block(self, params, X: Tensor, y: Tensor, loss: Loss, n: int, scale: float,
                    need_risk: bool) -> tuple[Tensor | None, list[Tensor]]:
        """Risk sum (or None) and ``[gW_1, gb_1, …]`` of one block of samples."""
        hs, ds = self._hidden(params, X, 1)
        f = self._out(params, hs[-1])
        r = loss.derivative(f, y) * (scale / n)  # (B, k)
        risk = loss.value(f, y).sum(1) if need_risk else None
        L = self.depth
        grads: list[Tensor | None] = [None] * (2 * L)
        W_L, c = params[-1]
        grads[2 * L - 2] = torch.bmm(r[:, None, :], hs[-1].transpose(1, 2))  # (B, 1, n_{L-1})
        if c is not None:
            grads[2 * L - 1] = r.sum(1, keepdim=True)
        delta = None
        for l in range(L - 2, -1, -1):  # hidden layer l+1 (0-based l)
            if delta is None:
                delta = W_L.transpose(1, 2) * r[:, None, :]  # (B, n_{L-1}, k)
            else:
                delta = torch.bmm(params[l + 1][0].transpose(1, 2), delta)
            delta = delta * ds[l] if not plain_no_grad(delta) else delta.mul_(ds[l])
            h_prev = hs[l]
            W, b = params[l]
            if l == 0 and h_prev.ndim == 2:  # shared inputs: one GEMM
                B, n1, k = delta.shape
                grads[0] = (delta.reshape(B * n1, k) @ h_prev).view(B, n1, -1)
            elif l == 0:
                grads[0] = torch.bmm(delta, h_prev)
            else:
                grads[2 * l] = torch.bmm(delta, h_prev.transpose(1, 2))
            if b is not None:
                grads[2 * l + 1] = delta.sum(2)
        return risk, [g for g in grads if g is not None]

    def risk_and_grad_prepared(self, theta: Tensor, Xp: Tensor, y: Tensor, loss: Loss, *,
                               need_risk: bool = True, scale: float = 1.0,
                               workspace: dict | None = None) -> tuple[Tensor | None, Tensor]:
        B, n = theta.shape[0], Xp.shape[-2]
        params = self._params(theta)
        nb = self._block(B, n, theta.device) if plain_no_grad(theta) else n
        risk: Tensor | None = None
        total: list[Tensor] | None = None
        for i in range(0, n, nb):
            Xb = Xp[i:i + nb] if Xp.ndim == 2 else Xp[:, i:i + nb]
            rb, gb = self._grad_block(params, Xb, y[..., i:i + nb], loss, n, scale, need_risk)
            if total is None:
                total, risk = gb, rb
            else:
                for acc, g in zip(total, gb, strict=True):
                    acc.add_(g)
                if need_risk:
                    risk = risk + rb  # type: ignore[operator]
        grad = self._scatter(total, B)  # type: ignore[arg-type]
        return (risk / n if need_risk else None), grad  # type: ignore[operator]

    def jacobian_prepared(self, theta: Tensor, Xp: Tensor) -> Tensor:
        """Per-sample ``∇_θ f``, ``(B, n, D)``: ``δ_l(x) ⊗ h_{l-1}(x)`` layer by layer."""
        B = theta.shape[0]
        params = self._params(theta)
        hs, ds = self._hidden(params, Xp, 1)
        n = hs[-1].shape[-1]
        L = self.depth
        parts: list[Tensor | None] = [None] * (2 * L)
        W_L, c = params[-1]
        parts[2 * L - 2] = hs[-1].transpose(1, 2)[:, :, None, :]  # (B, n, 1, n_{L-1})
        if c is not None:
            parts[2 * L - 1] = theta.new_ones(B, n, 1)
        delta = None  # per sample: (B, n, n_l)
        for l in range(L - 2, -1, -1):
            if delta is None:
                delta = W_L.expand(B, n, W_L.shape[-1])
            else:
                delta = torch.bmm(delta, params[l + 1][0])
            delta = delta * ds[l].transpose(1, 2)
            h_prev = hs[l] if l == 0 else hs[l].transpose(1, 2)  # (n, d)/(B, n, d) or (B, n, n_l)
            if h_prev.ndim == 2:
                h_prev = h_prev.expand(B, *h_prev.shape)
            parts[2 * l] = delta[..., :, None] * h_prev[..., None, :]
            if params[l][1] is not None:
                parts[2 * l + 1] = delta
        flat = torch.cat([p.reshape(B, n, -1) for p in parts if p is not None], dim=2)
        return flat.index_select(2, self.layout.inverse)
