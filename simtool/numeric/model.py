r"""Batched torch two-layer network with exactly the ``TwoLayerNet`` layout (math.md §1).

.. math:: f(\theta, x) = \sum_{k=1}^m a_k\,\sigma(w_k\cdot x + b_k) \;(+\,c)

``θ`` has shape ``(batch, D)`` and is laid out unit by unit, ``[a_k, w_k(1..d), b_k]``
for ``k = 1..m``, then ``c`` (see :mod:`simtool.symbolic.network`).  Every row is an
independent network; all methods are batch-native.

Inputs ``X`` have shape ``(n, d)`` (shared by all rows; ``(n,)`` is accepted when
``d = 1``) or ``(batch, n, d)`` (one data set per row); targets ``y`` have shape
``(n,)`` or ``(batch, n)``.

The risk gradient (math.md §2)

.. math:: \nabla_\theta R = \tfrac1n \sum_i \ell'(f(\theta,x_i), y_i)\,\nabla_\theta f(\theta, x_i)

is computed with two matrix products and never materialises the per-sample
gradients: with ``u_k = (w_k, b_k)`` and ``x̃_i = (x_i, 1)``, ``z = X̃ U^T``,
``r_i = ℓ'_i / n``,

.. math:: \partial_{a_k} R = \sum_i r_i\,\sigma(z_{ik}), \qquad
          \partial_{u_k} R = \sum_i r_i\,a_k\,\sigma'(z_{ik})\,\tilde x_i, \qquad
          \partial_c R = \sum_i r_i .

Because ``u_k`` sits contiguously after ``a_k`` in the layout, both products read
and write the parameter vector directly; with a shared ``X`` the whole batch is one
GEMM ``(n, d+1) × (d+1, batch·m)``.  When nothing records gradients (integrators run
under ``torch.no_grad``) the samples are taken in cache-sized blocks, so memory is
``O(batch · D)`` for any ``n``; under autograd or ``torch.func`` the same formulas run
out of place (so ``torch.func.jacrev``/``vmap`` of the model and field work).

Public API
----------
``TwoLayerModel(net, *, device=None, dtype=torch.float64)``;
``TwoLayerModel.from_spec(width, activation, input_dim=1, bias=True, output_bias=False, *,
device=None)``.
Attributes ``net``, ``dim``, ``width``, ``input_dim``, ``unit_size``, ``device``, ``dtype``,
``activation``.
The :class:`~simtool.numeric.models.Model` protocol: ``prepare(X)`` (the design
matrix), ``output(θ, Xd)``, ``risk_and_grad_prepared(θ, Xd, y, loss, *, need_risk,
scale, workspace)``, ``jacobian_prepared(θ, Xd)``; and (``θ``: ``(batch, D)``):
``forward(θ, X) -> (batch, n)`` (also ``model(θ, X)``),
``jacobian(θ, X) -> (batch, n, D)`` (per-sample ``∇_θ f``),
``risk(θ, X, y, loss) -> (batch,)``, ``risk_grad(θ, X, y, loss) -> (batch, D)``,
``risk_and_grad(θ, X, y, loss)``, ``as_inputs(X)``, ``as_targets(y)``,
``sample_theta(batch, *, generator, std=1.0) -> (batch, D)``.

Examples
--------
>>> import torch
>>> model = TwoLayerModel.from_spec(2, "tanh")
>>> theta = torch.tensor([[1.0, 0.0, 0.0, 2.0, 0.0, 0.0]], dtype=torch.float64)
>>> model(theta, torch.tensor([0.5, -1.0], dtype=torch.float64)).tolist()
[[0.0, 0.0]]
>>> model.jacobian(theta, torch.tensor([0.5], dtype=torch.float64)).tolist()
[[[0.0, 0.5, 1.0, 0.0, 1.0, 2.0]]]
"""

from __future__ import annotations

import torch

from ..bridge import TorchActivation, plain_no_grad, torch_activation
from ..errors import ArchitectureError
from ..symbolic.activation import Activation
from ..symbolic.network import TwoLayerNet
from .kernel_plan import CANDIDATE_BLOCKS, KernelPlan, calibrate
from .losses import Loss
from .models import ModelBase

