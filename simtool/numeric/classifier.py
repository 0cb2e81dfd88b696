r"""Batched vector-output MLP classifiers with softmax cross-entropy.

Every row of ``θ`` ``(batch, D)`` is an independent network with layer widths
``widths = (d, h_1, …, h_{L-1}, C)``:

.. math:: a^0 = x,\quad z^l = W_l a^{l-1} + b_l,\quad a^l = \sigma(z^l)\ (l < L),
          \quad f(\theta, x) = z^L \in \mathbb{R}^C .

Layout (the one place that knows it: :attr:`MLPClassifier.layout`): layer by layer,
``W_l`` row-major ``(h_l, h_{l-1})`` then ``b_l`` (if ``bias``).  The loss is the
softmax cross-entropy of the logits (:class:`SoftmaxCrossEntropy`),
:math:`\ell(z, y) = \log\sum_c e^{z_c} - z_y`, with :math:`\partial\ell/\partial z = \mathrm{softmax}(z) - e_y`.
The risk gradient is computed by batched back-propagation (``bmm``), checked against
``torch.func.grad`` in the tests:

.. math:: \delta^L = \tfrac1n(\mathrm{softmax}(z^L) - e_y), \quad
          \nabla_{W_l} R = \sum_i \delta^l_i (a^{l-1}_i)^T, \quad
          \delta^{l-1} = (W_l^T \delta^l) \odot \sigma'(z^{l-1}).

Inputs ``X`` are ``(n, d)`` (shared by every row) or ``(batch, n, d)`` (one
minibatch per row); labels ``y`` are integer ``(n,)`` or ``(batch, n)``.
Method names follow the numeric engine's model protocol: ``dim``, ``forward``,
``risk``, ``risk_and_grad``, ``sample_theta``.

Public API
----------
``SoftmaxCrossEntropy``, ``ACTIVATIONS`` (``tanh``, ``relu``, ``linear``),
``MLPClassifier(widths, activation="tanh", bias=True, *, device=None, dtype=torch.float64)``
with ``dim``, ``layout``, ``n_classes``, ``forward(θ, X) -> (batch, n, C)``,
``hidden(θ, X) -> list of (batch, n, h_l)``, ``preactivations(θ, X)``,
``risk(θ, X, y, loss=None, weights=None)``, ``risk_and_grad(θ, X, y, loss=None, weights=None)``,
``jacobian(θ, X) -> (batch, n, C, D)``, ``probabilities(θ, X)``,
``sample_theta(batch, *, generator)``; ``default_device()``.

Examples
--------
>>> import torch
>>> model = MLPClassifier((2, 3, 4))
>>> model.dim
25
>>> theta = model.sample_theta(5, generator=torch.Generator().manual_seed(0))
>>> model.forward(theta, torch.zeros(7, 2)).shape
torch.Size([5, 7, 4])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..errors import ArchitectureError, DataError

__all__ = ["SoftmaxCrossEntropy", "ACTIVATIONS", "MLPClassifier", "default_device"]

Tensor = torch.Tensor


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass(frozen=True)
class SoftmaxCrossEntropy:
    """Vector-output loss :math:`\\ell(z, y) = \\mathrm{logsumexp}(z) - z_y` on logits ``(..., C)``."""

    name: str = "cross_entropy"

    def value(self, logits: Tensor, y: Tensor) -> Tensor:
        """Per-sample loss, ``(..., n)``."""
        picked = torch.gather(logits, -1, y.expand(logits.shape[:-1]).unsqueeze(-1)).squeeze(-1)
        return torch.logsumexp(logits, dim=-1) - picked

    def derivative(self, logits: Tensor, y: Tensor) -> Tensor:
        """:math:`\\partial\\ell/\\partial z = \\mathrm{softmax}(z) - e_y`, ``(..., n, C)``."""
        g = torch.softmax(logits, dim=-1)
        return g - torch.nn.functional.one_hot(y.expand(logits.shape[:-1]), logits.shape[-1]).to(g.dtype)

    def check_targets(self, y: Tensor, n_classes: int) -> None:
        if y.dtype not in (torch.int64, torch.int32) or y.numel() == 0:
            raise DataError(f"cross-entropy needs integer class labels, got dtype {y.dtype}")
        if int(y.min()) < 0 or int(y.max()) >= n_classes:
            raise DataError(f"labels must lie in 0..{n_classes - 1}, got {int(y.min())}..{int(y.max())}")


def _relu_grad(z: Tensor, a: Tensor) -> Tensor:
    return (z > 0).to(z.dtype)


#: name -> (σ, σ'(z, σ(z)))
ACTIVATIONS = {
    "tanh": (torch.tanh, lambda z, a: 1.0 - a * a),
    "relu": (torch.relu, _relu_grad),
    "linear": (lambda z: z, lambda z, a: torch.ones_like(z)),
}


class MLPClassifier:
    """Batched MLP ``widths[0] → … → widths[-1]`` logits (see the module docstring)."""

    def __init__(self, widths: Sequence[int], activation: str = "tanh", bias: bool = True, *,
                 device=None, dtype=torch.float64):
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2 or any(w < 1 for w in widths):
            raise ArchitectureError(f"widths must be at least two positive integers, got {widths}")
        if activation not in ACTIVATIONS:
            raise ArchitectureError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        self.widths, self.activation, self.bias = widths, activation, bool(bias)
        self.device = torch.device(device) if device is not None else default_device()
        self.dtype = dtype
        self._sigma, self._sigma_grad = ACTIVATIONS[activation]
        layout, offset = [], 0
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            w = (offset, offset + fan_out * fan_in)
            offset = w[1]
            b = (offset, offset + fan_out) if self.bias else None
            offset = b[1] if b else offset
            layout.append((w, b))
        #: per layer ``((w_start, w_stop), (b_start, b_stop) or None)`` slices of θ
        self.layout = tuple(layout)
        self.dim = offset
        self.n_classes = widths[-1]
        self.input_dim = widths[0]
        self.depth = len(widths) - 1
        self.loss = SoftmaxCrossEntropy()

    def __repr__(self) -> str:
        return f"MLPClassifier(widths={self.widths}, activation={self.activation!r}, bias={self.bias})"

    def _weights(self, theta: Tensor, layer: int) -> tuple[Tensor, Tensor | None]:
        (w0, w1), b = self.layout[layer]
        fan_in, fan_out = self.widths[layer], self.widths[layer + 1]
        W = theta[:, w0:w1].reshape(-1, fan_out, fan_in)
        return W, (theta[:, b[0]:b[1]] if b else None)

    def as_inputs(self, X) -> Tensor:
        X = torch.as_tensor(X, dtype=self.dtype, device=self.device)
        if X.dim() not in (2, 3) or X.shape[-1] != self.input_dim:
            raise DataError(f"inputs must be (n, {self.input_dim}) or (batch, n, {self.input_dim}), "
                            f"got {tuple(X.shape)}")
        return X

    def _layers(self, theta: Tensor, X: Tensor):
        """Yield ``(z_l, a_l)`` for every layer (``a_L = z_L``)."""
        a = X if X.dim() == 3 else X.unsqueeze(0).expand(theta.shape[0], *X.shape)
        for layer in range(self.depth):
            W, b = self._weights(theta, layer)
            z = torch.bmm(a, W.transpose(1, 2))
            if b is not None:
                z = z + b.unsqueeze(1)
            a = self._sigma(z) if layer < self.depth - 1 else z
            yield z, a

    def forward(self, theta: Tensor, X) -> Tensor:
        """Logits ``(batch, n, C)``."""
        *_, (_, logits) = self._layers(theta, self.as_inputs(X))
        return logits

    __call__ = forward

    def hidden(self, theta: Tensor, X) -> list[Tensor]:
        """Post-activations of the hidden layers, each ``(batch, n, h_l)``."""
        return [a for _, a in self._layers(theta, self.as_inputs(X))][:-1]

    def preactivations(self, theta: Tensor, X) -> list[Tensor]:
        """Pre-activations ``z_l`` of the hidden layers (their signs are ReLU patterns)."""
        return [z for z, _ in self._layers(theta, self.as_inputs(X))][:-1]

    def jacobian(self, theta: Tensor, X) -> Tensor:
        """Per-sample Jacobian of the logits, ``∂f_c(θ, x_i)/∂θ``, shape ``(batch, n, C, D)`` (``torch.func``)."""
        X = self.as_inputs(X)
        func = torch.func
        if X.dim() == 2:
            return func.vmap(func.jacrev(lambda t: self.forward(t.unsqueeze(0), X)[0]))(theta)
        return func.vmap(func.jacrev(lambda t, x: self.forward(t.unsqueeze(0), x.unsqueeze(0))[0]))(theta, X)

    def probabilities(self, theta: Tensor, X) -> Tensor:
        """Softmax of the logits, ``(batch, n, C)``."""
        return torch.softmax(self.forward(theta, X), dim=-1)

    def as_targets(self, y) -> Tensor:
        y = torch.as_tensor(y, device=self.device)
        self.loss.check_targets(y, self.n_classes)
        return y.to(torch.int64)

    @staticmethod
    def _sample_weights(weights, n: int, like: Tensor) -> Tensor:
        """``(batch or 1, n)`` weights summing to one per row (uniform ``1/n`` when ``None``)."""
        if weights is None:
            return torch.full((1, n), 1.0 / n, dtype=like.dtype, device=like.device)
        w = torch.as_tensor(weights, dtype=like.dtype, device=like.device)
        w = w.reshape(1, n) if w.dim() == 1 else w
        total = w.sum(dim=-1, keepdim=True)
        if bool((total <= 0).any()) or bool((w < 0).any()):
            raise DataError("sample weights must be non-negative with a positive sum per row")
        return w / total

    def risk(self, theta: Tensor, X, y, loss: SoftmaxCrossEntropy | None = None, weights=None) -> Tensor:
        """Mean (or ``weights``-weighted mean) loss per row, ``(batch,)``."""
        loss = loss or self.loss
        values = loss.value(self.forward(theta, X), self.as_targets(y))
        return (values * self._sample_weights(weights, values.shape[-1], values)).sum(dim=-1)

    def risk_and_grad(self, theta: Tensor, X, y, loss: SoftmaxCrossEntropy | None = None, weights=None):
        """``(risk (batch,), ∇_θ R (batch, D))`` by batched back-propagation.

        ``weights`` ``(n,)`` or ``(batch, n)``, non-negative, weight the samples of each row
        (normalised to sum one; a 0/1 mask trains each row on its own subset).
        """
        loss = loss or self.loss
        X, y = self.as_inputs(X), self.as_targets(y)
        zs, acts = [], []
        for z, a in self._layers(theta, X):
            zs.append(z)
            acts.append(a)
        logits = acts[-1]
        w = self._sample_weights(weights, logits.shape[1], logits)
        risk = (loss.value(logits, y) * w).sum(dim=-1)
        delta = loss.derivative(logits, y) * w.unsqueeze(-1)
        grad = torch.empty_like(theta)
        inputs = [X if X.dim() == 3 else X.unsqueeze(0).expand(theta.shape[0], *X.shape)] + acts[:-1]
        for layer in reversed(range(self.depth)):
            (w0, w1), b = self.layout[layer]
            grad[:, w0:w1] = torch.bmm(delta.transpose(1, 2), inputs[layer]).reshape(theta.shape[0], -1)
            if b is not None:
                grad[:, b[0]:b[1]] = delta.sum(dim=1)
            if layer > 0:
                W, _ = self._weights(theta, layer)
                delta = torch.bmm(delta, W) * self._sigma_grad(zs[layer - 1], acts[layer - 1])
        return risk, grad

    def sample_theta(self, batch: int, *, generator: torch.Generator | None = None) -> Tensor:
        r"""PyTorch's default ``nn.Linear`` init: every weight and bias ``U(-1/\sqrt{fan\_in}, 1/\sqrt{fan\_in})``."""
        theta = torch.empty(batch, self.dim, dtype=self.dtype)
        for layer, ((w0, w1), b) in enumerate(self.layout):
            bound = self.widths[layer] ** -0.5
            stop = b[1] if b else w1
            theta[:, w0:stop] = (torch.rand(batch, stop - w0, generator=generator, dtype=self.dtype) * 2 - 1) * bound
        return theta.to(self.device)
