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
from .models import ModelBase, sample_block

__all__ = ["DeepModel"]

Tensor = torch.Tensor

#: samples per block × batch × widest layer, in elements (CPU: cache; CUDA: memory)
_BLOCK_ELEMENTS_CPU = 1 << 20
_BLOCK_ELEMENTS_CUDA = 1 << 27


#: torch's CPU bmm runs a scalar loop below this many multiply-adds per matrix; there,
#: with a short contraction, a few vectorised products and sums are faster (measured
#: ~2-3× on widths 2-3); they avoid fused multiply-adds like that scalar loop, so
#: ``a·h + (−a)·h`` is exactly 0 and mirrored neurons stay mirrored bit for bit
_SCALAR_BMM_MACS = 400
_SHORT_CONTRACTION = 4


def _bmm(a: Tensor, b: Tensor) -> Tensor:
    """``torch.bmm(a, b)``, by rank-one updates when the matrices are tiny (CPU)."""
    K = a.shape[2]
    if (a.device.type != "cpu" or K > _SHORT_CONTRACTION
            or a.shape[1] * K * b.shape[2] >= _SCALAR_BMM_MACS or not plain_no_grad(a)):
        return torch.bmm(a, b)
    z = a[:, :, 0, None] * b[:, None, 0, :]
    tmp = torch.empty_like(z)
    for j in range(1, K):  # multiply, then add: no fused multiply-add, so that mirrored
        z.add_(torch.mul(a[:, :, j, None], b[:, None, j, :], out=tmp))  # terms cancel exactly
    return z


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
        # A_l = [W_l | b_l] (bias as a last column); θ[:, order] is [A_1, A_2, …] flattened
        self._biased = tuple(li.bias is not None for li in self.layout.layers)
        aug = [li.weight if li.bias is None else torch.cat([li.weight, li.bias[:, None]], dim=1)
               for li in self.layout.layers]
        self._shapes = tuple(tuple(A.shape) for A in aug)
        order = torch.cat([A.flatten() for A in aug])
        self._order, self._inverse = order, torch.argsort(order)

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    # -- parameters ----------------------------------------------------------------
    def _params(self, theta: Tensor) -> list[Tensor]:
        """``[A_l (B, n_l, n_{l-1} (+1))]``: ``[W_l | b_l]`` gathered from ``θ`` (one gather)."""
        B = theta.shape[0]
        flat = theta.index_select(1, self._order)
        out, o = [], 0
        for shape in self._shapes:
            k = shape[0] * shape[1]
            out.append(flat[:, o:o + k].view(B, *shape))
            o += k
        return out

    def _scatter(self, grads: list[Tensor], B: int) -> Tensor:
        """``(B, D)`` gradient in the net's layout from per-layer ``[∂A_1, ∂A_2, …]``."""
        flat = torch.cat([g.reshape(B, -1) for g in grads], dim=1)
        return flat.index_select(1, self._inverse)

    def prepare(self, X: Tensor) -> Tensor:
        """``X̃ = [X, 1]`` when the first layer has biases, else ``X``."""
        if not self._biased[0]:
            return X
        return torch.cat([X, X.new_ones(X.shape[:-1] + (1,))], dim=-1)

    # -- kernels -----------------------------------------------------------------
    def _hidden(self, params: list[Tensor], X: Tensor, order: int, explicit: bool = False):
        """Forward through the hidden layers.

        Returns ``hs = [X̃, H̃_1^T, …, H̃_{L-1}^T]`` (``H̃_l^T`` ``(B, n_l (+1), n)``, with a
        row of ones appended when layer ``l+1`` has biases) and, when ``order = 1``,
        per layer ``σ'_l(z_l)`` — or ``None`` where the activation's ``backward``
        gets ``σ'`` from ``σ`` (the usual case: then ``z`` is never kept, and ``σ``
        is written straight into ``H̃``).  ``explicit``: always ``σ'`` tensors.
        """
        hs: list[Tensor] = [X]
        ds: list[Tensor | None] = []
        plain = plain_no_grad(params[0])
        for l in range(self.depth - 1):
            A, h = params[l], hs[-1]
            if l == 0 and h.ndim == 2:  # shared inputs: one (n_1, d̃) x (d̃, k) GEMM per row
                # (not one (B·n_1, d̃) GEMM: MKL's sums then depend on B, and live-row
                # integration would differ from full-batch integration at round-off)
                z = torch.bmm(A, h.T.expand(A.shape[0], *h.T.shape))
            elif l == 0:
                z = torch.bmm(A, h.transpose(1, 2))
            else:
                z = _bmm(A, h)
            act = self.activations[l]
            need_d = order and (explicit or act.backward is None)
            if self._biased[l + 1]:
                B, nl, n = z.shape
                H = z.new_empty(B, nl + 1, n)
                H[:, nl].fill_(1.0)
                if need_d:
                    s, d = act.values(z, 1)
                    H[:, :nl] = s
                elif plain:  # closed forms write σ into H̃ directly; others are copied
                    Hv = H[:, :nl]
                    s = act.values(z, 0, out=(Hv,))[0]
                    if s.data_ptr() != Hv.data_ptr():
                        Hv.copy_(s)
                else:
                    H = torch.cat([act.values(z, 0)[0], z.new_ones(B, 1, n)], dim=1)
            elif need_d:
                H, d = act.values(z, 1)
            else:
                H = act.values(z, 0, out=(z,) if plain else None)[0]
            hs.append(H)
            ds.append(d if need_d else None)
        return hs, ds

    def _out(self, params: list[Tensor], h: Tensor) -> Tensor:
        return _bmm(params[-1], h)[:, 0, :]  # (B, 1, n_{L-1} (+1)) x (B, ·, n)

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

    def _grad_block(self, params: list[Tensor], X: Tensor, y: Tensor, loss: Loss, n: int,
                    scale: float, need_risk: bool) -> tuple[Tensor | None, list[Tensor]]:
        """Risk sum (or None) and ``[∂A_1, …, ∂A_L]`` of one block of samples."""
        hs, ds = self._hidden(params, X, 1)
        f = self._out(params, hs[-1])
        r = loss.derivative(f, y) * (scale / n)  # (B, k)
        risk = loss.value(f, y).sum(1) if need_risk else None
        L = self.depth
        widths = self.widths
        grads: list[Tensor] = [r] * L
        grads[L - 1] = torch.bmm(r[:, None, :], hs[-1].transpose(1, 2))  # (B, 1, n_{L-1} (+1))
        delta = None
        for l in range(L - 2, -1, -1):  # hidden layer l + 1, 1-based
            W_next = params[l + 1][:, :, :widths[l + 1]]  # (B, n_{l+2}, n_{l+1})
            if delta is None:
                delta = W_next.transpose(1, 2) * r[:, None, :]  # (B, n_{L-1}, k)
            else:
                delta = _bmm(W_next.transpose(1, 2), delta)
            d = ds[l]
            if d is None:  # g ⊙ σ'(z) from σ(z), one fused pass
                h = hs[l + 1][:, :widths[l + 1]]
                delta = self.activations[l].backward(delta, h)  # type: ignore[misc]
            else:
                delta = delta * d if not plain_no_grad(delta) else delta.mul_(d)
            h_prev = hs[l]
            if l == 0 and h_prev.ndim == 2:  # shared inputs: one GEMM per row (as above)
                grads[0] = torch.bmm(delta, h_prev.expand(delta.shape[0], *h_prev.shape))
            elif l == 0:
                grads[0] = torch.bmm(delta, h_prev)
            else:
                grads[l] = torch.bmm(delta, h_prev.transpose(1, 2))
        return risk, grads

    def risk_and_grad_prepared(self, theta: Tensor, Xp: Tensor, y: Tensor, loss: Loss, *,
                               need_risk: bool = True, scale: float = 1.0,
                               workspace: dict | None = None) -> tuple[Tensor | None, Tensor]:
        B, n = theta.shape[0], Xp.shape[-2]
        params = self._params(theta)
        nb = sample_block(workspace, n, lambda: self._block(B, n, theta.device)) \
            if plain_no_grad(theta) else n
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
        """Per-sample ``∇_θ f``, ``(B, n, D)``: ``∂f/∂A_l = δ_l(x) ⊗ h̃_{l-1}(x)``."""
        B = theta.shape[0]
        params = self._params(theta)
        hs, ds = self._hidden(params, Xp, 1, explicit=True)
        n = hs[-1].shape[-1]
        L, widths = self.depth, self.widths
        parts: list[Tensor] = [theta] * L
        parts[L - 1] = hs[-1].transpose(1, 2)  # (B, n, n_{L-1} (+1))
        delta = None  # per sample: (B, n, n_l)
        for l in range(L - 2, -1, -1):
            W_next = params[l + 1][:, :, :widths[l + 1]]
            if delta is None:
                delta = W_next.expand(B, n, widths[l + 1])
            else:
                delta = torch.bmm(delta, W_next)
            delta = delta * ds[l].transpose(1, 2)  # type: ignore[union-attr]
            h_prev = hs[l] if l == 0 else hs[l].transpose(1, 2)  # (n, d̃)/(B, n, d̃)/(B, n, ·)
            if h_prev.ndim == 2:
                h_prev = h_prev.expand(B, *h_prev.shape)
            parts[l] = delta[..., :, None] * h_prev[..., None, :]
        flat = torch.cat([p.reshape(B, n, -1) for p in parts], dim=2)
        return flat.index_select(2, self._inverse)