__all__ = ["TwoLayerModel"]

#: elements of one (block, batch, m) intermediate in the blocked kernel: CPU blocks
#: stay in L2/L3 cache (measured best around 2^16–2^18 on a 2-core EPYC); on CUDA
#: blocks only bound memory
_BLOCK_ELEMENTS_CPU = 1 << 17
_BLOCK_ELEMENTS_CUDA = 1 << 26
#: up to this many inputs (d+1) the gradient GEMM runs transposed (measured faster)
_TRANSPOSED_MAX_INPUTS = 24

Tensor = torch.Tensor


def _buffers(workspace: dict | None, size: int, like: Tensor) -> list[Tensor]:
    """Four flat scratch buffers of at least ``size`` elements, reused via ``workspace``."""
    if workspace is None:
        return [like.new_empty(size) for _ in range(4)]
    key = (like.dtype, like.device)
    bufs = workspace.get(key)
    if bufs is None or bufs[0].numel() < size:
        bufs = workspace[key] = [like.new_empty(size) for _ in range(4)]
    return bufs


class TwoLayerModel(ModelBase):
    """Float, batched evaluation of a :class:`~simtool.symbolic.network.TwoLayerNet`.

    Parameters
    ----------
    net : TwoLayerNet
        Architecture and activation (the parameter layout is ``net``'s).
    device : torch.device or str, optional
        Where tensors live (``"cpu"``, ``"cuda"``); default CPU.
    dtype : torch.dtype
        Float type, default ``torch.float64``.
    """

    def __init__(self, net: TwoLayerNet, *, device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float64) -> None:
        if not isinstance(net, TwoLayerNet):
            raise ArchitectureError(f"expected a TwoLayerNet, got {type(net).__name__}")
        self.net = net
        self._init_device(device, dtype)
        self.activation: TorchActivation = torch_activation(net.activation)

    @classmethod
    def from_spec(cls, width: int, activation: Activation | str, input_dim: int = 1,
                  bias: bool = True, output_bias: bool = False, *,
                  device: torch.device | str | None = None,
                  dtype: torch.dtype = torch.float64) -> TwoLayerModel:
        """Build from width/activation (a name, expression string or ``Activation``)."""
        from ..symbolic.activation import get_activation

        act = get_activation(activation) if isinstance(activation, str) else activation
        net = TwoLayerNet(width, act, input_dim, bias, output_bias)
        return cls(net, device=device, dtype=dtype)

    # -- layout ----------------------------------------------------------------
    @property
    def width(self) -> int:
        return self.net.width

    @property
    def unit_size(self) -> int:
        return self.net.unit_size

    def prepare(self, X: Tensor) -> Tensor:
        """The design matrix ``X̃ = [X, 1]`` (or ``X`` without hidden biases)."""
        if not self.net.bias:
            return X
        return torch.cat([X, X.new_ones(X.shape[:-1] + (1,))], dim=-1)

    # -- core kernels on the design matrix ---------------------------------------
    # With a shared X the pre-activations are stored as (n, B, m) (the output of one
    # GEMM) and handed around as the (B, n, m) view ``permute(1, 0, 2)``; bmm reads
    # that strided view without copying.
    def _pre(self, theta: Tensor, Xd: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``a (B, m)``, pre-activations in storage layout ``z0`` and as ``z (B, n, m)``."""
        B, m, us = theta.shape[0], self.width, self.unit_size
        units = theta[:, : m * us].reshape(B, m, us)
        a, U = units[:, :, 0], units[:, :, 1:]
        if Xd.ndim == 2:  # one GEMM (n, d+1) x (d+1, B·m) for the whole batch
            z0 = (Xd @ U.reshape(B * m, us - 1).T).view(-1, B, m)
            return a, z0, z0.permute(1, 0, 2)
        z0 = Xd @ U.transpose(1, 2)
        return a, z0, z0

    def _output(self, theta: Tensor, a: Tensor, s0: Tensor, shared: bool) -> Tensor:
        """``f (B, n)`` from ``σ(z)`` in storage layout (for a shared X, a multiply-and-sum
        over the contiguous (n, B, m) array beats a strided bmm)."""
        if shared:
            f = (s0 * a[None]).sum(-1).T
        else:
            f = torch.bmm(s0, a[:, :, None])[:, :, 0]
        if self.net.output_bias:
            f = f + theta[:, -1:]
        return f

    def plan_candidates(self, B: int, n: int, shared: bool) -> list[KernelPlan]:
        """The plans :func:`~simtool.numeric.kernel_plan.calibrate` times: both layouts
        (a shared ``X``) × the samples per block that keep a ``(block, B, m)``
        intermediate within each candidate element budget, each distinct one once."""
        out, seen = [], set()
        for budget in CANDIDATE_BLOCKS:
            nb = self._samples(B, n, budget)
            if nb in seen:
                continue
            seen.add(nb)
            out += [KernelPlan(layout, nb) for layout in (("row", "unit") if shared else ("row",))]
        return out

    def _samples(self, B: int, n: int, budget: int) -> int:
        return max(1, min(n, budget // max(1, B * self.width)))

    def _block(self, B: int, n: int, device: torch.device) -> int:
        """Samples per block of :meth:`output`, so that a ``(block, B, m)`` intermediate
        stays in cache (the gradient kernel's blocks are its :class:`KernelPlan`)."""
        return self._samples(B, n, _BLOCK_ELEMENTS_CUDA if device.type == "cuda" else _BLOCK_ELEMENTS_CPU)

    def output(self, theta: Tensor, Xd: Tensor) -> Tensor:
        shared = Xd.ndim == 2
        n = Xd.shape[-2]
        nb = self._block(theta.shape[0], n, theta.device) if plain_no_grad(theta) else n
        parts = []
        for i in range(0, n, nb):
            a, z0, _ = self._pre(theta, Xd[i:i + nb] if shared else Xd[:, i:i + nb])
            parts.append(self._output(theta, a, self.activation.values(z0, 0)[0], shared))
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    def kernel_plan(self, theta: Tensor, Xd: Tensor, y: Tensor, loss: Loss,
                    workspace: dict | None = None) -> KernelPlan:
        """The :class:`KernelPlan` of the blocked kernel for this model and samples.

        A plan pinned in ``workspace`` (``workspace["kernel_plan"] = plan``, what
        ``GradientFlowField(kernel=...)`` does) is used as given; otherwise it is chosen
        once per model, samples and process by :func:`calibrate` (CPU) or is the
        default (CUDA, where blocks only bound memory), and kept in ``workspace`` so that
        a field and its ``rows`` run the same plan.
        """
        key = ("kernel_plan", Xd.shape[-2])
        if workspace is not None and key in workspace:
            return workspace[key]
        pinned = workspace.get("kernel_plan") if workspace is not None else None
        if pinned is not None:
            plan = pinned
        elif theta.device.type == "cuda":
            plan = KernelPlan("unit" if Xd.ndim == 2 else "row",
                              self._samples(theta.shape[0], Xd.shape[-2], _BLOCK_ELEMENTS_CUDA))
        else:
            plan = calibrate(self, theta, Xd, y, loss)
        if workspace is not None:
            workspace[key] = plan
        return plan

    def risk_and_grad_prepared(self, theta: Tensor, Xd: Tensor, y: Tensor, loss: Loss, *,
                               need_risk: bool = True, scale: float = 1.0,
                               workspace: dict | None = None,
                               plan: KernelPlan | None = None) -> tuple[Tensor | None, Tensor]:
        """``(R, scale · ∇R)``; the flow field uses ``scale = -1``.

        With autograd or a ``torch.func`` transform recording, the formulas run
        out of place on all samples at once.  Without (integrators run under
        ``no_grad``) the samples are processed in blocks whose intermediates stay in
        cache, updated in place, and the products accumulate straight into the output's
        layout: memory stays ``O(batch · D)`` whatever ``n``.  How (samples per block, and for a
        shared ``X`` whether the ``(block, ·, ·)`` intermediates are row-major
        ``(block, B, m)`` or unit-major ``(block, m, B)``) is ``plan``, else
        :meth:`kernel_plan`.  ``workspace``: a dict the caller keeps between calls, so
        that the block buffers and the plan are reused (not safe to share across threads).
        """
        if not plain_no_grad(theta):
            return self._risk_and_grad_autograd(theta, Xd, y, loss, need_risk, scale)
        if plan is None:
            plan = self.kernel_plan(theta, Xd, y, loss, workspace)
        return self._blocked(theta, Xd, y, loss, need_risk, scale, workspace, plan)

    def _blocked(self, theta: Tensor, Xd: Tensor, y: Tensor, loss: Loss, need_risk: bool,
                 scale: float, workspace: dict | None,
                 plan: KernelPlan) -> tuple[Tensor | None, Tensor]:
        """The blocked no-grad kernel.  Three layouts of the ``(block, ·, ·)`` arrays:
        shared ``X`` row-major ``(k, B, m)`` (column ``b·m + j`` of the GEMM is unit ``j`` of
        row ``b``), shared ``X`` unit-major ``(k, m, B)`` (column ``j·B + b``: the sums over
        units and samples then run over contiguous rows), and per-row ``X`` ``(B, k, m)``."""
        B, m, us = theta.shape[0], self.width, self.unit_size
        shared, n = Xd.ndim == 2, Xd.shape[-2]
        unit = shared and plan.layout == "unit"
        units = theta[:, : m * us].reshape(B, m, us)
        a = units[:, :, 0]
        if unit:
            au = a.T.contiguous()  # (m, B)
            Ucols = units[:, :, 1:].transpose(0, 1).reshape(m * B, us - 1)  # copy, unit-major
            a0, shape = au, (m, B)
        elif shared:
            Ucols = units[:, :, 1:].reshape(B * m, us - 1)
            a0, shape = a[None], (B, m)
        else:
            U = units[:, :, 1:]
            a0 = a[:, None, :]
        ga = theta.new_zeros(shape if shared else (B, m))
        # ∂R/∂u: with few inputs, accumulate it transposed, (d+1, columns) — that thin
        # GEMM is ~3× faster; with many, as (columns, d+1)
        transposed = us - 1 <= _TRANSPOSED_MAX_INPUTS
        if shared:
            gU = theta.new_zeros((us - 1, B * m) if transposed else (B * m, us - 1))
        else:
            gU = theta.new_zeros((B, us - 1, m) if transposed else (B, m, us - 1))
        risk = theta.new_zeros(B) if need_risk else None
        r_sum = theta.new_zeros(B)
        fold_a = n <= us - 1  # multiply a into the smaller of H and ∂R/∂u
        nb = min(n, plan.samples)
        bufs = _buffers(workspace, nb * B * m, theta)
        act = self.activation
        for i in range(0, n, nb):
            Xb, yb = (Xd[i:i + nb] if shared else Xd[:, i:i + nb]), y[..., i:i + nb]
            k = Xb.shape[-2]
            zb, sb, db, tb = (b[: k * B * m].view((k,) + shape if shared else (B, k, m))
                              for b in bufs)
            if shared:  # one GEMM (block, d+1) x (d+1, B·m)
                torch.mm(Xb, Ucols.T, out=zb.view(k, B * m))
            else:
                torch.bmm(Xb, U.transpose(1, 2), out=zb)
            if act.backward is not None:  # σ' from σ later, fused with the product by r
                s0, ds0 = act.values(zb, 0, out=(sb,))[0], None
            else:
                s0, ds0 = act.values(zb, 1, out=(sb, db))
            if unit:
                f = torch.mul(s0, a0, out=tb).sum(1).T
            elif shared:
                f = torch.mul(s0, a0, out=tb).sum(-1).T
            else:
                f = torch.bmm(s0, a[:, :, None])[:, :, 0]
            if self.net.output_bias:
                f = f + theta[:, -1:]
            r = loss.derivative(f, yb) * (scale / n)  # (B, block)
            if need_risk:
                risk += loss.value(f, yb).sum(1)
            r_sum += r.sum(1)
            # r in the layout of z
            rr = r.T[:, None, :] if unit else r.T[:, :, None] if shared else r[:, :, None]
            if shared:
                ga += torch.mul(s0, rr, out=tb).sum(0)
            else:
                ga += torch.bmm(r[:, None, :], s0)[:, 0, :]
            # s0 is not read after this point, so σ and σ' may alias (e.g. exp)
            if ds0 is None:  # r_i σ'(z_ik) in one fused pass (tanh, sigmoid)
                H = act.backward(rr.expand_as(s0), s0, out=db)
            else:
                H = ds0.mul_(rr)  # r_i σ'(z_ik)
            if fold_a:
                H.mul_(a0)
            if shared and transposed:
                gU.addmm_(Xb.T, H.view(-1, B * m))
            elif shared:
                gU.addmm_(H.view(-1, B * m).T, Xb)
            elif transposed:
                gU.baddbmm_(Xb.transpose(1, 2), H)
            else:
                gU.baddbmm_(H.transpose(1, 2), Xb)
        grad = theta.new_empty(B, m, us)
        if unit:
            grad[:, :, 0] = ga.T
            gU = gU.view(us - 1, m, B).permute(2, 1, 0) if transposed else \
                gU.view(m, B, us - 1).transpose(0, 1)
        elif shared:
            grad[:, :, 0] = ga
            gU = gU.T.view(B, m, us - 1) if transposed else gU.view(B, m, us - 1)
        else:
            grad[:, :, 0] = ga
            gU = gU.transpose(1, 2) if transposed else gU
        if fold_a:
            grad[:, :, 1:] = gU
        else:
            torch.mul(gU, a[:, :, None], out=grad[:, :, 1:])
        grad = grad.view(B, m * us)
        if self.net.output_bias:
            grad = torch.cat([grad, r_sum[:, None]], dim=1)
        return (risk / n if need_risk else None), grad

    def _risk_and_grad_autograd(self, theta: Tensor, Xd: Tensor, y: Tensor, loss: Loss,
                                need_risk: bool, scale: float) -> tuple[Tensor | None, Tensor]:
        B, m = theta.shape[0], self.width
        shared = Xd.ndim == 2
        a, z0, z = self._pre(theta, Xd)
        s0, ds0 = self.activation.values(z0, 1)
        f = self._output(theta, a, s0, shared)
        n = z.shape[1]
        r = loss.derivative(f, y) * (scale / n)  # (B, n)
        s = s0.permute(1, 0, 2) if shared else s0
        ga = torch.bmm(r[:, None, :], s)[:, 0, :]  # Σ_i r_i σ(z_ik)
        rr = r.T[:, :, None] if shared else r[:, :, None]
        H0 = ds0 * rr  # r_i σ'(z_ik)
        gU = (H0.reshape(n, B * m).T @ Xd).view(B, m, -1) if shared else H0.transpose(1, 2) @ Xd
        grad = torch.cat([ga[:, :, None], gU * a[:, :, None]], dim=2).reshape(B, -1)
        if self.net.output_bias:
            grad = torch.cat([grad, r.sum(1, keepdim=True)], dim=1)
        risk = loss.value(f, y).mean(1) if need_risk else None
        return risk, grad

    def jacobian_prepared(self, theta: Tensor, Xd: Tensor) -> Tensor:
        """Per-sample gradients ``∇_θ f(θ_b, x_i)``, shape ``(batch, n, D)`` (analytic)."""
        B = theta.shape[0]
        a, _, z = self._pre(theta, Xd)
        s, ds = self.activation.values(z, 1)
        n = z.shape[1]
        Xb = Xd[None, :, None, :] if Xd.ndim == 2 else Xd[:, :, None, :]
        gU = (a[:, None, :] * ds)[..., None] * Xb  # (B, n, m, us-1)
        J = torch.cat([s[..., None], gU], dim=3).reshape(B, n, -1)
        if self.net.output_bias:
            J = torch.cat([J, J.new_ones(B, n, 1)], dim=2)
        return J
